/* test_frames.c - finding the frames of a video (examples/io/frames.c):
   the natural order of names (numbers by value; a total order, checked on
   every triple of a set of awkward names), a directory's frames in that
   order with their suffixes in any case (regular files only, no name
   starting with '.'), a numbered sequence ending at its first gap and the
   frame just after a gap reported, one numbered from above 1 refused
   naming its first file, patterns refused
   (%3d among them), and files_check_distinct (files.c, by sorting) giving
   what comparing every pair gives, message for message, on random sets of
   existing, linked and missing paths. */
#define _POSIX_C_SOURCE 200809L
#include "io/frames.h"
#include "io/image_file.h"
#include "io/files.h"
#include "io/error_message.h"
#include "fit/rng.h"

#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static char *tmp_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static void touch(const char *name)
{
    FILE *f = fopen(tmp_path(name), "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
}

/* Removes the files of directory `name` below tmpdir, then the directory. */
static void remove_dir(const char *name)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", tmp_path(name));
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int sign(int x)
{
    return (x > 0) - (x < 0);
}

/* ------------------------------------------------------ natural order */

static void test_natural_order(void)
{
    /* In order; each pair below is checked both ways. */
    const char *sorted[] = {"", "0", "00", "01", "1", "2", "9", "010", "10", "11", "99", "100",
                            "123456789012345678901234567890", "a", "a0", "a1", "a1.pgm",
                            "a1a", "a2", "a10", "a10.pgm", "a010b", "a10b", "b"};
    size_t n = sizeof sorted / sizeof *sorted;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = (i > j) - (i < j);
            int got = sign(frames_compare_names(sorted[i], sorted[j]));
            if (got != want)
                printf("  '%s' vs '%s': %d, want %d\n", sorted[i], sorted[j], got, want);
            CHECK(got == want);
        }
}

/* A total order (qsort needs one): antisymmetric and transitive on every
   triple of names made of digits, zeros and letters. */
static void test_natural_order_is_total(void)
{
    enum { N = 120 };
    static const char alphabet[] = "0019a.";
    char names[N][6];
    uint64_t state = 7;
    for (size_t i = 0; i < N; i++) {
        size_t len = rng_splitmix64(&state) % 6;
        for (size_t k = 0; k < len; k++)
            names[i][k] = alphabet[rng_splitmix64(&state) % 6];
        names[i][len] = '\0';
    }
    int bad = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++) {
            int ij = sign(frames_compare_names(names[i], names[j]));
            bad += ij != -sign(frames_compare_names(names[j], names[i]));
            bad += (ij == 0) != (strcmp(names[i], names[j]) == 0);
            for (size_t k = 0; k < N && ij < 0; k++)
                bad += sign(frames_compare_names(names[j], names[k])) < 0 &&
                       sign(frames_compare_names(names[i], names[k])) >= 0;
        }
    CHECK(bad == 0);
}

/* ------------------------------------------------------------ finding */

