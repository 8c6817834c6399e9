/* image.c - sizes, area-average resampling and coordinate grids (see
   image.h). */
#include "image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void image_fit_size(size_t width, size_t height, size_t longest, size_t *out_width,
                    size_t *out_height)
{
    *out_width = width;
    *out_height = height;
    if (longest == 0 || width == 0 || height == 0)
        return;
    double ratio = (double)longest / (double)(width > height ? width : height);
    size_t w = (size_t)llround((double)width * ratio);
    size_t h = (size_t)llround((double)height * ratio);
    *out_width = width >= height ? longest : (w ? w : 1);
    *out_height = height >= width ? longest : (h ? h : 1);
}

/* The taps of a 1-D resampling from n_in to n_out samples: output i is
   sum over k < count[i] of weight[i][k] * input[first[i] + k]. */
typedef struct taps {
    size_t stride;            /* room for taps per output */
    size_t *first, *count;    /* [n_out] */
    double *weight;           /* [n_out][stride], each row sums to 1 */
} taps;

static void taps_free(taps *t)
{
    free(t->first);
    free(t->count);
    free(t->weight);
}

/* The weight of input sample j (covering [j, j + 1)) for the output
   centred at `centre`, footprint half-width `half` in input samples. */
static double filter_weight(image_filter filter, size_t j, double centre, double half)
{
    double x = (double)j;
    if (filter == IMAGE_AREA) /* overlap of [j, j + 1) with the footprint */
        return fmax(0.0, fmin(x + 1, centre + half) - fmax(x, centre - half));
    double t = fabs(x + 0.5 - centre) / half; /* a triangle over the footprint */
    return t < 1 ? 1 - t : 0;
}

static int make_taps(image_filter filter, size_t n_in, size_t n_out, taps *t)
{
    double scale = (double)n_in / (double)n_out;
    /* Area: the output pixel's own footprint. Bilinear: PIL's, a triangle
       twice as wide when shrinking (antialiased), plain interpolation
       when enlarging. */
    double half = filter == IMAGE_AREA ? scale / 2 : fmax(scale, 1.0);
    t->stride = (size_t)ceil(2 * half) + 3;
    t->first = malloc(n_out * sizeof *t->first);
    t->count = malloc(n_out * sizeof *t->count);
    t->weight = malloc(n_out * t->stride * sizeof *t->weight);
    if (!t->first || !t->count || !t->weight)
        return -1;
    for (size_t i = 0; i < n_out; i++) {
        double centre = ((double)i + 0.5) * scale, *w = t->weight + i * t->stride, sum = 0;
        double lo = floor(centre - half) - 1;
        size_t first = lo > 0 ? (size_t)lo : 0, count = 0;
        for (size_t j = first; j < n_in && count < t->stride; j++) {
            double wj = filter_weight(filter, j, centre, half);
            if (wj <= 0 && count > 0)
                break; /* past the footprint */
            if (wj <= 0) {
                first = j + 1; /* not yet in it */
                continue;
            }
            w[count++] = wj;
            sum += wj;
        }
        for (size_t k = 0; k < count; k++)
            w[k] /= sum;
        t->first[i] = first;
        t->count[i] = count;
    }
    return 0;
}

/* Resamples one line (stride step_in, `channels` interleaved) with t. */
static void resample_line(const taps *t, const float *src, size_t step_in, float *dst,
                          size_t n_out, size_t step_out, size_t channels)
{
    for (size_t i = 0; i < n_out; i++) {
        const double *w = t->weight + i * t->stride;
        const float *in = src + t->first[i] * step_in;
        for (size_t c = 0; c < channels; c++) {
            double sum = 0;
            for (size_t k = 0; k < t->count[i]; k++)
                sum += w[k] * in[k * step_in + c];
            dst[i * step_out + c] = (float)sum;
        }
    }
}

int image_resample(const pnm_image *src, size_t width, size_t height, image_filter filter,
                   pnm_image *dst, char *err, size_t errlen)
{
    size_t ch = src->channels;
    taps tx = {0}, ty = {0};
    pnm_image rows = {0}; /* resampled along x only: src->height x width */
    memset(dst, 0, sizeof *dst);
    if (make_taps(filter, src->width, width, &tx) ||
        make_taps(filter, src->height, height, &ty)) {
        taps_free(&tx);
        taps_free(&ty);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int status = pnm_alloc(&rows, width, src->height, ch, err, errlen);
    if (status == 0)
        status = pnm_alloc(dst, width, height, ch, err, errlen);
    for (size_t y = 0; status == 0 && y < src->height; y++)
        resample_line(&tx, src->data + y * src->width * ch, ch, rows.data + y * width * ch,
                      width, ch, ch);
    for (size_t x = 0; status == 0 && x < width; x++)
        resample_line(&ty, rows.data + x * ch, width * ch, dst->data + x * ch, height,
                      width * ch, ch);
    if (status == 0)
        dst->maxval = src->maxval;
    else
        pnm_free(dst);
    pnm_free(&rows);
    taps_free(&tx);
    taps_free(&ty);
    return status;
}

void image_linspace(size_t n, float *out)
{
    if (n == 1) {
        out[0] = 0.0f;
        return;
    }
    /* torch's CPU kernel: the first half counts up from -1, the second
       half down from +1, so both ends are exact and the grid symmetric. */
    float step = 2.0f / (float)(n - 1);
    size_t half = n / 2;
    for (size_t i = 0; i < n; i++)
        out[i] = i < half ? -1.0f + step * (float)i : 1.0f - step * (float)(n - 1 - i);
}

float image_pixel_step(size_t n)
{
    return n > 1 ? 2.0f / (float)(n - 1) : 0.0f;
}

float *image_grid(size_t width, size_t height)
{
    float *rows = malloc(height * sizeof *rows);
    float *cols = malloc(width * sizeof *cols);
    float *grid = NULL;
    if (rows && cols && width <= ((size_t)-1 / 2 / sizeof *grid) / height)
        grid = malloc(width * height * 2 * sizeof *grid);
    if (grid) {
        image_linspace(height, rows);
        image_linspace(width, cols);
        for (size_t r = 0; r < height; r++)
            for (size_t c = 0; c < width; c++) {
                grid[2 * (r * width + c)] = rows[r];
                grid[2 * (r * width + c) + 1] = cols[c];
            }
    }
    free(rows);
    free(cols);
    return grid;
}
