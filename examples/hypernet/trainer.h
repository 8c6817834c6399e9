/* trainer.h - training the hypernet model: batches of training faces,
   each mirrored and its contrast and brightness jittered at random, each
   with a random number of random known pixels (the reference's
   train_sparsity_range), and Adam with the gradient clip on the loss of
   model.h. */
#ifndef HYPERNET_TRAINER_H
#define HYPERNET_TRAINER_H

#include "faces.h"
#include "model.h"

#include <stdbool.h>
#include <stdint.h>

/* The training settings (the program's options of the same names). */
typedef struct train_config {
    long steps, batch, train;       /* train: the first `train` faces are trained on */
    long context_min, context_max;  /* known pixels of a training face */
    long chunk, threads;            /* faces per SIREN call; threads (0: default) */
    double lr, clip, jitter;
    bool no_flip;
    uint64_t seed;
} train_config;

/* What a training run did. */
typedef struct run_stats {
    uint64_t steps;
    double seconds;
    hn_loss last;            /* the loss of the last step */
} run_stats;

/* Trains m (initialised or loaded) for cfg->steps steps, with a progress
   line on stderr. 0, or 1 after a one-line message. */
int train_model(const train_config *cfg, const faces *d, hn_model *m, run_stats *stats);

#endif
