/* test_threads.c - results are bit-identical for every thread count, and
   one const network can be evaluated from many threads at once, while
   other threads train networks of their own. tests/scripts/tsan.sh runs this file
   under ThreadSanitizer; its threads come from src/threads_shim.h so that
   the TSan build can use POSIX threads (see that header for why). */
#define _POSIX_C_SOURCE 200809L /* setenv, unsetenv */
#include "check.h"
#include "nets.h"
#include "reference.h"
#include "threads_shim.h"
#include "internal.h" /* siren__set_segment_floats */

#define ALL_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)

/* The default architecture (siren_config_default) with this width and
   output count. */
static siren_net *default_net(uint32_t width, uint32_t out)
{
    return make_net(&(net_shape){2, width, 3, out, 30.0f, 30.0f, 1}, 17);
}

static float *random_floats(size_t count, unsigned long long seed)
{
    float *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)ref_uniform(&seed, -1, 1);
    return v;
}

/* Every output and, after a backward with every adjoint, every gradient,
   as one buffer for a given thread count. */
static float *run_with_threads(siren_net *net, size_t threads, size_t n, const float *x,
                               const float *adj, size_t *length)
{
    size_t out = 2, dims = 2, params = siren_net_param_count(net);
    size_t per_point = out * (2 + 2 * dims);
    float *result = malloc((n * per_point * 2 + params) * sizeof *result);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, ALL_QUANTITIES, &ws), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_threads(ws, threads), SIREN_OK);
    CHECK(siren_workspace_threads(ws) == threads);
    float *r = result;
    siren_jet jet = {r, r + n * out, r + n * out * (1 + dims), r + n * out * (2 + dims)};
    CHECK_STATUS(siren_eval(net, ws, n, x, &jet), SIREN_OK);
    r += n * per_point;
    siren_jet taped = {r, r + n * out, r + n * out * (1 + dims), r + n * out * (2 + dims)};
    CHECK_STATUS(siren_forward(net, ws, n, x, &taped), SIREN_OK);
    siren_jet adjoint = {(float *)adj, (float *)adj + n * out, (float *)adj + n * out * (1 + dims),
                         (float *)adj + n * out * (2 + dims)};
    siren_net_zero_grad(net);
    CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
    memcpy(r + n * per_point, siren_net_grads(net), params * sizeof(float));
    *length = n * per_point * 2 + params;
    siren_workspace_free(ws);
    return result;
}

/* A runner: every output and gradient of one call, as one buffer. */
typedef float *run_fn(siren_net *net, size_t threads, size_t n, const float *x,
                      const float *adj, size_t *length);

/* The buffer of each thread count in counts is the buffer of 1 thread,
   bit for bit. */
static void check_thread_counts(run_fn *run, siren_net *net, size_t n, const float *x,
                                const float *adj, const size_t *counts, size_t count_len)
{
    size_t length = 0, other_length = 0;
    float *one = run(net, 1, n, x, adj, &length);
    for (size_t i = 0; i < count_len; i++) {
        float *many = run(net, counts[i], n, x, adj, &other_length);
        CHECK(other_length == length);
        if (memcmp(one, many, length * sizeof(float)) != 0)
            printf("  %zu threads differ from 1 thread\n", counts[i]);
        CHECK(memcmp(one, many, length * sizeof(float)) == 0);
        free(many);
    }
    free(one);
}

static void test_bit_identical_for_any_thread_count(void)
{
    siren_net *net = default_net(64, 2);
    const size_t n = 300;
    float *x = random_floats(n * 2, 1), *adj = random_floats(n * 2 * 6, 2);
    size_t counts[4] = {2, 3, 4, 7};
    check_thread_counts(run_with_threads, net, n, x, adj, counts, 4);
    free(x);
    free(adj);
    siren_net_free(net);
}

/* The value and gradient of a one-output network, by reverse mode
   (src/gradient_reverse.c), and the parameter gradient of a loss on them,
   as one buffer for a given thread count. */
