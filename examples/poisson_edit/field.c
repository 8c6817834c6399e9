/* field.c - poisson_edit's scene: loading the two images, the weight m
   of the source (a region, a mask image or 1 everywhere) and the blended
   target field of their Sobel gradients (field.h). */
#define _POSIX_C_SOURCE 200809L
#include "field.h"

#include "fit/image.h"
#include "fit/messages.h"
#include "fit/training.h"
#include "io/pnm.h"
#include "pde/stencil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void scene_free(scene *s)
{
    free(s->background);
    free(s->source);
    free(s->weight);
    free(s->field);
    free(s->coords);
}

/* Grey to three channels, in place of img->data (a no-op for colour). */
static int to_colour(pnm_image *img)
{
    if (img->channels == 3)
        return 0;
    size_t n = img->width * img->height;
    float *rgb = malloc(n * 3 * sizeof *rgb);
    if (!rgb)
        return -1;
    for (size_t i = 0; i < 3 * n; i++)
        rgb[i] = img->data[i / 3];
    free(img->data);
    img->data = rgb;
    img->channels = 3;
    return 0;
}

static int load_images(const scene_request *r, scene *s)
{
    char err[256];
    pnm_image bg, src;
    if (training_load_image(r->background, (size_t)r->size, 0, 0, &bg, err, sizeof err))
        return fit_error("%s: %s", r->background, err);
    if (training_load_image(r->source, 0, bg.width, bg.height, &src, err, sizeof err)) {
        pnm_free(&bg);
        return fit_error("%s: %s", r->source, err);
    }
    if (bg.channels != src.channels && (to_colour(&bg) || to_colour(&src))) {
        pnm_free(&bg);
        pnm_free(&src);
        return fit_error("out of memory");
    }
    s->width = bg.width;
    s->height = bg.height;
    s->channels = bg.channels;
    s->count = bg.width * bg.height;
    s->background = bg.data;
    s->source = src.data;
    return 0;
}

/* m from the mask image: its luma, from [-1, 1] back to [0, 1]. */
static int read_mask(const scene_request *r, scene *s)
{
    char err[256];
    pnm_image mask;
    if (training_load_image(r->mask, 0, s->width, s->height, &mask, err, sizeof err))
        return fit_error("%s: %s", r->mask, err);
    for (size_t p = 0; p < s->count; p++) {
        const float *v = mask.data + p * mask.channels;
        float grey = mask.channels == 3 ? 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2] : v[0];
        float m = 0.5f * (grey + 1.0f);
        /* Resampling leaves tiny non-zero values around black: snap them. */
        s->weight[p] = m < 1e-3f ? 0.0f : m > 1.0f - 1e-3f ? 1.0f : m;
    }
    pnm_free(&mask);
    return 0;
}

/* m: the rectangle, the mask image (its luma), or 1 everywhere. A region
   must lie inside the image: one that reaches beyond it was most likely
   measured on another size, and clipping it would paste a different
   rectangle than the one asked for. */
static int make_weight(const scene_request *r, scene *s)
{
    const long *rect = r->rect;
    if (r->region && (rect[0] + rect[2] > (long)s->width || rect[1] + rect[3] > (long)s->height))
        return fit_error("--region %s does not lie inside the %zux%zu image (X + W at most "
                         "%zu, Y + H at most %zu)",
                         r->region, s->width, s->height, s->width, s->height);
    s->weight = malloc(s->count * sizeof *s->weight);
    if (!s->weight)
        return fit_error("out of memory");
    for (size_t p = 0; p < s->count; p++) {
        long row = (long)(p / s->width), column = (long)(p % s->width);
        s->weight[p] = !r->region || (column >= rect[0] && column < rect[0] + rect[2] &&
                                      row >= rect[1] && row < rect[1] + rect[3]);
    }
    return r->mask ? read_mask(r, s) : 0;
}

/* field = (1 - alpha m) G1 + alpha m G2, with g2 (scratch of the field's
   size) for the source's gradients. */
static void blend_fields(scene *s, float *g2)
{
    size_t n = s->count * s->channels * 2;
    stencil_sobel_gradient(s->background, s->width, s->height, s->channels, s->field);
    stencil_sobel_gradient(s->source, s->width, s->height, s->channels, g2);
    for (size_t i = 0; i < n; i++) {
        float a = (float)s->alpha * s->weight[i / (2 * s->channels)];
        s->field[i] = (1.0f - a) * s->field[i] + a * g2[i];
    }
}

int scene_load(const scene_request *r, scene *s)
{
    memset(s, 0, sizeof *s);
    s->alpha = r->alpha;
    int status = load_images(r, s);
    if (status == 0 && (s->width < 3 || s->height < 3))
        status = fit_error("%s: %zux%zu is too small (3x3 at least)",
                           r->background, s->width, s->height);
    if (status == 0)
        status = make_weight(r, s);
    size_t n = s->count * s->channels * 2;
    float *g2 = status ? NULL : malloc(n * sizeof *g2);
    if (status == 0) {
        s->field = malloc(n * sizeof *s->field);
        s->coords = image_grid(s->width, s->height);
        if (!g2 || !s->field || !s->coords)
            status = fit_error("out of memory");
    }
    if (status == 0) {
        blend_fields(s, g2);
        s->step[0] = image_pixel_step(s->height);
        s->step[1] = image_pixel_step(s->width);
    }
    free(g2);
    if (status)
        scene_free(s);
    return status;
}

bool scene_background_only(const scene *s, size_t p)
{
    return (float)s->alpha * s->weight[p] == 0.0f;
}

void scene_pixel_blend(const scene *s, float *out)
{
    for (size_t i = 0; i < s->count * s->channels; i++) {
        float a = (float)s->alpha * s->weight[i / s->channels];
        out[i] = (1.0f - a) * s->background[i] + a * s->source[i];
    }
}

void scene_field_magnitude(const scene *s, float *mag)
{
    for (size_t p = 0; p < s->count; p++) {
        float squares = 0;
        for (size_t i = 0; i < s->channels * 2; i++) {
            float g = s->field[p * s->channels * 2 + i];
            squares += g * g;
        }
        mag[p] = sqrtf(squares / (float)s->channels);
    }
}
