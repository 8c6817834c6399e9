/* test_fold.c - the training step over slabs (examples/fit/fold.c) and the
   one-process side of examples/fit/distributed.c:
   - the gradient a step leaves is, bit for bit, ((0 + g_0) + g_1) + ...
     of the slabs' gradients each computed from zero, and the totals the
     slab-order sums of the values: what libsiren_mpi's reduction gives
     any number of ranks (tests/scripts/mpi.sh, tests/examples/mpirun.sh);
     the in-place loop (backward passes adding into the same gradients)
     gives other bits on this problem, so the check can tell;
   - a slab that fails stops the step before Adam: no parameter moves;
   - the slabs of a batch, and the launcher's environment as read;
   - alone, the agreements are the process's own status. */
#define _POSIX_C_SOURCE 200809L
#include "fit/distributed.h"
#include "fit/fold.h"

#include "check.h"

#include <stdint.h>
#include <stdlib.h>

/* Slabs of 2200 points: libsiren adds a slab's weight gradient in pieces
   above 2048 (src/weight_gradient.c), where in-place adding rounds
   differently from the fold. */
enum { POINTS = 7000, CHUNK = 2200 };

typedef struct problem {
    float x[POINTS * 2], t[POINTS];
    float value[CHUNK], adjoint[CHUNK];
    siren_workspace *ws;
    size_t fail_at; /* a slab that fails, or POINTS for none */
} problem;

static void make_problem(problem *p, const fit_model *m)
{
    uint64_t s = 99;
    for (int i = 0; i < POINTS * 2; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        p->x[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
    }
    for (int i = 0; i < POINTS; i++)
        p->t[i] = sinf(3 * p->x[2 * i]) * p->x[2 * i + 1];
    CHECK(siren_workspace_create(m->net, CHUNK, SIREN_VALUE, &p->ws) == SIREN_OK);
    p->fail_at = POINTS;
}

static void make_model(fit_model *m)
{
    fit_arch a = {2, 1, 16, 1, 30, 30, 1e-3, 0, 5};
    CHECK(fit_model_create(&a, m) == 0);
}

/* Slab s's squared error and its gradient, added into the net's. */
static int slab_fn(void *ctx, fit_model *m, size_t slab, double *values)
{
    problem *p = ctx;
    if (slab == p->fail_at)
        return 1;
    size_t first, n;
    fit_slab_range(slab, POINTS, CHUNK, &first, &n);
    siren_jet out = {.value = p->value}, adj = {.value = p->adjoint};
    if (siren_forward(m->net, p->ws, n, p->x + 2 * first, &out) != SIREN_OK)
        return 1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        float d = p->value[i] - p->t[first + i];
        sum += (double)d * d;
        p->adjoint[i] = 2 * d / POINTS;
    }
    values[0] = sum;
    values[1] = (double)n;
    return siren_backward(m->net, p->ws, &adj) == SIREN_OK ? 0 : 1;
}

static void test_a_step_is_the_slab_order_fold(void)
{
    fit_model m = {0}, twin = {0};
    make_model(&m);
    make_model(&twin);
    static problem p;
    make_problem(&p, &m);
    size_t count = siren_net_param_count(m.net), slabs = fit_slab_count(POINTS, CHUNK);
    float *fold = calloc(count, sizeof *fold), *inplace = calloc(count, sizeof *inplace);
    double want[2] = {0, 0}, parts[2], totals[2];
    /* by hand, on the twin: each slab from zero, added in order */
    for (size_t s = 0; s < slabs; s++) {
        siren_net_zero_grad(twin.net);
        CHECK(slab_fn(&p, &twin, s, parts) == 0);
        for (size_t i = 0; i < count; i++)
            fold[i] += siren_net_grads(twin.net)[i];
        want[0] += parts[0];
        want[1] += parts[1];
    }
    /* the in-place loop, for the record */
    siren_net_zero_grad(twin.net);
    for (size_t s = 0; s < slabs; s++)
        CHECK(slab_fn(&p, &twin, s, parts) == 0);
    memcpy(inplace, siren_net_grads(twin.net), count * sizeof *inplace);
    fit_fold f = {0};
    CHECK(fit_fold_step(&f, &m, slabs, 2, slab_fn, &p, totals) == 0);
    CHECK(memcmp(siren_net_grads(m.net), fold, count * sizeof *fold) == 0);
    CHECK(memcmp(inplace, fold, count * sizeof *fold) != 0); /* the test can tell */
    CHECK(memcmp(&totals, &want, sizeof want) == 0);
    CHECK(totals[1] == POINTS);
    CHECK(siren_adam_step_count(m.opt) == 1);
    /* a second step of other sizes is refused */
    CHECK(fit_fold_step(&f, &m, slabs + 1, 2, slab_fn, &p, totals) == 1);
    fit_fold_free(&f);
    siren_workspace_free(p.ws);
    fit_model_free(&m);
    fit_model_free(&twin);
    free(fold);
    free(inplace);
}

