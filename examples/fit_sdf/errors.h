/* errors.h - how the fit_sdf program reports a failure: one line on
   stderr, "fit_sdf: what: why", from whichever of its files finds it;
   args_error (args.h) for its own checks, fit_library_error (fitting.h)
   for a failed libsiren call (a siren_status). */
#ifndef FIT_SDF_ERRORS_H
#define FIT_SDF_ERRORS_H

#include "fit/args.h"
#include "fit/fitting.h"

/* The program's name, first on every message line. */
#define FIT_SDF_PROGRAM "fit_sdf"

#endif
