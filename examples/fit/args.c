/* args.c - the example programs' option parser (see args.h). */
#include "args.h"

#include "messages.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value as it appears in messages: quoted, long ones shortened. */
static const char *quoted(const char *text, char *buf, size_t len)
{
    if (strlen(text) + 3 <= len)
        snprintf(buf, len, "'%s'", text);
    else
        snprintf(buf, len, "'%.*s...'", (int)(len - 6), text);
    return buf;
}

/* --------------------------------------------------------- conversions */

/* What a LONG or DOUBLE option accepts, in words, for error messages. */
static void describe_range(const arg_option *opt, char *buf, size_t len)
{
    bool unbounded = opt->max >= 1e15;
    if (opt->kind == ARG_KIND_LONG) {
        if (unbounded && opt->min == 1)
            snprintf(buf, len, "a positive integer");
        else if (unbounded && opt->min == 0)
            snprintf(buf, len, "a non-negative integer");
        else
            snprintf(buf, len, "an integer from %.0f to %.0f", opt->min, opt->max);
    } else if (opt->min_open) {
        if (unbounded && opt->min == 0)
            snprintf(buf, len, "a positive number");
        else
            snprintf(buf, len, "a number above %g and at most %g", opt->min, opt->max);
    } else {
        snprintf(buf, len, "a number from %g to %g", opt->min, opt->max);
    }
}

static bool parse_long(const arg_option *opt, const char *text, long *out)
{
    char *end;
    if (!(text[0] == '-' || text[0] == '+' || (text[0] >= '0' && text[0] <= '9')))
        return false;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno || *end != '\0' || end == text)
        return false;
    if ((double)value < opt->min || (double)value > opt->max)
        return false;
    *out = value;
    return true;
}

static bool parse_u64(const char *text, uint64_t *out)
{
    char *end;
    if (!(text[0] >= '0' && text[0] <= '9'))
        return false;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end != '\0')
        return false;
    *out = (uint64_t)value;
    return true;
}

/* What parse_double makes of a text. */
typedef enum double_parse {
    DOUBLE_OK,
    DOUBLE_INVALID,     /* not a finite number, or outside the option's range */
    DOUBLE_TOO_LARGE,   /* in range, but an infinite float once rounded */
    DOUBLE_TOO_SMALL    /* in range and not 0, but 0 or subnormal once rounded */
} double_parse;

/* FLT_MAX + half its ulp, 2^128 - 2^103: the smallest magnitude that
   rounds to an infinite float (the tie goes to the even 2^128). */
#define FLOAT_ROUNDS_TO_INFINITY 0x1.ffffffp+127

static double_parse parse_double(const arg_option *opt, const char *text, double *out)
{
    char *end;
    if (text[0] == '\0' || text[0] == ' ' || text[0] == '\t')
        return DOUBLE_INVALID;
    errno = 0;
    double value = strtod(text, &end);
    if (*end != '\0' || end == text)
        return DOUBLE_INVALID;
    /* Beyond double's range: its largest or smallest normal magnitude
       stands for the number, for the checks below. */
    if (errno == ERANGE)
        value = copysign(fabs(value) > 1 ? DBL_MAX : DBL_MIN, value);
    if (!isfinite(value)) /* "inf", "nan" */
        return DOUBLE_INVALID;
    if (value < opt->min || value > opt->max || (opt->min_open && value == opt->min))
        return DOUBLE_INVALID;
    /* The option ends up as a float (args.h): refuse what would not
       survive the rounding to float, judged after it, so that a text
       which becomes FLT_MAX or FLT_MIN (the limits as messages print
       them) is accepted. From FLT_MAX plus half its ulp up, the rounding
       gives infinity; the comparison comes first, as C leaves converting
       a double beyond float's range undefined. */
    if (fabs(value) >= FLOAT_ROUNDS_TO_INFINITY)
        return DOUBLE_TOO_LARGE;
    if (value != 0 && fabsf((float)value) < FLT_MIN) /* 0 or a subnormal as a float */
        return DOUBLE_TOO_SMALL;
    *out = value;
    return DOUBLE_OK;
}

/* Says why a number in the option's range is no float; returns
   ARGS_ERROR. The limits are printed with 9 significant digits, enough
   for a float to read back as itself, so that typing one is accepted. */
static int float_error(const arg_option *opt, const char *text, double_parse why)
{
    char shown[64];
    quoted(text, shown, sizeof shown);
    if (why == DOUBLE_TOO_LARGE)
        fit_error("--%s: %s is beyond single precision (largest %.9g)", opt->name, shown,
                  (double)FLT_MAX);
    else
        fit_error("--%s: %s is below single precision (smallest above 0: %.9g)", opt->name,
                  shown, (double)FLT_MIN);
    return ARGS_ERROR;
}

/* Stores the text of a value into the option's variable, or prints why
   it cannot. */
static int store_value(arg_option *opt, const char *text)
{
    char shown[64], wanted[96];
    bool ok = false;
    switch (opt->kind) {
    case ARG_KIND_LONG:
        ok = parse_long(opt, text, (long *)opt->value);
        describe_range(opt, wanted, sizeof wanted);
        break;
    case ARG_KIND_U64:
        ok = parse_u64(text, (uint64_t *)opt->value);
        snprintf(wanted, sizeof wanted, "an integer from 0 to %" PRIu64, UINT64_MAX);
        break;
    case ARG_KIND_DOUBLE: {
        double_parse result = parse_double(opt, text, (double *)opt->value);
        if (result == DOUBLE_TOO_LARGE || result == DOUBLE_TOO_SMALL)
            return float_error(opt, text, result);
        ok = result == DOUBLE_OK;
        describe_range(opt, wanted, sizeof wanted);
        break;
    }
    case ARG_KIND_STRING:
        ok = text[0] != '\0';
        if (ok)
            *(const char **)opt->value = text;
        snprintf(wanted, sizeof wanted, "a non-empty value");
        break;
    case ARG_KIND_FLAG:
        break;
    }
    if (!ok) {
        fit_error("--%s: expected %s, got %s", opt->name, wanted,
                  quoted(text, shown, sizeof shown));
        return ARGS_ERROR;
    }
    opt->seen = true;
    return ARGS_OK;
}

