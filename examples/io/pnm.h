/* pnm.h - reading and writing Netpbm grey (PGM) and colour (PPM) images,
   for the example programs.

   Read: P2 and P5 (PGM), P3 and P6 (PPM); maxval 1..65535, so 8-bit
   samples (maxval < 256, one byte) and 16-bit ones (two bytes, most
   significant first, as the Netpbm specification says); comments (#
   to the end of the line) anywhere between header tokens. Parsing is
   strict: a sample above maxval, a missing or truncated raster or an
   absurd size is an error with a one-line message, never a crash.
   Samples come back as floats in [0, 1] (sample / maxval).

   Write: binary P5 (one channel) or P6 (three), 8 or 16 bits, to a
   temporary file beside the target that is renamed over it, so a reader
   never sees half an image. */
#ifndef EXAMPLES_PNM_H
#define EXAMPLES_PNM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pnm_image {
    size_t width, height;
    size_t channels;   /* 1 (grey) or 3 (RGB) */
    unsigned maxval;   /* of the file read; informational */
    float *data;       /* [height][width][channels], row 0 at the top */
} pnm_image;

/* The largest width * height * channels accepted (2^28 samples, 1 GiB of
   floats): a header asking for more is refused before anything is
   allocated. */
#define PNM_MAX_SAMPLES ((size_t)1 << 28)
/* Files larger than this are refused unread (an ASCII image of
   PNM_MAX_SAMPLES samples can be longer, but not usefully). */
#define PNM_MAX_FILE_BYTES ((size_t)1 << 30)
/* pnm_read reads this much first, and nothing more unless a header
   (comments included) parses in it: a device or a file of another kind
   costs this. A binary raster is then read to its end, no further; an
   ASCII one (whose length the header does not fix) to the end of the
   file. Before the image is allocated, the raster's bytes must be there
   (PNM_MAX_SAMPLES floats asked for by a 19-byte header are not). */
#define PNM_HEAD_BYTES 65536

/* Error messages are written to err (at most errlen bytes, always
   terminated) without the file name and without a final newline:
   the caller prefixes "program: path: ". Functions return 0 on success,
   -1 on failure (then *img is left empty: data NULL). */
int pnm_read(const char *path, pnm_image *img, char *err, size_t errlen);
/* Parses a whole file held in memory. */
int pnm_parse(const unsigned char *buf, size_t len, pnm_image *img, char *err,
              size_t errlen);

/* pnm_read's look at a file's first PNM_HEAD_BYTES, for files_read_checked
   (files.h): the header must parse; *total is then where a binary raster
   ends, or SIZE_MAX for an ASCII one (read to the end of the file). */
int pnm_check_head(const unsigned char *head, size_t len, bool at_end, size_t *total,
                   const void *ctx, char *err, size_t errlen);

/* Allocates a zeroed image; -1 (err set) on zero sizes, overflow or out
   of memory. */
int pnm_alloc(pnm_image *img, size_t width, size_t height, size_t channels,
              char *err, size_t errlen);
void pnm_free(pnm_image *img);

/* Writes img as binary PGM/PPM with maxval 255 (bits 8) or 65535
   (bits 16). Samples are clamped to [0, 1] and rounded; NaN is written
   as 0. */
int pnm_write(const char *path, const pnm_image *img, int bits, char *err,
              size_t errlen);

/* The integer sample the writers store for v in [0, 1] at this maxval:
   v clamped to [0, 1] (NaN to 0), times maxval, rounded half up. */
unsigned pnm_quantise(float v, unsigned maxval);

#endif
