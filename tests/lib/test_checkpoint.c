/* test_checkpoint.c - training checkpoints (docs/FORMAT.md): round trips
   that keep parameters, moments, step count and optimiser configuration
   bit for bit, resuming that matches an uninterrupted run, golden bytes,
   every truncation and bit flip, crafted fields, an optimiser of another
   architecture (STATE), NULL arguments, the size query and file errors. */
#define _POSIX_C_SOURCE 200809L

#include "check.h"
#include "internal.h"
#include "nets.h"
#include "saved_files.h"
#include "untrusted_files.h"

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rand_state = 424242; /* next_rand's */

/* ------------------------------------------------------------- helpers */

static siren_adam_config unusual_adam_config(void)
{
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    cfg.lr = 1e-3f;
    cfg.beta1 = 0.8f;
    cfg.beta2 = 0.99f;
    cfg.eps = 1e-7f;
    cfg.weight_decay = 0.01f;
    cfg.clip_grad_norm = 0.5f;
    return cfg;
}

/* Made-up gradients that differ from step to step. */
static void set_grads(siren_net *net, int step)
{
    float *g = siren_net_grads(net);
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        g[i] = sinf((float)(i * 7 + (size_t)step * 13)) * (1.0f + (float)(i % 5));
}

static void train(siren_net *net, siren_adam *opt, int first_step, int steps)
{
    for (int s = first_step; s < first_step + steps; s++) {
        set_grads(net, s);
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
    }
}

/* A small net and its optimiser after a few steps (moments non-zero). */
static void trained_pair(siren_net **net, siren_adam **opt)
{
    *net = make_net(&(net_shape){2, 6, 2, 3, 30.0f, 12.5f, 0}, 11);
    siren_adam_config cfg = unusual_adam_config();
    *opt = NULL;
    CHECK_STATUS(siren_adam_create(*net, &cfg, opt), SIREN_OK);
    train(*net, *opt, 0, 5);
}

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof(float)) == 0;
}

static int same_net(const siren_net *a, const siren_net *b)
{
    return a->param_count == b->param_count && memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0 &&
           same_bits(a->params, b->params, a->param_count);
}

static int same_adam(const siren_adam *a, const siren_adam *b)
{
    return memcmp(&a->cfg, &b->cfg, sizeof a->cfg) == 0 &&
           memcmp(&a->arch, &b->arch, sizeof a->arch) == 0 && a->step == b->step &&
           a->param_count == b->param_count && same_bits(a->m, b->m, a->param_count) &&
           same_bits(a->v, b->v, a->param_count);
}

static unsigned char *save_to_buffer(const siren_net *net, const siren_adam *opt, size_t *len)
{
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, NULL, 0, len), SIREN_ERR_TOO_LARGE);
    unsigned char *buf = malloc(*len);
    size_t written = 0;
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, buf, *len, &written), SIREN_OK);
    CHECK(written == *len);
    return buf;
}

static char marker_net, marker_opt;
#define NET_UNTOUCHED ((siren_net *)(void *)&marker_net)
#define OPT_UNTOUCHED ((siren_adam *)(void *)&marker_opt)

/* Loads a copy in a heap block of exactly len bytes (so the sanitizer
   build sees any over-read); on failure both outputs must be untouched. */
static int load_exact_copy(const unsigned char *buf, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, buf, len);
    siren_net *net = NET_UNTOUCHED;
    siren_adam *opt = OPT_UNTOUCHED;
    int status = siren_checkpoint_load_buffer(copy, len, &net, &opt);
    if (status == SIREN_OK) {
        siren_net_free(net);
        siren_adam_free(opt);
    } else {
        CHECK(net == NET_UNTOUCHED && opt == OPT_UNTOUCHED);
    }
    free(copy);
    return status;
}

/* ----------------------------------------------------------- round trips */

