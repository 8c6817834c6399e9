/* mse.c - the mean squared error's training step (mse.h). */
#include "mse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int fit_mse_init(fit_mse *t, const siren_net *net, size_t batch, size_t chunk, size_t threads)
{
    siren_config cfg;
    memset(t, 0, sizeof *t);
    siren_net_config(net, &cfg);
    t->channels = cfg.out_features;
    t->batch = batch;
    t->chunk = chunk < batch ? chunk : batch;
    if (fit_training_workspace(net, t->chunk, SIREN_VALUE, (long)threads, &t->ws))
        return 1;
    t->values = malloc(t->chunk * t->channels * sizeof *t->values);
    t->adjoint = malloc(t->chunk * t->channels * sizeof *t->adjoint);
    if (!t->values || !t->adjoint)
        return fit_error("out of memory for the training buffers");
    return 0;
}

void fit_mse_free(fit_mse *t)
{
    fit_fold_free(&t->fold);
    siren_workspace_free(t->ws);
    free(t->values);
    free(t->adjoint);
    memset(t, 0, sizeof *t);
}

enum { SQUARED_ERROR, SIGNAL, VALUES }; /* a slab's sums */

/* fit_fold_step's slab function: forward, adjoint, backward of the slab's
   points; its sums of squared errors and of squared targets. */
static int mse_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    fit_mse *t = ctx;
    size_t ch = t->channels, first, n;
    fit_slab_range(slab, t->batch, t->chunk, &first, &n);
    /* 2 / (B C) correctly rounded: B C is exact in double */
    float scale = (float)(2.0 / ((double)t->batch * (double)ch));
    const float *targets = t->targets + first * ch;
    siren_jet out = {.value = t->values}, adj = {.value = t->adjoint};
    int status = siren_forward(m->net, t->ws, n, t->coords + t->in * first, &out);
    double squares = 0, signal = 0;
    for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
        float diff = t->values[i] - targets[i];
        squares += (double)diff * diff;
        signal += (double)targets[i] * targets[i];
        t->adjoint[i] = scale * diff;
    }
    if (status == SIREN_OK)
        status = siren_backward(m->net, t->ws, &adj);
    if (status != SIREN_OK)
        return fit_library_error("training step", status);
    sums[SQUARED_ERROR] = squares;
    sums[SIGNAL] = signal;
    return 0;
}

int fit_mse_step(fit_mse *t, fit_model *m, const float *coords, size_t in,
                 const float *targets, double *loss, double *snr_db)
{
    double totals[VALUES];
    t->coords = coords;
    t->targets = targets;
    t->in = in;
    size_t slabs = fit_slab_count(t->batch, t->chunk);
    int status = fit_fold_step(&t->fold, m, slabs, VALUES, mse_slab, t, totals);
    if (status)
        return status;
    *loss = totals[SQUARED_ERROR] / ((double)t->batch * (double)t->channels);
    if (snr_db)
        *snr_db = 10.0 * log10(totals[SIGNAL] / totals[SQUARED_ERROR]);
    return 0;
}
