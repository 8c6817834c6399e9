/* picture.h - a picture of fit_sdf's surface f = 0, so that the shape can
   be seen without a mesh viewer: each pixel's ray is sphere-traced
   through the network (Hart, "Sphere tracing", 1996), and the surface
   shaded by the angle between the light and its normal, the normalised
   exact gradient of f from libsiren's jets (not differences of values).

   The camera looks at the normalised cube [-1, 1]^3 from the direction
   (1, 0.8, 1.3), from a distance of 4.5 with the cube's bounding sphere
   filling the view, row 0 of the image at the top (+y up, as seen). A ray
   starts where it enters the cube [-1.05, 1.05]^3 and steps by 0.9 |f| (at
   least 1e-4), since a trained f is an SDF only approximately (|grad f|
   near 1); it hits where |f| < 1e-3, or, where f changes sign between two
   steps (a step that overshot), at the root found by 12 bisections; it
   misses when it leaves the cube or after 256 steps. All rays march
   together, `chunk` points per library call. A hit is shaded
   0.12 + 0.83 max(0, n . l) for the light l from above the camera's left;
   the background is white. */
#ifndef FIT_SDF_PICTURE_H
#define FIT_SDF_PICTURE_H

#include "siren.h"

#include <stddef.h>

typedef struct picture_stats {
    size_t rays, hits;       /* rays through the cube, rays that hit */
    size_t evaluations;      /* values and gradients the network computed */
    double seconds;
} picture_stats;

/* Renders net's surface as a size x size grey image and writes it to
   path (PNG or PGM by its extension, io/image_file.h), with a line on
   stderr saying what it did. chunk: points per library call; threads:
   0 for the library's default. 0, or 1 after a one-line message. */
int picture_write(const siren_net *net, size_t size, size_t chunk, size_t threads,
                  const char *path, picture_stats *stats);

#endif
