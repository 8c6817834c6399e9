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

const siren_gemm_kernel siren__gemm_avx512 = {
    .name = "avx512",
    .mr = AVX512_MR,
    .nr = AVX512_NR,
    .pack = siren__gemm_pack_avx2,
    .micro = avx512_micro,
};

#else

/* ISO C forbids an empty translation unit. */
typedef int siren_gemm_avx512_unused;

#endif /* SIREN__GEMM_X86 */