static void test_round_trip_buffer(void)
{
    siren_net *net, *net2 = NET_UNTOUCHED;
    siren_adam *opt, *opt2 = OPT_UNTOUCHED;
    trained_pair(&net, &opt);
    size_t len;
    unsigned char *buf = save_to_buffer(net, opt, &len);
    CHECK(len == 88 + 12 * siren_net_param_count(net));
    CHECK_STATUS(siren_checkpoint_load_buffer(buf, len, &net2, &opt2), SIREN_OK);
    CHECK(net2 != NET_UNTOUCHED && opt2 != OPT_UNTOUCHED);
    if (net2 != NET_UNTOUCHED && opt2 != OPT_UNTOUCHED) {
        CHECK(same_net(net, net2));
        CHECK(same_adam(opt, opt2));
        CHECK(siren_adam_step_count(opt2) == 5);
        siren_net_free(net2);
        siren_adam_free(opt2);
    }
    free(buf);
    siren_net_free(net);
    siren_adam_free(opt);
}

/* The contract: training resumed from a checkpoint gives the same
   parameters, bit for bit, as training that never stopped. */
static void test_resume_is_exact(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "ckpt");
    join(path, sizeof path, dir, "run.ckpt");
    siren_net *net, *net2 = NULL;
    siren_adam *opt, *opt2 = NULL;
    trained_pair(&net, &opt);
    CHECK_STATUS(siren_checkpoint_save(net, opt, path), SIREN_OK);
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    CHECK_STATUS(siren_checkpoint_load(path, &net2, &opt2), SIREN_OK);
    if (net2 && opt2) {
        CHECK(same_net(net, net2) && same_adam(opt, opt2));
        train(net, opt, 5, 7);
        train(net2, opt2, 5, 7);
        CHECK(same_net(net, net2) && same_adam(opt, opt2));
        CHECK(siren_adam_step_count(opt2) == 12);
    }
    siren_net_free(net2);
    siren_adam_free(opt2);
    siren_net_free(net);
    siren_adam_free(opt);
    remove_temp_dir(dir);
}

/* --------------------------------------------------------------- golden */

/* Written out by hand, checked with Python's struct and zlib.crc32. A
   failure here means the checkpoint format changed. */
static const unsigned char golden_checkpoint[172] = {
    /* "SIRENckp", version 1, flags 0 */
    0x53, 0x49, 0x52, 0x45, 0x4e, 0x63, 0x6b, 0x70, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* in 1, out 1, hidden 2, hidden_layers 0, omegas 30, 30, linear 1 */
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x41,
    0x00, 0x00, 0xf0, 0x41, 0x01, 0x00, 0x00, 0x00,
    /* u64 parameter count 7 */
    0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* lr 1e-4, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0, clip 0 */
    0x17, 0xb7, 0xd1, 0x38, 0x66, 0x66, 0x66, 0x3f,
    0x77, 0xbe, 0x7f, 0x3f, 0x77, 0xcc, 0x2b, 0x32, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
    /* u64 step 3 */
    0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    /* params -1, -0.5, 0, 0.5, 1, 1.5, 2 */
    0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0xc0, 0x3f,
    0x00, 0x00, 0x00, 0x40,
    /* m = 0.25 i */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3e,
    0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x40, 0x3f, 0x00, 0x00, 0x80, 0x3f,
    0x00, 0x00, 0xa0, 0x3f, 0x00, 0x00, 0xc0, 0x3f,
    /* v = 0.125 i^2 */
    0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x3e, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x90, 0x3f,
    0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x48, 0x40, 0x00, 0x00, 0x90, 0x40,
    /* CRC-32 */
    0x84, 0x02, 0xf4, 0x09,
};

static void tiny_pair(siren_net **net, siren_adam **opt)
{
    *net = make_zero_net(&(net_shape){1, 2, 0, 1, 30.0f, 30.0f, 1});
    *opt = NULL;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    CHECK_STATUS(siren_adam_create(*net, &adam, opt), SIREN_OK);
    for (int i = 0; i < 7; i++) {
        (*net)->params[i] = 0.5f * (float)i - 1.0f;
        (*opt)->m[i] = 0.25f * (float)i;
        (*opt)->v[i] = 0.125f * (float)(i * i);
    }
    (*opt)->step = 3;
}

