/* gemm_portable.c - the matrix product's kernel set in plain C11, correct
   on every platform: the generic packer and a 4 x 8 micro-kernel whose
   fixed-size loops a compiler can vectorise. The order of operations is
   the one gemm_kernels.h fixes ("Determinism"). */
#include "gemm_kernels.h"

#include <string.h>

enum { PORTABLE_MR = 4, PORTABLE_NR = 8 };
_Static_assert(PORTABLE_MR <= SIREN__GEMM_MR_MAX && PORTABLE_NR <= SIREN__GEMM_NR_MAX &&
               SIREN__GEMM_MC % PORTABLE_MR == 0 && SIREN__GEMM_NC % PORTABLE_NR == 0,
               "the tile must fit the blocking constants (gemm_kernels.h)");

/* One panel of `width` columns, `cols` of them real, columns contiguous
   in the source: each depth step is a short row copy. */
static void pack_panel_copy(size_t width, size_t cols, size_t kc, const float *src, size_t ld,
                            float *dst)
{
    for (size_t p = 0; p < kc; p++) {
        float *out = dst + p * width;
        memcpy(out, src + p * ld, cols * sizeof *out);
        for (size_t jj = cols; jj < width; jj++)
            out[jj] = 0.0f;
    }
}

/* One panel, depth contiguous in the source: column by column. */
static void pack_panel_transpose(size_t width, size_t cols, size_t kc, const float *src,
                                 size_t ld, float *dst)
{
    for (size_t jj = 0; jj < cols; jj++) {
        const float *column = src + jj * ld;
        for (size_t p = 0; p < kc; p++)
            dst[p * width + jj] = column[p];
    }
    for (size_t jj = cols; jj < width; jj++)
        for (size_t p = 0; p < kc; p++)
            dst[p * width + jj] = 0.0f;
}

void siren__gemm_pack_generic(size_t width, bool transpose, size_t count, size_t kc,
                              const float *src, size_t ld, float *dst)
{
    for (size_t j0 = 0; j0 < count; j0 += width) {
        size_t cols = count - j0 < width ? count - j0 : width;
        if (transpose)
            pack_panel_transpose(width, cols, kc, src + j0 * ld, ld, dst);
        else
            pack_panel_copy(width, cols, kc, src + j0, ld, dst);
        dst += width * kc;
    }
}

static void portable_pack(size_t width, bool transpose, size_t count, size_t kc,
                          const float *src, size_t ld, float *dst)
{
    siren__gemm_pack_generic(width, transpose, count, kc, src, ld, dst);
}

/* c = alpha acc + beta c; c not read when beta == 0. */
static void update_row(float *c, const float *acc, float alpha, float beta)
{
    for (size_t j = 0; j < PORTABLE_NR; j++)
        c[j] = beta == 0.0f ? alpha * acc[j] : alpha * acc[j] + beta * c[j];
}

static void portable_micro(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                           float alpha, float beta)
{
    /* Two rows at a time: few enough accumulators for a compiler to keep
       in (vector) registers across the whole depth, enough independent
       sums to hide the adder's latency. */
    for (size_t i = 0; i < PORTABLE_MR; i += 2) {
        float acc0[PORTABLE_NR] = {0}, acc1[PORTABLE_NR] = {0};
        for (size_t p = 0; p < kc; p++) {
            float a0 = a[p * PORTABLE_MR + i], a1 = a[p * PORTABLE_MR + i + 1];
            const float *b_p = b + p * PORTABLE_NR;
            for (size_t j = 0; j < PORTABLE_NR; j++)
                acc0[j] += a0 * b_p[j];
            for (size_t j = 0; j < PORTABLE_NR; j++)
                acc1[j] += a1 * b_p[j];
        }
        update_row(c + i * ldc, acc0, alpha, beta);
        update_row(c + (i + 1) * ldc, acc1, alpha, beta);
    }
}

/* ----------------------------------------- small-batch dot products */

/* The small-batch product's tiles (gemm_kernels.h, siren_dot_tile_fn) in
   plain C: each dot product in 8 lanes, lane j summing the products of
   depth k = j mod 8 in order (a product and a sum, two roundings, as the
   portable matrix product rounds), then summed by halving
   (small_product.c, "Order of the sums"). */
enum { DOT_LANES = 8 };

/* lane[j] += w[k0 + j] s[k0 + j] for j < m, and += 0 for the rest (the
   SIMD sets' masked lanes). The product and the sum are two statements
   so that no compiler fuses them. */
static inline void dot_step(float *lane, const float *w, const float *s, size_t m)
{
    for (size_t j = 0; j < DOT_LANES; j++) {
        float product = j < m ? w[j] * s[j] : 0.0f;
        lane[j] = lane[j] + product;
    }
}

static float sum_lanes(float *lane)
{
    for (size_t half = DOT_LANES / 2; half > 0; half /= 2)
        for (size_t j = 0; j < half; j++)
            lane[j] = lane[j] + lane[j + half];
    return lane[0];
}

static void portable_dot_tile(size_t depth, size_t tile_cols, const float *w, size_t ldw,
                              size_t rows, const float *s, size_t lds, size_t cols, float alpha,
                              float *z, size_t ldz)
{
    size_t rows_per_tile = DOT_LANES / tile_cols;
    float lanes[DOT_LANES][DOT_LANES] = {{0}}; /* [c R + r][lane] */
    for (size_t k = 0; k < depth; k += DOT_LANES) {
        size_t m = depth - k < DOT_LANES ? depth - k : DOT_LANES;
        for (size_t c = 0; c < cols; c++)
            for (size_t r = 0; r < rows; r++)
                dot_step(lanes[c * rows_per_tile + r], w + r * ldw + k, s + c * lds + k, m);
    }
    for (size_t c = 0; c < cols; c++)
        for (size_t r = 0; r < rows; r++)
            z[c * ldz + r] = alpha * sum_lanes(lanes[c * rows_per_tile + r]);
}

/* The transposed tile in plain C: 8 columns of W by 4 points, each a sum
   over W's rows in order, a product and then a sum. */
enum { AXPY_POINTS = 4, AXPY_WIDTH = 8 };

static void portable_axpy_tile(size_t depth, const float *w, size_t ldw, size_t width,
                               const float *e, size_t lde, size_t cols, float alpha, float *g,
                               size_t ldg)
{
    float acc[AXPY_POINTS][AXPY_WIDTH] = {{0}};
    for (size_t i = 0; i < depth; i++, w += ldw)
        for (size_t c = 0; c < cols; c++) {
            float b = e[c * lde + i];
            for (size_t k = 0; k < width; k++) {
                float product = w[k] * b;
                acc[c][k] = acc[c][k] + product;
            }
        }
    for (size_t c = 0; c < cols; c++)
        for (size_t k = 0; k < width; k++)
            g[c * ldg + k] = alpha * acc[c][k];
}

const siren_gemm_kernel siren__gemm_portable = {
    .name = "portable",
    .mr = PORTABLE_MR,
    .nr = PORTABLE_NR,
    .pack = portable_pack,
    .micro = portable_micro,
    .dot_lanes = DOT_LANES,
    .dot_fused = false,
    .dot_tile = portable_dot_tile,
    .axpy_width = AXPY_WIDTH,
    .axpy_tile = portable_axpy_tile,
};
