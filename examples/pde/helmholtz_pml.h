/* helmholtz_pml.h - the 2-D Helmholtz problem of the SIREN paper (section
   4.3) as the reference implementation poses it (loss_functions.
   helmholtz_pml): its perfectly matched layer, the residual of one point
   and that residual's derivatives for the backward pass, and the analytic
   free-space solution it is compared with.

   The field u = u_re + i u_im (the network's two outputs) solves
       d/dx (A du/dx) + d/dy (B du/dy) + C k^2 u = f
   with ex = 1 - i sx / k, ey = 1 - i sy / k, A = ey / ex, B = ex / ey,
   C = ex ey. sx and sy are zero inside [-(1-L), 1-L]^2 and grow
   quadratically across the layer of width L at the border:
       sx = k a0 ((dist_west / L)^2 + (dist_east / L)^2)
   (the reference: a0 = 5, L = 0.5, k = 20). Since A depends on x,
       d/dx (A u_x) = A_x u_x + A u_xx,   d/dy (B u_y) = B_y u_y + B u_yy,
   which needs the per-coordinate second derivatives u_xx and u_yy (the
   Hessian diagonal), not only the Laplacian. Away from the layer A = B =
   C = 1 and the equation is the plain u_xx + u_yy + k^2 u = f.

   Time convention e^{+i omega t}: outgoing waves are e^{-i k r}, the
   layer's complex stretching (1 - i s / k) damps them by exp(-int s dx),
   and the free-space solution of u_xx + u_yy + k^2 u = s delta(x - x0) is
       u = (i / 4) s H0^(2)(k |x - x0|),    H0^(2) = J0 - i Y0.
   The reference's source is not a delta but s g(x - x0), g the normalised
   Gaussian with variance sigma per coordinate (sigma = 1e-4). Outside the
   source, by Graf's addition theorem, its field is the delta's times the
   Fourier transform of g at the wavenumber: exp(-k^2 sigma / 2) = 0.980
   for the reference. helmholtz_exact includes that factor. */
#ifndef EXAMPLES_HELMHOLTZ_PML_H
#define EXAMPLES_HELMHOLTZ_PML_H

typedef struct hcomplex {
    double re, im;
} hcomplex;

typedef struct pml_config {
    double k;      /* wavenumber (reference 20) */
    double a0;     /* strength (reference 5) */
    double width;  /* L, the layer's width inside [-1, 1] (reference 0.5) */
} pml_config;

/* The residual is linear in the field's jet:
       r = Ax u_x + A u_xx + By u_y + B u_yy + K u - f,   K = C k^2
   (squared slowness 1: a uniform medium). */
typedef struct pml_coefficients {
    hcomplex A, Ax, B, By, K;
} pml_coefficients;

/* The complex jet of the field at one point. */
typedef struct field_jet {
    hcomplex u, ux, uy, uxx, uyy;
} field_jet;

void pml_coefficients_at(const pml_config *cfg, double x, double y, pml_coefficients *c);

/* r + f, the left-hand side at one point. */
hcomplex pml_operator(const pml_coefficients *c, const field_jet *j);

/* Given dL/d(Re r) = g_re and dL/d(Im r) = g_im, the derivatives of L
   with respect to the real and imaginary parts of every member of the
   jet (written as hcomplex {dL/d re, dL/d im}). */
void pml_operator_adjoint(const pml_coefficients *c, double g_re, double g_im, field_jet *adj);

/* The free-space field at distance r > 0 from a source of complex
   strength s spread as a Gaussian of variance sigma per coordinate:
   exp(-k^2 sigma / 2) (i / 4) s H0^(2)(k r). */
hcomplex helmholtz_exact(double k, double sigma, hcomplex s, double r);

/* The reference's source density at squared distance d2 from its centre:
   g = exp(-d2 / (2 sigma)) / (2 pi sigma), set to 0 below 1e-5 (as the
   reference truncates it); the source is s g. */
double helmholtz_source_density(double sigma, double d2);

#endif
