/* test_geometry.c - fit_sdf's geometry (examples/fit_sdf): area
   sampling and the reference normalisation, marching cubes (watertight,
   oriented, accurate on a sphere and a torus, consistent on noise, the
   narrow band giving the very mesh of the full grid), an extracted mesh
   written as PLY and read back, the nearest-neighbour search and the
   Chamfer distance. */
#define _POSIX_C_SOURCE 200809L
#include "fit/rng.h"
#include "fit_sdf/mesh.h"
#include "fit_sdf/nearest.h"
#include "fit_sdf/shape_geometry.h"
#include "io/pointcloud.h"

#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ geometry */

/* An axis-aligned box [0,a]x[0,b]x[0,c] as 12 triangles, facing inward
   when `inward`. */
static void make_box(tri_mesh *m, double a, double b, double c, bool inward)
{
    static const int faces[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                                    {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    m->vertex_count = 8;
    m->triangle_count = 12;
    m->vertices = malloc(24 * sizeof(float));
    m->triangles = malloc(36 * sizeof(uint32_t));
    for (int v = 0; v < 8; v++) {
        m->vertices[3 * v] = (float)(v & 1 ? a : 0);
        m->vertices[3 * v + 1] = (float)(v & 2 ? b : 0);
        m->vertices[3 * v + 2] = (float)(v & 4 ? c : 0);
    }
    for (int f = 0; f < 6; f++) {
        const int *q = faces[f];
        uint32_t t[6] = {(uint32_t)q[0], (uint32_t)q[1], (uint32_t)q[2],
                         (uint32_t)q[0], (uint32_t)q[2], (uint32_t)q[3]};
        if (inward) {
            t[1] = (uint32_t)q[2], t[2] = (uint32_t)q[1];
            t[4] = (uint32_t)q[3], t[5] = (uint32_t)q[2];
        }
        memcpy(m->triangles + 6 * f, t, sizeof t);
    }
}

static void test_orientation_and_area_sampling(void)
{
    /* The unit tetrahedron, facing outward already: left alone. */
    float tv[12] = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    uint32_t tt[12] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};
    tri_mesh tet = {4, 4, tv, tt};
    CHECK(!shape_orient_outward(&tet));
    CHECK_NEAR(mesh_signed_volume(&tet), 1.0 / 6, 1e-7);
    tri_mesh m;
    make_box(&m, 2, 1, 0.5, true);
    CHECK(mesh_signed_volume(&m) < 0);
    CHECK(shape_orient_outward(&m));
    CHECK_NEAR(mesh_signed_volume(&m), 1.0, 1e-6);
    CHECK_NEAR(mesh_area(&m), 2 * (2 + 1 + 0.5), 1e-6);
    oriented_points p;
    char err[128];
    size_t n = 70000;
    CHECK(shape_sample_mesh(&m, n, 7, &p, err, sizeof err) == 0);
    /* Every sample lies on the box, with the outward normal of its face;
       the share of each face follows its area (the top: 2 of 7). */
    size_t on_top = 0, wrong = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = p.xyz + 3 * i, *nn = p.normals + 3 * i;
        bool top = fabsf(x[2] - 0.5f) < 1e-6f && nn[2] > 0.999f;
        bool bottom = fabsf(x[2]) < 1e-6f && nn[2] < -0.999f;
        bool side = (fabsf(x[0]) < 1e-6f && nn[0] < -0.999f) ||
                    (fabsf(x[0] - 2) < 1e-6f && nn[0] > 0.999f) ||
                    (fabsf(x[1]) < 1e-6f && nn[1] < -0.999f) ||
                    (fabsf(x[1] - 1) < 1e-6f && nn[1] > 0.999f);
        on_top += top;
        wrong += !(top || bottom || side) || x[0] < -1e-6f || x[0] > 2.000001f;
    }
    CHECK(wrong == 0);
    CHECK_NEAR((double)on_top / (double)n, 2.0 / 7.0, 0.006);
    oriented_points q;
    CHECK(shape_sample_mesh(&m, 10, 7, &q, err, sizeof err) == 0);
    CHECK(memcmp(q.xyz, p.xyz, 30 * sizeof(float)) == 0);  /* the seed decides */
    oriented_points_free(&q);
    oriented_points_free(&p);
    /* A mesh without area is refused. */
    for (int i = 0; i < 24; i++)
        m.vertices[i] = 1;
    CHECK(shape_sample_mesh(&m, 10, 7, &p, err, sizeof err) == -1);
    mesh_free(&m);
}

