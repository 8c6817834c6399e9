/* gemm_avx512.c - the matrix product's kernel set for x86-64 with
   AVX-512F: a 6 x 32 micro-kernel, the AVX2 one with registers twice as
   wide (same order of operations per element, gemm_kernels.h), and the
   AVX2 packers (every AVX-512 CPU has AVX2; gemm.c checks both). */
#include "gemm_kernels.h"

#ifdef SIREN__GEMM_X86

#include <immintrin.h>

#define AVX512_TARGET __attribute__((target("avx512f")))

enum { AVX512_MR = 6, AVX512_NR = 32 };
_Static_assert(AVX512_MR <= SIREN__GEMM_MR_MAX && AVX512_NR <= SIREN__GEMM_NR_MAX &&
               SIREN__GEMM_MC % AVX512_MR == 0 && SIREN__GEMM_NC % AVX512_NR == 0,
               "the tile must fit the blocking constants (gemm_kernels.h)");

/* c = alpha acc + beta c, fused; C not read when beta == 0. */
AVX512_TARGET static inline void update_16(float *c, __m512 acc, __m512 alpha, float beta)
{
    if (beta == 0.0f)
        _mm512_storeu_ps(c, _mm512_mul_ps(alpha, acc));
    else if (beta == 1.0f)
        _mm512_storeu_ps(c, _mm512_fmadd_ps(alpha, acc, _mm512_loadu_ps(c)));
    else
        _mm512_storeu_ps(c, _mm512_fmadd_ps(alpha, acc,
                                            _mm512_mul_ps(_mm512_set1_ps(beta),
                                                          _mm512_loadu_ps(c))));
}

#define AVX512_ROW_STEP(row, lo, hi)                                \
    do {                                                            \
        __m512 a_ = _mm512_set1_ps(a[row]);                         \
        lo = _mm512_fmadd_ps(a_, b0, lo);                           \
        hi = _mm512_fmadd_ps(a_, b1, hi);                           \
    } while (0)

AVX512_TARGET static void avx512_micro(size_t kc, const float *a, const float *b, float *c,
                                       size_t ldc, float alpha, float beta)
{
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t p = 0; p < kc; p++, a += AVX512_MR, b += AVX512_NR) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        AVX512_ROW_STEP(0, c00, c01);
        AVX512_ROW_STEP(1, c10, c11);
        AVX512_ROW_STEP(2, c20, c21);
        AVX512_ROW_STEP(3, c30, c31);
        AVX512_ROW_STEP(4, c40, c41);
        AVX512_ROW_STEP(5, c50, c51);
    }
    __m512 va = _mm512_set1_ps(alpha);
    update_16(c, c00, va, beta);
    update_16(c + 16, c01, va, beta);
    c += ldc;
    update_16(c, c10, va, beta);
    update_16(c + 16, c11, va, beta);
    c += ldc;
    update_16(c, c20, va, beta);
    update_16(c + 16, c21, va, beta);
    c += ldc;
    update_16(c, c30, va, beta);
    update_16(c + 16, c31, va, beta);
    c += ldc;
    update_16(c, c40, va, beta);
    update_16(c + 16, c41, va, beta);
    c += ldc;
    update_16(c, c50, va, beta);
    update_16(c + 16, c51, va, beta);
}

/* ----------------------------------------- small-batch dot products */

/* The small-batch product's tiles (gemm_kernels.h, siren_dot_tile_fn):
   16 dot products, each accumulated in the 16 lanes of one register and
   summed by reduce_16. Accumulator v[4 (L % 4) + L / 4] ends in lane L of
   the reduction; the tile puts (row r, column c) there for L = c R + r,
   so the result is column after column, R rows each, as z is laid out. */
enum { DOT_LANES = 16 };

static inline size_t accumulator_of(size_t r, size_t c, size_t rows_per_tile)
{
    size_t lane = c * rows_per_tile + r;
    return 4 * (lane % 4) + lane / 4;
}

/* Lane L: the sum of v[4 (L % 4) + L / 4]'s lanes, halving: lanes j and
   j + 8, then j + 4, j + 2, j + 1 (small_product.c, "Order of the sums"). */
AVX512_TARGET static inline __m512 reduce_16(const __m512 *v)
{
    __m512 u[8], w[4], t[2];
#pragma GCC unroll 8
    for (int a = 0; a < 8; a++) /* 256-bit halves: lanes j + 8 */
        u[a] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * a], v[2 * a + 1], 0x44),
                             _mm512_shuffle_f32x4(v[2 * a], v[2 * a + 1], 0xEE));
