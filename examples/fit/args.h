/* args.h - the command-line parser shared by the example programs.

   A program lists its options in a table; each entry names a typed
   variable that holds the default and receives the value:

       long steps = 500;
       double lr = 1e-4;
       const char *out = "out/fit_image";
       arg_option options[] = {
           ARG_LONG("steps", &steps, 1, 100000000, "N", "training steps"),
           ARG_DOUBLE_POSITIVE("lr", &lr, "X", "Adam learning rate"),
           ARG_STRING("out", &out, "PREFIX", "output file prefix"),
       };

   Accepted forms: --name value, --name=value, --flag, -h/--help, and
   "--" to end the options. Everything else is a positional argument.
   Errors are one line on stderr naming the program and the option
   (messages.h; args_parse sets the program's name from its arg_spec):
       fit_image: --steps: expected an integer from 1 to 100000000, got 'abc'
   --help prints the usage, the description and every option with its
   current (default) value; a DOUBLE whose default is NaN shows none (its
   help says in words what leaving it unset means, and the program
   replaces the NaN after parsing).

   The library computes in single precision, and most number options reach
   it as float (learning rates, omegas, clipping, loss weights, the
   physical constants of a field). So that none is silently changed, every
   DOUBLE option refuses a value that float cannot hold: one that, rounded
   to float, is infinite, or 0 or subnormal without being 0 (it would lose
   its precision). What rounds to FLT_MAX or FLT_MIN is accepted, such as
   the limits as the message prints them. The message is a line naming the
   option (after its range's check):
       fit_image: --lr: '1e39' is beyond single precision (largest 3.40282347e+38) */
#ifndef EXAMPLES_ARGS_H
#define EXAMPLES_ARGS_H

#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum arg_kind {
    ARG_KIND_FLAG,     /* bool *: set to true, takes no value */
    ARG_KIND_LONG,     /* long *: integer in [min, max] */
    ARG_KIND_U64,      /* uint64_t *: any unsigned 64-bit integer (seeds) */
    ARG_KIND_DOUBLE,   /* double *: finite, in [min, max] (or (min, max] when
                          min_open), and a float: 0 or a magnitude from
                          FLT_MIN to FLT_MAX (see below) */
    ARG_KIND_STRING    /* const char **: any non-empty string */
} arg_kind;

typedef struct arg_option {
    const char *name;  /* without the leading "--" */
    arg_kind kind;
    void *value;
    double min, max;   /* ranges of LONG and DOUBLE */
    bool min_open;     /* DOUBLE: the value must be > min */
    const char *meta;  /* the value's name in --help, e.g. "N" */
    const char *help;
    bool seen;         /* set by args_parse when the option was given */
} arg_option;

#define ARG_FLAG(name, ptr, help) \
    {(name), ARG_KIND_FLAG, (ptr), 0, 0, false, NULL, (help), false}
#define ARG_LONG(name, ptr, lo, hi, meta, help) \
    {(name), ARG_KIND_LONG, (ptr), (lo), (hi), false, (meta), (help), false}
#define ARG_U64(name, ptr, meta, help) \
    {(name), ARG_KIND_U64, (ptr), 0, 0, false, (meta), (help), false}
#define ARG_DOUBLE(name, ptr, lo, hi, meta, help) \
    {(name), ARG_KIND_DOUBLE, (ptr), (lo), (hi), false, (meta), (help), false}
#define ARG_DOUBLE_POSITIVE(name, ptr, meta, help) \
    {(name), ARG_KIND_DOUBLE, (ptr), 0, DBL_MAX, true, (meta), (help), false}
#define ARG_STRING(name, ptr, meta, help) \
    {(name), ARG_KIND_STRING, (ptr), 0, 0, false, (meta), (help), false}

typedef struct arg_spec {
    const char *program;      /* "fit_image": prefixes every message (messages.h) */
    const char *synopsis;     /* after the program name: "[options] IMAGE" */
    const char *description;  /* printed by --help after the usage line */
    arg_option *options;
    size_t option_count;
    const char **positional;  /* receives the positional arguments */
    size_t positional_min, positional_max;
    size_t positional_count;  /* set by args_parse */
} arg_spec;

/* The number of entries of an option table (an array). */
#define ARG_COUNT(table) (sizeof (table) / sizeof *(table))

enum { ARGS_OK = 0, ARGS_HELP = 1, ARGS_ERROR = -1 };

/* Names the program (program_name_set, messages.h: spec->program), then
   parses argv[1..argc-1] into the option variables. Returns ARGS_OK;
   ARGS_HELP after printing the help on stdout (the program should exit
   0); ARGS_ERROR after printing a one-line error on stderr (exit 1). */
int args_parse(arg_spec *spec, int argc, char **argv);

/* The exit status after args_parse returned ARGS_HELP (0) or ARGS_ERROR
   (1). */
int args_exit_status(int parsed);

/* Whether the option called `name` was given on the command line. */
bool args_given(const arg_spec *spec, const char *name);

/* The option called `name` (its range, its value), or NULL when the
   program has none. */
const arg_option *args_option(const arg_spec *spec, const char *name);

#endif
