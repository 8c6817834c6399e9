/* test_pde.c - the numerical pieces of the helmholtz and wave
   examples (examples/pde): Bessel J0 and Y0 against values computed to
   30 digits (mpmath), the Helmholtz PML coefficients, residual and adjoint
   (against finite differences, and the analytic field solving the plain
   equation), the source's normalisation, and the finite-difference wave
   solver against the exact solution (a Hankel-transform integral). */
#include "pde/bessel.h"
#include "pde/helmholtz_pml.h"
#include "pde/wave_fd.h"

#include "check.h"

/* x, J0(x), Y0(x) from mpmath at 30 digits. */
static const double BESSEL_TABLE[][3] = {
    {0.001, 0.999999750000015625, -4.4714166113759232557},
    {0.1, 0.997501562066040032, -1.5342386513503668083},
    {0.5, 0.93846980724081290423, -0.44451873350670655715},
    {1, 0.76519768655796655145, 0.088256964215676957983},
    {2, 0.22389077914123566805, 0.5103756726497451196},
    {2.5, -0.048383776468197996327, 0.49807035961523188783},
    {5, -0.17759677131433830435, -0.30851762524903378007},
    {8, 0.17165080713755390609, 0.22352148938756622053},
    {12, 0.047689310796833536624, -0.22523731263436143369},
    {15, -0.014224472826780773234, 0.20546429603891826479},
    {20, 0.16702466434058315473, 0.062640596809383831162},
    {35.5, -0.13233156389133001175, -0.020482485069601728619},
    {100, 0.019985850304223122424, -0.077244313365083152254},
    {1000, 0.024786686152420174561, 0.0047159179776228133998},
};

static void test_bessel_known_values(void)
{
    for (size_t i = 0; i < sizeof BESSEL_TABLE / sizeof *BESSEL_TABLE; i++) {
        double j0, y0;
        bessel_j0_y0(BESSEL_TABLE[i][0], &j0, &y0);
        CHECK_NEAR(j0, BESSEL_TABLE[i][1], 1e-12);
        CHECK_NEAR(y0, BESSEL_TABLE[i][2], 1e-12);
    }
}

/* The first zeros, the Wronskian J1 Y0 - J0 Y1 = 2 / (pi x) through
   J1 = -J0' (central differences), and continuity where the method
   changes at x = 17. */
static void test_bessel_zeros_wronskian_and_switch(void)
{
    double j0, y0, j, y;
    bessel_j0_y0(2.4048255576957727686, &j0, &y0);
    CHECK_NEAR(j0, 0.0, 1e-14);
    bessel_j0_y0(0.89357696627916752158, &j, &y0);
    CHECK_NEAR(y0, 0.0, 1e-14);
    const double pi = 3.14159265358979323846;
    for (double x = 0.7; x < 60; x *= 1.37) {
        double h = 1e-5, jp, yp, jm, ym;
        bessel_j0_y0(x, &j0, &y0);
        bessel_j0_y0(x + h, &jp, &yp);
        bessel_j0_y0(x - h, &jm, &ym);
        double j1 = -(jp - jm) / (2 * h), y1 = -(yp - ym) / (2 * h);
        CHECK_NEAR(j1 * y0 - j0 * y1, 2 / (pi * x), 1e-8);
    }
    bessel_j0_y0(17.0, &j0, &y0);
    bessel_j0_y0(17.0 + 1e-12, &j, &y);
    CHECK_NEAR(j, j0, 1e-12);
    CHECK_NEAR(y, y0, 1e-12);
    bessel_j0_y0(-1.0, &j0, &y0);
    CHECK(isnan(j0) && isnan(y0));
}

static const pml_config REFERENCE_PML = {20.0, 5.0, 0.5};

static void test_pml_is_identity_inside(void)
{
    pml_coefficients c;
    pml_coefficients_at(&REFERENCE_PML, 0.49, -0.3, &c);
    CHECK_NEAR(c.A.re, 1, 0);
    CHECK_NEAR(c.A.im, 0, 0);
    CHECK_NEAR(c.B.re, 1, 0);
    CHECK_NEAR(c.Ax.re, 0, 0);
    CHECK_NEAR(c.By.im, 0, 0);
    CHECK_NEAR(c.K.re, 400, 0);
    CHECK_NEAR(c.K.im, 0, 0);
    /* Inside the layer the damping is k a0 (d / L)^2: at x = 0.8,
       sx = 20 * 5 * 0.36 = 36, ex = 1 - 1.8 i, A = 1 / ex. */
    pml_coefficients_at(&REFERENCE_PML, 0.8, 0.0, &c);
    CHECK_NEAR(c.A.re, 1 / (1 + 1.8 * 1.8), 1e-15);
    CHECK_NEAR(c.A.im, 1.8 / (1 + 1.8 * 1.8), 1e-15);
    CHECK_NEAR(c.B.re, 1, 1e-15);
    CHECK_NEAR(c.B.im, -1.8, 1e-15);
}

