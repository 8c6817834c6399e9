/* stencil.h - finite-difference derivatives of an image and the
   least-squares alignments that a reconstruction from derivatives needs,
   for the Poisson example programs.

   Both stencils are the ones the SIREN reference implementation takes from
   scipy.ndimage, with its default border mode 'reflect' (the edge pixel is
   repeated: f[-1] = f[0], f[n] = f[n-1]), scaled to derivatives PER PIXEL:

     gradient   scipy.ndimage.sobel / 8: along the axis the central
                difference (f[i+1] - f[i-1]) / 2, across it the smoothing
                (1, 2, 1) / 4.
     Laplacian  scipy.ndimage.laplace: the 5-point sum of second
                differences f[i-1] - 2 f[i] + f[i+1] over both axes.

   The examples compare them with the network's derivatives per pixel (the
   coordinate derivative times the pixel step 2/(N-1)), so the image
   itself solves the Poisson problem. The reference instead compares
   10 x sobel and 1e4 x laplace of the image (on [-1, 1]) with coordinate
   derivatives, which describes the image times 80 / ((N-1)/2) = 0.63 and
   1e4 / ((N-1)/2)^2 = 0.62 at N = 256: the same problem up to a gain,
   which Adam hardly sees.

   Images are [height][width][channels] floats, row 0 at the top. */
#ifndef EXAMPLES_STENCIL_H
#define EXAMPLES_STENCIL_H

#include <stddef.h>

/* grad[(p * channels + c) * 2 + k], p = r * width + col: d/d(row) for
   k = 0 and d/d(column) for k = 1 of channel c, per pixel (the layout of
   siren_jet.gradient for a network with 2 inputs, row first). */
void stencil_sobel_gradient(const float *img, size_t width, size_t height, size_t channels,
                            float *grad);

/* lap[p * channels + c], per pixel^2. */
void stencil_laplace(const float *img, size_t width, size_t height, size_t channels,
                     float *lap);

/* Least-squares alignment of a reconstruction `recon` to `target`, one
   channel at a time, over the pixels whose weight is non-zero (weights
   NULL: every pixel): adds to recon the best constant (terms 1), the
   best affine ramp a + b row + c col (terms 3, coordinates in [-1, 1]),
   or that plus d row col + e (row^2 - col^2) (terms 5: every harmonic
   polynomial of degree 2 at most, all invisible to a Laplacian).
   Returns 0, or -1 when the weighted pixels cannot determine the terms
   (then recon is left unchanged for that channel). */
int stencil_align(float *recon, const float *target, const float *weights, size_t width,
                  size_t height, size_t channels, int terms);

/* Mean squared error over the pixels whose weight is non-zero (NULL:
   all), every channel; 0 when there are none. */
double stencil_mse(const float *a, const float *b, const float *weights, size_t count,
                   size_t channels);

#endif