#pragma GCC unroll 4
    for (int b = 0; b < 4; b++) /* 128-bit quarters: lanes j + 4 */
        w[b] = _mm512_add_ps(_mm512_shuffle_f32x4(u[2 * b], u[2 * b + 1], 0x88),
                             _mm512_shuffle_f32x4(u[2 * b], u[2 * b + 1], 0xDD));
#pragma GCC unroll 2
    for (int c = 0; c < 2; c++) /* pairs: lanes j + 2 */
        t[c] = _mm512_add_ps(_mm512_shuffle_ps(w[2 * c], w[2 * c + 1], 0x44),
                             _mm512_shuffle_ps(w[2 * c], w[2 * c + 1], 0xEE));
    return _mm512_add_ps(_mm512_shuffle_ps(t[0], t[1], 0x88), /* lanes j + 1 */
                         _mm512_shuffle_ps(t[0], t[1], 0xDD));
}

/* One depth step of the tile: `mask` selects the lanes read (the others
   are zero, so they add exact zeros, as small_product.c's order says). */
#define DOT_STEP(load)                                                          \
    do {                                                                        \
        __m512 sv_[4];                                                          \
        _Pragma("GCC unroll 4") for (size_t c = 0; c < cols; c++) sv_[c] = load(sc[c] + k); \
        _Pragma("GCC unroll 16") for (size_t r = 0; r < rows_per_tile; r++) {   \
            __m512 wv_ = load(wr[r] + k);                                       \
            _Pragma("GCC unroll 4") for (size_t c = 0; c < cols; c++) {         \
                size_t a_ = accumulator_of(r, c, rows_per_tile);                \
                acc[a_] = _mm512_fmadd_ps(wv_, sv_[c], acc[a_]);                \
            }                                                                   \
        }                                                                       \
    } while (0)

#define LOAD_ALL(p) _mm512_loadu_ps(p)
#define LOAD_MASKED(p) _mm512_maskz_loadu_ps(mask, p)

/* The tile for `cols` columns (a constant where it is inlined). */
AVX512_TARGET static inline __attribute__((always_inline)) void
dot_tile_cols(size_t depth, size_t cols, const float *w, size_t ldw, size_t rows,
              const float *s, size_t lds, size_t real_cols, float alpha, float *z, size_t ldz)
{
    size_t rows_per_tile = DOT_LANES / cols;
    const float *wr[DOT_LANES], *sc[4];
#pragma GCC unroll 16
    for (size_t r = 0; r < rows_per_tile; r++)
        wr[r] = w + (r < rows ? r : 0) * ldw;
#pragma GCC unroll 4
    for (size_t c = 0; c < cols; c++)
        sc[c] = s + (c < real_cols ? c : 0) * lds;
    __m512 acc[DOT_LANES];
#pragma GCC unroll 16
    for (size_t a = 0; a < DOT_LANES; a++)
        acc[a] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + DOT_LANES <= depth; k += DOT_LANES)
        DOT_STEP(LOAD_ALL);
    if (k < depth) {
        __mmask16 mask = (__mmask16)((1u << (depth - k)) - 1u);
        DOT_STEP(LOAD_MASKED);
    }
    __m512 f = _mm512_mul_ps(_mm512_set1_ps(alpha), reduce_16(acc));
    if (rows < rows_per_tile || real_cols < cols) {
        _Alignas(64) float tile[DOT_LANES];
        _mm512_store_ps(tile, f);
        for (size_t c = 0; c < real_cols; c++)
            for (size_t r = 0; r < rows; r++)
                z[c * ldz + r] = tile[c * rows_per_tile + r];
    } else if (cols == 1) {
        _mm512_storeu_ps(z, f);
    } else if (cols == 2) {
        _mm256_storeu_ps(z, _mm512_castps512_ps256(f));
        _mm256_storeu_ps(z + ldz,
                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
    } else {
        _mm_storeu_ps(z, _mm512_extractf32x4_ps(f, 0));
        _mm_storeu_ps(z + ldz, _mm512_extractf32x4_ps(f, 1));
        _mm_storeu_ps(z + 2 * ldz, _mm512_extractf32x4_ps(f, 2));
        _mm_storeu_ps(z + 3 * ldz, _mm512_extractf32x4_ps(f, 3));
    }
}

