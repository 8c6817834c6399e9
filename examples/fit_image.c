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
   error. One training step (DESIGN.md, "Training"):

       zero the gradients
       for each chunk of the batch:
           y = siren_forward(chunk)             value only
           adjoint = 2 (y - t) / (B * C)        d loss / d y, B points, C channels
           siren_backward(adjoint)              gradients accumulate
       siren_adam_step

   so memory grows with --chunk, not with the image. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "fitting.h"
#include "image.h"
#include "pnm.h"
#include "render.h"
#include "rng.h"
#include "siren.h"
#include "training.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "fit_image"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *image;
    long size, steps, width, depth, batch, chunk, threads, render, bits;
    double lr, first_omega, hidden_omega;
    uint64_t seed;
    const char *out, *save, *resample, *log;
    image_filter filter; /* from resample */
    fit_resume_options ckpt;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN f(row, column) -> intensity to a PGM/PPM image (P2, P3, P5, P6;\n"
    "8 or 16 bit) with the reference setup, then writes PREFIX_recon.pgm (.ppm for\n"
    "colour), PREFIX_grad.pgm (gradient magnitude), PREFIX_laplacian.pgm (grey 128\n"
    "is zero) and the model PREFIX.siren.\n"
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
    "current step and still writes every output.";

enum { OPTION_COUNT = 21 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[1];
    arg_spec spec;
} command_line;

/* Parses argv into cl->o (which holds the defaults); returns -1 to go on,
   else the exit status: 0 after --help, 1 after an error. */
static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_LONG("size", &o->size, 0, 4096, "N", "longer side of the fitted image; 0: as read"),
        ARG_STRING("resample", &o->resample, "F", "resampling filter: bilinear or area"),
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation and of --batch"),
        ARG_LONG("batch", &o->batch, 0, 1000000000, "N",
                 "pixels per step, drawn at random without replacement;\n0: all pixels"),
        ARG_LONG("chunk", &o->chunk, 1, 1000000000, "N",
                 "points per forward/backward call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
        ARG_LONG("render", &o->render, 0, 4096, "N",
                 "longer side of the output images; 0: fit size"),
        ARG_LONG("bits", &o->bits, 8, 16, "B", "bits per sample of the reconstruction, 8 or 16"),
        ARG_STRING("save", &o->save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("log", &o->log, "FILE",
                   "write step,loss,psnr_db,seconds of every step as CSV"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] IMAGE.pgm|IMAGE.ppm", DESCRIPTION, cl->table,
                          OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->image = cl->positional[0];
    if (o->bits != 8 && o->bits != 16)
        return args_error(PROGRAM, "--bits: expected 8 or 16, got %ld", o->bits);
    if (strcmp(o->resample, "bilinear") != 0 && strcmp(o->resample, "area") != 0)
        return args_error(PROGRAM, "--resample: expected 'bilinear' or 'area', got '%s'",
                          o->resample);
    o->filter = strcmp(o->resample, "area") == 0 ? IMAGE_AREA : IMAGE_BILINEAR;
    return -1;
}

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.size = 256, .steps = 500, .width = cfg.hidden_features,
                   .depth = cfg.hidden_layers, .batch = 0, .chunk = 16384, .threads = 0,
                   .render = 0, .bits = 8, .lr = adam.lr,
                   .first_omega = cfg.first_omega, .hidden_omega = cfg.hidden_omega,
                   .seed = 0, .out = "out/fit_image", .resample = "bilinear"};
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
    if (pnm_read(o->image, &raw, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->image, err);
    size_t w, h;
    image_fit_size(raw.width, raw.height, (size_t)o->size, &w, &h);
    int status = image_resample(&raw, w, h, o->filter, &img, err, sizeof err);
    pnm_free(&raw);
    if (status)
        return args_error(PROGRAM, "%s: %s", o->image, err);
    *d = (dataset){w, h, img.channels, w * h, image_grid(w, h), img.data};
    if (!d->coords) {
        dataset_free(d);
        return args_error(PROGRAM, "out of memory for a %zux%zu grid", w, h);
    }
    /* The reference's Normalize(mean 0.5, std 0.5): v -> 2 v - 1. */
    for (size_t i = 0; i < d->count * d->channels; i++)
        d->targets[i] = 2.0f * d->targets[i] - 1.0f;
    return 0;
}

/* --------------------------------------------------------- the network */

/* The architecture and optimiser of a new network. */
static fit_arch architecture(const options *o, size_t channels)
{
    return (fit_arch){2, (long)channels, o->width, o->depth, o->first_omega,
                      o->hidden_omega, o->lr, 0, o->seed};
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const dataset *data;
    siren_workspace *ws;
    size_t batch, chunk;     /* points per step, per call */
    uint64_t seed;
    size_t *order;           /* [count]: pixel indices, the batch first */
    float *coords, *targets; /* the batch, gathered: [batch][2], [batch][C] */
    float *values, *adjoint; /* [chunk][C] */
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->order);
    free(t->coords);
    free(t->targets);
    free(t->values);
    free(t->adjoint);
}

