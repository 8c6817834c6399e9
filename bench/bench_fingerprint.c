/* bench_fingerprint.c - what it would cost siren_backward to check every
 * parameter against the forward pass, and what the sampled fingerprint it
 * uses costs (issue 19, item 2; docs/SECURITY.md): median times, on one
 * thread, for the reference SIREN (2 -> 256 x 4 -> 1, 198,401
 * parameters) at 1, 64 and 65536 points, of
 *   forward       siren_forward, value only
 *   step          siren_forward + siren_backward (what a training step
 *                 adds a check to, twice: once in each)
 *   full_hash     a 64-bit hash of every parameter's bits (16 lanes of
 *                 FNV-1a style multiply-xor), compiled as the library is
 *   full_hash_avx512  the same hash by hand in AVX-512 (the best case;
 *                 "n/a" on a CPU without it)
 *   fingerprint   siren__params_fingerprint: 16 samples per layer
 * One line per point count, "key=value" pairs:
 *   points=1 forward_us=... step_us=... full_hash_us=... ...
 * then the full hash against a forward pass, and two hashes (forward and
 * backward each take one) against a step, and the same for the sample.
 *
 *   make bench-fingerprint        (builds bin/bench_fingerprint and runs it)
 */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"
#include "siren.h"
#include "timing.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX512_HASH 1
#endif

static volatile uint64_t sink; /* keeps the hashes from being optimised away */

enum { LANES = 16 };

/* Every parameter, 16 lanes: each lane an FNV-1a hash of every 16th word. */
static uint64_t full_hash(const float *p, size_t n)
{
    uint32_t h[LANES];
    for (int k = 0; k < LANES; k++)
        h[k] = 2166136261u + (uint32_t)k;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        uint32_t w[LANES];
        memcpy(w, p + i, sizeof w);
        for (int k = 0; k < LANES; k++)
            h[k] = (h[k] ^ w[k]) * 16777619u;
    }
    uint64_t r = 14695981039346656037u;
    for (int k = 0; k < LANES; k++)
        r = (r ^ h[k]) * 1099511628211u;
    for (; i < n; i++) {
        uint32_t w;
        memcpy(&w, p + i, sizeof w);
        r = (r ^ w) * 1099511628211u;
    }
    return r;
}

#ifdef HAVE_AVX512_HASH
/* The same lanes in one AVX-512 register, four registers in flight. */
__attribute__((target("avx512f"))) static uint64_t full_hash_avx512(const float *p, size_t n)
{
    const __m512i prime = _mm512_set1_epi32(16777619);
    __m512i h[4];
    for (int r = 0; r < 4; r++)
        h[r] = _mm512_set1_epi32((int)(2166136261u + (unsigned)r));
    size_t i = 0;
    for (; i + 4 * LANES <= n; i += 4 * LANES)
        for (int r = 0; r < 4; r++) {
            __m512i w = _mm512_loadu_si512((const void *)(p + i + (size_t)r * LANES));
            h[r] = _mm512_mullo_epi32(_mm512_xor_si512(h[r], w), prime);
        }
    uint32_t lanes[4 * LANES];
    for (int r = 0; r < 4; r++)
        _mm512_storeu_si512((void *)(lanes + r * LANES), h[r]);
    uint64_t result = 14695981039346656037u;
    for (int k = 0; k < 4 * LANES; k++)
        result = (result ^ lanes[k]) * 1099511628211u;
    for (; i < n; i++) {
        uint32_t w;
        memcpy(&w, p + i, sizeof w);
        result = (result ^ w) * 1099511628211u;
    }
    return result;
}
#endif

typedef struct timing {
    double forward, step, full, full_avx512, fingerprint;
} timing;

