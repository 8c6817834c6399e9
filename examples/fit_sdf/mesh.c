/* mesh.c - marching cubes over a field evaluated slice by slice (see
   mesh.h). */
#define _POSIX_C_SOURCE 200809L
#include "mesh.h"
#include "io/error_message.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mc_options mc_default_options(void)
{
    return (mc_options){128, -1.0f, 1.0f, 0.0f, 65536, 2.0, 4};
}

void mesh_free(tri_mesh *m)
{
    free(m->vertices);
    free(m->triangles);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------- cube geometry */

/* Corner c of a cell sits at (c & 1, c >> 1 & 1, c >> 2 & 1). The twelve
   edges, each from its lower corner a to b = a + 2^axis. */
static const unsigned char EDGE_CORNERS[12][2] = {
    {0, 1}, {2, 3}, {4, 5}, {6, 7},  /* along x */
    {0, 2}, {1, 3}, {4, 6}, {5, 7},  /* along y */
    {0, 4}, {1, 5}, {2, 6}, {3, 7},  /* along z */
};

/* The six faces: corners in cyclic order, and the outward normal. */
static const unsigned char FACE_CORNERS[6][4] = {
    {0, 2, 6, 4}, {1, 3, 7, 5}, {0, 1, 5, 4}, {2, 3, 7, 6}, {0, 1, 3, 2}, {4, 5, 7, 6},
};
static const signed char FACE_NORMAL[6][3] = {
    {-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1},
};

static int edge_between(int a, int b)
{
    for (int e = 0; e < 12; e++)
        if ((EDGE_CORNERS[e][0] == a && EDGE_CORNERS[e][1] == b) ||
            (EDGE_CORNERS[e][0] == b && EDGE_CORNERS[e][1] == a))
            return e;
    return -1;
}

static double corner_coord(int c, int axis)
{
    return (double)((c >> axis) & 1);
}

/* ----------------------------------------------------- cell polygons */

/* The crossing edges of one cell, chained: next[e] follows e around the
   polygon(s). Built face by face; -1 when the cell is inconsistent (it
   cannot happen with finite values, but a NaN must not loop forever). */
typedef struct cell_loops {
    signed char next[12];
} cell_loops;

/* Adds the face segment between the crossings of edges ea and eb,
   directed so that, seen from outside the cell, the positive side is on
   the left; `ref` is a corner known to lie beside the segment. With this
   rule every crossing edge starts one segment and ends another, and the
   loops run counter-clockwise around the normal towards positive. */
static int add_segment(cell_loops *L, int face, int ea, int eb, int ref, bool ref_positive)
{
    double a[3], b[3], d[3], p[3], left[3];
    const signed char *n = FACE_NORMAL[face];
    for (int k = 0; k < 3; k++) {
        a[k] = 0.5 * (corner_coord(EDGE_CORNERS[ea][0], k) + corner_coord(EDGE_CORNERS[ea][1], k));
        b[k] = 0.5 * (corner_coord(EDGE_CORNERS[eb][0], k) + corner_coord(EDGE_CORNERS[eb][1], k));
        d[k] = b[k] - a[k];
        p[k] = corner_coord(ref, k) - a[k];
    }
    left[0] = n[1] * d[2] - n[2] * d[1];
    left[1] = n[2] * d[0] - n[0] * d[2];
    left[2] = n[0] * d[1] - n[1] * d[0];
    bool ref_on_left = left[0] * p[0] + left[1] * p[1] + left[2] * p[2] > 0;
    if (ref_on_left != ref_positive) {
        int swap = ea;
        ea = eb;
        eb = swap;
    }
    if (L->next[ea] != -1)
        return -1;
    L->next[ea] = (signed char)eb;
    return 0;
}

/* The segments of one face, from the values (minus the level) of its
   corners. */
static int face_segments(cell_loops *L, int face, const double *v, const bool *positive)
{
    const unsigned char *q = FACE_CORNERS[face];
    int crossed[4], e[4], n = 0;
    for (int m = 0; m < 4; m++) {
        e[m] = edge_between(q[m], q[(m + 1) % 4]);
        if (positive[q[m]] != positive[q[(m + 1) % 4]])
            crossed[n++] = m;
    }
    if (n == 0)
        return 0;
    if (n == 2) {
        int m1 = crossed[0], m2 = crossed[1];
        /* Adjacent edges cut off their shared corner (q[m2], or q[0] for
           edges 0 and 3); opposite edges split the face in two halves,
           any corner of which will do: q[0] serves both cases. */
        int ref = m2 == m1 + 1 ? q[m2] : q[0];
        return add_segment(L, face, e[m1], e[m2], ref, positive[ref]);
    }
    if (n != 4)
        return -1;
    /* Ambiguous face: corners 0, 2 share a sign, 1, 3 the other. The
       bilinear interpolant's saddle value tells whether 0 and 2 connect
       through the middle (then 1 and 3 are cut off) or not. The value is
       the same whichever corner the cycle starts at. */
    double w0 = v[q[0]], w1 = v[q[1]], w2 = v[q[2]], w3 = v[q[3]];
    double saddle = (w0 * w2 - w1 * w3) / (w0 + w2 - w1 - w3);
    bool connect02 = (saddle >= 0) == positive[q[0]];
    if (connect02)
        return add_segment(L, face, e[0], e[1], q[1], positive[q[1]]) ||
               add_segment(L, face, e[2], e[3], q[3], positive[q[3]]) ? -1 : 0;
    return add_segment(L, face, e[3], e[0], q[0], positive[q[0]]) ||
           add_segment(L, face, e[1], e[2], q[2], positive[q[2]]) ? -1 : 0;
}

static int cell_loops_build(cell_loops *L, const double *v, const bool *positive)
{
    memset(L->next, -1, sizeof L->next);
    for (int f = 0; f < 6; f++)
        if (face_segments(L, f, v, positive))
            return -1;
    return 0;
}

/* ------------------------------------------------------- the extractor */

typedef struct growing_mesh {
    tri_mesh *m;
    size_t vertex_cap, triangle_cap;
} growing_mesh;

static int reserve(void **data, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < need) {
        if (c > SIZE_MAX / 2 / item)
            return -1;
        c *= 2;
    }
    void *p = realloc(*data, c * item);
    if (!p)
        return -1;
    *data = p;
    *cap = c;
    return 0;
}