static void test_reference_transform(void)
{
    /* Points: mean (1, 2, 3); after centring the extremes over all axes
       are -6 and +6 (both z): offset = mean + 0, scale = 2 / 12. */
    float xyz[] = {-3, 2, 3, 5, 2, 3, 1, 0, -3, 1, 4, 9};
    float nrm[] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0};
    shape s = {{4, xyz, nrm}, {0, 0, NULL, NULL}};
    shape_transform t;
    char err[128];
    CHECK(shape_reference_transform(&s, &t, err, sizeof err) == 0);
    CHECK_NEAR(t.offset[0], 1, 1e-12);
    CHECK_NEAR(t.offset[1], 2, 1e-12);
    CHECK_NEAR(t.offset[2], 3, 1e-12);
    CHECK_NEAR(t.scale, 2.0 / 12, 1e-12);
    float copy[12];
    memcpy(copy, xyz, sizeof copy);
    shape_transform_apply(&t, copy, 4);
    CHECK_NEAR(copy[8], -1, 1e-6);   /* the smallest coordinate */
    CHECK_NEAR(copy[11], 1, 1e-6);   /* the largest */
    shape_transform_invert(&t, copy, 4);
    for (int i = 0; i < 12; i++)
        CHECK_NEAR(copy[i], xyz[i], 1e-5);
    float flat[] = {1, 1, 1, 1, 1, 1};
    shape one = {{2, flat, nrm}, {0, 0, NULL, NULL}};
    CHECK(shape_reference_transform(&one, &t, err, sizeof err) == -1);
}

/* ------------------------------------------------------- marching cubes */

typedef struct analytic_field {
    int kind;          /* 0 sphere, 1 torus, 2 noise */
    size_t calls, resolution;
} analytic_field;

static uint64_t hash3(long i, long j, long k)
{
    uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15u ^ (uint64_t)j * 0xc2b2ae3d27d4eb4fu ^
                 (uint64_t)k * 0x165667b19e3779f9u;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 32);
}