static void test_directory_natural_order_any_case(void)
{
    mkdir(tmp_path("dir"), 0777);
    const char *files[] = {"dir/f10.pgm", "dir/f2.pgm", "dir/f1.PGM", "dir/f3.Ppm", "dir/f4.pnM",
                           "dir/x.txt", "dir/a.pgmx", "dir/.pgm", "dir/pgm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        touch(files[i]);
    frame_list list;
    char err[256];
    CHECK(frames_find(tmp_path("dir"), &list, err, sizeof err) == 0);
    const char *want[] = {"f1.PGM", "f2.pgm", "f3.Ppm", "f4.pnM", "f10.pgm"};
    CHECK(list.count == 5);
    for (size_t i = 0; i < list.count && i < 5; i++) {
        const char *slash = strrchr(list.paths[i], '/');
        CHECK(slash && strcmp(slash + 1, want[i]) == 0);
    }
    CHECK(list.missing == NULL && list.after_gap == NULL);
    frames_free(&list);
    remove_dir("dir");
}

/* Only regular files (or links to them) are frames, and no name starting
   with '.': a directory named like a frame, a dangling link, macOS's
   "._" files and other hidden files used to make the whole run fail. */
/* A directory's PNG frames count in a build that reads PNG, and only
   there. */
static void test_directory_png_frames(void)
{
    mkdir(tmp_path("png"), 0777);
    touch("png/f1.pgm");
    touch("png/f2.PNG");
    frame_list list;
    char err[256];
    CHECK(frames_find(tmp_path("png"), &list, err, sizeof err) == 0);
    CHECK(list.count == (image_library() ? 2u : 1u));
    frames_free(&list);
    remove_dir("png");
}

static void test_directory_lists_regular_files_only(void)
{
    mkdir(tmp_path("reg"), 0777);
    touch("reg/f1.pgm");
    touch("reg/f2.pgm");
    touch("reg/._f1.pgm");
    touch("reg/.hidden.ppm");
    mkdir(tmp_path("reg/sub.pgm"), 0777);
    char target[256];
    snprintf(target, sizeof target, "%s", tmp_path("reg/f1.pgm"));
    CHECK(symlink(target, tmp_path("reg/f3.pgm")) == 0);     /* a link to a frame: one */
    CHECK(symlink("nowhere.pgm", tmp_path("reg/f4.pgm")) == 0); /* dangling */
    frame_list list;
    char err[256] = "";
    int status = frames_find(tmp_path("reg"), &list, err, sizeof err);
    if (status)
        printf("  %s\n", err);
    CHECK(status == 0 && list.count == 3);
    const char *want[] = {"f1.pgm", "f2.pgm", "f3.pgm"};
    for (size_t i = 0; status == 0 && i < list.count && i < 3; i++) {
        const char *slash = strrchr(list.paths[i], '/');
        CHECK(slash && strcmp(slash + 1, want[i]) == 0);
    }
    frames_free(&list);
    /* Nothing but those: no frame, and the message says what was looked for. */
    remove(tmp_path("reg/f1.pgm"));
    remove(tmp_path("reg/f2.pgm"));
    remove(tmp_path("reg/f3.pgm"));
    status = frames_find(tmp_path("reg"), &list, err, sizeof err);
    CHECK(status == -1 && list.count == 0 && list.paths == NULL);
    CHECK(strstr(err, "no .pgm, .ppm") != NULL && strstr(err, "file in directory") != NULL);
    remove(tmp_path("reg/sub.pgm"));
    remove_dir("reg");
}

/* Frames numbered 0..count-1 but for `skip`, plus `extra` (if not -1). */
static void make_sequence(int count, int skip, int extra)
{
    mkdir(tmp_path("seq"), 0777);
    char name[64];
    for (int i = 0; i < count; i++)
        if (i != skip) {
            snprintf(name, sizeof name, "seq/%03d.pgm", i);
            touch(name);
        }
    if (extra >= 0) {
        snprintf(name, sizeof name, "seq/%03d.pgm", extra);
        touch(name);
    }
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void test_sequence_gap(void)
{
    char spec[256], err[256];
    snprintf(spec, sizeof spec, "%s", tmp_path("seq/%03d.pgm"));
    frame_list list;

    make_sequence(8, 3, -1); /* 000-002, 004-007 */
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 3);
    CHECK(list.missing && ends_with(list.missing, "seq/003.pgm"));
    CHECK(list.after_gap && ends_with(list.after_gap, "seq/004.pgm"));
    frames_free(&list);
    remove_dir("seq");

    make_sequence(3, -1, 3 + FRAMES_GAP_PROBE); /* the last number probed */
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 3 && list.after_gap && ends_with(list.after_gap, "seq/019.pgm"));
    frames_free(&list);
    remove_dir("seq");

    make_sequence(3, -1, 4 + FRAMES_GAP_PROBE); /* one beyond */
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 3 && list.missing == NULL && list.after_gap == NULL);
    frames_free(&list);
    remove_dir("seq");

    make_sequence(4, 0, -1); /* numbered from 1 */
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 3 && ends_with(list.paths[0], "seq/001.pgm"));
    CHECK(list.missing == NULL);
    frames_free(&list);
    remove_dir("seq");

    make_sequence(0, -1, 2); /* neither 0 nor 1 */
    CHECK(frames_find(spec, &list, err, sizeof err) == -1);
    CHECK(strstr(err, "no frame matches") != NULL);
    CHECK(list.count == 0 && list.paths == NULL && list.missing == NULL);
    remove_dir("seq");
}

