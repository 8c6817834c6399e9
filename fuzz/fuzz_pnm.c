/* fuzz_pnm.c - the examples' PGM/PPM parser (examples/io/pnm.c,
 * pnm_parse) on arbitrary bytes.
 *
 * Invariants: it never crashes or reads outside the buffer, and its
 * result is what image_checks.h requires. A parsed image written with
 * pnm_write and read back would be a stronger check but needs a file
 * system: tests/examples/io/test_pnm.c covers the round trips.
 */
#include "fuzz.h"
#include "image_checks.h"
#include "pnm.h"

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
    int status = pnm_parse(data, size, &img, err, sizeof err);
    check_parsed_image(status, &img, err, sizeof err);
    return 0;
}
