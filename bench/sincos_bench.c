/* sincos_bench.c - speed and accuracy of libsiren's sin/cos kernels
   (src/sincos*.c), built by hand against the kernel sources alone:

       cc -std=c11 -O2 -Iinclude -Isrc bench/sincos_bench.c src/sincos*.c \
          -o build/sincos_bench -lm

   build/sincos_bench            ns per element: libm sinf + cosf, the
                                 portable kernel, the AVX2 kernel
   build/sincos_bench accuracy [STRIDE]
                                 every STRIDE-th float in [0, 2^17] (all of
                                 them by default, about a minute) against
                                 double sin and cos: maximum absolute error,
                                 in ulps of the result, and whether the two
                                 kernels agree bit for bit
*/
#define _POSIX_C_SOURCE 199309L
#include "internal.h"
#include "sincos_kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void kernel_fn(size_t n, const float *x, float *sin_x, float *cos_x);

static void libm_sincos(size_t n, const float *x, float *sin_x, float *cos_x)
{
    for (size_t i = 0; i < n; i++) {
        sin_x[i] = sinf(x[i]);
        cos_x[i] = cosf(x[i]);
    }
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* xorshift64: reproducible inputs without the library. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

/* Best of 7 timings of 100 calls on 4096 points, in ns per point. */
static double time_kernel(kernel_fn *kernel, const float *x, float *s, float *c, size_t n)
{
    double best = 1e30;
    for (int rep = 0; rep < 7; rep++) {
        double t0 = seconds();
        for (int k = 0; k < 100; k++)
            kernel(n, x, s, c);
        double ns = (seconds() - t0) * 1e9 / (100.0 * (double)n);
        if (ns < best)
            best = ns;
    }
    return best;
}

static int run_speed(void)
{
    enum { N = 4096 };
    static float x[N], s[N], c[N];
    const double ranges[] = {3.14159265, 1000.0, 131072.0};
    bool have_avx2 = siren__sincos_uses_avx2();
    printf("ns per element (sin and cos of one float), %d points, best of 7\n", N);
    printf("%-22s %10s %10s %10s\n", "x uniform in", "libm", "portable", "avx2");
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < N; i++)
            x[i] = (float)((2.0 * uniform() - 1.0) * ranges[r]);
        double t_libm = time_kernel(libm_sincos, x, s, c, N);
        double t_port = time_kernel(siren__sincos_portable, x, s, c, N);
        char label[32], avx[16] = "n/a";
        snprintf(label, sizeof label, "[-%g, %g]", ranges[r], ranges[r]);
#if SIREN_SINCOS_HAVE_AVX2
        if (have_avx2)
            snprintf(avx, sizeof avx, "%.3f", time_kernel(siren__sincos_avx2, x, s, c, N));
#endif
        printf("%-22s %10.3f %10.3f %10s\n", label, t_libm, t_port, avx);
    }
    return 0;
}

/* The worst errors seen so far for one function. Near the zeros of sin
   and cos the error is small in absolute terms but may be many ulps of the
   tiny result, so ulps are reported for results of magnitude >= 2^-8 and
   the absolute error separately for the smaller ones. */
typedef struct worst {
    double abs_err, abs_at;   /* largest |error| and the x where it was */
    double ulp_err, ulp_at;   /* largest |error| / ulp(result), |result| >= 2^-8 */
    double small_err, small_at; /* largest |error| where |result| < 2^-8 */
} worst;

static double float_ulp(double v)
{
    int e;
    frexp(fabs(v), &e);              /* |v| = m 2^e, m in [0.5, 1) */
    return ldexp(1.0, (e - 1 < -126 ? -126 : e - 1) - 23);
}

static void record(worst *w, double x, float got, double want)
{
    double err = fabs((double)got - want);
    if (err > w->abs_err) {
        w->abs_err = err;
        w->abs_at = x;
    }
    if (fabs(want) < 0x1p-8) {
        if (err > w->small_err) {
            w->small_err = err;
            w->small_at = x;
        }
        return;
    }
    double ulps = err / float_ulp(want);
    if (ulps > w->ulp_err) {
        w->ulp_err = ulps;
        w->ulp_at = x;
    }
}

static int run_accuracy(uint32_t stride)
{
    enum { CHUNK = 1 << 14 };
    static float x[CHUNK], s[CHUNK], c[CHUNK], s2[CHUNK], c2[CHUNK];
    const uint32_t last = 0x48000000u;  /* 2^17 */
    worst ws = {0, 0, 0, 0, 0, 0}, wc = {0, 0, 0, 0, 0, 0};
    uint64_t tested = 0, mismatches = 0;
    bool have_avx2 = siren__sincos_uses_avx2();
    for (uint64_t bits = 0; bits <= last;) {
        size_t m = 0;
        for (; m < CHUNK && bits <= last; m++, bits += stride) {
            uint32_t b = (uint32_t)bits;
            memcpy(&x[m], &b, sizeof b);
        }
        siren__sincos(m, x, s, c);
        siren__sincos_portable(m, x, s2, c2);
        if (memcmp(s, s2, m * sizeof *s) != 0 || memcmp(c, c2, m * sizeof *c) != 0)
            mismatches++;
        for (size_t i = 0; i < m; i++) {
            double xd = (double)x[i];
            record(&ws, xd, s[i], sin(xd));
            record(&wc, xd, c[i], cos(xd));
        }
        tested += m;
    }
    printf("%llu floats in [0, 2^17], stride %u, kernel %s\n", (unsigned long long)tested,
           (unsigned)stride, have_avx2 ? "avx2 (portable compared bit for bit)" : "portable");
    const char *names[2] = {"sin", "cos"};
    const worst *w[2] = {&ws, &wc};
    for (int f = 0; f < 2; f++) {
        printf("%s: max |error| %.3g = %.3f * 2^-24 at x = %.9g\n", names[f], w[f]->abs_err,
               w[f]->abs_err * 0x1p24, w[f]->abs_at);
        printf("     max %.3f ulp where |%s x| >= 2^-8 (at x = %.9g);"
               " max |error| %.3g where |%s x| < 2^-8 (at x = %.9g)\n",
               w[f]->ulp_err, names[f], w[f]->ulp_at, w[f]->small_err, names[f], w[f]->small_at);
    }
    printf("chunks where avx2 and portable differ: %llu\n", (unsigned long long)mismatches);
    return mismatches == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "accuracy") == 0) {
        long stride = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
        return run_accuracy(stride > 0 ? (uint32_t)stride : 1u);
    }
    return run_speed();
}
