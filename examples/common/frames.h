/* frames.h - the frames of a video stored as numbered PGM/PPM files, for
   the example programs.

   A sequence is named either by a printf-style pattern with one integer
   conversion, "%d" or with a zero flag and width such as "%03d" (and "%%"
   for a percent sign), e.g. frames/%03d.ppm: the frames are the files of
   consecutive numbers from the first of 0 or 1 that exists, up to the first
   number missing; or by a directory: its *.pgm, *.ppm and *.pnm files in
   the byte order of their names. The pattern is parsed, never handed to
   printf. */
#ifndef EXAMPLES_FRAMES_H
#define EXAMPLES_FRAMES_H

#include <stddef.h>

/* The most frames a sequence may have. */
#define FRAMES_MAX 100000

typedef struct frame_list {
    size_t count;
    char **paths; /* [count], malloc'd */
} frame_list;

/* Finds the frames of `spec` (a pattern or a directory). 0, or -1 with a
   one-line message in err (no frame, a bad pattern, out of memory). */
int frames_find(const char *spec, frame_list *list, char *err, size_t errlen);
void frames_free(frame_list *list);

/* "prefix" + the number zero-padded to `digits` + "suffix", malloc'd
   (NULL when out of memory). */
char *frames_numbered(const char *prefix, size_t number, int digits, const char *suffix);

#endif
