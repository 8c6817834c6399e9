/* passes.h - the stages of the hypernet model's forward and backward
   passes that more than one of its files use (forward.c, backward.c,
   code_gradient.c), and that tests/examples/hypernet/test_hypernet_grads.c calls to check
   the set encoder's backward pass on its own. Not for the program: it
   uses model.h. */
#ifndef HYPERNET_PASSES_H
#define HYPERNET_PASSES_H

#include "model.h"

/* SIREN_OK when the batch fits the work buffers and every face has a
   context; INVALID_ARGUMENT or TOO_LARGE when not. */
int hn_check_batch(const hn_model *m, const hn_work *w, const hn_batch *b);
/* The same for `faces` codes and k points per face. */
int hn_check_codes(const hn_work *w, size_t faces, const float *z, size_t k,
                   const float *points);

/* The set encoder: every context row through the encoder, then the mean
   of each face's rows: w->z[f]. Keeps the activations for backward. */
void hn_encode(const hn_model *m, hn_work *w, const hn_batch *b);
/* The hypernetwork: w->z -> the hidden features of every tensor's
   network (one product) -> each tensor, written where the SIREN's flat
   layout puts it in w->theta[f]. */
void hn_generate(const hn_model *m, hn_work *w, size_t faces);
/* The coordinates coords[points][2] repeated for `faces` instances in
   w->grid (the instances API takes each instance's own points). */
void hn_fill_grid(hn_work *w, const float *coords, size_t points, size_t faces);

/* W^T of every dense layer into w->transposed (at the layer's own
   weight offset), for the input adjoints dX = dY W^T. */
void hn_transpose_weights(const hn_model *m, hn_work *w);
/* mean(x^2) over n values, and the adjoint of weight * mean(x^2) added
   into dx. */
double hn_mean_square_backward(size_t n, const float *x, float weight, float *dx);
/* w->dz -> the encoder's gradients, added into m->grads. Needs
   hn_encode's activations and w->transposed. */
void hn_encode_backward(hn_model *m, hn_work *w, const hn_batch *b);

#endif
