/* test_alloc_failures.c - out-of-memory at every allocation (the SQLite
   way): for k = 1, 2, ... the k-th allocation of an operation fails, until
   the operation succeeds. Each failed attempt must return OUT_OF_MEMORY,
   give back every block it took (the allocator counts them; the sanitizer
   build adds LeakSanitizer) and leave the objects it was given usable and
   bit-identical. Operations: net create, workspace create (with a pool of
   2 threads), set_threads, model load (buffer and path), model save, Adam
   create, checkpoint save (buffer and path) and load (buffer and path). */
#define _POSIX_C_SOURCE 200809L /* setenv, mkdtemp, opendir */
#include "check.h"
#include "internal.h"

#include <dirent.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

/* ------------------------------------------------ the counting allocator */

/* Each block starts with a header that proves it came from this
   allocator and is freed once: free checks and clears the tag. */
typedef struct block_header {
    alignas(max_align_t) unsigned long long tag;
    size_t size;
} block_header;
enum { LIVE_TAG = 0x5152454e, FREED_TAG = 0x46524545 };

typedef struct counter {
    size_t calls;       /* allocations attempted */
    size_t fail_at;     /* the call number that returns NULL; 0: none */
    size_t live;        /* blocks not yet freed */
    size_t live_bytes;  /* their bytes */
    size_t bad_frees;   /* frees of blocks that are not live blocks of ours */
} counter;

static void *counting_alloc(void *user, size_t size)
{
    counter *c = user;
    c->calls++;
    if (c->calls == c->fail_at)
        return NULL;
    block_header *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->tag = LIVE_TAG;
    h->size = size;
    c->live++;
    c->live_bytes += size;
    return h + 1;
}

static void counting_free(void *user, void *ptr)
{
    counter *c = user;
    block_header *h = (block_header *)ptr - 1;
    if (!ptr || h->tag != LIVE_TAG) {
        c->bad_frees++;
        return;
    }
    h->tag = FREED_TAG;
    c->live--;
    c->live_bytes -= h->size;
    free(h);
}

static siren_allocator allocator_of(counter *c)
{
    siren_allocator a = {counting_alloc, counting_free, c};
    return a;
}

/* Makes allocation number k (1-based) from now fail; 0: none fails. */
static void fail_in(counter *c, size_t k)
{
    c->fail_at = k ? c->calls + k : 0;
}

/* ---------------------------------------------------------------- driver */

/* One attempt of an operation. It returns the operation's status; on
   success it checks and frees what it made, so that afterwards only the
   blocks that existed before remain. */
typedef int (*attempt_fn)(void *ctx);

typedef struct run_result {
    size_t failures;    /* attempts that returned OUT_OF_MEMORY */
    int final_status;
} run_result;

/* Runs attempt with allocation k failing for k = 1, 2, ... until it
   succeeds. After each failure, check_unchanged(ctx) must hold. */
static run_result fail_each_allocation(counter *c, attempt_fn attempt,
                                       bool (*check_unchanged)(void *ctx), void *ctx)
{
    run_result r = {0, SIREN_ERR_OUT_OF_MEMORY};
    size_t live_before = c->live;
    for (size_t k = 1; k < 10000 && r.final_status == SIREN_ERR_OUT_OF_MEMORY; k++) {
        fail_in(c, k);
        size_t calls_before = c->calls;
        r.final_status = attempt(ctx);
        fail_in(c, 0);
        if (r.final_status == SIREN_ERR_OUT_OF_MEMORY) {
            r.failures++;
            /* The failing call was really made: k-1 calls succeeded before it. */
            CHECK(c->calls - calls_before >= k);
            CHECK(check_unchanged == NULL || check_unchanged(ctx));
        }
        CHECK(c->live == live_before);
        CHECK(c->bad_frees == 0);
    }
    CHECK_STATUS(r.final_status, SIREN_OK);
    return r;
}

/* --------------------------------------------------------------- fixtures */

static siren_config tiny_config(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 3;
    cfg.out_features = 2;
    cfg.hidden_features = 12;
    cfg.hidden_layers = 2;
    return cfg;
}

enum { POINTS = 5 };

static const float points[POINTS * 3] = {0.1f,  -0.2f, 0.3f,  0.5f,  0.5f,  -0.5f, -0.9f, 0.0f,
                                         0.25f, 0.7f,  -0.3f, -0.1f, 0.0f,  0.0f,  1.0f};

