/* fit_sdf.c - fits a signed distance function to an oriented point cloud
   or a triangle mesh, the shape experiment of the SIREN paper (Sitzmann
   et al. 2020, section 4.2; the reference's train_sdf.py), then extracts
   its zero level set with marching cubes and measures it against the
   input.

   The setup is the reference's: the points centred and scaled into
   [-1, 1]^3 (dataio.PointCloud), a SIREN 3 -> 1 of 5 layers of 256,
   omega 30, Adam 1e-4 with gradients clipped to norm 1, and each step N
   points drawn from the surface (with their normals) and N uniform in
   [-1, 1]^3, with the loss (loss_functions.sdf), means over all 2N points:

       3e3 |f|                      on the surface
       1e2 exp(-100 |f|)            off the surface
       1e2 (1 - cos(grad f, n))     on the surface
       5e1 | |grad f| - 1 |         everywhere

   The gradient comes from libsiren's jets (value + gradient: 4 channels),
   and siren_backward takes the loss's derivatives with respect to f and
   grad f (DESIGN.md, "Training: reverse mode through the jets"):

       d/df       3e3 sign(f) / M                   (surface)
                  -1e4 sign(f) exp(-100 |f|) / M    (off the surface)
       d/dgrad f  -1e2 (n - cos g^) / (|g| M)       (surface; g^ = g / |g|)
                  5e1 sign(|g| - 1) g^ / M          (everywhere)

   with M = 2N. Meshes are sampled by area into --samples oriented points
   once, at the start. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "fitting.h"
#include "mesh.h"
#include "nearest.h"
#include "pointcloud.h"
#include "shape_geometry.h"
#include "progress.h"
#include "rng.h"
#include "siren.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "fit_sdf"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *input, *out, *save, *load;
    long steps, batch, width, depth, chunk, threads, resolution, samples, eval_points;
    double lr, first_omega, hidden_omega, clip, band;
    uint64_t seed;
    fit_resume_options ckpt;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN signed distance function f(x, y, z) to oriented points (.xyz lines\n"
    "\"x y z nx ny nz\", or a PLY with nx ny nz) or to a triangle mesh (PLY or OBJ,\n"
    "sampled by area into --samples oriented points), with the reference's loss and\n"
    "setup, then extracts the surface f = 0 by marching cubes. Writes PREFIX.ply (the\n"
    "mesh, binary, in the input's units), PREFIX.siren (the model, which works in\n"
    "the normalised [-1, 1]^3) and PREFIX.transform (normalised = (x - offset) *\n"
    "scale). The points are normalised as the reference does: minus their mean,\n"
    "then the smallest and largest coordinate over all axes map to -1 and +1 (for a\n"
    "mesh: its area-weighted centroid and its vertices' extremes).\n"
    "\n"
    "Result: the Chamfer distance between --eval-points points sampled on the\n"
    "extracted mesh and as many of the input points (mean of the two directions'\n"
    "mean nearest-neighbour distances, divided by the diagonal of the input's\n"
    "bounding box), the normal consistency (mean |n . n'| of nearest neighbours,\n"
    "both directions), and the seconds of the whole run.\n"
    "\n"
    "--load MODEL skips training and meshes a saved model (give the same input:\n"
    "the transform is recomputed from it). --resume continues a --checkpoint up to\n"
    "--steps steps in all. Ctrl-C stops training after the current step and still\n"
    "writes every output.";

enum { OPTION_COUNT = 21 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[1];
    arg_spec spec;
} command_line;

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_LONG("batch", &o->batch, 1, 100000000, "N",
                 "surface points per step (and as many uniform ones)"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_DOUBLE("clip", &o->clip, 0, 1e30, "X", "gradient norm clipping; 0: off"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation and of the sampling"),
        ARG_LONG("samples", &o->samples, 1, 50000000, "N",
                 "oriented points sampled on a mesh input"),
        ARG_LONG("chunk", &o->chunk, 1, 100000000, "N",
                 "points per library call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_LONG("resolution", &o->resolution, 0, 4096, "N",
                 "marching cubes grid points per axis; 0: no mesh"),
        ARG_DOUBLE("band", &o->band, 0, 1e6, "X",
                   "narrow band of the mesh extraction, in coarse cell\n"
                   "diagonals; 0: evaluate every grid point"),
        ARG_LONG("eval-points", &o->eval_points, 1, 50000000, "N",
                 "points per side of the Chamfer distance"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
        ARG_STRING("save", &o->save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("load", &o->load, "FILE", "mesh this model instead of training"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] POINTS.xyz|CLOUD.ply|MESH.ply|MESH.obj",
                          DESCRIPTION, cl->table, OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->input = cl->positional[0];
    if (o->load && o->ckpt.resume)
        return args_error(PROGRAM, "--load and --resume exclude each other");
    if (o->resolution == 1)
        return args_error(PROGRAM, "--resolution: expected 0 or at least 2, got 1");
    return -1;
}

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.steps = 2000, .batch = 1400, .width = cfg.hidden_features,
                   .depth = cfg.hidden_layers, .chunk = 16384, .threads = 0,
                   .resolution = 256, .samples = 250000, .eval_points = 100000,
                   .lr = adam.lr, .first_omega = cfg.first_omega,
                   .hidden_omega = cfg.hidden_omega, .clip = 1.0, .band = 2.0, .seed = 0,
                   .out = "out/fit_sdf"};
}

static fit_arch architecture(const options *o)
{
    return (fit_arch){3, 1, o->width, o->depth, o->first_omega, o->hidden_omega, o->lr,
                      o->clip, o->seed};
}

/* ---------------------------------------------------------------- data */

