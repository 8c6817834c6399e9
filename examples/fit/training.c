/* training.c - shared pieces of the signal example programs (see
   training.h). */
#include "training.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int training_load_image(const char *path, size_t longest, size_t width, size_t height,
                        pnm_image *img, char *err, size_t errlen)
{
    pnm_image raw;
    if (image_read(path, &raw, err, errlen))
        return -1;
    if (width == 0)
        image_fit_size(raw.width, raw.height, longest, &width, &height);
    int status = image_resample(&raw, width, height, IMAGE_BILINEAR, img, err, errlen);
    pnm_free(&raw);
    if (status)
        return -1;
    for (size_t i = 0; i < width * height * img->channels; i++)
        img->data[i] = 2.0f * img->data[i] - 1.0f;
    return 0;
}

int training_write_image(const char *path, const float *values, size_t width, size_t height,
                         size_t channels, char *err, size_t errlen)
{
    pnm_image img;
    if (pnm_alloc(&img, width, height, channels, err, errlen))
        return -1;
    for (size_t i = 0; i < width * height * channels; i++)
        img.data[i] = 0.5f * (values[i] + 1.0f);
    int status = image_write(path, &img, 8, err, errlen);
    pnm_free(&img);
    return status;
}


double training_psnr(double mse)
{
    return 10.0 * log10(4.0 / mse);
}
