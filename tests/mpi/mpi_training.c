/* mpi_training.c - trains a small SIREN on a fixed batch with
 * libsiren_mpi, for tests/scripts/mpi.sh: the same run with any number of
 * processes and threads must give the same parameters, bit for bit.
 *
 * The problem: a 2 -> 64 x 3 -> 1 SIREN, a fixed batch of --points points
 * in [-1, 1]^2 cut into --slabs slabs of uneven sizes, the loss
 *     mean (f - t)^2 + 1e-4 mean (lap f - l)^2
 * (value and Laplacian jets: every channel of the backward pass), Adam.
 *
 *   mpirun -np P mpi_training train --out FILE [--steps N] [--slabs S] [--threads T]
 *          [--reduce slabs|allreduce] [--checkpoint FILE [--checkpoint-every K]]
 *          [--resume FILE] [--fail-rank R --fail-step K] [--kill-rank R --kill-step K]
 *          [--pid-dir DIR]
 *   mpi_training serial --out FILE [--plain] ...   the same without MPI
 *   mpi_training step-of FILE                      a checkpoint's step count
 *
 * train: rank 0 writes the model to --out and prints "step K loss X" lines.
 *   --reduce allreduce sums each rank's slabs locally and then calls
 *   MPI_Allreduce instead of siren_mpi_reduce: a reduction whose result
 *   depends on the process count, to show that the comparison can fail.
 *   --fail-rank R --fail-step K: rank R reports bad input before step K
 *   (1-based); every rank stops, rank 0 prints one message, exit status 1.
 *   --kill-rank R --kill-step K: rank R kills itself (SIGKILL) in step K.
 *   --pid-dir: every rank writes its process id to DIR/rank.R.
 * serial: one process, no MPI: every slab from zero, folded in slab order
 *   (what siren_mpi_reduce computes); with --plain, the usual one-process
 *   loop instead, backward passes adding into the gradients slab after
 *   slab with no zeroing between them. */
#define _POSIX_C_SOURCE 200809L
#include "siren.h"
#include "siren_mpi.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRAM "mpi_training"

typedef struct options {
    const char *mode, *out, *checkpoint, *resume, *reduce, *pid_dir;
    long steps, slabs, threads, points, checkpoint_every;
    long fail_rank, fail_step, kill_rank, kill_step;
    int plain;
} options;

/* ---------------------------------------------------------------- data */

typedef struct problem {
    size_t points, slabs;
    float *x, *target, *target_laplacian; /* [points][2], [points], [points] */
} problem;

static float uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (float)((double)(z >> 40) / (double)(1u << 24)) * 2.0f - 1.0f;
}

static int problem_create(problem *p, size_t points, size_t slabs)
{
    p->points = points;
    p->slabs = slabs;
    p->x = malloc(2 * points * sizeof *p->x);
    p->target = malloc(points * sizeof *p->target);
    p->target_laplacian = malloc(points * sizeof *p->target_laplacian);
    if (!p->x || !p->target || !p->target_laplacian)
        return 1;
    uint64_t state = 12345;
    for (size_t i = 0; i < points; i++) {
        float u = uniform(&state), v = uniform(&state);
        p->x[2 * i] = u;
        p->x[2 * i + 1] = v;
        p->target[i] = sinf(3.0f * u) * cosf(2.0f * v);
        p->target_laplacian[i] = -13.0f * p->target[i];
    }
    return 0;
}

static void problem_free(problem *p)
{
    free(p->x);
    free(p->target);
    free(p->target_laplacian);
}

/* Slab s is points [s * points / slabs, (s + 1) * points / slabs): uneven
   sizes unless slabs divides points. */
static size_t slab_start(const problem *p, size_t s)
{
    return s * p->points / p->slabs;
}

/* -------------------------------------------------------------- a slab */

typedef struct trainer {
    siren_workspace *ws;
    float *value, *laplacian, *value_adj, *laplacian_adj; /* [largest slab] */
} trainer;

