# fuzz/fuzz.mk - the libFuzzer harnesses (docs/SECURITY.md, fuzz/README.md).
# Self-contained: `make -f fuzz/fuzz.mk TARGET` from the repository root,
# or included by the Makefile.
#
#   make fuzz FUZZ_SECONDS=N   each harness for N seconds (default 60), one
#                              after another, one process each; new inputs
#                              go to build/fuzz/corpus/, crashes to
#                              build/fuzz/artifacts/; the summary is in
#                              build/fuzz/summary.txt
#   make fuzz-build            the harnesses, in build/fuzz/
#   make fuzz-seeds            remakes the committed seeds in fuzz/corpus/
#
# Needs clang and its fuzzer runtime (Debian: clang, libclang-rt-14-dev).
# Without them, tests/fuzz_replay.sh still replays every committed input
# under gcc's ASan+UBSan.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := model_load checkpoint_load api pnm wav shape
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iinclude -Isrc
FUZZ_WARN := -Wall -Wextra -Wpedantic -Wshadow -Werror
FUZZ_LIB_OBJ := $(patsubst src/%.c,build/fuzz/obj/%.o,$(wildcard src/*.c))
FUZZ_HDR := include/siren.h $(wildcard src/*.h) fuzz/fuzz.h fuzz/fuzz_alloc.h
FUZZ_BIN := $(FUZZ_HARNESSES:%=build/fuzz/fuzz_%)
# The examples' readers. FUZZ_EXAMPLES: another directory with copies of
# examples/common (to fuzz a fix before it lands there).
FUZZ_EXAMPLES ?= examples/common
FUZZ_EXAMPLE_OBJ := build/fuzz/obj/example_pnm.o build/fuzz/obj/example_wav.o \
                    build/fuzz/obj/example_pointcloud.o build/fuzz/obj/example_ply.o \
                    build/fuzz/obj/example_shape_text.o build/fuzz/obj/example_files.o \
                    build/fuzz/obj/example_error_message.o

.PHONY: fuzz fuzz-build fuzz-seeds
# Objects made by pattern rules would otherwise be deleted as intermediates.
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_EXAMPLE_OBJ)

build/fuzz/obj:
	mkdir -p $@

build/fuzz/obj/%.o: src/%.c $(FUZZ_HDR) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/obj/example_%.o: $(FUZZ_EXAMPLES)/%.c $(wildcard $(FUZZ_EXAMPLES)/*.h) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(FUZZ_EXAMPLES) -c $< -o $@

# The library's harnesses.
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HDR) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJ) -o $@ -lm -lpthread

# A reader's harness: the harness and the reader's objects only.
define fuzz_reader
build/fuzz/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/fuzz.h $(2:%=build/fuzz/obj/example_%.o)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) $$(FUZZ_WARN) -I$$(FUZZ_EXAMPLES) -fsanitize=fuzzer $$< \
	    $(2:%=build/fuzz/obj/example_%.o) -o $$@ -lm
endef
$(eval $(call fuzz_reader,pnm,pnm files error_message))
$(eval $(call fuzz_reader,wav,wav files error_message))
$(eval $(call fuzz_reader,shape,pointcloud ply shape_text files error_message))

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# The seeds are made by the plain library, from the sources, with $(CC).
build/fuzz/make_seeds: fuzz/make_seeds.c $(wildcard src/*.c) $(FUZZ_HDR) | build/fuzz/obj
	$(CC) -std=c11 -O1 -g -Iinclude -Isrc fuzz/make_seeds.c $(wildcard src/*.c) -o $@ -lm -lpthread

fuzz-seeds: build/fuzz/make_seeds
	./build/fuzz/make_seeds
