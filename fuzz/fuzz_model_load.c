/* fuzz_model_load.c - siren_net_load_buffer on arbitrary bytes.
 *
 * Each input is loaded twice: as it is, and with its last four bytes
 * replaced by the CRC-32 of the rest, so that mutations get past the
 * checksum and reach the fields behind it (the library is not built
 * differently for fuzzing: a crash found here reproduces anywhere).
 *
 * Invariants of a successful load:
 *  - saving the net gives back exactly the bytes loaded (every field is
 *    checked, nothing is silently repaired or ignored);
 *  - the net evaluates (value and gradient at a few points) when small;
 *  - loading again with an allocator that fails at allocation k returns
 *    OUT_OF_MEMORY for every k before success, and leaks nothing.
 * Any load must return OK or one of FORMAT, VERSION (never crash, never
 * read outside the buffer: libFuzzer hands us a block of exactly size).
 */
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("SIREN_NUM_THREADS", "1", 1);
    return 0;
}

static void check_round_trip(const siren_net *net, const uint8_t *data, size_t size)
{
    size_t len = 0;
    FUZZ_CHECK(siren_net_save_buffer(net, NULL, 0, &len) == SIREN_ERR_TOO_LARGE);
    FUZZ_CHECK(len == size);
    uint8_t *again = malloc(len);
    FUZZ_CHECK(siren_net_save_buffer(net, again, len, &len) == SIREN_OK);
    FUZZ_CHECK(memcmp(again, data, size) == 0);
    free(again);
}

/* Small nets only: a fuzzed file may declare a wide one. */
static void check_evaluates(const siren_net *net)
{
    siren_config cfg;
    FUZZ_CHECK(siren_net_config(net, &cfg) == SIREN_OK);
    if (siren_net_param_count(net) > 20000 || cfg.in_features > 16 || cfg.out_features > 64)
        return;
    enum { N = 3 };
    float x[N * 16], value[N * 64], gradient[N * 64 * 16];
    for (size_t i = 0; i < N * cfg.in_features; i++)
        x[i] = (float)i / 7.0f - 0.5f;
    siren_workspace *ws = NULL;
    FUZZ_CHECK(siren_workspace_create(net, N, SIREN_VALUE | SIREN_GRADIENT, &ws) == SIREN_OK);
    siren_jet jet = {value, gradient, NULL, NULL};
    FUZZ_CHECK(siren_eval(net, ws, N, x, &jet) == SIREN_OK);
    siren_workspace_free(ws);
}

static void check_load_failures(const uint8_t *data, size_t size)
{
    for (size_t k = 1;; k++) {
        fuzz_counter c;
        siren_allocator alloc = fuzz_counting_allocator(&c, k);
        siren_net *net = NULL;
        int status = siren_net_load_buffer_with_allocator(data, size, &alloc, &net);
        if (status == SIREN_OK) {
            FUZZ_CHECK(c.calls == k - 1); /* no allocation failed */
            siren_net_free(net);
            FUZZ_CHECK(c.live == 0 && c.bad_frees == 0);
            break;
        }
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY && net == NULL);
        FUZZ_CHECK(c.live == 0 && c.bad_frees == 0);
        FUZZ_CHECK(k < 100);
    }
}

static void load(const uint8_t *data, size_t size)
{
    siren_net *net = NULL;
    int status = siren_net_load_buffer(data, size, &net);
    FUZZ_CHECK(status == SIREN_OK || status == SIREN_ERR_FORMAT ||
               status == SIREN_ERR_VERSION);
    if (status != SIREN_OK) {
        FUZZ_CHECK(net == NULL);
        return;
    }
    check_round_trip(net, data, size);
    check_evaluates(net);
    siren_net_free(net);
    check_load_failures(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copies of exactly `size` bytes, so that ASan sees any over-read. */
    uint8_t *copy = calloc(size ? size : 1, 1);
    if (size)
        memcpy(copy, data, size);
    load(copy, size);
    if (size >= 4) {
        uint32_t crc = siren__crc32(0, copy, size - 4);
        for (int i = 0; i < 4; i++)
            copy[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        load(copy, size);
    }
    free(copy);
    return 0;
}
