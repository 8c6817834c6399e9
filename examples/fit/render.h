/* render.h - a 2-D SIREN evaluated on an image grid, and the images the
   SIREN paper shows of it: the values, the gradient magnitude and the
   Laplacian, computed exactly by libsiren's jets (not by differencing
   pixels). Shared by the example programs that fit images. */
#ifndef EXAMPLES_RENDER_H
#define EXAMPLES_RENDER_H

#include "siren.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rendering {
    size_t width, height, channels;
    float *values;     /* [n][channels], the network's outputs */
    float *grad_norm;  /* [n]: gradient magnitude per output pixel, the root
                          mean square over channels of each one's norm */
    float *laplacian;  /* [n]: Laplacian per output pixel^2 of the channel,
                          or for RGB of the luma 0.299 R + 0.587 G + 0.114 B */
} rendering;

/* Evaluates net (2 inputs, any outputs) at every pixel of a width x height
   grid (image_grid's coordinates), `chunk` points per call, with `threads`
   threads (0: the library's default). Derivatives are taken per output
   pixel (the coordinate step is 2 / (n - 1) on each axis), so the images
   are isotropic whatever the aspect ratio. Returns a siren_status; *r is
   allocated on success (free it with rendering_free). */
int render_field(const siren_net *net, size_t width, size_t height, size_t chunk,
                 size_t threads, rendering *r);
void rendering_free(rendering *r);

/* Writes the values as an 8- or 16-bit image (1 or 3 channels; PNG for a
   path ending in .png, else PGM/PPM: image_write), mapping the network's
   [-1, 1] to [0, 1] (clamped). 0, or -1 with err set. */
int render_write_values(const char *path, const rendering *r, int bits, char *err,
                        size_t errlen);

/* Writes n = width * height values as an 8-bit grey image for display,
   scaled by the 99th percentile s of their magnitudes (the maximum would
   let a few edge pixels darken everything): v / s, or, when symmetric,
   0.5 + 0.5 v / s so that mid-grey is zero. Clamped to [0, 1]. PNG or PGM
   by the path, as render_write_values. */
int render_write_display(const char *path, size_t width, size_t height, const float *v,
                         bool symmetric, char *err, size_t errlen);

#endif
