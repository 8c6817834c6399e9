/* untrusted_files.h - what the file tests feed the loaders besides
   regular files (issue 19): a pipe that delivers chosen bytes (the path of
   its read end, /dev/fd/N), and an allocator that records the largest
   block asked for and refuses blocks above a limit, to see what a loader
   allocates before it refuses a file. Static inline: a test that uses one
   of them draws no unused-function warning. */
#ifndef SIREN_TEST_UNTRUSTED_FILES_H
#define SIREN_TEST_UNTRUSTED_FILES_H

#include "check.h"
#include "siren.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

#endif