static void test_golden_bytes(void)
{
    siren_net *net;
    siren_adam *opt;
    tiny_pair(&net, &opt);
    size_t len;
    unsigned char *buf = save_to_buffer(net, opt, &len);
    CHECK(len == sizeof golden_checkpoint);
    for (size_t i = 0; i < len && i < sizeof golden_checkpoint; i++) {
        if (buf[i] != golden_checkpoint[i])
            printf("  byte %zu: 0x%02x, want 0x%02x\n", i, buf[i], golden_checkpoint[i]);
        CHECK(buf[i] == golden_checkpoint[i]);
    }
    siren_net *net2 = NULL;
    siren_adam *opt2 = NULL;
    CHECK_STATUS(siren_checkpoint_load_buffer(golden_checkpoint, sizeof golden_checkpoint,
                                              &net2, &opt2),
                 SIREN_OK);
    CHECK(net2 && opt2 && same_net(net, net2) && same_adam(opt, opt2));
    siren_net_free(net2);
    siren_adam_free(opt2);
    free(buf);
    siren_net_free(net);
    siren_adam_free(opt);
}

/* ------------------------------------------------------------ corruption */

static void test_every_truncation(void)
{
    siren_net *net;
    siren_adam *opt;
    trained_pair(&net, &opt);
    size_t len;
    unsigned char *buf = save_to_buffer(net, opt, &len);
    for (size_t cut = 0; cut < len; cut++)
        CHECK_STATUS(load_exact_copy(buf, cut), SIREN_ERR_FORMAT);
    CHECK_STATUS(load_exact_copy(buf, len), SIREN_OK);
    free(buf);
    siren_net_free(net);
    siren_adam_free(opt);
}

