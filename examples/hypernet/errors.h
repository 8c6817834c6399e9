/* errors.h - how the hypernet program reports a failure: one line on
   stderr, "hypernet: what: why", from whichever of its files finds it;
   args_error (args.h) for its own checks, fit_library_error (fitting.h)
   for a failed libsiren call or hn_* function (a siren_status). */
#ifndef HYPERNET_ERRORS_H
#define HYPERNET_ERRORS_H

#include "fit/args.h"
#include "fit/fitting.h"

/* The program's name, first on every message line. */
#define HYPERNET_PROGRAM "hypernet"

#endif
