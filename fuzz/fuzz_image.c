/* fuzz_image.c - the examples' image reader (examples/io/image_file.c,
 * image_parse) on arbitrary bytes: PGM/PPM, and PNG (and with stb JPEG,
 * BMP, GIF, PSD) through the build's image library.
 *
 * Invariants: it never crashes or reads outside the buffer, and its
 * result is what image_checks.h requires (as fuzz_pnm's). The decoders themselves (libpng, stb_image) are the
 * system's, uninstrumented: the harness covers what this project adds
 * around them (the dispatch, the limits checked before the pixels are
 * allocated, the conversion to grey or RGB, the error messages).
 */
#include "fuzz.h"
#include "image_checks.h"
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
    check_parsed_image(status, &img, err, sizeof err);
    return 0;
}
