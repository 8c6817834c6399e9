/* faces.c - the hypernet example's data set: reading the stacked faces,
   picking the known pixels of a face, and the evaluation's error measure
   (faces.h). */
#include "faces.h"

#include "fit/image.h"
#include "fit/messages.h"
#include "io/image_file.h"
#include "random.h"

#include <math.h>
#include <stdlib.h>

void faces_free(faces *d)
{
    free(d->values);
    free(d->grid);
    d->values = d->grid = NULL;
}

/* The PGM at `path`, which must hold grey square faces one below the
   other, at least two. 0, or 1 after a message. */
static int read_face_stack(const char *path, pnm_image *img)
{
    char err[256];
    if (image_read(path, img, err, sizeof err))
        return fit_error("%s: %s", path, err);
    size_t side = img->width;
    if (img->channels != 1 || img->height % side != 0 || img->height / side < 2) {
        pnm_free(img);
        return fit_error("%s: expected grey square faces stacked "
                         "vertically (width W, height a multiple of W, at least 2 faces), "
                         "got %zux%zu with %zu channel(s)", path, img->width, img->height,
                         img->channels);
    }
    return 0;
}

int faces_load(const char *path, long train, faces *d)
{
    pnm_image img;
    if (read_face_stack(path, &img))
        return 1;
    size_t side = img.width;
    *d = (faces){side, side * side, img.height / side, img.data, image_grid(side, side)};
    if (!d->grid) {
        faces_free(d);
        return fit_error("out of memory");
    }
    for (size_t i = 0; i < d->count * d->pixels; i++)
        d->values[i] = 2.0f * d->values[i] - 1.0f;
    if ((size_t)train >= d->count) {
        size_t count = d->count;
        faces_free(d);
        return fit_error("--train %ld leaves no held-out face (%s has %zu)",
                         train, path, count);
    }
    return 0;
}

void faces_pick_context(const faces *d, const float *face, size_t k, bool half,
                        uint64_t *rng, size_t *order, float *rows)
{
    for (size_t i = 0; i < d->pixels; i++)
        order[i] = i;
    for (size_t i = 0; i < k; i++) {
        if (!half) { /* partial Fisher-Yates: k distinct pixels */
            size_t j = i + (size_t)(hn_random_next(rng) % (d->pixels - i));
            size_t pick = order[j];
            order[j] = order[i];
            order[i] = pick;
        }
        size_t p = order[i];
        rows[3 * i] = d->grid[2 * p];
        rows[3 * i + 1] = d->grid[2 * p + 1];
        rows[3 * i + 2] = face[p];
    }
}

double faces_inpainting_mse(size_t n, const float *predicted, const float *truth)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double p = fmin(1.0, fmax(0.0, 0.5 * ((double)predicted[i] + 1.0)));
        double t = 0.5 * ((double)truth[i] + 1.0);
        sum += (p - t) * (p - t);
    }
    return sum / (double)n;
}
