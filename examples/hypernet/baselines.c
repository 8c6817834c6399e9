/* baselines.c - the hypernet evaluation's two baselines, the mean
   training face and a SIREN fitted to the known pixels alone
   (baselines.h). */
#include "baselines.h"

#include "adam.h"
#include "fit/messages.h"

#include <stdlib.h>
#include <string.h>

float *baseline_mean_face(const faces *d, size_t train)
{
    float *mean = calloc(d->pixels, sizeof *mean);
    if (!mean)
        return NULL;
    for (size_t f = 0; f < train; f++)
        for (size_t p = 0; p < d->pixels; p++)
            mean[p] += d->values[f * d->pixels + p] / (float)train;
    return mean;
}

/* Fitting one SIREN per face of a context set, all in one library call
   per pass. */
typedef struct siren_fit {
    size_t faces, k, P, pixels;
    float *params, *grads;         /* [faces][P] */
    float *x;                      /* [faces * max(k, pixels)][2]: known pixels, then all */
    float *values, *adjoint;       /* [faces * k] */
    siren_workspace *ws;
    hn_adam opt;
} siren_fit;

static void siren_fit_free(siren_fit *s)
{
    hn_adam_free(&s->opt);
    siren_workspace_free(s->ws);
    free(s->params);
    free(s->grads);
    free(s->x);
    free(s->values);
    free(s->adjoint);
}

/* The buffers, a workspace for every pixel of every face and the Adam
   state. Returns a siren_status. */
static int siren_fit_create(const eval_config *cfg, const hn_model *m, const faces *d,
                            const context_set *c, siren_fit *s)
{
    size_t F = c->faces, k = c->k, P = m->siren_params, pixels = d->pixels;
    size_t max_points = F * (k > pixels ? k : pixels);
    *s = (siren_fit){.faces = F, .k = k, .P = P, .pixels = pixels};
    s->params = malloc(F * P * sizeof *s->params);
    s->grads = malloc(F * P * sizeof *s->grads);
    s->x = malloc(max_points * 2 * sizeof *s->x);
    s->values = malloc(F * k * sizeof *s->values);
    s->adjoint = malloc(F * k * sizeof *s->adjoint);
    int status = s->params && s->grads && s->x && s->values && s->adjoint
                     ? SIREN_OK
                     : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(m->siren, max_points, SIREN_VALUE, &s->ws);
    if (status == SIREN_OK && cfg->threads > 0)
        status = siren_workspace_set_threads(s->ws, (size_t)cfg->threads);
    if (status == SIREN_OK)
        status = hn_adam_create(F * P, (float)cfg->baseline_lr, 0.0f, &s->opt);
    return status;
}

/* Each face's starting parameters: start[f], or else the sine
   initialisation of seed + 1000 + f. Returns a siren_status. */
static int siren_fit_start(siren_fit *s, const hn_model *m, const float *start, uint64_t seed)
{
    size_t P = s->P;
    siren_net *init = NULL;
    int status = siren_net_create(&m->cfg.siren, &init);
    for (size_t f = 0; status == SIREN_OK && f < s->faces; f++) {
        status = siren_net_init(init, seed + 1000 + f);
        memcpy(s->params + f * P, start ? start + f * P : siren_net_params(init),
               P * sizeof *s->params);
    }
    siren_net_free(init);
    return status;
}

/* `steps` Adam steps on each face's mean squared error over its known
   pixels. Returns a siren_status. */
static int siren_fit_steps(siren_fit *s, const hn_model *m, const context_set *c, long steps)
{
    size_t F = s->faces, k = s->k;
    for (size_t i = 0; i < F * k; i++) {
        s->x[2 * i] = c->rows[3 * i];
        s->x[2 * i + 1] = c->rows[3 * i + 1];
    }
    int status = SIREN_OK;
    for (long step = 0; status == SIREN_OK && step < steps; step++) {
        siren_jet jet = {.value = s->values}, adj = {.value = s->adjoint};
        status = siren_forward_instances(m->siren, s->ws, F, s->params, k, s->x, &jet);
        for (size_t i = 0; i < F * k; i++)
            s->adjoint[i] = 2.0f * (s->values[i] - c->rows[3 * i + 2]) / (float)k;
        memset(s->grads, 0, F * s->P * sizeof *s->grads);
        if (status == SIREN_OK)
            status = siren_backward_instances(m->siren, s->ws, &adj, s->grads);
        if (status == SIREN_OK)
            hn_adam_step(&s->opt, s->params, s->grads);
    }
    return status;
}

/* Every face's fitted SIREN on every pixel: out[faces][pixels]. Returns
   a siren_status. */
static int siren_fit_predict(siren_fit *s, const hn_model *m, const faces *d, float *out)
{
    for (size_t f = 0; f < s->faces; f++)
        memcpy(s->x + f * s->pixels * 2, d->grid, s->pixels * 2 * sizeof *s->x);
    siren_jet jet = {.value = out};
    return siren_eval_instances(m->siren, s->ws, s->faces, s->params, s->pixels, s->x, &jet);
}

int baseline_fit_siren(const eval_config *cfg, const hn_model *m, const faces *d,
                       const context_set *c, const float *start, float *out)
{
    siren_fit s;
    int status = siren_fit_create(cfg, m, d, c, &s);
    if (status == SIREN_OK)
        status = siren_fit_start(&s, m, start, cfg->seed);
    if (status == SIREN_OK)
        status = siren_fit_steps(&s, m, c, cfg->baseline_steps);
    if (status == SIREN_OK)
        status = siren_fit_predict(&s, m, d, out);
    siren_fit_free(&s);
    return status == SIREN_OK
               ? 0
               : fit_library_error("fitting the SIREN baseline", status);
}