static void test_every_bit_flip(void)
{
    unsigned char file[sizeof golden_checkpoint];
    memcpy(file, golden_checkpoint, sizeof file);
    for (size_t bit = 0; bit < 8 * sizeof file; bit++) {
        file[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        int status = load_exact_copy(file, sizeof file);
        if (status != expected_flip_status(bit))
            printf("  bit %zu:\n", bit);
        CHECK_STATUS(status, expected_flip_status(bit));
        file[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    CHECK_STATUS(load_exact_copy(file, sizeof file), SIREN_OK);
}

static void test_random_bit_flips_of_a_trained_checkpoint(void)
{
    siren_net *net;
    siren_adam *opt;
    trained_pair(&net, &opt);
    size_t len;
    unsigned char *buf = save_to_buffer(net, opt, &len);
    for (int i = 0; i < 300; i++) {
        size_t bit = next_rand(&rand_state) % (8 * len);
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        CHECK_STATUS(load_exact_copy(buf, len), expected_flip_status(bit));
        buf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    free(buf);
    siren_net_free(net);
    siren_adam_free(opt);
}

static void test_garbage(void)
{
    unsigned char buf[400];
    for (int trial = 0; trial < 2000; trial++) {
        size_t len = next_rand(&rand_state) % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)next_rand(&rand_state);
        if (trial % 2 && len >= 84)
            memcpy(buf, golden_checkpoint, 16 + 36 * (size_t)(trial % 4 == 1));
        CHECK_STATUS(load_exact_copy(buf, len), SIREN_ERR_FORMAT);
    }
}

/* Sets a u32 field of the golden checkpoint, fixes the CRC, and loads. */
static int load_with_field(size_t offset, uint32_t value)
{
    unsigned char file[sizeof golden_checkpoint];
    memcpy(file, golden_checkpoint, sizeof file);
    put_le32(file + offset, value);
    fix_crc(file, sizeof file);
    return load_exact_copy(file, sizeof file);
}

/* Optimiser settings siren_adam_create refuses are FORMAT in a file (and
   the net already made for them must not leak: the sanitizer build). */
static void test_invalid_optimiser_fields(void)
{
    CHECK_STATUS(load_with_field(52, 0xbf800000u), SIREN_ERR_FORMAT); /* lr -1 */
    CHECK_STATUS(load_with_field(52, 0x7fc00000u), SIREN_ERR_FORMAT); /* lr NaN */
    CHECK_STATUS(load_with_field(56, 0x3f800000u), SIREN_ERR_FORMAT); /* beta1 1 */
    CHECK_STATUS(load_with_field(60, 0x40000000u), SIREN_ERR_FORMAT); /* beta2 2 */
    CHECK_STATUS(load_with_field(64, 0x7f800000u), SIREN_ERR_FORMAT); /* eps inf */
    CHECK_STATUS(load_with_field(64, 0x00000000u), SIREN_ERR_FORMAT); /* eps 0 */
    CHECK_STATUS(load_with_field(64, 0x80000000u), SIREN_ERR_FORMAT); /* eps -0 */
    CHECK_STATUS(load_with_field(64, 0x00000001u), SIREN_OK);         /* eps 1e-45 */
    CHECK_STATUS(load_with_field(68, 0xbf800000u), SIREN_ERR_FORMAT); /* decay -1 */
    CHECK_STATUS(load_with_field(72, 0xff800000u), SIREN_ERR_FORMAT); /* clip -inf */
    CHECK_STATUS(load_with_field(12, 4), SIREN_ERR_FORMAT);           /* flags */
    CHECK_STATUS(load_with_field(44, 6), SIREN_ERR_FORMAT);           /* count */
    CHECK_STATUS(load_with_field(72, 0x3f800000u), SIREN_OK);         /* clip 1: valid */
    CHECK_STATUS(load_with_field(80, 0xffffffffu), SIREN_OK);         /* any step count */
}

static void test_versions(void)
{
    CHECK_STATUS(load_with_field(8, 2), SIREN_ERR_VERSION);
    CHECK_STATUS(load_exact_copy((const unsigned char *)"SIRENckp\x07\0\0\0", 12),
                 SIREN_ERR_VERSION);
    CHECK_STATUS(load_with_field(8, 0), SIREN_ERR_FORMAT);
}

/* A model file is not a checkpoint and a checkpoint is not a model file. */
static void test_magics_are_distinct(void)
{
    siren_net *net;
    siren_adam *opt;
    tiny_pair(&net, &opt);
    size_t len = 0;
    CHECK_STATUS(siren_net_save_buffer(net, NULL, 0, &len), SIREN_ERR_TOO_LARGE);
    unsigned char *model = malloc(len);
    CHECK_STATUS(siren_net_save_buffer(net, model, len, &len), SIREN_OK);
    CHECK_STATUS(load_exact_copy(model, len), SIREN_ERR_FORMAT);
    siren_net *out = NET_UNTOUCHED;
    CHECK_STATUS(siren_net_load_buffer(golden_checkpoint, sizeof golden_checkpoint, &out),
                 SIREN_ERR_FORMAT);
    CHECK(out == NET_UNTOUCHED);
    free(model);
    siren_net_free(net);
    siren_adam_free(opt);
}

/* ------------------------------------------------- state and arguments */

static void test_optimiser_of_another_architecture(void)
{
    char dir[64], path[128];
    make_temp_dir(dir, "ckpt");
    join(path, sizeof path, dir, "run.ckpt");
    siren_net *net = make_net(&(net_shape){2, 6, 2, 3, 30.0f, 12.5f, 0}, 11);
    siren_net *wider = make_net(&(net_shape){2, 7, 2, 3, 30.0f, 12.5f, 0}, 11);
    siren_config omega_cfg;
    CHECK_STATUS(siren_net_config(net, &omega_cfg), SIREN_OK);
    omega_cfg.first_omega = 29.0f; /* same parameter count, other network */
    siren_net *other_omega = NULL;
    CHECK_STATUS(siren_net_create(&omega_cfg, &other_omega), SIREN_OK);
    siren_adam_config cfg = unusual_adam_config();
    siren_adam *wrong = NULL, *wrong_omega = NULL;
    CHECK_STATUS(siren_adam_create(wider, &cfg, &wrong), SIREN_OK);
    CHECK_STATUS(siren_adam_create(other_omega, &cfg, &wrong_omega), SIREN_OK);
    unsigned char buf[4096];
    size_t len = 12345;
    CHECK_STATUS(siren_checkpoint_save_buffer(net, wrong, buf, sizeof buf, &len), SIREN_ERR_STATE);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, wrong, NULL, 0, &len), SIREN_ERR_STATE);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, wrong_omega, buf, sizeof buf, &len),
                 SIREN_ERR_STATE);
    CHECK(len == 12345);
    CHECK_STATUS(siren_checkpoint_save(net, wrong, path), SIREN_ERR_STATE);
    CHECK(count_names_containing(dir, "") == 2); /* nothing written */
    siren_net_free(net);
    siren_net_free(wider);
    siren_net_free(other_omega);
    siren_adam_free(wrong);
    siren_adam_free(wrong_omega);
    remove_temp_dir(dir);
}