static int trainer_create(trainer *t, const siren_net *net, const problem *p, size_t threads)
{
    size_t largest = p->points / p->slabs + 1;
    int status = siren_workspace_create(net, largest, SIREN_VALUE | SIREN_LAPLACIAN, &t->ws);
    if (status == SIREN_OK)
        status = siren_workspace_set_threads(t->ws, threads);
    t->value = malloc(largest * sizeof(float));
    t->laplacian = malloc(largest * sizeof(float));
    t->value_adj = malloc(largest * sizeof(float));
    t->laplacian_adj = malloc(largest * sizeof(float));
    if (status == SIREN_OK && (!t->value || !t->laplacian || !t->value_adj || !t->laplacian_adj))
        status = SIREN_ERR_OUT_OF_MEMORY;
    return status;
}

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->value);
    free(t->laplacian);
    free(t->value_adj);
    free(t->laplacian_adj);
}

/* Adds slab s's loss gradient into net's gradients; *loss gets the slab's
   part of the loss. */
static int slab_gradient(trainer *t, siren_net *net, const problem *p, size_t s, double *loss)
{
    size_t first = slab_start(p, s), n = slab_start(p, s + 1) - first;
    siren_jet out = {.value = t->value, .laplacian = t->laplacian};
    int status = siren_forward(net, t->ws, n, p->x + 2 * first, &out);
    if (status != SIREN_OK)
        return status;
    const float lap_weight = 1e-4f, scale = 2.0f / (float)p->points;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        float dv = t->value[i] - p->target[first + i];
        float dl = t->laplacian[i] - p->target_laplacian[first + i];
        sum += (double)dv * dv + (double)lap_weight * dl * dl;
        t->value_adj[i] = scale * dv;
        t->laplacian_adj[i] = scale * lap_weight * dl;
    }
    *loss = sum / (double)p->points;
    siren_jet adj = {.value = t->value_adj, .laplacian = t->laplacian_adj};
    return siren_backward(net, t->ws, &adj);
}

/* ------------------------------------------------------------ the model */

static int model_create(siren_net **net, siren_adam **opt)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 64;
    cfg.hidden_layers = 2;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    adam.lr = 1e-3f;
    int status = siren_net_create(&cfg, net);
    if (status == SIREN_OK)
        status = siren_net_init(*net, 7);
    if (status == SIREN_OK)
        status = siren_adam_create(*net, &adam, opt);
    return status;
}

/* ----------------------------------------------------- serial (no MPI) */

static int run_serial(const options *o, const problem *p)
{
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    trainer t = {0};
    int status = model_create(&net, &opt);
    if (status == SIREN_OK)
        status = trainer_create(&t, net, p, (size_t)o->threads);
    size_t count = siren_net_param_count(net);
    float *sum = malloc(count * sizeof *sum);
    if (!sum)
        status = SIREN_ERR_OUT_OF_MEMORY;
    while (status == SIREN_OK && siren_adam_step_count(opt) < (uint64_t)o->steps) {
        double loss = 0.0, slab_loss;
        memset(sum, 0, count * sizeof *sum);
        siren_net_zero_grad(net);
        for (size_t s = 0; status == SIREN_OK && s < p->slabs; s++) {
            if (!o->plain)
                siren_net_zero_grad(net);
            status = slab_gradient(&t, net, p, s, &slab_loss);
            loss += slab_loss;
            const float *g = siren_net_grads(net);
            for (size_t i = 0; !o->plain && i < count; i++)
                sum[i] += g[i];
        }
        if (status == SIREN_OK && !o->plain)
            memcpy(siren_net_grads(net), sum, count * sizeof *sum);
        if (status == SIREN_OK)
            status = siren_adam_step(opt, net);
        if (status == SIREN_OK)
            printf("step %llu loss %.17g\n", (unsigned long long)siren_adam_step_count(opt), loss);
    }
    if (status == SIREN_OK)
        status = siren_net_save(net, o->out);
    if (status != SIREN_OK)
        fprintf(stderr, PROGRAM ": %s\n", siren_status_string(status));
    free(sum);
    trainer_free(&t);
    siren_adam_free(opt);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}

/* ------------------------------------------------------------ over MPI */

typedef struct run {
    const options *o;
    const problem *p;
    siren_mpi *sm;
    siren_net *net;
    siren_adam *opt;
    trainer t;
} run;

/* Rank 0 says what failed, once, for every rank. */
static int report_failure(const run *r, const char *what)
{
    if (siren_mpi_rank(r->sm) == 0)
        fprintf(stderr, PROGRAM ": %s: rank %d: %s\n", what, siren_mpi_failed_rank(r->sm),
                siren_mpi_failed_message(r->sm));
    return 1;
}

