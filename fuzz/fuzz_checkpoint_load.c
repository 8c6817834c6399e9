/* fuzz_checkpoint_load.c - siren_checkpoint_load_buffer on arbitrary
 * bytes, loaded as they are and with the trailing CRC-32 recomputed (see
 * fuzz_model_load.c for why).
 *
 * Invariants of a successful load:
 *  - saving the pair gives back exactly the bytes loaded;
 *  - a small pair trains: forward and backward return OK, and the Adam
 *    step returns NONFINITE whenever a gradient is not finite (or their
 *    squared norm overflows), changing nothing then; it may refuse a step
 *    whose result would not be finite too, but a step it takes leaves the
 *    parameters and moments finite; the step count moves only on OK;
 *  - loading with allocation k failing returns OUT_OF_MEMORY, leaks
 *    nothing and sets neither output, for every k before success.
 * Any load returns OK, FORMAT or VERSION.
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

static void check_round_trip(const siren_net *net, const siren_adam *opt, const uint8_t *data,
                             size_t size)
{
    size_t len = 0;
    FUZZ_CHECK(siren_checkpoint_save_buffer(net, opt, NULL, 0, &len) == SIREN_ERR_TOO_LARGE);
    FUZZ_CHECK(len == size);
    uint8_t *again = malloc(len);
    FUZZ_CHECK(siren_checkpoint_save_buffer(net, opt, again, len, &len) == SIREN_OK);
    FUZZ_CHECK(memcmp(again, data, size) == 0);
    free(again);
}

/* One training step on two points: the value is fitted to zero. */
static void check_trains(siren_net *net, siren_adam *opt)
{
    siren_config cfg;
    FUZZ_CHECK(siren_net_config(net, &cfg) == SIREN_OK);
    size_t count = siren_net_param_count(net);
    if (count > 20000 || cfg.in_features > 16 || cfg.out_features > 64)
        return;
    enum { N = 2 };
    float x[N * 16], value[N * 64];
    for (size_t i = 0; i < N * cfg.in_features; i++)
        x[i] = (float)i / 5.0f - 0.5f;
    siren_workspace *ws = NULL;
    FUZZ_CHECK(siren_workspace_create(net, N, SIREN_VALUE, &ws) == SIREN_OK);
    siren_jet jet = {value, NULL, NULL, NULL};
    siren_net_zero_grad(net);
    FUZZ_CHECK(siren_forward(net, ws, N, x, &jet) == SIREN_OK);
    FUZZ_CHECK(siren_backward(net, ws, &jet) == SIREN_OK); /* adjoint = value */
    siren_workspace_free(ws);
    float *before = malloc(2 * count * sizeof(float));
    memcpy(before, siren_net_params(net), count * sizeof(float));
    memcpy(before + count, siren_net_grads(net), count * sizeof(float));
    uint64_t steps = siren_adam_step_count(opt);
    int status = siren_adam_step(opt, net);
    if (adam_refuses(before + count, count))
        FUZZ_CHECK(status == SIREN_ERR_NONFINITE);
    if (status == SIREN_ERR_NONFINITE) {
        FUZZ_CHECK(siren_adam_step_count(opt) == steps);
        FUZZ_CHECK(memcmp(before, siren_net_params(net), count * sizeof(float)) == 0);
        FUZZ_CHECK(memcmp(before + count, siren_net_grads(net), count * sizeof(float)) == 0);
    } else {
        FUZZ_CHECK(status == SIREN_OK);
        FUZZ_CHECK(siren_adam_step_count(opt) == steps + 1);
        FUZZ_CHECK(all_finite(siren_net_params(net), count));
        FUZZ_CHECK(all_finite(opt->m, count) && all_finite(opt->v, count));
    }
    free(before);
}

static void check_load_failures(const uint8_t *data, size_t size)
{
    for (size_t k = 1;; k++) {
        fuzz_counter c;
        siren_allocator alloc = fuzz_counting_allocator(&c, k);
        siren_net *net = NULL;
        siren_adam *opt = NULL;
        int status = siren_checkpoint_load_buffer_with_allocator(data, size, &alloc, &net, &opt);
        if (status == SIREN_OK) {
            FUZZ_CHECK(c.failures == 0);
            siren_adam_free(opt);
            siren_net_free(net);
            FUZZ_CHECK(c.live == 0 && c.bad_frees == 0);
            break;
        }
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY && net == NULL && opt == NULL);
        FUZZ_CHECK(c.live == 0 && c.bad_frees == 0);
        FUZZ_CHECK(k < 100);
    }
}

static void load(const uint8_t *data, size_t size)
{
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_checkpoint_load_buffer(data, size, &net, &opt);
    FUZZ_CHECK(status == SIREN_OK || status == SIREN_ERR_FORMAT ||
               status == SIREN_ERR_VERSION);
    if (status != SIREN_OK) {
        FUZZ_CHECK(net == NULL && opt == NULL);
        return;
    }
    check_round_trip(net, opt, data, size);
    check_trains(net, opt);
    siren_adam_free(opt);
    siren_net_free(net);
    check_load_failures(data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
