/* shape_geometry.c - what fit_sdf does with a shape once it is read
   (shape_geometry.h): triangle corners and orientation, a mesh's area and
   volume, sampling oriented points on a mesh by area, and the reference's
   normalisation. */
#include "shape_geometry.h"
#include "io/error_message.h"

#include "fit/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- geometry */

void tri_mesh_corners(const tri_mesh *m, size_t t, double p[3][3])
{
    for (int c = 0; c < 3; c++)
        for (int k = 0; k < 3; k++)
            p[c][k] = m->vertices[3 * (size_t)m->triangles[3 * t + (size_t)c] + (size_t)k];
}

/* (b - a) x (c - a): twice the area, along the normal. */
static void triangle_cross(double p[3][3], double n[3])
{
    double u[3], v[3];
    for (int k = 0; k < 3; k++) {
        u[k] = p[1][k] - p[0][k];
        v[k] = p[2][k] - p[0][k];
    }
    n[0] = u[1] * v[2] - u[2] * v[1];
    n[1] = u[2] * v[0] - u[0] * v[2];
    n[2] = u[0] * v[1] - u[1] * v[0];
}

static double norm3(const double v[3])
{
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

/* The area-weighted centroid of the surface and its total area. */
static double mesh_centroid(const tri_mesh *m, double centroid[3])
{
    double total = 0, sum[3] = {0, 0, 0};
    for (size_t t = 0; t < m->triangle_count; t++) {
        double p[3][3], n[3];
        tri_mesh_corners(m, t, p);
        triangle_cross(p, n);
        double area = 0.5 * norm3(n);
        total += area;
        for (int k = 0; k < 3; k++)
            sum[k] += area * (p[0][k] + p[1][k] + p[2][k]) / 3.0;
    }
    for (int k = 0; k < 3; k++)
        centroid[k] = total > 0 ? sum[k] / total : 0;
    return total;
}

bool shape_orient_outward(tri_mesh *m)
{
    double c[3], volume = 0;
    mesh_centroid(m, c);
    for (size_t t = 0; t < m->triangle_count; t++) {
        double p[3][3], n[3];
        tri_mesh_corners(m, t, p);
        triangle_cross(p, n);
        /* the tetrahedron (centroid, a, b, c): (a - centroid) . n / 6 */
        volume += ((p[0][0] - c[0]) * n[0] + (p[0][1] - c[1]) * n[1] +
                   (p[0][2] - c[2]) * n[2]) / 6.0;
    }
    if (volume >= 0)
        return false;
    for (size_t t = 0; t < m->triangle_count; t++) {
        uint32_t swap = m->triangles[3 * t + 1];
        m->triangles[3 * t + 1] = m->triangles[3 * t + 2];
        m->triangles[3 * t + 2] = swap;
    }
    return true;
}

int shape_sample_mesh(const tri_mesh *m, size_t count, uint64_t seed, oriented_points *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t nt = m->triangle_count;
    double *cumulative = malloc((nt ? nt : 1) * sizeof *cumulative);
    out->xyz = malloc((count ? count : 1) * 3 * sizeof *out->xyz);
    out->normals = malloc((count ? count : 1) * 3 * sizeof *out->normals);
    if (!cumulative || !out->xyz || !out->normals) {
        free(cumulative);
        oriented_points_free(out);
        return error_message(err, errlen, "out of memory for %zu samples", count);
    }
    double total = 0;
    for (size_t t = 0; t < nt; t++) {
        double p[3][3], n[3];
        tri_mesh_corners(m, t, p);
        triangle_cross(p, n);
        total += 0.5 * norm3(n);
        cumulative[t] = total;
    }
    if (!(total > 0) || !isfinite(total)) {
        free(cumulative);
        oriented_points_free(out);
        return error_message(err, errlen, "the mesh has no area");
    }
    rng r = rng_seeded(seed, 0x5a3b1e);
    for (size_t i = 0; i < count; i++) {
        /* The first triangle whose cumulative area exceeds u: zero-area
           triangles have no interval of their own and are never picked. */
        double u = rng_uniform(&r) * total;
        size_t lo = 0, hi = nt - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cumulative[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        double p[3][3], n[3];
        tri_mesh_corners(m, lo, p);
        triangle_cross(p, n);
        double s = sqrt(rng_uniform(&r)), w = rng_uniform(&r), len = norm3(n);
        for (int k = 0; k < 3; k++) {
            out->xyz[3 * i + (size_t)k] =
                (float)((1 - s) * p[0][k] + s * (1 - w) * p[1][k] + s * w * p[2][k]);
            out->normals[3 * i + (size_t)k] = (float)(n[k] / len);
        }
    }
    out->count = count;
    free(cumulative);
    return 0;
}

/* ------------------------------------------------------- measurements */

double mesh_area(const tri_mesh *m)
{
    double total = 0;
    for (size_t t = 0; t < m->triangle_count; t++) {
        double p[3][3], n[3];
        tri_mesh_corners(m, t, p);
        triangle_cross(p, n);
        total += 0.5 * norm3(n);
    }
    return total;
}
double mesh_signed_volume(const tri_mesh *m)
{
    double total = 0;
    for (size_t t = 0; t < m->triangle_count; t++) {
        double p[3][3];
        tri_mesh_corners(m, t, p);
        total += (p[0][0] * (p[1][1] * p[2][2] - p[1][2] * p[2][1]) -
                  p[0][1] * (p[1][0] * p[2][2] - p[1][2] * p[2][0]) +
                  p[0][2] * (p[1][0] * p[2][1] - p[1][1] * p[2][0])) / 6.0;
    }
    return total;
}

/* ------------------------------------------------------- transform */

static int finish_transform(const double mean[3], double lo, double hi, shape_transform *t,
                            char *err, size_t errlen)
{
    if (!(hi > lo) || !isfinite(hi - lo))
        return error_message(err, errlen, "the shape has no extent (all coordinates equal)");
    for (int k = 0; k < 3; k++)
        t->offset[k] = mean[k] + 0.5 * (lo + hi);
    t->scale = 2.0 / (hi - lo);
    return 0;
}

int shape_reference_transform(const shape *s, shape_transform *t, char *err, size_t errlen)
{
    double mean[3] = {0, 0, 0}, lo = INFINITY, hi = -INFINITY;
    const float *xyz;
    size_t n;
    if (shape_is_mesh(s)) {
        mesh_centroid(&s->mesh, mean);
        xyz = s->mesh.vertices;
        n = s->mesh.vertex_count;
    } else {
        xyz = s->points.xyz;
        n = s->points.count;
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++)
                mean[k] += xyz[3 * i + (size_t)k];
        for (int k = 0; k < 3; k++)
            mean[k] /= (double)(n ? n : 1);
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            double v = xyz[3 * i + (size_t)k] - mean[k];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    return finish_transform(mean, lo, hi, t, err, errlen);
}

void shape_transform_apply(const shape_transform *t, float *xyz, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (int k = 0; k < 3; k++)
            xyz[3 * i + (size_t)k] = (float)((xyz[3 * i + (size_t)k] - t->offset[k]) * t->scale);
}

void shape_transform_invert(const shape_transform *t, float *xyz, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (int k = 0; k < 3; k++)
            xyz[3 * i + (size_t)k] = (float)(xyz[3 * i + (size_t)k] / t->scale + t->offset[k]);
}
