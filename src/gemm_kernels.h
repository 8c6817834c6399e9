/*
 * gemm_kernels.h - private to the matrix product (src/gemm*.c): the
 * blocking constants, the interface of a micro-kernel set, the sets and
 * the switches tests use to compare them.
 *
 * How siren__gemm computes (BLIS / GotoBLAS style): op(A) and op(B) are
 * cut into blocks that are copied ("packed") into contiguous micro-panels,
 * and a micro-kernel computes an MR x NR tile of C from an MR-row panel of
 * A and an NR-column panel of B.
 *
 * Determinism. Whatever the shape, the position of an element in C, the
 * blocking or the loop order, every element of C gets the same sequence
 * of floating-point operations:
 *   for each block [p0, p0 + kc) of K, p0 = 0, KC, 2 KC, ...:
 *       acc = 0; for p in the block, in order: acc = acc + a(i,p) b(p,j)
 *       c = alpha acc + beta c  (first block; c not read when beta == 0)
 *       c = alpha acc + c       (later blocks)
 * (fused in the SIMD kernels, as written in the portable one). So C may be
 * computed in any sub-blocks of rows or columns, by any number of threads,
 * with bit-identical results; only KC, fixed here, must never depend on
 * the shape. Edge tiles run the same micro-kernel on zero-padded panels
 * through a small tile buffer, so they follow the same sequence.
 */
#ifndef SIREN_GEMM_KERNELS_H
#define SIREN_GEMM_KERNELS_H

#include "internal.h"

/* Depth of a K block: fixed, see "Determinism" above. 256 steps keep an
   NR-column panel of B (16 KiB for NR = 16) in the L1 cache. */
#define SIREN__GEMM_KC 256

/* Columns of op(B) packed at a time (the block that stays in L2: 256 KiB)
   and rows of op(A) packed at a time (swept past it); multiples of every
   MR and NR. Both packing buffers are in the caller's scratch (the
   workspace's, one per thread): NC KC floats for B, 264 KC for A (below)
   and a little slack, about 520 KiB. NC = 256 packs the whole of Z' once in a weight gradient
   (n = 256) where 192 packed it twice: about 5% faster on Zen 3. */
#define SIREN__GEMM_NC 256
#define SIREN__GEMM_MC 48
#define SIREN__GEMM_SLACK 64 /* floats a packer may write past its panels */
#define SIREN__GEMM_B_FLOATS (SIREN__GEMM_NC * SIREN__GEMM_KC + SIREN__GEMM_SLACK)

/* A product whose op(A) has at most this many rows and one K block (the
   layer products W S and W^T Z' of networks up to 256 wide) packs op(A)
   once and keeps it for every column block of op(B), instead of packing
   it again for each: the forward product W S, whose packing transposes W,
   ran at 80% of OpenBLAS before and at 100-104% after on Zen 3. The A
   buffer holds that much (rounded up to whole panels); other products
   use its first MC rows' worth. */
#define SIREN__GEMM_A_KEPT_ROWS 256
#define SIREN__GEMM_A_FLOATS \
    ((SIREN__GEMM_A_KEPT_ROWS + SIREN__GEMM_MR_MAX) * SIREN__GEMM_KC + SIREN__GEMM_SLACK)
#define SIREN__GEMM_ALIGN_FLOATS 16 /* 64 bytes */

/* The largest tile of any kernel set. */
#define SIREN__GEMM_MR_MAX 8
#define SIREN__GEMM_NR_MAX 32

/* Packs `count` columns (j) of a kc-deep slab into panels of `width`
   columns, p-major and zero-padded: dst[panel][p][jj] = x(p, j0 + jj).
   Without transpose x(p, j) = src[p * ld + j] (columns contiguous), with
   it x(p, j) = src[j * ld + p] (depth contiguous). Packing op(B) is
   packing its columns; packing op(A) is packing the columns of op(A)^T.
   May write up to SIREN__GEMM_SLACK floats past the last panel. */
typedef void siren_gemm_pack_fn(size_t width, bool transpose, size_t count, size_t kc,
                                const float *src, size_t ld, float *dst);

/* The MR x NR tile at c (row stride ldc) from an MR x kc panel of A and a
   kc x NR panel of B, both packed, updated as in "Determinism" above with
   the given beta (the caller passes 1 for every block but the first). */
typedef void siren_gemm_micro_fn(size_t kc, const float *a, const float *b, float *c,
                                 size_t ldc, float alpha, float beta);

