/* files.h - files for the example programs: make the directories an
   output goes into, find out before a long run whether the output can be
   written at all, read a whole input, and write an output so that it
   appears whole or not at all (files.c; the atomic writes files_write.c).
   Errors are one line in err (without the path, which the caller adds). */
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

/* What a reader says after the first bytes of a file (head[0..len), the
   whole file when at_end): -1 with a message in err when they show the
   file is not what it expects (another format, a header it refuses),
   else 0 and *total, the bytes it needs from the start of the file
   (SIZE_MAX: everything up to the end). */
typedef int (*files_head_check)(const unsigned char *head, size_t len, bool at_end,
                                size_t *total, const void *ctx, char *err, size_t errlen);

/* Reads path in two steps, so that a file that is not what the reader
   expects costs only its head (issue 19: /dev/zero was read to 1 GiB
   before its first bytes were looked at): at most head_bytes, which
   check (NULL: none) looks at, then the rest up to the *total it gave,
   at most max_bytes (more than max_bytes, when *total allows more, is
   refused: "file larger than N bytes"; a regular file that large is
   refused unread). Bytes after *total are not read. Into a malloc'd
   buffer (*data, *len; the caller frees *data). Returns 0, or -1 with
   "cannot open: ...", check's message, "file larger than N bytes", "out
   of memory" or "read error: ..." in err. */
int files_read_checked(const char *path, size_t head_bytes, files_head_check check,
                       const void *ctx, size_t max_bytes, unsigned char **data, size_t *len,
                       char *err, size_t errlen);

/* The whole file at path, at most max_bytes: files_read_checked with no
   check. */
int files_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
                   char *err, size_t errlen);

/* Writes path through write(f, ctx) so that it is replaced whole or not
   at all, privately, and durably. This is the one function every output
   of the example programs goes through (images, sounds, meshes, models,
   checkpoints, logs rewritten on resume; the CSV log a run appends to is
   the one stream):
     1. Temporary files "NAME.tmp-PID-XXXXXX" of earlier saves of path
        whose process died are removed (a save holds a lock on its file;
        the kernel drops a dead process's locks, even after SIGKILL).
        The library's siren_net_save names its files alike: each cleans
        up after the other.
     2. A new "NAME.tmp-PID-XXXXXX" beside path is created exclusively
        (O_EXCL, no symlink followed) and locked; write fills it.
     3. It gets the permission bits of the file it replaces (0600 until
        then), or 0644 less the umask for a new file; it is flushed to
        the device (fsync) and renamed over path; then the directory is
        flushed. A reader never sees half a file, and a failure or a kill
        at any instant leaves what was at path.
   write returns 0, or -1 with errno set. Returns 0, or -1 with "cannot
   create: REASON" or "cannot write: REASON" in err, REASON being the C
   library's ("No space left on device"). Costs two fsyncs: 3 to 24 ms a
   file on the reference machine's disk (docs/SECURITY.md). */
typedef int (*files_writer)(FILE *f, const void *ctx);
int files_write_atomic(const char *path, files_writer write, const void *ctx, char *err,
                       size_t errlen);

/* files_write_atomic of the len bytes at data. */
int files_write_bytes(const char *path, const void *data, size_t len, char *err, size_t errlen);

#endif
