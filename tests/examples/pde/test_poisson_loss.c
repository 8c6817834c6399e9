/* test_poisson_loss.c - the Poisson programs' loss (examples/pde/
   poisson_loss.c): the sum of squared differences per pixel it adds, in
   order, to the sum it is given; its adjoint, the derivative of the loss
   (scale / 2) x that sum (the mean for scale = 2 / (B C)) with respect
   to each derivative, against central finite differences; the gradient's components scaled by their axis's pixel
   step, a Laplacian's not. */
#include "pde/poisson_loss.h"

#include "check.h"

enum { N = 12 };

static double loss_of(const float *d, const float *t, const float *steps, double scale)
{
    float adjoint[N];
    return 0.5 * scale * poisson_loss(d, t, N, steps, scale, adjoint, 0.0);
}

static void check_kind(const float *steps)
{
    float d[N], t[N], adjoint[N];
    for (int i = 0; i < N; i++) {
        d[i] = (float)(0.3 * i - 1.1);
        t[i] = (float)(0.05 * i * i - 0.4);
    }
    double scale = 2.0 / 6.0, want = 0;
    for (int i = 0; i < N; i++) {
        double s = steps ? steps[i % 2] : 1.0, diff = (float)((float)s * d[i] - t[i]);
        want += diff * diff;
    }
    double sum = poisson_loss(d, t, N, steps, scale, adjoint, 0.0);
    CHECK_NEAR(sum, want, 1e-9 * want);
    CHECK_NEAR(poisson_loss(d, t, N, steps, scale, adjoint, 10.0), 10.0 + want, 1e-9 * want);
    for (int i = 0; i < N; i++) {
        float h = 1e-2f, keep = d[i];
        d[i] = keep + h;
        double up = loss_of(d, t, steps, scale);
        d[i] = keep - h;
        double down = loss_of(d, t, steps, scale);
        d[i] = keep;
        CHECK_NEAR(adjoint[i], (up - down) / (2 * h), 1e-4);
    }
}

static void test_gradient_and_laplacian(void)
{
    const float steps[2] = {0.5f, 0.25f};
    check_kind(steps);
    check_kind(NULL);
}

int main(void)
{
    RUN(test_gradient_and_laplacian);
    return check_summary();
}