/* The values and gradients at `points`, with a fresh workspace. */
static int evaluate(const siren_net *net, float *out)
{
    siren_workspace *ws = NULL;
    int status = siren_workspace_create(net, POINTS, SIREN_VALUE | SIREN_GRADIENT, &ws);
    if (status != SIREN_OK)
        return status;
    siren_jet jet = {out, out + POINTS * 2, NULL, NULL};
    status = siren_eval(net, ws, POINTS, points, &jet);
    siren_workspace_free(ws);
    return status;
}

enum { EVAL_FLOATS = POINTS * 2 * 4 };

/* A net with the counting allocator, initialised, plus copies of its
   parameters and of its outputs, to prove later that it is unchanged. */
typedef struct fixture {
    counter c;
    siren_allocator alloc;
    siren_net *net;
    siren_adam *opt;
    float *params_copy;
    float outputs[EVAL_FLOATS];
    char dir[64];
    char path[96];
    unsigned char *file;    /* the bytes the objects save to */
    size_t file_len;
    unsigned char *disk;    /* what the file at path must keep holding */
    size_t disk_len;
} fixture;

static void fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->alloc = allocator_of(&f->c);
    siren_config cfg = tiny_config();
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &f->alloc, &f->net), SIREN_OK);
    CHECK_STATUS(siren_net_init(f->net, 5), SIREN_OK);
    size_t n = siren_net_param_count(f->net);
    f->params_copy = malloc(n * sizeof(float));
    memcpy(f->params_copy, siren_net_params(f->net), n * sizeof(float));
    CHECK_STATUS(evaluate(f->net, f->outputs), SIREN_OK);
    strcpy(f->dir, "/tmp/siren-test-oom-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->path, sizeof f->path, "%s/file", f->dir);
}

static size_t files_in(const char *dir)
{
    size_t count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            count++;
    closedir(d);
    return count;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    unsigned char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, fp);
    fclose(fp);
    return buf;
}

static void fixture_close(fixture *f)
{
    siren_adam_free(f->opt);
    siren_net_free(f->net);
    CHECK(f->c.live == 0);
    CHECK(f->c.bad_frees == 0);
    free(f->params_copy);
    free(f->file);
    free(f->disk);
    remove(f->path);
    CHECK(files_in(f->dir) == 0);
    rmdir(f->dir);
}

/* The fixture's net holds the same parameters and computes the same
   outputs as when it was made (which also proves it still works). */
static bool net_unchanged(void *ctx)
{
    fixture *f = ctx;
    size_t n = siren_net_param_count(f->net);
    float now[EVAL_FLOATS];
    return memcmp(siren_net_params(f->net), f->params_copy, n * sizeof(float)) == 0 &&
           evaluate(f->net, now) == SIREN_OK && memcmp(now, f->outputs, sizeof now) == 0;
}

/* The net is unchanged, the file at path holds what it held, and no
   temporary file was left beside it. */
static bool net_and_file_unchanged(void *ctx)
{
    fixture *f = ctx;
    size_t len = 0;
    unsigned char *now = read_whole(f->path, &len);
    bool same_file = now && len == f->disk_len && memcmp(now, f->disk, len) == 0;
    free(now);
    return net_unchanged(ctx) && same_file && files_in(f->dir) == 1;
}

/* ----------------------------------------------------------------- tests */

static int attempt_net_create(void *ctx)
{
    fixture *f = ctx;
    siren_config cfg = tiny_config();
    siren_net *net = (siren_net *)(void *)f; /* must stay untouched on failure */
    int status = siren_net_create_with_allocator(&cfg, &f->alloc, &net);
    if (status != SIREN_OK) {
        CHECK(net == (siren_net *)(void *)f);
        return status;
    }
    CHECK(siren_net_params(net)[0] == 0.0f);
    siren_net_free(net);
    return status;
}

static void test_net_create(void)
{
    fixture f;
    fixture_open(&f);
    run_result r = fail_each_allocation(&f.c, attempt_net_create, net_unchanged, &f);
    CHECK(r.failures >= 4); /* the struct, the layers, params, grads */
    fixture_close(&f);
}

static int attempt_workspace_create(void *ctx)
{
    fixture *f = ctx;
    siren_workspace *ws = (siren_workspace *)(void *)f;
    int status = siren_workspace_create(f->net, 64, SIREN_VALUE | SIREN_LAPLACIAN, &ws);
    if (status != SIREN_OK) {
        CHECK(ws == (siren_workspace *)(void *)f);
        return status;
    }
    CHECK(siren_workspace_threads(ws) == 2); /* SIREN_NUM_THREADS, set by main */
    float value[POINTS * 2], laplacian[POINTS * 2];
    siren_jet jet = {value, NULL, laplacian, NULL};
    CHECK_STATUS(siren_eval(f->net, ws, POINTS, points, &jet), SIREN_OK);
    CHECK(memcmp(value, f->outputs, sizeof value) == 0);
    siren_workspace_free(ws);
    return status;
}

