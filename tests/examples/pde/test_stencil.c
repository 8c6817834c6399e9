/* test_stencil.c - the Poisson examples' finite differences and
   least-squares alignment (examples/pde/stencil.c): the stencils give
   scipy.ndimage's numbers scaled per pixel, and the alignment removes
   exactly the constant, affine or harmonic part it is asked for. */
#include "pde/stencil.h"

#include "check.h"

/* f(col) = col^2 on 3 rows of 5: scipy.ndimage.sobel(f, axis=1) is
   [4 16 32 48 28] on each row (numbers from scipy 1.10), so per pixel
   [0.5 2 4 6 3.5]; d/d(row) is 0; scipy.ndimage.laplace(f) is
   [1 2 2 2 -7] on each row. */
static void test_matches_scipy_on_a_parabola(void)
{
    float img[15], grad[30], lap[15];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 5; c++)
            img[r * 5 + c] = (float)(c * c);
    stencil_sobel_gradient(img, 5, 3, 1, grad);
    stencil_laplace(img, 5, 3, 1, lap);
    const float want_col[5] = {0.5f, 2, 4, 6, 3.5f}, want_lap[5] = {1, 2, 2, 2, -7};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 5; c++) {
            CHECK_NEAR(grad[(r * 5 + c) * 2 + 0], 0.0, 0);
            CHECK_NEAR(grad[(r * 5 + c) * 2 + 1], want_col[c], 1e-6);
            CHECK_NEAR(lap[r * 5 + c], want_lap[c], 1e-6);
        }
}

/* The row axis comes first, and colour channels are independent. */
static void test_rows_first_and_channels(void)
{
    float img[4 * 4 * 3], grad[4 * 4 * 3 * 2];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            for (int ch = 0; ch < 3; ch++)
                img[(r * 4 + c) * 3 + ch] = (float)(ch == 1 ? 2 * r : -c);
    stencil_sobel_gradient(img, 4, 4, 3, grad);
    /* An interior pixel (1, 1): channel 1 rises 2 per row, channel 0
       falls 1 per column. */
    const float *g = grad + (1 * 4 + 1) * 3 * 2;
    CHECK_NEAR(g[0 * 2 + 0], 0.0, 0);
    CHECK_NEAR(g[0 * 2 + 1], -1.0, 1e-6);
    CHECK_NEAR(g[1 * 2 + 0], 2.0, 1e-6);
    CHECK_NEAR(g[1 * 2 + 1], 0.0, 0);
}

/* target + alignment family -> the alignment recovers target exactly. */
static void test_alignment_removes_its_family(void)
{
    enum { W = 7, H = 5, N = W * H };
    float target[N], recon[N];
    for (int terms = 1; terms <= 5; terms += 2) {
        for (int p = 0; p < N; p++) {
            double y = -1.0 + 2.0 * (p / W) / (H - 1), x = -1.0 + 2.0 * (p % W) / (W - 1);
            target[p] = (float)sin(3.0 * p);
            double drift = 0.7 + (terms >= 3 ? 0.3 * y - 0.2 * x : 0) +
                           (terms >= 5 ? 0.4 * x * y + 0.1 * (y * y - x * x) : 0);
            recon[p] = target[p] + (float)drift;
        }
        CHECK(stencil_align(recon, target, NULL, W, H, 1, terms) == 0);
        CHECK(stencil_mse(recon, target, NULL, N, 1) < 1e-10);
    }
    /* With weights, only the weighted pixels count. */
    float weights[N];
    for (int p = 0; p < N; p++) {
        weights[p] = p < N / 2;
        recon[p] = target[p] + (p < N / 2 ? 1.0f : 5.0f);
    }
    CHECK(stencil_align(recon, target, weights, W, H, 1, 1) == 0);
    CHECK(stencil_mse(recon, target, weights, N, 1) < 1e-10);
    CHECK_NEAR(stencil_mse(recon, target, NULL, N, 1), 16.0 * (N - N / 2) / N, 1e-5);
    /* Nothing weighted: the terms are undetermined. */
    for (int p = 0; p < N; p++)
        weights[p] = 0;
    CHECK(stencil_align(recon, target, weights, W, H, 1, 1) == -1);
    CHECK(stencil_align(recon, target, NULL, W, H, 1, 6) == -1);
}

int main(void)
{
    RUN(test_matches_scipy_on_a_parabola);
    RUN(test_rows_first_and_channels);
    RUN(test_alignment_removes_its_family);
    return check_summary();
}
