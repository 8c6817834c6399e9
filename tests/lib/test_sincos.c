/* test_sincos.c - siren__sincos, the sin/cos kernel under the sine layers:
   accuracy against double sin and cos over the ranges a SIREN produces,
   the special values, the libm fallback beyond 2^17, tails, unaligned and
   in-place arrays, and bit-identity of the AVX2 and portable kernels.
   Every check runs through the dispatched kernel and the portable one. */
#include "check.h"
#include "internal.h"
#include "sincos_kernels.h"

#include <float.h>
#include <stdint.h>

/* The documented bound (docs/SINCOS.md): |error| < 2^-23 for |x| <= 2^17;
   the measured maximum over every float there is 1.47 * 2^-24. */
#define TOLERANCE 0x1p-23

#define PI 3.14159265358979323846
#define HALF_PI (PI / 2)

enum { N = 1 << 15 };
static float xs[N], sins[N], coss[N], sins2[N], coss2[N];

static uint64_t rng_state = 0x2545f4914f6cdd1du;
static double uniform(void) /* [0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1p-53;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static int same_bits(float a, float b)
{
    return bits_of(a) == bits_of(b);
}

/* Largest |error| of sin and cos over x[0..n) against double precision. */
static double max_error(size_t n, const float *x, const float *s, const float *c)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double es = fabs((double)s[i] - sin((double)x[i]));
        double ec = fabs((double)c[i] - cos((double)x[i]));
        worst = fmax(worst, fmax(es, ec));
        if (!(es <= TOLERANCE && ec <= TOLERANCE)) /* catches NaN too */
            worst = INFINITY;
    }
    return worst;
}

/* Runs x[0..n) through the dispatched and the portable kernel: both within
   TOLERANCE, and bit-identical to each other. */
static void check_both_kernels(size_t n, const float *x)
{
    siren__sincos(n, x, sins, coss);
    siren__sincos_use_portable(true);
    siren__sincos(n, x, sins2, coss2);
    siren__sincos_use_portable(false);
    CHECK_NEAR(max_error(n, x, sins, coss), 0.0, TOLERANCE);
    CHECK_NEAR(max_error(n, x, sins2, coss2), 0.0, TOLERANCE);
    CHECK(memcmp(sins, sins2, n * sizeof *sins) == 0);
    CHECK(memcmp(coss, coss2, n * sizeof *coss) == 0);
}

static void check_uniform_range(double half_width)
{
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < N; i++)
            xs[i] = (float)((2.0 * uniform() - 1.0) * half_width);
        check_both_kernels(N, xs);
    }
}

static void test_range_pi(void)
{
    check_uniform_range(PI);
}

/* Hidden pre-activations: omega 30 times sums of order ten. */
static void test_range_1e3(void)
{
    check_uniform_range(1e3);
}

/* Audio: first omega 3000 on t in [-1, 1] reaches 1e4; the polynomial
   path goes to 2^17. */
static void test_range_2_17(void)
{
    check_uniform_range(131072.0);
    /* log-uniform too, so each binade is sampled as often */
    for (size_t i = 0; i < N; i++) {
        double mag = exp2(-20.0 + 37.0 * uniform());
        xs[i] = (float)(uniform() < 0.5 ? -mag : mag);
    }
    check_both_kernels(N, xs);
}

/* Where the reduction is hardest: the floats nearest k pi/2 and their
   neighbours, for k up to the end of the range. */
static void test_near_multiples_of_half_pi(void)
{
    size_t n = 0;
    for (int k = -83443; k <= 83443 && n + 5 <= N; k += 41) {
        float x = (float)(k * HALF_PI);
        xs[n++] = x;
        xs[n++] = nextafterf(x, INFINITY);
        xs[n++] = nextafterf(x, -INFINITY);
        xs[n++] = nextafterf(nextafterf(x, INFINITY), INFINITY);
        xs[n++] = (float)((k + 0.5) * HALF_PI); /* halfway: q rounds either way */
    }
    CHECK(n > 20000);
    check_both_kernels(n, xs);
    /* The floats below 2^17 nearest a multiple of pi/2 (|x - k pi/2| =
       4.2e-9, 8.4e-9, 1.2e-8, 1.6e-8; found by an exhaustive search), the
       ends of the range, and pi/4 where q changes. */
    float hard[] = {0x1.f9cbe2p+7f, 0x1.f9cbe2p+8f, 0x1.2d97c8p+2f, 0x1.9a48dep+15f,
                    -0x1.f9cbe2p+7f, (float)PI, 131071.0f, 131072.0f, -131072.0f,
                    0x1.921fb6p-1f, 0x1.921fb4p-1f, -0x1.921fb6p-1f};
    check_both_kernels(sizeof hard / sizeof hard[0], hard);
}

static void test_zero_tiny_denormal(void)
{
    float special[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, 1e-40f, -1e-40f, 1.4e-45f,
                       1e-30f, -1e-20f, 1e-10f, 3e-4f, -2e-4f};
    size_t n = sizeof special / sizeof special[0];
    for (int portable = 0; portable <= 1; portable++) {
        siren__sincos_use_portable(portable);
        siren__sincos(n, special, sins, coss);
        for (size_t i = 0; i < n; i++) {
            CHECK(coss[i] == 1.0f || fabsf(special[i]) > 1e-5f);
            if (fabsf(special[i]) < 1e-10f)
                CHECK(same_bits(sins[i], special[i])); /* sin x = x, with its sign */
        }
        CHECK(max_error(n, special, sins, coss) <= TOLERANCE);
        CHECK(same_bits(sins[1], -0.0f) && same_bits(sins[0], 0.0f));
    }
    siren__sincos_use_portable(false);
}

