/* training.h - small pieces the signal example programs (poisson,
   poisson_edit, fit_audio, fit_video) share: making the network and its
   optimiser from options, loading an image scaled to [-1, 1], a seeded
   sampler, and PSNR. Each program keeps its own loss and training loop. */
#ifndef EXAMPLES_TRAINING_H
#define EXAMPLES_TRAINING_H

#include "image.h"
#include "pnm.h"
#include "siren.h"

#include <stddef.h>
#include <stdint.h>

/* The architecture and optimiser options every program has. */
typedef struct training_setup {
    long in_features, out_features, width, depth;
    double first_omega, hidden_omega, lr;
    uint64_t seed;
} training_setup;

/* Creates the SIREN (siren_net_init with setup->seed) and its Adam
   optimiser. Returns a siren_status; on failure nothing is left allocated. */
int training_create(const training_setup *setup, siren_net **net, siren_adam **opt);

/* Reads a PGM/PPM, resamples it so that its longer side is `longest` (0:
   as read) with Pillow-style bilinear filtering (the reference's
   torchvision Resize), or to exactly width x height when `width` is not
   0, and maps the samples to [-1, 1] (the reference's Normalize(0.5,
   0.5)). 0, or -1 with a one-line message in err. */
int training_load_image(const char *path, size_t longest, size_t width, size_t height,
                        pnm_image *img, char *err, size_t errlen);

/* Writes values in [-1, 1] ([height][width][channels]) as an 8-bit
   PGM/PPM. 0, or -1 with a message in err. */
int training_write_image(const char *path, const float *values, size_t width, size_t height,
                         size_t channels, char *err, size_t errlen);

/* SplitMix64: a seeded generator for batch sampling. */
uint64_t training_splitmix64(uint64_t *state);

/* PSNR in dB of values on [-1, 1] (a range of 2): 10 log10(4 / mse). */
double training_psnr(double mse);

#endif
