/* bessel.h - Bessel functions of order 0, J0 and Y0, and the Hankel
   function H0^(2) = J0 - i Y0, for the analytic solution that the
   helmholtz example compares with.

   Accuracy: about 1e-13 absolute for x > 0 (tests/examples/pde/test_pde.c
   checks values computed to 30 digits). Method: for x <= 17 the power
   series
       J0(x) = sum_m (-1)^m (x^2/4)^m / (m!)^2
       Y0(x) = (2/pi) [ (ln(x/2) + gamma) J0(x)
                        + sum_{m>=1} (-1)^(m+1) H_m (x^2/4)^m / (m!)^2 ]
   (H_m the harmonic numbers) summed in long double, whose extra digits
   absorb the cancellation between the terms; above, Hankel's asymptotic
   expansion
       J0 = sqrt(2/(pi x)) (P cos chi - Q sin chi),
       Y0 = sqrt(2/(pi x)) (P sin chi + Q cos chi),   chi = x - pi/4,
   with P and Q summed up to their smallest term (below 2e-15 there). */
#ifndef EXAMPLES_BESSEL_H
#define EXAMPLES_BESSEL_H

/* J0(x) and Y0(x) for x > 0. x <= 0 or NaN gives NaN (J0(0) = 1 is
   given; Y0(0) is -infinity). */
void bessel_j0_y0(double x, double *j0, double *y0);

#endif
