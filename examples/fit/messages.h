/* messages.h - what the example programs say on stderr. Every line starts
   with the program's name, which is set once: args_parse (args.h) takes
   it from the program's arg_spec before anything can be said.

       fit_image: camera.pgm: truncated pixel data: 10 of 4096 bytes

   An error is one line, and the functions that report one return 1, the
   exit status of a failed run, so that a caller can write
   `return fit_error("...")`.

   Under MPI (fit/distributed.h) every rank but 0 is quiet: it prints
   nothing, and keeps its last error for fit_dist_agree, which hands it to
   rank 0 to print once, naming the rank. */
#ifndef EXAMPLES_FIT_MESSAGES_H
#define EXAMPLES_FIT_MESSAGES_H

#if defined(__GNUC__)
#define FIT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FIT_PRINTF(a, b)
#endif

/* The name every message starts with ("" until it is set). */
void program_name_set(const char *name);
const char *program_name(void);

/* "NAME: message\n" on stderr, printf-style; returns 1. */
int fit_error(const char *fmt, ...) FIT_PRINTF(1, 2);

/* "NAME: what: <siren_status_string(status)>\n"; returns 1. */
int fit_library_error(const char *what, int status);

/* "NAME: message\n" on stderr: what the program is doing or did. */
void fit_say(const char *fmt, ...) FIT_PRINTF(1, 2);

/* "NAME: note: message\n": something the user may not have expected,
   which does not stop the run. */
void fit_note(const char *fmt, ...) FIT_PRINTF(1, 2);

/* From now on nothing is printed: the errors are kept (the last one) and
   the other lines dropped. */
void messages_quiet(void);
/* The last error said while quiet, without the program's name ("" when
   none), and forgetting it. */
const char *messages_kept_error(void);
void messages_forget(void);

#endif
