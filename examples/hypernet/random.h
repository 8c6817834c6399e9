/* random.h - the hypernet example's random numbers: SplitMix64, and the
   uniform and normal draws made from it, so that a seed gives the same
   initialisation, training batches and contexts on every platform. */
#ifndef HYPERNET_RANDOM_H
#define HYPERNET_RANDOM_H

#include <stdint.h>

/* The next 64 random bits of the stream *state. */
uint64_t hn_random_next(uint64_t *state);
/* Uniform on [0, 1), from the top 53 bits. */
double hn_random_uniform(uint64_t *state);
/* Standard normal, N(0, 1) (Box-Muller). */
double hn_random_normal(uint64_t *state);

#endif
