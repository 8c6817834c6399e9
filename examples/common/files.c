/* files.c - output directories and write checks (see files.h). */
#define _POSIX_C_SOURCE 200809L
#include "files.h"

#include <errno.h>
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
