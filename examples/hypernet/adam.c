/* adam.c - Adam with the gradient-norm clip, as PyTorch does both
   (adam.h). */
#include "adam.h"

#include "siren.h"

#include <math.h>
#include <stdlib.h>

int hn_adam_create(size_t count, float lr, float clip, hn_adam *opt)
{
    *opt = (hn_adam){count, lr, 0.9f, 0.999f, 1e-8f, clip, 0, NULL, NULL};
    opt->m = calloc(count, sizeof *opt->m);
    opt->v = calloc(count, sizeof *opt->v);
    if (!opt->m || !opt->v) {
        hn_adam_free(opt);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    return SIREN_OK;
}

void hn_adam_free(hn_adam *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

/* The gradient's Euclidean norm, and the gradient scaled to norm `clip`
   when it is longer, exactly as clip_grad_norm_. */
static double clip_gradient(size_t count, float clip, float *grads)
{
    double norm = 0.0;
    for (size_t i = 0; i < count; i++)
        norm += (double)grads[i] * grads[i];
    norm = sqrt(norm);
    double coef = clip / (norm + 1e-6);
    if (clip > 0.0f && coef < 1.0) {
        float scale = (float)coef;
        for (size_t i = 0; i < count; i++)
            grads[i] *= scale;
    }
    return norm;
}

double hn_adam_step(hn_adam *opt, float *params, float *grads)
{
    double norm = clip_gradient(opt->count, opt->clip, grads);
    opt->step++;
    double c1 = 1.0 - pow(opt->beta1, (double)opt->step);
    double c2 = 1.0 - pow(opt->beta2, (double)opt->step);
    float step_size = (float)(opt->lr / c1), root_c2 = (float)sqrt(c2);
    for (size_t i = 0; i < opt->count; i++) {
        float g = grads[i];
        opt->m[i] = opt->beta1 * opt->m[i] + (1.0f - opt->beta1) * g;
        opt->v[i] = opt->beta2 * opt->v[i] + (1.0f - opt->beta2) * g * g;
        params[i] -= step_size * opt->m[i] / (sqrtf(opt->v[i]) / root_c2 + opt->eps);
    }
    return norm;
}