/* Median seconds of `reps` runs of each measurement at n points. */
static timing measure(siren_net *net, siren_workspace *ws, size_t n, const float *x, float *y,
                      float *dy, int reps)
{
    double *t[5];
    for (int k = 0; k < 5; k++)
        t[k] = malloc((size_t)reps * sizeof(double));
    size_t count = siren_net_param_count(net);
    const float *params = siren_net_params(net);
    siren_jet out = {y, NULL, NULL, NULL}, adjoint = {dy, NULL, NULL, NULL};
    bool avx512 = false;
#ifdef HAVE_AVX512_HASH
    avx512 = __builtin_cpu_supports("avx512f");
#endif
    for (int r = 0; r < reps; r++) {
        double t0 = seconds_now();
        siren_forward(net, ws, n, x, &out);
        double t1 = seconds_now();
        siren_backward(net, ws, &adjoint);
        double t2 = seconds_now();
        sink += full_hash(params, count);
        double t3 = seconds_now();
#ifdef HAVE_AVX512_HASH
        if (avx512)
            sink += full_hash_avx512(params, count);
#endif
        double t4 = seconds_now();
        sink += siren__params_fingerprint(net, params, 1);
        double t5 = seconds_now();
        t[0][r] = t1 - t0;
        t[1][r] = t2 - t0;
        t[2][r] = t3 - t2;
        t[3][r] = avx512 ? t4 - t3 : -1.0;
        t[4][r] = t5 - t4;
    }
    double median[5];
    for (int k = 0; k < 5; k++) {
        median[k] = median_of(t[k], (size_t)reps);
        free(t[k]);
    }
    return (timing){median[0], median[1], median[2], median[3], median[4]};
}

int main(void)
{
    siren_config cfg;
    siren_config_default(&cfg); /* 2 -> 256 x 4 -> 1 */
    siren_net *net = NULL;
    siren_workspace *ws = NULL;
    enum { MAX_POINTS = 65536 };
    if (siren_net_create(&cfg, &net) || siren_net_init(net, 1) ||
        siren_workspace_create(net, MAX_POINTS, SIREN_VALUE, &ws) ||
        siren_workspace_set_threads(ws, 1)) {
        fprintf(stderr, "bench_fingerprint: cannot make the network\n");
        return 1;
    }
    float *x = malloc(2 * MAX_POINTS * sizeof *x), *y = malloc(MAX_POINTS * sizeof *y);
    float *dy = malloc(MAX_POINTS * sizeof *dy);
    for (size_t i = 0; i < 2 * MAX_POINTS; i++)
        x[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    for (size_t i = 0; i < MAX_POINTS; i++)
        dy[i] = 1e-3f;
    printf("reference SIREN, %zu parameters, 1 thread; medians\n", siren_net_param_count(net));
    size_t points[3] = {1, 64, MAX_POINTS};
    int reps[3] = {2001, 1001, 11};
    for (int k = 0; k < 3; k++) {
        timing m = measure(net, ws, points[k], x, y, dy, reps[k]);
        printf("points=%zu forward_us=%.2f step_us=%.2f full_hash_us=%.2f ", points[k],
               1e6 * m.forward, 1e6 * m.step, 1e6 * m.full);
        if (m.full_avx512 >= 0)
            printf("full_hash_avx512_us=%.2f ", 1e6 * m.full_avx512);
        else
            printf("full_hash_avx512_us=n/a ");
        printf("fingerprint_us=%.3f\n  full_hash_vs_forward=%.2f%% full_hash_x2_vs_step=%.2f%% ",
               1e6 * m.fingerprint, 100.0 * m.full / m.forward, 100.0 * 2.0 * m.full / m.step);
        if (m.full_avx512 >= 0)
            printf("avx512_vs_forward=%.2f%% avx512_x2_vs_step=%.2f%% ",
                   100.0 * m.full_avx512 / m.forward, 100.0 * 2.0 * m.full_avx512 / m.step);
        printf("fingerprint_x2_vs_step=%.3f%%\n", 100.0 * 2.0 * m.fingerprint / m.step);
    }
    free(x);
    free(y);
    free(dy);
    siren_workspace_free(ws);
    siren_net_free(net);
    return 0;
}
