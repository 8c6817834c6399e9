/* train.h - training fit_sdf's network: each step N points drawn from the
   surface (with their normals) and N uniform in [-1, 1]^3, the loss of
   loss.h over them in chunks, then Adam (fitting.h), with a progress line
   and the checkpoints of fit_train. */
#ifndef FIT_SDF_TRAIN_H
#define FIT_SDF_TRAIN_H

#include "dataset.h"
#include "fit/fitting.h"

#include <stdint.h>

/* The training settings (the program's options of the same names). */
typedef struct train_config {
    long steps;             /* in all, a resumed run's included */
    long batch;             /* N: surface points per step, and as many uniform ones */
    long chunk, threads;    /* points per library call; threads (0: the default) */
    uint64_t seed;          /* of the points drawn */
    const char *checkpoint; /* NULL: none */
    long checkpoint_every;  /* 0: at the end only */
} train_config;

/* Trains m (created, or resumed from a checkpoint) on d up to cfg->steps
   steps; what the run did goes to *run. 0, or nonzero after a one-line
   message (fit_exit_status turns it into the exit status). */
int train_sdf(const train_config *cfg, const dataset *d, fit_model *m, fit_run *run);

#endif
