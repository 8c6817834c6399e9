/* untrusted_files.h - what the file tests feed the loaders besides
   regular files (issue 19): a pipe that delivers chosen bytes (the path of
   its read end, /dev/fd/N); a process holding a save's temporary file
   locked, as a save in progress does; an allocator that records the largest block
   asked for and refuses blocks above a limit, and a child process with a
   memory limit, to see what a reader allocates before it refuses a file.
   Static inline: a test that uses one of them draws no unused-function
   warning. */
#ifndef SIREN_TEST_UNTRUSTED_FILES_H
#define SIREN_TEST_UNTRUSTED_FILES_H

#include "check.h"
#include "siren.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ----------------------------------------------------------- allocator */

typedef struct watched_heap {
    size_t limit;    /* larger blocks are refused */
    size_t largest;  /* the largest block asked for (refused or not) */
} watched_heap;

static inline void *watched_alloc(void *user, size_t size)
{
    watched_heap *h = user;
    if (size > h->largest)
        h->largest = size;
    return size > h->limit ? NULL : malloc(size);
}

static inline void watched_free(void *user, void *ptr)
{
    (void)user;
    free(ptr);
}

static inline siren_allocator watched_allocator(watched_heap *h, size_t limit)
{
    h->limit = limit;
    h->largest = 0;
    return (siren_allocator){watched_alloc, watched_free, h};
}

/* ------------------------------------------------------------- pipes */

/* A pipe whose read end is open as path ("/dev/fd/N"), fed with the len
   bytes at data by a child process (so that more than the pipe's buffer
   can go through), which then closes it: the reader sees the end of the
   file. close_pipe reaps the child. */
typedef struct byte_pipe {
    int fd;
    pid_t writer;
    char path[32];
} byte_pipe;

static inline int open_pipe(byte_pipe *p, const void *data, size_t len)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        const char *bytes = data;
        while (len > 0) {
            ssize_t done = write(fds[1], bytes, len);
            if (done <= 0)
                _exit(1);
            bytes += done;
            len -= (size_t)done;
        }
        _exit(0);
    }
    close(fds[1]);
    p->fd = fds[0];
    p->writer = pid;
    snprintf(p->path, sizeof p->path, "/dev/fd/%d", fds[0]);
    return 0;
}

/* Closes the read end (a writer still blocked then gets SIGPIPE) and
   reaps the writer. */
static inline void close_pipe(byte_pipe *p)
{
    close(p->fd);
    int status;
    waitpid(p->writer, &status, 0);
}

/* ------------------------------------------- a save in progress */

/* A child process that does what a save of `target` in dir does while it
   writes: creates "TARGET.tmp-PID-LiveOn", named for its own pid, and
   holds a write lock on it, until it is killed. Returns its pid once the
   file exists and is locked (its name in name), or -1. */
static inline pid_t hold_locked_temp_file(const char *dir, const char *target, char *name,
                                          size_t cap)
{
    int ready[2];
    if (pipe(ready) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.tmp-%ld-LiveOn", dir, target, (long)getpid());
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        struct flock lock;
        memset(&lock, 0, sizeof lock);
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        char ok = fd >= 0 && fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(ready[1]);
    char ok = 'n';
    bool ready_ok = pid > 0 && read(ready[0], &ok, 1) == 1 && ok == 'y';
    close(ready[0]);
    if (!ready_ok) {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        return -1;
    }
    snprintf(name, cap, "%s.tmp-%ld-LiveOn", target, (long)pid);
    return pid;
}

/* ------------------------------------------------ a memory limit */

/* Runs fn(ctx, msg, cap) in a child process whose address space may grow
   by at most `extra` bytes (RLIMIT_AS set above its current size, so that
   a sanitizer's reserved shadow memory does not count), and copies the
   message it leaves in msg. Returns 0, or -1 when the child died (a
   sanitizer's allocator aborts where malloc would return NULL) or could
   not be started. The readers' tests check with it that a file they
   refuse was refused before a large allocation. */
typedef void (*limited_fn)(void *ctx, char *msg, size_t cap);

static inline size_t current_address_space(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

static inline int run_with_memory_limit(size_t extra, limited_fn fn, void *ctx, char *msg,
                                        size_t cap)
{
    int out[2];
    msg[0] = '\0';
    if (pipe(out) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (pid == 0) {
        close(out[0]);
        struct rlimit limit;
        limit.rlim_cur = limit.rlim_max = (rlim_t)(current_address_space() + extra);
        if (setrlimit(RLIMIT_AS, &limit) != 0)
            _exit(2);
        char text[512] = "";
        fn(ctx, text, sizeof text);
        size_t len = strlen(text) + 1;
        _exit(write(out[1], text, len) == (ssize_t)len ? 0 : 3);
    }
    close(out[1]);
    size_t got = 0;
    for (ssize_t n; got + 1 < cap && (n = read(out[0], msg + got, cap - 1 - got)) > 0;)
        got += (size_t)n;
    msg[got] = '\0';
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#endif
