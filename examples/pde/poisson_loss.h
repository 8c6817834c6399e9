/* poisson_loss.h - the loss of the Poisson programs (poisson,
   poisson_edit): the network's derivatives per pixel against targets
   from the stencils (stencil.h), squared. For the gradient, component k
   of a point's derivative d is taken per pixel, s_k d with s_k = 2/(N_k
   - 1) the pixel step of axis k; a Laplacian comes per pixel^2 from the
   workspace's weights, as it is (s = 1). Each entry adds

       diff = s d - target,   diff^2 to the loss sum,

   and its adjoint, scale * s * diff, is the derivative with respect to d
   of the loss (scale / 2) * (the sum): with scale = 2 / (B C), the mean
   over B points and C channels, what siren_backward takes for the
   gradient or Laplacian output. */
#ifndef EXAMPLES_PDE_POISSON_LOSS_H
#define EXAMPLES_PDE_POISSON_LOSS_H

#include <stddef.h>

/* n entries: derivs and targets (for a gradient [points][C][2], axis
   k = i % 2; steps[2] the row and column pixel steps; NULL for a
   Laplacian). Writes adjoint[n] and returns sum plus the entries' squared
   differences, added one by one in order. */
double poisson_loss(const float *derivs, const float *targets, size_t n, const float *steps,
                    double scale, float *adjoint, double sum);

#endif
