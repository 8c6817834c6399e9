/* gemm_avx2.c - the matrix product's kernel set for x86-64 with AVX2 and
   FMA: a 6 x 16 micro-kernel (12 accumulators of 8 floats: enough
   independent FMA chains to hide their latency on two FMA pipes) and
   packers built on 8 x 8 register transposes. Compiled for that ISA
   function by function (target attribute), so the rest of the library
   needs no -mavx2; gemm.c calls it only when the CPU has both. */
#include "gemm_kernels.h"

#ifdef SIREN__GEMM_X86

#include <immintrin.h>
#include <string.h>

#define AVX2_TARGET __attribute__((target("avx2,fma")))

enum { AVX2_MR = 6, AVX2_NR = 16 };
_Static_assert(AVX2_MR <= SIREN__GEMM_MR_MAX && AVX2_NR <= SIREN__GEMM_NR_MAX &&
               SIREN__GEMM_MC % AVX2_MR == 0 && SIREN__GEMM_NC % AVX2_NR == 0,
               "the tile must fit the blocking constants (gemm_kernels.h)");

/* ------------------------------------------------------------ packing */

/* The 8 x 8 block in rows r0..r7 becomes its transpose: afterwards rq
   holds what was column q. Plain variables, not an array, so the
   compiler keeps all of it in registers. */
#define TRANSPOSE_8X8(r0, r1, r2, r3, r4, r5, r6, r7)                          \
    do {                                                                      \
        __m256 t0_ = _mm256_unpacklo_ps(r0, r1), t1_ = _mm256_unpackhi_ps(r0, r1); \
        __m256 t2_ = _mm256_unpacklo_ps(r2, r3), t3_ = _mm256_unpackhi_ps(r2, r3); \
        __m256 t4_ = _mm256_unpacklo_ps(r4, r5), t5_ = _mm256_unpackhi_ps(r4, r5); \
        __m256 t6_ = _mm256_unpacklo_ps(r6, r7), t7_ = _mm256_unpackhi_ps(r6, r7); \
        __m256 u0_ = _mm256_shuffle_ps(t0_, t2_, 0x44);                       \
        __m256 u1_ = _mm256_shuffle_ps(t0_, t2_, 0xEE);                       \
        __m256 u2_ = _mm256_shuffle_ps(t1_, t3_, 0x44);                       \
        __m256 u3_ = _mm256_shuffle_ps(t1_, t3_, 0xEE);                       \
        __m256 u4_ = _mm256_shuffle_ps(t4_, t6_, 0x44);                       \
        __m256 u5_ = _mm256_shuffle_ps(t4_, t6_, 0xEE);                       \
        __m256 u6_ = _mm256_shuffle_ps(t5_, t7_, 0x44);                       \
        __m256 u7_ = _mm256_shuffle_ps(t5_, t7_, 0xEE);                       \
        r0 = _mm256_permute2f128_ps(u0_, u4_, 0x20);                          \
        r1 = _mm256_permute2f128_ps(u1_, u5_, 0x20);                          \
        r2 = _mm256_permute2f128_ps(u2_, u6_, 0x20);                          \
        r3 = _mm256_permute2f128_ps(u3_, u7_, 0x20);                          \
        r4 = _mm256_permute2f128_ps(u0_, u4_, 0x31);                          \
        r5 = _mm256_permute2f128_ps(u1_, u5_, 0x31);                          \
        r6 = _mm256_permute2f128_ps(u2_, u6_, 0x31);                          \
        r7 = _mm256_permute2f128_ps(u3_, u7_, 0x31);                          \
    } while (0)

/* The sources of packing are mostly in main memory, read along several
   rows far apart at once, which the hardware prefetchers follow poorly:
   the packers touch the source this far ahead (measured on Zen 3: a
   quarter less time in packing). Rows ahead when copying row by row,
   floats ahead along each row when transposing. */
enum { PREFETCH_ROWS = 4, PREFETCH_DEPTH = 64 };

/* `panels` full panels of `width` (a multiple of 8) columns that are
   contiguous in the source, row by row so the source is read in order. */