/* A sequence numbered from above 1: the message names its first file
   among the FRAMES_GAP_PROBE numbers after 1, and says to renumber. */
static void test_sequence_numbered_from_above_1(void)
{
    char spec[256], err[1024], want[1024];
    snprintf(spec, sizeof spec, "%s", tmp_path("seq/%03d.pgm"));
    frame_list list;
    for (int first = 2; first <= 2 + FRAMES_GAP_PROBE; first++) {
        make_sequence(0, -1, first);
        char name[64];
        snprintf(name, sizeof name, "seq/%03d.pgm", first + 1);
        touch(name);
        err[0] = '\0';
        CHECK(frames_find(spec, &list, err, sizeof err) == -1);
        CHECK(list.count == 0 && list.paths == NULL);
        char first_path[256];
        snprintf(name, sizeof name, "seq/%03d.pgm", first);
        snprintf(first_path, sizeof first_path, "%s", tmp_path(name));
        if (first <= 1 + FRAMES_GAP_PROBE) /* 2 to 17: the 16 numbers after 1 */
            snprintf(want, sizeof want, "no frame matches '%s' (numbered from 0 or 1): the "
                     "first is %s; give frames numbered from 0 or 1", spec, first_path);
        else
            snprintf(want, sizeof want, "no frame matches '%s' (numbered from 0 or 1)", spec);
        if (strcmp(err, want) != 0)
            printf("  first %d: '%s', want '%s'\n", first, err, want);
        CHECK(strcmp(err, want) == 0);
        remove_dir("seq");
    }
}

static void test_patterns(void)
{
    frame_list list;
    char err[256], spec[256];
    mkdir(tmp_path("pat"), 0777);
    touch("pat/1%.pgm");
    touch("pat/2%.pgm");
    snprintf(spec, sizeof spec, "%s", tmp_path("pat/%d%%.pgm"));
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 2);
    frames_free(&list);
    snprintf(spec, sizeof spec, "%s", tmp_path("pat/%0d%%.pgm"));
    CHECK(frames_find(spec, &list, err, sizeof err) == 0);
    CHECK(list.count == 2);
    frames_free(&list);
    remove_dir("pat");

    struct {
        const char *spec, *says;
    } bad[] = {{"x/%3d.pgm", "%3d pads with spaces; write %03d"},
               {"x/%-3d.pgm", "must be %d or %0Nd"},
               {"x/%03s.pgm", "must be %d or %0Nd"},
               {"x/%d_%d.pgm", "more than one"},
               {"x/%d%.pgm", "more than one"},
               {"x/plain.pgm", "neither a directory nor a pattern"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        int status = frames_find(bad[i].spec, &list, err, sizeof err);
        if (status != -1 || !strstr(err, bad[i].says))
            printf("  '%s': %d '%s'\n", bad[i].spec, status, err);
        CHECK(status == -1 && strstr(err, bad[i].says) != NULL);
        CHECK(list.count == 0 && list.paths == NULL);
    }
}

/* ------------------------------------------------- distinct outputs */

/* The definition files_check_distinct implements by sorting: every pair
   compared with files_same, the first output (in order) that is an input
   or an earlier output reported. */
static int distinct_by_pairs(const char *const *out, size_t n_out, const char *const *in,
                             size_t n_in, char *err, size_t errlen)
{
    for (size_t i = 0; i < n_out; i++) {
        if (!out[i])
            continue;
        for (size_t j = 0; j < n_in; j++)
            if (in[j] && files_same(out[i], in[j])) {
                snprintf(err, errlen, "'%s' would overwrite the input '%s'", out[i], in[j]);
                return -1;
            }
        for (size_t j = 0; j < i; j++)
            if (out[j] && files_same(out[i], out[j])) {
                snprintf(err, errlen, "'%s' is named for two outputs", out[i]);
                return -1;
            }
    }
    return 0;
}

