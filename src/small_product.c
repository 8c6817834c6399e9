/* small_product.c - a layer's products for a few points (the small-batch
   path, small_batch.c), with the rows of W read where they are, in the
   caller's parameters: Z = alpha W S^T, z[c][r] = alpha dot(W[r], S[c]),
   for the layers' values and jets, and G = alpha E W,
   g[c][k] = alpha sum_i W[i][k] e[c][i], for the gradient by reverse mode.
   (About Z first; G at the end.)

   The matrix product (gemm.c) packs W on every call and computes C in
   panels 16 or 32 columns wide: for one point, that is a copy of every
   weight and 32 times the arithmetic. Here each output is a dot product
   along the depth, vectorised along the depth, so one point runs at full
   width; a tile of the kernel set (gemm_kernels.h, siren_dot_tile_fn)
   computes 16 (or 8) of them from 4 columns of S and 4 rows of W, 2 and
   8, or 1 and 16, so that each row and column read feeds several sums.
   Nothing is packed or cached: parameters changed through
   siren_net_params between calls are always the ones used.

   Order of the sums. A dot product sum_k w[k] s[k] of depth K is taken
   in L lanes (L = 16 in the AVX-512 set, 8 in the others): lane j adds,
   starting from 0 and in the order of k, the products of the depths
   k = j mod L (by fused multiply-adds in the AVX2 and AVX-512 sets, by a
   product and then a sum in the portable set, as their matrix products
   round); a last, partial group of L depths adds zeros in its other
   lanes. The lanes are then added by halving: lane j += lane j + L/2 for
   j < L/2, then the same with L/4, ..., 1; lane 0 is the sum, and
   z = alpha * sum. That depends on the two vectors only: not on the tile,
   the position in Z, the other columns, or the thread. It is not the
   order of the matrix product (one sum along k), so the two agree to
   rounding, not to the bit (include/siren.h says which calls take which). */
#include "gemm_kernels.h"

void siren__small_product(size_t rows, size_t cols, size_t depth, float alpha, const float *w,
                          size_t ldw, const float *s, size_t lds, float *z, size_t ldz)
{
    const siren_gemm_kernel *kernel = siren__gemm_kernel();
    size_t lanes = kernel->dot_lanes;
    /* A block of `lanes` rows of W (16 KiB of a 256-wide layer) stays in
       the L1 cache while the columns of S go past it: W is read once. */
    for (size_t r0 = 0; r0 < rows; r0 += lanes) {
        size_t block_rows = rows - r0 < lanes ? rows - r0 : lanes;
        for (size_t c0 = 0, tile_cols; c0 < cols; c0 += tile_cols) {
            /* 3 columns go in a tile of 4: one pass over W instead of two */
            tile_cols = cols - c0 >= 3 ? 4 : cols - c0;
            size_t tile_rows = lanes / tile_cols, real_cols = cols - c0 < 4 ? cols - c0 : 4;
            for (size_t t = 0; t < block_rows; t += tile_rows)
                kernel->dot_tile(depth, tile_cols, w + (r0 + t) * ldw, ldw,
                                 block_rows - t < tile_rows ? block_rows - t : tile_rows,
                                 s + c0 * lds, lds, real_cols, alpha, z + c0 * ldz + r0 + t,
                                 ldz);
        }
    }
}

/* G = alpha E W: each point's row of G accumulated along the rows of W,
   which are contiguous, so the sums vectorise along W's columns and run
   over W's rows in order: g = alpha * (e[0] W[0][k] + e[1] W[1][k] + ...),
   by fused multiply-adds in the AVX2 and AVX-512 sets, by products and
   sums in the portable set (the order of the matrix product, too). Tiles
   of 4 points by 64 (AVX-512), 16 or 8 columns. */
void siren__small_product_t(size_t rows, size_t width, size_t cols, float alpha, const float *w,
                            size_t ldw, const float *e, size_t lde, float *g, size_t ldg)
{
    const siren_gemm_kernel *kernel = siren__gemm_kernel();
    size_t block = kernel->axpy_width;
    for (size_t c0 = 0; c0 < cols; c0 += 4)
        for (size_t k0 = 0; k0 < width; k0 += block)
            kernel->axpy_tile(rows, w + k0, ldw, width - k0 < block ? width - k0 : block,
                              e + c0 * lde, lde, cols - c0 < 4 ? cols - c0 : 4, alpha,
                              g + c0 * ldg + k0, ldg);
}
