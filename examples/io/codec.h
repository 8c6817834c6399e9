/* codec.h - private to image_file.c: the image library that decodes and
   encodes what PGM/PPM does not. One file of examples/io/codecs/ implements
   it, the one the Makefile's IMAGE_LIB names (examples/image_lib.mk):
   libpng.c, stb.c, or none.c (no library). */
#ifndef EXAMPLES_IO_CODEC_H
#define EXAMPLES_IO_CODEC_H

#include "pnm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The library's name and version; NULL for none. */
const char *codec_name(void);

/* Whether the library decodes a file that starts with these bytes. */
bool codec_recognises(const unsigned char *buf, size_t len);

/* The formats it decodes, for messages ("PNG"); "" for none. */
const char *codec_formats(void);

/* The extensions of the files it decodes, for messages (".png"). */
const char *codec_extensions(void);

/* Whether it decodes files with this extension (".png"; lower case). */
bool codec_reads_extension(const char *ext);

/* Decodes a whole file held in memory into *img (image_file.h says how:
   grey or RGB, alpha dropped, at most PNM_MAX_SAMPLES samples, refused
   before the pixels are allocated). 0, or -1 with a message in err and
   *img empty. */
int codec_decode(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                 size_t errlen);

/* The most bits per sample it encodes PNG with (0: none). */
int codec_png_bits(void);

/* Encodes img as PNG with `bits` per sample (up to codec_png_bits()) into
   f, the samples rounded by pnm_quantise. 0, or -1 with errno set. */
int codec_write_png(FILE *f, const pnm_image *img, int bits);

#endif