static float *reverse_gradient_with_threads(siren_net *net, size_t threads, size_t n,
                                            const float *x, const float *adj, size_t *length)
{
    size_t dims = 2, params = siren_net_param_count(net);
    *length = n * (1 + dims) + params;
    float *result = malloc(*length * sizeof *result);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_threads(ws, threads), SIREN_OK);
    siren_jet taped = {result, result + n, NULL, NULL};
    CHECK_STATUS(siren_forward(net, ws, n, x, &taped), SIREN_OK);
    siren_jet adjoint = {(float *)adj, (float *)adj + n, NULL, NULL};
    siren_net_zero_grad(net);
    CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
    memcpy(result + n * (1 + dims), siren_net_grads(net), params * sizeof(float));
    siren_workspace_free(ws);
    return result;
}

static void test_reverse_gradient_bit_identical(void)
{
    siren_net *net = default_net(64, 1);
    const size_t n = 300;
    float *x = random_floats(n * 2, 3), *adj = random_floats(n * 3, 4);
    size_t counts[3] = {2, 3, 7};
    check_thread_counts(reverse_gradient_with_threads, net, n, x, adj, counts, 3);
    free(x);
    free(adj);
    siren_net_free(net);
}

/* Calls of a few points take the small-batch path (src/small_batch.c) on
   the calling thread: the same bits for any thread count, too. */
static void test_small_batches_bit_identical(void)
{
    siren_net *pair = default_net(64, 2), *scalar = default_net(64, 1);
    float *x = random_floats(16 * 2, 7), *adj = random_floats(16 * 2 * 6, 8);
    size_t counts[2] = {2, 3}, sizes[3] = {1, 7, 16};
    for (size_t i = 0; i < 3; i++) {
        check_thread_counts(run_with_threads, pair, sizes[i], x, adj, counts, 2);
        check_thread_counts(reverse_gradient_with_threads, scalar, sizes[i], x, adj, counts, 2);
    }
    free(x);
    free(adj);
    siren_net_free(pair);
    siren_net_free(scalar);
}

/* Segments of 64 points (src/jet_layout.c, siren__segment_points), 300
   points in two instances: forward and backward give the same bits for
   any thread count, jets and reverse mode, and siren_eval (in its tiles)
   gives siren_forward's outputs bit for bit. */
static void test_segments_bit_identical(void)
{
    siren__set_segment_floats(1);
    siren_net *pair = default_net(64, 2), *scalar = default_net(64, 1);
    float *x = random_floats(300 * 2, 9), *adj = random_floats(300 * 2 * 6, 10);
    size_t counts[2] = {2, 3};
    check_thread_counts(run_with_threads, pair, 300, x, adj, counts, 2);
    check_thread_counts(reverse_gradient_with_threads, scalar, 300, x, adj, counts, 2);
    size_t count = siren_net_param_count(pair), n = 150;
    float *params = malloc(2 * count * sizeof *params), out[2][2][300 * 2 * 2];
    memcpy(params, siren_net_params(pair), count * sizeof *params);
    for (size_t k = 0; k < count; k++)
        params[count + k] = params[k] * 0.9f;
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(pair, 300, ALL_QUANTITIES, &ws), SIREN_OK);
    for (int taped = 0; taped < 2; taped++) {
        siren_jet jet = {out[taped][0], out[taped][1], NULL, NULL};
        CHECK_STATUS(taped ? siren_forward_instances(pair, ws, 2, params, n, x, &jet)
                           : siren_eval_instances(pair, ws, 2, params, n, x, &jet),
                     SIREN_OK);
    }
    CHECK(memcmp(out[0][0], out[1][0], 2 * n * 2 * sizeof(float)) == 0);
    CHECK(memcmp(out[0][1], out[1][1], 2 * n * 2 * 2 * sizeof(float)) == 0);
    siren_workspace_free(ws);
    siren__set_segment_floats(0);
    free(params);
    free(x);
    free(adj);
    siren_net_free(pair);
    siren_net_free(scalar);
}

