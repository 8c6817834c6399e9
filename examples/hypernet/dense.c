/* dense.c - the dense layers' forward and backward passes and the
   products under them (dense.h). */
#include "dense.h"

#include <math.h>
#include <string.h>

/* y[j] += a0 x0[j] + a1 x1[j] + a2 x2[j] + a3 x3[j]: four rows at a time,
   eight columns per iteration, which GCC vectorises at -O2 (its cheap
   cost model leaves a plain loop of unknown length scalar). */
static void hn_axpy4(size_t n, const float a[4], const float *restrict x0,
                     const float *restrict x1, const float *restrict x2,
                     const float *restrict x3, float *restrict y)
{
    float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t u = 0; u < 8; u++)
            y[j + u] += a0 * x0[j + u] + a1 * x1[j + u] + a2 * x2[j + u] + a3 * x3[j + u];
    for (; j < n; j++)
        y[j] += a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j];
}

static void hn_axpy1(size_t n, float a, const float *restrict x, float *restrict y)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t u = 0; u < 8; u++)
            y[j + u] += a * x[j + u];
    for (; j < n; j++)
        y[j] += a * x[j];
}

void hn_gemm_nn(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                size_t ldb, float *c, size_t ldc, bool accumulate)
{
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        const float *ai = a + i * lda;
        if (!accumulate)
            memset(ci, 0, n * sizeof *ci);
        size_t p = 0;
        for (; p + 4 <= k; p += 4) {
            if (ai[p] == 0.0f && ai[p + 1] == 0.0f && ai[p + 2] == 0.0f && ai[p + 3] == 0.0f)
                continue;
            hn_axpy4(n, ai + p, b + p * ldb, b + (p + 1) * ldb, b + (p + 2) * ldb,
                     b + (p + 3) * ldb, ci);
        }
        for (; p < k; p++)
            hn_axpy1(n, ai[p], b + p * ldb, ci);
    }
}

/* C[i][:] += sum_p A[p][i] B[p][:], for i < m, p < k: the weight gradient
   X^T dY. The rows p go in blocks so a block of B stays in cache while
   every row of C takes its share. */
static void hn_gemm_tn(size_t m, size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc)
{
    enum { BLOCK = 64 };
    for (size_t p0 = 0; p0 < k; p0 += BLOCK) {
        size_t p1 = p0 + BLOCK < k ? p0 + BLOCK : k;
        for (size_t i = 0; i < m; i++) {
            float *ci = c + i * ldc;
            size_t p = p0;
            for (; p + 4 <= p1; p += 4) {
                float coef[4] = {a[p * lda + i], a[(p + 1) * lda + i], a[(p + 2) * lda + i],
                                 a[(p + 3) * lda + i]};
                if (coef[0] == 0.0f && coef[1] == 0.0f && coef[2] == 0.0f && coef[3] == 0.0f)
                    continue;
                hn_axpy4(n, coef, b + p * ldb, b + (p + 1) * ldb, b + (p + 2) * ldb,
                         b + (p + 3) * ldb, ci);
            }
            for (; p < p1; p++)
                hn_axpy1(n, a[p * lda + i], b + p * ldb, ci);
        }
    }
}

void hn_add_column_sums(size_t rows, size_t n, const float *x, size_t ldx, float *out)
{
    for (size_t r = 0; r < rows; r++)
        hn_axpy1(n, 1.0f, x + r * ldx, out);
}

void hn_dense_forward(const hn_dense *d, const float *params, size_t rows, const float *x,
                      size_t ldx, float *y, size_t ldy, bool relu)
{
    const float *bias = params + d->bias;
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * ldy, bias, d->out * sizeof *y);
    hn_gemm_nn(rows, d->out, d->in, x, ldx, params + d->weight, d->out, y, ldy, true);
    if (relu)
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < d->out; j++)
                if (y[r * ldy + j] < 0.0f)
                    y[r * ldy + j] = 0.0f;
}

void hn_dense_backward(const hn_dense *d, const float *w_t, float *grads, size_t rows,
                       const float *x, size_t ldx, const float *dy, size_t ldy, float *dx,
                       size_t lddx)
{
    hn_gemm_tn(d->in, d->out, rows, x, ldx, dy, ldy, grads + d->weight, d->out);
    hn_add_column_sums(rows, d->out, dy, ldy, grads + d->bias);
    if (dx)
        hn_gemm_nn(rows, d->in, d->out, dy, ldy, w_t, d->in, dx, lddx, false);
}

void hn_relu_backward(size_t rows, size_t n, const float *y, size_t ldy, float *dy,
                      size_t lddy)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            if (y[r * ldy + j] <= 0.0f)
                dy[r * lddy + j] = 0.0f;
}

void hn_sine_forward(size_t n, float *y, float *slope)
{
    for (size_t i = 0; i < n; i++) {
        float z = 30.0f * y[i];
        y[i] = sinf(z);
        slope[i] = 30.0f * cosf(z);
    }
}

void hn_scale_by_slope(size_t n, const float *slope, float *dy)
{
    for (size_t i = 0; i < n; i++)
        dy[i] *= slope[i];
}

void hn_transpose(size_t rows, size_t cols, const float *x, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[c * rows + r] = x[r * cols + c];
}
