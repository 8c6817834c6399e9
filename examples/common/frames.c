/* frames.c - finding the numbered frames of a video (see frames.h). */
#define _POSIX_C_SOURCE 200809L
#include "frames.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void frames_free(frame_list *list)
{
    for (size_t i = 0; list->paths && i < list->count; i++)
        free(list->paths[i]);
    free(list->paths);
    list->paths = NULL;
    list->count = 0;
}

char *frames_numbered(const char *prefix, size_t number, int digits, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(suffix) + (size_t)digits + 32;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s%0*zu%s", prefix, digits, number, suffix);
    return s;
}

/* A parsed pattern: text before the number (with "%%" undone), the
   number's minimum width, and the text after it. */
typedef struct pattern {
    char *before, *after;
    int width;
} pattern;

static void pattern_free(pattern *p)
{
    free(p->before);
    free(p->after);
}

/* Copies text[0..len) into a new string, turning "%%" into "%"; false
   on a lone '%' or out of memory. */
static bool unescape(const char *text, size_t len, char **out)
{
    char *s = malloc(len + 1), *d = s;
    if (!s)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '%') {
            if (i + 1 >= len || text[i + 1] != '%') {
                free(s);
                return false;
            }
            i++;
        }
        *d++ = text[i];
    }
    *d = '\0';
    *out = s;
    return true;
}

/* Finds the one conversion "%d" / "%0Nd" / "%Nd" of spec. */
static int parse_pattern(const char *spec, pattern *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    const char *conv = NULL;
    for (const char *s = spec; *s; s++) {
        if (*s != '%')
            continue;
        if (s[1] == '%') {
            s++;
            continue;
        }
        if (conv) {
            snprintf(err, errlen, "pattern '%s' has more than one %% conversion", spec);
            return -1;
        }
        conv = s;
    }
    if (!conv) {
        snprintf(err, errlen, "'%s' is neither a directory nor a pattern with %%d", spec);
        return -1;
    }
    const char *q = conv + 1;
    if (*q == '0')
        q++;
    int width = 0;
    while (*q >= '0' && *q <= '9' && width < 100)
        width = width * 10 + (*q++ - '0');
    if (*q != 'd' || width >= 100) {
        snprintf(err, errlen, "pattern '%s': the conversion must be %%d or %%0Nd", spec);
        return -1;
    }
    p->width = width;
    if (!unescape(spec, (size_t)(conv - spec), &p->before) ||
        !unescape(q + 1, strlen(q + 1), &p->after)) {
        pattern_free(p);
        snprintf(err, errlen, "pattern '%s': a lone %% or out of memory", spec);
        return -1;
    }
    return 0;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int append(frame_list *list, size_t *cap, char *path)
{
    if (!path)
        return -1;
    if (list->count == *cap) {
        size_t bigger = *cap ? 2 * *cap : 64;
        char **grown = realloc(list->paths, bigger * sizeof *grown);
        if (!grown) {
            free(path);
            return -1;
        }
        list->paths = grown;
        *cap = bigger;
    }
    list->paths[list->count++] = path;
    return 0;
}

static int find_numbered(const char *spec, frame_list *list, char *err, size_t errlen)
{
    pattern p;
    if (parse_pattern(spec, &p, err, errlen))
        return -1;
    size_t cap = 0, first = 0;
    char *path = frames_numbered(p.before, 0, p.width, p.after);
    if (path && !is_file(path)) {
        free(path);
        first = 1;
        path = frames_numbered(p.before, 1, p.width, p.after);
    }
    int status = 0;
    for (size_t i = first; status == 0 && path && is_file(path); i++) {
        if (list->count == FRAMES_MAX) {
            snprintf(err, errlen, "more than %d frames", FRAMES_MAX);
            status = -1;
            break;
        }
        status = append(list, &cap, path);
        path = status ? NULL : frames_numbered(p.before, i + 1, p.width, p.after);
        if (status)
            snprintf(err, errlen, "out of memory");
    }
    free(path);
    if (status == 0 && list->count == 0) {
        snprintf(err, errlen, "no frame matches '%s' (numbered from 0 or 1)", spec);
        status = -1;
    }
    pattern_free(&p);
    return status;
}

static bool has_image_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && (strcmp(name + n - 4, ".pgm") == 0 || strcmp(name + n - 4, ".ppm") == 0 ||
                     strcmp(name + n - 4, ".pnm") == 0);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find_in_directory(const char *dir, frame_list *list, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0, dir_len = strlen(dir);
    int status = 0;
    for (struct dirent *e; status == 0 && (e = readdir(d)) != NULL;) {
        if (!has_image_suffix(e->d_name))
            continue;
        if (list->count == FRAMES_MAX) {
            snprintf(err, errlen, "more than %d frames", FRAMES_MAX);
            status = -1;
            break;
        }
        size_t len = dir_len + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (path)
            snprintf(path, len, "%s/%s", dir, e->d_name);
        if (append(list, &cap, path)) {
            snprintf(err, errlen, "out of memory");
            status = -1;
        }
    }
    closedir(d);
    if (status == 0 && list->count == 0) {
        snprintf(err, errlen, "no .pgm, .ppm or .pnm file in directory '%s'", dir);
        status = -1;
    }
    if (status == 0)
        qsort(list->paths, list->count, sizeof *list->paths, compare_strings);
    return status;
}

int frames_find(const char *spec, frame_list *list, char *err, size_t errlen)
{
    struct stat st;
    memset(list, 0, sizeof *list);
    int status = stat(spec, &st) == 0 && S_ISDIR(st.st_mode)
                     ? find_in_directory(spec, list, err, errlen)
                     : find_numbered(spec, list, err, errlen);
    if (status)
        frames_free(list);
    return status;
}
