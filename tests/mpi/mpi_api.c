/* mpi_api.c - the checks of libsiren_mpi's interface, for tests/scripts/mpi.sh:
 *
 *   mpirun -np P mpi_api DIR      (P = 1, 2, 3; DIR: a scratch directory)
 *
 * Every rank runs every check; a check passes when it passes on every rank
 * (its failures are counted with MPI_Allreduce), and rank 0 prints its
 * "ok NAME" or "FAIL NAME" line. The sums are compared with a fold that
 * every rank computes alone from the same synthetic slabs. */
#define _POSIX_C_SOURCE 200809L
#include "siren.h"
#include "siren_mpi.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, failures;
static const char *scratch;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            printf("  rank %d: check failed at %s:%d: %s\n", rank, __FILE__, __LINE__, \
                   #cond);                                                          \
            failures++;                                                             \
        }                                                                           \
    } while (0)

static void run_check(const char *name, void (*check)(void))
{
    failures = 0;
    check();
    fflush(stdout);
    int worst = 0;
    MPI_Allreduce(&failures, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s %s (%d processes)\n", worst ? "FAIL" : "ok", name, size);
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
}
#define RUN(check) run_check(#check, check)

/* Slab s's synthetic gradient: values of many magnitudes, so that the
   order of the additions shows in the bits. */
static void slab_gradient(size_t s, size_t count, float *g)
{
    uint64_t state = 0x1234567u + s * 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < count; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        double u = (double)(state >> 11) / 9007199254740992.0 - 0.5;
        g[i] = (float)(u * pow(10.0, (double)((state >> 3) % 9) - 4.0));
    }
}

/* The fold over all slabs in slab order, from +0: what every rank must get. */
static void reference_fold(size_t slabs, size_t count, float *sum, float *g)
{
    memset(sum, 0, count * sizeof *sum);
    for (size_t s = 0; s < slabs; s++) {
        slab_gradient(s, count, g);
        for (size_t i = 0; i < count; i++)
            sum[i] += g[i];
    }
}

/* One step over slabs of count floats with two values per slab; checks
   the sum and the value sums against the reference on this rank. */
static void check_sum(size_t count, size_t slabs)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, count, slabs, 2, &sm) == SIREN_OK);
    float *g = malloc(count * sizeof *g), *sum = malloc(count * sizeof *sum),
          *want = malloc(count * sizeof *want);
    CHECK(sm && g && sum && want);
    if (!sm || !g || !sum || !want)
        goto done;
    size_t first, end;
    CHECK(siren_mpi_slabs(sm, &first, &end) == SIREN_OK);
    for (int step = 0; step < 2; step++) { /* the second step reuses the buffers */
        for (size_t s = first; s < end; s++) {
            slab_gradient(s, count, g);
            double values[2] = {1.0 / (double)(s + 3), (double)s};
            CHECK(siren_mpi_add(sm, s, g, values) == SIREN_OK);
        }
        double value_sums[2];
        CHECK(siren_mpi_reduce(sm, sum, value_sums) == SIREN_OK);
        reference_fold(slabs, count, want, g);
        CHECK(memcmp(sum, want, count * sizeof *sum) == 0);
        double v0 = 0.0, v1 = 0.0;
        for (size_t s = 0; s < slabs; s++) {
            v0 += 1.0 / (double)(s + 3);
            v1 += (double)s;
        }
        CHECK(memcmp(&value_sums[0], &v0, sizeof v0) == 0 && value_sums[1] == v1);
    }
done:
    free(g);
    free(sum);
    free(want);
    siren_mpi_free(sm);
}

/* Several segments and a short last one; 7 slabs over 1, 2 or 3 ranks. */
static void reduce_sums_in_slab_order(void)
{
    check_sum(3 * 16384 + 5, 7);
}

/* One slab, more ranks than slabs: ranks without slabs pass the sum on. */
static void reduce_with_fewer_slabs_than_ranks(void)
{
    check_sum(1000, 1);
    check_sum(20, 2);
}