/* The input: oriented points in its units and normalised into [-1, 1]^3. */
typedef struct dataset {
    oriented_points points;      /* input units */
    float *normalised;           /* [count][3] */
    shape_transform transform;
    bool was_mesh, flipped;                  /* a mesh; its triangles faced inward */
    size_t mesh_vertices, mesh_triangles;
} dataset;

static void dataset_free(dataset *d)
{
    oriented_points_free(&d->points);
    free(d->normalised);
}

static int load_dataset(const options *o, dataset *d)
{
    char err[512];
    shape s;
    if (shape_read(o->input, &s, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->input, err);
    int status = shape_reference_transform(&s, &d->transform, err, sizeof err);
    d->was_mesh = shape_is_mesh(&s);
    if (status == 0 && d->was_mesh) {
        d->flipped = shape_orient_outward(&s.mesh);
        d->mesh_vertices = s.mesh.vertex_count;
        d->mesh_triangles = s.mesh.triangle_count;
        status = shape_sample_mesh(&s.mesh, (size_t)o->samples, o->seed, &d->points, err,
                                   sizeof err);
    } else if (status == 0) {
        d->points = s.points;
        memset(&s.points, 0, sizeof s.points);
    }
    shape_free(&s);
    if (status)
        return args_error(PROGRAM, "%s: %s", o->input, err);
    size_t n = d->points.count;
    d->normalised = malloc(n * 3 * sizeof *d->normalised);
    if (!d->normalised)
        return args_error(PROGRAM, "out of memory for %zu points", n);
    memcpy(d->normalised, d->points.xyz, n * 3 * sizeof *d->normalised);
    shape_transform_apply(&d->transform, d->normalised, n);
    return 0;
}

/* What was read (after every check passed: errors stay one line). */
static void describe_dataset(const options *o, const dataset *d)
{
    if (d->was_mesh) {
        fprintf(stderr, "%s: %s: a mesh of %zu vertices and %zu triangles, %zu points "
                "sampled\n", PROGRAM, o->input, d->mesh_vertices, d->mesh_triangles,
                d->points.count);
        if (d->flipped)
            fprintf(stderr, "%s: note: the mesh's triangles faced inward; reversed them\n",
                    PROGRAM);
    } else {
        fprintf(stderr, "%s: %s: %zu oriented points\n", PROGRAM, o->input, d->points.count);
    }
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const dataset *data;
    siren_workspace *ws;
    size_t n, chunk;               /* surface points per step; points per call */
    uint64_t seed;
    float *xyz, *normals;          /* [2n][3]: the surface points, then the uniform ones */
    float *value, *grad;           /* [chunk], [chunk][3] */
    float *adj_value, *adj_grad;
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->xyz);
    free(t->normals);
    free(t->value);
    free(t->grad);
    free(t->adj_value);
    free(t->adj_grad);
}

