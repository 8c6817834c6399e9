/* dense.h - the dense layers of the hypernet example's set encoder and
   hypernetwork, and the products they are made of: plain C loops that GCC
   vectorises at -O2 (no BLAS, no -ffast-math, so every build gives the
   same bits).

   A layer's weight and bias live in one flat parameter vector (so that
   one Adam and one gradient clip handle the whole model): the weight
   input-major, W[in][out], so that the forward product is a sum of rows,
   then the bias b[out]. Activations are row-major, one row per context
   pixel or per face, with a leading dimension (ld*) per matrix. */
#ifndef HYPERNET_DENSE_H
#define HYPERNET_DENSE_H

#include <stdbool.h>
#include <stddef.h>

/* One dense layer inside the flat parameter vector. */
typedef struct hn_dense {
    size_t in, out;
    size_t weight;           /* offset of W[in][out] */
    size_t bias;             /* offset of b[out] */
} hn_dense;

/* C[i][:] (+)= sum_p A[i][p] B[p][:], for i < m, p < k, n columns (C is
   zeroed first unless `accumulate`). Zero coefficients (after a ReLU) are
   skipped four at a time. */
void hn_gemm_nn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                size_t ldb, float *c, size_t ldc, bool accumulate);

/* out[j] += sum over rows r of x[r][j]. */
void hn_add_column_sums(size_t rows, size_t n, const float *x, size_t ldx, float *out);

/* Y = X W + b for `rows` rows, then the ReLU when `relu`. */
void hn_dense_forward(const hn_dense *d, const float *params, size_t rows, const float *x,
                      size_t ldx, float *y, size_t ldy, bool relu);

/* The gradients of one dense layer from the adjoint dy of its output
   before the activation: dW += X^T dY, db += column sums of dY, and, when
   dx is not NULL, dX = dY W^T (w_t holds W^T, [out][in]). */
void hn_dense_backward(const hn_dense *d, const float *w_t, float *grads, size_t rows,
                       const float *x, size_t ldx, const float *dy, size_t ldy, float *dx,
                       size_t lddx);

/* The ReLU's backward where y = relu(pre) is known: dy stays where y > 0. */
void hn_relu_backward(size_t rows, size_t n, const float *y, size_t ldy, float *dy,
                      size_t lddy);

/* y = sin(30 pre) in place over n values, and the slope 30 cos(30 pre)
   for backward (the reference's sine set encoder). */
void hn_sine_forward(size_t n, float *y, float *slope);

/* dy *= slope, elementwise over n values. */
void hn_scale_by_slope(size_t n, const float *slope, float *dy);

/* out[cols][rows] = x[rows][cols] transposed. */
void hn_transpose(size_t rows, size_t cols, const float *x, float *out);

#endif
