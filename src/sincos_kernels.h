/*
 * sincos_kernels.h - private to src/sincos*.c and tests/lib/test_sincos.c: the
 * constants of the one sin/cos algorithm that both kernels implement, the
 * kernels, and the switch the tests use to pick one. docs/SINCOS.md has the
 * derivation and the measured accuracy.
 *
 * The algorithm, for |x| <= SINCOS_LIMIT (elementwise, every rounding in
 * this order, no fused multiply-add whose product is inexact):
 *
 *   a  = |x|
 *   k  = a * 2/pi + 1.5 * 2^23          rounds a * 2/pi to an integer q,
 *   q  = k - 1.5 * 2^23                 whose low bits are those of k
 *   r3 = ((a - q P1) - q P2) - q P3     exact: Pi have <= 7 bits, q < 2^17
 *   r  = r3 - (q P4 + q P5)             r = a - q pi/2, one rounding
 *   s  = (r r^2) (S1 + r^2 (S2 + r^2 S3)) + r            ~ sin r
 *   c  = ((((C3 r^2 + C2) r^2 + C1) r^2) - 1/2) r^2 + 1   ~ cos r
 *   by q mod 4, sin a and cos a are (s, c), (c, -s), (-s, -c), (-c, s);
 *   sin x takes the sign of x, cos x = cos a.
 *
 * Both kernels round identically, so they give bit-identical results; the
 * AVX2 kernel may fuse q * Pk (k <= 4) with the following add because
 * those products are exact.
 */
#ifndef SIREN_SINCOS_KERNELS_H
#define SIREN_SINCOS_KERNELS_H

#include <stdbool.h>
#include <stddef.h>

/* Largest |x| the polynomial handles: 2^17. Beyond it, and for NaN and
   Inf, the kernels call the C library's sinf and cosf. */
#define SINCOS_LIMIT 131072.0f

/* 2/pi rounded to float, and the constant whose addition rounds a float
   below 2^22 to an integer in the low mantissa bits (round to nearest even). */
#define SINCOS_TWO_OVER_PI 0x1.45f306p-1f
#define SINCOS_ROUNDER 0x1.8p23f

/* pi/2 = P1 + P2 + P3 + P4 + P5 - 1.2e-18. P1..P4 have at most 7
   significant bits, so q * Pk is exact for q < 2^17 (24 bits in all) and
   r3 is exact (docs/SINCOS.md); P5 is the float nearest the rest. */
#define SINCOS_P1 0x1.94p+0f
#define SINCOS_P2 (-0x1.ep-8f)
#define SINCOS_P3 (-0x1.2cp-18f)
#define SINCOS_P4 0x1.1p-26f
#define SINCOS_P5 0x1.0b4612p-34f

/* Minimax polynomials on |r| <= 0.8 (the reduced range pi/4 plus the
   rounding slack of q), fitted by the Remez exchange with each
   coefficient rounded to float before the next was fitted:
   |sin r - s| <= 2.2e-9 and |cos r - c| <= 1.3e-10 in exact arithmetic. */
#define SINCOS_S1 (-0x1.55553ep-3f)
#define SINCOS_S2 0x1.1105p-7f
#define SINCOS_S3 (-0x1.989f62p-13f)
#define SINCOS_C1 0x1.55554ap-5f
#define SINCOS_C2 (-0x1.6c0c08p-10f)
#define SINCOS_C3 0x1.99d83ap-16f

/* The AVX2 kernel exists on x86-64 under GCC and clang, which can compile
   one function for AVX2 in a file built for the baseline instruction set.
   Building with -DSIREN_SINCOS_HAVE_AVX2=0 leaves it out. */
#ifndef SIREN_SINCOS_HAVE_AVX2
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SIREN_SINCOS_HAVE_AVX2 1
#else
#define SIREN_SINCOS_HAVE_AVX2 0
#endif
#endif

/* The kernels behind siren__sincos (internal.h): same contract, and sin_x
   or cos_x may be x itself (not each other). */
void siren__sincos_portable(size_t n, const float *x, float *sin_x, float *cos_x);
#if SIREN_SINCOS_HAVE_AVX2
/* Only on a CPU with AVX2 and FMA. */
void siren__sincos_avx2(size_t n, const float *x, float *sin_x, float *cos_x);
#endif

/* For the tests: force the portable kernel (true) or go back to the one
   chosen for this CPU (false). Affects every thread; not for library use. */
void siren__sincos_use_portable(bool on);
/* True when siren__sincos currently runs the AVX2 kernel. */
bool siren__sincos_uses_avx2(void);

#endif /* SIREN_SINCOS_KERNELS_H */
