/* sincos_portable.c - the portable sin/cos kernel: the algorithm of
   sincos_kernels.h in plain C11, written so that compilers vectorise it
   with whatever vector unit the build targets. Points go in fixed blocks
   of BLOCK: a constant trip count is what GCC's -O2 cost model needs, and
   the local copies tell the compiler nothing aliases. */
#include "sincos_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Bit-identity with the AVX2 kernel needs every product rounded on its
   own: no contraction into fused multiply-adds. GCC does not contract in
   ISO C mode (-std=c11); clang needs to be told. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define BLOCK 32

static inline uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* sin and cos of BLOCK floats by the polynomial. Elements out of range
   (|x| > SINCOS_LIMIT, NaN) get placeholder results; returns true when
   there were any. */
static bool sincos_block(const float *x, float *sin_x, float *cos_x)
{
    uint32_t any_out_of_range = 0;
    for (int i = 0; i < BLOCK; i++) {
        uint32_t x_bits = bits_of(x[i]);
        float a = float_of(x_bits & 0x7fffffffu);
        uint32_t in_range = 0u - (uint32_t)(a <= SINCOS_LIMIT); /* all ones or 0 */
        any_out_of_range |= ~in_range;
        a = float_of(bits_of(a) & in_range);                    /* 0 if out */

        float k = a * SINCOS_TWO_OVER_PI + SINCOS_ROUNDER;
        float q = k - SINCOS_ROUNDER;
        float r3 = ((a - q * SINCOS_P1) - q * SINCOS_P2) - q * SINCOS_P3;
        float r = r3 - (q * SINCOS_P4 + q * SINCOS_P5);

        float r2 = r * r;
        float s = r * r2 * ((SINCOS_S3 * r2 + SINCOS_S2) * r2 + SINCOS_S1) + r;
        float c = (((SINCOS_C3 * r2 + SINCOS_C2) * r2 + SINCOS_C1) * r2 - 0.5f) * r2 + 1.0f;

        /* q mod 4 from the low bits of k: odd quadrants swap sin and cos,
           quadrants 2, 3 negate sin and 1, 2 negate cos. */
        uint32_t quadrant = bits_of(k);
        uint32_t swap = (bits_of(s) ^ bits_of(c)) & (0u - (quadrant & 1u));
        uint32_t sin_sign = ((quadrant & 2u) << 30) ^ (x_bits & 0x80000000u);
        uint32_t cos_sign = ((quadrant + 1u) & 2u) << 30;
        sin_x[i] = float_of(bits_of(s) ^ swap ^ sin_sign);
        cos_x[i] = float_of(bits_of(c) ^ swap ^ cos_sign);
    }
    return any_out_of_range != 0;
}

/* The C library for the elements the polynomial does not cover. */
static void fix_out_of_range(size_t m, const float *x, float *sin_x, float *cos_x)
{
    for (size_t i = 0; i < m; i++) {
        if (!(fabsf(x[i]) <= SINCOS_LIMIT)) {
            sin_x[i] = sinf(x[i]);
            cos_x[i] = cosf(x[i]);
        }
    }
}

/* One full block from x to the outputs, through local copies (the
   outputs may be x itself, and the copies have a constant size the
   compiler inlines). */
static void sincos_full_block(const float *x, float *sin_x, float *cos_x)
{
    float xb[BLOCK], sb[BLOCK], cb[BLOCK];
    memcpy(xb, x, sizeof xb);
    if (sincos_block(xb, sb, cb))
        fix_out_of_range(BLOCK, xb, sb, cb);
    memcpy(sin_x, sb, sizeof sb);
    memcpy(cos_x, cb, sizeof cb);
}

void siren__sincos_portable(size_t n, const float *x, float *sin_x, float *cos_x)
{
    size_t i = 0;
    for (; i + BLOCK <= n; i += BLOCK)
        sincos_full_block(x + i, sin_x + i, cos_x + i);
    if (i < n) {
        size_t m = n - i;
        float xb[BLOCK] = {0}, sb[BLOCK], cb[BLOCK];
        memcpy(xb, x + i, m * sizeof *xb);
        sincos_full_block(xb, sb, cb);
        memcpy(sin_x + i, sb, m * sizeof *sb);
        memcpy(cos_x + i, cb, m * sizeof *cb);
    }
}