/* Ax and By are the derivatives of A and B (central differences), on
   both sides and in the corners. */
static void test_pml_derivative_coefficients(void)
{
    const double points[][2] = {{0.7, 0.1}, {-0.8, 0.3}, {0.9, -0.95}, {-0.6, 0.75}};
    for (size_t p = 0; p < 4; p++) {
        double x = points[p][0], y = points[p][1], h = 1e-6;
        pml_coefficients c, xp, xm, yp, ym;
        pml_coefficients_at(&REFERENCE_PML, x, y, &c);
        pml_coefficients_at(&REFERENCE_PML, x + h, y, &xp);
        pml_coefficients_at(&REFERENCE_PML, x - h, y, &xm);
        pml_coefficients_at(&REFERENCE_PML, x, y + h, &yp);
        pml_coefficients_at(&REFERENCE_PML, x, y - h, &ym);
        CHECK_NEAR(c.Ax.re, (xp.A.re - xm.A.re) / (2 * h), 1e-5);
        CHECK_NEAR(c.Ax.im, (xp.A.im - xm.A.im) / (2 * h), 1e-5);
        CHECK_NEAR(c.By.re, (yp.B.re - ym.B.re) / (2 * h), 1e-5);
        CHECK_NEAR(c.By.im, (yp.B.im - ym.B.im) / (2 * h), 1e-5);
        CHECK(fabs(c.Ax.re) + fabs(c.Ax.im) > 0.1 || fabs(x) <= 0.5);
    }
}

/* The adjoint of the (linear) operator is its transpose: perturbing each
   real input changes g_re Re r + g_im Im r by exactly the adjoint. */
static void test_pml_adjoint_is_transpose(void)
{
    pml_coefficients c;
    pml_coefficients_at(&REFERENCE_PML, 0.85, -0.7, &c);
    field_jet j = {{0.3, -0.2}, {1.5, 0.7}, {-2.0, 0.4}, {30, -12}, {-8, 25}}, adj;
    double g_re = 0.6, g_im = -1.3;
    pml_operator_adjoint(&c, g_re, g_im, &adj);
    double *in = (double *)&j, *ad = (double *)&adj;
    for (int m = 0; m < 10; m++) {
        double saved = in[m];
        in[m] = saved + 1;
        hcomplex up = pml_operator(&c, &j);
        in[m] = saved - 1;
        hcomplex down = pml_operator(&c, &j);
        in[m] = saved;
        double slope = 0.5 * (g_re * (up.re - down.re) + g_im * (up.im - down.im));
        CHECK_NEAR(ad[m], slope, 1e-9 * (1 + fabs(slope)));
    }
}

/* The analytic field solves u_xx + u_yy + k^2 u = 0 away from the source
   (second differences, step 1e-3: truncation about 1e-4 of k^2 u), and
   its amplitude includes the Gaussian's factor exp(-k^2 sigma / 2). */
static void test_exact_field_solves_helmholtz(void)
{
    hcomplex s = {1, 1};
    double k = 20, sigma = 1e-4, h = 1e-3;
    const double points[][2] = {{0.3, 0.1}, {-0.2, 0.35}, {0.05, -0.45}};
    for (size_t p = 0; p < 3; p++) {
        double x = points[p][0], y = points[p][1];
        hcomplex u = helmholtz_exact(k, sigma, s, hypot(x, y));
        hcomplex xp = helmholtz_exact(k, sigma, s, hypot(x + h, y));
        hcomplex xm = helmholtz_exact(k, sigma, s, hypot(x - h, y));
        hcomplex yp = helmholtz_exact(k, sigma, s, hypot(x, y + h));
        hcomplex ym = helmholtz_exact(k, sigma, s, hypot(x, y - h));
        double lap_re = (xp.re + xm.re + yp.re + ym.re - 4 * u.re) / (h * h);
        double lap_im = (xp.im + xm.im + yp.im + ym.im - 4 * u.im) / (h * h);
        double scale = k * k * hypot(u.re, u.im);
        CHECK(fabs(lap_re + k * k * u.re) < 1e-3 * scale);
        CHECK(fabs(lap_im + k * k * u.im) < 1e-3 * scale);
    }
    /* At k r = 1: (i/4)(1+i)(J0 - i Y0) e^{-0.02}. */
    hcomplex u = helmholtz_exact(k, sigma, s, 1.0 / k);
    double j0 = 0.76519768655796655145, y0 = 0.088256964215676957983, f = 0.25 * exp(-0.02);
    /* i (1 + i) = -1 + i; (-1 + i)(J0 - i Y0) = (-J0 + Y0) + i (J0 + Y0). */
    CHECK_NEAR(u.re, f * (y0 - j0), 1e-13);
    CHECK_NEAR(u.im, f * (j0 + y0), 1e-13);
}