static void test_workspace_create_with_thread_pool(void)
{
    fixture f;
    fixture_open(&f);
    run_result r = fail_each_allocation(&f.c, attempt_workspace_create, net_unchanged, &f);
    /* The workspace's buffers and tape, and the pool's three blocks. */
    CHECK(r.failures >= 10);
    fixture_close(&f);
}

typedef struct threads_ctx {
    fixture *f;
    siren_workspace *ws;
} threads_ctx;

static int attempt_set_threads(void *ctx)
{
    threads_ctx *t = ctx;
    int status = siren_workspace_set_threads(t->ws, 3);
    if (status == SIREN_OK) {
        fail_in(&t->f->c, 0);
        CHECK(siren_workspace_threads(t->ws) == 3);
        CHECK_STATUS(siren_workspace_set_threads(t->ws, 2), SIREN_OK);
    }
    return status;
}

/* A failed set_threads keeps the previous pool, which still works. */
static bool workspace_still_works(void *ctx)
{
    threads_ctx *t = ctx;
    float value[POINTS * 2], gradient[POINTS * 6];
    siren_jet jet = {value, gradient, NULL, NULL};
    return siren_workspace_threads(t->ws) == 2 &&
           siren_eval(t->f->net, t->ws, POINTS, points, &jet) == SIREN_OK &&
           memcmp(value, t->f->outputs, sizeof value) == 0 && net_unchanged(t->f);
}

/* For a workspace with a tape and for an eval-only one, whose tile
   buffers grow with the thread count. */
static void test_set_threads(void)
{
    const unsigned whats[] = {SIREN_VALUE | SIREN_GRADIENT,
                              SIREN_VALUE | SIREN_GRADIENT | SIREN_EVAL_ONLY};
    const size_t least_failures[] = {3, 5}; /* + the tile buffers (2) */
    for (size_t w = 0; w < 2; w++) {
        fixture f;
        fixture_open(&f);
        threads_ctx t = {&f, NULL};
        CHECK_STATUS(siren_workspace_create(f.net, POINTS, whats[w], &t.ws), SIREN_OK);
        CHECK(siren_workspace_threads(t.ws) == 2);
        run_result r = fail_each_allocation(&f.c, attempt_set_threads, workspace_still_works, &t);
        CHECK(r.failures >= least_failures[w]);
        siren_workspace_free(t.ws);
        fixture_close(&f);
    }
}

/* An eval-only workspace holds only its threads' tiles (about 2 MiB per
   thread, src/jet_eval.c), not jets for max_points points: for a million
   points of a 256-wide network's Laplacian (8 GiB of jets in two
   buffers) it takes a few MiB, as siren_workspace_bytes says, and works. */
static void test_eval_only_workspace_is_small(void)
{
    counter c = {0, 0, 0, 0, 0};
    siren_allocator alloc = allocator_of(&c);
    siren_config cfg;
    siren_config_default(&cfg);
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &alloc, &net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 3), SIREN_OK);
    size_t net_bytes = c.live_bytes, max_points = 1000000, bytes = 0;
    unsigned what = SIREN_VALUE | SIREN_LAPLACIAN | SIREN_EVAL_ONLY;
    CHECK_STATUS(siren_workspace_bytes(net, max_points, what, &bytes), SIREN_OK);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, max_points, what, &ws), SIREN_OK);
    size_t ws_bytes = c.live_bytes - net_bytes;
    CHECK(ws_bytes < 16u << 20);
    CHECK(bytes <= ws_bytes && ws_bytes - bytes < 4096); /* and the pool's blocks */
    float x[2 * 300], value[300], laplacian[300];
    for (size_t i = 0; i < 600; i++)
        x[i] = (float)i / 300.0f - 1.0f;
    siren_jet jet = {value, NULL, laplacian, NULL};
    CHECK_STATUS(siren_eval(net, ws, 300, x, &jet), SIREN_OK);
    CHECK(isfinite(value[299]) && isfinite(laplacian[299]));
    siren_workspace_free(ws);
    siren_net_free(net);
    CHECK(c.live == 0 && c.bad_frees == 0);
}

