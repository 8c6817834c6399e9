/* image_checks.h - what the image readers' harnesses (fuzz_pnm.c,
 * fuzz_image.c) require of a parse: it returns 0 or -1; on -1 the image
 * is empty (data NULL) and the message is a terminated string of one
 * line; on 0 the sizes are positive, within PNM_MAX_SAMPLES, the channels
 * 1 or 3, maxval 1..65535, and every sample lies in [0, 1]. Frees the
 * image. (err was filled with 'x' before the parse: a message left
 * unterminated is caught.)
 */
#ifndef SIREN_FUZZ_IMAGE_CHECKS_H
#define SIREN_FUZZ_IMAGE_CHECKS_H

#include "fuzz.h"
#include "pnm.h"

static inline void check_parsed_image(int status, pnm_image *img, const char *err,
                                      size_t errlen)
{
    FUZZ_CHECK(status == 0 || status == -1);
    if (status != 0) {
        FUZZ_CHECK(img->data == NULL);
        FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return;
    }
    FUZZ_CHECK(img->width > 0 && img->height > 0);
    FUZZ_CHECK(img->channels == 1 || img->channels == 3);
    FUZZ_CHECK(img->maxval >= 1 && img->maxval <= 65535);
    FUZZ_CHECK(img->width <= PNM_MAX_SAMPLES / img->height);
    size_t samples = img->width * img->height * img->channels;
    FUZZ_CHECK(samples <= PNM_MAX_SAMPLES);
    for (size_t i = 0; i < samples; i++)
        FUZZ_CHECK(img->data[i] >= 0.0f && img->data[i] <= 1.0f);
    pnm_free(img);
}

#endif
