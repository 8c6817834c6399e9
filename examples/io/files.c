/* files.c - output directories, write checks, the check that outputs
   are distinct, and reads that look at a file's head before the rest (see
   files.h; the atomic writes are files_write.c's). */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "error_message.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *files_join(const char *prefix, const char *suffix)
{
    size_t a = strlen(prefix), b = strlen(suffix);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, prefix, a);
        memcpy(s + a, suffix, b + 1);
    }
    return s;
}

/* mkdir of one directory; an existing directory is fine. */
static int make_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0777) == 0)
        return 0;
    int saved = errno;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    snprintf(err, errlen, "cannot create directory '%s': %s", dir,
             saved == EEXIST ? "a file is in the way" : strerror(saved));
    return -1;
}

/* How files_same tells files apart: an existing file by its device and
   inode; a missing one by its directory's device and inode and its name
   there, so that two spellings of one new file agree ("out/a", "out//a",
   "./out/a"); a missing file in a missing directory by its whole path.
   `index` is the path's place in files_check_distinct: outputs first,
   then inputs (n_out + j). */
typedef enum { KEY_FILE, KEY_NAME_IN_DIR, KEY_PATH } key_kind;
typedef struct path_key {
    key_kind kind;
    dev_t dev;
    ino_t ino;
    const char *name; /* KEY_NAME_IN_DIR: the last component of path */
    const char *path;
    size_t index;
} path_key;

static path_key identify(const char *path, size_t index)
{
    path_key k = {KEY_PATH, 0, 0, NULL, path, index};
    struct stat st;
    if (stat(path, &st) == 0) {
        k.kind = KEY_FILE;
    } else {
        const char *slash = strrchr(path, '/');
        char dir[4096];
        size_t len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
        if (len >= sizeof dir || (slash && slash[1] == '\0'))
            return k;
        memcpy(dir, !slash ? "." : slash == path ? "/" : path, len);
        dir[len] = '\0';
        if (stat(dir, &st) != 0)
            return k;
        k.kind = KEY_NAME_IN_DIR;
        k.name = slash ? slash + 1 : path;
    }
    k.dev = st.st_dev;
    k.ino = st.st_ino;
    return k;
}

/* The order of path keys: the keys of one file together, in index
   order. */
static int compare_keys(const void *pa, const void *pb)
{
    const path_key *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->kind != KEY_PATH && a->dev != b->dev)
        return a->dev < b->dev ? -1 : 1;
    if (a->kind != KEY_PATH && a->ino != b->ino)
        return a->ino < b->ino ? -1 : 1;
    int c = a->kind == KEY_NAME_IN_DIR ? strcmp(a->name, b->name)
            : a->kind == KEY_PATH      ? strcmp(a->path, b->path)
                                       : 0;
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

static bool same_file(const path_key *a, const path_key *b)
{
    path_key x = *a, y = *b;
    x.index = y.index = 0;
    return compare_keys(&x, &y) == 0;
}

bool files_same(const char *a, const char *b)
{
    path_key ka = identify(a, 0), kb = identify(b, 0);
    return same_file(&ka, &kb);
}

int files_check_distinct(const char *const *outputs, size_t n_out, const char *const *inputs,
                         size_t n_in, char *err, size_t errlen)
{
    path_key *keys = malloc((n_out + n_in + 1) * sizeof *keys);
    if (!keys)
        return error_message(err, errlen, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < n_out + n_in; i++) {
        const char *path = i < n_out ? outputs[i] : inputs[i - n_out];
        if (path)
            keys[n++] = identify(path, i);
    }
    qsort(keys, n, sizeof *keys, compare_keys);
    /* Reported: the first output (in output order) that is an input (with
       the first such input) or repeats an earlier output. In a run of one
       file's keys the outputs come first: the run's first output clashes
       with its first input if it has one, else its second output with its
       first. */
    const path_key *clash = NULL, *input = NULL;
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1; end < n && same_file(&keys[start], &keys[end]); end++)
            ;
        if (end - start < 2 || keys[start].index >= n_out)
            continue; /* a file named once, or inputs only */
        size_t k = start;
        while (k < end && keys[k].index < n_out)
            k++;
        const path_key *in = k < end ? &keys[k] : NULL;
        const path_key *out = in ? &keys[start] : &keys[start + 1];
        if (!clash || out->index < clash->index) {
            clash = out;
            input = in;
        }
    }
    int status = 0;
    if (clash && input)
        status = error_message(err, errlen, "'%s' would overwrite the input '%s'", clash->path,
                               input->path);
    else if (clash)
        status = error_message(err, errlen, "'%s' is named for two outputs", clash->path);
    free(keys);
    return status;
}

