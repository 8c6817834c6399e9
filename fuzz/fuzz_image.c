/* fuzz_image.c - the examples' image reader (examples/io/image_file.c,
 * image_parse) on arbitrary bytes: PGM/PPM, and PNG (and with stb JPEG,
 * BMP, GIF, PSD) through the build's image library.
 *
 * Invariants: it returns 0 or -1 and never crashes or reads outside the
 * buffer; on -1 the image is empty (data NULL) and the message is a
 * terminated string of one line; on 0 the sizes are positive, within
 * PNM_MAX_SAMPLES, the channels 1 or 3, maxval 1..65535, and every sample
 * lies in [0, 1]. The decoders themselves (libpng, stb_image) are the
 * system's, uninstrumented: the harness covers what this project adds
 * around them (the dispatch, the limits checked before the pixels are
 * allocated, the conversion to grey or RGB, the error messages).
 */
#include "fuzz.h"
#include "image_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pnm_image img;
    char err[256];
    memset(err, 'x', sizeof err);
    int status = image_parse(data, size, &img, err, sizeof err);
    FUZZ_CHECK(status == 0 || status == -1);
    if (status != 0) {
        FUZZ_CHECK(img.data == NULL);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    FUZZ_CHECK(img.width > 0 && img.height > 0);
    FUZZ_CHECK(img.channels == 1 || img.channels == 3);
    FUZZ_CHECK(img.maxval >= 1 && img.maxval <= 65535);
    FUZZ_CHECK(img.width <= PNM_MAX_SAMPLES / img.height);
    size_t samples = img.width * img.height * img.channels;
    FUZZ_CHECK(samples <= PNM_MAX_SAMPLES);
    for (size_t i = 0; i < samples; i++)
        FUZZ_CHECK(img.data[i] >= 0.0f && img.data[i] <= 1.0f);
    pnm_free(&img);
    return 0;
}
