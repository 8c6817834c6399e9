/* bessel.c - J0 and Y0 from their power series and Hankel's asymptotic
   expansion (see bessel.h). */
#include "bessel.h"

#include <math.h>

#define BESSEL_PI 3.14159265358979323846264338327950288L
#define BESSEL_EULER_GAMMA 0.57721566490153286060651209008240243L
#define BESSEL_SWITCH 17.0

/* The two series share their terms (-1)^m q^m / (m!)^2, q = x^2/4. */
static void power_series(double x, double *j0, double *y0)
{
    long double q = (long double)x * x / 4.0L, term = 1.0L, j = 1.0L, y = 0.0L,
                harmonic = 0.0L;
    for (int m = 1; m < 200; m++) {
        term *= -q / ((long double)m * m);
        harmonic += 1.0L / m;
        j += term;
        y -= harmonic * term;  /* (-1)^(m+1) H_m |term| */
        if (m > q && fabsl(term) * (1.0L + harmonic) < 1e-22L)
            break;
    }
    *j0 = (double)j;
    *y0 = (double)(2.0L / BESSEL_PI * ((logl((long double)x / 2.0L) + BESSEL_EULER_GAMMA) * j + y));
}

/* P and Q of Hankel's expansion for order 0: with b_0 = 1 and
   b_k = -b_{k-1} (2k-1)^2 / (8 k x), P = b_0 - b_2 + b_4 - ... and
   Q = b_1 - b_3 + b_5 - ... (A&S 9.2.9-10 with mu = 0). The series
   diverges: stop at the smallest term. */
static void hankel_asymptotic(double x, double *j0, double *y0)
{
    double p = 1.0, q = 0.0, b = 1.0, previous = INFINITY;
    for (int k = 1; k < 100; k++) {
        double next = -b * (2.0 * k - 1) * (2.0 * k - 1) / (8.0 * k * x);
        if (fabs(next) >= previous || fabs(next) < 1e-18)
            break;
        previous = fabs(next);
        b = next;
        /* b_k enters P (k even) or Q (k odd) with sign (-1)^floor(k/2). */
        double sign = (k / 2) % 2 == 0 ? 1.0 : -1.0;
        if (k % 2 == 0)
            p += sign * b;
        else
            q += sign * b;
    }
    double chi = x - 0.25 * (double)BESSEL_PI, amp = sqrt(2.0 / ((double)BESSEL_PI * x));
    *j0 = amp * (p * cos(chi) - q * sin(chi));
    *y0 = amp * (p * sin(chi) + q * cos(chi));
}

void bessel_j0_y0(double x, double *j0, double *y0)
{
    if (x == 0) {
        *j0 = 1.0;
        *y0 = -INFINITY;
    } else if (!(x > 0)) {
        *j0 = *y0 = NAN;
    } else if (x <= BESSEL_SWITCH) {
        power_series(x, j0, y0);
    } else {
        hankel_asymptotic(x, j0, y0);
    }
}
