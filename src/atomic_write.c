/* atomic_write.c - siren__write_file_atomic (file_io.h): a model or
   checkpoint file replaced whole or not at all, keeping the permissions
   of the file it replaces, flushed to the device with its directory, and
   the temporary files of saves that died before removed. C11 plus POSIX
   (openat, fcntl locks, fsync, renameat, readdir).

   A save writes "NAME.tmp-PID-XXXXXX" beside the target and holds a write
   lock on it until the rename. The next save of the same target removes
   every such file that no process holds a lock on any more: the kernel
   drops a dead process's locks, even after SIGKILL. Files of its own
   process are left alone (a process's fcntl locks do not exclude its own
   threads), and where the file system has no locks nothing is removed. */
#define _POSIX_C_SOURCE 200809L

#include "file_io.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    TEMP_NAME_TRIES = 64,
    TEMP_RANDOM_CHARS = 6,
    PID_CHARS_MAX = 20 /* the decimal digits of any pid */
};
static const char temp_infix[] = ".tmp-";
/* Writes larger than this go in several calls (Linux caps one write()). */
static const size_t max_write_chunk = (size_t)1 << 30;
static const char random_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* ------------------------------------------------------------- naming */

/* Where a save happens: the target's directory (open) and name in it,
   the temporary file's name, and the target's permissions if it exists. */
typedef struct save_site {
    int dir;
    const char *name;
    char *dir_path;     /* scratch from the allocator: the directory's path, */
    char *temp_name;    /* then the temporary file's name */
    char pid[PID_CHARS_MAX + 1];
    bool replaces;      /* the target exists as a regular file */
    mode_t mode;        /* and has these permission bits */
} save_site;

/* A seed that differs between processes, threads (each has its own stack,
   and `unique` is on it) and calls. The O_EXCL open is what makes a name
   safe; the seed only makes collisions rare. */
static uint64_t temp_name_seed(const void *unique, unsigned attempt)
{
    struct timespec now = {0, 0};
    timespec_get(&now, TIME_UTC);
    uint64_t seed = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    seed ^= (uint64_t)getpid() << 32;
    seed ^= (uint64_t)(uintptr_t)unique;
    return seed + attempt;
}

/* NAME.tmp-PID-XXXXXX, a new random part for each attempt. */
static void make_temp_name(save_site *site, unsigned attempt)
{
    siren_rng rng;
    siren__rng_seed(&rng, temp_name_seed(&rng, attempt));
    char *p = site->temp_name;
    size_t name_len = strlen(site->name), pid_len = strlen(site->pid);
    memcpy(p, site->name, name_len);
    p += name_len;
    memcpy(p, temp_infix, sizeof temp_infix - 1);
    p += sizeof temp_infix - 1;
    memcpy(p, site->pid, pid_len);
    p += pid_len;
    *p++ = '-';
    for (int i = 0; i < TEMP_RANDOM_CHARS; i++)
        *p++ = random_alphabet[siren__rng_next(&rng) % (sizeof random_alphabet - 1)];
    *p = '\0';
}

static bool is_random_char(char c)
{
    return c != '\0' && strchr(random_alphabet, c) != NULL;
}

/* Whether `entry` is the temporary file of a save of `name` by another
   process: NAME.tmp-DIGITS-XXXXXX, DIGITS not our pid. */
static bool foreign_temp_of(const char *entry, const save_site *site)
{
    size_t name_len = strlen(site->name);
    if (strncmp(entry, site->name, name_len) != 0)
        return false;
    entry += name_len;
    if (strncmp(entry, temp_infix, sizeof temp_infix - 1) != 0)
        return false;
    const char *digits = entry + sizeof temp_infix - 1, *p = digits;
    while (*p >= '0' && *p <= '9')
        p++;
    size_t digit_count = (size_t)(p - digits);
    if (digit_count == 0 || digit_count > PID_CHARS_MAX || *p != '-')
        return false;
    for (int i = 1; i <= TEMP_RANDOM_CHARS; i++)
        if (!is_random_char(p[i]))
            return false;
    if (p[TEMP_RANDOM_CHARS + 1] != '\0')
        return false;
    return !(digit_count == strlen(site->pid) && strncmp(digits, site->pid, digit_count) == 0);
}

/* Splits path into its directory (opened) and last name, allocates the
   names, and looks at the target. IO (errno set) when the directory
   cannot be opened or path names no file (empty, or ending in '/'). */