/* The fold really is order-sensitive for these slabs (else the check above
   could not tell orders apart): summing the slabs in reverse differs. */
static void slab_order_changes_the_bits(void)
{
    size_t count = 5000, slabs = 7;
    float *g = malloc(count * sizeof *g), *a = calloc(count, sizeof *a), *b = calloc(count, sizeof *b);
    CHECK(g && a && b);
    if (g && a && b) {
        reference_fold(slabs, count, a, g);
        for (size_t s = slabs; s-- > 0;) {
            slab_gradient(s, count, g);
            for (size_t i = 0; i < count; i++)
                b[i] += g[i];
        }
        CHECK(memcmp(a, b, count * sizeof *a) != 0);
    }
    free(g);
    free(a);
    free(b);
}

static void slabs_are_shared_out_evenly(void)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 10, 10, 0, &sm) == SIREN_OK);
    size_t range[2] = {0, 0};
    CHECK(siren_mpi_slabs(sm, &range[0], &range[1]) == SIREN_OK);
    unsigned long all[2 * 16];
    unsigned long mine[2] = {range[0], range[1]};
    MPI_Allgather(mine, 2, MPI_UNSIGNED_LONG, all, 2, MPI_UNSIGNED_LONG, MPI_COMM_WORLD);
    CHECK(all[0] == 0 && all[2 * (size - 1) + 1] == 10);
    for (int r = 0; r < size; r++) {
        unsigned long n = all[2 * r + 1] - all[2 * r];
        CHECK(n == 10 / (unsigned long)size || n == 10 / (unsigned long)size + 1);
        if (r > 0)
            CHECK(all[2 * r] == all[2 * r - 1]);
    }
    CHECK(siren_mpi_rank(sm) == rank && siren_mpi_size(sm) == size);
    CHECK(siren_mpi_node_ranks(sm) == (size_t)size); /* one machine */
    CHECK(siren_mpi_slabs(NULL, &range[0], &range[1]) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_rank(NULL) == -1 && siren_mpi_size(NULL) == 0);
    siren_mpi_free(sm);
    siren_mpi_free(NULL);
}

static void create_refuses_bad_arguments_on_every_rank(void)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 0, 4, 0, &sm) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 10, 0, 0, &sm) == SIREN_ERR_INVALID_ARGUMENT);
    /* the last rank alone asks for another size: every rank refuses */
    int refused = size > 1 ? SIREN_ERR_INVALID_ARGUMENT : SIREN_OK;
    size_t count = rank == size - 1 ? 11 : 10;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, count, 4, 0, &sm) == refused);
    siren_mpi_free(sm);
    sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 10, 4, rank == 0 ? 1 : 0, &sm) == refused);
    siren_mpi_free(sm);
    sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 10, 4, 0, NULL) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_create(MPI_COMM_NULL, 10, 4, 0, &sm) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 10, (size_t)1 << 20, 4096, &sm) ==
          SIREN_ERR_TOO_LARGE);
    CHECK(sm == NULL);
}

/* A slab added twice or out of order, or one missing on one rank: the
   reduce fails on every rank, and the outputs are left alone. */