/* files_check_distinct against the pairwise definition:
   random outputs and inputs, NULLs among them, drawn from existing files,
   a hard link and a symbolic link to one of them, another spelling of one
   and missing names, some drawn twice. */
static void test_check_distinct_agrees(void)
{
    mkdir(tmp_path("out"), 0777);
    touch("out/a");
    touch("out/b");
    touch("out/c");
    char a[256], hard[256], soft[256];
    snprintf(a, sizeof a, "%s", tmp_path("out/a"));
    snprintf(hard, sizeof hard, "%s", tmp_path("out/hard"));
    snprintf(soft, sizeof soft, "%s", tmp_path("out/soft"));
    CHECK(link(a, hard) == 0);
    CHECK(symlink(a, soft) == 0);
    static char pool[9][256];
    const char *names[] = {"out/a", "out/b", "out/c", "out/hard", "out/soft", "out/./b",
                           "out/missing1", "out/missing2", "out/../out/missing1"};
    for (size_t i = 0; i < 9; i++)
        snprintf(pool[i], sizeof pool[i], "%s", tmp_path(names[i]));
    uint64_t state = 11;
    int disagree = 0, clashes = 0;
    for (int trial = 0; trial < 3000; trial++) {
        const char *out[6], *in[4];
        size_t n_out = rng_splitmix64(&state) % 7, n_in = rng_splitmix64(&state) % 5;
        for (size_t i = 0; i < n_out; i++) {
            uint64_t r = rng_splitmix64(&state) % 10;
            out[i] = r == 9 ? NULL : pool[r];
        }
        for (size_t i = 0; i < n_in; i++) {
            uint64_t r = rng_splitmix64(&state) % 10;
            in[i] = r == 9 ? NULL : pool[r];
        }
        char want[512] = "", got[512] = "";
        int w = distinct_by_pairs(out, n_out, in, n_in, want, sizeof want);
        int g = files_check_distinct(out, n_out, in, n_in, got, sizeof got);
        clashes += w != 0;
        if (w != g || strcmp(want, got) != 0) {
            if (disagree < 3)
                printf("  trial %d: pairs %d '%s', sorted %d '%s'\n", trial, w, want, g, got);
            disagree++;
        }
    }
    CHECK(disagree == 0);
    CHECK(clashes > 500 && clashes < 2900); /* both outcomes were tried */
    remove_dir("out");
}

/* Many frames at once: an output frame that is an input is found. */
static void test_check_distinct_many(void)
{
    enum { N = 2000 };
    static char in_names[N][300], out_names[N][300];
    const char *in[N], *out[N];
    mkdir(tmp_path("many"), 0777);
    for (size_t i = 0; i < N; i++) {
        snprintf(in_names[i], sizeof in_names[i], "%s/in_%04zu", tmp_path("many"), i);
        snprintf(out_names[i], sizeof out_names[i], "%s/out_%04zu", tmp_path("many"), i);
        in[i] = in_names[i];
        out[i] = out_names[i];
    }
    touch("many/in_1234");
    char err[512];
    CHECK(files_check_distinct(out, N, in, N, err, sizeof err) == 0);
    snprintf(out_names[1500], sizeof out_names[1500], "%s/./in_1234", tmp_path("many"));
    CHECK(files_check_distinct(out, N, in, N, err, sizeof err) == -1);
    CHECK(strstr(err, "out_") == NULL && strstr(err, "would overwrite the input") != NULL);
    CHECK(strstr(err, "many/in_1234'") != NULL);
    remove_dir("many");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_frames.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL test_frames: cannot create a temporary directory\n");
        return 1;
    }
    RUN(test_natural_order);
    RUN(test_natural_order_is_total);
    RUN(test_directory_natural_order_any_case);
    RUN(test_directory_lists_regular_files_only);
    RUN(test_directory_png_frames);
    RUN(test_sequence_gap);
    RUN(test_sequence_numbered_from_above_1);
    RUN(test_patterns);
    RUN(test_check_distinct_agrees);
    RUN(test_check_distinct_many);
    rmdir(tmpdir);
    return check_summary();
}
