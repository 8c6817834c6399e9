/* mse.h - the loss of the programs that fit a signal's values (fit_image,
   fit_video, fit_audio): the mean squared error of the network over B
   points of C channels, and one Adam step on it (DESIGN.md, "Training"),
   taken over slabs of `chunk` points by fold.h's step:

       for each slab (each chunk of the points; this rank's, under MPI):
           zero the gradients
           y = siren_forward(slab)              value only
           adjoint = 2 (y - t) / (B C)          d loss / d y
           siren_backward(adjoint)              the slab's gradients
       the slabs' gradients summed in slab order, fit_adam_step

   so memory grows with the chunk, not with B, and the parameters after a
   step are the same bits on one process and on any number of ranks. */
#ifndef EXAMPLES_FIT_MSE_H
#define EXAMPLES_FIT_MSE_H

#include "fitting.h"
#include "fold.h"
#include "siren.h"

#include <stddef.h>

typedef struct fit_mse {
    siren_workspace *ws;  /* SIREN_VALUE, for `chunk` points */
    size_t channels;      /* C, the network's outputs */
    size_t batch;         /* B, the points of every step */
    size_t chunk;         /* points per slab (library call) */
    float *values;        /* [chunk][C]: a slab's values */
    float *adjoint;       /* [chunk][C] */
    fit_fold fold;        /* the step over the slabs */
    const float *coords, *targets;  /* the step's points and targets */
    size_t in;                      /* coordinates per point */
} fit_mse;

/* Scratch for steps of `batch` points: a workspace for min(chunk, batch)
   points on `threads` threads (0: the default; fit_training_workspace,
   within --max-workspace-mib) and the buffers. 0, or 1 after a message
   (fit_mse_free either way). */
int fit_mse_init(fit_mse *t, const siren_net *net, size_t batch, size_t chunk, size_t threads);
/* Collective under MPI (the fold's). */
void fit_mse_free(fit_mse *t);

/* Collective. One step on the batch: coords [B][in], targets [B][C]
   (every rank passes the whole batch; each computes its slabs). Before
   the step: *loss, the mean squared error; *snr_db (when not NULL),
   10 log10(sum t^2 / sum (y - t)^2), the signal-to-noise ratio of the
   network's values. Returns 0, FIT_NONFINITE or 1 after a message
   (fit_fold_step). */
int fit_mse_step(fit_mse *t, fit_model *m, const float *coords, size_t in,
                 const float *targets, double *loss, double *snr_db);

#endif
