/* files.c - output directories, write checks, whole-file reads and
   atomic writes (see files.h). */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "error_message.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---------------------------------------------------------- read all */

/* buf grown to twice its capacity, unless that passes max_bytes. */
static int grow_buffer(unsigned char **buf, size_t *cap, size_t max_bytes, char *err,
                       size_t errlen)
{
    if (*cap > max_bytes / 2)
        return error_message(err, errlen, "file larger than %zu bytes", max_bytes);
    unsigned char *bigger = realloc(*buf, *cap * 2);
    if (!bigger)
        return error_message(err, errlen, "out of memory");
    *buf = bigger;
    *cap *= 2;
    return 0;
}

int files_read_all(const char *path, size_t max_bytes, unsigned char **data, size_t *len,
                   char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return error_message(err, errlen, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, used = 0;
    unsigned char *buf = malloc(cap);
    int status = buf ? 0 : error_message(err, errlen, "out of memory");
    while (status == 0) {
        if (used == cap && (status = grow_buffer(&buf, &cap, max_bytes, err, errlen)) != 0)
            break;
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f))
                status = error_message(err, errlen, "read error: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    if (status) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = used;
    return 0;
}

/* ------------------------------------------------------ atomic write */

/* Creates "path.tmp-PID-N" exclusively, with the umask's permissions. */
static FILE *create_temporary(const char *path, char **tmp_path)
{
    static unsigned counter;
    size_t len = strlen(path) + 48;
    char *tmp = malloc(len);
    if (!tmp)
        return NULL;
    snprintf(tmp, len, "%s.tmp-%ld-%u", path, (long)getpid(), counter++);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!f) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        errno = saved;
        return NULL;
    }
    *tmp_path = tmp;
    return f;
}

int files_write_atomic(const char *path, files_writer write, const void *ctx, char *err,
                       size_t errlen)
{
    char *tmp = NULL;
    FILE *f = create_temporary(path, &tmp);
    if (!f)
        return error_message(err, errlen, "cannot create: %s", strerror(errno));
    int written = write(f, ctx) == 0 && fflush(f) == 0;
    int saved = errno;
    if (fclose(f) != 0 && written) {
        written = 0;
        saved = errno;
    }
    if (written && rename(tmp, path) != 0) {
        written = 0;
        saved = errno;
    }
    if (!written)
        unlink(tmp);
    free(tmp);
    return written ? 0 : error_message(err, errlen, "cannot write: %s", strerror(saved));
}
