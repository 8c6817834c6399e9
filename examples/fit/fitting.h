/* fitting.h - the network and optimiser of the example programs: made
   from options, resumed from a training checkpoint, or loaded from a model
   file; the Adam step and what happens when its gradients are not finite;
   the training loop (progress, Ctrl-C, checkpoints, the learning-rate
   schedule); the checks of the outputs before any work, and the CSV log.
   Each program keeps its own loss, as a step function. (The options that
   set all this: options.h.)

   Launched by mpirun (distributed.h), the functions marked collective are
   called by every rank at the same point and return the same status on
   every rank; the others are local. */
#ifndef EXAMPLES_FITTING_H
#define EXAMPLES_FITTING_H

#include "args.h"
#include "messages.h"
#include "siren.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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

/* Functions return 0, or 1 after printing a one-line error on stderr
   (messages.h; 1 is the exit status of a failed run). */

/* A new SIREN (siren_net_init with a->seed) and its Adam optimiser. */
int fit_model_create(const fit_arch *a, fit_model *m);

/* Collective: both from a checkpoint, read by rank 0 and shared
   (fit_dist_checkpoint_load). The network must map a->in_features inputs to
   a->out_features outputs, and its width and depth must be within the
   ranges of the program's --width and --depth (a file is an input: its
   architecture must not take more than the command line could ask for);
   the architecture comes from the file (a note says so when --width,
   --depth or an omega was given too); a given --lr replaces the
   checkpoint's. */
int fit_model_resume(const char *path, const fit_arch *a, const arg_spec *spec, fit_model *m);

/* A model file, to be evaluated (m->opt stays NULL); the same checks. */
int fit_model_load(const char *path, const fit_arch *a, const arg_spec *spec, fit_model *m);

/* The memory budget of a training workspace, in MiB: --max-workspace-mib
   (FIT_RESUME_OPTIONS, options.h), 4 GiB by default, about 6 times what
   the largest default run takes (wave: 696 MiB; fit_image: 247 MiB). */
#define FIT_MAX_WORKSPACE_MIB 4096
extern long fit_max_workspace_mib;

/* The training workspace of a program (max_points points, quantities
   `what`, `threads` threads or, for 0, the default: fit_dist_threads,
   the rank's share of its node over MPI), refused before it
   is allocated when siren_workspace_bytes exceeds the budget above: a
   network from a checkpoint, or options, that would take more memory
   than meant get a one-line error naming both options, not an
   exhausted machine. Returns 0, or 1 after a message. */
int fit_training_workspace(const siren_net *net, size_t max_points, unsigned what, long threads,
                           siren_workspace **ws);

/* The checkpoint of m, the model file of m or of net, written by
   files_write_atomic: atomic, with the mode of the file replaced, flushed
   to the device; an error names the C library's reason ("PATH: cannot
   write: No space left on device"). fit_model_checkpoint is collective:
   rank 0 writes, every rank gets its status; the other two are local (rank
   0 writes the outputs). */
int fit_model_checkpoint(const fit_model *m, const char *path);
int fit_model_save(const fit_model *m, const char *path);
int fit_net_save(const siren_net *net, const char *path);

void fit_model_free(fit_model *m);

/* What fit_adam_step returns when the gradients of a step were NaN or
   infinite (SIREN_ERR_NONFINITE): the step changed nothing, so the
   parameters are still those after the previous step, the last good ones.
   Training stops; a program with --checkpoint writes them there, then
   exits with status 1 without writing its other outputs. */
#define FIT_NONFINITE 2

/* One Adam step. 0; FIT_NONFINITE after a message saying why training
   stopped; or 1 after a one-line error. */
int fit_adam_step(siren_net *net, siren_adam *opt);

/* Collective. After FIT_NONFINITE: writes the last good parameters to
   `checkpoint` (if not NULL) and says so. Returns FIT_NONFINITE, or 1 if the
   checkpoint cannot be written. */
int fit_keep_last_good(const fit_model *m, const char *checkpoint);

/* ------------------------------------------------------ the training loop */

/* One step of a program's own loss, step `step` (0-based): gradients,
   then fit_adam_step. Returns 0, FIT_NONFINITE or 1 (after a message);
   sets *loss and *metric (the progress line's second figure) on 0. */
typedef int fit_step_fn(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric);

/* The values of --lr-end and --lr-decay-steps. With lr_end > 0, before
   each step the learning rate is set to lr (lr_end / lr)^(min(step, D) / D),
   D = decay_steps or, when that is 0, the run's --steps: an exponential
   decay from lr at step 0 to lr_end at step D. A function of the step
   alone, so a run resumed with the same options follows the same schedule
   (a run of fewer --steps continued later must give the final count as
   --lr-decay-steps). */
