/* montage.c - the wave example's frames in one picture (see montage.h). */
#include "montage.h"

#include "fit/colormap.h"

#include <stdio.h>
#include <stdlib.h>

size_t wave_montage_width(size_t side, size_t count)
{
    return count * side + (count - 1) * WAVE_MONTAGE_GAP;
}

size_t wave_montage_height(size_t side)
{
    return 2 * side + WAVE_MONTAGE_GAP;
}

/* Frame `frame` divided by `scale` at column offset `left`, row offset `top`. */
static void place(float *picture, size_t width, size_t left, size_t top, const float *frame,
                  size_t side, double scale)
{
    for (size_t r = 0; r < side; r++)
        for (size_t c = 0; c < side; c++)
            picture[(top + r) * width + left + c] = (float)(frame[r * side + c] / scale);
}

int wave_montage_write(const char *path, size_t side, size_t count, const float *net,
                       const float *fd, const double *scales, char *err, size_t errlen)
{
    size_t width = wave_montage_width(side, count), height = wave_montage_height(side);
    float *picture = calloc(width * height, sizeof *picture); /* 0: white */
    if (!picture) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = side * side;
    for (size_t k = 0; k < count; k++) {
        size_t left = k * (side + WAVE_MONTAGE_GAP);
        place(picture, width, left, 0, net + k * n, side, scales[k]);
        place(picture, width, left, side + WAVE_MONTAGE_GAP, fd + k * n, side, scales[k]);
    }
    int status = colormap_write_signed(path, width, height, picture, 1.0, err, errlen);
    free(picture);
    return status;
}