static void reduce_fails_everywhere_when_a_slab_is_missing(void)
{
    size_t count = 100;
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, count, (size_t)size * 2, 1, &sm) == SIREN_OK);
    if (!sm)
        return;
    float g[100] = {1.0f}, sum[100];
    double value = 1.0, value_sum = -1.0;
    size_t first, end;
    siren_mpi_slabs(sm, &first, &end);
    CHECK(siren_mpi_add(sm, first + 1, g, &value) == SIREN_ERR_STATE); /* out of order */
    CHECK(siren_mpi_add(sm, first, NULL, &value) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_add(sm, first, g, NULL) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_add(NULL, first, g, &value) == SIREN_ERR_INVALID_ARGUMENT);
    for (size_t s = first; s < end; s++)
        CHECK(siren_mpi_add(sm, s, g, &value) == SIREN_OK);
    CHECK(siren_mpi_add(sm, end, g, &value) == SIREN_ERR_STATE); /* not this rank's */
    memset(sum, 0x55, sizeof sum);
    CHECK(siren_mpi_reduce(sm, sum, &value_sum) == SIREN_ERR_STATE);
    CHECK(sum[0] != 0.0f && value_sum == -1.0); /* untouched */
    CHECK(siren_mpi_failed_rank(sm) == 0);

    /* the next step: the last rank skips its last slab */
    for (size_t s = first; s < end; s++)
        if (!(rank == size - 1 && s == end - 1))
            CHECK(siren_mpi_add(sm, s, g, &value) == SIREN_OK);
    CHECK(siren_mpi_reduce(sm, sum, &value_sum) == SIREN_ERR_STATE);
    CHECK(siren_mpi_failed_rank(sm) == size - 1);
    CHECK(strcmp(siren_mpi_failed_message(sm), siren_status_string(SIREN_ERR_STATE)) == 0);

    /* and a missing output on rank 0 */
    for (size_t s = first; s < end; s++)
        siren_mpi_add(sm, s, g, &value);
    CHECK(siren_mpi_reduce(sm, rank == 0 ? NULL : sum, &value_sum) ==
          SIREN_ERR_INVALID_ARGUMENT);

    /* after the failures, a good step */
    for (size_t s = first; s < end; s++)
        CHECK(siren_mpi_add(sm, s, g, &value) == SIREN_OK);
    CHECK(siren_mpi_reduce(sm, sum, &value_sum) == SIREN_OK);
    CHECK(sum[0] == (float)(2 * size) && sum[1] == 0.0f && value_sum == (double)(2 * size));
    CHECK(siren_mpi_failed_rank(sm) == -1 && siren_mpi_failed_status(sm) == 0 &&
          siren_mpi_failed_message(sm)[0] == '\0');
    CHECK(siren_mpi_reduce(NULL, sum, &value_sum) == SIREN_ERR_INVALID_ARGUMENT);
    siren_mpi_free(sm);
}

static void agree_names_the_lowest_failing_rank(void)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 1, 1, 0, &sm) == SIREN_OK);
    CHECK(siren_mpi_agree(sm, 0, "unused") == 0);
    CHECK(siren_mpi_failed_rank(sm) == -1);
    int last = size - 1;
    CHECK(siren_mpi_agree(sm, rank == last ? 7 : 0, "cannot read frame 12") == 7);
    CHECK(siren_mpi_failed_rank(sm) == last && siren_mpi_failed_status(sm) == 7);
    CHECK(strcmp(siren_mpi_failed_message(sm), "cannot read frame 12") == 0);
    /* two failures: the lower rank's is the one */
    char message[64];
    snprintf(message, sizeof message, "rank %d says no", rank);
    int status = rank >= size - 2 ? SIREN_ERR_FORMAT - rank : 0;
    int lowest = size >= 2 ? size - 2 : 0;
    CHECK(siren_mpi_agree(sm, status, message) == SIREN_ERR_FORMAT - lowest);
    snprintf(message, sizeof message, "rank %d says no", lowest);
    CHECK(siren_mpi_failed_rank(sm) == lowest && strcmp(siren_mpi_failed_message(sm), message) == 0);
    /* a long message is cut, a NULL one is empty */
    char long_message[2 * SIREN_MPI_MESSAGE_MAX];
    memset(long_message, 'x', sizeof long_message - 1);
    long_message[sizeof long_message - 1] = '\0';
    CHECK(siren_mpi_agree(sm, 1, long_message) == 1);
    CHECK(strlen(siren_mpi_failed_message(sm)) == SIREN_MPI_MESSAGE_MAX - 1);
    CHECK(siren_mpi_agree(sm, rank == 0 ? -3 : 0, NULL) == -3);
    CHECK(siren_mpi_failed_message(sm)[0] == '\0');
    CHECK(siren_mpi_agree(NULL, 0, NULL) == SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_failed_rank(NULL) == -1 && siren_mpi_failed_status(NULL) == 0 &&
          siren_mpi_failed_message(NULL)[0] == '\0');
    siren_mpi_free(sm);
}

