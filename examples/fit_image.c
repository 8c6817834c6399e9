/* fit_image.c - fits a SIREN to a grey or colour image, the first
   experiment of the SIREN paper (Sitzmann et al. 2020, section 4.1), and
   writes what the network learnt: the image at any resolution, and its
   gradient magnitude and Laplacian, computed exactly from the network by
   libsiren's forward-mode jets.

   The defaults are the reference implementation's (explore_siren.ipynb):
   the image resized with Pillow's antialiased bilinear filter (torchvision's
   Resize), pixel values normalised to [-1, 1] (mean 0.5, std 0.5), coordinates
   linspace(-1, 1) on each axis, 5 linear layers of 256 (3 hidden layers),
   omega 30, Adam with lr 1e-4, every pixel in every step, mean squared
   error. One training step is fit/mse.h's, over slabs of --chunk points:
   memory grows with --chunk, not with the image.

   Launched by mpirun, the ranks share each step's slabs and rank 0 writes
   the outputs, the same bits as one process (fit/distributed.h). */
#define _POSIX_C_SOURCE 200809L
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/image.h"
#include "fit/mse.h"
#include "fit/options.h"
#include "fit/render.h"
#include "fit/rng.h"
#include "fit/training.h"
#include "io/files.h"
#include "io/image_file.h"
#include "siren.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *image;
    long size, batch, render, bits;
    const char *resample;
    image_filter filter; /* from resample */
    fit_options fit;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN f(row, column) -> intensity to an image (PGM/PPM: P2, P3, P5, P6,\n"
    "8 or 16 bit; PNG too when the build has libpng or stb) with the reference\n"
    "setup, then writes PREFIX_recon.png, PREFIX_grad.png (gradient magnitude) and\n"
    "PREFIX_laplacian.png (grey 128 is zero), or with --format pnm (the default of\n"
    "a build without PNG) .pgm files (.ppm for colour), and the model PREFIX.siren.\n"
    "\n"
    "The image is resampled so that its longer side is --size (the aspect ratio\n"
    "is kept; 0 keeps the size): by default with Pillow's antialiased bilinear\n"
    "filter, as the reference's torchvision Resize does, or by area averaging.\n"
    "Pixel (r, c) of an H x W image sits at (linspace(-1,1,H)[r],\n"
    "linspace(-1,1,W)[c]): the first and last pixel centres are at -1 and +1, as\n"
    "in the reference's get_mgrid. Values are scaled to [-1, 1]; the loss is\n"
    "their mean squared error over all pixels and channels; PSNR is\n"
    "10 log10(4 / loss), i.e. on the [0, 1] scale, of the network's unclamped\n"
    "output. The gradient magnitude (RMS over colour channels) and the Laplacian\n"
    "(of the luma, for colour) are per output pixel, scaled for display by the\n"
    "99th percentile of their magnitude.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same image,\n"
    "--size, --seed and --batch for an exact continuation). Ctrl-C stops after the\n"
    "current step and still writes every output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.size = 256, .batch = 0, .render = 0, .bits = 8, .resample = "bilinear"};
    fit_options_default(&o->fit, "out/fit_image");
    o->fit.steps = 500;
    o->fit.chunk = 16384;
}

/* What args_parse cannot check. 0, or 1 after a message. */
static int check_options(options *o, const arg_spec *spec)
{
    if (fit_options_check(&o->fit))
        return 1;
    if (o->bits != 8 && o->bits != 16)
        return fit_error("--bits: expected 8 or 16, got %ld", o->bits);
    if (o->fit.format == IMAGE_FORMAT_PNG && o->bits > image_png_bits()) {
        if (args_given(spec, "format"))
            return fit_error("--bits %ld: this build writes PNG at %d bits at most (%s); "
                             "give --format pnm", o->bits, image_png_bits(), image_library());
        fit_note("--bits %ld: writing PGM/PPM (this build writes PNG at %d bits at most)",
                 o->bits, image_png_bits());
        o->fit.format = IMAGE_FORMAT_PNM;
    }
    if (strcmp(o->resample, "bilinear") != 0 && strcmp(o->resample, "area") != 0)
        return fit_error("--resample: expected 'bilinear' or 'area', got '%s'", o->resample);
    o->filter = strcmp(o->resample, "area") == 0 ? IMAGE_AREA : IMAGE_BILINEAR;
    return 0;
}

/* ---------------------------------------------------------------- data */

/* The training set: coordinates and targets in [-1, 1] of every pixel. */
typedef struct dataset {
    size_t width, height, channels, count; /* count = width * height */
    float *coords;   /* [count][2] */
    float *targets;  /* [count][channels] */
} dataset;

static void dataset_free(dataset *d)
{
    free(d->coords);
    free(d->targets);
}

