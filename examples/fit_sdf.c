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
   grad f (fit_sdf/loss.h has them). Meshes are sampled by area into
   --samples oriented points once, at the start.

   This file is the program: its options and the main flow. The rest is
   in examples/fit_sdf/, one concern per file:
     dataset.h        the input read, sampled and normalised
     loss.h           the four loss terms and their derivatives
     train.h          the training loop: the points of each step, Adam
     meshing.h        marching cubes through the network
     measure.h        the Chamfer distance and normal consistency
     outputs.h        the output names and checks, the transform file
     errors.h         the one-line error messages */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "fitting.h"
#include "mesh.h"
#include "pointcloud.h"
#include "progress.h"
#include "siren.h"

#include "fit_sdf/dataset.h"
#include "fit_sdf/errors.h"
#include "fit_sdf/measure.h"
#include "fit_sdf/meshing.h"
#include "fit_sdf/outputs.h"
#include "fit_sdf/train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

enum { OPTION_COUNT = 22 };

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
    cl->spec = (arg_spec){FIT_SDF_PROGRAM, "[options] POINTS.xyz|CLOUD.ply|MESH.ply|MESH.obj",
                          DESCRIPTION, cl->table, OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->input = cl->positional[0];
    if (o->load && o->ckpt.resume)
        return args_error(FIT_SDF_PROGRAM, "--load and --resume exclude each other");
    if (o->resolution == 1)
        return args_error(FIT_SDF_PROGRAM, "--resolution: expected 0 or at least 2, got 1");
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

/* ------------------------------------------------- settings of each part */

/* The parts in examples/fit_sdf/ take their own settings, not the
   command line: these copy them from the options. */

static train_config train_config_of(const options *o)
{
    return (train_config){.steps = o->steps, .batch = o->batch, .chunk = o->chunk,
                          .threads = o->threads, .seed = o->seed,
                          .checkpoint = o->ckpt.checkpoint,
                          .checkpoint_every = o->ckpt.checkpoint_every};
}

static meshing_config meshing_config_of(const options *o)
{
    return (meshing_config){.resolution = o->resolution, .chunk = o->chunk,
                            .threads = o->threads, .band = o->band};
}

/* ---------------------------------------------------------------- main */

typedef struct run_stats {
    fit_run train;
    double mesh_seconds;
} run_stats;

/* The output names, and each output checked writable: unwritable outputs
   fail now, not after training. */
static int plan_outputs(const options *o, outputs *p)
{
    if (outputs_name(o->out, o->save, p))
        return 1;
    const char *paths[] = {o->resolution ? p->mesh : NULL, o->load ? NULL : p->model,
                           p->transform, o->ckpt.checkpoint};
    return outputs_check_writable(paths, sizeof paths / sizeof *paths);
}

static int train(const options *o, const dataset *d, fit_model *m, run_stats *stats)
{
    fprintf(stderr, "%s: %zu parameters; %ld surface + %ld uniform points per step\n",
            FIT_SDF_PROGRAM, siren_net_param_count(m->net), o->batch, o->batch);
    train_config cfg = train_config_of(o);
    return train_sdf(&cfg, d, m, &stats->train);
}

/* The mesh extracted, written and measured; its seconds (extraction only)
   into stats. */
static int mesh_and_measure(const options *o, const dataset *d, const fit_model *m,
                            const outputs *p, quality *q, run_stats *stats)
{
    meshing_config cfg = meshing_config_of(o);
    tri_mesh mesh = {0, 0, NULL, NULL};
    double t0 = progress_clock();
    if (extract_mesh(&cfg, m->net, &d->transform, &mesh))
        return 1;
    stats->mesh_seconds = progress_clock() - t0;
    char err[512];
    int status = mesh_write_ply(p->mesh, &mesh, err, sizeof err);
    if (status == 0)
        status = measure_mesh(&mesh, &d->points, (size_t)o->eval_points, o->seed, q);
    else
        status = args_error(FIT_SDF_PROGRAM, "%s: %s", p->mesh, err);
    mesh_free(&mesh);
    return status;
}

/* The outputs after training: the model, the transform, the mesh and its
   measures, then the files written and the result line on stdout. */
static int finish(const options *o, const dataset *d, const fit_model *m, const outputs *p,
                  run_stats *stats, double start)
{
    if (!o->load && fit_model_save(FIT_SDF_PROGRAM, m, p->model))
        return 1;
    if (write_transform(p->transform, &d->transform))
        return 1;
    quality q = {NAN, NAN};
    if (o->resolution > 0) {
        if (mesh_and_measure(o, d, m, p, &q, stats))
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
    int status = dataset_load(o->input, (size_t)o->samples, o->seed, &d);
    if (status == 0)
        status = o->load ? fit_model_load(FIT_SDF_PROGRAM, o->load, &arch, spec, &m)
                         : fit_model_start(FIT_SDF_PROGRAM, o->ckpt.resume, &arch, spec, &m);
    if (status == 0)
        status = plan_outputs(o, &paths);
    if (status == 0)
        dataset_describe(o->input, &d);
    if (status == 0 && !o->load)
        status = train(o, &d, &m, &stats);
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
