/* wave_fd.h - a finite-difference solution of the 2-D wave equation
   u_tt = c^2 (u_xx + u_yy) from a Gaussian pulse at rest, the reference
   that the wave example measures its network against.

   Space: the fourth-order five-point second difference along each axis
   on a square grid of spacing h = 1 / cells_per_unit over [-half, half]^2
   (nodes at every multiple of h, so -1, 0 and 1 are nodes), u = 0 on the
   border. Time: Stormer-Verlet (leapfrog in velocity form), second order
   and self-starting, so the step can shrink to land exactly on each
   requested time. wave_fd_half_width picks a domain that the pulse does
   not reach before t_max: the zero border is then exact, and the grid
   solves the free-space problem. tests/examples/pde/test_pde.c checks the
   solution against the exact one (a Hankel-transform integral). */
#ifndef EXAMPLES_WAVE_FD_H
#define EXAMPLES_WAVE_FD_H

#include <stddef.h>

/* u(0, x, y) = amplitude exp(-((x - x0)^2 + (y - y0)^2) / (2 variance)),
   u_t(0, x, y) = 0. The reference: amplitude 1/50, variance 5e-4, at 0. */
typedef struct wave_pulse {
    double amplitude, variance, x0, y0;
} wave_pulse;

double wave_pulse_value(const wave_pulse *p, double x, double y);

typedef struct wave_fd {
    size_t n;           /* nodes per axis: 2 * half_cells + 1 */
    size_t half_cells;  /* node i sits at (i - half_cells) h */
    double h, c, t, max_dt;
    double *u, *v, *acc;  /* [n * n], row j (y) major, x fastest */
} wave_fd;

/* A half-width (in units of h, so a whole number of cells) covering
   [-1, 1]^2 and every point the pulse's disturbance (out to 8 standard
   deviations) reaches by t_max, plus the stencil's margin. */
size_t wave_fd_half_cells(const wave_pulse *p, double c, double t_max, double cells_per_unit);

/* Sets up the grid at t = 0 with time steps of at most courant * h / c.
   Returns 0, or -1 when out of memory or an argument is not positive. */
int wave_fd_init(wave_fd *w, const wave_pulse *p, double c, double cells_per_unit,
                 size_t half_cells, double courant);
void wave_fd_free(wave_fd *w);

/* Steps from w->t to t >= w->t exactly. */
void wave_fd_advance(wave_fd *w, double t);

/* The value at node (i, j): x = (i - half_cells) h, y likewise. */
double wave_fd_node(const wave_fd *w, size_t i, size_t j);

#endif