/* The small-batch product (src/small_product.c): a tile of `lanes` dot
   products of depth `depth`, of lanes / tile_cols rows of W (row r at
   w + r ldw) by tile_cols (1, 2 or 4) columns of S (column c at
   s + c lds), read in place, no packing:
   z[c * ldz + r] = alpha * dot(W row r, S column c). Only the first
   `rows` rows and `cols` columns are real: the tile's others repeat its
   first row or column, computed and not stored. Each dot product is
   summed in the order small_product.c defines ("Order of the sums"),
   with this set's lanes, fused or not as the set's matrix product. */
typedef void siren_dot_tile_fn(size_t depth, size_t tile_cols, const float *w, size_t ldw,
                               size_t rows, const float *s, size_t lds, size_t cols,
                               float alpha, float *z, size_t ldz);

/* The small-batch path's transposed product (src/small_product.c): for
   cols (at most 4) points, g[c][k] = alpha * sum_i W[i][k] e[c][i] for
   k < width (at most axpy_width), the sum over i < depth in order, W's
   rows (from column k = 0 at w) ldw apart, read in place, e's points
   lde apart, g's ldg apart. */
typedef void siren_axpy_tile_fn(size_t depth, const float *w, size_t ldw, size_t width,
                                const float *e, size_t lde, size_t cols, float alpha, float *g,
                                size_t ldg);

typedef struct siren_gemm_kernel {
    const char *name;
    size_t mr, nr;
    siren_gemm_pack_fn *pack;
    siren_gemm_micro_fn *micro;
    size_t dot_lanes;           /* 16 (AVX-512) or 8 */
    bool dot_fused;             /* lanes accumulate by fused multiply-add */
    siren_dot_tile_fn *dot_tile;
    size_t axpy_width;          /* columns of W per transposed tile */
    siren_axpy_tile_fn *axpy_tile;
} siren_gemm_kernel;

/* The kernel sets. The portable one exists everywhere; the others only on
   x86-64 with GCC or clang (SIREN__GEMM_X86), unless the build defines
   SIREN_GEMM_PORTABLE_ONLY (to test the build other platforms get). */
extern const siren_gemm_kernel siren__gemm_portable;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&                       \
    !defined(SIREN_GEMM_PORTABLE_ONLY)
#define SIREN__GEMM_X86 1
extern const siren_gemm_kernel siren__gemm_avx2;   /* AVX2 + FMA, 6 x 16 */
extern const siren_gemm_kernel siren__gemm_avx512; /* AVX-512F, 6 x 32 */
/* The AVX2 packer (gemm_avx2.c), shared with the AVX-512 set: fast for
   widths 6 and multiples of 8. Needs AVX2. */
void siren__gemm_pack_avx2(size_t width, bool transpose, size_t count, size_t kc,
                           const float *src, size_t ld, float *dst);
#endif

/* The portable packer, also used by the other sets for odd widths. */
void siren__gemm_pack_generic(size_t width, bool transpose, size_t count, size_t kc,
                              const float *src, size_t ld, float *dst);

/* Which kernel set siren__gemm uses. */
typedef enum siren_gemm_path {
    SIREN__GEMM_AUTO = 0,   /* the best the CPU supports (the default) */
    SIREN__GEMM_PORTABLE,
    SIREN__GEMM_AVX2,
    SIREN__GEMM_AVX512
} siren_gemm_path;

/* For tests and benchmarks: chooses the kernel set of later calls, for all
   threads. Returns false (and changes nothing) when this CPU or build
   cannot run it. Not to be called while another thread is in siren__gemm. */
bool siren__gemm_use_path(siren_gemm_path path);
/* Shorthand: the portable set (true) or back to AUTO (false). */
void siren__gemm_use_portable(bool portable);
/* The set later calls will use. */
const siren_gemm_kernel *siren__gemm_kernel(void);

#ifdef SIREN_USE_CBLAS
/* Built with `make BLAS=...` (gemm_cblas.c): C = alpha op(A) op(B) + beta C
   by cblas_sgemm. False, having done nothing, when a size exceeds INT_MAX.
   siren__gemm takes this path unless a kernel set was chosen with
   siren__gemm_use_path (so the tests of the kernels still test them). */
bool siren__gemm_cblas(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                       const float *a, size_t lda, const float *b, size_t ldb, float beta,
                       float *c, size_t ldc);
#endif

#endif /* SIREN_GEMM_KERNELS_H */
