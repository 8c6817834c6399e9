/* sampling.c - the wave example's collocation points (see sampling.h). */
#include "sampling.h"

#include <math.h>

static const double TWO_PI = 6.283185307179586;

/* A standard normal number (Box-Muller; 1 - u keeps the logarithm finite). */
static double standard_normal(rng *r)
{
    double u = 1.0 - rng_uniform(r), v = rng_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(TWO_PI * v);
}

size_t wave_sample_front_count(const wave_sampling *s)
{
    size_t timed = s->points - 2 * s->source_points;
    return (size_t)floor(s->front_fraction * (double)timed + 0.5);
}

static void put(float *p, double t, double x, double y)
{
    p[0] = (float)t;
    p[1] = (float)x;
    p[2] = (float)y;
}

/* On the front: distance c t + w z from the centre, reflected at 0; a
   point that falls outside [-1, 1]^2 (only when the front reaches the
   border) is drawn again. */
static void front_point(const wave_sampling *s, rng *r, double span, float *p)
{
    for (;;) {
        double t = rng_range(r, 0, span);
        double rho = fabs(s->c * t + s->front_width * standard_normal(r));
        double th = TWO_PI * rng_uniform(r);
        double x = s->pulse.x0 + rho * cos(th), y = s->pulse.y0 + rho * sin(th);
        if (fabs(x) <= 1 && fabs(y) <= 1) {
            put(p, t, x, y);
            return;
        }
    }
}

/* Near the pulse at t = 0: uniform in the disc of radius source_radius
   (the reference), or normal with standard deviation source_spread per
   axis, drawn again outside [-1, 1]^2. */
static void source_point(const wave_sampling *s, rng *r, float *p)
{
    double x, y;
    if (s->source_radius > 0) {
        double rho = s->source_radius * sqrt(rng_uniform(r)), th = TWO_PI * rng_uniform(r);
        x = s->pulse.x0 + rho * cos(th);
        y = s->pulse.y0 + rho * sin(th);
    } else {
        do {
            x = s->pulse.x0 + s->source_spread * standard_normal(r);
            y = s->pulse.y0 + s->source_spread * standard_normal(r);
        } while (fabs(x) > 1 || fabs(y) > 1);
    }
    put(p, 0, x, y);
}

void wave_sample(const wave_sampling *s, rng *r, double span, float *txy, float *initial)
{
    size_t n = s->points, src = s->source_points, timed = n - 2 * src;
    size_t uniform = timed - wave_sample_front_count(s);
    for (size_t i = 0; i < n; i++) {
        float *p = txy + 3 * i;
        if (i < uniform || (i >= timed && i < n - src)) {
            /* The reference draws t (timed points only), then x and y. */
            double t = i < timed ? rng_range(r, 0, span) : 0;
            double x = rng_range(r, -1, 1);
            put(p, t, x, rng_range(r, -1, 1));
        } else if (i < timed) {
            front_point(s, r, span, p);
        } else {
            source_point(s, r, p);
        }
        /* The reference constrains exactly the points with t == 0. */
        initial[i] = p[0] == 0 ? (float)wave_pulse_value(&s->pulse, p[1], p[2]) : NAN;
    }
}
