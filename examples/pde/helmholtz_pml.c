/* helmholtz_pml.c - the reference's Helmholtz PML residual, its adjoint
   and the analytic solution (see helmholtz_pml.h). */
#include "helmholtz_pml.h"

#include "bessel.h"

#include <math.h>

static hcomplex cmul(hcomplex a, hcomplex b)
{
    return (hcomplex){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}

static hcomplex cdiv(hcomplex a, hcomplex b)
{
    double d = b.re * b.re + b.im * b.im;
    return (hcomplex){(a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d};
}

static hcomplex cadd(hcomplex a, hcomplex b)
{
    return (hcomplex){a.re + b.re, a.im + b.im};
}

static hcomplex cscale(hcomplex a, double s)
{
    return (hcomplex){a.re * s, a.im * s};
}

/* The layer's damping s(x) along one axis and its derivative ds/dx: the
   reference's k a0 ((dist_low / L)^2 + (dist_high / L)^2), where
   dist_low = max(-(x + 1 - L), 0) and dist_high = max(x - (1 - L), 0). */
static void damping(const pml_config *cfg, double x, double *s, double *ds)
{
    double L = cfg->width, inner = 1.0 - L;
    double low = x < -inner ? -(x + inner) : 0.0, high = x > inner ? x - inner : 0.0;
    double g = cfg->k * cfg->a0 / (L * L);
    *s = g * (low * low + high * high);
    *ds = g * 2.0 * (high - low);
}

void pml_coefficients_at(const pml_config *cfg, double x, double y, pml_coefficients *c)
{
    double sx, dsx, sy, dsy, k = cfg->k;
    damping(cfg, x, &sx, &dsx);
    damping(cfg, y, &sy, &dsy);
    hcomplex ex = {1.0, -sx / k}, ey = {1.0, -sy / k};
    hcomplex dex = {0.0, -dsx / k}, dey = {0.0, -dsy / k};  /* d ex/dx, d ey/dy */
    c->A = cdiv(ey, ex);
    c->B = cdiv(ex, ey);
    /* d/dx (ey / ex) = -ey ex' / ex^2, and likewise for B along y. */
    c->Ax = cscale(cdiv(cmul(ey, dex), cmul(ex, ex)), -1.0);
    c->By = cscale(cdiv(cmul(ex, dey), cmul(ey, ey)), -1.0);
    c->K = cscale(cmul(ex, ey), k * k);
}

hcomplex pml_operator(const pml_coefficients *c, const field_jet *j)
{
    hcomplex r = cmul(c->Ax, j->ux);
    r = cadd(r, cmul(c->A, j->uxx));
    r = cadd(r, cmul(c->By, j->uy));
    r = cadd(r, cmul(c->B, j->uyy));
    return cadd(r, cmul(c->K, j->u));
}

/* r = a w contributes Re r = a_re w_re - a_im w_im, Im r = a_im w_re +
   a_re w_im, so dL/dw_re = g_re a_re + g_im a_im and dL/dw_im =
   -g_re a_im + g_im a_re. */
static hcomplex adjoint_of(hcomplex a, double g_re, double g_im)
{
    return (hcomplex){g_re * a.re + g_im * a.im, -g_re * a.im + g_im * a.re};
}

void pml_operator_adjoint(const pml_coefficients *c, double g_re, double g_im, field_jet *adj)
{
    adj->u = adjoint_of(c->K, g_re, g_im);
    adj->ux = adjoint_of(c->Ax, g_re, g_im);
    adj->uxx = adjoint_of(c->A, g_re, g_im);
    adj->uy = adjoint_of(c->By, g_re, g_im);
    adj->uyy = adjoint_of(c->B, g_re, g_im);
}

hcomplex helmholtz_exact(double k, double sigma, hcomplex s, double r)
{
    double j0, y0;
    bessel_j0_y0(k * r, &j0, &y0);
    hcomplex hankel = {j0, -y0};                         /* H0^(2) = J0 - i Y0 */
    hcomplex i_quarter = {0.0, 0.25 * exp(-0.5 * k * k * sigma)};
    return cmul(cmul(i_quarter, s), hankel);
}

double helmholtz_source_density(double sigma, double d2)
{
    const double pi = 3.14159265358979323846;
    double g = exp(-0.5 * d2 / sigma) / (2.0 * pi * sigma);
    return g < 1e-5 ? 0.0 : g;
}
