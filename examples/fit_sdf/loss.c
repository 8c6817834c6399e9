/* loss.c - the four terms of the SDF loss and their derivatives (loss.h),
   each in double precision; the sums, their order and torch's
   cosine_similarity as the reference computes them. */
#include "loss.h"

#include <math.h>

static double sign_of(double v)
{
    return (double)(v > 0) - (double)(v < 0);
}

/* 5e1 | |g| - 1 | (everywhere, the eikonal term): its value, and its
   gradient with respect to g in dg[3] (unit = g / |g|, or 0). */
static double eikonal_term(double len, const double *unit, double M, double *dg)
{
    for (int k = 0; k < 3; k++)
        dg[k] = 50.0 / M * sign_of(len - 1) * unit[k];
    return 50.0 / M * fabs(len - 1);
}

/* 3e3 |f| (on the surface): its value, and its derivative in *df. */
static double surface_value_term(double f, double M, double *df)
{
    *df = 3e3 / M * sign_of(f);
    return 3e3 / M * fabs(f);
}

/* 1e2 (1 - cos(g, n)) (on the surface), the cosine as torch's
   cosine_similarity: g . n / max(|g| |n|, 1e-8), |n| = 1. Its value; its
   gradient is subtracted from dg[3], and the angle between g and n, in
   degrees, goes to *angle. */
static double normal_term(const float *g, const float *normal, double len, const double *unit,
                          double M, double *dg, double *angle)
{
    double denom = len > 1e-8 ? len : 1e-8;
    double cosine = (g[0] * normal[0] + g[1] * normal[1] + g[2] * normal[2]) / denom;
    for (int k = 0; k < 3; k++)
        dg[k] -= 1e2 / M * (normal[k] - (len > 1e-8 ? cosine * unit[k] : 0)) / denom;
    double c = cosine > 1 ? 1 : cosine < -1 ? -1 : cosine;
    *angle = acos(c) * 57.29577951308232;
    return 1e2 / M * (1 - cosine);
}

/* 1e2 exp(-100 |f|) (off the surface): its value, and its derivative
   in *df. */
static double off_surface_term(double f, double M, double *df)
{
    double e = exp(-100.0 * fabs(f));
    *df = -1e4 / M * sign_of(f) * e;
    return 1e2 / M * e;
}

void sdf_point_loss(const float *g, const float *normal, double f, double M, step_stats *s,
                    float *adj_f, float *adj_g)
{
    double len = sqrt((double)g[0] * g[0] + (double)g[1] * g[1] + (double)g[2] * g[2]);
    double unit[3], df, dg[3];
    for (int k = 0; k < 3; k++)
        unit[k] = len > 0 ? g[k] / len : 0;
    s->loss += eikonal_term(len, unit, M, dg);
    if (normal) {
        double angle;
        double value = surface_value_term(f, M, &df);
        double alignment = normal_term(g, normal, len, unit, M, dg, &angle);
        s->loss += value + alignment;
        s->angle_sum += angle;
    } else {
        s->loss += off_surface_term(f, M, &df);
    }
    *adj_f = (float)df;
    for (int k = 0; k < 3; k++)
        adj_g[k] = (float)dg[k];
}
