/* poisson_loss.c - see poisson_loss.h. */
#include "poisson_loss.h"

double poisson_loss(const float *derivs, const float *targets, size_t n, const float *steps,
                    double scale, float *adjoint, double sum)
{
    for (size_t i = 0; i < n; i++) {
        float s = steps ? steps[i % 2] : 1.0f;
        float diff = s * derivs[i] - targets[i];
        sum += (double)diff * diff;
        adjoint[i] = (float)(scale * s * diff);
    }
    return sum;
}
