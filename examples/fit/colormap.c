/* colormap.c - the diverging colour map (see colormap.h). */
#include "colormap.h"

#include "io/image_file.h"

#include <math.h>
#include <stdlib.h>

int colormap_write_signed(const char *path, size_t width, size_t height, const float *values,
                          double scale, char *err, size_t errlen)
{
    pnm_image img;
    if (pnm_alloc(&img, width, height, 3, err, errlen))
        return -1;
    double inv = scale > 0 ? 1.0 / scale : 0.0;
    for (size_t i = 0; i < width * height; i++) {
        float *rgb = img.data + 3 * i;
        double v = values[i] * inv;
        if (v != v) {
            rgb[0] = rgb[1] = rgb[2] = 0;
            continue;
        }
        v = v > 1 ? 1 : v < -1 ? -1 : v;
        /* towards red: blue and green fade; towards blue: red and green */
        rgb[0] = (float)(v < 0 ? 1 + v : 1);
        rgb[1] = (float)(1 - fabs(v));
        rgb[2] = (float)(v > 0 ? 1 - v : 1);
    }
    int status = image_write(path, &img, 8, err, errlen);
    pnm_free(&img);
    return status;
}

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

double colormap_abs_quantile(const float *values, const unsigned char *mask, size_t n, double q)
{
    float *m = malloc((n ? n : 1) * sizeof *m);
    if (!m)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if ((!mask || mask[i]) && values[i] == values[i])
            m[k++] = fabsf(values[i]);
    double result = 0;
    if (k > 0) {
        qsort(m, k, sizeof *m, compare_float);
        size_t at = (size_t)(q * (double)(k - 1) + 0.5);
        result = m[at < k ? at : k - 1];
    }
    free(m);
    return result;
}