static int open_site(const char *path, const siren_allocator *alloc, save_site *site)
{
    const char *slash = strrchr(path, '/');
    site->name = slash ? slash + 1 : path;
    size_t dir_len = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
    size_t name_len = strlen(site->name), room;
    snprintf(site->pid, sizeof site->pid, "%ld", (long)getpid());
    if (name_len == 0) {
        errno = *path ? EISDIR : ENOENT;
        return SIREN_ERR_IO;
    }
    /* dir\0 name.tmp-PID-XXXXXX\0 */
    if (!siren__add_size(dir_len + name_len, sizeof temp_infix + PID_CHARS_MAX + 1 +
                                                 TEMP_RANDOM_CHARS + 2,
                         &room)) {
        errno = ENAMETOOLONG;
        return SIREN_ERR_IO;
    }
    site->dir_path = siren__alloc(alloc, room);
    if (!site->dir_path)
        return SIREN_ERR_OUT_OF_MEMORY;
    memcpy(site->dir_path, !slash ? "." : slash == path ? "/" : path, dir_len);
    site->dir_path[dir_len] = '\0';
    site->temp_name = site->dir_path + dir_len + 1;
    site->dir = open(site->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (site->dir < 0)
        return SIREN_ERR_IO;
    struct stat st;
    site->replaces = fstatat(site->dir, site->name, &st, 0) == 0 && S_ISREG(st.st_mode);
    site->mode = site->replaces ? (st.st_mode & 0777) : 0;
    return SIREN_OK;
}

/* ------------------------------------------------------- stale files */

/* Removes the file `entry` if it is a regular file on which no process
   holds a lock: its save died. */
static void remove_if_abandoned(int dir, const char *entry)
{
    int fd = openat(dir, entry, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat opened, named;
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = F_RDLCK; /* conflicts with the writer's F_WRLCK */
    lock.l_whence = SEEK_SET;
    if (fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) && fcntl(fd, F_SETLK, &lock) == 0 &&
        fstatat(dir, entry, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        named.st_dev == opened.st_dev && named.st_ino == opened.st_ino)
        unlinkat(dir, entry, 0);
    close(fd);
}

/* The temporary files of earlier saves of the target that died; errors
   are ignored (this only frees space). */
static void remove_stale_temps(const save_site *site)
{
    int fd = dup(site->dir);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (foreign_temp_of(e->d_name, site))
            remove_if_abandoned(site->dir, e->d_name);
    closedir(d);
}

/* ------------------------------------------------------------ writing */

/* Waits for a write lock on the whole file (a cleaner may hold a read
   lock for a moment). False only when the file was removed by a cleaner
   before the lock was ours: the caller starts again with a new name. A
   file system without locks (ENOLCK, EINVAL) is no reason to fail. */
static bool lock_temp(int fd)
{
    struct flock lock;
    memset(&lock, 0, sizeof lock);
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    while (fcntl(fd, F_SETLKW, &lock) != 0 && errno == EINTR)
        ;
    struct stat st;
    return fstat(fd, &st) != 0 || st.st_nlink > 0;
}

/* Creates the temporary file, locked. A new file gets 0644 less the
   umask; one that will replace a file is private (0600) until its mode
   is set, just before the rename. -1 with errno set on failure. */
static int create_temp(save_site *site)
{
    mode_t mode = site->replaces ? 0600 : 0644;
    for (unsigned attempt = 0; attempt < TEMP_NAME_TRIES; attempt++) {
        make_temp_name(site, attempt);
        int fd = openat(site->dir, site->temp_name,
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0 || lock_temp(fd))
            return fd;
        close(fd); /* removed as abandoned between the open and the lock */
    }
    errno = EEXIST;
    return -1;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n < max_write_chunk ? n : max_write_chunk;
        ssize_t done = write(fd, p, chunk);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            return false;
        if (done == 0) {
            errno = EIO;
            return false;
        }
        p += done;
        n -= (size_t)done;
    }
    return true;
}

/* Writes, gives the file its permissions, flushes it to the device and
   renames it over the target, all while it is locked (the lock goes with
   the close). The flush comes before the rename so that after a crash
   the target holds either the old file or all of the new one (EINVAL:
   the file system cannot sync, there is nothing to wait for). */
static bool write_and_rename(const save_site *site, int fd, const void *data, size_t len)
{
    return write_all(fd, data, len) && (!site->replaces || fchmod(fd, site->mode) == 0) &&
           (fsync(fd) == 0 || errno == EINVAL) &&
           renameat(site->dir, site->temp_name, site->dir, site->name) == 0;
}

int siren__write_file_atomic(const char *path, const void *data, size_t len,
                             const siren_allocator *alloc)
{
    save_site site = {-1, NULL, NULL, NULL, "", false, 0};
    int status = open_site(path, alloc, &site);
    int fd = -1;
    if (status == SIREN_OK) {
        remove_stale_temps(&site);
        fd = create_temp(&site);
        if (fd < 0)
            status = SIREN_ERR_IO;
    }
    if (status == SIREN_OK && !write_and_rename(&site, fd, data, len)) {
        int saved = errno;
        unlinkat(site.dir, site.temp_name, 0);
        errno = saved;
        status = SIREN_ERR_IO;
    }
    int saved = errno;
    if (fd >= 0)
        close(fd); /* after fsync: nothing left to report */
    if (status == SIREN_OK)
        fsync(site.dir); /* the rename itself; a failure here loses nothing written */
    if (site.dir >= 0)
        close(site.dir);
    siren__free(alloc, site.dir_path);
    errno = saved;
    return status;
}
