/* mse.h - the loss of the programs that fit a signal's values (fit_image,
   fit_video, fit_audio): the mean squared error of the network over B
   points of C channels, and one Adam step on it (DESIGN.md, "Training"):

       zero the gradients
       for each chunk of the points:
           y = siren_forward(chunk)             value only
           adjoint = 2 (y - t) / (B C)          d loss / d y
           siren_backward(adjoint)              gradients accumulate
       fit_adam_step

   so memory grows with the chunk, not with B. */
#ifndef EXAMPLES_FIT_MSE_H
#define EXAMPLES_FIT_MSE_H

#include "fitting.h"
#include "siren.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct fit_mse {
    siren_workspace *ws;  /* SIREN_VALUE, for `chunk` points */
    size_t channels;      /* C, the network's outputs */
    size_t chunk;         /* points per library call */
    float *values;        /* the network's values: [B][C] when kept, else [chunk][C] */
    bool keep_values;
    float *adjoint;       /* [chunk][C] */
} fit_mse;

/* Scratch for steps of up to `batch` points: a workspace for
   min(chunk, batch) points on `threads` threads (0: the library's
   default; fit_training_workspace, within --max-workspace-mib) and the
   buffers; with keep_values, `values` holds every
   point's value after a step (for a metric of the whole batch). 0, or 1
   after a message (fit_mse_free either way). */
int fit_mse_init(fit_mse *t, const siren_net *net, size_t batch, size_t chunk, size_t threads,
                 bool keep_values);
void fit_mse_free(fit_mse *t);

/* One step on `count` points (at most the batch): coords [count][in],
   targets [count][C]. *loss: the mean squared error before the step.
   Returns 0, FIT_NONFINITE or 1 after a message (fit_adam_step). */
int fit_mse_step(fit_mse *t, fit_model *m, size_t count, const float *coords, size_t in,
                 const float *targets, double *loss);

#endif
