# libsiren - build, test, install.
#
#   make              lib/libsiren.a and lib/libsiren.so.MAJOR.MINOR.PATCH
#   make demo         fit data/camera.pgm with examples/fit_image (the main job),
#                     writing PNG when an image library is found, else PGM
#   make IMAGE_LIB=none|libpng|stb  any target, with that image library for the
#                     examples' PNG (examples/image_lib.mk; default: found)
#   make check        every test, plain and under ASan+UBSan; last line "N passed, N failed"
#   make examples     the example programs, in bin/
#   make bench        speed against PyTorch (minutes; docs/PERFORMANCE.md)
#   make bench-latency  siren_eval per call and per point, n = 1 ... 65536
#   make bench-fingerprint  what a full parameter check at backward would cost
#   make bench-saves  what the flushes of a durable save cost on this disk
#   make BLAS=openblas  any target, with the matrix products done by that CBLAS
#                     (a pkg-config package); the default build needs no BLAS
#   make fuzz         the libFuzzer harnesses, FUZZ_SECONDS each (docs/SECURITY.md)
#   make mpi          lib/libsiren_mpi.*, training over MPI (mpicc; or MPI=1 with
#                     any target; docs/SCALING.md). make bench-mpi: its benchmark
#   make MPI=auto|1|0  any target, with the training examples over MPI when
#                     mpicc is found (auto, the default), always, or never
#                     (examples/mpi.mk); mpirun -np N bin/PROGRAM then trains on N ranks
#   make install      PREFIX, DESTDIR, LIBDIR, INCLUDEDIR, PKGCONFIGDIR honoured
#                     (libsiren_mpi too when it has been built)
#   make uninstall
#   make clean

# The version lives in include/siren.h only.
version_part = $(shell sed -n 's/^\#define SIREN_VERSION_$(1) *\([0-9][0-9]*\).*/\1/p' include/siren.h)
MAJOR := $(call version_part,MAJOR)
MINOR := $(call version_part,MINOR)
PATCH := $(call version_part,PATCH)
VERSION := $(MAJOR).$(MINOR).$(PATCH)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
# make V=1 shows the commands.
V ?= 0
ifeq ($(V),0)
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
say :=
endif
PYTHON ?= /usr/bin/python3
OPT ?= -O2
WARN := -Wall -Wextra -Wpedantic -Wconversion -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Werror
BASE_CFLAGS := -std=c11 $(OPT) -g -Iinclude -Isrc
LIB_CFLAGS := $(BASE_CFLAGS) $(WARN) -fPIC -fvisibility=hidden $(CFLAGS)
# Tests and examples: the same warnings, but not -Wconversion (float-heavy
# test arithmetic would drown in casts) and not -Werror-free: still errors.
APP_CFLAGS := $(BASE_CFLAGS) -Wall -Wextra -Wpedantic -Wshadow -Werror $(CFLAGS)
LDLIBS := -lm -lpthread
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Optional CBLAS (docs/PERFORMANCE.md, "With a BLAS").
BLAS ?=
LIBS_PRIVATE := -lm -lpthread
REQUIRES_PRIVATE :=
ifneq ($(BLAS),)
BLAS_LIBS := $(shell pkg-config --libs $(BLAS) 2>/dev/null)
ifeq ($(BLAS_LIBS),)
$(error BLAS=$(BLAS): pkg-config does not know it (Debian: apt-get install libopenblas-dev))
endif
LIB_CFLAGS += -DSIREN_USE_CBLAS $(shell pkg-config --cflags $(BLAS))
LDLIBS += $(BLAS_LIBS)
REQUIRES_PRIVATE := $(BLAS)
endif
empty :=
space := $(empty) $(empty)
BLAS_LINK := $(if $(BLAS_LIBS),;$(subst $(space),;,$(strip $(BLAS_LIBS))))