AVX512_TARGET static void avx512_dot_tile(size_t depth, size_t tile_cols, const float *w, size_t ldw,
                     size_t rows, const float *s, size_t lds, size_t cols, float alpha,
                     float *z, size_t ldz)
{
    if (tile_cols == 4)
        dot_tile_cols(depth, 4, w, ldw, rows, s, lds, cols, alpha, z, ldz);
    else if (tile_cols == 2)
        dot_tile_cols(depth, 2, w, ldw, rows, s, lds, cols, alpha, z, ldz);
    else
        dot_tile_cols(depth, 1, w, ldw, rows, s, lds, cols, alpha, z, ldz);
}

/* The transposed tile: 4 registers of W's row (64 columns) by 4, 2 or 1
   points (tile_cols, a constant where inlined), each accumulator a sum
   over W's rows in order; of the tile's points, the first `cols` are
   real (the others repeat the first, computed and not stored). */
enum { AXPY_VECTORS = 4, AXPY_POINTS = 4, AXPY_WIDTH = 16 * AXPY_VECTORS };

AVX512_TARGET static inline __attribute__((always_inline)) void
axpy_tile_cols(size_t depth, const float *w, size_t ldw, size_t width, const float *e,
               size_t lde, size_t tile_cols, size_t cols, float alpha, float *g, size_t ldg)
{
    __mmask16 mask[AXPY_VECTORS];
    const float *ec[AXPY_POINTS];
    __m512 acc[AXPY_POINTS][AXPY_VECTORS];
#pragma GCC unroll 4
    for (size_t v = 0; v < AXPY_VECTORS; v++) {
        size_t lanes = width > 16 * v ? width - 16 * v : 0;
        mask[v] = (__mmask16)(lanes >= 16 ? 0xffffu : (1u << lanes) - 1u);
    }
#pragma GCC unroll 4
    for (size_t c = 0; c < tile_cols; c++) {
        ec[c] = e + (c < cols ? c : 0) * lde;
#pragma GCC unroll 4
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            acc[c][v] = _mm512_setzero_ps();
    }
    for (size_t i = 0; i < depth; i++, w += ldw) {
        __m512 wv[AXPY_VECTORS];
#pragma GCC unroll 4
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            wv[v] = _mm512_maskz_loadu_ps(mask[v], w + 16 * v);
#pragma GCC unroll 4
        for (size_t c = 0; c < tile_cols; c++) {
            __m512 b = _mm512_set1_ps(ec[c][i]);
#pragma GCC unroll 4
            for (size_t v = 0; v < AXPY_VECTORS; v++)
                acc[c][v] = _mm512_fmadd_ps(wv[v], b, acc[c][v]);
        }
    }
    /* constant bounds, so that the accumulators stay in registers */
    __m512 va = _mm512_set1_ps(alpha);
#pragma GCC unroll 4
    for (size_t c = 0; c < tile_cols; c++)
#pragma GCC unroll 4
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            if (c < cols)
                _mm512_mask_storeu_ps(g + c * ldg + 16 * v, mask[v],
                                      _mm512_mul_ps(va, acc[c][v]));
}

AVX512_TARGET static void avx512_axpy_tile(size_t depth, const float *w, size_t ldw,
                                           size_t width, const float *e, size_t lde,
                                           size_t cols, float alpha, float *g, size_t ldg)
{
    if (cols >= 3)
        axpy_tile_cols(depth, w, ldw, width, e, lde, 4, cols, alpha, g, ldg);
    else if (cols == 2)
        axpy_tile_cols(depth, w, ldw, width, e, lde, 2, cols, alpha, g, ldg);
    else
        axpy_tile_cols(depth, w, ldw, width, e, lde, 1, cols, alpha, g, ldg);
}

const siren_gemm_kernel siren__gemm_avx512 = {
    .name = "avx512",
    .mr = AVX512_MR,
    .nr = AVX512_NR,
    .pack = siren__gemm_pack_avx2,
    .micro = avx512_micro,
    .dot_lanes = DOT_LANES,
    .dot_fused = true,
    .dot_tile = avx512_dot_tile,
    .axpy_width = AXPY_WIDTH,
    .axpy_tile = avx512_axpy_tile,
};

#else

/* ISO C forbids an empty translation unit. */
typedef int siren_gemm_avx512_unused;

#endif /* SIREN__GEMM_X86 */
