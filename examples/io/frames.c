/* frames.c - finding the frames of a video: a numbered sequence or the
   image files of a directory (see frames.h). */
#define _POSIX_C_SOURCE 200809L
#include "frames.h"

#include "image_file.h"

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
    free(list->missing);
    free(list->after_gap);
    memset(list, 0, sizeof *list);
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

/* Finds the one conversion "%d" / "%0Nd" of spec. */
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
    bool zero = *q == '0';
    if (zero)
        q++;
    int width = 0;
    while (*q >= '0' && *q <= '9' && width < 100)
        width = width * 10 + (*q++ - '0');
    if (*q != 'd' || width >= 100) {
        snprintf(err, errlen, "pattern '%s': the conversion must be %%d or %%0Nd", spec);
        return -1;
    }
    if (width > 0 && !zero) { /* printf would pad with spaces: never a frame's name */
        snprintf(err, errlen, "pattern '%s': %%%dd pads with spaces; write %%0%dd for zeros",
                 spec, width, width);
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

/* The path of the first file among the FRAMES_GAP_PROBE numbers after n,
   malloc'd; NULL when there is none (or out of memory: what this finds is
   only for a message). */
static char *first_file_after(const pattern *p, size_t n)
{
    for (size_t k = n + 1; k <= n + FRAMES_GAP_PROBE; k++) {
        char *next = frames_numbered(p->before, k, p->width, p->after);
        if (next && is_file(next))
            return next;
        free(next);
    }
    return NULL;
}

/* After a sequence that ends at the missing number n (path `missing`,
   taken over): looks for a file among the next FRAMES_GAP_PROBE numbers,
   to tell the user what the gap leaves out. */
static void probe_gap(const pattern *p, size_t n, char *missing, frame_list *list)
{
    list->after_gap = first_file_after(p, n);
    if (list->after_gap)
        list->missing = missing;
    else
        free(missing);
}

/* No frame 0 or 1: the message, naming the sequence's first file when it
   starts among the FRAMES_GAP_PROBE numbers after 1. */
static void no_frame_error(const char *spec, const pattern *p, char *err, size_t errlen)
{
    char *first = first_file_after(p, 1);
    if (first)
        snprintf(err, errlen, "no frame matches '%s' (numbered from 0 or 1): the first is %s; "
                 "give frames numbered from 0 or 1", spec, first);
    else
        snprintf(err, errlen, "no frame matches '%s' (numbered from 0 or 1)", spec);
    free(first);
}

static int find_numbered(const char *spec, frame_list *list, char *err, size_t errlen)
{
    pattern p;
    if (parse_pattern(spec, &p, err, errlen))
        return -1;
    size_t cap = 0, number = 0;
    char *path; /* of `number`; NULL when out of memory */
    int status = 0;
    while ((path = frames_numbered(p.before, number, p.width, p.after)) != NULL) {
        if (!is_file(path)) {
            if (number > 0)
                break; /* the first missing number ends the sequence */
            free(path);
            number = 1; /* numbered from 1 */
            continue;
        }
        if (list->count == FRAMES_MAX) {
            snprintf(err, errlen, "more than %d frames", FRAMES_MAX);
            status = -1;
            break;
        }
        if (append(list, &cap, path)) { /* which frees path */
            path = NULL;
            break;
        }
        number++;
    }
    if (status == 0 && !path) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    } else if (status == 0 && list->count == 0) {
        no_frame_error(spec, &p, err, errlen);
        status = -1;
    }
    if (status == 0)
        probe_gap(&p, number, path, list);
    else
        free(path);
    pattern_free(&p);
    return status;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of the run of digits at s. */
static size_t digit_run(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

int frames_compare_names(const char *a, const char *b)
{
    const char *p = a, *q = b;
    while (*p && *q) {
        if (is_digit(*p) && is_digit(*q)) {
            while (*p == '0')
                p++;
            while (*q == '0')
                q++;
            /* Without leading zeros, the longer number is the larger;
               numbers of one length compare as their digits. */
            size_t np = digit_run(p), nq = digit_run(q);
            if (np != nq)
                return np < nq ? -1 : 1;
            int c = memcmp(p, q, np);
            if (c)
                return c;
            p += np;
            q += nq;
        } else if (*p != *q) {
            return (unsigned char)*p < (unsigned char)*q ? -1 : 1;
        } else {
            p++;
            q++;
        }
    }
    if (*p || *q)
        return *p ? 1 : -1;
    return strcmp(a, b);
}

static int compare_paths(const void *a, const void *b)
{
    return frames_compare_names(*(char *const *)a, *(char *const *)b);
}

/* A directory's frames: its regular files (or links to them) with an
   image suffix, not hidden. A name starting with '.' is skipped: hidden
   files, and the "._NAME" files macOS leaves beside each file on some
   disks, which carry the suffix but no image. Anything else (a directory
   named f.pgm, a dangling link) is no frame either. */
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
        if (e->d_name[0] == '.' || !image_readable_name(e->d_name))
            continue;
        size_t len = dir_len + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (path)
            snprintf(path, len, "%s/%s", dir, e->d_name);
        if (path && !is_file(path)) {
            free(path);
            continue;
        }
        if (list->count == FRAMES_MAX) {
            snprintf(err, errlen, "more than %d frames", FRAMES_MAX);
            free(path);
            status = -1;
        } else if (append(list, &cap, path)) {
            snprintf(err, errlen, "out of memory");
            status = -1;
        }
    }
    closedir(d);
    if (status == 0 && list->count == 0) {
        snprintf(err, errlen, "no %s file in directory '%s'", image_readable_extensions(), dir);
        status = -1;
    }
    if (status == 0)
        qsort(list->paths, list->count, sizeof *list->paths, compare_paths);
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
