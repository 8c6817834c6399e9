/* test_files.c - the example programs' file helpers (examples/io/
   files.c; issue 19): the atomic write every output goes through keeps
   the mode of the file it replaces and gives new files 0644 less the
   umask at most, removes the temporary files of saves that died (and no
   others), names the C library's reason when it fails ("No space left on
   device") and leaves the old file; the checked read looks at a file's
   head before it reads the rest, and reads no more than the head allows. */
#define _POSIX_C_SOURCE 200809L
#include "io/files.h"
#include "io/error_message.h"

#include "check.h"
#include "untrusted_files.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

static char dir[64];

static const char *in_dir(const char *name)
{
    static char path[2][256];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", dir, name);
    return path[which];
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    CHECK(stat(path, &st) == 0);
    return st.st_mode & 07777;
}

static int exists(const char *name)
{
    struct stat st;
    return lstat(in_dir(name), &st) == 0;
}

static void put_file(const char *name, const char *text)
{
    FILE *f = fopen(in_dir(name), "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int same_text(const char *name, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(in_dir(name), "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}

static int count_temps(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += strstr(e->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    return n;
}

static int write_text(const char *name, const char *text)
{
    char err[256];
    return files_write_bytes(in_dir(name), text, strlen(text), err, sizeof err);
}

/* ------------------------------------------------------- permissions */

/* Issue 19: a file the user set to 0600 became 0644 at the next save
   (the temporary file was made 0666 less the umask). */
static void test_modes(void)
{
    mode_t old_mask = umask(022);
    CHECK(write_text("m", "one") == 0);
    CHECK(mode_of(in_dir("m")) == 0644);
    mode_t kept[4] = {0600, 0640, 0664, 0400};
    for (int i = 0; i < 4; i++) {
        CHECK(chmod(in_dir("m"), kept[i]) == 0);
        CHECK(write_text("m", "two") == 0);
        CHECK(mode_of(in_dir("m")) == kept[i]);
        CHECK(same_text("m", "two"));
    }
    CHECK(unlink(in_dir("m")) == 0);
    umask(0);
    CHECK(write_text("m", "three") == 0);
    CHECK(mode_of(in_dir("m")) == 0644); /* never more than 0644 */
    CHECK(unlink(in_dir("m")) == 0);
    umask(077);
    CHECK(write_text("m", "four") == 0);
    CHECK(mode_of(in_dir("m")) == 0600);
    umask(old_mask);
    CHECK(count_temps() == 0);
    unlink(in_dir("m"));
}

/* ------------------------------------------------------- stale files */

static void test_abandoned_temporary_files(void)
{
    const char *stale[] = {"out.pgm.tmp-999999-AbCd01", "out.pgm.tmp-7-zzzzzz"};
    const char *kept[] = {"out.pgm.tmp-999999-AbCd0", "out.pgm.tmp-999999-AbCd012",
                          "out.pgm.tmp-AbCd01", "out.pgm.tmp-999999-Ab.d01",
                          "other.pgm.tmp-999999-AbCd01", "out.pgm.tmp-3-12"};
    for (int i = 0; i < 2; i++)
        put_file(stale[i], "partial");
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        put_file(kept[i], "not ours");
    char own[64], live[128];
    snprintf(own, sizeof own, "out.pgm.tmp-%ld-Mine00", (long)getpid());
    put_file(own, "this process's");
    pid_t holder = hold_locked_temp_file(dir, "out.pgm", live, sizeof live);
    CHECK(holder > 0);
    CHECK(write_text("out.pgm", "image") == 0);
    for (int i = 0; i < 2; i++)
        CHECK(!exists(stale[i]));
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        CHECK(exists(kept[i]));
    CHECK(exists(own));
    if (holder > 0) {
        CHECK(exists(live));
        kill(holder, SIGKILL); /* dies mid-save: the next save removes its file */
        waitpid(holder, NULL, 0);
        CHECK(write_text("out.pgm", "image") == 0);
        CHECK(!exists(live));
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        unlink(in_dir(kept[i]));
    unlink(in_dir(own));
    unlink(in_dir("out.pgm"));
}

/* ------------------------------------------------------------ errors */

static int fail_with_enospc(FILE *f, const void *ctx)
{
    (void)ctx;
    fputs("half of it", f);
    errno = ENOSPC;
    return -1;
}

/* A writer that fails: the C library's reason in the message (issue 19:
   "input/output error" for a full disk), the old file intact, no
   temporary file left. A missing directory, a directory as the target. */
static void test_errors_name_the_reason(void)
{
    char err[256];
    CHECK(write_text("keep", "old") == 0);
    CHECK(files_write_atomic(in_dir("keep"), fail_with_enospc, NULL, err, sizeof err) == -1);
    CHECK(strcmp(err, "cannot write: No space left on device") == 0);
    CHECK(same_text("keep", "old"));
    CHECK(count_temps() == 0);
    CHECK(files_write_bytes(in_dir("missing/x"), "x", 1, err, sizeof err) == -1);
    CHECK(strcmp(err, "cannot create: No such file or directory") == 0);
    CHECK(mkdir(in_dir("taken"), 0755) == 0);
    CHECK(files_write_bytes(in_dir("taken"), "x", 1, err, sizeof err) == -1);
    CHECK(strcmp(err, "cannot write: Is a directory") == 0);
    CHECK(count_temps() == 0);
    rmdir(in_dir("taken"));
    unlink(in_dir("keep"));
}

/* ----------------------------------------------------------- reading */

/* Wants files that start with "GOOD", and the 6 bytes of them. */
static int check_good(const unsigned char *head, size_t len, bool at_end, size_t *total,
                      const void *ctx, char *err, size_t errlen)
{
    (void)at_end;
    (void)ctx;
    if (len < 4 || memcmp(head, "GOOD", 4) != 0)
        return error_message(err, errlen, "not good");
    *total = 6;
    return 0;
}

static void read_zero_in_child(void *ctx, char *msg, size_t cap)
{
    (void)ctx;
    unsigned char *data;
    size_t len;
    if (files_read_checked("/dev/zero", 4096, check_good, NULL, (size_t)1 << 30, &data, &len,
                           msg, cap) == 0) {
        snprintf(msg, cap, "read %zu", len);
        free(data);
    }
}

static void read_all_zero_in_child(void *ctx, char *msg, size_t cap)
{
    (void)ctx;
    unsigned char *data;
    size_t len;
    if (files_read_all("/dev/zero", (size_t)1 << 20, &data, &len, msg, cap) == 0)
        free(data);
}

static void test_checked_read(void)
{
    char msg[512];
    /* refused by its head: the 1 GiB behind it never read */
    CHECK(run_with_memory_limit((size_t)64 << 20, read_zero_in_child, NULL, msg, sizeof msg) ==
          0);
    CHECK(strcmp(msg, "not good") == 0);
    /* no check, from a device: to the limit (1 MiB here), then refused */
    CHECK(run_with_memory_limit((size_t)64 << 20, read_all_zero_in_child, NULL, msg,
                                sizeof msg) == 0);
    CHECK(strcmp(msg, "file larger than 1048576 bytes") == 0);
    /* the head's total: what follows is not read, from a pipe or a file */
    const char text[] = "GOOD!!and more that nobody reads";
    byte_pipe p;
    unsigned char *data = NULL;
    size_t len = 0;
    CHECK(open_pipe(&p, text, sizeof text - 1) == 0);
    CHECK(files_read_checked(p.path, 2, check_good, NULL, 100, &data, &len, msg, sizeof msg) ==
          -1); /* 2 bytes cannot be GOOD */
    close_pipe(&p);
    CHECK(open_pipe(&p, text, sizeof text - 1) == 0);
    CHECK(files_read_checked(p.path, 4, check_good, NULL, 100, &data, &len, msg, sizeof msg) ==
          0);
    close_pipe(&p);
    CHECK(len == 6 && memcmp(data, "GOOD!!", 6) == 0);
    free(data);
    put_file("text", text);
    CHECK(files_read_checked(in_dir("text"), 64, check_good, NULL, 100, &data, &len, msg,
                             sizeof msg) == 0);
    CHECK(len == 6 && memcmp(data, "GOOD!!", 6) == 0);
    free(data);
    /* a regular file beyond the limit, with no total: refused unread */
    CHECK(files_read_all(in_dir("text"), 10, &data, &len, msg, sizeof msg) == -1);
    CHECK(strcmp(msg, "file larger than 10 bytes") == 0);
    CHECK(files_read_all(in_dir("text"), sizeof text - 1, &data, &len, msg, sizeof msg) == 0);
    CHECK(len == sizeof text - 1);
    free(data);
    unlink(in_dir("text"));
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_files.XXXXXX");
    if (!mkdtemp(dir)) {
        printf("FAIL test_files: cannot create a temporary directory\n");
        return 1;
    }
    RUN(test_modes);
    RUN(test_abandoned_temporary_files);
    RUN(test_errors_name_the_reason);
    RUN(test_checked_read);
    CHECK(rmdir(dir) == 0);
    return check_summary();
}
