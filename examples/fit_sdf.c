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
     picture.h        the picture: sphere tracing, shading by the gradient
     mesh.h           marching cubes; shape_geometry.h: sampling a mesh,
                      the normalisation; nearest.h: nearest neighbours

   Launched by mpirun, every rank reads the input and draws every point of
   a step, the ranks share the step's slabs (fit/fold.h), and rank 0
   meshes, measures and writes the outputs, the same bits as one process
   (fit/distributed.h). */
#define _POSIX_C_SOURCE 200809L
#include "fit/args.h"
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/options.h"
#include "fit/progress.h"
#include "io/pointcloud.h"
#include "siren.h"

#include "fit_sdf/dataset.h"
#include "fit_sdf/mesh.h"
#include "fit_sdf/measure.h"
#include "fit_sdf/meshing.h"
#include "fit_sdf/outputs.h"
#include "fit_sdf/picture.h"
#include "fit_sdf/train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *input, *load;
    long batch, resolution, samples, eval_points, picture;
    double band;
    fit_options fit;
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
    "Also writes PREFIX.png (PREFIX.pgm with --format pnm), a --picture x --picture\n"
    "picture of the surface for people: each pixel's ray is sphere-traced through\n"
    "the network and the surface shaded by its normal, the exact gradient of f,\n"
    "seen from (1, 0.8, 1.3) in the normalised coordinates, +y up.\n"
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
    "writes every output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.batch = 1400, .resolution = 256, .samples = 250000,
                   .eval_points = 100000, .band = 2.0, .picture = 512};
    fit_options_default(&o->fit, "out/fit_sdf");
    o->fit.steps = 2000;
    o->fit.chunk = 16384;
    o->fit.clip = 1.0;
}

/* What args_parse cannot check. 0, or 1 after a message. */
static int check_options(options *o)
{
    if (fit_options_check(&o->fit))
        return 1;
    if (o->load && o->fit.ckpt.resume)
        return fit_error("--load and --resume exclude each other");
    if (o->resolution == 1)
        return fit_error("--resolution: expected 0 or at least 2, got 1");
    return 0;
}

/* ------------------------------------------------- settings of each part */

/* The parts in examples/fit_sdf/ take their own settings, not the
   command line: these copy them from the options. */

static train_config train_config_of(const options *o)
{
    const fit_options *f = &o->fit;
    return (train_config){.steps = f->steps, .batch = o->batch, .chunk = f->chunk,
                          .threads = f->threads, .seed = f->seed,
                          .checkpoint = f->ckpt.checkpoint,
                          .checkpoint_every = f->ckpt.checkpoint_every};
}

static meshing_config meshing_config_of(const options *o)
{
    return (meshing_config){.resolution = o->resolution, .chunk = o->fit.chunk,
                            .threads = o->fit.threads, .band = o->band};
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
    if (outputs_name(o->fit.out, o->fit.save, image_extension(o->fit.format, 1), p))
        return 1;
    const char *paths[] = {o->resolution ? p->mesh : NULL, o->load ? NULL : p->model,
                           p->transform, o->fit.ckpt.checkpoint, o->picture ? p->picture : NULL};
    return outputs_check_writable(paths, sizeof paths / sizeof *paths);
}

static int train(const options *o, const dataset *d, fit_model *m, run_stats *stats)
{
    fit_say("%zu parameters; %ld surface + %ld uniform points per step",
            siren_net_param_count(m->net), o->batch, o->batch);
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
        status = measure_mesh(&mesh, &d->points, (size_t)o->eval_points, o->fit.seed, q);
    else
        status = fit_error("%s: %s", p->mesh, err);
    mesh_free(&mesh);
    return status;
}

/* The "wrote" line: the files of this run, in the order written. */
static void print_written(const options *o, const outputs *p)
{
    const char *files[4], *model = o->load ? o->load : p->model;
    size_t n = 0;
    if (o->resolution > 0)
        files[n++] = p->mesh;
    files[n++] = model;
    files[n++] = p->transform;
    if (o->picture > 0)
        files[n++] = p->picture;
    printf("wrote");
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i == 0 ? " " : i + 1 == n ? " and " : ", ", files[i]);
    putchar('\n');
}

/* The outputs after training: the model, the transform, the mesh and its
   measures, the picture, then the files written and the result line on
   stdout. */
static int finish(const options *o, const dataset *d, const fit_model *m, const outputs *p,
                  run_stats *stats, double start)
{
    if (!o->load && fit_model_save(m, p->model))
        return 1;
    if (write_transform(p->transform, &d->transform))
        return 1;
    quality q = {NAN, NAN};
    if (o->resolution > 0 && mesh_and_measure(o, d, m, p, &q, stats))
        return 1;
    picture_stats shot;
    if (o->picture > 0 && picture_write(m->net, (size_t)o->picture, (size_t)o->fit.chunk,
                                        (size_t)o->fit.threads, p->picture, &shot))
        return 1;
    print_written(o, p);
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
    outputs paths = {NULL, NULL, NULL, NULL};
    run_stats stats = {{0, 0, 0}, 0};
    fit_arch arch = fit_arch_of(&o->fit, 3, 1);
    int status = fit_dist_agree(dataset_load(o->input, (size_t)o->samples, o->fit.seed, &d));
    if (status == 0)
        status = fit_dist_same(d.normalised, d.points.count * 3 * sizeof *d.normalised,
                               o->input);
    if (status == 0) /* every rank loads a --load model too */
        status = fit_dist_agree(o->load ? fit_model_load(o->load, &arch, spec, &m)
                                        : fit_model_start(o->fit.ckpt.resume, &arch, spec, &m));
    if (status == 0)
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, &paths) : 0);
    if (status == 0)
        dataset_describe(o->input, &d);
    if (status == 0 && !o->load)
        status = train(o, &d, &m, &stats);
    if (status == 0 && fit_dist_root())
        status = finish(o, &d, &m, &paths, &stats, start);
    outputs_free(&paths);
    fit_model_free(&m);
    dataset_free(&d);
    return fit_exit_status(status);
}

static int fit_sdf_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        FIT_STEPS_OPTION(f),
        ARG_LONG("batch", &o.batch, 1, 100000000, "N",
                 "surface points per step (and as many uniform ones)"),
        FIT_LR_OPTION(f),
        FIT_CLIP_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation and of the sampling"),
        ARG_LONG("samples", &o.samples, 1, 50000000, "N",
                 "oriented points sampled on a mesh input"),
        FIT_CHUNK_OPTION(f, 100000000, "points per library call (memory)"),
        FIT_THREADS_OPTION(f),
        ARG_LONG("resolution", &o.resolution, 0, 4096, "N",
                 "marching cubes grid points per axis; 0: no mesh"),
        ARG_DOUBLE("band", &o.band, 0, 1e6, "X",
                   "narrow band of the mesh extraction, in coarse cell\n"
                   "diagonals; 0: evaluate every grid point"),
        ARG_LONG("eval-points", &o.eval_points, 1, 50000000, "N",
                 "points per side of the Chamfer distance"),
        ARG_LONG("picture", &o.picture, 0, 4096, "N",
                 "side of the picture of the surface, by sphere tracing;\n0: none"),
        FIT_OUT_OPTION(f),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        ARG_STRING("load", &o.load, "FILE", "mesh this model instead of training"),
    };
    arg_spec spec = {"fit_sdf", "[options] POINTS.xyz|CLOUD.ply|MESH.ply|MESH.obj", DESCRIPTION,
                     table, ARG_COUNT(table), &o.input, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, fit_sdf_main); /* on every rank under mpirun */
}