static void test_null_arguments(void)
{
    siren_net *net;
    siren_adam *opt;
    tiny_pair(&net, &opt);
    unsigned char buf[256];
    size_t len;
    siren_net *net_out = NET_UNTOUCHED;
    siren_adam *opt_out = OPT_UNTOUCHED;
    const void *g = golden_checkpoint;
    size_t glen = sizeof golden_checkpoint;
    CHECK_STATUS(siren_checkpoint_save_buffer(NULL, opt, buf, sizeof buf, &len),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, NULL, buf, sizeof buf, &len),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, buf, sizeof buf, NULL),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load_buffer(NULL, glen, &net_out, &opt_out),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load_buffer(g, glen, NULL, &opt_out), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load_buffer(g, glen, &net_out, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_save(NULL, opt, "/tmp/x"), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_save(net, NULL, "/tmp/x"), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_save(net, opt, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load(NULL, &net_out, &opt_out), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load("/tmp/x", NULL, &opt_out), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load("/tmp/x", &net_out, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK(net_out == NET_UNTOUCHED && opt_out == OPT_UNTOUCHED);
    siren_net_free(net);
    siren_adam_free(opt);
}

static void test_save_buffer_size_query(void)
{
    siren_net *net;
    siren_adam *opt;
    tiny_pair(&net, &opt);
    size_t len = 0;
    unsigned char buf[200];
    memset(buf, 0xab, sizeof buf);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, NULL, sizeof buf, &len),
                 SIREN_ERR_TOO_LARGE);
    CHECK(len == 172);
    len = 0;
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, buf, 171, &len), SIREN_ERR_TOO_LARGE);
    CHECK(len == 172);
    for (size_t i = 0; i < sizeof buf; i++)
        CHECK(buf[i] == 0xab);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, buf, sizeof buf, &len), SIREN_OK);
    CHECK(len == 172 && memcmp(buf, golden_checkpoint, 172) == 0 && buf[172] == 0xab);
    siren_net_free(net);
    siren_adam_free(opt);
}

/* ------------------------------------------------------------ file errors */

static void test_file_errors(void)
{
    char dir[64], path[160];
    make_temp_dir(dir, "ckpt");
    siren_net *net;
    siren_adam *opt;
    tiny_pair(&net, &opt);
    join(path, sizeof path, dir, "missing/run.ckpt");
    CHECK_STATUS(siren_checkpoint_save(net, opt, path), SIREN_ERR_IO);
    siren_net *net_out = NET_UNTOUCHED;
    siren_adam *opt_out = OPT_UNTOUCHED;
    CHECK_STATUS(siren_checkpoint_load(path, &net_out, &opt_out), SIREN_ERR_IO);
    join(path, sizeof path, dir, "taken");
    CHECK(mkdir(path, 0755) == 0);
    CHECK_STATUS(siren_checkpoint_save(net, opt, path), SIREN_ERR_IO); /* rename fails */
    CHECK(count_names_containing(dir, ".tmp-") == 0);
    CHECK_STATUS(siren_checkpoint_load(path, &net_out, &opt_out), SIREN_ERR_IO);
    CHECK(net_out == NET_UNTOUCHED && opt_out == OPT_UNTOUCHED);
    join(path, sizeof path, dir, "model.siren");
    CHECK_STATUS(siren_net_save(net, path), SIREN_OK);
    CHECK_STATUS(siren_checkpoint_load(path, &net_out, &opt_out), SIREN_ERR_FORMAT);
    CHECK(net_out == NET_UNTOUCHED && opt_out == OPT_UNTOUCHED);
    siren_net_free(net);
    siren_adam_free(opt);
    remove_temp_dir(dir);
}