typedef struct extractor {
    const mc_options *opt;
    mc_field_fn field;
    void *user;
    size_t R;             /* resolution */
    double step;          /* grid spacing */
    float *prev, *cur;    /* slice values [R*R], x fastest */
    uint32_t *xedge[2], *yedge[2], *zedge;  /* vertex caches; [0]: prev slice */
    growing_mesh out;
    float *batch_xyz, *batch_values;
    size_t *batch_index;
    mc_stats *stats;
    /* narrow band */
    bool banded;
    size_t s, Rc;         /* coarse step, coarse points per axis */
    float *coarse;        /* [Rc^3] */
    unsigned char *active;/* [(Rc-1)^3] */
    char *err;
    size_t errlen;
} extractor;

#define NO_VERTEX UINT32_MAX

static double grid_coord(const extractor *x, size_t i)
{
    const mc_options *o = x->opt;
    return i + 1 == x->R ? (double)o->hi : (double)o->lo + (double)i * x->step;
}

/* Evaluates the batch's points; values are written back through index. */
static int flush_batch(extractor *x, size_t n, float *dst)
{
    if (n == 0)
        return 0;
    int status = x->field(x->user, n, x->batch_xyz, x->batch_values);
    if (status)
        return error_message(x->err, x->errlen, "evaluating the field failed (status %d)", status);
    for (size_t i = 0; i < n; i++)
        dst[x->batch_index[i]] = x->batch_values[i];
    x->stats->evaluated += n;
    return 0;
}