/* The four outputs of siren_eval (or siren_forward) of the first n points
   on ws with the given threads, into fresh buffers. */
static void eval_outputs(siren_net *net, siren_workspace *ws, size_t threads, size_t n,
                         const float *x, bool taped, float *got[4])
{
    siren_config cfg;
    siren_net_config(net, &cfg);
    size_t values = n * cfg.out_features, derivs = values * cfg.in_features;
    size_t sizes[4] = {values, derivs, values, derivs};
    for (size_t q = 0; q < 4; q++)
        got[q] = malloc(sizes[q] * sizeof(float));
    siren_jet out = {got[0], got[1], got[2], got[3]};
    CHECK_STATUS(siren_workspace_set_threads(ws, threads), SIREN_OK);
    if (taped)
        CHECK_STATUS(siren_forward(net, ws, n, x, &out), SIREN_OK);
    else
        CHECK_STATUS(siren_eval(net, ws, n, x, &out), SIREN_OK);
}

/* got's outputs of the first n points equal want's (bit for bit). */
static void check_same_outputs(const siren_config *cfg, size_t n, float *const want[4],
                               float *const got[4])
{
    size_t values = n * cfg->out_features, derivs = values * cfg->in_features;
    size_t sizes[4] = {values, derivs, values, derivs};
    for (size_t q = 0; q < 4; q++)
        CHECK(memcmp(want[q], got[q], sizes[q] * sizeof(float)) == 0);
}

static void free_outputs(float *got[4])
{
    for (size_t q = 0; q < 4; q++)
        free(got[q]);
}

static siren_net *make_tile_test_net(size_t i)
{
    const net_shape shapes[] = {{3, 64, 3, 2, 30.0f, 30.0f, 1}, {2, 48, 2, 1, 20.0f, 30.0f, 0}};
    return make_net(&shapes[i], 21 + i);
}

/* siren_eval runs each thread's points in tiles (src/jet_eval.c: about
   1 MiB of jets, here 576 points for 7 channels x 64 wide), siren_forward
   in one pass; with several tiles per thread and a ragged last one, every
   quantity agrees bit for bit between the two and between thread counts
   (with the library's kernels: a BLAS build, which this file is not run
   in, may round products of other widths differently). So does an
   eval-only workspace, whose threads keep their tiles in regions of their
   own, grown when the thread count grows, also for a call of fewer points
   than it was made for. The second network's last sine layer takes its
   bias in the sine's pass. */
static void test_eval_in_tiles_equals_forward(void)
{
    const size_t n = 3001, few = 70;
    for (size_t i = 0; i < 2; i++) {
        siren_net *net = make_tile_test_net(i);
        siren_config cfg;
        siren_net_config(net, &cfg);
        float *x = random_floats(n * cfg.in_features, 22 + i);
        float *taped[4], *got[4];
        siren_workspace *ws = NULL, *eval_ws = NULL;
        CHECK_STATUS(siren_workspace_create(net, n, ALL_QUANTITIES, &ws), SIREN_OK);
        CHECK_STATUS(siren_workspace_create(net, n, ALL_QUANTITIES | SIREN_EVAL_ONLY, &eval_ws),
                     SIREN_OK);
        eval_outputs(net, ws, 2, n, x, true, taped);
        const struct { siren_workspace *ws; size_t threads, n; } runs[] = {
            {ws, 1, n}, {ws, 3, n}, {eval_ws, 1, n}, {eval_ws, 3, n}, {eval_ws, 2, n},
            {eval_ws, 3, few}, {eval_ws, 1, few}};
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            eval_outputs(net, runs[r].ws, runs[r].threads, runs[r].n, x, false, got);
            check_same_outputs(&cfg, runs[r].n, taped, got);
            free_outputs(got);
        }
        free_outputs(taped);
        siren_workspace_free(ws);
        siren_workspace_free(eval_ws);
        siren_net_free(net);
        free(x);
    }
}

