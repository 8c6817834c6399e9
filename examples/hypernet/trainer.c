/* trainer.c - the hypernet model's training loop (trainer.h): the
   shuffled deck of training faces, the augmented batches with their
   random contexts, and the Adam steps with a progress line. */
#include "trainer.h"

#include "adam.h"
#include "fit/messages.h"
#include "fit/progress.h"
#include "random.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A face, mirrored left to right when asked (a face's mirror image is
   a face: the augmentation doubles the 80 training faces). */
static void copy_face(const faces *d, size_t index, bool mirror, float *out)
{
    const float *face = d->values + index * d->pixels;
    for (size_t r = 0; r < d->side; r++)
        for (size_t c = 0; c < d->side; c++)
            out[r * d->side + c] = face[r * d->side + (mirror ? d->side - 1 - c : c)];
}

/* Contrast and brightness changed at random, v -> a v + b with
   a in [1 - x, 1 + x], b in [-x, x], clipped to [-1, 1]: faces under other
   lighting, so that the model reads the context instead of recognising
   one of its few training faces. */
static void jitter_face(const faces *d, float x, uint64_t *rng, float *face)
{
    float a = 1.0f + x * (float)(2.0 * hn_random_uniform(rng) - 1.0);
    float b = x * (float)(2.0 * hn_random_uniform(rng) - 1.0);
    for (size_t p = 0; p < d->pixels; p++)
        face[p] = fminf(1.0f, fmaxf(-1.0f, a * face[p] + b));
}

/* The state of a training run: the shuffled deck and one batch. */
typedef struct trainer {
    const faces *data;
    size_t batch, train;
    uint64_t rng;
    size_t *deck, deck_left;  /* the training faces in shuffled order, epoch by epoch */
    size_t *order;            /* [pixels] */
    size_t *start;            /* [batch + 1] */
    float *context;           /* [batch * context_max][3] */
    float *targets;           /* [batch][pixels] */
    hn_work work;
} trainer;

static void trainer_free(trainer *t)
{
    free(t->deck);
    free(t->order);
    free(t->start);
    free(t->context);
    free(t->targets);
    hn_work_free(&t->work);
}

static int trainer_init(trainer *t, const train_config *cfg, const faces *d, const hn_model *m)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->train = (size_t)cfg->train;
    t->batch = (size_t)cfg->batch < t->train ? (size_t)cfg->batch : t->train;
    t->rng = cfg->seed * 0x9e3779b97f4a7c15u + 1;
    size_t kmax = (size_t)cfg->context_max < d->pixels ? (size_t)cfg->context_max : d->pixels;
    t->deck = malloc(t->train * sizeof *t->deck);
    t->order = malloc(d->pixels * sizeof *t->order);
    t->start = malloc((t->batch + 1) * sizeof *t->start);
    t->context = malloc(t->batch * kmax * 3 * sizeof *t->context);
    t->targets = malloc(t->batch * d->pixels * sizeof *t->targets);
    if (!t->deck || !t->order || !t->start || !t->context || !t->targets)
        return fit_error("out of memory for the training batch");
    int status = hn_work_create(m, t->batch, t->batch * kmax, d->pixels, (size_t)cfg->chunk,
                                (size_t)cfg->threads, &t->work);
    return status == SIREN_OK ? 0 : fit_library_error("training buffers", status);
}

static size_t next_face(trainer *t)
{
    if (t->deck_left == 0) { /* a new epoch: shuffle */
        for (size_t i = 0; i < t->train; i++)
            t->deck[i] = i;
        for (size_t i = t->train; i > 1; i--) {
            size_t j = (size_t)(hn_random_next(&t->rng) % i), swap = t->deck[i - 1];
            t->deck[i - 1] = t->deck[j];
            t->deck[j] = swap;
        }
        t->deck_left = t->train;
    }
    return t->deck[--t->deck_left];
}

/* The batch of one step: faces (mirrored at random), each with a context
   size drawn uniformly from [context_min, context_max]. */
static hn_batch make_batch(trainer *t, const train_config *cfg)
{
    const faces *d = t->data;
    size_t kmin = (size_t)cfg->context_min < d->pixels ? (size_t)cfg->context_min : d->pixels;
    size_t kmax = (size_t)cfg->context_max < d->pixels ? (size_t)cfg->context_max : d->pixels;
    t->start[0] = 0;
    for (size_t f = 0; f < t->batch; f++) {
        bool mirror = !cfg->no_flip && (hn_random_next(&t->rng) & 1);
        float *face = t->targets + f * d->pixels;
        copy_face(d, next_face(t), mirror, face);
        if (cfg->jitter > 0)
            jitter_face(d, (float)cfg->jitter, &t->rng, face);
        size_t k = kmin + (size_t)(hn_random_next(&t->rng) % (kmax - kmin + 1));
        faces_pick_context(d, face, k, false, &t->rng, t->order, t->context + 3 * t->start[f]);
        t->start[f + 1] = t->start[f] + k;
    }
    return (hn_batch){t->batch, t->start, t->context, d->pixels, d->grid, t->targets};
}

/* The progress line's PSNR of the image term. */
static double psnr_from_mse(double mse)
{
    return 10.0 * log10(4.0 / mse); /* values span [-1, 1] */
}

/* One step: a new batch, the loss and its gradient, and the Adam update
   of the model's parameters. 0, or 1 after a message. */
static int train_step(trainer *t, const train_config *cfg, hn_model *m, hn_adam *opt,
                      uint64_t step, hn_loss *loss)
{
    hn_batch batch = make_batch(t, cfg);
    int rc = hn_loss_and_grad(m, &t->work, &batch, loss);
    if (rc != SIREN_OK)
        return fit_library_error("training step", rc);
    double norm = hn_adam_step(opt, m->params, m->grads);
    if (!isfinite(norm))
        return fit_error("step %llu: the gradient is not finite (lower --lr)",
                         (unsigned long long)step + 1);
    return 0;
}

int train_model(const train_config *cfg, const faces *d, hn_model *m, run_stats *stats)
{
    trainer t;
    hn_adam opt = {0};
    int status = trainer_init(&t, cfg, d, m);
    if (status == 0 && hn_adam_create(m->count, (float)cfg->lr, (float)cfg->clip, &opt))
        status = fit_error("out of memory for Adam");
    progress bar;
    progress_start(&bar, 0, (uint64_t)cfg->steps, "PSNR", "dB");
    uint64_t step = 0;
    while (status == 0 && step < (uint64_t)cfg->steps) {
        status = train_step(&t, cfg, m, &opt, step, &stats->last);
        if (status == 0) {
            step++;
            progress_update(&bar, step, stats->last.total, psnr_from_mse(stats->last.image));
        }
    }
    progress_finish(&bar);
    stats->steps = step;
    stats->seconds = progress_clock() - bar.start;
    hn_adam_free(&opt);
    trainer_free(&t);
    return status;
}