AVX2_TARGET static void copy_panels_x8(size_t width, size_t panels, size_t kc, const float *src,
                                       size_t ld, float *dst)
{
    size_t row_floats = width * panels;
    for (size_t p = 0; p < kc; p++, src += ld) {
        if (p + PREFETCH_ROWS < kc)
            for (size_t j = 0; j < row_floats; j += 16)
                _mm_prefetch((const char *)(src + PREFETCH_ROWS * ld + j), _MM_HINT_T0);
        float *out = dst + p * width;
        for (size_t j = 0; j < row_floats; j += width, out += width * kc)
            for (size_t jj = 0; jj < width; jj += 8)
                _mm256_storeu_ps(out + jj, _mm256_loadu_ps(src + j + jj));
    }
}

/* A full panel of 6 contiguous columns (op(A) rows of a transposed A). */
AVX2_TARGET static void copy_panel_6(size_t kc, const float *src, size_t ld, float *dst)
{
    for (size_t p = 0; p < kc; p++, src += ld, dst += 6)
        memcpy(dst, src, 6 * sizeof *dst);
}

/* Depth p_begin .. kc of a panel, element by element. */
static void transpose_tail(size_t width, size_t p_begin, size_t kc, const float *src, size_t ld,
                           float *dst)
{
    for (size_t p = p_begin; p < kc; p++)
        for (size_t jj = 0; jj < width; jj++)
            dst[p * width + jj] = src[jj * ld + p];
}

/* Eight columns of a panel `width` wide whose depth is contiguous in the
   source (src: the first column), 8 x 8 blocks through registers. */
AVX2_TARGET static void transpose_columns_8(size_t width, size_t kc8, const float *src,
                                            size_t ld, float *dst)
{
    for (size_t p = 0; p < kc8; p += 8, src += 8, dst += 8 * width) {
        if (p % 16 == 0 && p + PREFETCH_DEPTH < kc8)
            for (size_t q = 0; q < 8; q++)
                _mm_prefetch((const char *)(src + q * ld + PREFETCH_DEPTH), _MM_HINT_T0);
        __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ld);
        __m256 r2 = _mm256_loadu_ps(src + 2 * ld), r3 = _mm256_loadu_ps(src + 3 * ld);
        __m256 r4 = _mm256_loadu_ps(src + 4 * ld), r5 = _mm256_loadu_ps(src + 5 * ld);
        __m256 r6 = _mm256_loadu_ps(src + 6 * ld), r7 = _mm256_loadu_ps(src + 7 * ld);
        TRANSPOSE_8X8(r0, r1, r2, r3, r4, r5, r6, r7);
        _mm256_storeu_ps(dst, r0);
        _mm256_storeu_ps(dst + width, r1);
        _mm256_storeu_ps(dst + 2 * width, r2);
        _mm256_storeu_ps(dst + 3 * width, r3);
        _mm256_storeu_ps(dst + 4 * width, r4);
        _mm256_storeu_ps(dst + 5 * width, r5);
        _mm256_storeu_ps(dst + 6 * width, r6);
        _mm256_storeu_ps(dst + 7 * width, r7);
    }
}

/* A full panel of `width` (a multiple of 8) columns whose depth is
   contiguous in the source. */
AVX2_TARGET static void transpose_panel_x8(size_t width, size_t kc, const float *src, size_t ld,
                                           float *dst)
{
    size_t kc8 = kc / 8 * 8;
    for (size_t jj = 0; jj < width; jj += 8)
        transpose_columns_8(width, kc8, src + jj * ld, ld, dst + jj);
    transpose_tail(width, kc8, kc, src, ld, dst);
}

/* A full panel of 6 columns whose depth is contiguous (rows of A, for the
   A panels): 8 x 8 transposes of 6 rows and two zero rows, each result
   stored 8 wide so the next store covers its two zeros. The last store of
   a panel reaches 2 floats past it (within SIREN__GEMM_SLACK). */