/* A one-output network's value and gradient: siren_eval takes them by
   reverse mode in tiles (src/eval_reverse.c), siren_forward by reverse
   mode over all points (src/gradient_reverse.c); the same bits, for
   workspaces with and without a tape, several tiles per thread and a
   ragged last one (512 points a tile here), 1 to 3 threads, instances,
   two and three inputs, linear and sine last layers. */
static void test_eval_reverse_gradient_equals_forward(void)
{
    const net_shape shapes[] = {{2, 64, 3, 1, 30.0f, 30.0f, 1}, {3, 48, 2, 1, 30.0f, 30.0f, 0}};
    const size_t n = 3001;
    for (size_t i = 0; i < 2; i++) {
        siren_net *net = make_net(&shapes[i], 31 + i);
        size_t dims = shapes[i].dims, count = siren_net_param_count(net);
        float *x = random_floats(2 * n * dims, 32 + i);
        float *params = malloc(2 * count * sizeof *params);
        memcpy(params, siren_net_params(net), count * sizeof *params);
        for (size_t k = 0; k < count; k++)
            params[count + k] = params[k] * 0.9f;
        float *want = malloc(2 * n * (1 + dims) * sizeof *want);
        float *got = malloc(2 * n * (1 + dims) * sizeof *got);
        siren_jet want_jet = {want, want + 2 * n, NULL, NULL};
        siren_jet got_jet = {got, got + 2 * n, NULL, NULL};
        unsigned what = SIREN_VALUE | SIREN_GRADIENT;
        siren_workspace *ws = NULL, *eval_ws = NULL;
        CHECK_STATUS(siren_workspace_create(net, 2 * n, what, &ws), SIREN_OK);
        CHECK_STATUS(siren_workspace_create(net, 2 * n, what | SIREN_EVAL_ONLY, &eval_ws),
                     SIREN_OK);
        CHECK_STATUS(siren_forward_instances(net, ws, 2, params, n, x, &want_jet), SIREN_OK);
        const struct { siren_workspace *ws; size_t threads; } runs[] = {
            {ws, 1}, {ws, 3}, {eval_ws, 2}, {eval_ws, 3}, {eval_ws, 1}};
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            memset(got, 0xff, 2 * n * (1 + dims) * sizeof *got);
            CHECK_STATUS(siren_workspace_set_threads(runs[r].ws, runs[r].threads), SIREN_OK);
            CHECK_STATUS(siren_eval_instances(net, runs[r].ws, 2, params, n, x, &got_jet),
                         SIREN_OK);
            CHECK(memcmp(want, got, 2 * n * (1 + dims) * sizeof *got) == 0);
        }
        free(want);
        free(got);
        free(params);
        free(x);
        siren_workspace_free(ws);
        siren_workspace_free(eval_ws);
        siren_net_free(net);
    }
}

/* Deep enough for the weight gradients to be cut into several slabs that
   the threads share (src/weight_gradient.c): jets and reverse mode. */
static void test_slabs_bit_identical(void)
{
    const size_t n = 9000;
    size_t counts[2] = {2, 3};
    siren_net *scalar = default_net(16, 1), *pair = default_net(16, 2);
    float *x = random_floats(n * 2, 5), *adj = random_floats(n * 2 * 6, 6);
    check_thread_counts(reverse_gradient_with_threads, scalar, n, x, adj, counts, 2);
    check_thread_counts(run_with_threads, pair, n, x, adj, counts, 2);
    free(x);
    free(adj);
    siren_net_free(scalar);
    siren_net_free(pair);
}