/* Queues point (i, j, k) for evaluation into dst[slot]. */
static int queue_point(extractor *x, size_t *n, float *dst, size_t slot, size_t i, size_t j,
                       size_t k)
{
    x->batch_xyz[3 * *n] = (float)grid_coord(x, i);
    x->batch_xyz[3 * *n + 1] = (float)grid_coord(x, j);
    x->batch_xyz[3 * *n + 2] = (float)grid_coord(x, k);
    x->batch_index[*n] = slot;
    if (++*n == x->opt->batch) {
        int status = flush_batch(x, *n, dst);
        *n = 0;
        return status;
    }
    return 0;
}

/* ---- narrow band */

static size_t coarse_fine_index(const extractor *x, size_t c)
{
    size_t i = c * x->s;
    return i < x->R - 1 ? i : x->R - 1;
}

/* The coarse cell holding fine index i along an axis (the last cell for
   the last point). */
static size_t coarse_cell_of(const extractor *x, size_t i)
{
    size_t c = i / x->s;
    return c < x->Rc - 2 ? c : x->Rc - 2;
}

static int evaluate_coarse(extractor *x)
{
    size_t Rc = x->Rc, n = 0;
    for (size_t k = 0; k < Rc; k++)
        for (size_t j = 0; j < Rc; j++)
            for (size_t i = 0; i < Rc; i++)
                if (queue_point(x, &n, x->coarse, (k * Rc + j) * Rc + i, coarse_fine_index(x, i),
                                coarse_fine_index(x, j), coarse_fine_index(x, k)))
                    return -1;
    return flush_batch(x, n, x->coarse);
}

/* A coarse cell may hold the surface when its corners change sign or one
   of them is within band x (cell diagonal) of the level. */
static void mark_active(extractor *x)
{
    size_t Rc = x->Rc, C = Rc - 1;
    double tau = x->opt->band * sqrt(3.0) * (double)x->s * x->step;
    for (size_t k = 0; k < C; k++)
        for (size_t j = 0; j < C; j++)
            for (size_t i = 0; i < C; i++) {
                bool any_pos = false, any_neg = false, near = false;
                for (int c = 0; c < 8; c++) {
                    size_t idx = ((k + (size_t)(c >> 2 & 1)) * Rc + j + (size_t)(c >> 1 & 1)) * Rc +
                                 i + (size_t)(c & 1);
                    double v = (double)x->coarse[idx] - x->opt->level;
                    any_pos |= v >= 0;
                    any_neg |= v < 0 || v != v;
                    near |= fabs(v) < tau || v != v;
                }
                x->active[(k * C + j) * C + i] = (unsigned char)(near || (any_pos && any_neg));
            }
}

/* Whether fine point (i, j, k) belongs to an active coarse cell. */
static bool fine_point_active(const extractor *x, size_t i, size_t j, size_t k)
{
    size_t idx[3] = {i, j, k}, cells[3][2], count[3], C = x->Rc - 1;
    for (int a = 0; a < 3; a++) {
        size_t c = coarse_cell_of(x, idx[a]);
        cells[a][0] = c;
        count[a] = 1;
        if (idx[a] == coarse_fine_index(x, c) && c > 0)
            cells[a][count[a]++] = c - 1;
    }
    for (size_t a = 0; a < count[0]; a++)
        for (size_t b = 0; b < count[1]; b++)
            for (size_t c = 0; c < count[2]; c++)
                if (x->active[(cells[2][c] * C + cells[1][b]) * C + cells[0][a]])
                    return true;
    return false;
}

