/* stencil.c - finite-difference derivatives and least-squares alignment
   (see stencil.h). */
#include "stencil.h"

#include <math.h>

/* scipy.ndimage's 'reflect' border: index -1 is 0, index n is n - 1. */
static size_t clamp_index(ptrdiff_t i, size_t n)
{
    if (i < 0)
        return 0;
    if ((size_t)i >= n)
        return n - 1;
    return (size_t)i;
}

static float at(const float *img, size_t width, size_t height, size_t channels, ptrdiff_t r,
                ptrdiff_t c, size_t ch)
{
    size_t rr = clamp_index(r, height), cc = clamp_index(c, width);
    return img[(rr * width + cc) * channels + ch];
}

void stencil_sobel_gradient(const float *img, size_t width, size_t height, size_t channels,
                            float *grad)
{
    for (size_t r = 0; r < height; r++)
        for (size_t c = 0; c < width; c++)
            for (size_t ch = 0; ch < channels; ch++) {
                ptrdiff_t y = (ptrdiff_t)r, x = (ptrdiff_t)c;
                float d_row = 0, d_col = 0;
                for (ptrdiff_t k = -1; k <= 1; k++) {
                    float w = k == 0 ? 2.0f : 1.0f; /* the (1, 2, 1) smoothing */
                    d_row += w * (at(img, width, height, channels, y + 1, x + k, ch) -
                                  at(img, width, height, channels, y - 1, x + k, ch));
                    d_col += w * (at(img, width, height, channels, y + k, x + 1, ch) -
                                  at(img, width, height, channels, y + k, x - 1, ch));
                }
                float *g = grad + ((r * width + c) * channels + ch) * 2;
                g[0] = d_row / 8.0f; /* sobel / 8: per pixel */
                g[1] = d_col / 8.0f;
            }
}

void stencil_laplace(const float *img, size_t width, size_t height, size_t channels,
                     float *lap)
{
    for (size_t r = 0; r < height; r++)
        for (size_t c = 0; c < width; c++)
            for (size_t ch = 0; ch < channels; ch++) {
                ptrdiff_t y = (ptrdiff_t)r, x = (ptrdiff_t)c;
                float centre = at(img, width, height, channels, y, x, ch);
                float sum = at(img, width, height, channels, y - 1, x, ch) +
                            at(img, width, height, channels, y + 1, x, ch) +
                            at(img, width, height, channels, y, x - 1, ch) +
                            at(img, width, height, channels, y, x + 1, ch);
                lap[(r * width + c) * channels + ch] = sum - 4.0f * centre;
            }
}

/* linspace(-1, 1, n)[i] in double (a single sample at 0). */
static double grid_coord(size_t i, size_t n)
{
    return n > 1 ? -1.0 + 2.0 * (double)i / (double)(n - 1) : 0.0;
}

enum { MAX_TERMS = 5 };

/* The alignment basis at (y, x): 1, y, x, then the harmonic quadratics
   x y and y^2 - x^2 (their Laplacian is zero too). */
static void basis_at(double y, double x, double basis[MAX_TERMS])
{
    basis[0] = 1.0;
    basis[1] = y;
    basis[2] = x;
    basis[3] = x * y;
    basis[4] = y * y - x * x;
}

/* Solves the terms x terms system a x = b (Gaussian elimination with
   partial pivoting); -1 when singular. */
static int solve(double a[MAX_TERMS][MAX_TERMS], double b[MAX_TERMS], int terms)
{
    for (int col = 0; col < terms; col++) {
        int pivot = col;
        for (int r = col + 1; r < terms; r++)
            if (fabs(a[r][col]) > fabs(a[pivot][col]))
                pivot = r;
        if (!(fabs(a[pivot][col]) > 1e-12))
            return -1;
        for (int k = 0; k < terms; k++) {
            double t = a[col][k];
            a[col][k] = a[pivot][k];
            a[pivot][k] = t;
        }
        double t = b[col];
        b[col] = b[pivot];
        b[pivot] = t;
        for (int r = col + 1; r < terms; r++) {
            double f = a[r][col] / a[col][col];
            for (int k = col; k < terms; k++)
                a[r][k] -= f * a[col][k];
            b[r] -= f * b[col];
        }
    }
    for (int r = terms - 1; r >= 0; r--) {
        for (int k = r + 1; k < terms; k++)
            b[r] -= a[r][k] * b[k];
        b[r] /= a[r][r];
    }
    return 0;
}

int stencil_align(float *recon, const float *target, const float *weights, size_t width,
                  size_t height, size_t channels, int terms)
{
    if (terms < 1 || terms > MAX_TERMS)
        return -1;
    int status = 0;
    for (size_t ch = 0; ch < channels; ch++) {
        /* Normal equations of min sum w (target - recon - a - b y - c x)^2. */
        double a[MAX_TERMS][MAX_TERMS] = {{0}}, b[MAX_TERMS] = {0};
        for (size_t r = 0; r < height; r++)
            for (size_t c = 0; c < width; c++) {
                size_t p = r * width + c;
                double w = weights ? weights[p] : 1.0;
                if (w == 0)
                    continue;
                double basis[MAX_TERMS];
                basis_at(grid_coord(r, height), grid_coord(c, width), basis);
                double residual = (double)target[p * channels + ch] - recon[p * channels + ch];
                for (int i = 0; i < terms; i++) {
                    b[i] += w * basis[i] * residual;
                    for (int k = 0; k < terms; k++)
                        a[i][k] += w * basis[i] * basis[k];
                }
            }
        if (solve(a, b, terms)) {
            status = -1;
            continue;
        }
        for (size_t r = 0; r < height; r++)
            for (size_t c = 0; c < width; c++) {
                double basis[MAX_TERMS];
                basis_at(grid_coord(r, height), grid_coord(c, width), basis);
                double shift = 0;
                for (int i = 0; i < terms; i++)
                    shift += b[i] * basis[i];
                recon[(r * width + c) * channels + ch] += (float)shift;
            }
    }
    return status;
}

double stencil_mse(const float *a, const float *b, const float *weights, size_t count,
                   size_t channels)
{
    double sum = 0, total = 0;
    for (size_t p = 0; p < count; p++) {
        double w = weights ? weights[p] : 1.0;
        if (w == 0)
            continue;
        for (size_t ch = 0; ch < channels; ch++) {
            double d = (double)a[p * channels + ch] - b[p * channels + ch];
            sum += w * d * d;
        }
        total += w * (double)channels;
    }
    return total > 0 ? sum / total : 0.0;
}