static void test_set_threads_rejects_bad_counts(void)
{
    siren_net *net = default_net(8, 1);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE, &ws), SIREN_OK);
    CHECK(siren_workspace_threads(ws) >= 1);
    CHECK_STATUS(siren_workspace_set_threads(ws, 0), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_set_threads(ws, 100000), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_set_threads(NULL, 2), SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_workspace_threads(NULL) == 0);
    CHECK_STATUS(siren_workspace_set_threads(ws, 3), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_threads(ws, 1), SIREN_OK);
    CHECK(siren_workspace_threads(ws) == 1);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* Several threads evaluate one const net, each with its own workspace
   (itself using 2 threads), and must all match a single-threaded run. */
typedef struct eval_thread {
    const siren_net *net;
    const float *x;
    size_t n;
    float *value;
    int status;
} eval_thread;

/* Each round changes the workspace's thread count (1, 2, 3), so pools are
   made and torn down while other threads read the same net. */
static SIREN_THREAD_RESULT eval_in_thread(void *arg)
{
    eval_thread *t = arg;
    siren_workspace *ws = NULL;
    t->status = siren_workspace_create(t->net, t->n, SIREN_VALUE | SIREN_LAPLACIAN, &ws);
    for (int round = 0; t->status == SIREN_OK && round < 6; round++) {
        t->status = siren_workspace_set_threads(ws, 1 + (size_t)round % 3);
        siren_jet jet = {t->value, NULL, t->value + t->n, NULL};
        if (t->status == SIREN_OK)
            t->status = siren_eval(t->net, ws, t->n, t->x, &jet);
    }
    siren_workspace_free(ws);
    return SIREN_THREAD_DONE;
}

static void test_concurrent_evaluation_of_one_net(void)
{
    siren_net *net = default_net(32, 1);
    const size_t n = 200;
    float *x = random_floats(n * 2, 3);
    float want[400];
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE | SIREN_LAPLACIAN, &ws), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_threads(ws, 1), SIREN_OK);
    siren_jet jet = {want, NULL, want + n, NULL};
    CHECK_STATUS(siren_eval(net, ws, n, x, &jet), SIREN_OK);
    enum { THREADS = 4 };
    siren_thread threads[THREADS];
    eval_thread jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (eval_thread){net, x, n, malloc(2 * n * sizeof(float)), -100};
        CHECK(siren__thread_start(&threads[i], eval_in_thread, &jobs[i]));
    }
    for (int i = 0; i < THREADS; i++) {
        siren__thread_join(threads[i]);
        CHECK_STATUS(jobs[i].status, SIREN_OK);
        CHECK(memcmp(jobs[i].value, want, sizeof want) == 0);
        free(jobs[i].value);
    }
    siren_workspace_free(ws);
    free(x);
    siren_net_free(net);
}

/* Training in several threads at once, each thread with its own net,
   workspace (of 2 threads) and optimiser, gives what training the same
   nets one after the other gives, bit for bit. */
typedef struct train_thread {
    siren_net *net;
    const float *x, *target;
    size_t n;
    int status;
} train_thread;

static SIREN_THREAD_RESULT train_in_thread(void *arg)
{
    train_thread *t = arg;
    siren_workspace *ws = NULL;
    siren_adam *opt = NULL;
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    cfg.lr = 1e-3f;
    float *value = malloc(t->n * sizeof(float));
    t->status = siren_workspace_create(t->net, t->n, SIREN_VALUE | SIREN_GRADIENT, &ws);
    if (t->status == SIREN_OK)
        t->status = siren_workspace_set_threads(ws, 2);
    if (t->status == SIREN_OK)
        t->status = siren_adam_create(t->net, &cfg, &opt);
    for (int step = 0; t->status == SIREN_OK && step < 4; step++) {
        siren_jet out = {value, NULL, NULL, NULL};
        siren_net_zero_grad(t->net);
        t->status = siren_forward(t->net, ws, t->n, t->x, &out);
        for (size_t i = 0; i < t->n; i++)
            value[i] = 2.0f * (value[i] - t->target[i]) / (float)t->n;
        siren_jet adjoint = {value, NULL, NULL, NULL};
        if (t->status == SIREN_OK)
            t->status = siren_backward(t->net, ws, &adjoint);
        if (t->status == SIREN_OK)
            t->status = siren_adam_step(opt, t->net);
    }
    siren_adam_free(opt);
    siren_workspace_free(ws);
    free(value);
    return SIREN_THREAD_DONE;
}