AVX2_TARGET static void transpose_panel_6(size_t kc, const float *src, size_t ld, float *dst)
{
    size_t kc8 = kc / 8 * 8;
    const float *row = src;
    float *out = dst;
    for (size_t p = 0; p < kc8; p += 8, row += 8, out += 48) {
        if (p % 16 == 0 && p + PREFETCH_DEPTH < kc)
            for (size_t q = 0; q < 6; q++)
                _mm_prefetch((const char *)(row + q * ld + PREFETCH_DEPTH), _MM_HINT_T0);
        __m256 r0 = _mm256_loadu_ps(row), r1 = _mm256_loadu_ps(row + ld);
        __m256 r2 = _mm256_loadu_ps(row + 2 * ld), r3 = _mm256_loadu_ps(row + 3 * ld);
        __m256 r4 = _mm256_loadu_ps(row + 4 * ld), r5 = _mm256_loadu_ps(row + 5 * ld);
        __m256 r6 = _mm256_setzero_ps(), r7 = r6;
        TRANSPOSE_8X8(r0, r1, r2, r3, r4, r5, r6, r7);
        _mm256_storeu_ps(out, r0);
        _mm256_storeu_ps(out + 6, r1);
        _mm256_storeu_ps(out + 12, r2);
        _mm256_storeu_ps(out + 18, r3);
        _mm256_storeu_ps(out + 24, r4);
        _mm256_storeu_ps(out + 30, r5);
        _mm256_storeu_ps(out + 36, r6);
        _mm256_storeu_ps(out + 42, r7);
    }
    transpose_tail(6, kc8, kc, src, ld, dst);
}

/* Widths 6 and multiples of 8 have fast paths; partial panels (the
   zero-padded edge) and other widths take the generic packer. */
AVX2_TARGET void siren__gemm_pack_avx2(size_t width, bool transpose, size_t count, size_t kc,
                                       const float *src, size_t ld, float *dst)
{
    bool fast = width == 6 || width % 8 == 0;
    size_t full = fast ? count / width * width : 0;
    if (!transpose && width % 8 == 0) {
        copy_panels_x8(width, full / width, kc, src, ld, dst);
        dst += full * kc;
    } else {
        for (size_t j0 = 0; j0 < full; j0 += width, dst += width * kc) {
            if (width == 6 && transpose)
                transpose_panel_6(kc, src + j0 * ld, ld, dst);
            else if (transpose)
                transpose_panel_x8(width, kc, src + j0 * ld, ld, dst);
            else
                copy_panel_6(kc, src + j0, ld, dst);
        }
    }
    if (full < count)
        siren__gemm_pack_generic(width, transpose, count - full, kc,
                                 transpose ? src + full * ld : src + full, ld, dst);
}

/* ------------------------------------------------------- micro-kernel */

/* c = alpha acc + beta c, fused; C not read when beta == 0. */
AVX2_TARGET static inline void update_8(float *c, __m256 acc, __m256 alpha, float beta)
{
    if (beta == 0.0f)
        _mm256_storeu_ps(c, _mm256_mul_ps(alpha, acc));
    else if (beta == 1.0f)
        _mm256_storeu_ps(c, _mm256_fmadd_ps(alpha, acc, _mm256_loadu_ps(c)));
    else
        _mm256_storeu_ps(c, _mm256_fmadd_ps(alpha, acc,
                                            _mm256_mul_ps(_mm256_set1_ps(beta),
                                                          _mm256_loadu_ps(c))));
}

/* One depth step for row `row` of the tile. */
#define AVX2_ROW_STEP(row, lo, hi)                                  \
    do {                                                            \
        __m256 a_ = _mm256_broadcast_ss(a + (row));                 \
        lo = _mm256_fmadd_ps(a_, b0, lo);                           \
        hi = _mm256_fmadd_ps(a_, b1, hi);                           \
    } while (0)

AVX2_TARGET static void avx2_micro(size_t kc, const float *a, const float *b, float *c,
                                   size_t ldc, float alpha, float beta)
{
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (size_t q = 0; q < AVX2_MR; q++)
        _mm_prefetch((const char *)(c + q * ldc), _MM_HINT_T0);
    for (size_t p = 0; p < kc; p++, a += AVX2_MR, b += AVX2_NR) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        AVX2_ROW_STEP(0, c00, c01);
        AVX2_ROW_STEP(1, c10, c11);
        AVX2_ROW_STEP(2, c20, c21);
        AVX2_ROW_STEP(3, c30, c31);
        AVX2_ROW_STEP(4, c40, c41);
        AVX2_ROW_STEP(5, c50, c51);
    }
    __m256 va = _mm256_set1_ps(alpha);
    update_8(c, c00, va, beta);
    update_8(c + 8, c01, va, beta);
    c += ldc;
    update_8(c, c10, va, beta);
    update_8(c + 8, c11, va, beta);
    c += ldc;
    update_8(c, c20, va, beta);
    update_8(c + 8, c21, va, beta);
    c += ldc;
    update_8(c, c30, va, beta);
    update_8(c + 8, c31, va, beta);
    c += ldc;
    update_8(c, c40, va, beta);
    update_8(c + 8, c41, va, beta);
    c += ldc;
    update_8(c, c50, va, beta);
    update_8(c + 8, c51, va, beta);
}

