/* error_message.c - see error_message.h. */
#include "error_message.h"

#include <stdarg.h>
#include <stdio.h>

int error_message(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}
