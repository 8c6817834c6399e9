/* scaling.h - the wave example's output scale, folded into the model it
   writes.

   The equation is linear and homogeneous, so its solution from a pulse of
   height A is A times the solution from a pulse of height 1. With
   --output-scale k the program trains a network n and takes u = k n: the
   loss terms (the reference's, in u) and their derivatives are computed
   from k n, k grad n and k (Laplacian of n). With k = A and the L1 loss,
   whose gradient in n is k times the gradient of the same loss for a
   pulse of height A / k = 1, this is training n on the unit problem; Adam
   divides out the constant factor k (up to its epsilon). The checkpoint
   holds n (what training continues from); the model file holds u. */
#ifndef WAVE_SCALING_H
#define WAVE_SCALING_H

#include "siren.h"

#include <stddef.h>

/* Multiplies the last layer's weights and biases by k, so that the
   network computes k times what it computed: exact for a linear last
   layer (the programs' networks). Returns SIREN_OK, or
   SIREN_ERR_INVALID_ARGUMENT for a network whose last layer is a sine
   (then only k = 1 is accepted, and nothing changes). */
int wave_scale_output(siren_net *net, double k);

#endif
