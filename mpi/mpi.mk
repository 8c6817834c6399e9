# mpi/mpi.mk - libsiren_mpi, the optional companion library for
# data-parallel training over MPI (include/siren_mpi.h, docs/SCALING.md).
# Included by the Makefile; the core library never needs MPI.
#
#   make mpi           lib/libsiren_mpi.a and lib/libsiren_mpi.so.VERSION
#   make MPI=1         the same, with `all` (and so with install); with
#                      MPI=auto (the default: examples/mpi.mk) the example
#                      programs build and link libsiren_mpi.a when mpicc runs
#   make mpi-tests     the test program of tests/scripts/mpi.sh (make check runs it
#                      when mpicc and mpirun are there)
#   make bench-mpi     mpirun -np 2 against one process at 1 and 2 threads
#                      (minutes; docs/PERFORMANCE.md, "Over MPI")
#   make install       also installs libsiren_mpi when it has been built
#
# Built with MPICC (default mpicc: Debian's libopenmpi-dev); the flags of
# the pkg-config file come from the pkg-config module MPI_PC (the first of
# mpi-c, ompi-c, mpich that pkg-config knows), else from `MPICC --showme`.

MPICC ?= mpicc
MPI ?= auto
MPI_SRC := $(wildcard mpi/*.c)
MPI_OBJ := $(MPI_SRC:mpi/%.c=build/mpi/obj/%.o)
MPI_HDR := include/siren_mpi.h include/siren.h $(wildcard mpi/*.h)
MPI_STATIC := lib/libsiren_mpi.a
MPI_SHARED := lib/libsiren_mpi.so.$(VERSION)
MPI_SONAME := libsiren_mpi.so.$(MAJOR)
MPI_CFLAGS := -std=c11 $(OPT) -g -Iinclude $(WARN) -fPIC -fvisibility=hidden $(CFLAGS)

.PHONY: mpi mpi-tests bench-mpi
mpi: $(MPI_STATIC) $(MPI_SHARED) lib/$(MPI_SONAME) lib/libsiren_mpi.so
ifeq ($(MPI),1)
all: mpi
endif

build/mpi/obj build/mpi/tests:
	mkdir -p $@

build/mpi/obj/%.o: mpi/%.c $(MPI_HDR) build/flags | build/mpi/obj
	$(call say,MPICC,$@)$(MPICC) $(MPI_CFLAGS) -c $< -o $@

$(MPI_STATIC): $(MPI_OBJ) | lib
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^
$(MPI_SHARED): $(MPI_OBJ) mpi/libsiren_mpi.map lib/libsiren.so | lib
	$(call say,LD,$@)$(MPICC) -shared -Wl,-soname,$(MPI_SONAME) \
	    -Wl,--version-script=mpi/libsiren_mpi.map -Wl,--no-undefined -Wl,-rpath,'$$ORIGIN' \
	    $(LDFLAGS) -o $@ $(MPI_OBJ) -Llib -lsiren
lib/$(MPI_SONAME): $(MPI_SHARED)
	ln -sf $(notdir $<) $@
lib/libsiren_mpi.so: lib/$(MPI_SONAME)
	ln -sf $(notdir $<) $@
# Its run path, $ORIGIN, finds libsiren.so.1 beside it (both are always
# installed in LIBDIR), so a program linked with -lsiren_mpi alone and an
# rpath to LIBDIR runs (an rpath does not reach a library's dependencies).

# The same objects under ASan and UBSan, for the tests (tests/scripts/mpi.sh).
MPI_SAN_OBJ := $(MPI_SRC:mpi/%.c=build/mpi/san/obj/%.o)
build/mpi/san/obj build/mpi/san/tests:
	mkdir -p $@
build/mpi/san/obj/%.o: mpi/%.c $(MPI_HDR) build/flags | build/mpi/san/obj
	$(call say,MPICC,$@)$(MPICC) $(MPI_CFLAGS) $(SAN) -c $< -o $@
build/mpi/san/libsiren_mpi.a: $(MPI_SAN_OBJ)
	$(call say,AR,$@)rm -f $@ && $(AR) rcs $@ $^
build/mpi/san/tests/%: tests/mpi/%.c build/mpi/san/libsiren_mpi.a build/san/libsiren.a \
    include/siren_mpi.h | build/mpi/san/tests
	$(call say,MPICC,$@)$(MPICC) $(APP_CFLAGS) $(SAN) $< -o $@ build/mpi/san/libsiren_mpi.a \
	    build/san/libsiren.a $(LDLIBS)

# The test and benchmark programs link both libraries statically.
MPI_APP_LIBS := $(MPI_STATIC) $(STATIC) $(LDLIBS)
build/mpi/tests/%: tests/mpi/%.c $(MPI_STATIC) $(STATIC) include/siren_mpi.h | build/mpi/tests
	$(call say,MPICC,$@)$(MPICC) $(APP_CFLAGS) $< -o $@ $(MPI_APP_LIBS)
mpi-tests: build/mpi/tests/mpi_training build/mpi/tests/mpi_api \
    build/mpi/san/tests/mpi_training build/mpi/san/tests/mpi_api

bin/bench_mpi: bench/bench_mpi.c bench/bench_common.h bench/timing.h $(MPI_STATIC) $(STATIC) include/siren_mpi.h | bin
	$(call say,MPICC,$@)$(MPICC) $(APP_CFLAGS) $< -o $@ $(MPI_APP_LIBS)
bench-mpi: bin/bench_mpi bin/bench_steps bin/fit_image bin/poisson
	$(PYTHON) bench/mpi_scaling.py

# For the pkg-config file (evaluated at install time only).
MPI_PC ?= $(firstword $(foreach m,mpi-c ompi-c mpich,$(shell pkg-config --exists $(m) 2>/dev/null && echo $(m))))
mpi_pc_requires = $(if $(MPI_PC),$(comma) $(MPI_PC))
mpi_pc_cflags = $(if $(MPI_PC),,$(space)$(shell $(MPICC) --showme:compile 2>/dev/null))
mpi_pc_libs = $(if $(MPI_PC),,$(space)$(shell $(MPICC) --showme:link 2>/dev/null))
comma := ,

# Lines of the install and uninstall recipes (run by the Makefile's).
define mpi_install
if [ -e $(MPI_SHARED) ]; then \
	    install -m 644 include/siren_mpi.h $(DESTDIR)$(INCLUDEDIR)/siren_mpi.h && \
	    install -m 644 $(MPI_STATIC) $(DESTDIR)$(LIBDIR)/libsiren_mpi.a && \
	    install -m 755 $(MPI_SHARED) $(DESTDIR)$(LIBDIR)/$(notdir $(MPI_SHARED)) && \
	    ln -sf $(notdir $(MPI_SHARED)) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME) && \
	    ln -sf $(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libsiren_mpi.so && \
	    sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	        -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|g' \
	        -e 's|@MPI_REQUIRES@|$(mpi_pc_requires)|' -e 's|@MPI_CFLAGS@|$(mpi_pc_cflags)|' \
	        -e 's|@MPI_LIBS@|$(mpi_pc_libs)|' \
	        pkgconfig/siren-mpi.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/siren-mpi.pc; \
	fi
endef
MPI_INSTALLED = $(DESTDIR)$(INCLUDEDIR)/siren_mpi.h $(DESTDIR)$(LIBDIR)/libsiren_mpi.a \
    $(DESTDIR)$(LIBDIR)/$(notdir $(MPI_SHARED)) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME) \
    $(DESTDIR)$(LIBDIR)/libsiren_mpi.so $(DESTDIR)$(PKGCONFIGDIR)/siren-mpi.pc
