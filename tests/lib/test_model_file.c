/* test_model_file.c - model files (docs/FORMAT.md): CRC-32 check values,
   round trips through buffers and files, golden bytes of a tiny model,
   every truncation, every single-bit flip of a small file, garbage and
   crafted fields, future versions, NULL arguments, the size query, atomic
   saves that leave no temporary files, and IO errors. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "internal.h"
#include "nets.h"
#include "saved_files.h"
#include "untrusted_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- helpers */

static uint32_t rand_state = 12345; /* next_rand's */

static siren_net *small_net(void)
{
    return make_net(&(net_shape){3, 5, 2, 2, 17.25f, 0.5f, 0}, 7);
}

/* The model file of net in a malloc'd buffer of exactly *len bytes. */
static unsigned char *save_to_buffer(const siren_net *net, size_t *len)
{
    CHECK_STATUS(siren_net_save_buffer(net, NULL, 0, len), SIREN_ERR_TOO_LARGE);
    unsigned char *buf = malloc(*len);
    CHECK(buf != NULL);
    size_t written = 0;
    CHECK_STATUS(siren_net_save_buffer(net, buf, *len, &written), SIREN_OK);
    CHECK(written == *len);
    return buf;
}

static int same_config(const siren_config *a, const siren_config *b)
{
    return a->size == b->size && a->in_features == b->in_features &&
           a->out_features == b->out_features && a->hidden_features == b->hidden_features &&
           a->hidden_layers == b->hidden_layers &&
           memcmp(&a->first_omega, &b->first_omega, sizeof(float)) == 0 &&
           memcmp(&a->hidden_omega, &b->hidden_omega, sizeof(float)) == 0 &&
           a->outermost_linear == b->outermost_linear;
}

/* Same architecture and bit-identical parameters. */
static int same_net(siren_net *a, siren_net *b)
{
    siren_config ca, cb;
    if (siren_net_config(a, &ca) != SIREN_OK || siren_net_config(b, &cb) != SIREN_OK)
        return 0;
    size_t n = siren_net_param_count(a);
    return same_config(&ca, &cb) && n == siren_net_param_count(b) &&
           memcmp(siren_net_params(a), siren_net_params(b), n * sizeof(float)) == 0;
}

/* A marker the loaders must leave in *out when they fail. */
static char marker;
#define UNTOUCHED ((siren_net *)(void *)&marker)

/* Loads a copy of buf in a heap block of exactly len bytes, so that the
   sanitizer build catches any read past the end; returns the status. */
static int load_exact_copy(const unsigned char *buf, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, buf, len);
    siren_net *net = UNTOUCHED;
    int status = siren_net_load_buffer(copy, len, &net);
    if (status == SIREN_OK)
        siren_net_free(net);
    else
        CHECK(net == UNTOUCHED);
    free(copy);
    return status;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* --------------------------------------------------------------- CRC-32 */

static void test_crc32_check_value(void)
{
    CHECK(siren__crc32(0, "123456789", 9) == 0xcbf43926u);
    CHECK(siren__crc32(0, "", 0) == 0);
    CHECK(siren__crc32(0, NULL, 0) == 0);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    CHECK(siren__crc32(0, fox, strlen(fox)) == 0x414fa339u);
}

static void test_crc32_against_bitwise(void)
{
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)next_rand(&rand_state);
    for (size_t n = 0; n <= sizeof data; n += 37)
        CHECK(siren__crc32(0, data, n) == crc32_bitwise(data, n));
    /* Continuing from a previous result equals one pass over all bytes. */
    uint32_t whole = siren__crc32(0, data, sizeof data);
    for (size_t split = 0; split <= sizeof data; split += 101)
        CHECK(siren__crc32(siren__crc32(0, data, split), data + split, sizeof data - split) ==
              whole);
}

/* ----------------------------------------------------------- round trips */