static int trainer_init(trainer *t, const options *o, const dataset *d, const fit_model *m)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->n = (size_t)o->batch;
    t->seed = o->seed;
    t->chunk = (size_t)o->chunk < t->n ? (size_t)o->chunk : t->n;
    int status = siren_workspace_create(m->net, t->chunk, SIREN_VALUE | SIREN_GRADIENT, &t->ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(t->ws, (size_t)o->threads);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "cannot create the training workspace", status);
    t->xyz = malloc(2 * t->n * 3 * sizeof *t->xyz);
    t->normals = malloc(t->n * 3 * sizeof *t->normals);
    t->value = malloc(t->chunk * sizeof *t->value);
    t->grad = malloc(t->chunk * 3 * sizeof *t->grad);
    t->adj_value = malloc(t->chunk * sizeof *t->adj_value);
    t->adj_grad = malloc(t->chunk * 3 * sizeof *t->adj_grad);
    if (!t->xyz || !t->normals || !t->value || !t->grad || !t->adj_value || !t->adj_grad)
        return args_error(PROGRAM, "out of memory for the training buffers");
    return 0;
}

/* The points of step `step`: n surface points drawn with replacement (as
   np.random.choice does) and n uniform in [-1, 1]^3, from a generator
   seeded by (seed, step) so that a resumed run draws the same ones. */
static void draw_points(trainer *t, uint64_t step)
{
    rng r = rng_seeded(t->seed, step);
    const dataset *d = t->data;
    for (size_t i = 0; i < t->n; i++) {
        size_t pick = rng_below(&r, d->points.count);
        memcpy(t->xyz + 3 * i, d->normalised + 3 * pick, 3 * sizeof *t->xyz);
        memcpy(t->normals + 3 * i, d->points.normals + 3 * pick, 3 * sizeof *t->normals);
    }
    for (size_t i = 3 * t->n; i < 6 * t->n; i++)
        t->xyz[i] = (float)rng_range(&r, -1.0, 1.0);
}

typedef struct step_stats {
    double loss, angle_sum;  /* angle: between grad f and the normal, degrees */
} step_stats;

static double sign_of(double v)
{
    return (double)(v > 0) - (double)(v < 0);
}

/* The loss terms of one point and their derivatives (see the top). */
static void point_loss(const float *g, const float *normal, double f, double M,
                       step_stats *s, float *adj_f, float *adj_g)
{
    double len = sqrt((double)g[0] * g[0] + (double)g[1] * g[1] + (double)g[2] * g[2]);
    double unit[3], da = 0;
    for (int k = 0; k < 3; k++)
        unit[k] = len > 0 ? g[k] / len : 0;
    double dg[3] = {50.0 / M * sign_of(len - 1) * unit[0], 50.0 / M * sign_of(len - 1) * unit[1],
                    50.0 / M * sign_of(len - 1) * unit[2]};
    s->loss += 50.0 / M * fabs(len - 1);
    if (normal) {
        /* torch's cosine_similarity: g . n / max(|g| |n|, 1e-8), |n| = 1 */
        double denom = len > 1e-8 ? len : 1e-8;
        double cosine = (g[0] * normal[0] + g[1] * normal[1] + g[2] * normal[2]) / denom;
        s->loss += 3e3 / M * fabs(f) + 1e2 / M * (1 - cosine);
        da = 3e3 / M * sign_of(f);
        for (int k = 0; k < 3; k++)
            dg[k] -= 1e2 / M * (normal[k] - (len > 1e-8 ? cosine * unit[k] : 0)) / denom;
        double c = cosine > 1 ? 1 : cosine < -1 ? -1 : cosine;
        s->angle_sum += acos(c) * 57.29577951308232;
    } else {
        double e = exp(-100.0 * fabs(f));
        s->loss += 1e2 / M * e;
        da = -1e4 / M * sign_of(f) * e;
    }
    *adj_f = (float)da;
    for (int k = 0; k < 3; k++)
        adj_g[k] = (float)dg[k];
}