typedef struct fit_lr_decay {
    double lr_end;              /* 0: no decay */
    long decay_steps;           /* 0: the run's steps */
} fit_lr_decay;

typedef struct fit_schedule {
    uint64_t steps;             /* train until the optimiser has taken this many */
    const char *checkpoint;     /* written at the end (and every checkpoint_every) */
    long checkpoint_every;      /* 0: at the end only */
    const char *metric, *unit;  /* for the progress line, e.g. "PSNR", "dB" */
    FILE *log;                  /* NULL, or a CSV: one "step,loss,metric,seconds" line a step */
    double lr;                  /* the rate a decay starts from */
    fit_lr_decay decay;         /* {0, 0}: the optimiser's rate is left alone */
} fit_schedule;

typedef struct fit_run {
    uint64_t first_step, last_step;  /* the optimiser's step count before and after */
    double seconds;                  /* of training */
} fit_run;

/* Collective. Runs steps from the optimiser's step count up to s->steps
   with a progress line on stderr (rank 0's); Ctrl-C or SIGUSR1 stops after
   the current step (interrupt.h; a note says so; interrupt_requested()
   tells the caller), on every rank when any got it. Then writes the
   checkpoint. A step whose gradients are not finite stops training and
   keeps the last good parameters (fit_keep_last_good). Returns 0,
   FIT_NONFINITE, or 1 after an error; *run is set in every case. The step
   function is called on every rank (fold.h's step shares its work). */
int fit_train(const fit_schedule *s, fit_model *m, fit_step_fn *step, void *ctx,
              fit_run *run);

/* The values of --checkpoint, --checkpoint-every and --resume (and
   --max-workspace-mib, fit_max_workspace_mib, which a resumed network's
   size makes matter). */
typedef struct fit_resume_options {
    const char *checkpoint;  /* NULL: none */
    long checkpoint_every;   /* 0: at the end only */
    const char *resume;      /* NULL: train a new network */
} fit_resume_options;

/* The outputs' checks before any work: each can be written
   (files_check_writable, which makes the directories), and none is the
   same file as an input or as another output (files_check_distinct).
   With ckpt (NULL: none), its checkpoint counts as an output and its
   resume file as an input, except that the checkpoint may be the file
   the run resumes from. NULL entries are skipped. Returns 0, or 1 after
   an error message. */
int fit_check_outputs(const char *const *outputs, size_t n_out, const char *const *inputs,
                      size_t n_in, const fit_resume_options *ckpt);

/* Opens the CSV log that fit_train writes (fit_schedule.log) at path,
   making its directories, and writes its header
   "step,loss,METRIC_COLUMN,seconds" (seconds since this process started
   training). A run resumed from a checkpoint of step from_step > 0 (the
   optimiser's step count) continues a log that is already there: its
   rows after from_step and a row cut short go (a run killed after its
   last checkpoint), and the new rows are appended; a log of another
   header is refused. fit_train flushes the log at every checkpoint.
   *log stays NULL when path is NULL, and on every rank but 0. Collective:
   rank 0 opens the log. Call it with the other output checks, before any
   work. Returns 0, or 1 after an error message. */
int fit_log_open(const char *path, const char *metric_column, uint64_t from_step, FILE **log);

/* Closes a log of fit_log_open (NULL: nothing to do). Returns status, or 1
   after an error message when status was 0 and the file could not be
   written completely. */
int fit_log_close(const char *path, FILE *log, int status);

/* ------------------------------------------- checkpoints and resuming */

/* Collective. fit_model_resume from `resume` (a checkpoint read by rank 0
   and shared: fit_dist_checkpoint_load), or fit_model_create when it is
   NULL (every rank draws the same parameters from the seed); first refuses
   --checkpoint-every without --checkpoint. */
int fit_model_start(const char *resume, const fit_arch *a, const arg_spec *spec, fit_model *m);

/* Seconds per step of the steps this run took (0 when it took none). */
double fit_seconds_per_step(const fit_run *run);

/* Collective, the last call of a training program (fit_dist_finish: the
   other ranks wait for rank 0's outputs). The exit status of a run that
   ended with `status` (rank 0's, on every rank): 1 after a failure (or
   FIT_NONFINITE), 130 when Ctrl-C or SIGUSR1 stopped training and the
   outputs were written, else 0. */
int fit_exit_status(int status);

#endif