static int load_dataset(const options *o, dataset *d)
{
    char err[256];
    pnm_image raw, img;
    if (image_read(o->image, &raw, err, sizeof err))
        return fit_error("%s: %s", o->image, err);
    size_t w, h;
    image_fit_size(raw.width, raw.height, (size_t)o->size, &w, &h);
    int status = image_resample(&raw, w, h, o->filter, &img, err, sizeof err);
    pnm_free(&raw);
    if (status)
        return fit_error("%s: %s", o->image, err);
    *d = (dataset){w, h, img.channels, w * h, image_grid(w, h), img.data};
    if (!d->coords) {
        dataset_free(d);
        return fit_error("out of memory for a %zux%zu grid", w, h);
    }
    /* The reference's Normalize(mean 0.5, std 0.5): v -> 2 v - 1. */
    for (size_t i = 0; i < d->count * d->channels; i++)
        d->targets[i] = 2.0f * d->targets[i] - 1.0f;
    return 0;
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const dataset *data;
    size_t batch;            /* points per step */
    uint64_t seed;
    size_t *order;           /* [count]: pixel indices, the batch first */
    float *coords, *targets; /* the batch, gathered: [batch][2], [batch][C] */
    fit_mse mse;             /* the loss's workspace and buffers */
} trainer;

static void trainer_free(trainer *t)
{
    fit_mse_free(&t->mse);
    free(t->order);
    free(t->coords);
    free(t->targets);
}

static int trainer_init(trainer *t, const options *o, const dataset *d, const fit_model *m)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->seed = o->fit.seed;
    t->batch = o->batch == 0 || (size_t)o->batch > d->count ? d->count : (size_t)o->batch;
    if (fit_mse_init(&t->mse, m->net, t->batch, (size_t)o->fit.chunk, (size_t)o->fit.threads))
        return 1;
    if (t->batch < d->count) {
        t->order = malloc(d->count * sizeof *t->order);
        t->coords = malloc(t->batch * 2 * sizeof *t->coords);
        t->targets = malloc(t->batch * d->channels * sizeof *t->targets);
        if (!t->order || !t->coords || !t->targets)
            return fit_error("out of memory for the training buffers");
    }
    return 0;
}

/* The batch of step `step`: all pixels, or `batch` distinct random ones
   (a partial Fisher-Yates shuffle), gathered into t->coords/targets. */
static void select_batch(trainer *t, uint64_t step, const float **coords,
                         const float **targets)
{
    const dataset *d = t->data;
    if (t->batch == d->count) {
        *coords = d->coords;
        *targets = d->targets;
        return;
    }
    uint64_t state = t->seed ^ (step * 0xd1b54a32d192ed03u);
    for (size_t i = 0; i < d->count; i++)
        t->order[i] = i;
    for (size_t i = 0; i < t->batch; i++) {
        size_t j = i + (size_t)(rng_splitmix64(&state) % (d->count - i));
        size_t pick = t->order[j];
        t->order[j] = t->order[i];
        t->order[i] = pick;
        memcpy(t->coords + 2 * i, d->coords + 2 * pick, 2 * sizeof *t->coords);
        memcpy(t->targets + d->channels * i, d->targets + d->channels * pick,
               d->channels * sizeof *t->targets);
    }
    *coords = t->coords;
    *targets = t->targets;
}

/* One Adam step on the batch of `step`; *loss gets the batch's mean
   squared error before the update. */
static int train_step(trainer *t, fit_model *m, uint64_t step, double *loss)
{
    const float *coords, *targets;
    select_batch(t, step, &coords, &targets);
    return fit_mse_step(&t->mse, m, coords, 2, targets, loss, NULL);
}

static int image_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    int status = train_step(ctx, m, step, loss);
    *metric = training_psnr(*loss);
    return status;
}

static int train(const options *o, const dataset *d, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, d, m));
    const fit_options *f = &o->fit;
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, image_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- outputs */

typedef struct outputs {
    char *recon, *grad, *laplacian, *model;
} outputs;

static void outputs_free(outputs *p)
{
    free(p->recon);
    free(p->grad);
    free(p->laplacian);
    free(p->model);
}

/* Names the outputs and checks, before any training, that each can be
   written (creating the directories). */
static int plan_outputs(const options *o, size_t channels, outputs *p)
{
    p->recon = fit_image_path(&o->fit, "_recon", channels);
    p->grad = fit_image_path(&o->fit, "_grad", 1);
    p->laplacian = fit_image_path(&o->fit, "_laplacian", 1);
    p->model = fit_model_path(&o->fit);
    if (!p->recon || !p->grad || !p->laplacian || !p->model)
        return fit_error("out of memory");
    const char *paths[] = {p->recon, p->grad, p->laplacian, p->model, o->fit.log};
    return fit_check_outputs(paths, sizeof paths / sizeof *paths, &o->image, 1,
                             &o->fit.ckpt);
}

/* Mean squared error of the network on every pixel of the dataset,
   reusing the rendering when it is at the fitted size. */
