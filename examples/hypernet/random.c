/* random.c - SplitMix64 and the uniform and normal draws made from it
   (random.h). */
#include "random.h"

#include <math.h>

uint64_t hn_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

double hn_random_uniform(uint64_t *state)
{
    return (double)(hn_random_next(state) >> 11) * 0x1.0p-53;
}

double hn_random_normal(uint64_t *state)
{
    /* Box-Muller; 1 - u keeps the logarithm finite. */
    double u = 1.0 - hn_random_uniform(state), v = hn_random_uniform(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