/* ----------------------------------------- small-batch dot products */

/* The small-batch product's tiles (gemm_kernels.h, siren_dot_tile_fn):
   8 dot products, each accumulated in the 8 lanes of one register and
   summed by reduce_8. Accumulator v[2 (L % 4) + L / 4] ends in lane L of
   the reduction; the tile puts (row r, column c) there for L = c R + r. */
enum { DOT_LANES = 8 };

static inline size_t accumulator_of(size_t r, size_t c, size_t rows_per_tile)
{
    size_t lane = c * rows_per_tile + r;
    return 2 * (lane % 4) + lane / 4;
}

/* Lane L: the sum of v[2 (L % 4) + L / 4]'s lanes, halving: lanes j and
   j + 4, then j + 2, j + 1 (small_product.c, "Order of the sums"). */
AVX2_TARGET static inline __m256 reduce_8(const __m256 *v)
{
    __m256 u[4], t[2];
#pragma GCC unroll 4
    for (int a = 0; a < 4; a++) /* 128-bit halves: lanes j + 4 */
        u[a] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * a], v[2 * a + 1], 0x20),
                             _mm256_permute2f128_ps(v[2 * a], v[2 * a + 1], 0x31));
#pragma GCC unroll 2
    for (int b = 0; b < 2; b++) /* pairs: lanes j + 2 */
        t[b] = _mm256_add_ps(_mm256_shuffle_ps(u[2 * b], u[2 * b + 1], 0x44),
                             _mm256_shuffle_ps(u[2 * b], u[2 * b + 1], 0xEE));
    return _mm256_add_ps(_mm256_shuffle_ps(t[0], t[1], 0x88), /* lanes j + 1 */
                         _mm256_shuffle_ps(t[0], t[1], 0xDD));
}

/* Keeps v in a register: without it GCC folds a column's load into each
   of the tile's multiply-adds that use it (a load per multiply-add, the
   bottleneck with 16 registers). */
#define IN_REGISTER(v) __asm__("" : "+x"(v))

/* One depth step of the tile (LOAD_MASKED reads zeros past the depth). */
#define DOT_STEP(load)                                                          \
    do {                                                                        \
        __m256 sv_[4];                                                          \
        _Pragma("GCC unroll 4") for (size_t c = 0; c < cols; c++) {             \
            sv_[c] = load(sc[c] + k);                                           \
            IN_REGISTER(sv_[c]);                                                \
        }                                                                       \
        _Pragma("GCC unroll 8") for (size_t r = 0; r < rows_per_tile; r++) {    \
            __m256 wv_ = load(wr[r] + k);                                       \
            _Pragma("GCC unroll 4") for (size_t c = 0; c < cols; c++) {         \
                size_t a_ = accumulator_of(r, c, rows_per_tile);                \
                acc[a_] = _mm256_fmadd_ps(wv_, sv_[c], acc[a_]);                \
            }                                                                   \
        }                                                                       \
    } while (0)

#define LOAD_ALL(p) _mm256_loadu_ps(p)
#define LOAD_MASKED(p) _mm256_maskload_ps(p, mask)

AVX2_TARGET static inline __attribute__((always_inline)) void
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
    __m256 acc[DOT_LANES];
#pragma GCC unroll 8
    for (size_t a = 0; a < DOT_LANES; a++)
        acc[a] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + DOT_LANES <= depth; k += DOT_LANES)
        DOT_STEP(LOAD_ALL);
    if (k < depth) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(depth - k)),
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        DOT_STEP(LOAD_MASKED);
    }
    __m256 f = _mm256_mul_ps(_mm256_set1_ps(alpha), reduce_8(acc));
    if (rows < rows_per_tile || real_cols < cols) {
        _Alignas(32) float tile[DOT_LANES];
        _mm256_store_ps(tile, f);
        for (size_t c = 0; c < real_cols; c++)
            for (size_t r = 0; r < rows; r++)
                z[c * ldz + r] = tile[c * rows_per_tile + r];
    } else if (cols == 1) {
        _mm256_storeu_ps(z, f);
    } else if (cols == 2) {
        _mm_storeu_ps(z, _mm256_castps256_ps128(f));
        _mm_storeu_ps(z + ldz, _mm256_extractf128_ps(f, 1));
    } else {
        __m128 lo = _mm256_castps256_ps128(f), hi = _mm256_extractf128_ps(f, 1);
        _mm_storel_pi((__m64 *)z, lo);
        _mm_storeh_pi((__m64 *)(z + ldz), lo);
        _mm_storel_pi((__m64 *)(z + 2 * ldz), hi);
        _mm_storeh_pi((__m64 *)(z + 3 * ldz), hi);
    }
}

