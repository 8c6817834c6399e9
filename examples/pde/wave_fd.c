/* wave_fd.c - the finite-difference wave solver (see wave_fd.h). */
#include "wave_fd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double wave_pulse_value(const wave_pulse *p, double x, double y)
{
    double dx = x - p->x0, dy = y - p->y0;
    return p->amplitude * exp(-0.5 * (dx * dx + dy * dy) / p->variance);
}

size_t wave_fd_half_cells(const wave_pulse *p, double c, double t_max, double cells_per_unit)
{
    double reach = fabs(p->x0) > fabs(p->y0) ? fabs(p->x0) : fabs(p->y0);
    reach += c * t_max + 8.0 * sqrt(p->variance);
    double half = reach > 1.0 ? reach : 1.0;
    return (size_t)ceil(half * cells_per_unit) + 4;
}

void wave_fd_free(wave_fd *w)
{
    free(w->u);
    free(w->v);
    free(w->acc);
    memset(w, 0, sizeof *w);
}

/* acc = c^2 (u_xx + u_yy) with the fourth-order stencil
   (-1, 16, -30, 16, -1) / (12 h^2) along each axis; the two nodes nearest
   the border keep acc = 0 (the field is zero there until t_max). */
static void acceleration(wave_fd *w)
{
    size_t n = w->n;
    double scale = w->c * w->c / (12.0 * w->h * w->h);
    const double *u = w->u;
    for (size_t j = 2; j + 2 < n; j++) {
        const double *row = u + j * n;
        for (size_t i = 2; i + 2 < n; i++) {
            double dxx = -row[i - 2] + 16 * row[i - 1] - 30 * row[i] + 16 * row[i + 1] - row[i + 2];
            double dyy = -row[i - 2 * n] + 16 * row[i - n] - 30 * row[i] + 16 * row[i + n] -
                         row[i + 2 * n];
            w->acc[j * n + i] = scale * (dxx + dyy);
        }
    }
}

int wave_fd_init(wave_fd *w, const wave_pulse *p, double c, double cells_per_unit,
                 size_t half_cells, double courant)
{
    memset(w, 0, sizeof *w);
    if (!(c > 0) || !(cells_per_unit > 0) || !(courant > 0) || half_cells < 4 ||
        half_cells > 100000)
        return -1;
    w->half_cells = half_cells;
    w->n = 2 * half_cells + 1;
    w->h = 1.0 / cells_per_unit;
    w->c = c;
    w->max_dt = courant * w->h / c;
    size_t nn = w->n * w->n;
    w->u = malloc(nn * sizeof *w->u);
    w->v = calloc(nn, sizeof *w->v);
    w->acc = calloc(nn, sizeof *w->acc);
    if (!w->u || !w->v || !w->acc) {
        wave_fd_free(w);
        return -1;
    }
    for (size_t j = 0; j < w->n; j++)
        for (size_t i = 0; i < w->n; i++) {
            double x = ((double)i - (double)half_cells) * w->h;
            double y = ((double)j - (double)half_cells) * w->h;
            w->u[j * w->n + i] = wave_pulse_value(p, x, y);
        }
    /* The border nodes are held at zero (the pulse is negligible there). */
    for (size_t i = 0; i < w->n; i++)
        for (size_t b = 0; b < 2; b++) {
            w->u[b * w->n + i] = w->u[(w->n - 1 - b) * w->n + i] = 0;
            w->u[i * w->n + b] = w->u[i * w->n + w->n - 1 - b] = 0;
        }
    acceleration(w);
    return 0;
}

/* One Stormer-Verlet step: v += dt/2 a(u); u += dt v; v += dt/2 a(u). */
static void verlet_step(wave_fd *w, double dt)
{
    size_t nn = w->n * w->n;
    for (size_t i = 0; i < nn; i++) {
        w->v[i] += 0.5 * dt * w->acc[i];
        w->u[i] += dt * w->v[i];
    }
    acceleration(w);
    for (size_t i = 0; i < nn; i++)
        w->v[i] += 0.5 * dt * w->acc[i];
    w->t += dt;
}

void wave_fd_advance(wave_fd *w, double t)
{
    double span = t - w->t;
    if (!(span > 0))
        return;
    double steps = ceil(span / w->max_dt - 1e-9);
    double dt = span / steps;
    for (double s = 0; s < steps; s++)
        verlet_step(w, dt);
    w->t = t;
}

double wave_fd_node(const wave_fd *w, size_t i, size_t j)
{
    return w->u[j * w->n + i];
}
