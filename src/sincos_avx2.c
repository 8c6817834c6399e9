/* sincos_avx2.c - the sin/cos kernel for x86-64 CPUs with AVX2 and FMA,
   eight floats at a time: the algorithm of sincos_kernels.h with the same
   roundings in the same order as sincos_portable.c, so the results are
   bit-identical. The library is built for the baseline instruction set;
   only these functions are compiled for AVX2, and sincos.c calls them
   only on a CPU that has it. */
#include "sincos_kernels.h"

#if SIREN_SINCOS_HAVE_AVX2

#include <immintrin.h>
#include <math.h>
#include <string.h>

#define AVX2_FMA __attribute__((target("avx2,fma")))
#define LANES 8

/* sin and cos of the 8 lanes of x by the polynomial. Returns the mask of
   lanes in range (bit i for lane i); the others hold placeholders. */
AVX2_FMA static inline int sincos8(__m256 x, __m256 *sin_out, __m256 *cos_out)
{
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    const __m256 rounder = _mm256_set1_ps(SINCOS_ROUNDER);
    __m256 a = _mm256_andnot_ps(sign_bit, x);
    __m256 in_range = _mm256_cmp_ps(a, _mm256_set1_ps(SINCOS_LIMIT), _CMP_LE_OQ);
    a = _mm256_and_ps(a, in_range);

    __m256 k = _mm256_add_ps(_mm256_mul_ps(a, _mm256_set1_ps(SINCOS_TWO_OVER_PI)), rounder);
    __m256 q = _mm256_sub_ps(k, rounder);
    /* q * Pk is exact for k <= 4: fusing it with the add rounds the same. */
    __m256 r = _mm256_fnmadd_ps(q, _mm256_set1_ps(SINCOS_P1), a);
    r = _mm256_fnmadd_ps(q, _mm256_set1_ps(SINCOS_P2), r);
    r = _mm256_fnmadd_ps(q, _mm256_set1_ps(SINCOS_P3), r);
    __m256 tail = _mm256_fmadd_ps(q, _mm256_set1_ps(SINCOS_P4),
                                  _mm256_mul_ps(q, _mm256_set1_ps(SINCOS_P5)));
    r = _mm256_sub_ps(r, tail);

    /* The polynomials: separate multiplies and adds, as the portable C. */
    __m256 r2 = _mm256_mul_ps(r, r);
    __m256 ps = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(SINCOS_S3), r2), _mm256_set1_ps(SINCOS_S2));
    ps = _mm256_add_ps(_mm256_mul_ps(ps, r2), _mm256_set1_ps(SINCOS_S1));
    __m256 s = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(r, r2), ps), r);
    __m256 pc = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(SINCOS_C3), r2), _mm256_set1_ps(SINCOS_C2));
    pc = _mm256_add_ps(_mm256_mul_ps(pc, r2), _mm256_set1_ps(SINCOS_C1));
    pc = _mm256_sub_ps(_mm256_mul_ps(pc, r2), _mm256_set1_ps(0.5f));
    __m256 c = _mm256_add_ps(_mm256_mul_ps(pc, r2), _mm256_set1_ps(1.0f));

    /* q mod 4 from the low bits of k (see sincos_portable.c). */
    __m256i quadrant = _mm256_castps_si256(k);
    __m256 swap = _mm256_castsi256_ps(_mm256_slli_epi32(quadrant, 31));
    __m256i two = _mm256_set1_epi32(2);
    __m256 sin_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(quadrant, two), 30));
    sin_sign = _mm256_xor_ps(sin_sign, _mm256_and_ps(x, sign_bit));
    __m256i next = _mm256_add_epi32(quadrant, _mm256_set1_epi32(1));
    __m256 cos_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(next, two), 30));
    *sin_out = _mm256_xor_ps(_mm256_blendv_ps(s, c, swap), sin_sign);
    *cos_out = _mm256_xor_ps(_mm256_blendv_ps(c, s, swap), cos_sign);
    return _mm256_movemask_ps(in_range);
}

/* The C library for the lanes whose bit is clear in in_range. */
static void fix_lanes(const float *x, int in_range, float *sin_x, float *cos_x)
{
    for (int l = 0; l < LANES; l++) {
        if (!(in_range & (1 << l))) {
            sin_x[l] = sinf(x[l]);
            cos_x[l] = cosf(x[l]);
        }
    }
}

/* One group of 8 from src to the outputs; x is kept in a local for the
   fix-up because sin_x or cos_x may be x itself. */
AVX2_FMA static inline void sincos_group(const float *src, float *sin_x, float *cos_x)
{
    __m256 x = _mm256_loadu_ps(src), s, c;
    int in_range = sincos8(x, &s, &c);
    _mm256_storeu_ps(sin_x, s);
    _mm256_storeu_ps(cos_x, c);
    if (in_range != 0xff) {
        float saved[LANES];
        _mm256_storeu_ps(saved, x);
        fix_lanes(saved, in_range, sin_x, cos_x);
    }
}

AVX2_FMA void siren__sincos_avx2(size_t n, const float *x, float *sin_x, float *cos_x)
{
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        sincos_group(x + i, sin_x + i, cos_x + i);
    if (i < n) {
        /* The tail through a zero-padded group: the same code, so the
           same bits as the portable kernel. */
        size_t m = n - i;
        float xb[LANES] = {0}, sb[LANES], cb[LANES];
        memcpy(xb, x + i, m * sizeof *xb);
        sincos_group(xb, sb, cb);
        memcpy(sin_x + i, sb, m * sizeof *sb);
        memcpy(cos_x + i, cb, m * sizeof *cb);
    }
}

#else
/* ISO C wants at least one declaration in a file. */
typedef int siren__sincos_avx2_unavailable;
#endif
