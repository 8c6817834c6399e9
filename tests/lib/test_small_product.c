/* test_small_product.c - siren__small_product, the small-batch path's
   layer product z[c][r] = alpha dot(W[r], S[c]) (src/small_product.c),
   and its transposed product siren__small_product_t, through each kernel
   set this CPU has (the portable one always):
   - bit for bit against a plain-C model of the order of sums that
     small_product.c documents (lanes, fused or not, the halving), so the
     documented order is the one computed, whatever the tile, the
     position and the other columns;
   - against a double-precision dot product, to a bound on float rounding;
   - over depths that are and are not multiples of the lanes, rows and
     columns around every tile shape, row strides wider than the rows;
   - writing nothing outside z's rows and columns. */
#include "check.h"
#include "gemm_kernels.h"

#include "reference.h" /* ref_uniform */

#include <float.h>
#include <math.h>
#include <stdint.h>

static unsigned long long rng_state = 0x2545f4914f6cdd1du;

static float *random_floats(size_t count)
{
    float *x = malloc((count ? count : 1) * sizeof *x);
    for (size_t i = 0; i < count; i++)
        x[i] = (float)ref_uniform(&rng_state, -1.0, 1.0);
    return x;
}

#define SENTINEL 4321.0f

/* count floats of SENTINEL, which what the products must not write keeps. */
static float *sentinels(size_t count)
{
    float *x = malloc(count * sizeof *x);
    for (size_t i = 0; i < count; i++)
        x[i] = SENTINEL;
    return x;
}

/* got is want bit for bit, and alpha sum_k a[k sa] b[k sb] to within the
   rounding bound of a sum of n products (each product and sum rounds
   once: |error| <= (n + 1) eps sum |a b|). */
static bool agrees(float got, float want, const float *a, size_t sa, const float *b, size_t sb,
                   size_t n, float alpha)
{
    double exact = 0, magnitude = 0;
    for (size_t k = 0; k < n; k++) {
        exact += (double)a[k * sa] * b[k * sb];
        magnitude += fabs((double)a[k * sa] * b[k * sb]);
    }
    exact *= alpha;
    double bound = (double)(n + 2) * FLT_EPSILON * magnitude * fabs(alpha) + 1e-30;
    return memcmp(&got, &want, sizeof got) == 0 && fabs(got - exact) <= bound;
}

/* The documented order: lane j = sum over k = j mod L, in order of k,
   from 0, a last partial group adding exact zeros; then halving. */
static float model_dot(const float *w, const float *s, size_t depth, size_t lanes, bool fused,
                       float alpha)
{
    float lane[16] = {0};
    size_t groups = (depth + lanes - 1) / lanes;
    for (size_t k = 0; k < groups * lanes; k++) {
        float a = k < depth ? w[k] : 0.0f, b = k < depth ? s[k] : 0.0f;
        size_t j = k % lanes;
        if (fused) {
            lane[j] = fmaf(a, b, lane[j]);
        } else {
            float product = a * b;
            lane[j] = lane[j] + product;
        }
    }
    for (size_t half = lanes / 2; half > 0; half /= 2)
        for (size_t j = 0; j < half; j++)
            lane[j] = lane[j] + lane[j + half];
    return alpha * lane[0];
}

/* One shape through the current kernel set. */
static bool check_shape(size_t rows, size_t cols, size_t depth, size_t pad, float alpha)
{
    const siren_gemm_kernel *kernel = siren__gemm_kernel();
    size_t ldw = depth + pad, lds = depth + 2 * pad, ldz = rows + pad;
    float *w = random_floats(rows * ldw), *s = random_floats(cols * lds);
    float *z = sentinels(cols * ldz);
    siren__small_product(rows, cols, depth, alpha, w, ldw, s, lds, z, ldz);
    bool ok = true;
    for (size_t c = 0; c < cols && ok; c++)
        for (size_t r = 0; r < ldz && ok; r++) {
            float got = z[c * ldz + r];
            const float *wr = w + r * ldw, *sc = s + c * lds;
            ok = r >= rows ? got == SENTINEL
                           : agrees(got, model_dot(wr, sc, depth, kernel->dot_lanes,
                                                   kernel->dot_fused, alpha),
                                    wr, 1, sc, 1, depth, alpha);
            if (!ok)
                fprintf(stderr, "  %s: rows %zu cols %zu depth %zu: z[%zu][%zu] = %.9g\n",
                        kernel->name, rows, cols, depth, c, r, got);
        }
    free(w);
    free(s);
    free(z);
    return ok;
}

static void check_all_shapes(void)
{
    static const size_t depths[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 256, 259};
    static const size_t rows_list[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 256};
    static const float alphas[] = {1.0f, 30.0f, -0.5f};
    size_t failures = 0;
    for (size_t d = 0; d < sizeof depths / sizeof *depths; d++)
        for (size_t r = 0; r < sizeof rows_list / sizeof *rows_list; r++)
            for (size_t cols = 1; cols <= 11; cols++) {
                float alpha = alphas[(d + r + cols) % 3];
                if (!check_shape(rows_list[r], cols, depths[d], (d + cols) % 3, alpha))
                    failures++;
            }
    CHECK(failures == 0);
}

