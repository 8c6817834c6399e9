/* adam.c - the Adam optimiser with torch.optim.Adam's semantics (DESIGN.md,
   "Public API contract"), optional L2 weight decay and global gradient-norm
   clipping as torch.nn.utils.clip_grad_norm_. */
#include "internal.h"

#include <float.h>
#include <stdbool.h>
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

/* Adam divides by sqrt(v) + eps, and v is 0 wherever a gradient has
   always been 0: eps must be positive, or such a step is 0/0. */
static bool is_finite_positive(float x)
{
    return isfinite(x) && x > 0.0f;
}

static bool is_beta(float beta)
{
    return isfinite(beta) && beta >= 0.0f && beta < 1.0f;
}

static bool adam_config_is_valid(const siren_adam_config *cfg)
{
    return cfg->size == sizeof *cfg && is_finite_nonnegative(cfg->lr) &&
           is_beta(cfg->beta1) && is_beta(cfg->beta2) && is_finite_positive(cfg->eps) &&
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

/* clip_grad_norm_'s factor min(1, clip / (norm + 1e-6)); 1 when clipping
   is off. */
static float clip_scale(float clip, double squared)
{
    if (clip <= 0.0f)
        return 1.0f;
    float scale = clip / ((float)sqrt(squared) + 1e-6f);
    return scale < 1.0f ? scale : 1.0f;
}

/* The constants of one step: as torch, the bias corrections in double,
   step_size = lr / bc1 and denom = sqrt(v) / sqrt(bc2) + eps, then the
   update in float. */
typedef struct adam_update {
    const siren_adam_config *cfg;
    float grad_scale, step_size, sqrt_bc2;
} adam_update;

typedef struct adam_entry {
    float m, v, p;
} adam_entry;

/* Parameter i after the step, with its moments. */
static inline adam_entry updated_entry(const adam_update *u, const siren_adam *opt,
                                       const siren_net *net, size_t i)
{
    const siren_adam_config *cfg = u->cfg;
    float p = net->params[i];
    float grad = net->grads[i] * u->grad_scale; /* exact when the scale is 1 */
    if (cfg->weight_decay != 0.0f)
        grad += cfg->weight_decay * p;
    adam_entry e;
    e.m = cfg->beta1 * opt->m[i] + (1.0f - cfg->beta1) * grad;
    e.v = cfg->beta2 * opt->v[i] + (1.0f - cfg->beta2) * grad * grad;
    float denom = sqrtf(e.v) / u->sqrt_bc2 + cfg->eps;
    e.p = p - u->step_size * (e.m / denom);
    return e;
}

/* Whether the step keeps every parameter and moment finite. */
static bool update_stays_finite(const adam_update *u, const siren_adam *opt,
                                const siren_net *net)
{
    bool finite = true; /* an infinite step size makes every p NaN or infinite */
    for (size_t i = 0; i < net->param_count; i++) {
        adam_entry e = updated_entry(u, opt, net, i);
        finite &= isfinite(e.m) && isfinite(e.v) && isfinite(e.p);
    }
    return finite;
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
    double t = (double)opt->step + 1.0;
    double bias_correction1 = 1.0 - pow((double)cfg->beta1, t);
    double bias_correction2 = 1.0 - pow((double)cfg->beta2, t);
    adam_update u = {cfg, clip_scale(cfg->clip_grad_norm, squared),
                     (float)((double)cfg->lr / bias_correction1),
                     (float)sqrt(bias_correction2)};
    /* Checked first, applied second: a step that would overflow (a huge
       learning rate or weight decay) changes nothing. */
    if (!update_stays_finite(&u, opt, net))
        return SIREN_ERR_NONFINITE;
    for (size_t i = 0; i < net->param_count; i++) {
        adam_entry e = updated_entry(&u, opt, net, i);
        opt->m[i] = e.m;
        opt->v[i] = e.v;
        net->params[i] = e.p;
        if (u.grad_scale != 1.0f) /* clip_grad_norm_ scales the gradients in place */
            net->grads[i] *= u.grad_scale;
    }
    opt->step++;
    siren__net_restamp(net); /* a forward before this step is stale */
    return SIREN_OK;
}