/* Trilinear interpolation of the coarse values at fine point (i, j, k). */
static float interpolate_coarse(const extractor *x, size_t i, size_t j, size_t k)
{
    size_t idx[3] = {i, j, k}, c[3];
    double t[3];
    for (int a = 0; a < 3; a++) {
        c[a] = coarse_cell_of(x, idx[a]);
        size_t f0 = coarse_fine_index(x, c[a]), f1 = coarse_fine_index(x, c[a] + 1);
        t[a] = (double)(idx[a] - f0) / (double)(f1 - f0);
    }
    double sum = 0;
    size_t Rc = x->Rc;
    for (int corner = 0; corner < 8; corner++) {
        size_t dx = (size_t)(corner & 1), dy = (size_t)(corner >> 1 & 1), dz = (size_t)(corner >> 2 & 1);
        double w = (dx ? t[0] : 1 - t[0]) * (dy ? t[1] : 1 - t[1]) * (dz ? t[2] : 1 - t[2]);
        sum += w * x->coarse[((c[2] + dz) * Rc + c[1] + dy) * Rc + c[0] + dx];
    }
    return (float)sum;
}

/* The values of slice k into x->cur. */
static int evaluate_slice(extractor *x, size_t k)
{
    size_t R = x->R, n = 0;
    for (size_t j = 0; j < R; j++)
        for (size_t i = 0; i < R; i++) {
            if (x->banded && !fine_point_active(x, i, j, k)) {
                x->cur[j * R + i] = interpolate_coarse(x, i, j, k);
                continue;
            }
            if (queue_point(x, &n, x->cur, j * R + i, i, j, k))
                return -1;
        }
    return flush_batch(x, n, x->cur);
}

/* ---- vertices and triangles */

/* The vertex on edge e of cell (i, j) between slices k-1 and k, made on
   first use and shared with the neighbouring cells. */
static uint32_t edge_vertex(extractor *x, int e, size_t i, size_t j, size_t k)
{
    size_t R = x->R;
    int a = EDGE_CORNERS[e][0], b = EDGE_CORNERS[e][1], axis = e / 4;
    size_t ai = i + (size_t)(a & 1), aj = j + (size_t)(a >> 1 & 1), az = (size_t)(a >> 2 & 1);
    uint32_t *slot;
    if (axis == 0)
        slot = &x->xedge[az][aj * (R - 1) + ai];
    else if (axis == 1)
        slot = &x->yedge[az][aj * R + ai];
    else
        slot = &x->zedge[aj * R + ai];
    if (*slot != NO_VERTEX)
        return *slot;
    tri_mesh *m = x->out.m;
    if (m->vertex_count >= NO_VERTEX - 1 ||
        reserve((void **)&m->vertices, &x->out.vertex_cap, 3 * (m->vertex_count + 1),
                sizeof(float)))
        return NO_VERTEX;
    const float *va = az ? x->cur : x->prev;
    const float *vb = (b >> 2 & 1) ? x->cur : x->prev;
    size_t bi = i + (size_t)(b & 1), bj = j + (size_t)(b >> 1 & 1);
    double fa = (double)va[aj * R + ai] - x->opt->level, fb = (double)vb[bj * R + bi] - x->opt->level;
    double t = fa / (fa - fb);
    if (!(t >= 0 && t <= 1))
        t = 0.5;
    double pa[3] = {grid_coord(x, ai), grid_coord(x, aj), grid_coord(x, k - 1 + az)};
    double pb[3] = {grid_coord(x, bi), grid_coord(x, bj), grid_coord(x, k - 1 + (size_t)(b >> 2 & 1))};
    float *dst = m->vertices + 3 * m->vertex_count;
    for (int d = 0; d < 3; d++)
        dst[d] = (float)(pa[d] + t * (pb[d] - pa[d]));
    *slot = (uint32_t)m->vertex_count++;
    return *slot;
}

static int add_triangle(extractor *x, uint32_t a, uint32_t b, uint32_t c)
{
    tri_mesh *m = x->out.m;
    if (reserve((void **)&m->triangles, &x->out.triangle_cap, 3 * (m->triangle_count + 1),
                sizeof(uint32_t)))
        return -1;
    uint32_t *t = m->triangles + 3 * m->triangle_count++;
    t[0] = a;
    t[1] = b;
    t[2] = c;
    return 0;
}