static void path_in_scratch(char *path, size_t cap, const char *name)
{
    snprintf(path, cap, "%s/%s", scratch, name);
}

static int make_model(siren_net **net, siren_adam **opt, uint64_t seed)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 16;
    cfg.hidden_layers = 1;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    int status = siren_net_create(&cfg, net);
    if (status == SIREN_OK)
        status = siren_net_init(*net, seed);
    if (status == SIREN_OK)
        status = siren_adam_create(*net, &adam, opt);
    return status;
}

/* Rank 0 writes, every rank gets the same objects back; errors are rank
   0's, on every rank. */
static void checkpoints_go_through_rank_0(void)
{
    siren_mpi *sm = NULL;
    siren_net *net = NULL, *loaded = NULL;
    siren_adam *opt = NULL, *loaded_opt = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 1, 1, 0, &sm) == SIREN_OK);
    /* rank 0's model differs from the others': the load must give rank 0's */
    CHECK(make_model(&net, &opt, rank == 0 ? 1u : 2u) == SIREN_OK);
    if (!sm || !net)
        goto done;
    float *grads = siren_net_grads(net);
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        grads[i] = 0.01f * (float)i;
    CHECK(siren_adam_step(opt, net) == SIREN_OK);
    char path[4096], model[4096], bad[4096];
    path_in_scratch(path, sizeof path, "api.ckpt");
    path_in_scratch(model, sizeof model, "api.siren");
    path_in_scratch(bad, sizeof bad, "no-such-dir/api.ckpt");
    CHECK(siren_mpi_checkpoint_save(sm, rank == 0 ? net : NULL, rank == 0 ? opt : NULL,
                                    rank == 0 ? path : NULL) == SIREN_OK);
    CHECK(siren_mpi_net_save(sm, net, model) == SIREN_OK);
    CHECK(siren_mpi_checkpoint_load(sm, rank == 0 ? path : NULL, &loaded, &loaded_opt) == SIREN_OK);
    CHECK(loaded && loaded_opt && siren_adam_step_count(loaded_opt) == 1);
    if (loaded) {
        CHECK(siren_mpi_check_identical(sm, siren_net_params(loaded),
                                        siren_net_param_count(loaded)) == SIREN_OK);
        float *from_rank_0 = malloc(siren_net_param_count(net) * sizeof(float));
        if (from_rank_0) {
            memcpy(from_rank_0, siren_net_params(net), siren_net_param_count(net) * sizeof(float));
            CHECK(siren_mpi_broadcast(sm, from_rank_0, siren_net_param_count(net)) == SIREN_OK);
            CHECK(memcmp(from_rank_0, siren_net_params(loaded),
                         siren_net_param_count(net) * sizeof(float)) == 0);
        }
        free(from_rank_0);
    }
    siren_net *other = NULL;
    siren_adam *other_opt = NULL;
    CHECK(siren_mpi_checkpoint_load(sm, bad, &other, &other_opt) == SIREN_ERR_IO);
    CHECK(other == NULL && other_opt == NULL && siren_mpi_failed_rank(sm) == 0);
    CHECK(siren_mpi_checkpoint_load(sm, model, &other, &other_opt) == SIREN_ERR_FORMAT);
    CHECK(siren_mpi_checkpoint_save(sm, net, opt, bad) == SIREN_ERR_IO);
    CHECK(siren_mpi_net_save(sm, net, bad) == SIREN_ERR_IO);
    CHECK(siren_mpi_checkpoint_load(sm, path, rank == size - 1 ? NULL : &other, &other_opt) ==
          SIREN_ERR_INVALID_ARGUMENT);
    CHECK(other == NULL && other_opt == NULL);
done:
    siren_adam_free(loaded_opt);
    siren_net_free(loaded);
    siren_adam_free(opt);
    siren_net_free(net);
    siren_mpi_free(sm);
}

