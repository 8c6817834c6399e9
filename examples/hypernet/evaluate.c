/* evaluate.c - the hypernet example's measurement on the held-out faces
   (evaluate.h): every method on the same contexts, the errors averaged
   over faces and draws, the first draw kept for the grid. */
#include "evaluate.h"

#include "baselines.h"
#include "fit/messages.h"
#include "fit/progress.h"
#include "refine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const METHOD_KEYS[METHODS] = {"mse", "meanface", "siren", "onepass", "tuned"};

/* The oracle codes start from the encoder's codes of 300 known pixels. */
enum { ORACLE_SETTING = 2 };

void evaluation_free(evaluation *e)
{
    free(e->mean_face);
    for (int s = 0; s < SETTINGS; s++) {
        for (int k = 0; k < METHODS; k++)
            free(e->shown[s][k]);
        context_set_free(&e->shown_context[s]);
    }
}

/* pred[k] = n floats for every method k. 0, or 1 after a message (the
   ones allocated are still to be freed). */
static int alloc_predictions(float *pred[METHODS], size_t n)
{
    int status = 0;
    for (int k = 0; k < METHODS; k++)
        pred[k] = malloc(n * sizeof(float));
    for (int k = 0; k < METHODS; k++)
        if (!pred[k])
            status = 1;
    return status ? fit_error("out of memory") : 0;
}

/* The faces every method makes from the context set c:
   pred[k][count][pixels]. The order matters: TUNED starts from the
   SIRENs hn_predict leaves in w->theta, which the refinement overwrites. */
static int predict_every_method(const eval_config *cfg, const hn_model *m, const faces *d,
                                hn_work *w, const evaluation *e, const context_set *c,
                                float *pred[METHODS])
{
    hn_batch batch = {c->faces, c->start, c->rows, d->pixels, d->grid, NULL};
    int rc = hn_predict(m, w, &batch, pred[ONE_PASS]);
    if (rc != SIREN_OK)
        return fit_library_error("hypernetwork prediction", rc);
    for (size_t f = 0; f < e->count; f++)
        memcpy(pred[MEAN_FACE] + f * d->pixels, e->mean_face, d->pixels * sizeof(float));
    int status = baseline_fit_siren(cfg, m, d, c, NULL, pred[SIREN_FIT]);
    if (status == 0)
        status = baseline_fit_siren(cfg, m, d, c, w->theta, pred[TUNED]);
    if (status == 0 && cfg->refine_steps > 0)
        status = refine_predict(cfg, m, d, w, c, pred[HYPERNET]);
    else if (status == 0)
        memcpy(pred[HYPERNET], pred[ONE_PASS], e->count * d->pixels * sizeof(float));
    return status;
}

/* Each face's error, per method, added into sums. */
static void add_errors(const faces *d, const evaluation *e, float *const pred[METHODS],
                       double sums[METHODS])
{
    for (int k = 0; k < METHODS; k++)
        for (size_t f = 0; f < e->count; f++)
            sums[k] += faces_inpainting_mse(d->pixels, pred[k] + f * d->pixels,
                                            d->values + (e->first + f) * d->pixels);
}

/* Every method on one context set; adds each face's error into sums and,
   for draw 0, keeps the predictions and the context for the grid. */
static int evaluate_set(const eval_config *cfg, const hn_model *m, const faces *d, hn_work *w,
                        int s, size_t draw, evaluation *e, double sums[METHODS])
{
    context_set c;
    if (context_set_make(d, e->first, e->count, s, draw, &c))
        return 1;
    float *pred[METHODS];
    int status = alloc_predictions(pred, e->count * d->pixels);
    if (status == 0)
        status = predict_every_method(cfg, m, d, w, e, &c, pred);
    if (status == 0 && cfg->oracle_steps > 0 && s == ORACLE_SETTING && draw == 0)
        status = refine_oracle_error(cfg, m, d, w, &c, e->first, &e->oracle);
    if (status == 0)
        add_errors(d, e, pred, sums);
    if (status == 0 && draw == 0) {
        for (int k = 0; k < METHODS; k++) {
            e->shown[s][k] = pred[k];
            pred[k] = NULL;
        }
        e->shown_context[s] = c;
    } else {
        context_set_free(&c);
    }
    for (int k = 0; k < METHODS; k++)
        free(pred[k]);
    return status;
}

/* Every draw of setting s: the mean errors into e->mse[*][s]. */
static int evaluate_setting(const eval_config *cfg, const hn_model *m, const faces *d,
                            hn_work *w, int s, evaluation *e)
{
    double sums[METHODS] = {0};
    int status = 0;
    for (size_t draw = 0; status == 0 && draw < (size_t)cfg->draws; draw++)
        status = evaluate_set(cfg, m, d, w, s, draw, e, sums);
    for (int k = 0; k < METHODS; k++)
        e->mse[k][s] = sums[k] / ((double)e->count * (double)cfg->draws);
    if (status == 0)
        fit_say("evaluated %s known pixels", SETTING_NAMES[s]);
    return status;
}

int evaluate(const eval_config *cfg, const hn_model *m, const faces *d, evaluation *e)
{
    double start = progress_clock();
    memset(e, 0, sizeof *e);
    e->first = (size_t)cfg->train;
    e->count = d->count - e->first;
    e->mean_face = baseline_mean_face(d, (size_t)cfg->train);
    int status = e->mean_face ? 0 : fit_error("out of memory");
    hn_work w = {0};
    if (status == 0) {
        int rc = hn_work_create(m, e->count, e->count * context_largest_setting(d), d->pixels,
                                (size_t)cfg->chunk, (size_t)cfg->threads, &w);
        if (rc != SIREN_OK)
            status = fit_library_error("evaluation buffers", rc);
    }
    for (int s = 0; status == 0 && s < SETTINGS; s++)
        status = evaluate_setting(cfg, m, d, &w, s, e);
    hn_work_free(&w);
    e->seconds = progress_clock() - start;
    return status;
}

int evaluation_beats_baselines(const evaluation *e, int method)
{
    int beats = 1;
    for (int s = 0; s < SETTINGS; s++)
        beats &= e->mse[method][s] < e->mse[MEAN_FACE][s] &&
                 e->mse[method][s] < e->mse[SIREN_FIT][s];
    return beats;
}
