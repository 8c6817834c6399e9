/* test_file_errno.c - a file function that returns SIREN_ERR_IO leaves
   errno as the failing system call set it (siren.h, "model files"), so
   bindings can report the reason (Python's FileNotFoundError, Rust's
   io::Error): a missing file ENOENT, a directory EISDIR, a missing
   directory on save ENOENT, no permission EACCES; also when the clean-up
   frees through a caller's allocator whose free changes errno. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <errno.h>
#include <siren.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/siren-errno-XXXXXX";
static char path_buf[256];

static const char *in_dir(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

static siren_net *small_net(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 4;
    cfg.hidden_layers = 0;
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    return net;
}

/* malloc and free, and free sets errno: the library must undo that. */
static void *alloc_plain(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}
static void free_clobbering(void *user, void *ptr)
{
    (void)user;
    free(ptr);
    errno = ERANGE;
}
static const siren_allocator clobbering = {alloc_plain, free_clobbering, NULL};

/* status, then errno, of loading path as a model (with the clobbering allocator or not) */
static int load_errno(const char *path, const siren_allocator *alloc, int *status)
{
    siren_net *net = NULL;
    errno = 0;
    *status = siren_net_load_with_allocator(path, alloc, &net);
    int e = errno;
    siren_net_free(net);
    return e;
}

static void test_a_missing_file_is_enoent(void)
{
    int status;
    CHECK(load_errno(in_dir("missing.siren"), NULL, &status) == ENOENT);
    CHECK_STATUS(status, SIREN_ERR_IO);
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    errno = 0;
    CHECK_STATUS(siren_checkpoint_load(in_dir("missing.ckpt"), &net, &opt), SIREN_ERR_IO);
    CHECK(errno == ENOENT);
}

static void test_a_directory_is_eisdir(void)
{
    int status;
    /* fopen opens a directory; the read fails, the buffer is freed */
    CHECK(load_errno(dir, NULL, &status) == EISDIR);
    CHECK_STATUS(status, SIREN_ERR_IO);
    CHECK(load_errno(dir, &clobbering, &status) == EISDIR);
    CHECK_STATUS(status, SIREN_ERR_IO);
}

static void test_saving_reports_the_reason(void)
{
    siren_net *net = small_net();
    errno = 0;
    CHECK_STATUS(siren_net_save(net, in_dir("no/such/dir/model.siren")), SIREN_ERR_IO);
    CHECK(errno == ENOENT);
    /* renaming a file over a directory: EISDIR, the temporary file removed */
    CHECK(mkdir(in_dir("a_directory"), 0755) == 0);
    errno = 0;
    CHECK_STATUS(siren_net_save(net, in_dir("a_directory")), SIREN_ERR_IO);
    CHECK(errno == EISDIR);
    siren_net_free(net);
    siren_net *clobbered = NULL;
    siren_config cfg;
    siren_config_default(&cfg);
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &clobbering, &clobbered), SIREN_OK);
    errno = 0;
    CHECK_STATUS(siren_net_save(clobbered, in_dir("no/such/dir/model.siren")), SIREN_ERR_IO);
    CHECK(errno == ENOENT);
    siren_net_free(clobbered);
}

/* Root reads anything whatever its mode: there the test takes the
   identity of nobody (65534) for the call, which cannot enter the test's
   0700 directory owned by root. */
static void test_no_permission_is_eacces(void)
{
    siren_net *net = small_net();
    CHECK_STATUS(siren_net_save(net, in_dir("locked.siren")), SIREN_OK);
    siren_net_free(net);
    CHECK(chmod(in_dir("locked.siren"), 0) == 0);
    CHECK(chmod(dir, 0700) == 0);
    int as_root = geteuid() == 0;
    if (as_root && seteuid(65534) != 0) {
        printf("  (cannot take another identity as root: EACCES not provoked)\n");
        return;
    }
    int status;
    int e = load_errno(in_dir("locked.siren"), NULL, &status);
    if (as_root)
        CHECK(seteuid(0) == 0);
    CHECK(e == EACCES);
    CHECK_STATUS(status, SIREN_ERR_IO);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_a_missing_file_is_enoent);
    RUN(test_a_directory_is_eisdir);
    RUN(test_saving_reports_the_reason);
    RUN(test_no_permission_is_eacces);
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0)
        printf("  could not remove %s\n", dir);
    return check_summary();
}
