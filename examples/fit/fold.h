/* fold.h - one training step over fixed slabs of the batch, the same bits
   on one process and on any number of ranks (distributed.h):

       for each slab s this rank owns (all of them for one process):
           zero the gradients
           the program's slab function: forward, loss, backward on slab s,
               and the slab's values (its loss sum, a metric's sums)
       g = ((0 + g_0) + g_1) + ... + g_{S-1}     in float, in slab order
       totals = the values summed likewise       in double, in slab order
       fit_adam_step on g

   The slabs are the chunks a program passes to siren_forward anyway,
   numbered 0..S-1 and cut from the batch independently of the number of
   processes; each slab's gradient is computed from zero, so the fold is
   the same whether one process adds the slabs one after the other or the
   ranks compute them apart and libsiren_mpi's chain adds them
   (siren_mpi_reduce). (The old one-process loop, backward passes adding
   into the same gradients chunk after chunk, rounds differently:
   docs/SCALING.md.) A rank owns consecutive slabs, S / P each, the first
   S % P ranks one more; every rank draws or reads the whole batch and
   trains its own slabs.

   The cost of the fold for one process: a pass over the gradient per slab
   (0.8 MB for the reference network), beside a slab's forward and
   backward passes. */
#ifndef EXAMPLES_FIT_FOLD_H
#define EXAMPLES_FIT_FOLD_H

#include "fitting.h"
#include "siren.h"

#include <stdbool.h>
#include <stddef.h>

/* A program's step over its slabs. Zeroed before the first step
   (fit_fold f = {0}); the first step fixes slabs and values. */
typedef struct fit_fold {
    size_t slabs, values, count;  /* S, values per slab, the network's parameters */
    size_t first, end;            /* this rank's slabs [first, end) */
    float *sum;                   /* one process: the running sum [count] */
    double *parts;                /* a slab's values [values] */
    void *mpi;                    /* over MPI: the siren_mpi of the reduction */
    bool started;
} fit_fold;

/* Slab `slab`'s forward pass, loss and backward pass: the gradients are
   zero when it is called, and it leaves the slab's in siren_net_grads. It
   writes the slab's `values` doubles (sums over its points: the fold adds
   them in slab order). 0, or 1 after a message. */
typedef int fit_slab_fn(void *ctx, fit_model *m, size_t slab, double *values);

/* Collective. One step as above: the slab function on this rank's slabs,
   the sums, the Adam step (fit_adam_step). `slabs` and `values` must be
   the same at every step and on every rank. totals: `values` doubles, the
   same on every rank. Returns 0, FIT_NONFINITE or 1 after a message, the
   same on every rank: a slab function that fails on one rank stops every
   rank at this step (its message printed by rank 0, fit_dist_agree). The
   first step over MPI says on rank 0 how the slabs are shared (a note
   when a rank has none). */
int fit_fold_step(fit_fold *f, fit_model *m, size_t slabs, size_t values, fit_slab_fn *slab,
                  void *ctx, double *totals);

/* Collective, after a step. For a program whose slab s writes the rows
   [first, first + count) of fit_slab_range(s, points, chunk) into rows
   (row_floats floats each: the network's values, say): gathers every
   slab's rows into rows on rank 0 (for a metric over the whole batch);
   the other ranks' rows are left as they are. Nothing to do for one
   process. 0, or 1 after a message, the same on every rank. */
int fit_fold_gather(fit_fold *f, float *rows, size_t row_floats, size_t points, size_t chunk);

/* Collective when the fold ran over MPI. */
void fit_fold_free(fit_fold *f);

/* The slabs of `points` points in chunks of `chunk`: ceil(points / chunk),
   slab s being the points [s chunk, min((s + 1) chunk, points)): its first
   point and count. */
size_t fit_slab_count(size_t points, size_t chunk);
void fit_slab_range(size_t slab, size_t points, size_t chunk, size_t *first, size_t *count);

#endif
