/* grid.h - the hypernet example's picture of its evaluation: one row per
   held-out face with the truth, the mean face, then for each context
   setting the known pixels (white elsewhere), the hypernetwork's face,
   the one-pass face and the SIREN fitted to the known pixels, each cell
   framed in grey. An 8-bit PGM a person can open. */
#ifndef HYPERNET_GRID_H
#define HYPERNET_GRID_H

#include "evaluate.h"
#include "faces.h"

/* Writes the grid of the first `faces_shown` held-out faces (at most
   every one; 0: nothing written) to path, each face pixel
   drawn as zoom_factor x zoom_factor pixels. 0, or 1 after a one-line
   message. */
int grid_write(const char *path, const faces *d, const evaluation *e, long faces_shown,
               long zoom_factor);

#endif
