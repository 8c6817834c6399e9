/* bench_mpi.c - median time of one training step of the reference SIREN
 * (2 -> 256 x 4 -> 1) on a 256x256 grid over MPI with libsiren_mpi, the
 * steps of bench/bench_steps.c:
 *   fit    value MSE, backward, Adam               (image fitting)
 *   grad   gradient MSE, backward, Adam            (Poisson, gradient-supervised)
 *   lap    Laplacian MSE, backward, Adam           (Poisson, Laplacian-supervised)
 * The grid is cut into slabs of --chunk points (4 of 16384 by default);
 * each rank takes its slabs (each from zero), siren_mpi_reduce sums them
 * in slab order, every rank takes the Adam step. A step's time is the
 * slowest rank's, the ranks starting together (MPI_Barrier). Prints, from
 * rank 0, "key=value" pairs for bench/mpi_scaling.py:
 *   step=fit ranks=2 threads=1 points=65536 chunk=16384 median_ms=... min_ms=...
 *   reduce_ms=... gflops=...
 * reduce_ms: the median over steps of the slowest rank's siren_mpi_reduce
 * (its wait for the ranks before it included); sum_ms: the same ranks'
 * siren_mpi_add and siren_mpi_reduce alone, started together (no wait for
 * a slower rank's compute): what the sum costs a step.
 *
 *   make bench-mpi        (builds bin/bench_mpi and runs bench/mpi_scaling.py)
 *   mpirun -np 2 bin/bench_mpi --step lap --threads 1 --repeat 5
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */
#include "bench_common.h"
#include "siren_mpi.h"

typedef struct options {
    const char *step;
    size_t threads, side, chunk, repeat; /* threads 0: siren_mpi_default_threads */
} options;

typedef struct bench {
    siren_mpi *sm;
    siren_net *net;
    siren_workspace *ws;
    siren_adam *opt;
    buffers b;
    size_t n;
} bench;

/* One step; *reduce_seconds gets this rank's time in siren_mpi_reduce. */
static int train_step(bench *k, const options *o, double *reduce_seconds)
{
    size_t first, end;
    siren_mpi_slabs(k->sm, &first, &end);
    int status = SIREN_OK;
    for (size_t s = first; status == SIREN_OK && s < end; s++) {
        size_t start = s * o->chunk, m = k->n - start < o->chunk ? k->n - start : o->chunk;
        siren_net_zero_grad(k->net);
        status = chunk_gradient(k->net, k->ws, o->step, &k->b, start, m, k->n);
        if (status == SIREN_OK)
            status = siren_mpi_add(k->sm, s, siren_net_grads(k->net), NULL);
    }
    double t0 = seconds_now();
    int reduced = siren_mpi_reduce(k->sm, siren_net_grads(k->net), NULL);
    *reduce_seconds = seconds_now() - t0;
    if (reduced != SIREN_OK)
        return reduced;
    return siren_adam_step(k->opt, k->net); /* the same on every rank */
}

static int set_up(bench *k, const options *o, const step_setup *setup)
{
    siren_config cfg;
    siren_config_default(&cfg);
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    k->n = o->side * o->side;
    size_t slabs = (k->n + o->chunk - 1) / o->chunk;
    int status = siren_net_create(&cfg, &k->net);
    if (status == SIREN_OK)
        status = siren_net_init(k->net, 1);
    if (status == SIREN_OK)
        status = siren_mpi_create(MPI_COMM_WORLD, siren_net_param_count(k->net), slabs, 0, &k->sm);
    if (status == SIREN_OK)
        status = siren_workspace_create(k->net, o->chunk, setup->what, &k->ws);
    size_t threads = o->threads ? o->threads : siren_mpi_default_threads(k->sm);
    if (status == SIREN_OK)
        status = siren_workspace_set_threads(k->ws, threads);
    if (status == SIREN_OK)
        status = siren_adam_create(k->net, &adam, &k->opt);
    size_t c = o->chunk;
    k->b = (buffers){malloc(2 * k->n * sizeof(float)), malloc(k->n * sizeof(float)),
                     malloc(c * sizeof(float)), malloc(2 * c * sizeof(float)),
                     malloc(c * sizeof(float)), malloc(2 * c * sizeof(float))};
    if (status == SIREN_OK && (!k->b.x || !k->b.target || !k->b.value || !k->b.gradient ||
                               !k->b.laplacian || !k->b.adjoint))
        status = SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        make_grid(o->side, k->b.x, k->b.target);
    return status;
}

static void tear_down(bench *k)
{
    free(k->b.x); free(k->b.target); free(k->b.value); free(k->b.gradient);
    free(k->b.laplacian); free(k->b.adjoint);
    siren_adam_free(k->opt);
    siren_workspace_free(k->ws);
    siren_mpi_free(k->sm);
    siren_net_free(k->net);
}

/* The gradient sum alone, the ranks starting together: each rank adds
   its slabs (the gradients of the last step stand in for them) and
   siren_mpi_reduce sums them. The slowest rank's seconds. */
