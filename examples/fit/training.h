/* training.h - images as training targets, shared by the image example
   programs (fit_image, poisson, poisson_edit, fit_video): loading an image
   scaled to [-1, 1], writing one back, and PSNR. The network and optimiser
   come from fitting.h; each program keeps its own loss and training loop. */
#ifndef EXAMPLES_TRAINING_H
#define EXAMPLES_TRAINING_H

#include "image.h"
#include "io/image_file.h"
#include "io/pnm.h"
#include "siren.h"

#include <stddef.h>
#include <stdint.h>

/* Reads an image (image_read: PGM/PPM, or PNG and more when the build
   has an image library), resamples it so that its longer side is `longest` (0:
   as read) with Pillow-style bilinear filtering (the reference's
   torchvision Resize), or to exactly width x height when `width` is not
   0, and maps the samples to [-1, 1] (the reference's Normalize(0.5,
   0.5)). 0, or -1 with a one-line message in err. */
int training_load_image(const char *path, size_t longest, size_t width, size_t height,
                        pnm_image *img, char *err, size_t errlen);

/* Writes values in [-1, 1] ([height][width][channels]) as an 8-bit image
   (PNG for a path ending in .png, else PGM/PPM: image_write). 0, or -1
   with a message in err. */
int training_write_image(const char *path, const float *values, size_t width, size_t height,
                         size_t channels, char *err, size_t errlen);

/* PSNR in dB of values on [-1, 1] (a range of 2): 10 log10(4 / mse). */
double training_psnr(double mse);

#endif
