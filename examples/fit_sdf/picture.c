/* picture.c - fit_sdf's picture by sphere tracing (picture.h): every ray
   marches at once, its points evaluated in chunks; the hits are shaded
   with the network's exact gradient. */
#include "picture.h"

#include "fit/messages.h"
#include "fit/progress.h"
#include "io/image_file.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DISTANCE 4.5       /* of the eye from the origin */
#define CUBE 1.05          /* rays march in [-CUBE, CUBE]^3 */
#define HIT 1e-3           /* |f| below this is the surface */
#define MIN_STEP 1e-4
#define SAFETY 0.9         /* of the step |f|: f is an SDF only approximately */
#define MAX_STEPS 256
#define BISECTIONS 12
#define AMBIENT 0.12
#define DIFFUSE 0.83

typedef struct camera {
    double eye[3], forward[3], right[3], up[3];
    double tan_half;  /* of the half field of view */
} camera;

static double dot3(const double *a, const double *b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void normalise3(double *v)
{
    double n = sqrt(dot3(v, v));
    for (int k = 0; k < 3; k++)
        v[k] /= n;
}

static void cross3(const double *a, const double *b, double *out)
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static camera make_camera(void)
{
    camera c;
    double from[3] = {1.0, 0.8, 1.3}, world_up[3] = {0, 1, 0};
    normalise3(from);
    for (int k = 0; k < 3; k++) {
        c.eye[k] = DISTANCE * from[k];
        c.forward[k] = -from[k];
    }
    cross3(c.forward, world_up, c.right);
    normalise3(c.right);
    cross3(c.right, c.forward, c.up);
    double r = sqrt(3.0) * CUBE; /* the cube's bounding sphere fills the view */
    c.tan_half = r / sqrt(DISTANCE * DISTANCE - r * r);
    return c;
}

/* The ray through the centre of pixel (x, y), row 0 at the top. */
static void pixel_direction(const camera *c, size_t size, size_t x, size_t y, double *d)
{
    double u = (2.0 * ((double)x + 0.5) / (double)size - 1.0) * c->tan_half;
    double v = (1.0 - 2.0 * ((double)y + 0.5) / (double)size) * c->tan_half;
    for (int k = 0; k < 3; k++)
        d[k] = c->forward[k] + u * c->right[k] + v * c->up[k];
    normalise3(d);
}

/* Where the ray o + t d is inside the cube: [*t0, *t1], t0 >= 0 (slabs). */
static bool cube_span(const double *o, const double *d, double *t0, double *t1)
{
    double lo = 0, hi = INFINITY;
    for (int k = 0; k < 3; k++) {
        if (d[k] == 0) {
            if (fabs(o[k]) > CUBE)
                return false;
            continue;
        }
        double a = (-CUBE - o[k]) / d[k], b = (CUBE - o[k]) / d[k];
        lo = fmax(lo, fmin(a, b));
        hi = fmin(hi, fmax(a, b));
    }
    *t0 = lo;
    *t1 = hi;
    return lo < hi;
}

/* ------------------------------------------------------------ marching */

typedef enum ray_state { MARCHING, BISECTING, HIT_SURFACE, MISSED } ray_state;

typedef struct ray {
    size_t pixel;
    double dir[3];
    double t, t_end;      /* the current point, and where the ray leaves the cube */
    double lo, hi, f_lo;  /* a bracket of the root: f changes sign between lo and hi */
    bool has_prev;
    ray_state state;
} ray;

/* The network evaluated at points, chunk by chunk. */
typedef struct field {
    const siren_net *net;
    siren_workspace *ws;
    size_t chunk, evaluations;
} field;

static int eval_points(field *f, size_t n, const float *xyz, float *values, float *gradients)
{
    for (size_t first = 0; first < n; first += f->chunk) {
        size_t count = n - first < f->chunk ? n - first : f->chunk;
        siren_jet out = {.value = values + first,
                         .gradient = gradients ? gradients + 3 * first : NULL};
        int status = siren_eval(f->net, f->ws, count, xyz + 3 * first, &out);
        if (status != SIREN_OK)
            return fit_library_error("picture", status);
        f->evaluations += count;
    }
    return 0;
}

static void point_at(const camera *c, const ray *r, double t, float *p)
{
    for (int k = 0; k < 3; k++)
        p[k] = (float)(c->eye[k] + t * r->dir[k]);
}

/* Where the next value of r is wanted: its march point, or its bracket's
   middle. */
static double probe(const ray *r)
{
    return r->state == BISECTING ? 0.5 * (r->lo + r->hi) : r->t;
}

/* One value f at r's probe: a march step, or a bisection step. */
static void advance(ray *r, double f, int *bisections)
{
    if (r->state == BISECTING) {
        double mid = 0.5 * (r->lo + r->hi);
        if ((f < 0) == (r->f_lo < 0)) {
            r->lo = mid;
            r->f_lo = f;
        } else {
            r->hi = mid;
        }
        if (++bisections[0] >= BISECTIONS) {
            r->t = 0.5 * (r->lo + r->hi);
            r->state = HIT_SURFACE;
        }
        return;
    }
    if (fabs(f) < HIT) {
        r->state = HIT_SURFACE;
    } else if (r->has_prev && (f < 0) != (r->f_lo < 0)) {
        r->hi = r->t; /* overshot: the root is behind */
        r->state = BISECTING;
    } else {
        r->lo = r->t;
        r->f_lo = f;
        r->has_prev = true;
        r->t += fmax(SAFETY * fabs(f), MIN_STEP);
        if (r->t > r->t_end)
            r->state = MISSED;
    }
}

typedef struct tracer {
    camera cam;
    ray *rays;
    size_t count;
    int *bisections;  /* per ray */
    float *xyz, *values;
} tracer;

/* Marches every ray until it hits or misses (or MAX_STEPS + BISECTIONS
   rounds pass: a miss). */
static int trace(tracer *tr, field *f)
{
    for (int round = 0; round < MAX_STEPS + BISECTIONS; round++) {
        size_t n = 0;
        for (size_t i = 0; i < tr->count; i++)
            if (tr->rays[i].state == MARCHING || tr->rays[i].state == BISECTING)
                point_at(&tr->cam, &tr->rays[i], probe(&tr->rays[i]), tr->xyz + 3 * n++);
        if (n == 0)
            return 0;
        if (eval_points(f, n, tr->xyz, tr->values, NULL))
            return 1;
        n = 0;
        for (size_t i = 0; i < tr->count; i++)
            if (tr->rays[i].state == MARCHING || tr->rays[i].state == BISECTING)
                advance(&tr->rays[i], tr->values[n++], &tr->bisections[i]);
    }
    for (size_t i = 0; i < tr->count; i++)
        if (tr->rays[i].state != HIT_SURFACE)
            tr->rays[i].state = MISSED;
    return 0;
}

/* ------------------------------------------------------------- shading */

/* The hits' normals (the normalised gradient) and their brightness. */
static int shade(tracer *tr, field *f, pnm_image *img)
{
    size_t n = 0;
    for (size_t i = 0; i < tr->count; i++)
        if (tr->rays[i].state == HIT_SURFACE)
            point_at(&tr->cam, &tr->rays[i], tr->rays[i].t, tr->xyz + 3 * n++);
    float *grad = malloc((n ? n : 1) * 3 * sizeof *grad);
    if (!grad)
        return fit_error("out of memory for the picture");
    int status = eval_points(f, n, tr->xyz, tr->values, grad);
    /* towards the light: up, left and back towards the eye */
    double light[3];
    for (int k = 0; k < 3; k++)
        light[k] = 0.7 * tr->cam.up[k] - 0.5 * tr->cam.right[k] - 0.6 * tr->cam.forward[k];
    normalise3(light);
    n = 0;
    for (size_t i = 0; status == 0 && i < tr->count; i++) {
        const ray *r = &tr->rays[i];
        if (r->state != HIT_SURFACE)
            continue;
        const float *g = grad + 3 * n++;
        double normal[3] = {g[0], g[1], g[2]}, len = sqrt(dot3(normal, normal));
        double lit = 0;
        if (len > 0) {
            for (int k = 0; k < 3; k++)
                normal[k] /= len;
            if (dot3(normal, r->dir) > 0) /* seen from inside: shade the side in view */
                for (int k = 0; k < 3; k++)
                    normal[k] = -normal[k];
            lit = fmax(0.0, dot3(normal, light));
        }
        img->data[r->pixel] = (float)(AMBIENT + DIFFUSE * lit);
    }
    free(grad);
    return status;
}

/* ---------------------------------------------------------------- main */

static void tracer_free(tracer *tr)
{
    free(tr->rays);
    free(tr->bisections);
    free(tr->xyz);
    free(tr->values);
}

/* The rays of every pixel whose ray crosses the cube. */
static int make_rays(tracer *tr, size_t size)
{
    memset(tr, 0, sizeof *tr);
    tr->cam = make_camera();
    size_t pixels = size * size;
    tr->rays = malloc(pixels * sizeof *tr->rays);
    tr->bisections = calloc(pixels, sizeof *tr->bisections);
    tr->xyz = malloc(pixels * 3 * sizeof *tr->xyz);
    tr->values = malloc(pixels * sizeof *tr->values);
    if (!tr->rays || !tr->bisections || !tr->xyz || !tr->values)
        return fit_error("out of memory for a %zux%zu picture", size, size);
    for (size_t p = 0; p < pixels; p++) {
        ray *r = &tr->rays[tr->count];
        memset(r, 0, sizeof *r);
        r->pixel = p;
        pixel_direction(&tr->cam, size, p % size, p / size, r->dir);
        if (cube_span(tr->cam.eye, r->dir, &r->t, &r->t_end))
            tr->count++;
    }
    return 0;
}

int picture_write(const siren_net *net, size_t size, size_t chunk, size_t threads,
                  const char *path, picture_stats *stats)
{
    double start = progress_clock();
    tracer tr;
    field f = {net, NULL, chunk, 0};
    pnm_image img = {0};
    char err[512];
    int status = make_rays(&tr, size);
    if (status == 0 && pnm_alloc(&img, size, size, 1, err, sizeof err))
        status = fit_error("%s: %s", path, err);
    int lib = status ? SIREN_OK
                     : siren_workspace_create(net, chunk, SIREN_VALUE | SIREN_GRADIENT |
                                                               SIREN_EVAL_ONLY, &f.ws);
    if (lib == SIREN_OK && status == 0 && threads > 0)
        lib = siren_workspace_set_threads(f.ws, threads);
    if (lib != SIREN_OK)
        status = fit_library_error("cannot create the picture's workspace", lib);
    for (size_t i = 0; status == 0 && i < size * size; i++)
        img.data[i] = 1.0f; /* the background */
    if (status == 0)
        status = trace(&tr, &f);
    if (status == 0)
        status = shade(&tr, &f, &img);
    if (status == 0 && image_write(path, &img, 8, err, sizeof err))
        status = fit_error("%s: %s", path, err);
    *stats = (picture_stats){tr.count, 0, f.evaluations, progress_clock() - start};
    for (size_t i = 0; i < tr.count; i++)
        stats->hits += tr.rays[i].state == HIT_SURFACE;
    if (status == 0)
        fit_say("picture %zux%zu by sphere tracing: %zu of %zu rays hit the surface, %zu "
                "evaluations, %.1f s", size, size, stats->hits, stats->rays,
                stats->evaluations, stats->seconds);
    siren_workspace_free(f.ws);
    pnm_free(&img);
    tracer_free(&tr);
    return status;
}
