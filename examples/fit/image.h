/* image.h - image geometry for the example programs: sizes, resampling
   (area average, or Pillow-style bilinear), and the coordinate grid a
   SIREN is fitted on. */
#ifndef EXAMPLES_IMAGE_H
#define EXAMPLES_IMAGE_H

#include "io/pnm.h"

#include <stddef.h>

/* The size for a "--size N" option: the longer side becomes `longest`,
   the shorter one keeps the aspect ratio (rounded, at least 1).
   longest == 0 keeps the size unchanged. */
void image_fit_size(size_t width, size_t height, size_t longest, size_t *out_width,
                    size_t *out_height);

/* How image_resample weighs the input pixels. */
typedef enum image_filter {
    /* Each output pixel is the mean of the input over its footprint, input
       pixels weighted by the fraction of them it covers: a box filter,
       exact for integer factors, piecewise constant when enlarging. */
    IMAGE_AREA,
    /* Pillow's BILINEAR resize, which torchvision's Resize (the reference
       implementation's) uses: a triangle filter as wide as two output
       pixels when shrinking (antialiased), bilinear interpolation when
       enlarging; weights renormalised at the borders. Pillow rounds 8-bit
       images to integers between its two passes, this does not. */
    IMAGE_BILINEAR
} image_filter;

/* Resamples src to width x height with `filter`, one axis after the
   other. *dst is allocated; returns 0, or -1 with a message in err. */
int image_resample(const pnm_image *src, size_t width, size_t height, image_filter filter,
                   pnm_image *dst, char *err, size_t errlen);

/* linspace(-1, 1, n) as torch.linspace computes it in float32 (the
   reference implementation's grid), so coordinates match it bit for bit;
   a single sample sits at 0. out has n floats. */
void image_linspace(size_t n, float *out);

/* The spacing of linspace(-1, 1, n), 2 / (n - 1) (0 for n = 1): one
   pixel in the grid's coordinates, so that a derivative by coordinate
   times it is a derivative per pixel. */
float image_pixel_step(size_t n);

/* The grid of pixel coordinates, [height * width][2] row-major, pixel
   (row r, column c) at index r * width + c, with coordinates
   (linspace(-1,1,height)[r], linspace(-1,1,width)[c]): the first input of
   the network runs down the rows, as the reference's get_mgrid (meshgrid
   with "ij" indexing) does. NULL when out of memory. */
float *image_grid(size_t width, size_t height);

#endif