AVX2_TARGET static void avx2_dot_tile(size_t depth, size_t tile_cols, const float *w, size_t ldw,
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

/* The transposed tile: 2 registers of W's row (16 columns) by 4, 2 or 1
   points (tile_cols, a constant where inlined), each accumulator a sum
   over W's rows in order; of the tile's points, the first `cols` are
   real (the others repeat the first, computed and not stored). */
enum { AXPY_VECTORS = 2, AXPY_POINTS = 4, AXPY_WIDTH = 8 * AXPY_VECTORS };

AVX2_TARGET static inline __attribute__((always_inline)) void
axpy_tile_cols(size_t depth, const float *w, size_t ldw, size_t width, const float *e,
               size_t lde, size_t tile_cols, size_t cols, float alpha, float *g, size_t ldg)
{
    __m256i mask[AXPY_VECTORS];
    const float *ec[AXPY_POINTS];
    __m256 acc[AXPY_POINTS][AXPY_VECTORS];
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 2
    for (size_t v = 0; v < AXPY_VECTORS; v++) {
        size_t lanes = width > 8 * v ? width - 8 * v : 0;
        mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(lanes < 8 ? lanes : 8)), lane);
    }
#pragma GCC unroll 4
    for (size_t c = 0; c < tile_cols; c++) {
        ec[c] = e + (c < cols ? c : 0) * lde;
#pragma GCC unroll 2
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            acc[c][v] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < depth; i++, w += ldw) {
        __m256 wv[AXPY_VECTORS];
#pragma GCC unroll 2
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            wv[v] = _mm256_maskload_ps(w + 8 * v, mask[v]);
#pragma GCC unroll 4
        for (size_t c = 0; c < tile_cols; c++) {
            __m256 b = _mm256_broadcast_ss(ec[c] + i);
#pragma GCC unroll 2
            for (size_t v = 0; v < AXPY_VECTORS; v++)
                acc[c][v] = _mm256_fmadd_ps(wv[v], b, acc[c][v]);
        }
    }
    /* constant bounds, so that the accumulators stay in registers */
    __m256 va = _mm256_set1_ps(alpha);
#pragma GCC unroll 4
    for (size_t c = 0; c < tile_cols; c++)
#pragma GCC unroll 2
        for (size_t v = 0; v < AXPY_VECTORS; v++)
            if (c < cols)
                _mm256_maskstore_ps(g + c * ldg + 8 * v, mask[v], _mm256_mul_ps(va, acc[c][v]));
}

AVX2_TARGET static void avx2_axpy_tile(size_t depth, const float *w, size_t ldw, size_t width,
                                       const float *e, size_t lde, size_t cols, float alpha,
                                       float *g, size_t ldg)
{
    if (cols >= 3)
        axpy_tile_cols(depth, w, ldw, width, e, lde, 4, cols, alpha, g, ldg);
    else if (cols == 2)
        axpy_tile_cols(depth, w, ldw, width, e, lde, 2, cols, alpha, g, ldg);
    else
        axpy_tile_cols(depth, w, ldw, width, e, lde, 1, cols, alpha, g, ldg);
}

const siren_gemm_kernel siren__gemm_avx2 = {
    .name = "avx2",
    .mr = AVX2_MR,
    .nr = AVX2_NR,
    .pack = siren__gemm_pack_avx2,
    .micro = avx2_micro,
    .dot_lanes = DOT_LANES,
    .dot_fused = true,
    .dot_tile = avx2_dot_tile,
    .axpy_width = AXPY_WIDTH,
    .axpy_tile = avx2_axpy_tile,
};

#else

/* ISO C forbids an empty translation unit. */
typedef int siren_gemm_avx2_unused;

#endif /* SIREN__GEMM_X86 */
