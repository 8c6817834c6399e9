/* errors.h - how poisson_edit reports a failure: one line on stderr,
   "poisson_edit: what: why", from whichever of its files finds it;
   args_error (args.h) for its own checks, fit_library_error (fitting.h)
   for a failed libsiren call (a siren_status). */
#ifndef POISSON_EDIT_ERRORS_H
#define POISSON_EDIT_ERRORS_H

#include "fit/args.h"
#include "fit/fitting.h"

/* The program's name, first on every message line. */
#define POISSON_EDIT_PROGRAM "poisson_edit"

#endif
