/* sincos.c - sine and cosine of float arrays. Portable version: the C
   library's sinf and cosf, correctly rounded or within 1 ulp on glibc. */
#include "internal.h"

#include <math.h>

void siren__sincos(size_t n, const float *x, float *sin_x, float *cos_x)
{
    for (size_t i = 0; i < n; i++) {
        sin_x[i] = sinf(x[i]);
        cos_x[i] = cosf(x[i]);
    }
}
