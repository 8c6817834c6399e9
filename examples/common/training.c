/* training.c - shared pieces of the signal example programs (see
   training.h). */
#include "training.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int training_create(const training_setup *setup, siren_net **net, siren_adam **opt)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = (uint32_t)setup->in_features;
    cfg.out_features = (uint32_t)setup->out_features;
    cfg.hidden_features = (uint32_t)setup->width;
    cfg.hidden_layers = (uint32_t)setup->depth;
    cfg.first_omega = (float)setup->first_omega;
    cfg.hidden_omega = (float)setup->hidden_omega;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    adam.lr = (float)setup->lr;
    *net = NULL;
    *opt = NULL;
    int status = siren_net_create(&cfg, net);
    if (status == SIREN_OK)
        status = siren_net_init(*net, setup->seed);
    if (status == SIREN_OK)
        status = siren_adam_create(*net, &adam, opt);
    if (status != SIREN_OK) {
        siren_net_free(*net);
        *net = NULL;
    }
    return status;
}

int training_load_image(const char *path, size_t longest, size_t width, size_t height,
                        pnm_image *img, char *err, size_t errlen)
{
    pnm_image raw;
    if (pnm_read(path, &raw, err, errlen))
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
    int status = pnm_write(path, &img, 8, err, errlen);
    pnm_free(&img);
    return status;
}

uint64_t training_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

double training_psnr(double mse)
{
    return 10.0 * log10(4.0 / mse);
}
