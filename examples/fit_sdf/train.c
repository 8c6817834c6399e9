/* train.c - fit_sdf's training loop (train.h): the points of each step
   drawn from a generator seeded by the step, their forward pass through
   the jets (value and gradient), the loss and its derivatives (loss.h),
   the backward pass, slab by slab (fit/fold.h: shared by the ranks under
   mpirun, each of which draws every point), and Adam. */
#include "train.h"

#include "fit/chunk_jets.h"
#include "fit/distributed.h"
#include "fit/fold.h"
#include "fit/messages.h"
#include "fit/rng.h"
#include "loss.h"
#include "siren.h"

#include <stdlib.h>
#include <string.h>

typedef struct trainer {
    const dataset *data;
    siren_workspace *ws;
    size_t n, chunk;               /* surface points per step; points per call */
    uint64_t seed;
    float *xyz, *normals;          /* [2n][3]: the surface points, then the uniform ones */
    fit_chunk_jets jets;           /* a call's value and gradient, their adjoints */
    fit_fold fold;                 /* the step over its slabs (train_step) */
} trainer;

static void trainer_free(trainer *t)
{
    fit_fold_free(&t->fold);
    siren_workspace_free(t->ws);
    free(t->xyz);
    free(t->normals);
    fit_chunk_jets_free(&t->jets);
}

static int trainer_init(trainer *t, const train_config *cfg, const dataset *d,
                        const fit_model *m)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->n = (size_t)cfg->batch;
    t->seed = cfg->seed;
    t->chunk = (size_t)cfg->chunk < t->n ? (size_t)cfg->chunk : t->n;
    unsigned what = SIREN_VALUE | SIREN_GRADIENT;
    if (fit_training_workspace(m->net, t->chunk, what, cfg->threads, &t->ws) ||
        fit_chunk_jets_init(&t->jets, t->chunk, 3, 1, what))
        return 1;
    t->xyz = malloc(2 * t->n * 3 * sizeof *t->xyz);
    t->normals = malloc(t->n * 3 * sizeof *t->normals);
    if (!t->xyz || !t->normals)
        return fit_error("out of memory for the training buffers");
    return 0;
}

/* The points of step `step`: n surface points drawn with replacement (as
   np.random.choice does) and n uniform in [-1, 1]^3, from a generator
   seeded by (seed, step) so that a resumed run draws the same ones. */
static void draw_points(trainer *t, uint64_t step)
{
    rng r = rng_seeded(t->seed, step);
    const dataset *d = t->data;
    for (size_t i = 0; i < t->n; i++) {
        size_t pick = rng_below(&r, d->points.count);
        memcpy(t->xyz + 3 * i, d->normalised + 3 * pick, 3 * sizeof *t->xyz);
        memcpy(t->normals + 3 * i, d->points.normals + 3 * pick, 3 * sizeof *t->normals);
    }
    for (size_t i = 3 * t->n; i < 6 * t->n; i++)
        t->xyz[i] = (float)rng_range(&r, -1.0, 1.0);
}

/* Forward, loss and backward of points [first, first + n) of the step. */
static int train_chunk(trainer *t, fit_model *m, size_t first, size_t n, step_stats *s)
{
    const siren_jet *out = &t->jets.out, *adj = &t->jets.adjoint;
    int status = siren_forward(m->net, t->ws, n, t->xyz + 3 * first, out);
    if (status != SIREN_OK)
        return fit_library_error("training step", status);
    double M = 2.0 * (double)t->n;
    for (size_t i = 0; i < n; i++) {
        size_t p = first + i;
        const float *normal = p < t->n ? t->normals + 3 * p : NULL;
        sdf_point_loss(out->gradient + 3 * i, normal, out->value[i], M, s, adj->value + i,
                       adj->gradient + 3 * i);
    }
    status = siren_backward(m->net, t->ws, adj);
    return status == SIREN_OK ? 0 : fit_library_error("training step", status);
}

/* The slabs: the surface points, then the uniform ones, in chunks, so
   that each slab is one kind (the loss is a sum over points either way). */
static size_t slabs_per_part(const trainer *t)
{
    return fit_slab_count(t->n, t->chunk);
}

/* fit_fold_step's slab function: sums = the slab's loss and angle sums. */
static int sdf_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    trainer *t = ctx;
    size_t per_part = slabs_per_part(t), start, n;
    fit_slab_range(slab % per_part, t->n, t->chunk, &start, &n);
    step_stats s = {0, 0};
    if (train_chunk(t, m, slab / per_part * t->n + start, n, &s))
        return 1;
    sums[0] = s.loss;
    sums[1] = s.angle_sum;
    return 0;
}

static int train_step(trainer *t, fit_model *m, uint64_t step, step_stats *s)
{
    draw_points(t, step);
    double sums[2] = {0, 0};
    int status = fit_fold_step(&t->fold, m, 2 * slabs_per_part(t), 2, sdf_slab, t, sums);
    *s = (step_stats){sums[0], sums[1]};
    return status;
}

/* fit_train's step: the loss, and the mean angle between grad f and the
   normals (degrees) as the progress line's metric. */
static int sdf_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    trainer *t = ctx;
    step_stats s;
    int status = train_step(t, m, step, &s);
    *loss = s.loss;
    *metric = s.angle_sum / (double)t->n;
    return status;
}

int train_sdf(const train_config *cfg, const dataset *d, fit_model *m, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, cfg, d, m));
    fit_schedule plan = {(uint64_t)cfg->steps, cfg->checkpoint, cfg->checkpoint_every,
                         "normal error", "deg", NULL, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, sdf_step, &t, run);
    trainer_free(&t);
    return status;
}
