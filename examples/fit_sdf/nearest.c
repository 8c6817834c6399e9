/* nearest.c - bucket-grid nearest neighbours and the Chamfer distance
   (see nearest.h). */
#include "nearest.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void nn_grid_free(nn_grid *g)
{
    free(g->start);
    free(g->order);
    memset(g, 0, sizeof *g);
}

static size_t bucket_coord(const nn_grid *g, int axis, double v)
{
    double c = floor((v - g->lo[axis]) / g->cell);
    if (!(c >= 0))
        return 0;
    if (c >= (double)g->dims[axis])
        return g->dims[axis] - 1;
    return (size_t)c;
}

static size_t bucket_of(const nn_grid *g, const float *p)
{
    size_t b[3];
    for (int a = 0; a < 3; a++)
        b[a] = bucket_coord(g, a, p[a]);
    return (b[2] * g->dims[1] + b[1]) * g->dims[0] + b[0];
}

/* About two points per bucket over the bounding box, at most 2^21
   buckets per axis product, at least one bucket per axis. */
static void choose_grid(nn_grid *g)
{
    double hi[3];
    for (int a = 0; a < 3; a++) {
        g->lo[a] = INFINITY;
        hi[a] = -INFINITY;
    }
    for (size_t i = 0; i < g->count; i++)
        for (int a = 0; a < 3; a++) {
            double v = g->points[3 * i + (size_t)a];
            g->lo[a] = v < g->lo[a] ? v : g->lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double extent[3], volume = 1, longest = 0;
    for (int a = 0; a < 3; a++) {
        extent[a] = hi[a] - g->lo[a];
        longest = extent[a] > longest ? extent[a] : longest;
    }
    if (!(longest > 0))
        longest = 1;
    for (int a = 0; a < 3; a++)
        volume *= extent[a] > 1e-6 * longest ? extent[a] : 1e-6 * longest;
    double buckets = (double)g->count / 2.0;
    buckets = buckets < 2097152.0 ? buckets : 2097152.0;
    g->cell = cbrt(volume / (buckets > 1 ? buckets : 1));
    for (int a = 0; a < 3; a++) {
        double d = ceil(extent[a] / g->cell);
        d = d < 1 ? 1 : d > 2048 ? 2048 : d;
        g->dims[a] = (size_t)d;
    }
    /* The cap on dims can make buckets too small to cover the box. */
    for (int a = 0; a < 3; a++)
        if ((double)g->dims[a] * g->cell < extent[a])
            g->cell = extent[a] / (double)g->dims[a] * (1 + 1e-9);
}

int nn_grid_build(nn_grid *g, const float *points, size_t count)
{
    memset(g, 0, sizeof *g);
    if (count == 0)
        return -1;
    g->points = points;
    g->count = count;
    choose_grid(g);
    size_t cells = g->dims[0] * g->dims[1] * g->dims[2];
    g->start = calloc(cells + 1, sizeof *g->start);
    g->order = malloc(count * sizeof *g->order);
    size_t *fill = calloc(cells, sizeof *fill);
    if (!g->start || !g->order || !fill) {
        free(fill);
        nn_grid_free(g);
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        g->start[bucket_of(g, points + 3 * i) + 1]++;
    for (size_t b = 0; b < cells; b++)
        g->start[b + 1] += g->start[b];
    for (size_t i = 0; i < count; i++) {
        size_t b = bucket_of(g, points + 3 * i);
        g->order[g->start[b] + fill[b]++] = i;
    }
    free(fill);
    return 0;
}

static void search_bucket(const nn_grid *g, size_t b, const float q[3], size_t *best,
                          double *best_d2)
{
    for (size_t s = g->start[b]; s < g->start[b + 1]; s++) {
        const float *p = g->points + 3 * g->order[s];
        double dx = (double)p[0] - q[0], dy = (double)p[1] - q[1], dz = (double)p[2] - q[2];
        double d2 = dx * dx + dy * dy + dz * dz;
        if (d2 < *best_d2) {
            *best_d2 = d2;
            *best = g->order[s];
        }
    }
}

/* Distance from q to the box of bucket (b0, b1, b2): 0 inside. */
static double distance_outside(const nn_grid *g, const float q[3], const size_t b[3])
{
    double d2 = 0;
    for (int a = 0; a < 3; a++) {
        double lo = g->lo[a] + (double)b[a] * g->cell, hi = lo + g->cell, v = q[a];
        double d = v < lo ? lo - v : v > hi ? v - hi : 0;
        d2 += d * d;
    }
    return sqrt(d2);
}

size_t nn_grid_nearest(const nn_grid *g, const float q[3], double *dist2)
{
    size_t home[3], best = 0;
    double best_d2 = INFINITY;
    for (int a = 0; a < 3; a++)
        home[a] = bucket_coord(g, a, q[a]);
    double outside = distance_outside(g, q, home);
    size_t max_ring = g->dims[0] + g->dims[1] + g->dims[2];
    for (size_t r = 0; r <= max_ring; r++) {
        /* Every bucket at Chebyshev distance r from home. */
        long lo[3], hi[3];
        for (int a = 0; a < 3; a++) {
            lo[a] = (long)home[a] - (long)r;
            hi[a] = (long)home[a] + (long)r;
        }
        for (long z = lo[2] < 0 ? 0 : lo[2]; z <= hi[2] && z < (long)g->dims[2]; z++)
            for (long y = lo[1] < 0 ? 0 : lo[1]; y <= hi[1] && y < (long)g->dims[1]; y++) {
                bool shell_row = z == lo[2] || z == hi[2] || y == lo[1] || y == hi[1];
                long xstep = shell_row ? 1 : hi[0] - lo[0];
                for (long x = lo[0]; x <= hi[0]; x += xstep > 0 ? xstep : 1)
                    if (x >= 0 && x < (long)g->dims[0])
                        search_bucket(g, ((size_t)z * g->dims[1] + (size_t)y) * g->dims[0] +
                                             (size_t)x, q, &best, &best_d2);
            }
        /* Points in rings beyond r are at least r cells from home's box,
           less how far q is outside that box. */
        double bound = (double)r * g->cell - outside;
        if (best_d2 <= bound * bound && bound > 0)
            break;
    }
    *dist2 = best_d2;
    return best;
}

/* Mean distance and mean |normal . normal| from each point of a to its
   nearest in b (whose grid is gb). */
static void one_direction(const oriented_points *a, const oriented_points *b, const nn_grid *gb,
                          double *mean_distance, double *mean_alignment)
{
    double dist = 0, align = 0;
    for (size_t i = 0; i < a->count; i++) {
        double d2;
        size_t j = nn_grid_nearest(gb, a->xyz + 3 * i, &d2);
        dist += sqrt(d2);
        const float *na = a->normals + 3 * i, *nb = b->normals + 3 * j;
        align += fabs((double)na[0] * nb[0] + (double)na[1] * nb[1] + (double)na[2] * nb[2]);
    }
    *mean_distance = dist / (double)a->count;
    *mean_alignment = align / (double)a->count;
}

int shape_compare(const oriented_points *a, const oriented_points *b, shape_distance *out)
{
    memset(out, 0, sizeof *out);
    if (a->count == 0 || b->count == 0)
        return -1;
    nn_grid ga, gb;
    if (nn_grid_build(&ga, a->xyz, a->count))
        return -1;
    if (nn_grid_build(&gb, b->xyz, b->count)) {
        nn_grid_free(&ga);
        return -1;
    }
    double align_ab, align_ba;
    one_direction(a, b, &gb, &out->a_to_b, &align_ab);
    one_direction(b, a, &ga, &out->b_to_a, &align_ba);
    out->chamfer = 0.5 * (out->a_to_b + out->b_to_a);
    out->normal_consistency = 0.5 * (align_ab + align_ba);
    nn_grid_free(&ga);
    nn_grid_free(&gb);
    return 0;
}

double points_bbox_diagonal(const oriented_points *p)
{
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < p->count; i++)
        for (int a = 0; a < 3; a++) {
            double v = p->xyz[3 * i + (size_t)a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double d2 = 0;
    for (int a = 0; a < 3; a++)
        d2 += p->count ? (hi[a] - lo[a]) * (hi[a] - lo[a]) : 0;
    return sqrt(d2);
}
