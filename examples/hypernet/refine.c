/* refine.c - the codes of held-out faces refined on their known pixels,
   and the oracle that fits them to every pixel (refine.h). */
#include "refine.h"

#include "adam.h"
#include "fit/messages.h"

#include <stdlib.h>
#include <string.h>

/* Each face's code z[F][latent] (in and out) optimised by `steps` Adam
   steps through the frozen hypernetwork on the face's own k points
   (hn_code_loss_and_grad). 0, or 1 after a message. */
static int refine_codes(const eval_config *cfg, const hn_model *m, hn_work *w, size_t F,
                        size_t k, const float *points, const float *targets, long steps,
                        float *z)
{
    size_t n = F * m->cfg.latent;
    float *dz = malloc(n * sizeof *dz);
    hn_adam opt = {0};
    int status = dz ? hn_adam_create(n, (float)cfg->refine_lr, 0.0f, &opt)
                    : SIREN_ERR_OUT_OF_MEMORY;
    for (long step = 0; status == SIREN_OK && step < steps; step++) {
        double loss = 0.0;
        status = hn_code_loss_and_grad(m, w, F, z, k, points, targets, &loss, dz);
        if (status == SIREN_OK)
            hn_adam_step(&opt, z, dz);
    }
    hn_adam_free(&opt);
    free(dz);
    return status == SIREN_OK ? 0
                              : fit_library_error("refining the codes", status);
}

/* The known pixels of c split into coordinates points[F * k][2] and
   values targets[F * k]. */
static void split_context(const context_set *c, float *points, float *targets)
{
    for (size_t i = 0; i < c->faces * c->k; i++) {
        points[2 * i] = c->rows[3 * i];
        points[2 * i + 1] = c->rows[3 * i + 1];
        targets[i] = c->rows[3 * i + 2];
    }
}

/* The encoder's codes of c, refined on the given points and values, and
   the faces made from them. z is scratch, [faces][latent]. */
static int refine_and_predict(const eval_config *cfg, const hn_model *m, const faces *d,
                              hn_work *w, const context_set *c, const float *points,
                              const float *targets, float *z, float *out)
{
    size_t F = c->faces;
    hn_batch batch = {F, c->start, c->rows, d->pixels, d->grid, NULL};
    int rc = hn_encode_batch(m, w, &batch, z);
    if (rc != SIREN_OK)
        return fit_library_error("encoding the contexts", rc);
    int status = refine_codes(cfg, m, w, F, c->k, points, targets, cfg->refine_steps, z);
    if (status == 0 && (rc = hn_predict_from_codes(m, w, F, z, d->pixels, d->grid, out)))
        status = fit_library_error("prediction from the refined codes", rc);
    return status;
}

int refine_predict(const eval_config *cfg, const hn_model *m, const faces *d, hn_work *w,
                   const context_set *c, float *out)
{
    size_t F = c->faces, k = c->k;
    float *z = malloc(F * m->cfg.latent * sizeof *z);
    float *points = malloc(F * k * 2 * sizeof *points), *targets = malloc(F * k * sizeof *targets);
    int status = 0;
    if (!z || !points || !targets)
        status = fit_error("out of memory for the code refinement");
    if (status == 0) {
        split_context(c, points, targets);
        status = refine_and_predict(cfg, m, d, w, c, points, targets, z, out);
    }
    free(z);
    free(points);
    free(targets);
    return status;
}

int refine_oracle_error(const eval_config *cfg, const hn_model *m, const faces *d, hn_work *w,
                        const context_set *c, size_t first, double *mse)
{
    size_t F = c->faces, n = d->pixels;
    float *z = malloc(F * m->cfg.latent * sizeof *z), *points = malloc(F * n * 2 * sizeof(float));
    float *out = malloc(F * n * sizeof *out);
    const float *truth = d->values + first * n;
    int status = z && points && out ? 0
                                    : fit_error("out of memory for the oracle");
    for (size_t f = 0; status == 0 && f < F; f++)
        memcpy(points + f * n * 2, d->grid, n * 2 * sizeof *points);
    hn_batch batch = {F, c->start, c->rows, n, d->grid, NULL};
    if (status == 0 && hn_encode_batch(m, w, &batch, z) != SIREN_OK)
        status = fit_error("encoding the contexts failed");
    if (status == 0)
        status = refine_codes(cfg, m, w, F, n, points, truth, cfg->oracle_steps, z);
    if (status == 0 && hn_predict_from_codes(m, w, F, z, n, d->grid, out) != SIREN_OK)
        status = fit_error("prediction from the oracle codes failed");
    *mse = 0.0;
    for (size_t f = 0; status == 0 && f < F; f++)
        *mse += faces_inpainting_mse(n, out + f * n, truth + f * n) / (double)F;
    free(z);
    free(points);
    free(out);
    return status;
}
