/* train.c - poisson_edit's training step: the field loss on every pixel,
   its adjoint 2 s_k (s_k u_k - G_k) / (B C) of the network's gradient
   output (pde/poisson_loss.h, as examples/poisson.c's), over slabs of
   --chunk pixels (fit/fold.h: shared by the ranks under mpirun), and one
   Adam step (train.h). */
#include "train.h"

#include "fit/distributed.h"
#include "fit/fold.h"
#include "fit/messages.h"
#include "pde/poisson_loss.h"
#include "siren.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct trainer {
    const scene *s;
    size_t chunk;
    siren_workspace *ws;
    float *grad, *adjoint; /* [chunk][C][2] */
    fit_fold fold;         /* the step over slabs of `chunk` pixels */
} trainer;

static void trainer_free(trainer *t)
{
    fit_fold_free(&t->fold);
    siren_workspace_free(t->ws);
    free(t->grad);
    free(t->adjoint);
}

static int trainer_init(trainer *t, const fit_options *cfg, const scene *s,
                        const siren_net *net)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->chunk = (size_t)cfg->chunk < s->count ? (size_t)cfg->chunk : s->count;
    if (fit_training_workspace(net, t->chunk, SIREN_GRADIENT,
                               cfg->threads, &t->ws))
        return 1;
    t->grad = malloc(t->chunk * s->channels * 2 * sizeof *t->grad);
    t->adjoint = malloc(t->chunk * s->channels * 2 * sizeof *t->adjoint);
    if (!t->grad || !t->adjoint)
        return fit_error("out of memory for the training buffers");
    return 0;
}

/* fit_fold_step's slab function: forward on the slab's pixels, the
   loss's adjoint (its sum of squares in sums[0]), backward. */
static int edit_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    trainer *t = ctx;
    const scene *s = t->s;
    size_t per_point = s->channels * 2, first, n;
    fit_slab_range(slab, s->count, t->chunk, &first, &n);
    double scale = 2.0 / ((double)s->count * (double)s->channels);
    siren_jet out = {.gradient = t->grad}, adj = {.gradient = t->adjoint};
    int status = siren_forward(m->net, t->ws, n, s->coords + 2 * first, &out);
    if (status == SIREN_OK) {
        sums[0] = poisson_loss(t->grad, s->field + first * per_point, n * per_point, s->step,
                               scale, t->adjoint, 0.0);
        status = siren_backward(m->net, t->ws, &adj);
    }
    if (status != SIREN_OK)
        return fit_library_error("training step", status);
    return 0;
}

/* One Adam step on every pixel; *loss is the mean squared field error
   (summed over the two axes) before it. */
static int train_step(trainer *t, fit_model *m, double *loss)
{
    const scene *s = t->s;
    double sum;
    int status = fit_fold_step(&t->fold, m, fit_slab_count(s->count, t->chunk), 1, edit_slab,
                               t, &sum);
    if (status)
        return status;
    *loss = sum / ((double)s->count * (double)s->channels);
    return 0;
}

/* fit_train's step: every pixel (whatever the step); the progress line
   (and the log) show the RMS field error per axis, times 1000. */
static int edit_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    int status = train_step(ctx, m, loss);
    *metric = 1000.0 * sqrt(*loss / 2.0);
    return status;
}

int edit_train(const fit_options *f, const scene *s, fit_model *m, FILE *log, fit_run *run)
{
    trainer tr;
    int status = fit_dist_agree(trainer_init(&tr, f, s, m->net));
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "field RMSE", "x 1e-3", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, edit_step, &tr, run);
    trainer_free(&tr);
    return status;
}