static void check_identical_finds_the_rank_that_differs(void)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 1, 1, 0, &sm) == SIREN_OK);
    size_t count = 2 * 16384 + 3;
    float *v = malloc(count * sizeof *v);
    CHECK(v != NULL);
    if (!sm || !v)
        goto done;
    for (size_t i = 0; i < count; i++)
        v[i] = (float)i * 0.5f;
    CHECK(siren_mpi_check_identical(sm, v, count) == SIREN_OK);
    if (rank == size - 1 && size > 1)
        v[count - 1] += 1.0f; /* one value, in the last segment */
    CHECK(siren_mpi_check_identical(sm, v, count) ==
          (size > 1 ? SIREN_MPI_ERR_DIVERGED : SIREN_OK));
    if (size > 1)
        CHECK(siren_mpi_failed_rank(sm) == size - 1);
    /* broadcast repairs it */
    CHECK(siren_mpi_broadcast(sm, v, count) == SIREN_OK);
    CHECK(siren_mpi_check_identical(sm, v, count) == SIREN_OK);
    CHECK(v[count - 1] == (float)(count - 1) * 0.5f);
    /* sizes must agree */
    CHECK(siren_mpi_broadcast(sm, v, rank == size - 1 ? count - 1 : count) ==
          (size > 1 ? SIREN_ERR_INVALID_ARGUMENT : SIREN_OK));
    CHECK(siren_mpi_check_identical(sm, rank == 0 ? NULL : v, count) ==
          SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_mpi_broadcast(sm, NULL, 0) == SIREN_OK);
    CHECK(siren_mpi_broadcast(NULL, v, count) == SIREN_ERR_INVALID_ARGUMENT);
done:
    free(v);
    siren_mpi_free(sm);
}

static void threads_per_rank(void)
{
    siren_mpi *sm = NULL;
    CHECK(siren_mpi_create(MPI_COMM_WORLD, 1, 1, 0, &sm) == SIREN_OK);
    setenv("SIREN_NUM_THREADS", "3", 1);
    CHECK(siren_mpi_default_threads(sm) == 3);
    setenv("SIREN_NUM_THREADS", "1000", 1);
    CHECK(siren_mpi_default_threads(sm) == 256);
    setenv("SIREN_NUM_THREADS", " 2", 1); /* not digits only: ignored */
    size_t threads = siren_mpi_default_threads(sm);
    unsetenv("SIREN_NUM_THREADS");
    CHECK(threads == siren_mpi_default_threads(sm));
    CHECK(threads >= 1 && threads <= 256);
    CHECK(siren_mpi_default_threads(NULL) == 0 && siren_mpi_node_ranks(NULL) == 0);
    siren_mpi_free(sm);
}

static void names_and_version(void)
{
    CHECK(strcmp(siren_mpi_status_string(SIREN_MPI_ERR_COMM), "an MPI call failed") == 0);
    CHECK(strcmp(siren_mpi_status_string(SIREN_MPI_ERR_DIVERGED), "values differ between ranks") ==
          0);
    CHECK(strcmp(siren_mpi_status_string(SIREN_ERR_IO), siren_status_string(SIREN_ERR_IO)) == 0);
    CHECK(siren_mpi_version_number() == SIREN_VERSION_NUMBER);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    scratch = argc > 1 ? argv[1] : ".";
    RUN(reduce_sums_in_slab_order);
    RUN(reduce_with_fewer_slabs_than_ranks);
    RUN(slab_order_changes_the_bits);
    RUN(slabs_are_shared_out_evenly);
    RUN(create_refuses_bad_arguments_on_every_rank);
    RUN(reduce_fails_everywhere_when_a_slab_is_missing);
    RUN(agree_names_the_lowest_failing_rank);
    RUN(checkpoints_go_through_rank_0);
    RUN(check_identical_finds_the_rank_that_differs);
    RUN(threads_per_rank);
    RUN(names_and_version);
    MPI_Finalize();
    return 0;
}