static void test_round_trip_buffer(void)
{
    siren_net *nets[3] = {small_net(), make_net(&(net_shape){2, 16, 3, 1, 30.0f, 30.0f, 1}, 7),
                          make_net(&(net_shape){1, 3, 0, 4, 1e-3f, 3e4f, 1}, 7)};
    for (int k = 0; k < 3; k++) {
        siren_net *net = nets[k];
        /* Values a careless encoder would change: NaN payloads, -0, inf,
           subnormals. */
        float *p = siren_net_params(net);
        uint32_t nan_payload = 0x7fa12345u, neg_zero = 0x80000000u;
        memcpy(&p[0], &nan_payload, 4);
        memcpy(&p[1], &neg_zero, 4);
        p[2] = -INFINITY;
        p[3] = 1e-42f;
        size_t len;
        unsigned char *buf = save_to_buffer(net, &len);
        CHECK(len == 56 + 4 * siren_net_param_count(net));
        siren_net *back = NULL;
        CHECK_STATUS(siren_net_load_buffer(buf, len, &back), SIREN_OK);
        CHECK(back != NULL && same_net(net, back));
        /* The gradients are not saved: a loaded net starts at zero. */
        for (size_t i = 0; back && i < siren_net_param_count(back); i++)
            CHECK(siren_net_grads(back)[i] == 0.0f);
        siren_net_free(back);
        free(buf);
        siren_net_free(net);
    }
}

static void test_round_trip_file(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "model.siren");
    siren_net *net = small_net();
    CHECK_STATUS(siren_net_save(net, path), SIREN_OK);
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    siren_net *back = NULL;
    CHECK_STATUS(siren_net_load(path, &back), SIREN_OK);
    CHECK(back != NULL && same_net(net, back));

    /* The file holds exactly what save_buffer produces. */
    size_t len;
    unsigned char *expected = save_to_buffer(net, &len);
    unsigned char *got = malloc(len + 1);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fread(got, 1, len + 1, f) == len);
        CHECK(memcmp(got, expected, len) == 0);
        fclose(f);
    }
    free(got);
    free(expected);
    siren_net_free(back);
    siren_net_free(net);
    remove_temp_dir(dir);
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    CHECK(stat(path, &st) == 0);
    return st.st_mode & 07777;
}

/* Saving over an existing model replaces it, leaves nothing else behind,
   and keeps the replaced file's permission bits (issue 19: a model the
   user set to 0600 became 0644 at the next save); a new file gets 0644
   less the umask, never more (0666 before). */
static void test_overwrite_and_permissions(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "model.siren");
    siren_net *first = small_net();
    siren_net *second = make_net(&(net_shape){2, 8, 1, 1, 30.0f, 30.0f, 1}, 7);
    mode_t old_mask = umask(022);
    CHECK_STATUS(siren_net_save(first, path), SIREN_OK);
    CHECK(mode_of(path) == 0644);
    CHECK(chmod(path, 0600) == 0);
    CHECK_STATUS(siren_net_save(second, path), SIREN_OK);
    CHECK(mode_of(path) == 0600);
    CHECK(chmod(path, 0664) == 0); /* wider than new files get: the user's choice */
    CHECK_STATUS(siren_net_save(first, path), SIREN_OK);
    CHECK(mode_of(path) == 0664);
    CHECK(chmod(path, 0400) == 0); /* read-only: still replaced, still read-only */
    CHECK_STATUS(siren_net_save(second, path), SIREN_OK);
    CHECK(mode_of(path) == 0400);
    CHECK(unlink(path) == 0);
    umask(0);
    CHECK_STATUS(siren_net_save(second, path), SIREN_OK);
    CHECK(mode_of(path) == 0644);
    CHECK(unlink(path) == 0);
    umask(077);
    CHECK_STATUS(siren_net_save(second, path), SIREN_OK);
    CHECK(mode_of(path) == 0600);
    umask(old_mask);
    siren_net *back = NULL;
    CHECK_STATUS(siren_net_load(path, &back), SIREN_OK);
    CHECK(back != NULL && same_net(second, back));
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    CHECK(count_names_containing(dir, "model") == 1);
    siren_net_free(back);
    siren_net_free(first);
    siren_net_free(second);
    remove_temp_dir(dir);
}

static int exists_in(const char *dir, const char *name)
{
    char path[256];
    join(path, sizeof path, dir, name);
    struct stat st;
    return lstat(path, &st) == 0;
}

/* A save removes the temporary files that earlier saves of the same
   target left when they died (issue 19: they stayed forever), and
   nothing else: not a save in progress in another process (it holds a
   lock on its file), not one of its own process, not names of another
   pattern or target, not a directory. */