static int final_mse(const options *o, const dataset *d, const fit_model *m, const rendering *r,
                     double *mse)
{
    size_t ch = d->channels, n = d->count;
    size_t chunk = (size_t)o->fit.chunk < n ? (size_t)o->fit.chunk : n;
    bool reuse = r->width == d->width && r->height == d->height;
    float *values = reuse ? r->values : malloc(n * ch * sizeof *values);
    siren_workspace *ws = NULL;
    int status = values ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (!reuse && status == SIREN_OK)
        status = siren_workspace_create(m->net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (!reuse && status == SIREN_OK && o->fit.threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->fit.threads);
    for (size_t first = 0; !reuse && status == SIREN_OK && first < n; first += chunk) {
        siren_jet out = {.value = values + first * ch};
        status = siren_eval(m->net, ws, n - first < chunk ? n - first : chunk,
                            d->coords + 2 * first, &out);
    }
    double sum = 0;
    for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
        double diff = (double)values[i] - d->targets[i];
        sum += diff * diff;
    }
    *mse = sum / ((double)n * (double)ch);
    siren_workspace_free(ws);
    if (!reuse)
        free(values);
    return status == SIREN_OK ? 0 : fit_library_error("evaluating the fit", status);
}

/* The model first: if the disk fills up after it, the training is kept
   and only pictures, which it can make again, are missing. */
static int write_outputs(const options *o, const outputs *p, const fit_model *m,
                         const rendering *r)
{
    if (fit_model_save(m, p->model))
        return 1;
    char err[512];
    const char *failed = NULL;
    if (render_write_values(p->recon, r, (int)o->bits, err, sizeof err))
        failed = p->recon;
    else if (render_write_display(p->grad, r->width, r->height, r->grad_norm, false, err,
                                  sizeof err))
        failed = p->grad;
    else if (render_write_display(p->laplacian, r->width, r->height, r->laplacian, true, err,
                                  sizeof err))
        failed = p->laplacian;
    if (failed)
        return fit_error("%s: %s", failed, err);
    printf("wrote %s, %s, %s (%zux%zu) and %s\n", p->recon, p->grad, p->laplacian, r->width,
           r->height, p->model);
    return 0;
}

/* ---------------------------------------------------------------- main */

static int finish(const options *o, const dataset *d, fit_model *m, const outputs *paths,
                  const fit_run *stats)
{
    rendering r = {0};
    size_t width, height;
    image_fit_size(d->width, d->height, (size_t)o->render, &width, &height);
    double mse = 0;
    int status = render_field(m->net, width, height, (size_t)o->fit.chunk,
                              (size_t)o->fit.threads, &r);
    if (status != SIREN_OK)
        return fit_library_error("rendering", status);
    if (status == 0)
        status = final_mse(o, d, m, &r, &mse);
    if (status == 0)
        status = write_outputs(o, paths, m, &r);
    if (status == 0)
        printf("result: psnr_db=%.2f steps=%llu seconds=%.1f seconds_per_step=%.3f "
               "width=%zu height=%zu\n",
               training_psnr(mse), (unsigned long long)stats->last_step, stats->seconds,
               fit_seconds_per_step(stats), d->width, d->height);
    rendering_free(&r);
    return status;
}

static int run(const options *o, const arg_spec *spec)
{
    dataset d = {0};
    fit_model m = {0};
    outputs paths = {0};
    fit_run stats = {0, 0, 0};
    int status = fit_dist_agree(load_dataset(o, &d)); /* every rank reads the image */
    if (status == 0)
        status = fit_dist_same(d.targets, d.count * d.channels * sizeof *d.targets, o->image);
    fit_arch arch = fit_arch_of(&o->fit, 2, (long)d.channels);
    if (status == 0)
        status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, d.channels, &paths) : 0);
    if (status == 0)
        status = fit_log_open(o->fit.log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fit_say("%s, %zux%zu, %zu channel%s; %zu parameters", o->image,
                d.width, d.height, d.channels, d.channels > 1 ? "s" : "",
                siren_net_param_count(m.net));
        status = train(o, &d, &m, log, &stats);
    }
    status = fit_log_close(o->fit.log, log, status);
    if (status == 0 && fit_dist_root())
        status = finish(o, &d, &m, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    dataset_free(&d);
    return fit_exit_status(status);
}

static int fit_image_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        ARG_LONG("size", &o.size, 0, 4096, "N", "longer side of the fitted image; 0: as read"),
        ARG_STRING("resample", &o.resample, "F", "resampling filter: bilinear or area"),
        FIT_STEPS_OPTION(f),
        FIT_LR_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation and of --batch"),
        ARG_LONG("batch", &o.batch, 0, 1000000000, "N",
                 "pixels per step, drawn at random without replacement;\n0: all pixels"),
        FIT_CHUNK_OPTION(f, 1000000000, "points per forward/backward call (memory)"),
        FIT_THREADS_OPTION(f),
        FIT_OUT_OPTION(f),
        ARG_LONG("render", &o.render, 0, 4096, "N",
                 "longer side of the output images; 0: fit size"),
        ARG_LONG("bits", &o.bits, 8, 16, "B", "bits per sample of the reconstruction, 8 or 16"),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        FIT_LOG_OPTION(f, "write step,loss,psnr_db,seconds of every step as CSV"),
    };
    arg_spec spec = {"fit_image", "[options] IMAGE", DESCRIPTION, table,
                     ARG_COUNT(table), &o.image, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o, &spec) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, fit_image_main); /* on every rank under mpirun */
}
