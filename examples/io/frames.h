/* frames.h - the frames of a video stored as numbered PGM/PPM files, for
   the example programs.

   A sequence is named either by a printf-style pattern with one integer
   conversion, "%d" or "%0Nd" (zero-padded to N digits; "%Nd", which would
   pad with spaces, is refused), and "%%" for a percent sign, e.g.
   frames/%03d.ppm: the frames are the files of consecutive numbers from
   the first of 0 or 1 that exists, up to the first number missing; or by a
   directory: its regular files (or links to them) ending in .pgm, .ppm or
   .pnm, or another extension the build reads (image_readable_name), in
   any case, whose names do not start with '.' (hidden files, and
   macOS's "._" companions), in the natural order of their names
   (frames_compare_names). The pattern is parsed, never handed to printf.
   (That outputs overwrite no input frame and one another is checked by
   files_check_distinct, files.h.) */
#ifndef EXAMPLES_FRAMES_H
#define EXAMPLES_FRAMES_H

#include <stddef.h>

/* The most frames a sequence may have. */
#define FRAMES_MAX 100000

/* How many numbers past the first missing one are looked at for a frame
   that the gap leaves out (frame_list.after_gap). */
#define FRAMES_GAP_PROBE 16

typedef struct frame_list {
    size_t count;
    char **paths;     /* [count], malloc'd */
    /* A pattern's sequence ends at the first missing number. When one of
       the FRAMES_GAP_PROBE numbers after it is a file, the sequence was
       probably meant to go on: `missing` is the path of the missing number
       and `after_gap` that file's, for a note to the user. Else both are
       NULL (always in a directory). */
    char *missing, *after_gap;
} frame_list;

/* Finds the frames of `spec` (a pattern or a directory). 0, or -1 with a
   one-line message in err (no frame, a bad pattern, out of memory). */
int frames_find(const char *spec, frame_list *list, char *err, size_t errlen);
void frames_free(frame_list *list);

/* The natural order of names: runs of digits compare as the numbers they
   write (f2 before f10; leading zeros do not count), everything else byte
   by byte; names equal so (f01, f1) fall back on strcmp. Negative, zero or
   positive, as strcmp. */
int frames_compare_names(const char *a, const char *b);

/* "prefix" + the number zero-padded to `digits` + "suffix", malloc'd
   (NULL when out of memory). */
char *frames_numbered(const char *prefix, size_t number, int digits, const char *suffix);

#endif