static int field_at(void *user, size_t n, const float *xyz, float *values)
{
    analytic_field *f = user;
    f->calls++;
    for (size_t i = 0; i < n; i++) {
        double x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
        if (f->kind == 0) {
            values[i] = (float)(sqrt(x * x + y * y + z * z) - 0.6);
        } else if (f->kind == 1) {
            double q = sqrt(x * x + y * y) - 0.55;
            values[i] = (float)(sqrt(q * q + z * z) - 0.25);
        } else {
            /* Noise on the grid's nodes, positive on its border: many
               ambiguous faces, yet a closed surface. */
            double g = (double)(f->resolution - 1) / 2;
            long a = lround((x + 1) * g), b = lround((y + 1) * g), c = lround((z + 1) * g);
            long last = (long)f->resolution - 1;
            bool border = a == 0 || b == 0 || c == 0 || a == last || b == last || c == last;
            values[i] = border ? 1.0f : (float)((double)(hash3(a, b, c) >> 11) / 9007199254740992.0 - 0.5);
        }
    }
    return 0;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Closed and consistently oriented: every directed edge (a, b) appears
   exactly once and its reverse (b, a) exactly once. Returns the number
   of undirected edges, or 0 when not so. */
static size_t closed_edge_count(const tri_mesh *m)
{
    size_t n = 3 * m->triangle_count;
    uint64_t *edges = malloc(n * sizeof *edges);
    for (size_t t = 0; t < m->triangle_count; t++)
        for (int c = 0; c < 3; c++) {
            uint64_t a = m->triangles[3 * t + (size_t)c], b = m->triangles[3 * t + (size_t)(c + 1) % 3];
            edges[3 * t + (size_t)c] = a << 32 | b;
        }
    size_t ok = n % 2 == 0 ? n / 2 : 0;
    for (size_t i = 0; i < n && ok; i++)
        if ((edges[i] >> 32) == (edges[i] & 0xffffffffu))
            ok = 0;
    if (ok) {
        qsort(edges, n, sizeof *edges, compare_u64);
        for (size_t i = 0; i + 1 < n && ok; i++)
            if (edges[i] == edges[i + 1])
                ok = 0;  /* a directed edge twice: not a consistent manifold */
        for (size_t i = 0; i < n && ok; i++) {
            uint64_t rev = (edges[i] & 0xffffffffu) << 32 | edges[i] >> 32;
            if (!bsearch(&rev, edges, n, sizeof *edges, compare_u64))
                ok = 0;  /* a border edge */
        }
    }
    free(edges);
    return ok;
}

static void test_marching_cubes_sphere(void)
{
    const double pi = 3.14159265358979323846, r = 0.6;
    mc_options opt = mc_default_options();
    opt.resolution = 65;
    opt.band = 0;
    opt.batch = 1000;
    analytic_field f = {0, 0, 65};
    tri_mesh full, banded;
    mc_stats st, sb;
    char err[128];
    CHECK(mc_extract(&opt, field_at, &f, &full, &st, err, sizeof err) == 0);
    CHECK(st.evaluated == 65 * 65 * 65 && st.grid_points == 65 * 65 * 65);
    size_t edges = closed_edge_count(&full);
    CHECK(edges > 0);
    /* A sphere: Euler characteristic 2; volume and area within the
       discretisation error (chords cut inside). */
    CHECK((long)full.vertex_count - (long)edges + (long)full.triangle_count == 2);
    CHECK_NEAR(mesh_signed_volume(&full) / (4.0 / 3 * pi * r * r * r), 1.0, 0.02);
    CHECK_NEAR(mesh_area(&full) / (4 * pi * r * r), 1.0, 0.02);
    for (size_t v = 0; v < full.vertex_count; v++) {
        const float *p = full.vertices + 3 * v;
        CHECK_NEAR(sqrt((double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2]), r, 0.002);
    }
    /* The narrow band evaluates far fewer points and, the field being an
       exact SDF, finds the very same mesh. */
    opt.band = 1.0;
    CHECK(mc_extract(&opt, field_at, &f, &banded, &sb, err, sizeof err) == 0);
    CHECK(sb.evaluated < st.evaluated / 2);
    CHECK(banded.vertex_count == full.vertex_count && banded.triangle_count == full.triangle_count);
    if (banded.vertex_count == full.vertex_count && banded.triangle_count == full.triangle_count) {
        CHECK(memcmp(banded.vertices, full.vertices, 3 * full.vertex_count * sizeof(float)) == 0);
        CHECK(memcmp(banded.triangles, full.triangles, 3 * full.triangle_count * 4) == 0);
    }
    mesh_free(&banded);
    mesh_free(&full);
}

static void test_marching_cubes_torus_and_noise(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 48;
    opt.batch = 777;
    analytic_field torus = {1, 0, 48};
    tri_mesh m;
    char err[128];
    CHECK(mc_extract(&opt, field_at, &torus, &m, NULL, err, sizeof err) == 0);
    size_t edges = closed_edge_count(&m);
    CHECK(edges > 0);
    CHECK((long)m.vertex_count - (long)edges + (long)m.triangle_count == 0);  /* genus 1 */
    CHECK(mesh_signed_volume(&m) > 0);
    mesh_free(&m);
    /* Noise: thousands of ambiguous faces, resolved alike by both cells. */
    opt.resolution = 24;
    opt.band = 0;
    analytic_field noise = {2, 0, 24};
    CHECK(mc_extract(&opt, field_at, &noise, &m, NULL, err, sizeof err) == 0);
    CHECK(m.triangle_count > 5000);
    CHECK(closed_edge_count(&m) > 0);
    mesh_free(&m);
    /* Bad options and a failing field are errors. */
    opt.resolution = 1;
    CHECK(mc_extract(&opt, field_at, &noise, &m, NULL, err, sizeof err) == -1);
}

static int failing_field(void *user, size_t n, const float *xyz, float *values)
{
    (void)user, (void)n, (void)xyz, (void)values;
    return -7;
}

static void test_marching_cubes_field_failure(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 16;
    tri_mesh m;
    char err[128];
    CHECK(mc_extract(&opt, failing_field, NULL, &m, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "-7") != NULL);
    CHECK(m.vertices == NULL && m.triangles == NULL);
}

static void test_ply_writer_round_trip(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 20;
    analytic_field f = {0, 0, 20};
    tri_mesh m;
    char err[256], path[] = "/tmp/test_shapes_XXXXXX";
    CHECK(mc_extract(&opt, field_at, &f, &m, NULL, err, sizeof err) == 0);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(mesh_write_ply(path, &m, err, sizeof err) == 0);
    shape back;
    CHECK(shape_read(path, &back, err, sizeof err) == 0);
    CHECK(back.mesh.vertex_count == m.vertex_count && back.mesh.triangle_count == m.triangle_count);
    if (back.mesh.vertex_count == m.vertex_count && back.mesh.triangle_count == m.triangle_count) {
        CHECK(memcmp(back.mesh.vertices, m.vertices, 3 * m.vertex_count * sizeof(float)) == 0);
        CHECK(memcmp(back.mesh.triangles, m.triangles, 3 * m.triangle_count * 4) == 0);
    }
    shape_free(&back);
    unlink(path);
    CHECK(mesh_write_ply("/nonexistent-dir/x.ply", &m, err, sizeof err) == -1);
    CHECK(shape_read("/nonexistent-dir/x.ply", &back, err, sizeof err) == -1);
    CHECK(shape_read("/tmp", &back, err, sizeof err) == -1);
    mesh_free(&m);
}

/* --------------------------------------------------------- nearest */

static void test_nearest_matches_brute_force(void)
{
    rng r = rng_seeded(3, 0);
    size_t n = 3000;
    float *pts = malloc(n * 3 * sizeof *pts);
    for (size_t i = 0; i < 3 * n; i++)
        pts[i] = (float)(i % 3 == 2 ? rng_range(&r, -0.1, 0.1) : rng_range(&r, -1, 1));
    nn_grid g;
    CHECK(nn_grid_build(&g, pts, n) == 0);
    for (int q = 0; q < 500; q++) {
        float x[3];
        for (int k = 0; k < 3; k++)
            x[k] = (float)rng_range(&r, -1.6, 1.6);  /* some outside the points' box */
        double d2, best = INFINITY;
        nn_grid_nearest(&g, x, &d2);
        for (size_t i = 0; i < n; i++) {
            double dx = (double)pts[3 * i] - x[0], dy = (double)pts[3 * i + 1] - x[1],
                   dz = (double)pts[3 * i + 2] - x[2];
            double e = dx * dx + dy * dy + dz * dz;
            best = e < best ? e : best;
        }
        CHECK_NEAR(d2, best, 0);
    }
    nn_grid_free(&g);
    free(pts);
}

static void test_chamfer_distance(void)
{
    /* A 21 x 21 grid of points on z = 0 (spacing 0.1) and the same grid
       lifted by 0.01: every nearest neighbour is the point straight
       above or below. */
    size_t n = 441;
    float *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    float *na = malloc(n * 3 * sizeof *na), *nb = malloc(n * 3 * sizeof *nb);
    for (size_t i = 0; i < n; i++) {
        a[3 * i] = b[3 * i] = (float)(i % 21) * 0.1f;
        a[3 * i + 1] = b[3 * i + 1] = (float)(i / 21) * 0.1f;
        a[3 * i + 2] = 0;
        b[3 * i + 2] = 0.01f;
        na[3 * i] = na[3 * i + 1] = nb[3 * i] = 0;
        na[3 * i + 2] = 1;
        nb[3 * i + 1] = 0.6f;
        nb[3 * i + 2] = -0.8f;
    }
    oriented_points pa = {n, a, na}, pb = {n, b, nb};
    shape_distance d;
    CHECK(shape_compare(&pa, &pb, &d) == 0);
    CHECK_NEAR(d.chamfer, 0.01, 1e-7);
    CHECK_NEAR(d.normal_consistency, 0.8, 1e-6);
    CHECK(shape_compare(&pa, &pa, &d) == 0);
    CHECK_NEAR(d.chamfer, 0, 0);
    CHECK_NEAR(d.normal_consistency, 1, 1e-7);
    CHECK_NEAR(points_bbox_diagonal(&pb), 2 * sqrt(2.0), 1e-6);
    free(a), free(b), free(na), free(nb);
}

int main(void)
{
    RUN(test_orientation_and_area_sampling);
    RUN(test_reference_transform);
    RUN(test_marching_cubes_sphere);
    RUN(test_marching_cubes_torus_and_noise);
    RUN(test_marching_cubes_field_failure);
    RUN(test_ply_writer_round_trip);
    RUN(test_nearest_matches_brute_force);
    RUN(test_chamfer_distance);
    return check_summary();
}