/* The source density integrates to 1 (it is a normalised Gaussian; the
   truncation below 1e-5 removes a negligible part) and is 0 beyond the
   truncation radius sqrt(2 sigma ln(1e5 / (2 pi sigma))) = 0.0616. */
static void test_source_density(void)
{
    double sigma = 1e-4, h = 5e-4, sum = 0;
    for (double x = -0.08; x <= 0.08; x += h)
        for (double y = -0.08; y <= 0.08; y += h)
            sum += helmholtz_source_density(sigma, x * x + y * y) * h * h;
    CHECK_NEAR(sum, 1.0, 1e-4);
    CHECK(helmholtz_source_density(sigma, 0.0612 * 0.0612) > 0);
    CHECK(helmholtz_source_density(sigma, 0.0620 * 0.0620) == 0);
}

/* The exact solution for a Gaussian pulse at rest, as a Hankel transform:
   u(r, t) = A s2 int_0^inf exp(-rho^2 s2 / 2) cos(c rho t) J0(rho r) rho drho,
   s2 the variance (Simpson's rule up to where the Gaussian is 1e-31). */
static double exact_wave(const wave_pulse *p, double c, double t, double r)
{
    double top = 12.0 / sqrt(p->variance);
    int n = 4000;
    double h = top / n, sum = 0;
    for (int i = 0; i <= n; i++) {
        double rho = i * h, j0, y0;
        bessel_j0_y0(rho * r, &j0, &y0);
        double f = exp(-0.5 * rho * rho * p->variance) * cos(c * rho * t) * j0 * rho;
        sum += f * (i == 0 || i == n ? 1 : i % 2 ? 4 : 2);
    }
    return p->amplitude * p->variance * sum * h / 3;
}

static void test_wave_fd_matches_exact_solution(void)
{
    wave_pulse p = {0.02, 5e-4, 0, 0};
    double c = 1, t_max = 0.4, std = sqrt(p.variance);
    double cells_per_unit = ceil(6.0 / std);  /* the wave example's defaults */
    wave_fd w;
    size_t half = wave_fd_half_cells(&p, c, t_max, cells_per_unit);
    CHECK(half * (1 / cells_per_unit) >= 1.0);
    CHECK(wave_fd_init(&w, &p, c, cells_per_unit, half, 0.1) == 0);
    CHECK_NEAR(exact_wave(&p, c, 0, 0.01), wave_pulse_value(&p, 0.01, 0), 1e-12);
    const double times[] = {0.1, 0.25, 0.4};
    for (int f = 0; f < 3; f++) {
        wave_fd_advance(&w, times[f]);
        CHECK_NEAR(w.t, times[f], 1e-15);
        double err2 = 0, ref2 = 0;
        /* Along a ray at 30 degrees, from the centre past the front. */
        for (size_t i = 0; i <= 160; i += 2) {
            size_t ix = half + i, iy = half + (size_t)lround(i * 0.57735026918962576);
            double x = (double)i / cells_per_unit, y = (double)(iy - half) / cells_per_unit;
            double exact = exact_wave(&p, c, times[f], hypot(x, y));
            double got = wave_fd_node(&w, ix, iy);
            err2 += (got - exact) * (got - exact);
            ref2 += exact * exact;
        }
        printf("  t=%.2f: relative error %.2e\n", times[f], sqrt(err2 / ref2));
        CHECK(sqrt(err2 / ref2) < 1e-3);
    }
    wave_fd_free(&w);
}

int main(void)
{
    RUN(test_bessel_known_values);
    RUN(test_bessel_zeros_wronskian_and_switch);
    RUN(test_pml_is_identity_inside);
    RUN(test_pml_derivative_coefficients);
    RUN(test_pml_adjoint_is_transpose);
    RUN(test_exact_field_solves_helmholtz);
    RUN(test_source_density);
    RUN(test_wave_fd_matches_exact_solution);
    return check_summary();
}