static void test_stale_temporary_files_removed(void)
{
    char dir[64], path[128], live[96], own[96];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "model.siren");
    const char *stale[] = {"model.siren.tmp-999999-AbCd01", "model.siren.tmp-1-zzzzzz"};
    const char *kept[] = {"model.siren.tmp-999999-AbCd0", "model.siren.tmp-999999-AbCd012",
                          "model.siren.tmp-x-AbCd01", "model.siren.tmp-AbCd01",
                          "other.siren.tmp-999999-AbCd01", "model.siren.tmp-999999-Ab_d01",
                          "model.siren.tmp--AbCd01"};
    char file[256];
    for (size_t i = 0; i < 2; i++) {
        join(file, sizeof file, dir, stale[i]);
        write_file(file, "partial", 7);
    }
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        join(file, sizeof file, dir, kept[i]);
        write_file(file, "other", 5);
    }
    snprintf(own, sizeof own, "model.siren.tmp-%ld-MineAa", (long)getpid());
    join(file, sizeof file, dir, own);
    write_file(file, "mine", 4);
    join(file, sizeof file, dir, "model.siren.tmp-999998-DirDir");
    CHECK(mkdir(file, 0755) == 0);
    pid_t holder = hold_locked_temp_file(dir, "model.siren", live, sizeof live);
    CHECK(holder > 0);

    siren_net *net = small_net();
    CHECK_STATUS(siren_net_save(net, path), SIREN_OK);
    for (size_t i = 0; i < 2; i++)
        CHECK(!exists_in(dir, stale[i]));
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        CHECK(exists_in(dir, kept[i]));
    CHECK(exists_in(dir, own));
    CHECK(exists_in(dir, "model.siren.tmp-999998-DirDir"));
    if (holder > 0) {
        CHECK(exists_in(dir, live));
        /* killed mid-save: its lock goes, and the next save removes it */
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
        CHECK_STATUS(siren_net_save(net, path), SIREN_OK);
        CHECK(!exists_in(dir, live));
    }
    /* the checkpoint save shares the code: one stale file of its own */
    char ckpt_stale[96];
    join(path, sizeof path, dir, "run.ckpt");
    snprintf(ckpt_stale, sizeof ckpt_stale, "run.ckpt.tmp-999999-Qq9Qq9");
    join(file, sizeof file, dir, ckpt_stale);
    write_file(file, "x", 1);
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    CHECK_STATUS(siren_checkpoint_save(net, opt, path), SIREN_OK);
    CHECK(!exists_in(dir, ckpt_stale));
    siren_adam_free(opt);
    siren_net_free(net);
    remove_temp_dir(dir);
}

/* On IO the C library's reason is in errno (issue 19: examples could only
   say "input/output error", a full disk included). */
static void test_save_errors_keep_errno(void)
{
    char dir[64], path[160];
    make_temp_dir(dir, "model");
    siren_net *net = small_net();
    join(path, sizeof path, dir, "missing/model.siren");
    errno = 0;
    CHECK_STATUS(siren_net_save(net, path), SIREN_ERR_IO);
    CHECK(errno == ENOENT);
    join(path, sizeof path, dir, "");
    errno = 0;
    CHECK_STATUS(siren_net_save(net, path), SIREN_ERR_IO); /* "dir/": no file name */
    CHECK(errno == EISDIR);
    join(path, sizeof path, dir, "taken");
    CHECK(mkdir(path, 0755) == 0);
    errno = 0;
    CHECK_STATUS(siren_net_save(net, path), SIREN_ERR_IO); /* the rename fails */
    CHECK(errno == EISDIR);
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    errno = 0;
    siren_net *out = UNTOUCHED;
    join(path, sizeof path, dir, "missing.siren");
    CHECK_STATUS(siren_net_load(path, &out), SIREN_ERR_IO);
    CHECK(errno == ENOENT);
    siren_net_free(net);
    remove_temp_dir(dir);
}

/* --------------------------------------------------------------- golden */

/* The model file of the tiny net below, written out by hand (and checked
   with Python's struct and zlib.crc32). If this test fails the format
   changed: old files would no longer load. Bump the version instead. */
static const unsigned char golden_model[84] = {
    /* "SIRENnet", version 1, flags 0 */
    0x53, 0x49, 0x52, 0x45, 0x4e, 0x6e, 0x65, 0x74, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* in 1, out 1, hidden 2, hidden_layers 0 */
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* first_omega 30.0f, hidden_omega 30.0f, outermost_linear 1 */
    0x00, 0x00, 0xf0, 0x41, 0x00, 0x00, 0xf0, 0x41, 0x01, 0x00, 0x00, 0x00,
    /* u64 parameter count 7 */
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* parameters -1, -0.5, 0, 0.5, 1, 1.5, 2 */
    0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f,
    0x00, 0x00, 0x00, 0x40,
    /* CRC-32 of the 80 bytes above */
    0x77, 0x93, 0xe4, 0xa0,
};