static int attempt_adam_create(void *ctx)
{
    fixture *f = ctx;
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    siren_adam *opt = (siren_adam *)(void *)f;
    int status = siren_adam_create(f->net, &cfg, &opt);
    if (status != SIREN_OK) {
        CHECK(opt == (siren_adam *)(void *)f);
        return status;
    }
    CHECK(siren_adam_step_count(opt) == 0);
    siren_adam_free(opt);
    return status;
}

static void test_adam_create(void)
{
    fixture f;
    fixture_open(&f);
    run_result r = fail_each_allocation(&f.c, attempt_adam_create, net_unchanged, &f);
    CHECK(r.failures >= 3);
    fixture_close(&f);
}

/* ----------------------------------------------------- model files */

static unsigned char *model_bytes(const siren_net *net, size_t *len)
{
    CHECK_STATUS(siren_net_save_buffer(net, NULL, 0, len), SIREN_ERR_TOO_LARGE);
    unsigned char *buf = malloc(*len);
    CHECK_STATUS(siren_net_save_buffer(net, buf, *len, len), SIREN_OK);
    return buf;
}

static bool same_params_as_fixture(const fixture *f, siren_net *net)
{
    size_t n = siren_net_param_count(f->net);
    return siren_net_param_count(net) == n &&
           memcmp(siren_net_params(net), f->params_copy, n * sizeof(float)) == 0;
}

static int attempt_load_buffer(void *ctx)
{
    fixture *f = ctx;
    siren_net *net = (siren_net *)(void *)f;
    int status = siren_net_load_buffer_with_allocator(f->file, f->file_len, &f->alloc, &net);
    if (status != SIREN_OK) {
        CHECK(net == (siren_net *)(void *)f);
        return status;
    }
    CHECK(same_params_as_fixture(f, net));
    siren_net_free(net);
    return status;
}

static int attempt_load_path(void *ctx)
{
    fixture *f = ctx;
    siren_net *net = (siren_net *)(void *)f;
    int status = siren_net_load_with_allocator(f->path, &f->alloc, &net);
    if (status != SIREN_OK) {
        CHECK(net == (siren_net *)(void *)f);
        return status;
    }
    CHECK(same_params_as_fixture(f, net));
    siren_net_free(net);
    return status;
}

static void test_model_load(void)
{
    fixture f;
    fixture_open(&f);
    f.file = model_bytes(f.net, &f.file_len);
    run_result r = fail_each_allocation(&f.c, attempt_load_buffer, net_unchanged, &f);
    CHECK(r.failures >= 4);
    CHECK_STATUS(siren_net_save(f.net, f.path), SIREN_OK);
    f.disk = read_whole(f.path, &f.disk_len);
    r = fail_each_allocation(&f.c, attempt_load_path, net_and_file_unchanged, &f);
    CHECK(r.failures >= 5); /* the file's bytes, then as from a buffer */
    fixture_close(&f);
}

static int attempt_save_path(void *ctx)
{
    fixture *f = ctx;
    return siren_net_save(f->net, f->path);
}

/* The file at path is first an older save (other parameters): a failed
   save must leave it as it was; the successful one replaces it. */
static void test_model_save(void)
{
    fixture f;
    fixture_open(&f);
    siren_config cfg = tiny_config();
    siren_net *older = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &older), SIREN_OK);
    CHECK_STATUS(siren_net_init(older, 99), SIREN_OK);
    CHECK_STATUS(siren_net_save(older, f.path), SIREN_OK);
    siren_net_free(older);
    f.disk = read_whole(f.path, &f.disk_len);
    run_result r = fail_each_allocation(&f.c, attempt_save_path, net_and_file_unchanged, &f);
    CHECK(r.failures >= 2); /* the buffer, the temporary name */
    siren_net *loaded = NULL;
    CHECK_STATUS(siren_net_load(f.path, &loaded), SIREN_OK);
    CHECK(loaded && same_params_as_fixture(&f, loaded));
    siren_net_free(loaded);
    fixture_close(&f);
}

/* ----------------------------------------------------- checkpoints */