/* Forward, loss and backward of points [first, first + n) of the step. */
static int train_chunk(trainer *t, fit_model *m, size_t first, size_t n, step_stats *s)
{
    siren_jet out = {.value = t->value, .gradient = t->grad};
    int status = siren_forward(m->net, t->ws, n, t->xyz + 3 * first, &out);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "training step", status);
    double M = 2.0 * (double)t->n;
    for (size_t i = 0; i < n; i++) {
        size_t p = first + i;
        const float *normal = p < t->n ? t->normals + 3 * p : NULL;
        point_loss(t->grad + 3 * i, normal, t->value[i], M, s, t->adj_value + i,
                   t->adj_grad + 3 * i);
    }
    siren_jet adj = {.value = t->adj_value, .gradient = t->adj_grad};
    status = siren_backward(m->net, t->ws, &adj);
    return status == SIREN_OK ? 0 : fit_library_error(PROGRAM, "training step", status);
}

static int train_step(trainer *t, fit_model *m, uint64_t step, step_stats *s)
{
    draw_points(t, step);
    memset(s, 0, sizeof *s);
    siren_net_zero_grad(m->net);
    /* The surface points and the uniform ones in separate calls, so each
       chunk is one kind (the loss is a sum over points either way). */
    for (size_t part = 0; part < 2; part++)
        for (size_t start = 0; start < t->n; start += t->chunk) {
            size_t n = t->n - start < t->chunk ? t->n - start : t->chunk;
            if (train_chunk(t, m, part * t->n + start, n, s))
                return 1;
        }
    return fit_adam_step(PROGRAM, m->net, m->opt);
}

typedef struct run_stats {
    fit_run train;
    double mesh_seconds;
} run_stats;

static int sdf_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    trainer *t = ctx;
    step_stats s;
    int status = train_step(t, m, step, &s);
    *loss = s.loss;
    *metric = s.angle_sum / (double)t->n;
    return status;
}

static int train(const options *o, const dataset *d, fit_model *m, run_stats *stats)
{
    trainer t;
    int status = trainer_init(&t, o, d, m);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "normal error", "deg", NULL, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, sdf_step, &t, &stats->train);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- meshing */

typedef struct field_eval {
    const siren_net *net;
    siren_workspace *ws;
    size_t done, total;
    double last_note;
    int status;
} field_eval;

/* The network's value at n points, in calls of at most the workspace's
   size (the extractor's batch is the chunk). */
static int network_field(void *user, size_t n, const float *xyz, float *values)
{
    field_eval *e = user;
    siren_jet out = {.value = values};
    e->status = siren_eval(e->net, e->ws, n, xyz, &out);
    e->done += n;
    double now = progress_clock();
    if (now - e->last_note > 10) {
        fprintf(stderr, "%s: marching cubes: %zu field values so far\n", PROGRAM, e->done);
        e->last_note = now;
    }
    return e->status;
}

