/* report.c - poisson_edit's measurements and result line (report.h). */
#include "report.h"

#include "fit/messages.h"
#include "fit/training.h"
#include "pde/stencil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fewest pixels a PSNR is measured on. Each is measured after fitting
   a constant per channel to the same pixels: on one pixel the fit leaves
   no error at all (inf, or rounding noise), whatever the composite. */
#define PSNR_MIN_PIXELS 2

/* Which keys apply to the scene. Where alpha m is the same at every pixel
   the pixel blend's Sobel gradients are the target field (the stencil is
   linear): its error would be 0 up to rounding, with no seam to show.
   With alpha 0 the source has no weight anywhere: nothing is inside. */
static void quality_keys(const scene *s, quality *q)
{
    size_t zeros = 0, ones = 0;
    float first = (float)s->alpha * s->weight[0];
    q->seams = false;
    for (size_t p = 0; p < s->count; p++) {
        zeros += scene_background_only(s, p);
        q->seams = q->seams || (float)s->alpha * s->weight[p] != first;
        ones += s->weight[p] == 1.0f;
    }
    q->outside = zeros >= PSNR_MIN_PIXELS;
    q->inside = s->alpha > 0 && ones >= PSNR_MIN_PIXELS && ones < s->count;
}

/* RMS error against the target field of the naive blend's own Sobel
   gradients: its seams, where the composite has none. -1 when out of
   memory. */
static double naive_field_error(const scene *s, const float *naive)
{
    size_t n = s->count * s->channels * 2;
    float *grad = malloc(n * sizeof *grad);
    if (!grad)
        return -1;
    stencil_sobel_gradient(naive, s->width, s->height, s->channels, grad);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)grad[i] - s->field[i];
        sum += d * d;
    }
    free(grad);
    return sqrt(sum / (double)n);
}

/* Inside: the composite against the source up to its own constant,
   where m = 1. */
static int measure_inside(const scene *s, const rendering *r, float *weights, quality *q)
{
    size_t n = s->count, ch = s->channels;
    float *shifted = malloc(n * ch * sizeof *shifted);
    if (!shifted)
        return fit_error("out of memory");
    for (size_t p = 0; p < n; p++)
        weights[p] = s->weight[p] == 1.0f;
    memcpy(shifted, s->source, n * ch * sizeof *shifted);
    stencil_align(shifted, r->values, weights, s->width, s->height, ch, 1);
    q->psnr_inside = training_psnr(stencil_mse(r->values, shifted, weights, n, ch));
    free(shifted);
    return 0;
}

/* Aligns the composite (r->values) by a constant per channel, to the
   background where alpha m = 0 or, when that is fewer than
   PSNR_MIN_PIXELS pixels, to the pixel blend (naive) over every pixel,
   and measures it (q's keys from quality_keys). weights: scratch of
   s->count floats. Returns 0, or 1 after an error. */
static int align_and_measure(const scene *s, const rendering *r, const float *naive,
                             float *weights, quality *q)
{
    size_t n = s->count, ch = s->channels;
    if (q->outside) {
        for (size_t p = 0; p < n; p++)
            weights[p] = scene_background_only(s, p);
        stencil_align(r->values, s->background, weights, s->width, s->height, ch, 1);
        q->psnr_aligned = training_psnr(stencil_mse(r->values, s->background, weights, n, ch));
    } else {
        stencil_align(r->values, naive, NULL, s->width, s->height, ch, 1);
        q->psnr_aligned = training_psnr(stencil_mse(r->values, naive, NULL, n, ch));
    }
    return q->inside ? measure_inside(s, r, weights, q) : 0;
}

int quality_measure(const scene *s, const rendering *r, const float *naive, float *scratch,
                    quality *q)
{
    quality_keys(s, q);
    if (q->seams && (q->naive_grad_rmse = naive_field_error(s, naive)) < 0)
        return fit_error("out of memory");
    return align_and_measure(s, r, naive, scratch, q);
}

int quality_field_error(const scene *s, const siren_net *net, size_t chunk, size_t threads,
                        double *rmse)
{
    size_t ch = s->channels;
    chunk = chunk < s->count ? chunk : s->count;
    float *grad = malloc(chunk * ch * 2 * sizeof *grad);
    siren_workspace *ws = NULL;
    int status = grad ? siren_workspace_create(net, chunk, SIREN_GRADIENT | SIREN_EVAL_ONLY, &ws)
                      : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK && threads > 0)
        status = siren_workspace_set_threads(ws, threads);
    double sum = 0;
    for (size_t first = 0; status == SIREN_OK && first < s->count; first += chunk) {
        size_t n = s->count - first < chunk ? s->count - first : chunk;
        siren_jet out = {.gradient = grad};
        status = siren_eval(net, ws, n, s->coords + 2 * first, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch * 2; i++) {
            double d = (double)s->step[i % 2] * grad[i] - s->field[first * ch * 2 + i];
            sum += d * d;
        }
    }
    *rmse = sqrt(sum / ((double)s->count * (double)ch * 2.0));
    siren_workspace_free(ws);
    free(grad);
    return status == SIREN_OK ? 0
                              : fit_library_error("evaluating the field",
                                                  status);
}

void print_result(const quality *q, const fit_run *stats, const scene *s)
{
    printf("result: %s=%.2f", q->outside ? "psnr_outside_db" : "psnr_blend_db",
           q->psnr_aligned);
    if (q->inside)
        printf(" psnr_inside_db=%.2f", q->psnr_inside);
    printf(" grad_rmse=%.5f", q->grad_rmse);
    if (q->seams)
        printf(" naive_grad_rmse=%.5f", q->naive_grad_rmse);
    printf(" steps=%llu seconds=%.1f seconds_per_step=%.3f width=%zu height=%zu\n",
           (unsigned long long)stats->last_step, stats->seconds, fit_seconds_per_step(stats),
           s->width, s->height);
}