/* Beyond 2^17, Inf and NaN: exactly what the C library answers. */
static void test_beyond_range_uses_libm(void)
{
    float special[] = {131072.02f, -131072.02f, 2e5f, 1e6f, -3.5e7f, 1e30f, FLT_MAX, -FLT_MAX,
                       INFINITY, -INFINITY, NAN, -NAN, 1.0f, 131071.99f};
    size_t n = sizeof special / sizeof special[0];
    for (int portable = 0; portable <= 1; portable++) {
        siren__sincos_use_portable(portable);
        siren__sincos(n, special, sins, coss);
        for (size_t i = 0; i + 2 < n; i++) {
            float want_s = sinf(special[i]), want_c = cosf(special[i]);
            if (isnan(special[i]) || isinf(special[i])) {
                CHECK(isnan(sins[i]) && isnan(coss[i]));
            } else {
                CHECK(same_bits(sins[i], want_s));
                CHECK(same_bits(coss[i], want_c));
            }
        }
        /* in-range neighbours of out-of-range lanes are still the polynomial's */
        CHECK(max_error(2, special + n - 2, sins + n - 2, coss + n - 2) <= TOLERANCE);
    }
    siren__sincos_use_portable(false);
}

/* sin(-x) = -sin x and cos(-x) = cos x, to the bit. */
static void test_symmetry(void)
{
    for (size_t i = 0; i < N; i++) {
        xs[i] = (float)((2.0 * uniform() - 1.0) * 131072.0);
        xs[i] = i % 2 ? -xs[i - 1] : xs[i];
    }
    siren__sincos(N, xs, sins, coss);
    int ok = 1;
    for (size_t i = 1; i < N; i += 2)
        ok &= same_bits(sins[i], -sins[i - 1]) && same_bits(coss[i], coss[i - 1]);
    CHECK(ok);
}

/* Every length 0..100 at every offset 0..8 (pointers not 32-byte aligned):
   the same bits as one long call, and nothing written outside [0, n). */
static void test_tails_and_unaligned(void)
{
    enum { MAX = 100, PAD = 8, GUARD = 16 };
    float x[MAX + PAD], ref_s[MAX + PAD], ref_c[MAX + PAD];
    float s[MAX + PAD + GUARD], c[MAX + PAD + GUARD];
    for (size_t i = 0; i < MAX + PAD; i++)
        x[i] = (float)((2.0 * uniform() - 1.0) * 2000.0);
    x[37] = 1e9f; /* an out-of-range lane inside some of the groups */
    for (int portable = 0; portable <= 1; portable++) {
        siren__sincos_use_portable(portable);
        siren__sincos(MAX + PAD, x, ref_s, ref_c);
        int ok = 1;
        for (size_t off = 0; off <= PAD; off++) {
            for (size_t n = 0; n + off <= MAX + PAD && n <= MAX; n++) {
                for (size_t i = 0; i < MAX + PAD + GUARD; i++)
                    s[i] = c[i] = -7.0f;
                siren__sincos(n, x + off, s + off, c + off);
                for (size_t i = 0; i < MAX + PAD + GUARD; i++) {
                    int inside = i >= off && i < off + n;
                    ok &= inside ? same_bits(s[i], ref_s[i]) && same_bits(c[i], ref_c[i])
                                 : s[i] == -7.0f && c[i] == -7.0f;
                }
            }
        }
        CHECK(ok);
    }
    siren__sincos_use_portable(false);
}

/* sin_x or cos_x may be x itself, also with out-of-range elements. */
static void test_in_place(void)
{
    enum { M = 45 };
    float x[M], s[M], c[M], buf[M];
    for (size_t i = 0; i < M; i++)
        x[i] = (float)((2.0 * uniform() - 1.0) * 500.0);
    x[3] = 5e5f;
    x[20] = NAN;
    for (int portable = 0; portable <= 1; portable++) {
        siren__sincos_use_portable(portable);
        siren__sincos(M, x, s, c);
        memcpy(buf, x, sizeof buf);
        siren__sincos(M, buf, buf, c);
        CHECK(memcmp(buf, s, sizeof buf) == 0);
        memcpy(buf, x, sizeof buf);
        siren__sincos(M, buf, s, buf);
        CHECK(memcmp(buf, c, sizeof buf) == 0);
        CHECK(same_bits(s[3], sinf(5e5f)) && isnan(s[20]));
    }
    siren__sincos_use_portable(false);
}

/* The switch does what it says, and the AVX2 kernel is the default where
   the CPU has it (reported, not required: CI machines differ). */
static void test_dispatch_switch(void)
{
    bool avx2 = siren__sincos_uses_avx2();
    siren__sincos_use_portable(true);
    CHECK(!siren__sincos_uses_avx2());
    siren__sincos_use_portable(false);
    CHECK(siren__sincos_uses_avx2() == avx2);
    printf("  dispatched kernel: %s\n", avx2 ? "avx2" : "portable");
#if SIREN_SINCOS_HAVE_AVX2
    __builtin_cpu_init();
    CHECK(avx2 == (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")));
#else
    CHECK(!avx2);
#endif
}

int main(void)
{
    RUN(test_range_pi);
    RUN(test_range_1e3);
    RUN(test_range_2_17);
    RUN(test_near_multiples_of_half_pi);
    RUN(test_zero_tiny_denormal);
    RUN(test_beyond_range_uses_libm);
    RUN(test_symmetry);
    RUN(test_tails_and_unaligned);
    RUN(test_in_place);
    RUN(test_dispatch_switch);
    return check_summary();
}