static int time_sum(bench *k, double *seconds)
{
    size_t first, end;
    siren_mpi_slabs(k->sm, &first, &end);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = seconds_now();
    int status = SIREN_OK;
    for (size_t s = first; status == SIREN_OK && s < end; s++)
        status = siren_mpi_add(k->sm, s, siren_net_grads(k->net), NULL);
    int reduced = siren_mpi_reduce(k->sm, siren_net_grads(k->net), NULL);
    double mine = seconds_now() - t0;
    MPI_Allreduce(&mine, seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return status != SIREN_OK ? status : reduced;
}

/* Repeats + 1 steps, the first a warm-up; rank 0 prints the line. */
static int measure(bench *k, const options *o, const step_setup *setup)
{
    double *step = malloc((o->repeat + 1) * sizeof *step);
    double *reduce = malloc((o->repeat + 1) * sizeof *reduce);
    int status = step && reduce ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    status = siren_mpi_agree(k->sm, status, "out of memory");
    for (size_t r = 0; status == SIREN_OK && r <= o->repeat; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = seconds_now(), mine[2];
        status = train_step(k, o, &mine[1]);
        mine[0] = seconds_now() - t0;
        double slowest[2];
        MPI_Allreduce(mine, slowest, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        step[r] = slowest[0];
        reduce[r] = slowest[1];
    }
    double *sum = malloc(o->repeat * sizeof *sum);
    status = siren_mpi_agree(k->sm, status != SIREN_OK ? status : sum ? SIREN_OK
                                                                   : SIREN_ERR_OUT_OF_MEMORY,
                             "out of memory");
    for (size_t r = 0; status == SIREN_OK && r < o->repeat; r++)
        status = time_sum(k, &sum[r]);
    if (status == SIREN_OK && siren_mpi_rank(k->sm) == 0) {
        siren_config cfg;
        siren_net_config(k->net, &cfg);
        double fastest = step[1];
        for (size_t r = 2; r <= o->repeat; r++)
            fastest = step[r] < fastest ? step[r] : fastest;
        double median = median_of(step + 1, o->repeat);
        printf("step=%s ranks=%d threads=%zu points=%zu chunk=%zu median_ms=%.1f min_ms=%.1f "
               "reduce_ms=%.2f sum_ms=%.2f gflops=%.1f peak_rss_mb=%.0f\n",
               o->step, siren_mpi_size(k->sm), siren_workspace_threads(k->ws), k->n, o->chunk,
               1e3 * median, 1e3 * fastest, 1e3 * median_of(reduce + 1, o->repeat),
               1e3 * median_of(sum, o->repeat),
               forward_flops(&cfg, k->n, setup->channels) * 3.0 / median * 1e-9, peak_rss_mb());
    }
    free(step);
    free(reduce);
    free(sum);
    return status;
}

static size_t parse_size(const char *name, const char *text, int zero_ok)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || (v == 0 && !zero_ok)) {
        fprintf(stderr, "bench_mpi: %s: expected a positive integer, got '%s'\n", name, text);
        exit(2);
    }
    return (size_t)v;
}

static void parse(int argc, char **argv, options *o)
{
    *o = (options){"fit", 0, 256, 16384, 5};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!value) {
            fprintf(stderr, "bench_mpi: %s needs a value\n", arg);
            exit(2);
        }
        if (strcmp(arg, "--step") == 0) o->step = value;
        else if (strcmp(arg, "--threads") == 0) o->threads = parse_size(arg, value, 1);
        else if (strcmp(arg, "--side") == 0) o->side = parse_size(arg, value, 0);
        else if (strcmp(arg, "--chunk") == 0) o->chunk = parse_size(arg, value, 0);
        else if (strcmp(arg, "--repeat") == 0) o->repeat = parse_size(arg, value, 0);
        else {
            fprintf(stderr, "usage: bench_mpi [--step fit|grad|lap] [--threads N (0: default)]\n"
                            "                 [--side N] [--chunk N] [--repeat N]\n");
            exit(2);
        }
        i++;
    }
    if (o->chunk > o->side * o->side)
        o->chunk = o->side * o->side;
}

int main(int argc, char **argv)
{
    options o;
    parse(argc, argv, &o);
    step_setup setup;
    if (!setup_for(o.step, &setup) || !setup.train) {
        fprintf(stderr, "bench_mpi: unknown training step '%s' (fit, grad, lap)\n", o.step);
        return 2;
    }
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    bench k = {0};
    int status = set_up(&k, &o, &setup);
    if (k.sm)
        status = siren_mpi_agree(k.sm, status, siren_mpi_status_string(status));
    if (status == SIREN_OK)
        status = measure(&k, &o, &setup);
    if (status != SIREN_OK)
        fprintf(stderr, "bench_mpi: %s\n", siren_mpi_status_string(status));
    tear_down(&k);
    MPI_Finalize();
    return status == SIREN_OK ? 0 : 1;
}