static int extract_mesh(const options *o, const dataset *d, const fit_model *m, tri_mesh *mesh)
{
    field_eval e = {m->net, NULL, 0, 0, progress_clock(), 0};
    int status = siren_workspace_create(m->net, (size_t)o->chunk, SIREN_VALUE | SIREN_EVAL_ONLY,
                                        &e.ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(e.ws, (size_t)o->threads);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "cannot create the meshing workspace", status);
    mc_options mc = mc_default_options();
    mc.resolution = (size_t)o->resolution;
    mc.batch = (size_t)o->chunk;
    mc.band = o->band;
    mc_stats st;
    char err[256];
    int rc = mc_extract(&mc, network_field, &e, mesh, &st, err, sizeof err);
    siren_workspace_free(e.ws);
    if (rc)
        return e.status ? fit_library_error(PROGRAM, "marching cubes", e.status)
                        : args_error(PROGRAM, "marching cubes: %s", err);
    fprintf(stderr, "%s: marching cubes at %ld^3: %zu vertices, %zu triangles (%.1f%% of the "
            "grid evaluated)\n", PROGRAM, o->resolution, mesh->vertex_count,
            mesh->triangle_count, 100.0 * (double)st.evaluated / (double)st.grid_points);
    /* Back into the input's units. */
    shape_transform_invert(&d->transform, mesh->vertices, mesh->vertex_count);
    return 0;
}

/* --------------------------------------------------------- measuring */

/* Up to `count` distinct input points (a partial Fisher-Yates shuffle,
   seeded), all of them when there are fewer. */
