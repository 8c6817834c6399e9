/* sincos.c - siren__sincos (internal.h): sin and cos of float arrays, the
   kernel under the sine layers' jets. Picks, once, the AVX2 kernel on CPUs
   that have it and the portable one elsewhere; both compute the same
   algorithm with the same roundings (sincos_kernels.h), so the choice never
   changes a result.

   Accuracy, measured on every float 0 <= x <= 2^17 (sin(-x) = -sin x and
   cos(-x) = cos x hold exactly) against double-precision sin and cos:
       max |error| of sin  8.73e-8 = 1.47 * 2^-24   (x = 25.9213142)
       max |error| of cos  8.69e-8 = 1.46 * 2^-24   (x = 1888.88257)
   that is, under 0.74 ulp of 1; at most 1.58 ulp of the result where
   |result| >= 2^-8, and at most 2.9e-10 absolute where it is smaller (the
   reduction is accurate to ~6e-11 absolute, not relative, near the zeros).
   Both kernels agree bit for bit on all of these inputs. Reproduce with
       cc -std=c11 -O2 -Iinclude -Isrc bench/sincos_bench.c src/sincos*.c \
          -o build/sincos_bench -lm && build/sincos_bench accuracy
   Beyond 2^17, and for Inf and NaN, the C library's sinf and cosf answer.
   docs/SINCOS.md has the derivation and the timings. */
#include "internal.h"
#include "sincos_kernels.h"

#if !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
#define SIREN_ATOMIC(type) _Atomic(type)
#define LOAD(v) atomic_load_explicit(&(v), memory_order_relaxed)
#define STORE(v, x) atomic_store_explicit(&(v), (x), memory_order_relaxed)
#else
/* Without C11 atomics: the variables are written with the same value by
   every thread that writes them, so a plain volatile is enough in practice. */
#define SIREN_ATOMIC(type) volatile type
#define LOAD(v) (v)
#define STORE(v, x) ((v) = (x))
#endif

enum { KERNEL_UNKNOWN = 0, KERNEL_PORTABLE = 1, KERNEL_AVX2 = 2 };

/* The kernel for this CPU, found on first use. Threads racing through the
   first call all find and store the same value, so relaxed order suffices:
   nothing else is published through it. */
static SIREN_ATOMIC(int) cpu_kernel = KERNEL_UNKNOWN;
static SIREN_ATOMIC(int) force_portable = 0;

static int detect_kernel(void)
{
#if SIREN_SINCOS_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return KERNEL_AVX2;
#endif
    return KERNEL_PORTABLE;
}

static int current_kernel(void)
{
    if (LOAD(force_portable))
        return KERNEL_PORTABLE;
    int kernel = LOAD(cpu_kernel);
    if (kernel == KERNEL_UNKNOWN) {
        kernel = detect_kernel();
        STORE(cpu_kernel, kernel);
    }
    return kernel;
}

void siren__sincos(size_t n, const float *x, float *sin_x, float *cos_x)
{
#if SIREN_SINCOS_HAVE_AVX2
    if (current_kernel() == KERNEL_AVX2) {
        siren__sincos_avx2(n, x, sin_x, cos_x);
        return;
    }
#endif
    siren__sincos_portable(n, x, sin_x, cos_x);
}

void siren__sincos_use_portable(bool on)
{
    STORE(force_portable, on ? 1 : 0);
}

bool siren__sincos_uses_avx2(void)
{
    return current_kernel() == KERNEL_AVX2;
}
