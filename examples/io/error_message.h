/* error_message.h - the one-line error messages of the example programs'
   readers and writers: they fill a caller's buffer instead of printing,
   so a program can prefix the file name and a test can read the text. */
#ifndef EXAMPLES_ERROR_MESSAGE_H
#define EXAMPLES_ERROR_MESSAGE_H

#include <stddef.h>

/* Formats the message into err (errlen bytes, truncated; nothing when err
   is NULL or errlen 0) and returns -1, so a failure is one line:
       return error_message(err, errlen, "cannot open: %s", strerror(errno)); */
int error_message(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
