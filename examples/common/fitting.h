/* fitting.h - the network and optimiser of the example programs that
   solve for a field with a loss of their own (fit_sdf, helmholtz, wave):
   made from options, resumed from a training checkpoint, or loaded from a
   model file, with one-line errors naming the program. Each program keeps
   its own loss and training loop. */
#ifndef EXAMPLES_FITTING_H
#define EXAMPLES_FITTING_H

#include "args.h"
#include "siren.h"

#include <stdint.h>

typedef struct fit_model {
    siren_net *net;
    siren_adam *opt;  /* NULL for a model loaded to be evaluated only */
} fit_model;

/* The architecture and optimiser options. */
typedef struct fit_arch {
    long in_features, out_features, width, depth;
    double first_omega, hidden_omega, lr, clip;  /* clip: 0 = off */
    uint64_t seed;
} fit_arch;

/* Functions return 0, or 1 after printing "program: message" on stderr
   (the exit status of a failed run). */

/* A new SIREN (siren_net_init with a->seed) and its Adam optimiser. */
int fit_model_create(const char *program, const fit_arch *a, fit_model *m);

/* Both from a checkpoint. The network must map a->in_features inputs to
   a->out_features outputs; the architecture comes from the file (a note
   says so when --width, --depth or an omega was given too); a given --lr
   replaces the checkpoint's. */
int fit_model_resume(const char *program, const char *path, const fit_arch *a,
                     const arg_spec *spec, fit_model *m);

/* A model file, to be evaluated (m->opt stays NULL). */
int fit_model_load(const char *program, const char *path, const fit_arch *a, fit_model *m);

int fit_model_checkpoint(const char *program, const fit_model *m, const char *path);
int fit_model_save(const char *program, const fit_model *m, const char *path);

void fit_model_free(fit_model *m);

/* "program: what: <status string>", returns 1. */
int fit_library_error(const char *program, const char *what, int status);

/* One Adam step after the gradients of step `step` (0-based). A step whose
   gradients are not finite changes nothing (SIREN_ERR_NONFINITE): it is
   skipped with a note on stderr, and training goes on. 0, or 1 after a
   one-line error. */
int fit_adam_step(const char *program, fit_model *m, uint64_t step);

#endif
