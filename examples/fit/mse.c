/* mse.c - the mean squared error's training step (mse.h). */
#include "mse.h"

#include <stdlib.h>
#include <string.h>

int fit_mse_init(fit_mse *t, const siren_net *net, size_t batch, size_t chunk, size_t threads,
                 bool keep_values)
{
    siren_config cfg;
    memset(t, 0, sizeof *t);
    siren_net_config(net, &cfg);
    t->channels = cfg.out_features;
    t->chunk = chunk < batch ? chunk : batch;
    t->keep_values = keep_values;
    if (fit_training_workspace(net, t->chunk, SIREN_VALUE, (long)threads, &t->ws))
        return 1;
    t->values = malloc((keep_values ? batch : t->chunk) * t->channels * sizeof *t->values);
    t->adjoint = malloc(t->chunk * t->channels * sizeof *t->adjoint);
    if (!t->values || !t->adjoint)
        return fit_error("out of memory for the training buffers");
    return 0;
}

void fit_mse_free(fit_mse *t)
{
    siren_workspace_free(t->ws);
    free(t->values);
    free(t->adjoint);
    memset(t, 0, sizeof *t);
}

int fit_mse_step(fit_mse *t, fit_model *m, size_t count, const float *coords, size_t in,
                 const float *targets, double *loss)
{
    size_t ch = t->channels;
    /* 2 / (B C) correctly rounded: B C is exact in double */
    float scale = (float)(2.0 / ((double)count * (double)ch));
    double sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < count; first += t->chunk) {
        size_t n = count - first < t->chunk ? count - first : t->chunk;
        float *values = t->keep_values ? t->values + first * ch : t->values;
        siren_jet out = {.value = values}, adj = {.value = t->adjoint};
        int status = siren_forward(m->net, t->ws, n, coords + in * first, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
            float diff = values[i] - targets[first * ch + i];
            sum += (double)diff * diff;
            t->adjoint[i] = scale * diff;
        }
        if (status == SIREN_OK)
            status = siren_backward(m->net, t->ws, &adj);
        if (status != SIREN_OK)
            return fit_library_error("training step", status);
    }
    int status = fit_adam_step(m->net, m->opt);
    if (status)
        return status;
    *loss = sum / ((double)count * (double)ch);
    return 0;
}
