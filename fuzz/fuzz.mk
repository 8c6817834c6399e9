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
# Without them, tests/scripts/fuzz_replay.sh still replays every committed input
# under gcc's ASan+UBSan.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES := model_load checkpoint_load api pnm wav shape image
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -Iinclude -Isrc
FUZZ_WARN := -Wall -Wextra -Wpedantic -Wshadow -Werror
FUZZ_LIB_OBJ := $(patsubst src/%.c,build/fuzz/obj/%.o,$(wildcard src/*.c))
FUZZ_HDR := include/siren.h $(wildcard src/*.h) fuzz/fuzz.h fuzz/fuzz_alloc.h
FUZZ_BIN := $(FUZZ_HARNESSES:%=build/fuzz/fuzz_%)
# The examples' readers: examples/io, with the codec of the image library
# found (examples/image_lib.mk), built once into an archive with the
# harnesses' flags, which the readers' harnesses link. FUZZ_EXAMPLES:
# another directory with a copy of examples/io (to fuzz a fix before it
# lands there).
include examples/image_lib.mk
FUZZ_EXAMPLES ?= examples/io
FUZZ_EXAMPLE_OBJ := $(patsubst $(FUZZ_EXAMPLES)/%.c,build/fuzz/examples/%.o, \
                    $(wildcard $(FUZZ_EXAMPLES)/*.c) $(FUZZ_EXAMPLES)/codecs/$(IMAGE_LIB).c)
FUZZ_EXAMPLE_LIB := build/fuzz/examples/libio.a

.PHONY: fuzz fuzz-build fuzz-seeds
# Objects made by pattern rules would otherwise be deleted as intermediates.
.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_EXAMPLE_OBJ)

build/fuzz/obj:
	mkdir -p $@

build/fuzz/obj/%.o: src/%.c $(FUZZ_HDR) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/examples/%.o: $(FUZZ_EXAMPLES)/%.c $(wildcard $(FUZZ_EXAMPLES)/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(FUZZ_EXAMPLES) \
	    $(if $(findstring /codecs/,$<),$(patsubst -I%,-isystem %,$(IMAGE_CFLAGS))) -c $< -o $@
$(FUZZ_EXAMPLE_LIB): $(FUZZ_EXAMPLE_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

# The library's harnesses.
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HDR) $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJ) -o $@ -lm -lpthread

# A reader's harness: the harness and the examples' readers.
FUZZ_READERS := build/fuzz/fuzz_pnm build/fuzz/fuzz_wav build/fuzz/fuzz_shape \
                build/fuzz/fuzz_image
$(FUZZ_READERS): build/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h fuzz/image_checks.h \
    $(FUZZ_EXAMPLE_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -I$(FUZZ_EXAMPLES) -fsanitize=fuzzer $< \
	    $(FUZZ_EXAMPLE_LIB) $(IMAGE_LIBS) -o $@ -lm

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# The seeds are made by the plain library, from the sources, with $(CC).
build/fuzz/make_seeds: fuzz/make_seeds.c $(wildcard src/*.c) $(FUZZ_HDR) | build/fuzz/obj
	$(CC) -std=c11 -O1 -g -Iinclude -Isrc fuzz/make_seeds.c $(wildcard src/*.c) -o $@ -lm -lpthread

fuzz-seeds: build/fuzz/make_seeds
	./build/fuzz/make_seeds