/* ------------------------------------------------ not regular files */

/* /dev/zero is refused by its first bytes, with nothing allocated: before
   the fix (issue 19) the loader read it up to the largest valid
   checkpoint, 26 GB, doubling its buffer. A checkpoint through a pipe
   loads, with a buffer at most twice its size. */
static void test_devices_and_pipes(void)
{
    watched_heap heap;
    siren_allocator alloc = watched_allocator(&heap, (size_t)1 << 20);
    siren_net *net_out = NET_UNTOUCHED;
    siren_adam *opt_out = OPT_UNTOUCHED;
    CHECK_STATUS(siren_checkpoint_load_with_allocator("/dev/zero", &alloc, &net_out, &opt_out),
                 SIREN_ERR_FORMAT);
    CHECK(heap.largest == 0);
    CHECK(net_out == NET_UNTOUCHED && opt_out == OPT_UNTOUCHED);

    siren_net *net = make_net(&(net_shape){2, 64, 2, 1, 30.0f, 30.0f, 1}, 5);
    siren_adam_config cfg = unusual_adam_config();
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    train(net, opt, 0, 2);
    size_t len = 0;
    unsigned char *file = save_to_buffer(net, opt, &len);
    CHECK(len > 65536);
    alloc = watched_allocator(&heap, SIZE_MAX);
    byte_pipe p;
    CHECK(open_pipe(&p, file, len) == 0);
    CHECK_STATUS(siren_checkpoint_load_with_allocator(p.path, &alloc, &net_out, &opt_out),
                 SIREN_OK);
    close_pipe(&p);
    CHECK(heap.largest <= 2 * len);
    if (net_out != NET_UNTOUCHED && opt_out != OPT_UNTOUCHED) {
        CHECK(same_net(net, net_out) && same_adam(opt, opt_out));
        siren_net_free(net_out);
        siren_adam_free(opt_out);
    }
    /* one byte short, and one byte too many */
    net_out = NET_UNTOUCHED;
    opt_out = OPT_UNTOUCHED;
    CHECK(open_pipe(&p, file, len - 1) == 0);
    CHECK_STATUS(siren_checkpoint_load_with_allocator(p.path, &alloc, &net_out, &opt_out),
                 SIREN_ERR_FORMAT);
    close_pipe(&p);
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, file, len);
    longer[len] = 0;
    CHECK(open_pipe(&p, longer, len + 1) == 0);
    CHECK_STATUS(siren_checkpoint_load_with_allocator(p.path, &alloc, &net_out, &opt_out),
                 SIREN_ERR_FORMAT);
    close_pipe(&p);
    CHECK(net_out == NET_UNTOUCHED && opt_out == OPT_UNTOUCHED);
    free(longer);
    free(file);
    siren_adam_free(opt);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_round_trip_buffer);
    RUN(test_resume_is_exact);
    RUN(test_golden_bytes);
    RUN(test_every_truncation);
    RUN(test_every_bit_flip);
    RUN(test_random_bit_flips_of_a_trained_checkpoint);
    RUN(test_garbage);
    RUN(test_invalid_optimiser_fields);
    RUN(test_versions);
    RUN(test_magics_are_distinct);
    RUN(test_optimiser_of_another_architecture);
    RUN(test_null_arguments);
    RUN(test_save_buffer_size_query);
    RUN(test_file_errors);
    RUN(test_devices_and_pipes);
    return check_summary();
}
