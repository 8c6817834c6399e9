/* fsync_log.c - a preload library for the shell tests (LD_PRELOAD): logs,
   one line each to the file named by FSYNC_LOG, every fsync ("fsync file
   PATH" or "fsync dir PATH") and every rename and renameat ("rename OLD
   NEW", the names as given), then does the real call. The tests read the
   order: each output's temporary file flushed, then renamed, then its
   directory flushed. Linux: the path of a descriptor comes from
   /proc/self/fd. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void log_line(const char *kind, const char *a, const char *b)
{
    const char *path = getenv("FSYNC_LOG");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    fprintf(f, "%s %s%s%s\n", kind, a, b ? " " : "", b ? b : "");
    fclose(f);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    struct stat st;
    int is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    log_line(is_dir ? "fsync dir" : "fsync file", target, NULL);
    return real(fd);
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    log_line("rename", from, to);
    return real(from, to);
}

int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    static int (*real)(int, const char *, int, const char *);
    if (!real)
        real = (int (*)(int, const char *, int, const char *))dlsym(RTLD_NEXT, "renameat");
    log_line("rename", from, to);
    return real(from_dir, from, to_dir, to);
}
