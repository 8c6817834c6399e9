/* test_args.c - the example programs' option parser
   (examples/fit/args.c): number options hold what a float holds, with
   a one-line error naming the option otherwise; ranges, forms and help
   as args.h describes them. Messages are read back from stderr (and the
   help from stdout) through a temporary file. */
#define _POSIX_C_SOURCE 200809L
#include "fit/args.h"

#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The options of a training example: a learning rate, an omega, a
   clipping norm that may be 0, and a weight whose default is "unset". */
typedef struct parsed {
    double lr, omega, clip, alpha;
    long steps;
    int status;
    char err[512], out[4096]; /* what args_parse wrote on stderr, stdout */
} parsed;

/* The whole of f (from its start) into buf, NUL-terminated. */
static void read_back(FILE *f, char *buf, size_t len)
{
    rewind(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
}

/* args_parse of "prog ARGS..." (NULL-terminated), with stdout and stderr
   caught in p->out and p->err. */
static void parse(parsed *p, const char *first, ...)
{
    char *argv[16] = {"prog"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 15; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    *p = (parsed){.lr = 1e-4, .omega = 30, .clip = 0, .alpha = NAN, .steps = 10};
    arg_option table[] = {
        ARG_DOUBLE_POSITIVE("lr", &p->lr, "X", "learning rate"),
        ARG_DOUBLE_POSITIVE("first-omega", &p->omega, "W", "omega"),
        ARG_DOUBLE("clip", &p->clip, 0, 1e30, "X", "clipping; 0: off"),
        ARG_DOUBLE("alpha", &p->alpha, 0, 1, "A", "weight [1 or 0.5: see above]"),
        ARG_LONG("steps", &p->steps, 0, 1000, "N", "steps"),
    };
    const char *positional[2];
    arg_spec spec = {"prog", "[options] FILE", "Tests.", table, sizeof table / sizeof *table,
                     positional, 0, 2, 0};
    FILE *err = tmpfile(), *out = tmpfile();
    if (!err || !out) {
        CHECK(!"tmpfile");
        return;
    }
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    p->status = args_parse(&spec, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    read_back(err, p->err, sizeof p->err);
    read_back(out, p->out, sizeof p->out);
    fclose(err);
    fclose(out);
}

/* p failed with exactly the one line `want` on stderr. */
static void check_error(const parsed *p, const char *want)
{
    CHECK_STATUS(p->status, ARGS_ERROR);
    if (strcmp(p->err, want) != 0)
        printf("  stderr: '%s', want '%s'\n", p->err, want);
    CHECK(strcmp(p->err, want) == 0);
}

/* The audit's cases: --lr 1e39 used to reach the library as an infinite
   float ("cannot create the network: invalid argument"), --lr 1e-50 as 0
   (training silently did nothing). */
static void test_beyond_float_is_refused_naming_the_option(void)
{
    parsed p;
    parse(&p, "--lr", "1e39", NULL);
    check_error(&p, "prog: --lr: '1e39' is beyond single precision (largest 3.40282347e+38)\n");
    CHECK(p.lr == 1e-4); /* untouched */
    parse(&p, "--first-omega=1e39", NULL);
    check_error(&p, "prog: --first-omega: '1e39' is beyond single precision "
                    "(largest 3.40282347e+38)\n");
    parse(&p, "--lr", "1e-50", NULL);
    check_error(&p, "prog: --lr: '1e-50' is below single precision (smallest above 0: "
                    "1.17549435e-38)\n");
    parse(&p, "--lr", "1e-39", NULL); /* a float, but subnormal: 22 bits or fewer */
    CHECK_STATUS(p.status, ARGS_ERROR);
    CHECK(strstr(p.err, "below single precision") != NULL);
    /* Beyond double itself (strtod's ERANGE): the same messages. */
    parse(&p, "--lr", "1e400", NULL);
    CHECK(strstr(p.err, "prog: --lr: '1e400' is beyond single precision") == p.err);
    parse(&p, "--lr", "1e-400", NULL);
    CHECK(strstr(p.err, "prog: --lr: '1e-400' is below single precision") == p.err);
    /* An option that allows 0 still refuses a tiny non-zero value. */
    parse(&p, "--clip", "1e-45", NULL);
    CHECK(strstr(p.err, "prog: --clip: '1e-45' is below single precision") == p.err);
    /* A long text is shortened in the message, as in the range's message. */
    parse(&p, "--lr", "1e-50000000000000000000000000000000000000000000000000000000000000000000000",
          NULL);
    CHECK(strstr(p.err, "prog: --lr: '1e-5000") == p.err && strstr(p.err, "...' is below") != NULL);
}

static void test_float_range_edges_are_accepted(void)
{
    parsed p;
    parse(&p, "--lr", "3.4e38", "--first-omega", "1.2e-38", "--clip", "0", NULL);
    CHECK_STATUS(p.status, ARGS_OK);
    CHECK(p.err[0] == '\0');
    CHECK(p.lr == 3.4e38 && (float)p.lr == 3.4e38f);
    CHECK(p.omega == 1.2e-38 && (float)p.omega > 0);
    CHECK(p.clip == 0);
    parse(&p, "--lr", "3.5e38", NULL);
    CHECK_STATUS(p.status, ARGS_ERROR);
    parse(&p, "--lr", "1.1e-38", NULL);
    CHECK_STATUS(p.status, ARGS_ERROR);
}

/* The limits a message prints are accepted: the checks are made after
   rounding to float, so a text that becomes FLT_MIN or FLT_MAX (such as the
   %.9g of the messages, 1.17549435e-38 and 3.40282347e+38, both a little
   beyond the limits as doubles) is a float; one that becomes a subnormal
   (1.17549e-38, %g's FLT_MIN, is 1.17549001e-38 as a float) or infinity is
   not. */
static void test_limits_as_printed_are_accepted(void)
{
    const char *ok[] = {"1.17549435e-38", "3.40282347e+38", "3.4028235e38", "3.40282356e38",
                        "3.40282e+38"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        parsed p;
        parse(&p, "--first-omega", ok[i], NULL);
        if (p.status != ARGS_OK)
            printf("  '%s': %s", ok[i], p.err);
        CHECK_STATUS(p.status, ARGS_OK);
        CHECK(isfinite((float)p.omega) && (float)p.omega >= FLT_MIN);
    }
    const char *refused[] = {"1.17549e-38", "1.1754942e-38", "1e-38", "3.4028236e38",
                             "3.402823669209385e38"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        parsed p;
        parse(&p, "--first-omega", refused[i], NULL);
        if (p.status != ARGS_ERROR)
            printf("  '%s' accepted\n", refused[i]);
        CHECK_STATUS(p.status, ARGS_ERROR);
        CHECK(strstr(p.err, "single precision") != NULL);
    }
}

/* A range's own message comes first: the range is what the user must
   meet. Non-numbers, infinities and NaN are refused as before. */
static void test_range_errors_are_unchanged(void)
{
    parsed p;
    parse(&p, "--alpha", "2", NULL);
    check_error(&p, "prog: --alpha: expected a number from 0 to 1, got '2'\n");
    parse(&p, "--clip", "1e39", NULL);
    check_error(&p, "prog: --clip: expected a number from 0 to 1e+30, got '1e39'\n");
    parse(&p, "--lr", "0", NULL);
    check_error(&p, "prog: --lr: expected a positive number, got '0'\n");
    parse(&p, "--lr", "-1e-50", NULL);
    check_error(&p, "prog: --lr: expected a positive number, got '-1e-50'\n");
    const char *bad[] = {"inf", "nan", "1e", "abc", "", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parse(&p, "--lr", bad[i], NULL);
        CHECK_STATUS(p.status, ARGS_ERROR);
        CHECK(strstr(p.err, "prog: --lr: expected a positive number, got '") == p.err);
    }
    parse(&p, "--steps", "1001", NULL);
    check_error(&p, "prog: --steps: expected an integer from 0 to 1000, got '1001'\n");
}

static void test_forms_and_positionals(void)
{
    parsed p;
    parse(&p, "a", "--lr=0.5", "--steps", "7", "--", "--b", NULL);
    CHECK_STATUS(p.status, ARGS_OK);
    CHECK(p.lr == 0.5 && p.steps == 7);
    parse(&p, "--lr", NULL);
    check_error(&p, "prog: --lr: missing value (X)\n");
    parse(&p, "--nope", NULL);
    check_error(&p, "prog: unknown option '--nope' (see --help)\n");
    parse(&p, "a", "b", "c", NULL);
    check_error(&p, "prog: unexpected argument 'c' (see --help)\n");
}

/* --help shows each default, except a DOUBLE left unset (NaN): its help
   text says in words what that means, and no "[nan]" appears. */
static void test_help_shows_defaults_but_not_an_unset_double(void)
{
    parsed p;
    parse(&p, "--help", NULL);
    CHECK_STATUS(p.status, ARGS_HELP);
    CHECK(strstr(p.out, "usage: prog [options] FILE") == p.out);
    CHECK(strstr(p.out, "learning rate [0.0001]\n") != NULL);
    CHECK(strstr(p.out, "steps [10]\n") != NULL);
    CHECK(strstr(p.out, "weight [1 or 0.5: see above]\n") != NULL);
    CHECK(strstr(p.out, "nan") == NULL);
    CHECK(p.err[0] == '\0');
}

int main(void)
{
    RUN(test_beyond_float_is_refused_naming_the_option);
    RUN(test_float_range_edges_are_accepted);
    RUN(test_limits_as_printed_are_accepted);
    RUN(test_range_errors_are_unchanged);
    RUN(test_forms_and_positionals);
    RUN(test_help_shows_defaults_but_not_an_unset_double);
    return check_summary();
}