static void test_concurrent_training_of_separate_nets(void)
{
    enum { NETS = 3 };
    const size_t n = 100;
    float *x = random_floats(n * 2, 4), *target = random_floats(n, 5);
    siren_net *parallel[NETS], *serial[NETS];
    train_thread jobs[NETS];
    siren_thread threads[NETS];
    for (int i = 0; i < NETS; i++) {
        parallel[i] = default_net(24, 1);
        serial[i] = default_net(24, 1);
        jobs[i] = (train_thread){serial[i], x, target, n, -100};
        train_in_thread(&jobs[i]);
        CHECK_STATUS(jobs[i].status, SIREN_OK);
        jobs[i] = (train_thread){parallel[i], x, target, n, -100};
        CHECK(siren__thread_start(&threads[i], train_in_thread, &jobs[i]));
    }
    for (int i = 0; i < NETS; i++) {
        siren__thread_join(threads[i]);
        CHECK_STATUS(jobs[i].status, SIREN_OK);
        size_t count = siren_net_param_count(serial[i]);
        CHECK(memcmp(siren_net_params(parallel[i]), siren_net_params(serial[i]),
                     count * sizeof(float)) == 0);
        siren_net_free(parallel[i]);
        siren_net_free(serial[i]);
    }
    free(x);
    free(target);
}

static size_t threads_of_a_new_workspace(const siren_net *net)
{
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 16, SIREN_VALUE, &ws), SIREN_OK);
    size_t threads = ws ? siren_workspace_threads(ws) : 0;
    siren_workspace_free(ws);
    return threads;
}

/* SIREN_NUM_THREADS counts only when it is digits: "-1" (which strtoul
   would wrap to the largest count), " 2", "2x", "0" and "" mean the
   number of CPUs, as no setting does. */
static void test_num_threads_environment(void)
{
    siren_net *net = make_net(&(net_shape){2, 8, 1, 1, 30.0f, 30.0f, 1}, 5);
    const char *saved = getenv("SIREN_NUM_THREADS");
    char *kept = saved ? strdup(saved) : NULL;
    unsetenv("SIREN_NUM_THREADS");
    size_t cpus = threads_of_a_new_workspace(net);
    CHECK(cpus >= 1);
    const struct { const char *value; size_t threads; } cases[] = {
        {"3", 3}, {"1", 1}, {"-1", cpus}, {" 2", cpus}, {"2x", cpus}, {"0", cpus}, {"", cpus}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        setenv("SIREN_NUM_THREADS", cases[i].value, 1);
        size_t threads = threads_of_a_new_workspace(net);
        if (threads != cases[i].threads)
            printf("  SIREN_NUM_THREADS='%s': %zu threads, expected %zu\n", cases[i].value,
                   threads, cases[i].threads);
        CHECK(threads == cases[i].threads);
    }
    if (kept)
        setenv("SIREN_NUM_THREADS", kept, 1);
    else
        unsetenv("SIREN_NUM_THREADS");
    free(kept);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_bit_identical_for_any_thread_count);
    RUN(test_reverse_gradient_bit_identical);
    RUN(test_slabs_bit_identical);
    RUN(test_small_batches_bit_identical);
    RUN(test_segments_bit_identical);
    RUN(test_eval_in_tiles_equals_forward);
    RUN(test_eval_reverse_gradient_equals_forward);
    RUN(test_set_threads_rejects_bad_counts);
    RUN(test_num_threads_environment);
    RUN(test_concurrent_evaluation_of_one_net);
    RUN(test_concurrent_training_of_separate_nets);
    return check_summary();
}