static siren_net *tiny_net(void)
{
    siren_net *net = make_net(&(net_shape){1, 2, 0, 1, 30.0f, 30.0f, 1}, 7);
    CHECK(siren_net_param_count(net) == 7);
    for (int i = 0; i < 7; i++)
        siren_net_params(net)[i] = 0.5f * (float)i - 1.0f;
    return net;
}

static void test_golden_bytes(void)
{
    siren_net *net = tiny_net();
    size_t len;
    unsigned char *buf = save_to_buffer(net, &len);
    CHECK(len == sizeof golden_model);
    for (size_t i = 0; i < len && i < sizeof golden_model; i++) {
        if (buf[i] != golden_model[i])
            printf("  byte %zu: 0x%02x, want 0x%02x\n", i, buf[i], golden_model[i]);
        CHECK(buf[i] == golden_model[i]);
    }
    siren_net *back = NULL;
    CHECK_STATUS(siren_net_load_buffer(golden_model, sizeof golden_model, &back), SIREN_OK);
    CHECK(back != NULL && same_net(net, back));
    siren_net_free(back);
    free(buf);
    siren_net_free(net);
}

/* ------------------------------------------------------------ corruption */

static void test_every_truncation(void)
{
    siren_net *nets[2] = {tiny_net(), small_net()};
    for (int k = 0; k < 2; k++) {
        size_t len;
        unsigned char *buf = save_to_buffer(nets[k], &len);
        for (size_t cut = 0; cut < len; cut++)
            CHECK_STATUS(load_exact_copy(buf, cut), SIREN_ERR_FORMAT);
        CHECK_STATUS(load_exact_copy(buf, len), SIREN_OK);
        free(buf);
        siren_net_free(nets[k]);
    }
}

static void check_bit_flip(unsigned char *buf, size_t len, size_t bit)
{
    buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    int status = load_exact_copy(buf, len);
    if (status != expected_flip_status(bit))
        printf("  bit %zu of %zu bytes:\n", bit, len);
    CHECK_STATUS(status, expected_flip_status(bit));
    buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
}

static void test_every_bit_flip_of_a_small_file(void)
{
    siren_net *net = small_net();
    size_t len;
    unsigned char *buf = save_to_buffer(net, &len);
    for (size_t bit = 0; bit < 8 * len; bit++)
        check_bit_flip(buf, len, bit);
    CHECK_STATUS(load_exact_copy(buf, len), SIREN_OK); /* restored intact */
    free(buf);
    siren_net_free(net);
}

static void test_random_bit_flips_of_a_larger_file(void)
{
    siren_net *net = make_net(&(net_shape){2, 64, 3, 1, 30.0f, 30.0f, 1}, 7);
    size_t len;
    unsigned char *buf = save_to_buffer(net, &len);
    for (int i = 0; i < 300; i++)
        check_bit_flip(buf, len, next_rand(&rand_state) % (8 * len));
    free(buf);
    siren_net_free(net);
}

static void test_garbage(void)
{
    unsigned char buf[300];
    for (int trial = 0; trial < 2000; trial++) {
        size_t len = next_rand(&rand_state) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)next_rand(&rand_state);
        /* Half the trials start like a real file, so that the fields after
           the preamble get exercised too. */
        if (trial % 2 && len >= 16) {
            memcpy(buf, "SIRENnet\1\0\0\0\0\0\0\0", 16);
            if (trial % 4 == 1 && len >= 52)
                memcpy(buf + 16, golden_model + 16, 36);
        }
        CHECK_STATUS(load_exact_copy(buf, len), SIREN_ERR_FORMAT);
    }
    memset(buf, 0, sizeof buf);
    CHECK_STATUS(load_exact_copy(buf, sizeof buf), SIREN_ERR_FORMAT);
    memset(buf, 0xff, sizeof buf);
    CHECK_STATUS(load_exact_copy(buf, sizeof buf), SIREN_ERR_FORMAT);
}