static int trainer_init(trainer *t, const options *o, const dataset *d, const fit_model *m)
{
    size_t ch = d->channels;
    memset(t, 0, sizeof *t);
    t->data = d;
    t->seed = o->seed;
    t->batch = o->batch == 0 || (size_t)o->batch > d->count ? d->count : (size_t)o->batch;
    t->chunk = (size_t)o->chunk < t->batch ? (size_t)o->chunk : t->batch;
    if (fit_training_workspace(PROGRAM, m->net, t->chunk, SIREN_VALUE, o->threads, &t->ws))
        return 1;
    t->values = malloc(t->chunk * ch * sizeof *t->values);
    t->adjoint = malloc(t->chunk * ch * sizeof *t->adjoint);
    if (t->batch < d->count) {
        t->order = malloc(d->count * sizeof *t->order);
        t->coords = malloc(t->batch * 2 * sizeof *t->coords);
        t->targets = malloc(t->batch * ch * sizeof *t->targets);
    }
    bool sampled_ok = t->batch == d->count || (t->order && t->coords && t->targets);
    if (!t->values || !t->adjoint || !sampled_ok)
        return args_error(PROGRAM, "out of memory for the training buffers");
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
    size_t ch = t->data->channels;
    float scale = 2.0f / (float)((double)t->batch * (double)ch);
    double sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t start = 0; start < t->batch; start += t->chunk) {
        size_t n = t->batch - start < t->chunk ? t->batch - start : t->chunk;
        siren_jet out = {.value = t->values}, adj = {.value = t->adjoint};
        int status = siren_forward(m->net, t->ws, n, coords + 2 * start, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
            float diff = t->values[i] - targets[start * ch + i];
            sum += (double)diff * diff;
            t->adjoint[i] = scale * diff;
        }
        if (status == SIREN_OK)
            status = siren_backward(m->net, t->ws, &adj);
        if (status != SIREN_OK)
            return fit_library_error(PROGRAM, "training step", status);
    }
    int status = fit_adam_step(PROGRAM, m->net, m->opt);
    if (status)
        return status;
    *loss = sum / ((double)t->batch * (double)ch);
    return 0;
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
    int status = trainer_init(&t, o, d, m);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, image_step, &t, run);
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
    p->recon = files_join(o->out, channels == 3 ? "_recon.ppm" : "_recon.pgm");
    p->grad = files_join(o->out, "_grad.pgm");
    p->laplacian = files_join(o->out, "_laplacian.pgm");
    p->model = o->save ? files_join(o->save, "") : files_join(o->out, ".siren");
    if (!p->recon || !p->grad || !p->laplacian || !p->model)
        return args_error(PROGRAM, "out of memory");
    const char *paths[] = {p->recon, p->grad, p->laplacian, p->model, o->log};
    return fit_check_outputs(PROGRAM, paths, sizeof paths / sizeof *paths, &o->image, 1,
                             &o->ckpt);
}

/* Mean squared error of the network on every pixel of the dataset,
   reusing the rendering when it is at the fitted size. */
static int final_mse(const options *o, const dataset *d, const fit_model *m, const rendering *r,
                     double *mse)
{
    size_t ch = d->channels, n = d->count;
    size_t chunk = (size_t)o->chunk < n ? (size_t)o->chunk : n;
    bool reuse = r->width == d->width && r->height == d->height;
    float *values = reuse ? r->values : malloc(n * ch * sizeof *values);
    siren_workspace *ws = NULL;
    int status = values ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (!reuse && status == SIREN_OK)
        status = siren_workspace_create(m->net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (!reuse && status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
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
    return status == SIREN_OK ? 0 : fit_library_error(PROGRAM, "evaluating the fit", status);
}

/* The model first: if the disk fills up after it, the training is kept
   and only pictures, which it can make again, are missing. */
static int write_outputs(const options *o, const outputs *p, const fit_model *m,
                         const rendering *r)
{
    if (fit_model_save(PROGRAM, m, p->model))
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
        return args_error(PROGRAM, "%s: %s", failed, err);
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
    int status = render_field(m->net, width, height, (size_t)o->chunk, (size_t)o->threads, &r);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "rendering", status);
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
    int status = load_dataset(o, &d);
    fit_arch arch = architecture(o, d.channels);
    if (status == 0)
        status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = plan_outputs(o, d.channels, &paths);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fprintf(stderr, "%s: %s, %zux%zu, %zu channel%s; %zu parameters\n", PROGRAM, o->image,
                d.width, d.height, d.channels, d.channels > 1 ? "s" : "",
                siren_net_param_count(m.net));
        status = train(o, &d, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->log, log, status);
    if (status == 0)
        status = finish(o, &d, &m, &paths, &stats);
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
