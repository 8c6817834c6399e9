/* messages.c - the programs' lines on stderr (messages.h). */
#include "messages.h"

#include "siren.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static const char *name = "";
static bool quiet;
static char kept[512];

void program_name_set(const char *program)
{
    name = program;
}

const char *program_name(void)
{
    return name;
}

/* "NAME: " + middle + the formatted message + "\n", on stderr; when
   quiet, an error (is_error) is kept instead and anything else dropped. */
static void say(bool is_error, const char *middle, const char *fmt, va_list ap)
{
    if (quiet) {
        if (is_error)
            vsnprintf(kept, sizeof kept, fmt, ap);
        return;
    }
    fprintf(stderr, "%s: %s", name, middle);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int fit_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(true, "", fmt, ap);
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
    say(false, "", fmt, ap);
    va_end(ap);
}

void fit_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say(false, "note: ", fmt, ap);
    va_end(ap);
}

void messages_quiet(void)
{
    quiet = true;
}

const char *messages_kept_error(void)
{
    return kept;
}

void messages_forget(void)
{
    kept[0] = '\0';
}