/* A new vertex at the mean of the polygon's vertices. */
static uint32_t centre_vertex(extractor *x, const uint32_t *poly, int len)
{
    tri_mesh *m = x->out.m;
    if (m->vertex_count >= NO_VERTEX - 1 ||
        reserve((void **)&m->vertices, &x->out.vertex_cap, 3 * (m->vertex_count + 1),
                sizeof(float)))
        return NO_VERTEX;
    double sum[3] = {0, 0, 0};
    for (int v = 0; v < len; v++)
        for (int d = 0; d < 3; d++)
            sum[d] += m->vertices[3 * (size_t)poly[v] + (size_t)d];
    for (int d = 0; d < 3; d++)
        m->vertices[3 * m->vertex_count + (size_t)d] = (float)(sum[d] / len);
    return (uint32_t)m->vertex_count++;
}

/* A fan from the polygon's first vertex. Its diagonals join vertices on
   edges that share no face, so no other cell can make the same edge,
   except when the loop runs through all four edges of a face (both
   segments of an ambiguous face): then a diagonal across that face could
   meet the neighbour's, and the polygon gets a centre vertex instead
   (every edge is then a segment or a spoke of its own). */
static int triangulate(extractor *x, const uint32_t *poly, int len, unsigned loop_bits)
{
    bool needs_centre = false;
    for (int f = 0; f < 6 && !needs_centre; f++) {
        unsigned face_bits = 0;
        for (int m = 0; m < 4; m++)
            face_bits |= 1u << edge_between(FACE_CORNERS[f][m], FACE_CORNERS[f][(m + 1) % 4]);
        needs_centre = (face_bits & loop_bits) == face_bits;
    }
    if (!needs_centre) {
        for (int t = 1; t + 1 < len; t++)
            if (add_triangle(x, poly[0], poly[t], poly[t + 1]))
                return -1;
        return 0;
    }
    uint32_t c = centre_vertex(x, poly, len);
    if (c == NO_VERTEX)
        return -1;
    for (int t = 0; t < len; t++)
        if (add_triangle(x, c, poly[t], poly[(t + 1) % len]))
            return -1;
    return 0;
}

/* Traces cell (i, j) between slices k-1 and k; each loop of crossing
   edges becomes a fan of triangles. */
static int polygonise_cell(extractor *x, size_t i, size_t j, size_t k)
{
    size_t R = x->R;
    double v[8];
    bool positive[8];
    int npos = 0;
    for (int c = 0; c < 8; c++) {
        const float *slice = (c >> 2 & 1) ? x->cur : x->prev;
        v[c] = (double)slice[(j + (size_t)(c >> 1 & 1)) * R + i + (size_t)(c & 1)] - x->opt->level;
        positive[c] = v[c] >= 0;
        npos += positive[c];
    }
    if (npos == 0 || npos == 8)
        return 0;
    cell_loops L;
    if (cell_loops_build(&L, v, positive))
        return 0;  /* only non-finite values get here: no surface drawn */
    bool done[12] = {false};
    for (int start = 0; start < 12; start++) {
        if (L.next[start] < 0 || done[start])
            continue;
        uint32_t poly[12];
        unsigned loop_bits = 0;
        int len = 0, e = start;
        do {
            if (len == 12 || e < 0)
                return 0;
            done[e] = true;
            loop_bits |= 1u << e;
            poly[len] = edge_vertex(x, e, i, j, k);
            if (poly[len++] == NO_VERTEX)
                return error_message(x->err, x->errlen, "out of memory (or 2^32 vertices) for the mesh");
            e = L.next[e];
        } while (e != start);
        if (triangulate(x, poly, len, loop_bits))
            return error_message(x->err, x->errlen, "out of memory for the mesh");
    }
    return 0;
}

static void reset_cache(uint32_t *cache, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cache[i] = NO_VERTEX;
}

