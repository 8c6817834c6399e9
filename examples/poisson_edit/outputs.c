/* outputs.c - naming, checking and writing poisson_edit's output files
   (outputs.h). */
#define _POSIX_C_SOURCE 200809L
#include "outputs.h"

#include "fit/messages.h"
#include "fit/render.h"
#include "fit/training.h"
#include "io/files.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void outputs_free(outputs *p)
{
    for (int i = 0; i < OUT_COUNT; i++)
        free(p->path[i]);
}

int outputs_plan(const fit_options *f, const scene_request *inputs, size_t channels,
                 outputs *p)
{
    static const char *suffix[OUT_MODEL] = {"_composite", "_naive", "_grad", "_target_grad"};
    for (int i = 0; i < OUT_COUNT; i++) {
        size_t ch = i == OUT_COMPOSITE || i == OUT_NAIVE ? channels : 1;
        p->path[i] = i == OUT_MODEL ? fit_model_path(f) : fit_image_path(f, suffix[i], ch);
        if (!p->path[i])
            return fit_error("out of memory");
    }
    const char *all[OUT_COUNT + 1] = {[OUT_COUNT] = f->log};
    memcpy(all, p->path, sizeof p->path);
    const char *input_files[3] = {inputs->background, inputs->source, inputs->mask};
    return fit_check_outputs(all, OUT_COUNT + 1, input_files, 3, &f->ckpt);
}

/* The four images: the aligned composite (r->values), the pixel blend
   (naive), and the gradient magnitudes of the network (r->grad_norm) and
   of the field (made in scratch, s->count floats). */
static int write_images(const scene *s, const outputs *paths, const rendering *r,
                        const float *naive, float *scratch)
{
    char err[512];
    scene_field_magnitude(s, scratch);
    if (training_write_image(paths->path[OUT_COMPOSITE], r->values, s->width, s->height,
                             s->channels, err, sizeof err) ||
        training_write_image(paths->path[OUT_NAIVE], naive, s->width, s->height, s->channels,
                             err, sizeof err) ||
        render_write_display(paths->path[OUT_GRAD], s->width, s->height, r->grad_norm, false,
                             err, sizeof err) ||
        render_write_display(paths->path[OUT_TARGET_GRAD], s->width, s->height, scratch, false,
                             err, sizeof err))
        return fit_error("writing the images: %s", err);
    return 0;
}

int outputs_write(const scene *s, const outputs *paths, const siren_net *net, size_t chunk,
                  size_t threads, quality *q)
{
    rendering r = {0};
    int status = render_field(net, s->width, s->height, chunk, threads, &r);
    if (status != SIREN_OK)
        return fit_library_error("rendering", status);
    float *naive = malloc(s->count * s->channels * sizeof *naive);
    float *scratch = malloc(s->count * sizeof *scratch);
    int failed = naive && scratch ? 0 : fit_error("out of memory");
    if (!failed) {
        scene_pixel_blend(s, naive);
        failed = quality_measure(s, &r, naive, scratch, q);
    }
    /* the model first: if the disk fills up after it, the training is kept */
    if (!failed)
        failed = fit_net_save(net, paths->path[OUT_MODEL]);
    if (!failed)
        failed = write_images(s, paths, &r, naive, scratch);
    if (!failed)
        failed = quality_field_error(s, net, chunk, threads, &q->grad_rmse);
    if (!failed)
        printf("wrote %s, %s, %s, %s and %s\n", paths->path[OUT_COMPOSITE],
               paths->path[OUT_NAIVE], paths->path[OUT_GRAD], paths->path[OUT_TARGET_GRAD],
               paths->path[OUT_MODEL]);
    free(naive);
    free(scratch);
    rendering_free(&r);
    return failed;
}