static void test_a_failing_slab_stops_the_step(void)
{
    fit_model m = {0};
    make_model(&m);
    static problem p;
    make_problem(&p, &m);
    p.fail_at = 2;
    size_t count = siren_net_param_count(m.net);
    float *before = malloc(count * sizeof *before);
    memcpy(before, siren_net_params(m.net), count * sizeof *before);
    fit_fold f = {0};
    double totals[2];
    CHECK(fit_fold_step(&f, &m, fit_slab_count(POINTS, CHUNK), 2, slab_fn, &p, totals) == 1);
    CHECK(siren_adam_step_count(m.opt) == 0);
    CHECK(memcmp(before, siren_net_params(m.net), count * sizeof *before) == 0);
    fit_fold_free(&f);
    siren_workspace_free(p.ws);
    fit_model_free(&m);
    free(before);
}

static void test_slabs_of_a_batch(void)
{
    size_t first, n;
    CHECK(fit_slab_count(10, 4) == 3);
    CHECK(fit_slab_count(8, 4) == 2);
    CHECK(fit_slab_count(3, 4) == 1);
    fit_slab_range(0, 10, 4, &first, &n);
    CHECK(first == 0 && n == 4);
    fit_slab_range(2, 10, 4, &first, &n);
    CHECK(first == 8 && n == 2);
}

static void test_the_launchers_environment(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE",
                           "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unsetenv(names[i]);
    CHECK(fit_dist_launcher_size() == 0);
    CHECK(fit_dist_launcher_rank() == -1);
    setenv("PMIX_RANK", "2", 1); /* srun --mpi=pmix: a launcher, size unknown */
    CHECK(fit_dist_launcher_size() == -1);
    CHECK(fit_dist_launcher_rank() == 2);
    setenv("PMI_SIZE", "4", 1);
    CHECK(fit_dist_launcher_size() == 4);
    setenv("OMPI_COMM_WORLD_SIZE", "3", 1);
    setenv("OMPI_COMM_WORLD_RANK", "0", 1);
    CHECK(fit_dist_launcher_size() == 3);
    CHECK(fit_dist_launcher_rank() == 0);
    setenv("OMPI_COMM_WORLD_SIZE", "3x", 1); /* not a number: the next one */
    CHECK(fit_dist_launcher_size() == 4);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unsetenv(names[i]);
}

static void test_alone_every_agreement_is_ones_own(void)
{
    CHECK(!fit_dist_active());
    CHECK(fit_dist_root() && fit_dist_rank() == 0 && fit_dist_size() == 1);
    CHECK(fit_dist_agree(0) == 0);
    CHECK(fit_dist_agree(2) == 2);
    CHECK(fit_dist_any(true) && !fit_dist_any(false));
    CHECK(fit_dist_finish(1) == 1);
    CHECK(fit_dist_threads(0) == 0 && fit_dist_threads(3) == 3);
    CHECK(fit_dist_same("abc", 3, "x") == 0);
}

int main(void)
{
    RUN(test_a_step_is_the_slab_order_fold);
    RUN(test_a_failing_slab_stops_the_step);
    RUN(test_slabs_of_a_batch);
    RUN(test_the_launchers_environment);
    RUN(test_alone_every_agreement_is_ones_own);
    return check_summary();
}