static int sweep(extractor *x)
{
    size_t R = x->R;
    for (size_t k = 0; k < R; k++) {
        float *swap = x->prev;
        x->prev = x->cur;
        x->cur = swap;
        uint32_t *sx = x->xedge[0], *sy = x->yedge[0];
        x->xedge[0] = x->xedge[1];
        x->yedge[0] = x->yedge[1];
        x->xedge[1] = sx;
        x->yedge[1] = sy;
        reset_cache(x->xedge[1], (R - 1) * R);
        reset_cache(x->yedge[1], (R - 1) * R);
        reset_cache(x->zedge, R * R);
        if (evaluate_slice(x, k))
            return -1;
        for (size_t j = 0; k > 0 && j + 1 < R; j++)
            for (size_t i = 0; i + 1 < R; i++)
                if (polygonise_cell(x, i, j, k))
                    return -1;
    }
    return 0;
}

static void extractor_free(extractor *x)
{
    free(x->prev);
    free(x->cur);
    for (int s = 0; s < 2; s++) {
        free(x->xedge[s]);
        free(x->yedge[s]);
    }
    free(x->zedge);
    free(x->batch_xyz);
    free(x->batch_values);
    free(x->batch_index);
    free(x->coarse);
    free(x->active);
}

static int extractor_init(extractor *x)
{
    const mc_options *o = x->opt;
    size_t R = o->resolution;
    x->R = R;
    x->step = ((double)o->hi - (double)o->lo) / (double)(R - 1);
    x->prev = malloc(R * R * sizeof *x->prev);
    x->cur = malloc(R * R * sizeof *x->cur);
    for (int s = 0; s < 2; s++) {
        x->xedge[s] = malloc((R - 1) * R * sizeof *x->xedge[s]);
        x->yedge[s] = malloc((R - 1) * R * sizeof *x->yedge[s]);
    }
    x->zedge = malloc(R * R * sizeof *x->zedge);
    x->batch_xyz = malloc(3 * o->batch * sizeof *x->batch_xyz);
    x->batch_values = malloc(o->batch * sizeof *x->batch_values);
    x->batch_index = malloc(o->batch * sizeof *x->batch_index);
    x->s = o->coarse_step;
    x->banded = o->band > 0 && R - 1 >= 2 * x->s;
    if (x->banded) {
        x->Rc = (R - 1 + x->s - 1) / x->s + 1;
        x->coarse = malloc(x->Rc * x->Rc * x->Rc * sizeof *x->coarse);
        x->active = malloc((x->Rc - 1) * (x->Rc - 1) * (x->Rc - 1));
    }
    bool ok = x->prev && x->cur && x->xedge[0] && x->xedge[1] && x->yedge[0] && x->yedge[1] &&
              x->zedge && x->batch_xyz && x->batch_values && x->batch_index &&
              (!x->banded || (x->coarse && x->active));
    if (!ok)
        return error_message(x->err, x->errlen, "out of memory for a %zu^3 grid", R);
    reset_cache(x->xedge[1], (R - 1) * R);
    reset_cache(x->yedge[1], (R - 1) * R);
    return 0;
}

int mc_extract(const mc_options *opt, mc_field_fn field, void *user, tri_mesh *out,
               mc_stats *stats, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    mc_stats local;
    stats = stats ? stats : &local;
    memset(stats, 0, sizeof *stats);
    if (!opt || !field || opt->resolution < 2 || opt->resolution > 65536 || opt->batch == 0 ||
        !(opt->hi > opt->lo) || !isfinite(opt->lo) || !isfinite(opt->hi) ||
        !(opt->band >= 0) || opt->coarse_step < 2)
        return error_message(err, errlen, "invalid marching cubes options");
    stats->grid_points = opt->resolution * opt->resolution * opt->resolution;
    extractor x;
    memset(&x, 0, sizeof x);
    x.opt = opt;
    x.field = field;
    x.user = user;
    x.out.m = out;
    x.stats = stats;
    x.err = err;
    x.errlen = errlen;
    int status = extractor_init(&x);
    if (status == 0 && x.banded) {
        status = evaluate_coarse(&x);
        if (status == 0)
            mark_active(&x);
    }
    if (status == 0)
        status = sweep(&x);
    extractor_free(&x);
    if (status) {
        mesh_free(out);
        return -1;
    }
    return 0;
}
