/* rng.c - the library's own random generator: xoshiro256** (Blackman and
   Vigna, 2018) seeded through SplitMix64, so that a seed gives the same
   stream on every platform, independent of the C library's rand(). */
#include "internal.h"

static uint64_t rotate_left(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void siren__rng_seed(siren_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

uint64_t siren__rng_next(siren_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotate_left(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate_left(s[3], 45);
    return result;
}

float siren__rng_uniform(siren_rng *rng, double lo, double hi)
{
    /* Separate statements: no compiler may fuse them into an FMA, whose
       rounding would differ between platforms. */
    double unit = (double)(siren__rng_next(rng) >> 11) * 0x1.0p-53;
    double offset = (hi - lo) * unit;
    double value = lo + offset;
    return (float)value;
}