int files_make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char *dir = files_join(path, "");
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *slash = strrchr(dir, '/');
    int status = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        /* Each prefix ending before a '/', then the whole directory. */
        for (char *p = dir + 1; *p && status == 0; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            status = make_dir(dir, err, errlen);
            *p = '/';
        }
        if (status == 0)
            status = make_dir(dir, err, errlen);
    }
    free(dir);
    return status;
}

int files_check_writable(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "'%s' is a directory", path);
        return -1;
    }
    if (files_make_parent_dirs(path, err, errlen))
        return -1;
    char suffix[48];
    snprintf(suffix, sizeof suffix, ".probe-%ld", (long)getpid());
    char *probe = files_join(path, suffix);
    if (!probe) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0666);
    int saved = errno;
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    free(probe);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(saved));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- reading */

/* Reads up to n bytes at dst, fewer only at the end of the file: *got. */
static int read_up_to(FILE *f, unsigned char *dst, size_t n, size_t *got, char *err,
                      size_t errlen)
{
    *got = fread(dst, 1, n, f);
    if (*got < n && ferror(f))
        return error_message(err, errlen, "read error: %s", strerror(errno));
    return 0;
}

/* *buf grown to `bigger` bytes (realloc keeps what it holds). */
static int grow_buffer(unsigned char **buf, size_t *cap, size_t bigger, char *err,
                       size_t errlen)
{
    unsigned char *grown = realloc(*buf, bigger);
    if (!grown)
        return error_message(err, errlen, "out of memory");
    *buf = grown;
    *cap = bigger;
    return 0;
}

/* The bytes after the head, up to `total` (the head's verdict) or, when
   that is more, max_bytes, beyond which the file is refused. A regular
   file's size is known: it is refused unread when too long, and read
   into one buffer of its size; a stream into a buffer that doubles. */
static int read_rest(FILE *f, bool regular, uintmax_t file_size, size_t total, size_t max_bytes,
                     unsigned char **buf, size_t *cap, size_t *used, char *err, size_t errlen)
{
    bool capped = total > max_bytes; /* any length up to max_bytes will do */
    size_t limit = capped ? max_bytes : total;
    if (regular && capped && file_size > max_bytes)
        return error_message(err, errlen, "file larger than %zu bytes", max_bytes);
    if (regular && file_size < limit)
        limit = (size_t)file_size;
    while (*used < limit) {
        if (*used == *cap) {
            size_t bigger = regular || *cap > limit / 2 ? limit : 2 * *cap;
            if (grow_buffer(buf, cap, bigger, err, errlen))
                return -1;
        }
        size_t step = (*cap < limit ? *cap : limit) - *used, got;
        if (read_up_to(f, *buf + *used, step, &got, err, errlen))
            return -1;
        *used += got;
        if (got < step)
            return 0; /* the end of the file */
    }
    if (capped && *used == max_bytes && fgetc(f) != EOF)
        return error_message(err, errlen, "file larger than %zu bytes", max_bytes);
    return 0;
}

int files_read_checked(const char *path, size_t head_bytes, files_head_check check,
                       const void *ctx, size_t max_bytes, unsigned char **data, size_t *len,
                       char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_message(err, errlen, "cannot open: %s", strerror(errno));
    struct stat st;
    bool regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    uintmax_t file_size = regular ? (uintmax_t)st.st_size : 0;
    if (head_bytes > max_bytes)
        head_bytes = max_bytes;
    size_t cap = head_bytes > 0 ? head_bytes : 1, used = 0, total = SIZE_MAX;
    unsigned char *buf = malloc(cap);
    int status = buf ? 0 : error_message(err, errlen, "out of memory");
    if (status == 0)
        status = read_up_to(f, buf, head_bytes, &used, err, errlen);
    bool at_end = used < head_bytes;
    if (status == 0 && check)
        status = check(buf, used, at_end, &total, ctx, err, errlen);
    if (status == 0 && total < used)
        used = total; /* what follows is not the caller's */
    else if (status == 0 && !at_end)
        status = read_rest(f, regular, file_size, total, max_bytes, &buf, &cap, &used, err,
                           errlen);
    fclose(f);
    if (status) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = used;
    return 0;
}

int files_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
                   char *err, size_t errlen)
{
    return files_read_checked(path, (size_t)1 << 16, NULL, NULL, max_bytes, data, len, err,
                              errlen);
}
