/* adam.h - the optimiser of the hypernet example: Adam as torch.optim.Adam
   (amsgrad off, no weight decay) on one flat float vector, with
   torch.nn.utils.clip_grad_norm_ before the step when clip > 0. It trains
   the encoder and hypernetwork, refines the codes of held-out faces and
   fits the SIREN baselines. */
#ifndef HYPERNET_ADAM_H
#define HYPERNET_ADAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct hn_adam {
    size_t count;
    float lr, beta1, beta2, eps, clip;
    uint64_t step;
    float *m, *v;            /* the first and second moments, [count] */
} hn_adam;

/* The state for `count` parameters, with torch's default betas and eps.
   Returns a siren_status (OUT_OF_MEMORY). */
int hn_adam_create(size_t count, float lr, float clip, hn_adam *opt);
void hn_adam_free(hn_adam *opt);
/* One update of params from grads (grads are scaled in place when
   clipped). Returns the gradient norm before clipping. */
double hn_adam_step(hn_adam *opt, float *params, float *grads);

#endif
