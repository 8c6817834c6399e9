/* files.h - files for the example programs: make the directories an
   output goes into, find out before a long run whether the output can be
   written at all, read a whole input, and write an output so that it
   appears whole or not at all. Errors are one line in err (without the
   path, which the caller adds). */
#ifndef EXAMPLES_FILES_H
#define EXAMPLES_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Creates the directories leading to path, like `mkdir -p $(dirname path)`.
   Returns 0, or -1 with a one-line message in err. */
int files_make_parent_dirs(const char *path, char *err, size_t errlen);

/* Checks that a file can be created at path: makes its directories, then
   creates and removes an empty probe file beside it. Returns 0, or -1
   with a message in err (e.g. "cannot create files in 'out': Permission
   denied"). */
int files_check_writable(const char *path, char *err, size_t errlen);

/* Whether a and b name one file: the same device and inode when it
   exists; when it does not, the same name in the same existing directory
   ("out/a", "out//a" and "./out/a" are one new file), or else the same
   string. An output that is the same file as an input or as another
   output must be refused before a run overwrites it. */
bool files_same(const char *a, const char *b);

/* Checks that no output (outputs[0..n_out), NULL entries skipped) is the
   same file as an input or as another output (files_same): each path is
   looked at once and the paths sorted, so thousands of video frames are
   checked at once. Make the outputs' directories first, so that new files
   are told apart by their directories. Returns 0, or -1 with "'OUT' would
   overwrite the input 'IN'" or "'OUT' is named for two outputs" (the
   first output in output order that clashes) or "out of memory" in err. */
int files_check_distinct(const char *const *outputs, size_t n_out, const char *const *inputs,
                         size_t n_in, char *err, size_t errlen);

/* "prefix" + "suffix" in a malloc'd string (NULL when out of memory). */
char *files_join(const char *prefix, const char *suffix);

/* The whole file at path, at most max_bytes, into a malloc'd buffer
   (*data, *len; the caller frees *data). Returns 0, or -1 with "cannot
   open: ...", "file larger than N bytes", "out of memory" or "read
   error: ..." in err. */
int files_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
                   char *err, size_t errlen);

/* Writes path through write(f, ctx) into a new temporary file beside it
   ("path.tmp-PID-N", created exclusively, with the umask's permissions),
   which then replaces path by rename: a reader never sees half a file,
   and a failure leaves what was at path. write returns 0, or -1 with
   errno set. Returns 0, or -1 with "cannot create: ..." or "cannot
   write: ..." in err. */
typedef int (*files_writer)(FILE *f, const void *ctx);
int files_write_atomic(const char *path, files_writer write, const void *ctx, char *err,
                       size_t errlen);

#endif