static void add_optimiser(fixture *f)
{
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    cfg.lr = 1e-3f;
    CHECK_STATUS(siren_adam_create(f->net, &cfg, &f->opt), SIREN_OK);
    /* Two steps, so the moments and the step count are not trivial; the
       fixture's copies are then taken again. */
    float *g = siren_net_grads(f->net);
    for (int step = 0; step < 2; step++) {
        for (size_t i = 0; i < siren_net_param_count(f->net); i++)
            g[i] = sinf((float)(i + 3 * (size_t)step));
        CHECK_STATUS(siren_adam_step(f->opt, f->net), SIREN_OK);
    }
    memcpy(f->params_copy, siren_net_params(f->net),
           siren_net_param_count(f->net) * sizeof(float));
    CHECK_STATUS(evaluate(f->net, f->outputs), SIREN_OK);
}

static unsigned char *checkpoint_bytes(const siren_net *net, const siren_adam *opt, size_t *len)
{
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, NULL, 0, len), SIREN_ERR_TOO_LARGE);
    unsigned char *buf = malloc(*len);
    CHECK_STATUS(siren_checkpoint_save_buffer(net, opt, buf, *len, len), SIREN_OK);
    return buf;
}

/* The loaded pair saves back to exactly the bytes it was loaded from. */
static void check_loaded_pair(fixture *f, siren_net *net, siren_adam *opt)
{
    size_t len = 0;
    unsigned char *again = checkpoint_bytes(net, opt, &len);
    CHECK(len == f->file_len && memcmp(again, f->file, len) == 0);
    free(again);
}

static int attempt_checkpoint_load_buffer(void *ctx)
{
    fixture *f = ctx;
    siren_net *net = (siren_net *)(void *)f;
    siren_adam *opt = (siren_adam *)(void *)f;
    int status = siren_checkpoint_load_buffer_with_allocator(f->file, f->file_len, &f->alloc,
                                                             &net, &opt);
    if (status != SIREN_OK) {
        CHECK(net == (siren_net *)(void *)f && opt == (siren_adam *)(void *)f);
        return status;
    }
    check_loaded_pair(f, net, opt);
    siren_adam_free(opt);
    siren_net_free(net);
    return status;
}

static int attempt_checkpoint_load_path(void *ctx)
{
    fixture *f = ctx;
    siren_net *net = (siren_net *)(void *)f;
    siren_adam *opt = (siren_adam *)(void *)f;
    int status = siren_checkpoint_load_with_allocator(f->path, &f->alloc, &net, &opt);
    if (status != SIREN_OK) {
        CHECK(net == (siren_net *)(void *)f && opt == (siren_adam *)(void *)f);
        return status;
    }
    check_loaded_pair(f, net, opt);
    siren_adam_free(opt);
    siren_net_free(net);
    return status;
}

static void test_checkpoint_load(void)
{
    fixture f;
    fixture_open(&f);
    add_optimiser(&f);
    f.file = checkpoint_bytes(f.net, f.opt, &f.file_len);
    run_result r = fail_each_allocation(&f.c, attempt_checkpoint_load_buffer, net_unchanged, &f);
    CHECK(r.failures >= 7); /* the net's four blocks, the optimiser's three */
    CHECK_STATUS(siren_checkpoint_save(f.net, f.opt, f.path), SIREN_OK);
    f.disk = read_whole(f.path, &f.disk_len);
    r = fail_each_allocation(&f.c, attempt_checkpoint_load_path, net_and_file_unchanged, &f);
    CHECK(r.failures >= 8);
    fixture_close(&f);
}

static int attempt_checkpoint_save_buffer(void *ctx)
{
    fixture *f = ctx;
    size_t len = 0;
    unsigned char *buf = malloc(f->file_len);
    int status = siren_checkpoint_save_buffer(f->net, f->opt, buf, f->file_len, &len);
    if (status == SIREN_OK)
        CHECK(len == f->file_len && memcmp(buf, f->file, len) == 0);
    free(buf);
    return status;
}

static int attempt_checkpoint_save_path(void *ctx)
{
    fixture *f = ctx;
    return siren_checkpoint_save(f->net, f->opt, f->path);
}

/* The optimiser, like the net, must come out of a failed save unchanged:
   its bytes in a checkpoint are compared with the ones saved before. */
static bool pair_and_file_unchanged(void *ctx)
{
    fixture *f = ctx;
    size_t len = 0;
    unsigned char *now = checkpoint_bytes(f->net, f->opt, &len);
    bool same_pair = len == f->file_len && memcmp(now, f->file, len) == 0;
    free(now);
    return same_pair && net_and_file_unchanged(ctx);
}

