/* files.h - output paths for the example programs: make the directories
   an output goes into, and find out before a long run whether the output
   can be written at all. */
#ifndef EXAMPLES_FILES_H
#define EXAMPLES_FILES_H

#include <stddef.h>

/* Creates the directories leading to path, like `mkdir -p $(dirname path)`.
   Returns 0, or -1 with a one-line message in err. */
int files_make_parent_dirs(const char *path, char *err, size_t errlen);

/* Checks that a file can be created at path: makes its directories, then
   creates and removes an empty probe file beside it. Returns 0, or -1
   with a message in err (e.g. "cannot create files in 'out': Permission
   denied"). */
int files_check_writable(const char *path, char *err, size_t errlen);

/* "prefix" + "suffix" in a malloc'd string (NULL when out of memory). */
char *files_join(const char *prefix, const char *suffix);

#endif
