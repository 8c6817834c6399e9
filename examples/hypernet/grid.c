/* grid.c - the image of the hypernet evaluation's first draw (grid.h). */
#include "grid.h"

#include "fit/messages.h"
#include "io/image_file.h"

#include <math.h>
#include <stdlib.h>

/* One cell of the grid: a face (values in [-1, 1]) at column `col`. */
static void put_face(pnm_image *img, const faces *d, size_t row, size_t col, size_t zoom,
                     const float *face)
{
    size_t cell = (d->side + 2) * zoom;
    for (size_t y = 0; y < d->side * zoom; y++)
        for (size_t x = 0; x < d->side * zoom; x++) {
            size_t p = (y / zoom) * d->side + x / zoom;
            img->data[(row * cell + zoom + y) * img->width + col * cell + zoom + x] =
                0.5f * (face[p] + 1.0f);
        }
}

/* The known pixels of one face on white. */
static void context_image(const faces *d, const context_set *c, size_t f, float *out)
{
    for (size_t p = 0; p < d->pixels; p++)
        out[p] = 1.0f;
    for (size_t i = c->start[f]; i < c->start[f + 1]; i++) {
        const float *row = c->rows + 3 * i;
        /* invert the coordinate grid: linspace(-1, 1, side) */
        size_t r = (size_t)lround((row[0] + 1.0) * 0.5 * (double)(d->side - 1));
        size_t col = (size_t)lround((row[1] + 1.0) * 0.5 * (double)(d->side - 1));
        out[r * d->side + col] = row[2];
    }
}

/* Row f of the grid: held-out face f and what each method made of it.
   scratch holds one face. */
static void put_row(pnm_image *img, const faces *d, const evaluation *e, size_t f, size_t zoom,
                    float *scratch)
{
    put_face(img, d, f, 0, zoom, d->values + (e->first + f) * d->pixels);
    put_face(img, d, f, 1, zoom, e->mean_face);
    for (int s = 0; s < SETTINGS; s++) {
        size_t col = 2 + 4 * (size_t)s;
        context_image(d, &e->shown_context[s], f, scratch);
        put_face(img, d, f, col, zoom, scratch);
        put_face(img, d, f, col + 1, zoom, e->shown[s][HYPERNET] + f * d->pixels);
        put_face(img, d, f, col + 2, zoom, e->shown[s][ONE_PASS] + f * d->pixels);
        put_face(img, d, f, col + 3, zoom, e->shown[s][SIREN_FIT] + f * d->pixels);
    }
}

int grid_write(const char *path, const faces *d, const evaluation *e, long faces_shown,
               long zoom_factor)
{
    size_t rows = (size_t)faces_shown < e->count ? (size_t)faces_shown : e->count;
    if (rows == 0)
        return 0;
    size_t zoom = (size_t)zoom_factor, cell = (d->side + 2) * zoom;
    size_t columns = 2 + SETTINGS * 4;
    pnm_image img;
    char err[512];
    float *scratch = malloc(d->pixels * sizeof *scratch);
    if (!scratch || pnm_alloc(&img, columns * cell, rows * cell, 1, err, sizeof err)) {
        free(scratch);
        return fit_error("out of memory for the grid image");
    }
    for (size_t i = 0; i < img.width * img.height; i++)
        img.data[i] = 0.5f; /* grey between the cells */
    for (size_t f = 0; f < rows; f++)
        put_row(&img, d, e, f, zoom, scratch);
    int status = image_write(path, &img, 8, err, sizeof err);
    pnm_free(&img);
    free(scratch);
    return status ? fit_error("%s: %s", path, err) : 0;
}
