/* rng.h - a small seeded random generator for the example programs that
   sample training points (fit_sdf, helmholtz, wave): xoshiro256** seeded
   through SplitMix64, so that a seed gives the same points on every
   platform. fit_image and fit_video draw their pixel batches from
   SplitMix64 alone. Header-only (static inline): nothing to link, no name
   clashes.

   The programs reseed a generator from (seed, step) at every step, so a
   run resumed from a checkpoint draws exactly the points that an
   uninterrupted run would have drawn. */
#ifndef EXAMPLES_RNG_H
#define EXAMPLES_RNG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

static inline uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A generator for stream `stream` (e.g. the step number) of `seed`. */
static inline rng rng_seeded(uint64_t seed, uint64_t stream)
{
    uint64_t state = seed ^ (stream * 0xd1b54a32d192ed03u) ^ 0x5851f42d4c957f2du;
    rng r;
    for (int i = 0; i < 4; i++)
        r.s[i] = rng_splitmix64(&state);
    return r;
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t result = rng_rotl(r->s[1] * 5, 7) * 9;
    uint64_t t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rng_rotl(r->s[3], 45);
    return result;
}

/* Uniform in [0, 1), 53 random bits. */
static inline double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [lo, hi). */
static inline double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(r);
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is
   below 2^-32 for any n that fits in 32 bits, negligible for sampling). */
static inline size_t rng_below(rng *r, size_t n)
{
    return (size_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

#endif
