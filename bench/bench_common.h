/* bench_common.h - what the step benchmarks share (bench/bench_steps.c,
   one process; bench/bench_mpi.c, over MPI): the clock, medians, the
   256x256 grid and its target, the steps' FLOP counts and jets, and one
   chunk's forward and backward pass. Static functions: each benchmark is
   one translation unit. */
#ifndef SIREN_BENCH_COMMON_H
#define SIREN_BENCH_COMMON_H

#include "siren.h"
#include "timing.h" /* the clock and medians, shared with the other benchmarks */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double peak_rss_mb(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

/* The pixel grid in [-1, 1]^2 (linspace, as the reference's get_mgrid)
   and a smooth target for every quantity. */
static void make_grid(size_t side, float *x, float *target)
{
    for (size_t i = 0; i < side; i++)
        for (size_t j = 0; j < side; j++) {
            size_t p = i * side + j;
            float u = -1.0f + 2.0f * (float)j / (float)(side - 1);
            float v = -1.0f + 2.0f * (float)i / (float)(side - 1);
            x[2 * p] = u;
            x[2 * p + 1] = v;
            target[p] = sinf(3.0f * u) * cosf(2.0f * v);
        }
}

/* Matrix-product FLOPs of one pass over n points with `channels` jet
   channels: 2 * in * out per column for every layer after the first. */
static double forward_flops(const siren_config *cfg, size_t n, size_t channels)
{
    double h = cfg->hidden_features, columns = (double)(n * channels);
    return 2.0 * columns * (h * h * cfg->hidden_layers + h * cfg->out_features);
}

typedef struct step_setup {
    unsigned what;
    size_t channels;
    int train;
} step_setup;

static int setup_for(const char *step, step_setup *s)
{
    if (strcmp(step, "fit") == 0)
        *s = (step_setup){SIREN_VALUE, 1, 1};
    else if (strcmp(step, "grad") == 0) /* reverse mode (src/gradient_reverse.c): a forward
                                            and a gradient sweep, two products per layer */
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT, 2, 1};
    else if (strcmp(step, "lap") == 0)
        *s = (step_setup){SIREN_VALUE | SIREN_LAPLACIAN, 4, 1};
    else if (strcmp(step, "eval") == 0)
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, 4, 0};
    else if (strcmp(step, "evalgrad") == 0) /* value and gradient by reverse mode
                                                (src/eval_reverse.c): two products per layer */
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT, 2, 0};
    else
        return 0;
    return 1;
}

/* d(mean squared error)/d(output) into adj, for count outputs. */
static void mse_adjoint(const float *y, const float *t, size_t count, size_t stride,
                        float scale, float *adj)
{
    for (size_t i = 0; i < count; i++)
        adj[i] = scale * (y[i] - t[(i / stride)]);
}

typedef struct buffers {
    float *x, *target, *value, *gradient, *laplacian, *adjoint;
} buffers;

/* One chunk's part of a training step of `step` (fit, grad, lap): the
   forward pass over points [first, first + m) of the n, the adjoint of
   the mean squared error over all n, and the backward pass, which adds
   into the network's gradients. */
static int chunk_gradient(siren_net *net, siren_workspace *ws, const char *step, buffers *b,
                          size_t first, size_t m, size_t n)
{
    const float *x = b->x + 2 * first, *t = b->target + first;
    siren_jet out = {b->value, NULL, NULL, NULL}, adj = {NULL, NULL, NULL, NULL};
    if (strcmp(step, "grad") == 0)
        out.gradient = b->gradient;
    if (strcmp(step, "lap") == 0)
        out.laplacian = b->laplacian;
    int status = siren_forward(net, ws, m, x, &out);
    if (status != SIREN_OK)
        return status;
    if (strcmp(step, "fit") == 0) {
        mse_adjoint(b->value, t, m, 1, 2.0f / (float)n, b->adjoint);
        adj.value = b->adjoint;
    } else if (strcmp(step, "grad") == 0) {
        mse_adjoint(b->gradient, t, 2 * m, 2, 2.0f / (float)(2 * n), b->adjoint);
        adj.gradient = b->adjoint;
    } else {
        mse_adjoint(b->laplacian, t, m, 1, 2.0f / (float)n, b->adjoint);
        adj.laplacian = b->adjoint;
    }
    return siren_backward(net, ws, &adj);
}

#endif
