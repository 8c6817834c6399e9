/* point_sums.c - sums over the points of one row, for the bias and
   first-layer gradients. 16 partial sums, lane by lane, then the lanes in
   order: a fixed order (so results never depend on threads) that the
   compiler can vectorise, with 16 times shorter dependency chains. */
#include "internal.h"

#define LANES 16

float siren__sum_points(const float *a, size_t n)
{
    float lane[LANES] = {0};
    size_t p = 0;
    for (; p + LANES <= n; p += LANES)
        for (size_t j = 0; j < LANES; j++)
            lane[j] += a[p + j];
    float total = 0.0f;
    for (size_t j = 0; j < LANES; j++)
        total += lane[j];
    for (; p < n; p++)
        total += a[p];
    return total;
}

float siren__dot_points(const float *a, const float *b, size_t n)
{
    float lane[LANES] = {0};
    size_t p = 0;
    for (; p + LANES <= n; p += LANES)
        for (size_t j = 0; j < LANES; j++)
            lane[j] += a[p + j] * b[p + j];
    float total = 0.0f;
    for (size_t j = 0; j < LANES; j++)
        total += lane[j];
    for (; p < n; p++)
        total += a[p] * b[p];
    return total;
}