static int for_each_path(void (*check)(void))
{
    static const siren_gemm_path paths[] = {SIREN__GEMM_PORTABLE, SIREN__GEMM_AVX2,
                                            SIREN__GEMM_AVX512};
    int ran = 0;
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        if (!siren__gemm_use_path(paths[i]))
            continue;
        fprintf(stderr, "  kernel set %s\n", siren__gemm_kernel()->name);
        check();
        ran++;
    }
    siren__gemm_use_path(SIREN__GEMM_AUTO);
    return ran;
}

static void test_every_shape_in_the_documented_order(void)
{
    CHECK(for_each_path(check_all_shapes) >= 1);
}

/* A point's products do not depend on the columns beside it: one column
   alone gives the bits it gets among others, at any position (tiles of
   4, 2 and 1 columns). */
static void check_columns_independent(void)
{
    size_t rows = 37, depth = 256, cols = 7;
    float *w = random_floats(rows * depth), *s = random_floats(cols * depth);
    float all[7 * 37], one[37];
    siren__small_product(rows, cols, depth, 30.0f, w, depth, s, depth, all, rows);
    for (size_t c = 0; c < cols; c++) {
        siren__small_product(rows, 1, depth, 30.0f, w, depth, s + c * depth, depth, one, rows);
        CHECK(memcmp(one, all + c * rows, sizeof one) == 0);
    }
    free(w);
    free(s);
}

static void test_columns_are_independent(void)
{
    CHECK(for_each_path(check_columns_independent) >= 1);
}

/* The transposed product g[c][k] = alpha sum_i W[i][k] e[c][i]: bit for
   bit the documented order (a sum over i in order, fused or not as the
   set), within rounding of the double-precision sum, nothing written
   outside g's points and columns. */
static bool check_transposed_shape(size_t rows, size_t width, size_t cols, size_t pad,
                                   float alpha)
{
    const siren_gemm_kernel *kernel = siren__gemm_kernel();
    size_t ldw = width + pad, lde = rows + pad, ldg = width + 2 * pad;
    float *w = random_floats(rows * ldw), *e = random_floats(cols * lde);
    float *g = sentinels(cols * ldg);
    siren__small_product_t(rows, width, cols, alpha, w, ldw, e, lde, g, ldg);
    bool ok = true;
    for (size_t c = 0; c < cols && ok; c++)
        for (size_t k = 0; k < ldg && ok; k++) {
            float got = g[c * ldg + k], sum = 0.0f;
            for (size_t i = 0; i < rows && k < width; i++) {
                float a = w[i * ldw + k], b = e[c * lde + i];
                if (kernel->dot_fused) {
                    sum = fmaf(a, b, sum);
                } else {
                    float product = a * b;
                    sum = sum + product;
                }
            }
            ok = k >= width ? got == SENTINEL
                            : agrees(got, alpha * sum, w + k, ldw, e + c * lde, 1, rows, alpha);
            if (!ok)
                fprintf(stderr, "  %s transposed: rows %zu width %zu cols %zu: g[%zu][%zu] = "
                                "%.9g\n",
                        kernel->name, rows, width, cols, c, k, got);
        }
    free(w);
    free(e);
    free(g);
    return ok;
}

static void check_transposed_shapes(void)
{
    static const size_t rows_list[] = {1, 2, 7, 16, 33, 256, 300};
    static const size_t widths[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 100, 256};
    size_t failures = 0;
    for (size_t r = 0; r < sizeof rows_list / sizeof *rows_list; r++)
        for (size_t k = 0; k < sizeof widths / sizeof *widths; k++)
            for (size_t cols = 1; cols <= 9; cols++)
                if (!check_transposed_shape(rows_list[r], widths[k], cols, (r + k + cols) % 3,
                                            (r + cols) % 2 ? 30.0f : -0.5f))
                    failures++;
    CHECK(failures == 0);
}

static void test_transposed_product(void)
{
    CHECK(for_each_path(check_transposed_shapes) >= 1);
}

/* The kernel sets this CPU should have are offered. */
static void test_sets_present(void)
{
    CHECK(siren__gemm_use_path(SIREN__GEMM_PORTABLE));
    CHECK(siren__gemm_kernel()->dot_lanes == 8 && !siren__gemm_kernel()->dot_fused);
#ifdef SIREN__GEMM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        CHECK(siren__gemm_use_path(SIREN__GEMM_AVX2));
        CHECK(siren__gemm_kernel()->dot_lanes == 8 && siren__gemm_kernel()->dot_fused);
    }
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2")) {
        CHECK(siren__gemm_use_path(SIREN__GEMM_AVX512));
        CHECK(siren__gemm_kernel()->dot_lanes == 16 && siren__gemm_kernel()->dot_fused);
    }
#endif
    siren__gemm_use_path(SIREN__GEMM_AUTO);
}

int main(void)
{
    RUN(test_sets_present);
    RUN(test_every_shape_in_the_documented_order);
    RUN(test_columns_are_independent);
    RUN(test_transposed_product);
    return check_summary();
}
