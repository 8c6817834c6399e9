/* files_write.c - the atomic write every output of the examples goes
   through (files.h): a temporary file beside the target, locked, flushed
   and renamed over it, with the mode of the file it replaces; leftovers of
   dead saves removed. */
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

/* ------------------------------------------------------ atomic write */

/* The temporary file of a save: "NAME.tmp-PID-XXXXXX" (the library names
   its saves' files alike, so that each removes the other's leftovers). */
static const char temp_infix[] = ".tmp-";
static const char temp_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
enum { TEMP_RANDOM = 6, TEMP_TRIES = 64 };

/* A save in progress: the target's directory (open), its name there, the
   temporary file's name and its permissions to be. */
typedef struct save {
    int dir;
    const char *name;
    char dir_path[4096];
    char temp[4096];
    char pid[24];
    bool replaces;
    mode_t mode;
} save;

static int open_save(const char *path, save *sv)
{
    const char *slash = strrchr(path, '/');
    sv->name = slash ? slash + 1 : path;
    size_t dir_len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (*sv->name == '\0' || dir_len >= sizeof sv->dir_path ||
        strlen(sv->name) + 40 >= sizeof sv->temp) {
        errno = *sv->name == '\0' ? EISDIR : ENAMETOOLONG;
        return -1;
    }
    memcpy(sv->dir_path, !slash ? "." : slash == path ? "/" : path, dir_len);
    sv->dir_path[dir_len] = '\0';
    snprintf(sv->pid, sizeof sv->pid, "%ld", (long)getpid());
    sv->dir = open(sv->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sv->dir < 0)
        return -1;
    struct stat st;
    sv->replaces = fstatat(sv->dir, sv->name, &st, 0) == 0 && S_ISREG(st.st_mode);
    sv->mode = sv->replaces ? (st.st_mode & 0777) : 0;
    return 0;
}

/* Whether entry is "NAME.tmp-DIGITS-XXXXXX" with DIGITS another pid. */
static bool foreign_temp(const save *sv, const char *entry)
{
    size_t n = strlen(sv->name), pid_len = strlen(sv->pid);
    if (strncmp(entry, sv->name, n) || strncmp(entry + n, temp_infix, sizeof temp_infix - 1))
        return false;
    const char *digits = entry + n + sizeof temp_infix - 1;
    size_t count = strspn(digits, "0123456789");
    const char *tail = digits + count;
    if (count == 0 || count > 20 || tail[0] != '-' || strlen(tail + 1) != TEMP_RANDOM ||
        strspn(tail + 1, temp_alphabet) != TEMP_RANDOM)
        return false;
    return !(count == pid_len && strncmp(digits, sv->pid, count) == 0);
}

/* Removes the abandoned temporary files of earlier saves: those no process
   holds a lock on (the kernel drops a killed process's locks). */
static void remove_abandoned(const save *sv)
{
    int fd = dup(sv->dir);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!foreign_temp(sv, e->d_name))
            continue;
        int t = openat(sv->dir, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (t < 0)
            continue;
        struct stat opened, named;
        struct flock lock;
        memset(&lock, 0, sizeof lock);
        lock.l_type = F_RDLCK;
        lock.l_whence = SEEK_SET;
        if (fstat(t, &opened) == 0 && S_ISREG(opened.st_mode) && fcntl(t, F_SETLK, &lock) == 0 &&
            fstatat(sv->dir, e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            named.st_ino == opened.st_ino && named.st_dev == opened.st_dev)
            unlinkat(sv->dir, e->d_name, 0);
        close(t);
    }
    closedir(d);
}

/* Creates and locks the temporary file: 0600 when it will replace a file
   (its mode comes at the end), else 0644 less the umask. */
static FILE *create_temporary(save *sv)
{
    static uint64_t counter;
    for (int attempt = 0; attempt < TEMP_TRIES; attempt++) {
        /* O_EXCL makes the name ours; the mix (Fibonacci hashing: the
           golden ratio's multiple spreads every input bit to the top
           ones, which the digits below take first) only makes clashes
           rare */
        uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32 ^ ++counter << 48;
        uint64_t x = seed * 0x9e3779b97f4a7c15u;
        x ^= x >> 29;
        char random[TEMP_RANDOM + 1];
        for (int i = 0; i < TEMP_RANDOM; i++, x /= 62)
            random[i] = temp_alphabet[x % 62];
        random[TEMP_RANDOM] = '\0';
        snprintf(sv->temp, sizeof sv->temp, "%s%s%s-%s", sv->name, temp_infix, sv->pid, random);
        int fd = openat(sv->dir, sv->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        sv->replaces ? 0600 : 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return NULL;
        struct flock lock;
        memset(&lock, 0, sizeof lock);
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        while (fcntl(fd, F_SETLKW, &lock) != 0 && errno == EINTR)
            ;
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_nlink == 0) { /* taken for abandoned: again */
            close(fd);
            continue;
        }
        FILE *f = fdopen(fd, "wb");
        if (!f) {
            int saved = errno;
            close(fd);
            unlinkat(sv->dir, sv->temp, 0);
            errno = saved;
        }
        return f;
    }
    errno = EEXIST;
    return NULL;
}

/* The writer's bytes, on the device, with their permissions, under the
   target's name. */
static bool write_flush_rename(const save *sv, FILE *f, files_writer write, const void *ctx)
{
    return write(f, ctx) == 0 && fflush(f) == 0 &&
           (!sv->replaces || fchmod(fileno(f), sv->mode) == 0) &&
           (fsync(fileno(f)) == 0 || errno == EINVAL) &&
           renameat(sv->dir, sv->temp, sv->dir, sv->name) == 0;
}

int files_write_atomic(const char *path, files_writer write, const void *ctx, char *err,
                       size_t errlen)
{
    save sv;
    if (open_save(path, &sv))
        return error_message(err, errlen, "cannot create: %s", strerror(errno));
    remove_abandoned(&sv);
    FILE *f = create_temporary(&sv);
    if (!f) {
        int saved = errno;
        close(sv.dir);
        return error_message(err, errlen, "cannot create: %s", strerror(saved));
    }
    errno = 0;
    bool written = write_flush_rename(&sv, f, write, ctx);
    int saved = errno ? errno : EIO;
    if (!written)
        unlinkat(sv.dir, sv.temp, 0);
    fclose(f); /* after fsync: nothing left to report; drops the lock */
    if (written)
        fsync(sv.dir); /* the rename; a failure here loses nothing written */
    close(sv.dir);
    return written ? 0 : error_message(err, errlen, "cannot write: %s", strerror(saved));
}

/* files_write_bytes's writer. */
typedef struct byte_block {
    const void *data;
    size_t len;
} byte_block;

static int write_block(FILE *f, const void *ctx)
{
    const byte_block *b = ctx;
    return fwrite(b->data, 1, b->len, f) == b->len ? 0 : -1;
}

int files_write_bytes(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
    byte_block block = {data, len};
    return files_write_atomic(path, write_block, &block, err, errlen);
}
