# mpi.mk - whether the training examples run over MPI
# (examples/fit/distributed.h), decided when make runs; included by the
# Makefile after image_lib.mk.
#
#   MPI=auto   (the default) with MPI when $(MPICC) runs and the tree has
#              libsiren_mpi (mpi/); Debian: libopenmpi-dev
#   MPI=1      with MPI (an error without it), and libsiren_mpi built by
#              `all` too (mpi/mpi.mk)
#   MPI=0      without: a program that mpirun starts as several processes
#              refuses with one message instead of each doing the whole job
#
# EXAMPLES_MPI (1 or 0) is the outcome. With 1, fit/distributed.c and
# fit/fold.c are compiled by MPICC with -DFIT_MPI, and everything that
# links the examples' archives (the programs, the tests of examples/) is
# linked by MPICC with libsiren_mpi.a: EXAMPLE_LD and EXAMPLE_MPI_LIB
# (EXAMPLE_MPI_SAN_LIB for the sanitized tests). Either way the programs
# train to the same bits: the one-process step is the fold of MPI's.
MPICC ?= mpicc
MPI ?= auto

mpi_usable = $(if $(wildcard mpi/mpi.mk),$(shell $(MPICC) --version > /dev/null 2>&1 && echo 1))
ifneq ($(filter auto,$(or $(MPI),auto)),)
EXAMPLES_MPI := $(if $(mpi_usable),1,0)
else ifeq ($(MPI),1)
ifeq ($(mpi_usable),)
$(error MPI=1: $(MPICC) does not run$(if $(wildcard mpi/mpi.mk),, or mpi/ is missing) \
        (Debian: apt-get install libopenmpi-dev openmpi-bin))
endif
EXAMPLES_MPI := 1
else ifeq ($(MPI),0)
EXAMPLES_MPI := 0
else
$(error MPI=$(MPI): expected auto, 1 or 0 (examples/mpi.mk))
endif

EXAMPLE_CC = $(CC)
EXAMPLE_LD = $(CC)
EXAMPLE_MPI_OBJ := $(foreach d,build build/san,$(d)/examples/fit/distributed.o $(d)/examples/fit/fold.o)
ifeq ($(EXAMPLES_MPI),1)
$(EXAMPLE_MPI_OBJ): EXAMPLE_CC = $(MPICC)
$(EXAMPLE_MPI_OBJ): EXAMPLE_DEFS = -DFIT_MPI
$(EXAMPLE_MPI_OBJ): include/siren_mpi.h
EXAMPLE_LD = $(MPICC)
EXAMPLE_MPI_LIB := lib/libsiren_mpi.a
EXAMPLE_MPI_SAN_LIB := build/mpi/san/libsiren_mpi.a
endif
# A change of EXAMPLES_MPI rebuilds the two objects (and so libfit.a).
$(EXAMPLE_MPI_OBJ): build/examples/mpi
build/examples/mpi: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '$(EXAMPLES_MPI) $(MPICC)' | cmp -s - $@ || printf '%s\n' '$(EXAMPLES_MPI) $(MPICC)' > $@
