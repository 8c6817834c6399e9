# image_lib.mk - the image library the examples read and write PNG with
# (examples/io/image_file.h), found when make runs; included by the
# Makefile and fuzz/fuzz.mk.
#
#   IMAGE_LIB=auto     (the default) libpng if pkg-config or a header check
#                      finds it (Debian: libpng-dev), else stb (libstb-dev),
#                      else none
#   IMAGE_LIB=libpng   PNG read at every depth, written at 8 and 16 bits
#   IMAGE_LIB=stb      PNG, JPEG, BMP, GIF and PSD read, PNG written at 8 bits
#   IMAGE_LIB=none     PGM/PPM only
#
# IMAGE_LIB names the codec examples/io/codecs/$(IMAGE_LIB).c that
# build/examples/libio.a holds; IMAGE_CFLAGS and IMAGE_LIBS are what it
# compiles and links with.
IMAGE_LIB ?= auto

image_pkg = $(shell pkg-config --exists $(1) 2>/dev/null && echo $(1))
# $(call image_found,PKG,HEADER): PKG when pkg-config or the header finds it
image_found = $(or $(call image_pkg,$(1)),$(if $(wildcard /usr/include/$(2)),$(1)))

ifeq ($(IMAGE_LIB),auto)
override IMAGE_LIB := $(or $(if $(call image_found,libpng,png.h),libpng), \
                           $(call image_found,stb,stb/stb_image.h),none)
endif

ifeq ($(IMAGE_LIB),libpng)
IMAGE_HEADER := png.h
IMAGE_DEFAULT_LIBS := -lpng
else ifeq ($(IMAGE_LIB),stb)
IMAGE_HEADER := stb/stb_image.h
IMAGE_DEFAULT_LIBS := -lstb
else ifneq ($(IMAGE_LIB),none)
$(error IMAGE_LIB=$(IMAGE_LIB): expected auto, libpng, stb or none (examples/image_lib.mk))
endif

ifneq ($(IMAGE_LIB),none)
ifneq ($(call image_pkg,$(IMAGE_LIB)),)
IMAGE_CFLAGS := $(shell pkg-config --cflags $(IMAGE_LIB))
IMAGE_LIBS := $(shell pkg-config --libs $(IMAGE_LIB))
else ifneq ($(wildcard /usr/include/$(IMAGE_HEADER)),)
IMAGE_CFLAGS := $(if $(filter stb,$(IMAGE_LIB)),-I/usr/include/stb)
IMAGE_LIBS := $(IMAGE_DEFAULT_LIBS)
else
$(error IMAGE_LIB=$(IMAGE_LIB): neither pkg-config nor /usr/include/$(IMAGE_HEADER) finds it \
        (Debian: apt-get install $(if $(filter stb,$(IMAGE_LIB)),libstb-dev,libpng-dev)))
endif
endif
