/* contexts.h - the known pixels the hypernet evaluation gives each
   held-out face: 10, 100 or 300 random pixels, or the top half of the
   face (the four "settings"), drawn from a fixed seed so that every run
   and every method sees the same pixels. */
#ifndef HYPERNET_CONTEXTS_H
#define HYPERNET_CONTEXTS_H

#include "faces.h"

#include <stddef.h>

enum { SETTINGS = 4 };
/* The settings' names in the output: "10", "100", "300", "half". */
extern const char *const SETTING_NAMES[SETTINGS];

/* The known pixels of some held-out faces for one setting and draw. */
typedef struct context_set {
    size_t faces, k;          /* every face has k known pixels */
    size_t *start;            /* [faces + 1] */
    float *rows;              /* [faces * k][3]: row coordinate, column coordinate, value */
} context_set;

/* The known pixels of faces first .. first + count - 1 for setting s and
   draw `draw`. 0, or 1 after a one-line message. */
int context_set_make(const faces *d, size_t first, size_t count, int s, size_t draw,
                     context_set *c);
void context_set_free(context_set *c);

/* The most known pixels of any setting (the top half, at 32x32). */
size_t context_largest_setting(const faces *d);

#endif
