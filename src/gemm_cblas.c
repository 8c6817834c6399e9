/* gemm_cblas.c - the matrix product through an external CBLAS, for builds
   made with `make BLAS=openblas` (or any pkg-config package providing
   cblas.h and cblas_sgemm), which define SIREN_USE_CBLAS. The default
   build compiles nothing here and needs no BLAS.

   CBLAS takes int sizes; a product with a size beyond INT_MAX is left to
   the library's own kernels (the caller sees the same result within float
   tolerance either way). */
#include "gemm_kernels.h"

#ifdef SIREN_USE_CBLAS

#include <cblas.h>
#include <limits.h>

bool siren__gemm_cblas(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                       const float *a, size_t lda, const float *b, size_t ldb, float beta,
                       float *c, size_t ldc)
{
    size_t sizes[] = {m, n, k, lda, ldb, ldc};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        if (sizes[i] > (size_t)INT_MAX)
            return false;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, (int)lda,
                b, (int)ldb, beta, c, (int)ldc);
    return true;
}

#else

/* ISO C forbids an empty translation unit. */
typedef int siren_gemm_cblas_unused;

#endif /* SIREN_USE_CBLAS */