/* Sets a u32 field of the golden file, fixes the CRC, and loads. */
static int load_with_field(size_t offset, uint32_t value)
{
    unsigned char file[sizeof golden_model];
    memcpy(file, golden_model, sizeof file);
    put_le32(file + offset, value);
    fix_crc(file, sizeof file);
    return load_exact_copy(file, sizeof file);
}

static void test_nonsense_fields_with_valid_crc(void)
{
    CHECK_STATUS(load_with_field(12, 1), SIREN_ERR_FORMAT);           /* reserved flag */
    CHECK_STATUS(load_with_field(12, 0x80000000u), SIREN_ERR_FORMAT);
    CHECK_STATUS(load_with_field(16, 0), SIREN_ERR_FORMAT);           /* in_features 0 */
    CHECK_STATUS(load_with_field(20, 0), SIREN_ERR_FORMAT);           /* out_features 0 */
    CHECK_STATUS(load_with_field(24, 0), SIREN_ERR_FORMAT);           /* hidden 0 */
    CHECK_STATUS(load_with_field(28, 1), SIREN_ERR_FORMAT);           /* count mismatch */
    const uint32_t bad_omegas[] = {0x7fc00000u /* NaN */, 0x7f800000u /* inf */,
                                   0xbf800000u /* -1 */, 0, 0x80000000u /* -0 */};
    for (int i = 0; i < 5; i++) {
        CHECK_STATUS(load_with_field(32, bad_omegas[i]), SIREN_ERR_FORMAT);
        CHECK_STATUS(load_with_field(36, bad_omegas[i]), SIREN_ERR_FORMAT);
    }
    CHECK_STATUS(load_with_field(40, 2), SIREN_ERR_FORMAT);           /* linear not 0/1 */
    CHECK_STATUS(load_with_field(44, 8), SIREN_ERR_FORMAT);           /* wrong count */
    CHECK_STATUS(load_with_field(48, 1), SIREN_ERR_FORMAT);           /* count + 2^32 */
    CHECK_STATUS(load_with_field(40, 0), SIREN_OK);                   /* a valid change */
}

/* An architecture far beyond SIREN_MAX_PARAMS, and a large one whose
   count is consistent but whose parameters are missing: both refused
   before anything is allocated. */
static void test_oversized_architectures(void)
{
    unsigned char file[sizeof golden_model];
    memcpy(file, golden_model, sizeof file);
    put_le32(file + 24, 65535);
    put_le32(file + 28, 65535);
    fix_crc(file, sizeof file);
    CHECK_STATUS(load_exact_copy(file, sizeof file), SIREN_ERR_FORMAT);

    /* hidden 40000, one hidden layer: 1,600,120,001 parameters (6.4 GB). */
    uint64_t count = 2ull * 40000 + 40001ull * 40000 + 40001;
    memcpy(file, golden_model, sizeof file);
    put_le32(file + 24, 40000);
    put_le32(file + 28, 1);
    put_le32(file + 44, (uint32_t)count);
    put_le32(file + 48, (uint32_t)(count >> 32));
    fix_crc(file, sizeof file);
    CHECK_STATUS(load_exact_copy(file, sizeof file), SIREN_ERR_FORMAT);
}

static void test_trailing_bytes(void)
{
    unsigned char file[sizeof golden_model + 4];
    memcpy(file, golden_model, sizeof golden_model);
    memset(file + sizeof golden_model, 0, 4);
    CHECK_STATUS(load_exact_copy(file, sizeof golden_model + 1), SIREN_ERR_FORMAT);
    /* Even with a CRC that covers the extra bytes. */
    fix_crc(file, sizeof file);
    CHECK_STATUS(load_exact_copy(file, sizeof file), SIREN_ERR_FORMAT);
}

static void test_versions(void)
{
    /* Newer: VERSION whatever follows, checked before the CRC and layout. */
    CHECK_STATUS(load_with_field(8, 2), SIREN_ERR_VERSION);
    CHECK_STATUS(load_with_field(8, 0xffffffffu), SIREN_ERR_VERSION);
    unsigned char file[sizeof golden_model];
    memcpy(file, golden_model, sizeof file);
    put_le32(file + 8, 2);
    CHECK_STATUS(load_exact_copy(file, sizeof file), SIREN_ERR_VERSION); /* stale CRC */
    CHECK_STATUS(load_exact_copy(file, 12), SIREN_ERR_VERSION);          /* nothing after */
    CHECK_STATUS(load_with_field(8, 0), SIREN_ERR_FORMAT);
    CHECK_STATUS(load_with_field(8, 1), SIREN_OK);
}

