/* image_file.h - image files of any format the build reads and writes,
   for the example programs.

   PGM/PPM (pnm.h) always. PNG when the build found an image library
   (examples/image_lib.mk: libpng, else stb; `make IMAGE_LIB=none` goes
   without): with libpng, PNG of every kind is read (1 to 16 bits, grey,
   palette, with or without alpha, interlaced) and written at 8 or 16
   bits; with stb, PNG, JPEG, BMP, GIF (the first frame) and PSD are read,
   and PNG written at 8 bits. A file is recognised by its first
   bytes, not by its name. Samples are taken as stored (no gamma or
   colour-profile conversion, as for PNM); an alpha channel is dropped and
   a palette expanded, so an image is grey (1 channel) or RGB (3), its
   samples in [0, 1] (pnm_image, with maxval 255 or 65535 as stored).

   What is written is chosen by the path's extension: ".png" (any case)
   writes PNG, anything else PGM/PPM (pnm_write), each to a temporary
   file beside the path that is renamed over it. */
#ifndef EXAMPLES_IO_IMAGE_FILE_H
#define EXAMPLES_IO_IMAGE_FILE_H

#include "pnm.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum image_format {
    IMAGE_FORMAT_PNM,  /* .pgm (grey) or .ppm (colour) */
    IMAGE_FORMAT_PNG   /* .png */
} image_format;

/* Files larger than this are refused unread (the limit of pnm.h). */
#define IMAGE_MAX_FILE_BYTES PNM_MAX_FILE_BYTES

/* The image library of this build, e.g. "libpng 1.6.39" or "stb_image";
   NULL when it has none (PGM/PPM only). */
const char *image_library(void);

/* The most bits per sample this build writes PNG with: 16 (libpng), 8
   (stb), or 0 (no PNG). */
int image_png_bits(void);

/* Whether a file named `name` is, by its extension, an image this build
   reads (.pgm, .ppm, .pnm; .png with an image library; .jpg, .jpeg, .bmp,
   .gif, .psd with stb), in any case. */
bool image_readable_name(const char *name);

/* ".pgm, .ppm or .pnm" (with libpng ".pgm, .ppm, .pnm or .png", with stb
   those and .jpg, .jpeg, .bmp, .gif, .psd): for messages. */
const char *image_readable_extensions(void);

/* "PNG, PGM or PPM" (or with stb "PNG, JPEG, BMP, GIF, PSD, PGM or PPM",
   without a library "PGM or PPM"): for messages. */
const char *image_readable_formats(void);

/* The extension of format's files: ".png", or ".ppm" for 3 channels and
   ".pgm" for 1. */
const char *image_extension(image_format format, size_t channels);

/* The format named "png" or "pnm"; -1 for another name, or for "png" in a
   build that writes no PNG (then *why, when not NULL, says so). */
int image_format_from_name(const char *name, const char **why);

/* PNG when the build writes it, else PNM. */
image_format image_format_default(void);

/* Reads the image at path: PGM/PPM as pnm_read does (the header first, a
   device or a file of another kind costing only PNM_HEAD_BYTES), a file
   the image library decodes whole, at most IMAGE_MAX_FILE_BYTES. Returns
   0, or -1 with a one-line message in err (without the path) and *img
   empty. */
int image_read(const char *path, pnm_image *img, char *err, size_t errlen);

/* Parses a whole file held in memory, of any format the build reads (the
   entry point of the fuzz harness: never reads outside buf[0 .. len-1]). */
int image_parse(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                size_t errlen);

/* Writes img with `bits` per sample (8 or 16), as PNG when path ends in
   ".png", else as PGM/PPM; PNG at more bits than image_png_bits() is
   refused. Samples are clamped to [0, 1] and rounded (pnm_quantise).
   0, or -1 with a message in err. */
int image_write(const char *path, const pnm_image *img, int bits, char *err, size_t errlen);

#endif
