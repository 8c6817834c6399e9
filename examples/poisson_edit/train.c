/* train.c - poisson_edit's training step: the field loss on every pixel,
   its adjoint 2 s_k (s_k u_k - G_k) / (B C) of the network's gradient
   output (pde/poisson_loss.h, as examples/poisson.c's), and one Adam step
   (train.h). */
#include "train.h"

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
} trainer;

static void trainer_free(trainer *t)
{
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

/* The n pixels from first on: forward, the loss's adjoint (its sum of
   squares added to *sum), backward (accumulating the gradients). */
static int train_chunk(trainer *t, fit_model *m, size_t first, size_t n, double *sum)
{
    const scene *s = t->s;
    size_t per_point = s->channels * 2;
    double scale = 2.0 / ((double)s->count * (double)s->channels);
    siren_jet out = {.gradient = t->grad}, adj = {.gradient = t->adjoint};
    int status = siren_forward(m->net, t->ws, n, s->coords + 2 * first, &out);
    if (status == SIREN_OK) {
        *sum = poisson_loss(t->grad, s->field + first * per_point, n * per_point, s->step, scale,
                            t->adjoint, *sum);
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
    double sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < s->count; first += t->chunk) {
        size_t n = s->count - first < t->chunk ? s->count - first : t->chunk;
        int status = train_chunk(t, m, first, n, &sum);
        if (status)
            return status;
    }
    int status = fit_adam_step(m->net, m->opt);
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
    int status = trainer_init(&tr, f, s, m->net);
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "field RMSE", "x 1e-3", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, edit_step, &tr, run);
    trainer_free(&tr);
    return status;
}