/* ---------------------------------------------------------------- help */

static void print_default(const arg_option *opt)
{
    switch (opt->kind) {
    case ARG_KIND_LONG: printf(" [%ld]", *(const long *)opt->value); break;
    case ARG_KIND_U64: printf(" [%" PRIu64 "]", *(const uint64_t *)opt->value); break;
    case ARG_KIND_DOUBLE: {
        double value = *(const double *)opt->value;
        if (!isnan(value)) /* NaN: unset, the help says what that means */
            printf(" [%g]", value);
        break;
    }
    case ARG_KIND_STRING: {
        const char *s = *(const char *const *)opt->value;
        if (s)
            printf(" [%s]", s);
        break;
    }
    case ARG_KIND_FLAG: break;
    }
}

/* The help text, continuation lines (after '\n') indented to `column`. */
static void print_help_text(const char *text, int column)
{
    for (const char *p = text; *p; p++) {
        putchar(*p);
        if (*p == '\n')
            printf("%*s", column, "");
    }
}

static void print_help(const arg_spec *spec)
{
    enum { COLUMN = 26 };
    printf("usage: %s %s\n\n", spec->program, spec->synopsis);
    if (spec->description)
        printf("%s\n\n", spec->description);
    printf("options:\n");
    for (size_t i = 0; i < spec->option_count; i++) {
        const arg_option *opt = &spec->options[i];
        int width = printf("  --%s%s%s", opt->name, opt->meta ? " " : "",
                           opt->meta ? opt->meta : "");
        if (width >= COLUMN - 1)
            printf("\n%*s", COLUMN, "");
        else
            printf("%*s", COLUMN - width, "");
        print_help_text(opt->help, COLUMN);
        print_default(opt);
        putchar('\n');
    }
    printf("  -h, --help%*s%s\n", COLUMN - 12, "", "show this help and exit");
}

/* -------------------------------------------------------------- parsing */

static arg_option *find_option(arg_spec *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->option_count; i++) {
        const char *candidate = spec->options[i].name;
        if (strlen(candidate) == len && strncmp(candidate, name, len) == 0)
            return &spec->options[i];
    }
    return NULL;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* One "--name[=value]" argument at argv[*i]; may consume argv[*i + 1]. */
static int parse_option(arg_spec *spec, int argc, char **argv, int *i)
{
    char shown[64];
    const char *name = argv[*i] + 2;
    const char *equals = strchr(name, '=');
    size_t len = equals ? (size_t)(equals - name) : strlen(name);
    arg_option *opt = find_option(spec, name, len);
    if (!opt) {
        fit_error("unknown option %s (see --help)", quoted(argv[*i], shown, sizeof shown));
        return ARGS_ERROR;
    }
    if (opt->kind == ARG_KIND_FLAG) {
        if (equals) {
            fit_error("--%s takes no value", opt->name);
            return ARGS_ERROR;
        }
        *(bool *)opt->value = true;
        opt->seen = true;
        return ARGS_OK;
    }
    if (equals)
        return store_value(opt, equals + 1);
    if (*i + 1 >= argc) {
        fit_error("--%s: missing value (%s)", opt->name, opt->meta ? opt->meta : "a value");
        return ARGS_ERROR;
    }
    *i += 1;
    return store_value(opt, argv[*i]);
}

static int add_positional(arg_spec *spec, const char *arg)
{
    char shown[64];
    if (spec->positional_count >= spec->positional_max) {
        fit_error("unexpected argument %s (see --help)", quoted(arg, shown, sizeof shown));
        return ARGS_ERROR;
    }
    spec->positional[spec->positional_count++] = arg;
    return ARGS_OK;
}

int args_parse(arg_spec *spec, int argc, char **argv)
{
    program_name_set(spec->program);
    spec->positional_count = 0;
    if (wants_help(argc, argv)) {
        print_help(spec);
        return ARGS_HELP;
    }
    bool options_ended = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int status;
        if (options_ended || arg[0] != '-' || strcmp(arg, "-") == 0) {
            status = add_positional(spec, arg);
        } else if (strcmp(arg, "--") == 0) {
            options_ended = true;
            status = ARGS_OK;
        } else if (arg[1] == '-') {
            status = parse_option(spec, argc, argv, &i);
        } else {
            char shown[64];
            fit_error("unknown option %s (see --help)", quoted(arg, shown, sizeof shown));
            status = ARGS_ERROR;
        }
        if (status != ARGS_OK)
            return status;
    }
    if (spec->positional_count < spec->positional_min) {
        fit_error("missing argument (usage: %s %s)", spec->program, spec->synopsis);
        return ARGS_ERROR;
    }
    return ARGS_OK;
}

int args_exit_status(int parsed)
{
    return parsed == ARGS_HELP ? 0 : 1;
}

const arg_option *args_option(const arg_spec *spec, const char *name)
{
    for (size_t i = 0; i < spec->option_count; i++)
        if (strcmp(spec->options[i].name, name) == 0)
            return &spec->options[i];
    return NULL;
}

bool args_given(const arg_spec *spec, const char *name)
{
    const arg_option *o = args_option(spec, name);
    return o && o->seen;
}
