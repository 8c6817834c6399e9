/* messages.c - the programs' lines on stderr (messages.h). */
#include "messages.h"

#include "siren.h"

#include <stdarg.h>
#include <stdio.h>

static const char *name = "";

void program_name_set(const char *program)
{
    name = program;
}

const char *program_name(void)
{
    return name;
}

/* "NAME: " + middle + the formatted message + "\n", on stderr. */
static void say(const char *middle, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", name, middle);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int fit_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
    return 1;
}

int fit_library_error(const char *what, int status)
{
    return fit_error("%s: %s", what, siren_status_string(status));
}

void fit_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

void fit_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("note: ", fmt, ap);
    va_end(ap);
}