/* This rank's slabs' gradients summed here, then MPI_Allreduce: the
   reduction siren_mpi_reduce replaces. */
static int allreduce_step(run *r, size_t first, size_t end, double *loss)
{
    size_t count = siren_net_param_count(r->net);
    float *mine = calloc(count, sizeof *mine);
    double my_loss = 0.0, slab_loss;
    int status = mine ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    for (size_t s = first; status == SIREN_OK && s < end; s++) {
        siren_net_zero_grad(r->net);
        status = slab_gradient(&r->t, r->net, r->p, s, &slab_loss);
        my_loss += slab_loss;
        const float *g = siren_net_grads(r->net);
        for (size_t i = 0; i < count; i++)
            mine[i] += g[i];
    }
    if (status == SIREN_OK) {
        MPI_Allreduce(mine, siren_net_grads(r->net), (int)count, MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD);
        MPI_Allreduce(&my_loss, loss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    }
    free(mine);
    return status;
}

/* One training step: this rank's slabs, the agreement that all could
   compute theirs, the sum, Adam. */
static int mpi_step(run *r, uint64_t step, double *loss)
{
    size_t first, end;
    siren_mpi_slabs(r->sm, &first, &end);
    const options *o = r->o;
    int rank = siren_mpi_rank(r->sm);
    if (rank == o->kill_rank && (long)step == o->kill_step)
        raise(SIGKILL);
    if (rank == o->fail_rank && (long)step == o->fail_step) {
        char message[128];
        snprintf(message, sizeof message, "cannot read slab %zu: simulated bad input", first);
        siren_mpi_agree(r->sm, SIREN_ERR_IO, message);
        return report_failure(r, "step");
    }
    if (siren_mpi_agree(r->sm, 0, NULL) != 0)
        return report_failure(r, "step");
    if (strcmp(o->reduce, "allreduce") == 0) {
        if (allreduce_step(r, first, end, loss) != SIREN_OK)
            return 1;
    } else {
        double slab_loss = 0.0;
        int status = SIREN_OK;
        for (size_t s = first; status == SIREN_OK && s < end; s++) {
            siren_net_zero_grad(r->net);
            status = slab_gradient(&r->t, r->net, r->p, s, &slab_loss);
            if (status == SIREN_OK)
                status = siren_mpi_add(r->sm, s, siren_net_grads(r->net), &slab_loss);
        }
        /* a failed slab is not added: the reduce then fails on every rank */
        status = siren_mpi_reduce(r->sm, siren_net_grads(r->net), loss);
        if (status != SIREN_OK)
            return report_failure(r, "gradient sum");
    }
    int status = siren_adam_step(r->opt, r->net); /* the same bits, so the same status */
    if (status != SIREN_OK) {
        if (rank == 0)
            fprintf(stderr, PROGRAM ": Adam step: %s\n", siren_status_string(status));
        return 1;
    }
    return 0;
}

static void write_pid(const options *o, int rank)
{
    if (!o->pid_dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/rank.%d", o->pid_dir, rank);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
}

/* A new model (every rank makes the same one from the seed) or, with
   --resume, the checkpoint rank 0 reads, on every rank. */
static int start_model(run *r)
{
    if (r->o->resume) {
        siren_adam_free(r->opt);
        siren_net_free(r->net);
        r->opt = NULL;
        r->net = NULL;
        if (siren_mpi_checkpoint_load(r->sm, r->o->resume, &r->net, &r->opt) != SIREN_OK)
            return report_failure(r, "resume");
    }
    int status = trainer_create(&r->t, r->net, r->p, (size_t)r->o->threads);
    if (siren_mpi_agree(r->sm, status, siren_status_string(status)) != 0)
        return report_failure(r, "workspace");
    return 0;
}

static int train(run *r)
{
    const options *o = r->o;
    int failed = start_model(r);
    while (!failed && siren_adam_step_count(r->opt) < (uint64_t)o->steps) {
        uint64_t step = siren_adam_step_count(r->opt) + 1;
        double loss = 0.0;
        failed = mpi_step(r, step, &loss);
        if (!failed && siren_mpi_rank(r->sm) == 0)
            printf("step %llu loss %.17g\n", (unsigned long long)step, loss);
        if (!failed && o->checkpoint && o->checkpoint_every > 0 &&
            step % (uint64_t)o->checkpoint_every == 0 &&
            siren_mpi_checkpoint_save(r->sm, r->net, r->opt, o->checkpoint) != SIREN_OK)
            failed = report_failure(r, "checkpoint");
    }
    if (!failed && siren_mpi_check_identical(r->sm, siren_net_params(r->net),
                                             siren_net_param_count(r->net)) != SIREN_OK)
        failed = report_failure(r, "parameters differ between ranks");
    if (!failed && o->checkpoint &&
        siren_mpi_checkpoint_save(r->sm, r->net, r->opt, o->checkpoint) != SIREN_OK)
        failed = report_failure(r, "checkpoint");
    if (!failed && siren_mpi_net_save(r->sm, r->net, o->out) != SIREN_OK)
        failed = report_failure(r, "model");
    return failed;
}

static int run_mpi(const options *o, const problem *p)
{
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    run r = {.o = o, .p = p};
    int status = model_create(&r.net, &r.opt);
    if (status == SIREN_OK)
        status = siren_mpi_create(MPI_COMM_WORLD, siren_net_param_count(r.net),
                                  (size_t)o->slabs, 1, &r.sm);
    int failed = status != SIREN_OK;
    if (failed) {
        fprintf(stderr, PROGRAM ": set-up: %s\n", siren_mpi_status_string(status));
    } else {
        write_pid(o, siren_mpi_rank(r.sm));
        failed = train(&r);
    }
    trainer_free(&r.t);
    siren_adam_free(r.opt);
    siren_net_free(r.net);
    siren_mpi_free(r.sm);
    MPI_Finalize();
    return failed;
}

/* -------------------------------------------------------------- options */

static int step_of(const char *path)
{
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_checkpoint_load(path, &net, &opt);
    if (status == SIREN_OK)
        printf("%llu\n", (unsigned long long)siren_adam_step_count(opt));
    else
        fprintf(stderr, PROGRAM ": %s: %s\n", path, siren_status_string(status));
    siren_adam_free(opt);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.mode = argc > 1 ? argv[1] : "", .reduce = "slabs", .steps = 4, .slabs = 7,
                   .threads = 1, .points = 4000, .fail_rank = -1, .kill_rank = -1};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *number = strcmp(a, "--steps") == 0              ? &o->steps
                       : strcmp(a, "--slabs") == 0            ? &o->slabs
                       : strcmp(a, "--threads") == 0          ? &o->threads
                       : strcmp(a, "--points") == 0           ? &o->points
                       : strcmp(a, "--checkpoint-every") == 0 ? &o->checkpoint_every
                       : strcmp(a, "--fail-rank") == 0        ? &o->fail_rank
                       : strcmp(a, "--fail-step") == 0        ? &o->fail_step
                       : strcmp(a, "--kill-rank") == 0        ? &o->kill_rank
                       : strcmp(a, "--kill-step") == 0        ? &o->kill_step
                                                              : NULL;
        const char **text = strcmp(a, "--out") == 0          ? &o->out
                            : strcmp(a, "--checkpoint") == 0 ? &o->checkpoint
                            : strcmp(a, "--resume") == 0     ? &o->resume
                            : strcmp(a, "--reduce") == 0     ? &o->reduce
                            : strcmp(a, "--pid-dir") == 0    ? &o->pid_dir
                                                             : NULL;
        if (strcmp(a, "--plain") == 0) {
            o->plain = 1;
            continue;
        }
        if ((!number && !text) || !v) {
            fprintf(stderr, PROGRAM ": bad option %s\n", a);
            return 1;
        }
        if (number)
            *number = atol(v);
        else
            *text = v;
        i++;
    }
    if (o->slabs < 1 || o->threads < 1 || o->points < o->slabs || !o->out) {
        fprintf(stderr, PROGRAM ": need --out, and --slabs, --threads, --points >= 1\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "step-of") == 0)
        return step_of(argv[2]);
    options o;
    if (parse(argc, argv, &o))
        return 2;
    problem p;
    if (problem_create(&p, (size_t)o.points, (size_t)o.slabs)) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return 1;
    }
    int failed = 1;
    if (strcmp(o.mode, "serial") == 0)
        failed = run_serial(&o, &p);
    else if (strcmp(o.mode, "train") == 0)
        failed = run_mpi(&o, &p);
    else
        fprintf(stderr, PROGRAM ": unknown mode '%s' (train, serial, step-of)\n", o.mode);
    problem_free(&p);
    return failed;
}
