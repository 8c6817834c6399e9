/* adam.c - the Adam optimiser with torch.optim.Adam's semantics (DESIGN.md,
   "Public API contract"), optional L2 weight decay and global gradient-norm
   clipping as torch.nn.utils.clip_grad_norm_. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <string.h>

void siren_adam_config_default(siren_adam_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = (uint32_t)sizeof *cfg;
    cfg->lr = 1e-4f;
    cfg->beta1 = 0.9f;
    cfg->beta2 = 0.999f;
    cfg->eps = 1e-8f;
    cfg->weight_decay = 0.0f;
    cfg->clip_grad_norm = 0.0f;
}

static bool is_finite_nonnegative(float x)
{
    return isfinite(x) && x >= 0.0f;
}

static bool is_beta(float beta)
{
    return isfinite(beta) && beta >= 0.0f && beta < 1.0f;
}

static bool adam_config_is_valid(const siren_adam_config *cfg)
{
    return cfg->size == sizeof *cfg && is_finite_nonnegative(cfg->lr) &&
           is_beta(cfg->beta1) && is_beta(cfg->beta2) && is_finite_nonnegative(cfg->eps) &&
           is_finite_nonnegative(cfg->weight_decay) &&
           is_finite_nonnegative(cfg->clip_grad_norm);
}

int siren_adam_create(const siren_net *net, const siren_adam_config *cfg, siren_adam **out)
{
    if (!net || !cfg || !out || !adam_config_is_valid(cfg))
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_adam *opt = siren__calloc(&net->allocator, 1, sizeof *opt);
    if (!opt)
        return SIREN_ERR_OUT_OF_MEMORY;
    opt->allocator = net->allocator;
    opt->cfg = *cfg;
    opt->arch = net->cfg;
    opt->param_count = net->param_count;
    opt->m = siren__calloc(&opt->allocator, net->param_count, sizeof(float));
    opt->v = siren__calloc(&opt->allocator, net->param_count, sizeof(float));
    if (!opt->m || !opt->v) {
        siren_adam_free(opt);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    *out = opt;
    return SIREN_OK;
}

void siren_adam_free(siren_adam *opt)
{
    if (!opt)
        return;
    /* A copy: the struct that holds the allocator is freed last. */
    siren_allocator alloc = opt->allocator;
    siren__free(&alloc, opt->m);
    siren__free(&alloc, opt->v);
    siren__free(&alloc, opt);
}

uint64_t siren_adam_step_count(const siren_adam *opt)
{
    return opt ? opt->step : 0;
}

int siren_adam_set_lr(siren_adam *opt, float lr)
{
    if (!opt || !is_finite_nonnegative(lr))
        return SIREN_ERR_INVALID_ARGUMENT;
    opt->cfg.lr = lr;
    return SIREN_OK;
}

/* The squared L2 norm of all gradients, summed in double in parameter
   order: not finite when any gradient is NaN or infinite. */
static double squared_norm(const float *grads, size_t count)
{
    double sum = 0.0;
    for (size_t i = 0; i < count; i++)
        sum += (double)grads[i] * (double)grads[i];
    return sum;
}

/* clip_grad_norm_: the scale min(1, clip / (norm + 1e-6)). */
static void clip_gradients(float *grads, size_t count, float clip, double squared)
{
    float norm = (float)sqrt(squared);
    float scale = clip / (norm + 1e-6f);
    if (scale >= 1.0f)
        return;
    for (size_t i = 0; i < count; i++)
        grads[i] *= scale;
}

int siren_adam_step(siren_adam *opt, siren_net *net)
{
    if (!opt || !net)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!siren__same_architecture(&opt->arch, &net->cfg))
        return SIREN_ERR_STATE;
    const siren_adam_config *cfg = &opt->cfg;
    double squared = squared_norm(net->grads, net->param_count);
    /* Below FLT_MAX, every g^2 in the float moment update is finite too. */
    if (!(squared <= (double)FLT_MAX))
        return SIREN_ERR_NONFINITE;
    if (cfg->clip_grad_norm > 0.0f)
        clip_gradients(net->grads, net->param_count, cfg->clip_grad_norm, squared);
    opt->step++;
    /* As torch: the bias corrections in double, step_size = lr / bc1 and
       denom = sqrt(v) / sqrt(bc2) + eps, then the update in float. */
    double t = (double)opt->step;
    double bias_correction1 = 1.0 - pow((double)cfg->beta1, t);
    double bias_correction2 = 1.0 - pow((double)cfg->beta2, t);
    float step_size = (float)((double)cfg->lr / bias_correction1);
    float sqrt_bc2 = (float)sqrt(bias_correction2);
    float *p = net->params, *m = opt->m, *v = opt->v;
    const float *g = net->grads;
    for (size_t i = 0; i < net->param_count; i++) {
        float grad = g[i];
        if (cfg->weight_decay != 0.0f)
            grad += cfg->weight_decay * p[i];
        m[i] = cfg->beta1 * m[i] + (1.0f - cfg->beta1) * grad;
        v[i] = cfg->beta2 * v[i] + (1.0f - cfg->beta2) * grad * grad;
        float denom = sqrtf(v[i]) / sqrt_bc2 + cfg->eps;
        p[i] -= step_size * (m[i] / denom);
    }
    return SIREN_OK;
}
