/* fuzz.h - what the harnesses share: the libFuzzer entry points, an
 * invariant check that aborts (so libFuzzer, or the replay driver under
 * ASan, reports it with the input), and a reader that turns fuzzer bytes
 * into sizes, choices and floats.
 *
 * Floats are coded on one byte so that mutations stay meaningful: bytes
 * 0..199 are "tame" values (b - 100) / 50 in [-2, 1.98]; 200..239 take the
 * next four bytes as a raw IEEE-754 bit pattern; 240..255 are the special
 * values below (NaN, infinities, extremes, subnormals).
 */
#ifndef SIREN_FUZZ_H
#define SIREN_FUZZ_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* setenv; this header comes first */
#endif

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the library that the input broke: report and abort. */
#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s\n", __FILE__,    \
                    __LINE__, #cond);                                             \
            abort();                                                              \
        }                                                                         \
    } while (0)

typedef struct fuzz_input {
    const uint8_t *data;
    size_t size, pos;
} fuzz_input;

static inline bool fuzz_more(const fuzz_input *in)
{
    return in->pos < in->size;
}

/* The next byte; 0 once the input is used up. */
static inline uint8_t fuzz_byte(fuzz_input *in)
{
    return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint32_t fuzz_u32(fuzz_input *in)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)fuzz_byte(in) << (8 * i);
    return v;
}

/* A float as described above; *tame (may be NULL) is cleared when the
   value is not a tame one. */
static inline float fuzz_float(fuzz_input *in, bool *tame)
{
    static const float specials[16] = {
        NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MAX, -FLT_MAX,
        FLT_MIN, 1e-45f, 1e30f, -1e30f, 1e-30f, 100.0f, -100.0f, 3e38f};
    uint8_t b = fuzz_byte(in);
    if (b < 200)
        return (float)(b - 100) / 50.0f;
    if (tame)
        *tame = false;
    if (b < 240) {
        uint32_t bits = fuzz_u32(in);
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    return specials[b - 240];
}

static inline bool all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* What siren_adam_step always refuses (siren.h): a gradient that is NaN
   or infinite, or a squared norm (summed in double) beyond FLT_MAX. It
   also refuses a step whose result would not be finite; the harnesses
   check that an accepted step leaves every parameter finite. */
static inline bool adam_refuses(const float *grads, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)grads[i] * (double)grads[i];
    return !(sum <= (double)FLT_MAX);
}

#endif