static int subsample_input(const dataset *d, size_t count, uint64_t seed, oriented_points *out)
{
    size_t n = d->points.count, k = count < n ? count : n;
    size_t *order = malloc(n * sizeof *order);
    out->xyz = malloc(k * 3 * sizeof *out->xyz);
    out->normals = malloc(k * 3 * sizeof *out->normals);
    if (!order || !out->xyz || !out->normals) {
        free(order);
        oriented_points_free(out);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    rng r = rng_seeded(seed, 0xc4a3f3e);
    for (size_t i = 0; i < k; i++) {
        size_t j = i + rng_below(&r, n - i), pick = order[j];
        order[j] = order[i];
        order[i] = pick;
        memcpy(out->xyz + 3 * i, d->points.xyz + 3 * pick, 3 * sizeof *out->xyz);
        memcpy(out->normals + 3 * i, d->points.normals + 3 * pick, 3 * sizeof *out->normals);
    }
    out->count = k;
    free(order);
    return 0;
}

typedef struct quality {
    double chamfer, normal_consistency;  /* chamfer relative to the diagonal */
} quality;

static int measure(const options *o, const dataset *d, const tri_mesh *mesh, quality *q)
{
    q->chamfer = INFINITY;
    q->normal_consistency = 0;
    if (mesh->triangle_count == 0 || mesh_area(mesh) <= 0) {
        fprintf(stderr, "%s: warning: the extracted mesh is empty\n", PROGRAM);
        return 0;
    }
    oriented_points on_mesh, input;
    char err[256];
    if (shape_sample_mesh(mesh, (size_t)o->eval_points, o->seed ^ 0x77, &on_mesh, err,
                          sizeof err))
        return args_error(PROGRAM, "measuring the mesh: %s", err);
    if (subsample_input(d, (size_t)o->eval_points, o->seed, &input)) {
        oriented_points_free(&on_mesh);
        return args_error(PROGRAM, "out of memory for the measurement");
    }
    shape_distance dist;
    int status = shape_compare(&on_mesh, &input, &dist);
    double diagonal = points_bbox_diagonal(&d->points);
    oriented_points_free(&on_mesh);
    oriented_points_free(&input);
    if (status)
        return args_error(PROGRAM, "out of memory for the measurement");
    q->chamfer = dist.chamfer / diagonal;
    q->normal_consistency = dist.normal_consistency;
    fprintf(stderr, "%s: mesh to input %.3g, input to mesh %.3g (bounding-box diagonal %.4g)\n",
            PROGRAM, dist.a_to_b / diagonal, dist.b_to_a / diagonal, diagonal);
    return 0;
}

/* ------------------------------------------------------------- outputs */

typedef struct outputs {
    char *mesh, *model, *transform;
} outputs;

static void outputs_free(outputs *p)
{
    free(p->mesh);
    free(p->model);
    free(p->transform);
}

static int plan_outputs(const options *o, outputs *p)
{
    p->mesh = files_join(o->out, ".ply");
    p->model = o->save ? files_join(o->save, "") : files_join(o->out, ".siren");
    p->transform = files_join(o->out, ".transform");
    if (!p->mesh || !p->model || !p->transform)
        return args_error(PROGRAM, "out of memory");
    const char *paths[] = {o->resolution ? p->mesh : NULL, o->load ? NULL : p->model,
                           p->transform, o->ckpt.checkpoint};
    char err[512];
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (paths[i] && files_check_writable(paths[i], err, sizeof err))
            return args_error(PROGRAM, "%s", err);
    return 0;
}

static int write_transform(const char *path, const shape_transform *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return args_error(PROGRAM, "%s: cannot write", path);
    fprintf(f, "# fit_sdf: the model's coordinates are normalised = (input - offset) * scale\n"
               "offset %.17g %.17g %.17g\nscale %.17g\n",
            t->offset[0], t->offset[1], t->offset[2], t->scale);
    return fclose(f) == 0 ? 0 : args_error(PROGRAM, "%s: cannot write", path);
}

/* ---------------------------------------------------------------- main */

static int finish(const options *o, const dataset *d, const fit_model *m, const outputs *p,
                  run_stats *stats, double start)
{
    if (!o->load && fit_model_save(PROGRAM, m, p->model))
        return 1;
    if (write_transform(p->transform, &d->transform))
        return 1;
    quality q = {NAN, NAN};
    tri_mesh mesh = {0, 0, NULL, NULL};
    if (o->resolution > 0) {
        double t0 = progress_clock();
        if (extract_mesh(o, d, m, &mesh))
            return 1;
        stats->mesh_seconds = progress_clock() - t0;
        char err[512];
        int status = mesh_write_ply(p->mesh, &mesh, err, sizeof err);
        if (status == 0)
            status = measure(o, d, &mesh, &q);
        else
            status = args_error(PROGRAM, "%s: %s", p->mesh, err);
        mesh_free(&mesh);
        if (status)
            return 1;
        printf("wrote %s, %s and %s\n", p->mesh, o->load ? o->load : p->model, p->transform);
    } else {
        printf("wrote %s and %s\n", p->model, p->transform);
    }
    printf("result: chamfer=%.6f normal_consistency=%.4f seconds=%.1f steps=%llu "
           "train_seconds=%.1f mesh_seconds=%.1f\n",
           q.chamfer, q.normal_consistency, progress_clock() - start,
           (unsigned long long)stats->train.last_step, stats->train.seconds, stats->mesh_seconds);
    return 0;
}

static int run(const options *o, const arg_spec *spec)
{
    double start = progress_clock();
    dataset d;
    memset(&d, 0, sizeof d);
    fit_model m = {NULL, NULL};
    outputs paths = {NULL, NULL, NULL};
    run_stats stats = {{0, 0, 0}, 0};
    fit_arch arch = architecture(o);
    int status = load_dataset(o, &d);
    if (status == 0)
        status = o->load ? fit_model_load(PROGRAM, o->load, &arch, &m)
                         : fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    if (status == 0)  /* unwritable outputs fail now, not after training */
        status = plan_outputs(o, &paths);
    if (status == 0)
        describe_dataset(o, &d);
    if (status == 0 && !o->load) {
        fprintf(stderr, "%s: %zu parameters; %ld surface + %ld uniform points per step\n",
                PROGRAM, siren_net_param_count(m.net), o->batch, o->batch);
        status = train(o, &d, &m, &stats);
    }
    if (status == 0)
        status = finish(o, &d, &m, &paths, &stats, start);
    outputs_free(&paths);
    fit_model_free(&m);
    dataset_free(&d);
    return fit_exit_status(status);
}

int main(int argc, char **argv)
{
    command_line cl;
    default_options(&cl.o);
    int status = parse_command_line(&cl, argc, argv);
    if (status >= 0)
        return status;
    return run(&cl.o, &cl.spec);
}