LIB_SRC := $(wildcard src/*.c)
LIB_HDR := include/siren.h $(wildcard src/*.h)
LIB_OBJ := $(LIB_SRC:src/%.c=build/obj/%.o)
SAN_OBJ := $(LIB_SRC:src/%.c=build/san/obj/%.o)

# tests/lib/: the library's tests; tests/examples/FOLDER/: those of the
# examples' code in examples/FOLDER/; tests/examples/*.sh: the example
# programs end to end; tests/scripts/: builds, installs, bindings, tools.
TEST_SRC := $(wildcard tests/lib/test_*.c tests/examples/*/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=build/tests/%)
SAN_TEST_BIN := $(TEST_SRC:tests/%.c=build/san/tests/%)
TEST_HDR := tests/check.h tests/untrusted_files.h $(wildcard tests/lib/*.h)
PY_TESTS := $(wildcard tests/lib/test_*.py)

# The example programs: examples/NAME.c is bin/NAME. Their code is in
# folders, each built once into an archive that the programs, the tests of
# that code (tests/examples/FOLDER/) and the fuzzers link, so that no list
# of sources is written twice:
#   examples/io/    every reader and writer of user files   build/examples/libio.a
#   examples/fit/   options, training, progress, rendering  build/examples/libfit.a
#   examples/pde/   Bessel, PML, finite differences          build/examples/libpde.a
#   examples/NAME/  program NAME's own parts                 build/examples/libNAME.a
# A folder uses only those after it in EXAMPLE_SHARED (the link order).
EXAMPLE_SHARED := pde fit io
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=bin/%)
EXAMPLE_NAMES := $(EXAMPLE_SRC:examples/%.c=%)
EXAMPLE_PRIVATE := $(foreach x,$(EXAMPLE_NAMES),$(if $(wildcard examples/$(x)/*.c),$(x)))
EXAMPLE_FOLDERS := $(EXAMPLE_PRIVATE) $(EXAMPLE_SHARED)
EXAMPLE_HDR := $(wildcard $(EXAMPLE_FOLDERS:%=examples/%/*.h))
# PNG (and more) through an image library, found now: IMAGE_LIB, its
# codec examples/io/codecs/$(IMAGE_LIB).c in libio.a, IMAGE_LIBS to link.
include examples/image_lib.mk
# MPI for the training programs (MPI=auto|1|0): EXAMPLES_MPI, EXAMPLE_CC,
# EXAMPLE_LD, EXAMPLE_MPI_LIB (examples/mpi.mk).
include examples/mpi.mk
# $(call example_sources,FOLDER): the sources of FOLDER's archive.
example_sources = $(wildcard examples/$(1)/*.c) $(if $(filter io,$(1)),examples/io/codecs/$(IMAGE_LIB).c)
# $(call example_libs,BUILD_DIR,FOLDER): the archives that code of FOLDER
# (a program's, or a shared folder's) links, in link order.
example_libs = $(patsubst %,$(1)/examples/lib%.a,$(filter $(2),$(EXAMPLE_PRIVATE)) $(EXAMPLE_SHARED))

STATIC := lib/libsiren.a
SHARED := lib/libsiren.so.$(VERSION)
SONAME := libsiren.so.$(MAJOR)

.PHONY: all examples tests check demo bench bench-latency bench-fingerprint bench-saves hypernet \
    install uninstall clean FORCE print-image-libs
all: $(STATIC) $(SHARED) lib/$(SONAME) lib/libsiren.so

# Rewritten only when the flags change, so that `make BLAS=...` after a
# default build (or back) rebuilds everything that depends on them.
build/flags: FORCE | build/obj
	@printf '%s\n' '$(LIB_CFLAGS) $(LDLIBS)' | cmp -s - $@ || \
	    printf '%s\n' '$(LIB_CFLAGS) $(LDLIBS)' > $@
FORCE:

build/obj/%.o: src/%.c $(LIB_HDR) build/flags | build/obj
	$(call say,CC,$@)$(CC) $(LIB_CFLAGS) -c $< -o $@
build/san/obj/%.o: src/%.c $(LIB_HDR) build/flags | build/san/obj
	$(call say,CC,$@)$(CC) $(LIB_CFLAGS) $(SAN) -c $< -o $@

$(STATIC): $(LIB_OBJ) | lib
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^
build/san/libsiren.a: $(SAN_OBJ)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^
$(SHARED): $(LIB_OBJ) src/libsiren.map | lib
	$(call say,LD,$@)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libsiren.map \
	    -Wl,--no-undefined $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)
lib/$(SONAME): $(SHARED)
	ln -sf $(notdir $<) $@
lib/libsiren.so: lib/$(SONAME)
	ln -sf $(notdir $<) $@

build/obj build/san/obj lib bin:
	mkdir -p $@

# ---------------------------------------------------------------- tests
# A test of tests/examples/FOLDER/ links the archives of examples/FOLDER
# and those it uses (FOLDER is the first directory of its path).
test_libs = $(if $(filter examples/%,$(2)),$(call example_libs,$(1),$(word 2,$(subst /, ,$(2)))))
# With MPI (examples/mpi.mk) such a test is linked by MPICC with
# libsiren_mpi, as the programs are.
$(foreach t,$(TEST_SRC:tests/%.c=%),\
    $(eval build/tests/$(t): $(call test_libs,build,$(t)) \
        $(if $(call test_libs,build,$(t)),$(EXAMPLE_MPI_LIB))) \
    $(eval build/san/tests/$(t): $(call test_libs,build/san,$(t)) \
        $(if $(call test_libs,build,$(t)),$(EXAMPLE_MPI_SAN_LIB))))
test_cc = $(if $(call test_libs,build,$(1)),$(EXAMPLE_LD),$(CC))
build/tests/%: tests/%.c $(TEST_HDR) $(EXAMPLE_HDR) $(STATIC)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(call test_cc,$*) $(APP_CFLAGS) -Itests -Iexamples $< -o $@ \
	    $(call test_libs,build,$*) $(if $(call test_libs,build,$*),$(EXAMPLE_MPI_LIB)) \
	    $(STATIC) $(if $(call test_libs,build,$*),$(IMAGE_LIBS)) $(LDLIBS)
build/san/tests/%: tests/%.c $(TEST_HDR) $(EXAMPLE_HDR) build/san/libsiren.a
	@mkdir -p $(@D)
	$(call say,CC,$@)$(call test_cc,$*) $(APP_CFLAGS) $(SAN) -Itests -Iexamples $< -o $@ \
	    $(call test_libs,build/san,$*) \
	    $(if $(call test_libs,build,$*),$(EXAMPLE_MPI_SAN_LIB)) build/san/libsiren.a \
	    $(if $(call test_libs,build,$*),$(IMAGE_LIBS)) $(LDLIBS)

tests: $(TEST_BIN) $(SAN_TEST_BIN)

# The tests find the shared library and the example programs through these.
TEST_ENV := SIREN_LIBRARY=$(CURDIR)/$(SHARED) SIREN_ROOT=$(CURDIR) PYTHON=$(PYTHON) \
            UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1

check: all tests examples
	@$(TEST_ENV) MAKE=$(MAKE) sh tests/run.sh $(TEST_BIN) $(SAN_TEST_BIN) \
	    $(addprefix tests/scripts/,symbols.sh cxx_header.sh readme_example.sh install.sh \
	    python_package.sh rust_crate.sh consumers.sh bindings_doc.sh abi.sh blas_build.sh \
	    fuzz_replay.sh fuzz_short.sh tsan.sh valgrind.sh image_libs.sh) tests/scripts/mpi.sh \
	    $(wildcard tests/examples/*.sh) $(PY_TESTS)

# ------------------------------------------------------------- examples
# Objects and archives, plain (build/) and with the sanitizers (build/san/,
# for the sanitized tests).
build/examples/%.o: examples/%.c $(EXAMPLE_HDR) include/siren.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(EXAMPLE_CC) $(APP_CFLAGS) -Iexamples $(CODEC_CFLAGS) $(EXAMPLE_DEFS) \
	    -c $< -o $@
build/san/examples/%.o: examples/%.c $(EXAMPLE_HDR) include/siren.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(EXAMPLE_CC) $(APP_CFLAGS) $(SAN) -Iexamples $(CODEC_CFLAGS) \
	    $(EXAMPLE_DEFS) -c $< -o $@
# The codec sees the library's headers as system headers (no warnings of theirs).
build/examples/io/codecs/%.o build/san/examples/io/codecs/%.o: \
    CODEC_CFLAGS = $(patsubst -I%,-isystem %,$(IMAGE_CFLAGS))
define example_archive
$(1)/examples/lib$(2).a: $(patsubst examples/%.c,$(1)/examples/%.o,$(call example_sources,$(2)))
	$$(call say,AR,$$@)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach f,$(EXAMPLE_FOLDERS),$(eval $(call example_archive,build,$(f))) \
    $(eval $(call example_archive,build/san,$(f))))
# What a program linking libio.a also links (tests/scripts/fuzz_replay.sh).
print-image-libs:
	@echo $(IMAGE_LIBS)
# A change of IMAGE_LIB rebuilds libio.a with the other codec.
build/examples/image_lib: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(IMAGE_LIB) $(IMAGE_CFLAGS) $(IMAGE_LIBS)' | cmp -s - $@ || \
	    printf '%s\n' '$(IMAGE_LIB) $(IMAGE_CFLAGS) $(IMAGE_LIBS)' > $@
build/examples/libio.a build/san/examples/libio.a: build/examples/image_lib

$(foreach x,$(EXAMPLE_NAMES),$(eval bin/$(x): $(call example_libs,build,$(x))))
bin/%: examples/%.c $(EXAMPLE_HDR) $(EXAMPLE_MPI_LIB) $(STATIC) | bin
	$(call say,CC,$@)$(EXAMPLE_LD) $(APP_CFLAGS) -Iexamples $< -o $@ \
	    $(call example_libs,build,$*) $(EXAMPLE_MPI_LIB) $(STATIC) $(IMAGE_LIBS) $(LDLIBS)

# examples/minimal/: programs a user can copy, which include nothing but
# <siren.h> and the C library (hence -Iinclude alone) and link the library.
MINIMAL_BIN := $(patsubst examples/minimal/%.c,bin/minimal/%,$(wildcard examples/minimal/*.c))
bin/minimal/%: examples/minimal/%.c include/siren.h $(STATIC)
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(OPT) -g -Iinclude $(WARN) $(CFLAGS) $< -o $@ $(STATIC) \
	    $(LDLIBS)

examples: $(EXAMPLE_BIN) $(MINIMAL_BIN)

# The README's first command: fit data/camera.pgm at 256x256 (issue 3: under
# 3 minutes on the 2-core reference machine, at least 30 dB).
# The paper's setup but for the learning rate (2e-4, not 1e-4), so that
# 30 dB comes within 3 minutes here (docs/RESULTS.md).
# It writes PNG when the build has an image library (examples/image_lib.mk),
# else PGM, and says which.
demo: all examples
	@echo "demo: the images are $(if $(filter none,$(IMAGE_LIB)),PGM (this build has no \
	    image library: IMAGE_LIB=none),PNG (IMAGE_LIB=$(IMAGE_LIB)))"
	./bin/fit_image data/camera.pgm --size 256 --steps 150 --lr 2e-4 --out out/demo \
	    --save out/demo.siren

# keep the example objects (make would delete them as intermediates)
EXAMPLE_OBJ_SRC := $(foreach f,$(EXAMPLE_FOLDERS),$(call example_sources,$(f)))
.SECONDARY: $(EXAMPLE_OBJ_SRC:examples/%.c=build/examples/%.o) \
    $(EXAMPLE_OBJ_SRC:examples/%.c=build/san/examples/%.o)

# The hypernetwork example on the LFW faces of Debian's python3-skimage
# (converted at run time, not committed). About 6.5 minutes on one core
# (docs/HYPERNET.md).
build/hypernet/lfw_faces.pgm: examples/hypernet_data/convert_lfw.py
	mkdir -p $(dir $@) && $(PYTHON) $< $@
hypernet: bin/hypernet build/hypernet/lfw_faces.pgm
	./bin/hypernet build/hypernet/lfw_faces.pgm --out out/hypernet

# ------------------------------------------------------------- fuzzing
# make fuzz FUZZ_SECONDS=N: every libFuzzer harness (clang), docs/SECURITY.md
include fuzz/fuzz.mk

# --------------------------------------------- libsiren_mpi (optional)
# make mpi / make MPI=1: the MPI companion library (mpi/mpi.mk; optional
# here, so that copies of the tree without mpi/ still build the core)
-include mpi/mpi.mk

# ------------------------------------------------------------ benchmarks
# Heavy: minutes. Not part of check. See docs/PERFORMANCE.md.
bin/bench_steps: bench/bench_steps.c bench/bench_common.h bench/timing.h $(STATIC) | bin
	$(call say,CC,$@)$(CC) $(APP_CFLAGS) $< -o $@ $(STATIC) $(LDLIBS)

bench: all bin/bench_steps
	$(PYTHON) bench/run.py

# siren_eval's cost per call and per point, n = 1 ... 65536 (a few minutes)
bin/bench_latency: bench/bench_latency.c bench/timing.h $(STATIC) | bin
	$(call say,CC,$@)$(CC) $(APP_CFLAGS) $< -o $@ $(STATIC) $(LDLIBS)

bench-latency: bin/bench_latency
	./bin/bench_latency

# What checking every parameter at backward would cost, against the
# sampled fingerprint siren_backward uses (docs/SECURITY.md; seconds).
bin/bench_fingerprint: bench/bench_fingerprint.c bench/timing.h $(STATIC) $(LIB_HDR) | bin
	$(call say,CC,$@)$(CC) $(APP_CFLAGS) $< -o $@ $(STATIC) $(LDLIBS)

bench-fingerprint: bin/bench_fingerprint
	./bin/bench_fingerprint

# What the flushes of a durable save cost on this disk (docs/SECURITY.md).
bin/bench_saves: bench/bench_saves.c bench/timing.h $(STATIC) | bin
	$(call say,CC,$@)$(CC) $(APP_CFLAGS) $< -o $@ $(STATIC) $(LDLIBS)

bench-saves: bin/bench_saves
	mkdir -p out/bench_saves && ./bin/bench_saves out/bench_saves

# -------------------------------------------------------------- install
# siren.pc and the CMake package are relocatable: they find the library and
# the header relative to where they are (${pcfiledir}, CMAKE_CURRENT_LIST_DIR),
# so a prefix may be moved or staged with DESTDIR. siren.pc's Libs carry an
# rpath to its libdir, so that `cc app.c $(pkg-config --cflags --libs siren)`
# runs from any PREFIX with no ldconfig or LD_LIBRARY_PATH;
# PKGCONFIG_RPATH= (empty) leaves it out (packagers installing into /usr).
PKGCONFIG_RPATH ?= 1
CMAKEDIR := $(LIBDIR)/cmake/siren
# relative_path FROM TO: TO relative to the directory FROM
relative_path = $(shell realpath -m --relative-to='$(1)' '$(2)')
comma := ,
PC_RPATH := $(if $(PKGCONFIG_RPATH), -Wl$(comma)-rpath$(comma)$${libdir})
# The directories of the installed files; install records those it had to
# create (parents included) in CREATED_RECORD, and uninstall removes them
# again when they are empty.
INSTALL_DIRS := $(INCLUDEDIR) $(LIBDIR) $(PKGCONFIGDIR) $(CMAKEDIR)
CREATED_RECORD := $(CMAKEDIR)/installed-directories

install: all
	$(Q)for d in $(INSTALL_DIRS); do \
	    while [ "$$d" != / ] && [ ! -d "$(DESTDIR)$$d" ]; do echo "$$d"; d=$$(dirname "$$d"); done; \
	done > build/install-created-directories
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	$(Q)cat build/install-created-directories $(wildcard $(DESTDIR)$(CREATED_RECORD)) | sort -u \
	    > build/install-record && mv build/install-record $(DESTDIR)$(CREATED_RECORD)
	install -m 644 include/siren.h $(DESTDIR)$(INCLUDEDIR)/siren.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libsiren.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED))
	ln -sf $(notdir $(SHARED)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsiren.so
	sed -e 's|@PREFIX@|$${pcfiledir}/$(call relative_path,$(PKGCONFIGDIR),$(PREFIX))|' \
	    -e 's|@LIBDIR@|$${pcfiledir}/$(call relative_path,$(PKGCONFIGDIR),$(LIBDIR))|' \
	    -e 's|@INCLUDEDIR@|$${pcfiledir}/$(call relative_path,$(PKGCONFIGDIR),$(INCLUDEDIR))|' \
	    -e 's|@RPATH@|$(PC_RPATH)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' -e 's|@REQUIRES_PRIVATE@|$(REQUIRES_PRIVATE)|' \
	    pkgconfig/siren.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/siren.pc
	sed -e 's|@LIBDIR@|$(call relative_path,$(CMAKEDIR),$(LIBDIR))|g' \
	    -e 's|@INCLUDEDIR@|$(call relative_path,$(CMAKEDIR),$(INCLUDEDIR))|g' \
	    -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' \
	    -e 's|@SHARED@|$(notdir $(SHARED))|g' -e 's|@SONAME@|$(SONAME)|g' \
	    -e 's|@BLAS_LINK@|$(BLAS_LINK)|g' \
	    cmake/sirenConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/sirenConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' \
	    cmake/sirenConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/sirenConfigVersion.cmake
	$(mpi_install)

# Removes every installed file, then the directories install created that
# are now empty (deepest first: a reverse sort puts a child before its parent).
uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/siren.h $(DESTDIR)$(LIBDIR)/libsiren.a \
	      $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED)) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libsiren.so $(DESTDIR)$(PKGCONFIGDIR)/siren.pc \
	      $(DESTDIR)$(CMAKEDIR)/sirenConfig.cmake $(DESTDIR)$(CMAKEDIR)/sirenConfigVersion.cmake \
	      $(MPI_INSTALLED)
	$(Q)created=$$(cat $(DESTDIR)$(CREATED_RECORD) 2>/dev/null); \
	rm -f $(DESTDIR)$(CREATED_RECORD); rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null; \
	for d in $$(printf '%s\n' $$created | sort -r); do rmdir "$(DESTDIR)$$d" 2>/dev/null; done; true

clean:
	rm -rf build lib bin