static void test_checkpoint_save(void)
{
    fixture f;
    fixture_open(&f);
    add_optimiser(&f);
    f.file = checkpoint_bytes(f.net, f.opt, &f.file_len);
    /* Into a caller's buffer nothing is allocated: the first try succeeds. */
    size_t calls = f.c.calls;
    run_result r = fail_each_allocation(&f.c, attempt_checkpoint_save_buffer, NULL, &f);
    CHECK(r.failures == 0 && f.c.calls == calls);
    /* To a path, over an older checkpoint that must survive each failure. */
    siren_net *older_net = NULL;
    siren_adam *older_opt = NULL;
    CHECK_STATUS(siren_checkpoint_load_buffer(f.file, f.file_len, &older_net, &older_opt),
                 SIREN_OK);
    siren_net_params(older_net)[0] += 1.0f;
    CHECK_STATUS(siren_checkpoint_save(older_net, older_opt, f.path), SIREN_OK);
    siren_adam_free(older_opt);
    siren_net_free(older_net);
    f.disk = read_whole(f.path, &f.disk_len);
    CHECK(f.disk_len == f.file_len && memcmp(f.disk, f.file, f.disk_len) != 0);
    r = fail_each_allocation(&f.c, attempt_checkpoint_save_path, pair_and_file_unchanged, &f);
    CHECK(r.failures >= 2);
    /* The successful save replaced the older checkpoint. */
    size_t len = 0;
    unsigned char *now = read_whole(f.path, &len);
    CHECK(len == f.file_len && memcmp(now, f.file, len) == 0);
    free(now);
    fixture_close(&f);
}

/* ------------------------------------------------------------ the hook */

static void test_allocator_is_per_object(void)
{
    counter a = {0, 0, 0, 0, 0}, b = {0, 0, 0, 0, 0};
    siren_allocator alloc_a = allocator_of(&a), alloc_b = allocator_of(&b);
    siren_config cfg = tiny_config();
    siren_net *net_a = NULL, *net_b = NULL, *plain = NULL;
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &alloc_a, &net_a), SIREN_OK);
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &alloc_b, &net_b), SIREN_OK);
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, NULL, &plain), SIREN_OK);
    size_t a_live = a.live, b_live = b.live;
    CHECK(a_live == 4 && b_live == 4);
    /* Workspaces and optimisers follow their net, and may outlive it. */
    siren_workspace *ws = NULL;
    siren_adam *opt = NULL;
    siren_adam_config acfg;
    siren_adam_config_default(&acfg);
    CHECK_STATUS(siren_workspace_create(net_b, 4, SIREN_VALUE, &ws), SIREN_OK);
    CHECK_STATUS(siren_adam_create(net_b, &acfg, &opt), SIREN_OK);
    CHECK(a.live == a_live && b.live > b_live);
    siren_net_free(net_b);
    float y[4 * 2];
    siren_jet jet = {y, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval(net_a, ws, 4, points, &jet), SIREN_OK);
    siren_workspace_free(ws);
    siren_adam_free(opt);
    CHECK(b.live == 0);
    siren_net_free(net_a);
    siren_net_free(plain);
    CHECK(a.live == 0 && a.bad_frees == 0 && b.bad_frees == 0);
}

static void test_allocator_must_be_complete(void)
{
    counter c = {0, 0, 0, 0, 0};
    siren_allocator half = {counting_alloc, NULL, &c};
    siren_allocator other_half = {NULL, counting_free, &c};
    siren_config cfg = tiny_config();
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    unsigned char byte = 0;
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &half, &net), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &other_half, &net),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load_buffer_with_allocator(&byte, 1, &half, &net),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_load_with_allocator("/nonexistent", &half, &net),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load_buffer_with_allocator(&byte, 1, &half, &net, &opt),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_checkpoint_load_with_allocator("/nonexistent", &half, &net, &opt),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK(net == NULL && opt == NULL && c.calls == 0);
    /* NULL is malloc and free. */
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, NULL, &net), SIREN_OK);
    siren_net_free(net);
}

int main(void)
{
    /* Workspaces get a pool of 2 threads by default: the pool's allocations
       are part of every workspace creation below. */
    setenv("SIREN_NUM_THREADS", "2", 1);
    RUN(test_net_create);
    RUN(test_workspace_create_with_thread_pool);
    RUN(test_set_threads);
    RUN(test_eval_only_workspace_is_small);
    RUN(test_adam_create);
    RUN(test_model_load);
    RUN(test_model_save);
    RUN(test_checkpoint_load);
    RUN(test_checkpoint_save);
    RUN(test_allocator_is_per_object);
    RUN(test_allocator_must_be_complete);
    return check_summary();
}
