/* train.h - training poisson_edit's network u(row, column) on the
   target field of field.h: every step sees every pixel and minimises

       L = 1/(B C) sum |s * grad u - G|^2,   s_k = 2/(N_k - 1)

   with Adam, through fit_train (fitting.h: the progress line, Ctrl-C,
   --checkpoint and --resume). */
#ifndef POISSON_EDIT_TRAIN_H
#define POISSON_EDIT_TRAIN_H

#include "field.h"
#include "fit/fitting.h"
#include "fit/options.h"

#include <stdio.h>

/* Trains m (new or resumed) up to f->steps steps, f->chunk pixels per
   call on f->threads threads, checkpointing as f->ckpt says; log: NULL or
   the CSV log, a line per step. run: the steps taken and their time. 0,
   or 1 after a one-line message (or fit_train's status). */
int edit_train(const fit_options *f, const scene *s, fit_model *m, FILE *log, fit_run *run);

#endif
