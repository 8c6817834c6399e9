/* render.c - evaluating a 2-D SIREN on an image grid and writing the
   results as images (see render.h). */
#include "render.h"

#include "image.h"
#include "io/image_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void rendering_free(rendering *r)
{
    free(r->values);
    free(r->grad_norm);
    free(r->laplacian);
    r->values = r->grad_norm = r->laplacian = NULL;
}

/* Weights of the channels in the Laplacian image: the Rec. 601 luma of
   RGB (a plain mean would let opposite colour edges cancel), or 1. */
static float channel_weight(size_t channels, size_t c)
{
    static const float luma[3] = {0.299f, 0.587f, 0.114f};
    return channels == 3 ? luma[c] : 1.0f / (float)channels;
}

/* One chunk's jets -> the gradient magnitude (root mean square over the
   channels of each channel's gradient norm, so no edge cancels) and the
   Laplacian of the luma. The Laplacian is already per pixel^2 (weighted,
   see make_workspace). */
static void reduce_chunk(const rendering *r, size_t first, size_t n, const float *grad,
                         const float *lap)
{
    size_t ch = r->channels;
    float step_row = image_pixel_step(r->height), step_col = image_pixel_step(r->width);
    for (size_t i = 0; i < n; i++) {
        float squares = 0, l = 0;
        for (size_t c = 0; c < ch; c++) {
            float g_row = grad[(i * ch + c) * 2] * step_row;
            float g_col = grad[(i * ch + c) * 2 + 1] * step_col;
            squares += g_row * g_row + g_col * g_col;
            l += channel_weight(ch, c) * lap[i * ch + c];
        }
        r->grad_norm[first + i] = sqrtf(squares / (float)ch);
        r->laplacian[first + i] = l;
    }
}

static int make_workspace(const siren_net *net, size_t chunk, size_t threads,
                          const rendering *r, siren_workspace **ws)
{
    unsigned what = SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_EVAL_ONLY;
    int status = siren_workspace_create(net, chunk, what, ws);
    if (status == SIREN_OK && threads > 0)
        status = siren_workspace_set_threads(*ws, threads);
    /* Weights (step_row^2, step_col^2): second derivatives per pixel. */
    float weights[2] = {image_pixel_step(r->height) * image_pixel_step(r->height),
                        image_pixel_step(r->width) * image_pixel_step(r->width)};
    if (status == SIREN_OK)
        status = siren_workspace_set_laplacian_weights(*ws, weights, 2);
    return status;
}

int render_field(const siren_net *net, size_t width, size_t height, size_t chunk,
                 size_t threads, rendering *r)
{
    siren_config cfg;
    int status = siren_net_config(net, &cfg);
    if (status != SIREN_OK || cfg.in_features != 2 || width == 0 || height == 0 || chunk == 0)
        return SIREN_ERR_INVALID_ARGUMENT;
    size_t n = width * height, ch = cfg.out_features;
    *r = (rendering){width, height, ch, NULL, NULL, NULL};
    chunk = chunk < n ? chunk : n;
    float *grid = image_grid(width, height);
    float *grad = malloc(chunk * ch * 2 * sizeof *grad), *lap = malloc(chunk * ch * sizeof *lap);
    r->values = malloc(n * ch * sizeof *r->values);
    r->grad_norm = malloc(n * sizeof *r->grad_norm);
    r->laplacian = malloc(n * sizeof *r->laplacian);
    siren_workspace *ws = NULL;
    status = SIREN_ERR_OUT_OF_MEMORY;
    if (grid && grad && lap && r->values && r->grad_norm && r->laplacian)
        status = make_workspace(net, chunk, threads, r, &ws);
    for (size_t first = 0; status == SIREN_OK && first < n; first += chunk) {
        size_t count = n - first < chunk ? n - first : chunk;
        siren_jet out = {.value = r->values + first * ch, .gradient = grad, .laplacian = lap};
        status = siren_eval(net, ws, count, grid + 2 * first, &out);
        if (status == SIREN_OK)
            reduce_chunk(r, first, count, grad, lap);
    }
    siren_workspace_free(ws);
    free(grid);
    free(grad);
    free(lap);
    if (status != SIREN_OK)
        rendering_free(r);
    return status;
}

int render_write_values(const char *path, const rendering *r, int bits, char *err,
                        size_t errlen)
{
    pnm_image img;
    if (pnm_alloc(&img, r->width, r->height, r->channels, err, errlen))
        return -1;
    for (size_t i = 0; i < r->width * r->height * r->channels; i++)
        img.data[i] = 0.5f * (r->values[i] + 1.0f);
    int status = image_write(path, &img, bits, err, errlen);
    pnm_free(&img);
    return status;
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The 99th percentile of |v| (the largest when that is zero); -1 when
   out of memory. */
static float display_scale(const float *v, size_t n)
{
    float *mag = malloc(n * sizeof *mag);
    if (!mag)
        return -1;
    for (size_t i = 0; i < n; i++)
        mag[i] = fabsf(v[i]);
    qsort(mag, n, sizeof *mag, compare_floats);
    float scale = mag[(size_t)(0.99 * (double)(n - 1))];
    if (!(scale > 0))
        scale = mag[n - 1];
    free(mag);
    return scale;
}

int render_write_display(const char *path, size_t width, size_t height, const float *v,
                         bool symmetric, char *err, size_t errlen)
{
    pnm_image img;
    size_t n = width * height;
    if (pnm_alloc(&img, width, height, 1, err, errlen))
        return -1;
    float scale = display_scale(v, n);
    if (scale < 0) {
        pnm_free(&img);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    float inv = scale > 0 ? 1.0f / scale : 0.0f;
    for (size_t i = 0; i < n; i++)
        img.data[i] = symmetric ? 0.5f + 0.5f * v[i] * inv : v[i] * inv;
    int status = image_write(path, &img, 8, err, errlen);
    pnm_free(&img);
    return status;
}