/* ------------------------------------------------------------ arguments */

static void test_null_arguments(void)
{
    siren_net *net = tiny_net();
    unsigned char buf[128];
    size_t len = 0;
    siren_net *out = UNTOUCHED;
    CHECK_STATUS(siren_net_save_buffer(NULL, buf, sizeof buf, &len), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_save_buffer(net, buf, sizeof buf, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_save_buffer(net, NULL, 0, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load_buffer(NULL, 84, &out), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load_buffer(golden_model, sizeof golden_model, NULL),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_save(NULL, "/tmp/x"), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_save(net, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load(NULL, &out), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load("/tmp/x", NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK(out == UNTOUCHED);
    siren_net_free(net);
}

static void test_save_buffer_size_query(void)
{
    siren_net *net = tiny_net();
    size_t len = 0;
    CHECK_STATUS(siren_net_save_buffer(net, NULL, 1000, &len), SIREN_ERR_TOO_LARGE);
    CHECK(len == 84);
    /* One byte short: refused, and the buffer is not touched. */
    unsigned char buf[100];
    memset(buf, 0xab, sizeof buf);
    len = 0;
    CHECK_STATUS(siren_net_save_buffer(net, buf, 83, &len), SIREN_ERR_TOO_LARGE);
    CHECK(len == 84);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0xab);
    /* Room to spare: exactly 84 bytes written, the rest untouched. */
    len = 0;
    CHECK_STATUS(siren_net_save_buffer(net, buf, sizeof buf, &len), SIREN_OK);
    CHECK(len == 84 && memcmp(buf, golden_model, 84) == 0);
    for (size_t i = 84; i < sizeof buf; i++)
        CHECK(buf[i] == 0xab);
    siren_net_free(net);
}

/* ------------------------------------------------------------ file errors */

static void test_save_to_missing_directory(void)
{
    char dir[64], path[160];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "missing/model.siren");
    siren_net *net = tiny_net();
    CHECK_STATUS(siren_net_save(net, path), SIREN_ERR_IO);
    CHECK(count_names_containing(dir, "") == 2); /* only . and .. */
    siren_net_free(net);
    remove_temp_dir(dir);
}

/* The temporary file is written, then the rename over a directory fails:
   the temporary file must be removed. */
static void test_failed_rename_leaves_no_temp_file(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "taken");
    CHECK(mkdir(path, 0755) == 0);
    siren_net *net = tiny_net();
    CHECK_STATUS(siren_net_save(net, path), SIREN_ERR_IO);
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    CHECK(count_names_containing(dir, "") == 3); /* ., .. and taken */
    siren_net_free(net);
    remove_temp_dir(dir);
}

static void test_load_errors(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "model");
    siren_net *out = UNTOUCHED;
    join(path, sizeof path, dir, "missing.siren");
    CHECK_STATUS(siren_net_load(path, &out), SIREN_ERR_IO);
    CHECK_STATUS(siren_net_load(dir, &out), SIREN_ERR_IO); /* a directory */
    join(path, sizeof path, dir, "empty.siren");
    write_file(path, "", 0);
    CHECK_STATUS(siren_net_load(path, &out), SIREN_ERR_FORMAT);
    join(path, sizeof path, dir, "short.siren");
    write_file(path, golden_model, sizeof golden_model - 1);
    CHECK_STATUS(siren_net_load(path, &out), SIREN_ERR_FORMAT);
    join(path, sizeof path, dir, "long.siren");
    unsigned char longer[sizeof golden_model + 1] = {0};
    memcpy(longer, golden_model, sizeof golden_model);
    write_file(path, longer, sizeof longer);
    CHECK_STATUS(siren_net_load(path, &out), SIREN_ERR_FORMAT);
    CHECK(out == UNTOUCHED);
    join(path, sizeof path, dir, "good.siren");
    write_file(path, golden_model, sizeof golden_model);
    CHECK_STATUS(siren_net_load(path, &out), SIREN_OK);
    CHECK(out != UNTOUCHED && siren_net_param_count(out) == 7);
    if (out != UNTOUCHED)
        siren_net_free(out);
    remove_temp_dir(dir);
}

/* ------------------------------------------------ not regular files */

/* A device that never ends is refused by its first bytes: before the fix
   (issue 19) the loader read it up to the largest valid file, 8.6 GB,
   and ran out of memory first. Nothing may be allocated at all. */
static void test_load_from_devices_reads_the_header_only(void)
{
    watched_heap heap;
    siren_allocator alloc = watched_allocator(&heap, (size_t)1 << 20);
    siren_net *out = UNTOUCHED;
    CHECK_STATUS(siren_net_load_with_allocator("/dev/zero", &alloc, &out), SIREN_ERR_FORMAT);
    CHECK(heap.largest == 0);
    CHECK_STATUS(siren_net_load_with_allocator("/dev/null", &alloc, &out), SIREN_ERR_FORMAT);
    CHECK(heap.largest == 0);
    CHECK(out == UNTOUCHED);
}

/* A valid model through a pipe loads (its size is unknown until the end:
   the buffer grows to it, never beyond twice what came). A header that
   promises 2^31 - 1 parameters, followed by a few bytes and the end,
   allocates no more than the first 64 KiB of buffer. */
static void test_load_from_a_pipe(void)
{
    siren_net *net = make_net(&(net_shape){2, 96, 2, 1, 30.0f, 30.0f, 1}, 3);
    size_t len = 0;
    unsigned char *file = save_to_buffer(net, &len);
    CHECK(len > 65536);
    watched_heap heap;
    siren_allocator alloc = watched_allocator(&heap, SIZE_MAX);
    byte_pipe p;
    siren_net *back = NULL;
    CHECK(open_pipe(&p, file, len) == 0);
    CHECK_STATUS(siren_net_load_with_allocator(p.path, &alloc, &back), SIREN_OK);
    close_pipe(&p);
    CHECK(back != NULL && same_net(net, back));
    CHECK(heap.largest <= 2 * len);
    siren_net_free(back);

    /* in 1, out 1, 46337 wide, 1 hidden layer: w^2 + 4w + 1 =
       2,147,302,918 parameters, just below 2^31 - 1 (46338 would pass it) */
    unsigned char huge[84 + 1000];
    memcpy(huge, golden_model, 52);
    put_le32(huge + 24, 46337);
    put_le32(huge + 28, 1);
    uint64_t count = 46337ull * 46337 + 4 * 46337ull + 1;
    put_le32(huge + 44, (uint32_t)count);
    put_le32(huge + 48, (uint32_t)(count >> 32));
    memset(huge + 52, 0x3f, sizeof huge - 52);
    heap = (watched_heap){SIZE_MAX, 0};
    back = UNTOUCHED;
    CHECK(open_pipe(&p, huge, sizeof huge) == 0);
    CHECK_STATUS(siren_net_load_with_allocator(p.path, &alloc, &back), SIREN_ERR_FORMAT);
    close_pipe(&p);
    CHECK(back == UNTOUCHED);
    CHECK(heap.largest == 65536); /* the header passed: one first buffer */

    /* the same header in a regular file is refused by the file's size,
       unread: nothing allocated */
    char dir[64], path[128];
    make_temp_dir(dir, "model");
    join(path, sizeof path, dir, "huge.siren");
    write_file(path, huge, sizeof huge);
    heap = (watched_heap){SIZE_MAX, 0};
    CHECK_STATUS(siren_net_load_with_allocator(path, &alloc, &back), SIREN_ERR_FORMAT);
    CHECK(heap.largest == 0);
    CHECK(back == UNTOUCHED);
    remove_temp_dir(dir);
    free(file);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_crc32_check_value);
    RUN(test_crc32_against_bitwise);
    RUN(test_round_trip_buffer);
    RUN(test_round_trip_file);
    RUN(test_overwrite_and_permissions);
    RUN(test_stale_temporary_files_removed);
    RUN(test_save_errors_keep_errno);
    RUN(test_golden_bytes);
    RUN(test_every_truncation);
    RUN(test_every_bit_flip_of_a_small_file);
    RUN(test_random_bit_flips_of_a_larger_file);
    RUN(test_garbage);
    RUN(test_nonsense_fields_with_valid_crc);
    RUN(test_oversized_architectures);
    RUN(test_trailing_bytes);
    RUN(test_versions);
    RUN(test_null_arguments);
    RUN(test_save_buffer_size_query);
    RUN(test_save_to_missing_directory);
    RUN(test_failed_rename_leaves_no_temp_file);
    RUN(test_load_errors);
    RUN(test_load_from_devices_reads_the_header_only);
    RUN(test_load_from_a_pipe);
    return check_summary();
}
