/* gemm.c - the matrix product behind every layer, C = alpha op(A) op(B) +
   beta C, row-major. Portable reference version: loops ordered so the
   innermost one runs along contiguous rows of B and C. */
#include "internal.h"

#include <string.h>

static void scale_rows(size_t m, size_t n, float beta, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f)
            memset(row, 0, n * sizeof *row);
        else if (beta != 1.0f)
            for (size_t j = 0; j < n; j++)
                row[j] *= beta;
    }
}

static float element(const float *x, size_t ld, bool trans, size_t row, size_t col)
{
    return trans ? x[col * ld + row] : x[row * ld + col];
}

void siren__gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                 float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb,
                 float beta, float *c, size_t ldc)
{
    scale_rows(m, n, beta, c, ldc);
    for (size_t i = 0; i < m; i++) {
        float *c_row = c + i * ldc;
        for (size_t p = 0; p < k; p++) {
            float a_ip = alpha * element(a, lda, trans_a, i, p);
            if (trans_b) {
                for (size_t j = 0; j < n; j++)
                    c_row[j] += a_ip * b[j * ldb + p];
            } else {
                const float *b_row = b + p * ldb;
                for (size_t j = 0; j < n; j++)
                    c_row[j] += a_ip * b_row[j];
            }
        }
    }
}
