/* fit_video.c - fits a SIREN f(t, row, column) to a sequence of frames:
   the video experiment of the SIREN paper (Sitzmann et al. 2020,
   supplement section 7; the reference's train_video.py).

   The reference's setup is the default: every coordinate linspace(-1, 1)
   over its axis (frames, rows, columns), pixel values scaled to [-1, 1],
   5 linear layers of 1024 (3 hidden), omega 30, Adam 1e-4, and each step
   a random sample of 0.38% of all the video's pixels, drawn with
   replacement (torch.randint), mean squared error. One step draws the
   batch (seeded by --seed and the step number), then takes fit/mse.h's
   step on it.

   The quality reported is the mean over frames of each frame's PSNR
   (10 log10(4 / mse) on [-1, 1], i.e. on [0, 1] as fit_image), with the
   network evaluated at every pixel.

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one. The
   batch of step k depends on --seed and k alone, so a resumed run draws
   the batches the uninterrupted run would have: it is that run, bit for
   bit. Launched by mpirun, every rank draws the whole batch, trains its
   share of the step's slabs of --chunk pixels, and rank 0 writes the
   outputs, the same bits as one process (fit/distributed.h). */
#define _POSIX_C_SOURCE 200809L
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/image.h"
#include "fit/mse.h"
#include "fit/options.h"
#include "fit/progress.h"
#include "fit/rng.h"
#include "fit/training.h"
#include "io/files.h"
#include "io/frames.h"
#include "io/image_file.h"
#include "io/pnm.h"
#include "siren.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *frames;
    long size, batch;
    double sample_frac;
    fit_options fit;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN f(t, row, column) -> pixel to a video given as numbered image\n"
    "frames (PGM/PPM, or PNG when the build has libpng or stb), named either by a\n"
    "pattern with one %d or %0Nd (frames/%03d.ppm; %3d, which would pad with\n"
    "spaces, is refused): the frames numbered from 0 or 1 up to the first missing\n"
    "number (a note names it when a frame follows the gap); or by a directory: its\n"
    ".pgm/.ppm/.pnm files (and .png with PNG; in either case: .PGM too; names\n"
    "starting with '.', subdirectories and dangling links are skipped), in name\n"
    "order with numbers in numeric order (f2 before f10, f010 = f10). All\n"
    "frames must have one size and one kind (grey or colour).\n"
    "\n"
    "The reference's setup by default: coordinates linspace(-1, 1) on each axis,\n"
    "values scaled to [-1, 1], 5 layers of 1024, omega 30, Adam 1e-4, each step a\n"
    "random sample (with replacement) of --sample-frac of all pixels; --batch, when\n"
    "not 0, overrides --sample-frac (the reference trains 100000 steps).\n"
    "\n"
    "Writes the reconstructed frames PREFIX_0000.png, PREFIX_0001.png, ... (with\n"
    "--format pnm .pgm, .ppm for colour) and the model PREFIX.siren; no output may\n"
    "be an input frame or another output. In the result line, psnr_db is the mean over frames\n"
    "of each frame's PSNR (on [0, 1], as fit_image) and min_frame_psnr_db the\n"
    "worst frame's, the network evaluated at every pixel; the progress line and\n"
    "--log show the PSNR of each step's batch.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same frames,\n"
    "--size, --seed and batch for an exact continuation: the batch of each step\n"
    "depends on the seed and the step number only), and --log is appended to.\n"
    "Ctrl-C stops after the current step and still writes every output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.sample_frac = 38e-4};
    fit_options_default(&o->fit, "out/fit_video");
    o->fit.steps = 1000;
    o->fit.width = 1024;
    o->fit.chunk = 8192;
}

/* ---------------------------------------------------------------- data */

typedef struct video {
    frame_list files;          /* the frames' paths */
    size_t frames, width, height, channels;
    size_t pixels;             /* frames * height * width */
    float *values;             /* [frames][height][width][channels] in [-1, 1] */
    float *t, *rows, *cols;    /* linspace(-1, 1) of each axis */
} video;

static void video_free(video *v)
{
    frames_free(&v->files);
    free(v->values);
    free(v->t);
    free(v->rows);
    free(v->cols);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Checks that frame `index` matches the first; the first sets the size
   and kind and makes room for all. 0, or 1 after an error. */
static int match_first_frame(const options *o, const char *path, size_t index,
                             const pnm_image *img, video *v)
{
    if (index == 0) {
        v->width = img->width;
        v->height = img->height;
        v->channels = img->channels;
        size_t per_frame = img->width * img->height * img->channels;
        if (per_frame > PNM_MAX_SAMPLES / v->frames)
            return fit_error("%s: %zu frame%s of %zux%zu are too many samples "
                             "(%zu at most; --size makes frames smaller)", o->frames,
                             v->frames, plural(v->frames), img->width, img->height,
                             PNM_MAX_SAMPLES);
        if (!(v->values = malloc(v->frames * per_frame * sizeof *v->values)))
            return fit_error("out of memory for %zu frames", v->frames);
        return 0;
    }
    if (img->width != v->width || img->height != v->height)
        return fit_error("%s: %zux%zu, the first frame is %zux%zu", path, img->width,
                         img->height, v->width, v->height);
    if (img->channels != v->channels)
        return fit_error("%s: %s, the first frame is %s", path,
                         v->channels == 1 ? "colour" : "grey",
                         v->channels == 1 ? "grey" : "colour");
    return 0;
}

/* Reads one frame into its place, checking it matches the first. */
static int load_frame(const options *o, const char *path, size_t index, video *v)
{
    char err[256];
    pnm_image img;
    if (training_load_image(path, (size_t)o->size, 0, 0, &img, err, sizeof err))
        return fit_error("%s: %s", path, err);
    int status = match_first_frame(o, path, index, &img, v);
    if (status == 0) {
        size_t per_frame = v->width * v->height * v->channels;
        memcpy(v->values + index * per_frame, img.data, per_frame * sizeof *v->values);
    }
    pnm_free(&img);
    return status;
}

static int load_video(const options *o, video *v)
{
    char err[512];
    memset(v, 0, sizeof *v);
    if (frames_find(o->frames, &v->files, err, sizeof err))
        return fit_error("%s", err);
    const frame_list *list = &v->files;
    if (list->missing) /* the documented end, but perhaps not the one meant */
        fit_note("the frames end at the missing %s: %zu frame%s read, not %s "
                 "and those after it", list->missing, list->count,
                 plural(list->count), list->after_gap);
    v->frames = list->count;
    int status = 0;
    for (size_t i = 0; status == 0 && i < list->count; i++)
        status = load_frame(o, list->paths[i], i, v);
    if (status == 0) {
        v->pixels = v->frames * v->height * v->width;
        v->t = malloc(v->frames * sizeof *v->t);
        v->rows = malloc(v->height * sizeof *v->rows);
        v->cols = malloc(v->width * sizeof *v->cols);
        if (!v->t || !v->rows || !v->cols)
            status = fit_error("out of memory");
    }
    if (status) {
        video_free(v);
        return status;
    }
    image_linspace(v->frames, v->t);
    image_linspace(v->height, v->rows);
    image_linspace(v->width, v->cols);
    return 0;
}

/* The coordinates (t, row, column) of pixel p of the whole video. */
static void pixel_coords(const video *v, size_t p, float *x)
{
    size_t col = p % v->width, row = p / v->width % v->height, frame = p / (v->width * v->height);
    x[0] = v->t[frame];
    x[1] = v->rows[row];
    x[2] = v->cols[col];
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const video *v;
    size_t batch;
    uint64_t seed;
    float *coords, *targets;   /* the batch: [batch][3], [batch][C] */
    fit_mse mse;               /* the loss's workspace and buffers */
} trainer;

static void trainer_free(trainer *t)
{
    fit_mse_free(&t->mse);
    free(t->coords);
    free(t->targets);
}

/* Pixels per step: --batch, or the reference's int(sample_fraction *
   pixels), at least one. */
static size_t batch_size(const options *o, const video *v)
{
    size_t batch = o->batch > 0 ? (size_t)o->batch : (size_t)(o->sample_frac * (double)v->pixels);
    return batch > 0 ? batch : 1;
}

static int trainer_init(trainer *t, const options *o, const video *v, const siren_net *net)
{
    memset(t, 0, sizeof *t);
    t->v = v;
    t->seed = o->fit.seed;
    t->batch = batch_size(o, v);
    if (fit_mse_init(&t->mse, net, t->batch, (size_t)o->fit.chunk, (size_t)o->fit.threads))
        return 1;
    t->coords = malloc(t->batch * 3 * sizeof *t->coords);
    t->targets = malloc(t->batch * v->channels * sizeof *t->targets);
    if (!t->coords || !t->targets)
        return fit_error("out of memory for a batch of %zu", t->batch);
    return 0;
}

/* The batch of `step`: uniform draws with replacement, as torch.randint,
   from a generator seeded by the seed and the step alone (a resumed run
   draws the same batches). */
static void draw_batch(trainer *t, uint64_t step)
{
    const video *v = t->v;
    uint64_t state = t->seed ^ (step * 0xd1b54a32d192ed03u);
    for (size_t i = 0; i < t->batch; i++) {
        size_t p = (size_t)(rng_splitmix64(&state) % v->pixels);
        pixel_coords(v, p, t->coords + 3 * i);
        memcpy(t->targets + i * v->channels, v->values + p * v->channels,
               v->channels * sizeof *t->targets);
    }
}

static int train_step(trainer *t, fit_model *m, uint64_t step, double *loss)
{
    draw_batch(t, step);
    return fit_mse_step(&t->mse, m, t->coords, 3, t->targets, loss, NULL);
}

/* fit_train's step: the batch of `step`, and the PSNR of its loss. */
static int video_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    int status = train_step(ctx, m, step, loss);
    *metric = training_psnr(*loss);
    return status;
}

static int train(const options *o, const video *v, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, v, m->net));
    const fit_options *f = &o->fit;
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "batch PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, video_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- outputs */

/* Evaluates frame f at every pixel into values ([height*width][C]). */
static int evaluate_frame(const video *v, siren_net *net, siren_workspace *ws, size_t chunk,
                          size_t f, float *coords, float *values)
{
    size_t n = v->width * v->height;
    for (size_t first = 0; first < n; first += chunk) {
        size_t count = n - first < chunk ? n - first : chunk;
        for (size_t i = 0; i < count; i++)
            pixel_coords(v, f * n + first + i, coords + 3 * i);
        siren_jet out = {.value = values + first * v->channels};
        int status = siren_eval(net, ws, count, coords, &out);
        if (status != SIREN_OK)
            return status;
    }
    return SIREN_OK;
}

static double mean_squared_error(const float *a, const float *b, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        sum += d * d;
    }
    return sum / (double)n;
}

/* The path of output frame f: PREFIX_0000.pgm (.ppm for colour). */
static char *frame_path(const options *o, const video *v, size_t f)
{
    char *prefix = files_join(o->fit.out, "_");
    const char *ext = image_extension(o->fit.format, v->channels);
    char *path = prefix ? frames_numbered(prefix, f, 4, ext) : NULL;
    free(prefix);
    return path;
}

typedef struct outputs {
    size_t frames;
    char **frame;  /* [frames] */
    char *model;
} outputs;

static void outputs_free(outputs *p)
{
    for (size_t f = 0; p->frame && f < p->frames; f++)
        free(p->frame[f]);
    free(p->frame);
    free(p->model);
}

/* Names the outputs and checks, before any training, that none is an input
   frame or another output and that each can be written (making the
   directories). */
static int plan_outputs(const options *o, const video *v, outputs *p)
{
    size_t n = v->frames;
    p->frames = n;
    p->frame = calloc(n, sizeof *p->frame);
    p->model = fit_model_path(&o->fit);
    const char **all = malloc((n + 2) * sizeof *all);
    bool named = p->frame && p->model && all;
    for (size_t f = 0; named && f < n; f++)
        named = (all[f] = p->frame[f] = frame_path(o, v, f)) != NULL;
    int status = named ? 0 : fit_error("out of memory");
    if (status == 0) {
        all[n] = p->model;
        all[n + 1] = o->fit.log;
        status = fit_check_outputs(all, n + 2, (const char *const *)v->files.paths,
                                   v->files.count, &o->fit.ckpt);
    }
    free(all);
    return status;
}

typedef struct quality {
    double mean_psnr, min_psnr;
} quality;

/* Seconds between the notes on the final evaluation's progress. */
#define EVALUATION_NOTE_SECONDS 10.0

/* After frame f of the final evaluation: a note with the time left, at
   most every EVALUATION_NOTE_SECONDS (a large network takes long). */
static void evaluation_progress(const video *v, size_t f, double start, double *last_note)
{
    double now = progress_clock();
    if (f + 1 == v->frames || now - *last_note < EVALUATION_NOTE_SECONDS)
        return;
    char left[32];
    progress_format_duration((now - start) / (double)(f + 1) * (double)(v->frames - f - 1), left,
                             sizeof left);
    fit_say("%zu of %zu frames written, about %s left", f + 1, v->frames,
            left);
    *last_note = now;
}

/* Evaluates every frame, writes it, and measures its PSNR. */
static int write_frames(const options *o, const video *v, siren_net *net, const outputs *paths,
                        quality *q)
{
    size_t n = v->width * v->height, ch = v->channels;
    size_t chunk = (size_t)o->fit.chunk < n ? (size_t)o->fit.chunk : n;
    float *coords = malloc(chunk * 3 * sizeof *coords), *values = malloc(n * ch * sizeof *values);
    siren_workspace *ws = NULL;
    int status = coords && values ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->fit.threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->fit.threads);
    int failed = status != SIREN_OK ? fit_library_error("evaluating the fit", status) : 0;
    *q = (quality){0, INFINITY};
    if (!failed)
        fit_say("evaluating %zu frame%s of %zux%zu at every pixel and writing them", v->frames,
                plural(v->frames), v->width, v->height);
    double start = progress_clock(), last_note = start;
    for (size_t f = 0; !failed && f < v->frames; f++) {
        status = evaluate_frame(v, net, ws, chunk, f, coords, values);
        if (status != SIREN_OK) {
            failed = fit_library_error("evaluating the fit", status);
            break;
        }
        double psnr = training_psnr(mean_squared_error(values, v->values + f * n * ch, n * ch));
        q->mean_psnr += psnr / (double)v->frames;
        q->min_psnr = psnr < q->min_psnr ? psnr : q->min_psnr;
        char err[256];
        if (training_write_image(paths->frame[f], values, v->width, v->height, ch, err,
                                 sizeof err))
            failed = fit_error("%s: %s", paths->frame[f], err);
        else
            evaluation_progress(v, f, start, &last_note);
    }
    siren_workspace_free(ws);
    free(coords);
    free(values);
    return failed;
}

/* The outputs after training: the model (first: if the disk fills up
   after it, the training is kept), the frames, the result line. */
static int finish(const options *o, const video *v, siren_net *net, const outputs *paths,
                  const fit_run *stats)
{
    quality q;
    if (fit_net_save(net, paths->model) || write_frames(o, v, net, paths, &q))
        return 1;
    if (v->frames == 1)
        printf("wrote 1 frame %s and %s\n", paths->frame[0], paths->model);
    else
        printf("wrote %zu frames %s ... %s and %s\n", v->frames, paths->frame[0],
               paths->frame[v->frames - 1], paths->model);
    printf("result: psnr_db=%.2f min_frame_psnr_db=%.2f steps=%llu seconds=%.1f "
           "seconds_per_step=%.3f batch=%zu frames=%zu width=%zu height=%zu\n",
           q.mean_psnr, q.min_psnr, (unsigned long long)stats->last_step, stats->seconds,
           fit_seconds_per_step(stats), batch_size(o, v), v->frames, v->width, v->height);
    return 0;
}

/* ---------------------------------------------------------------- main */

static int run(const options *o, const arg_spec *spec)
{
    video v;
    int loaded = load_video(o, &v); /* on every rank */
    if (fit_dist_agree(loaded)) {
        if (loaded == 0)
            video_free(&v);
        return 1;
    }
    fit_model m = {0};
    outputs paths = {0, NULL, NULL};
    fit_run stats = {0, 0, 0};
    FILE *log = NULL;
    fit_arch arch = fit_arch_of(&o->fit, 3, (long)v.channels);
    int status = fit_dist_same(v.values, v.pixels * v.channels * sizeof *v.values, o->frames);
    if (status == 0)
        status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, &v, &paths) : 0);
    if (status == 0)
        status = fit_log_open(o->fit.log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        if (o->batch > 0 && args_given(spec, "sample-frac"))
            fit_note("--batch %ld overrides --sample-frac", o->batch);
        fit_say("%s, %zu frame%s of %zux%zu, %zu channel%s; %zu parameters", o->frames, v.frames,
                plural(v.frames), v.width, v.height, v.channels,
                plural(v.channels), siren_net_param_count(m.net));
        status = train(o, &v, &m, log, &stats);
    }
    status = fit_log_close(o->fit.log, log, status);
    if (status == 0 && fit_dist_root())
        status = finish(o, &v, m.net, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    video_free(&v);
    return fit_exit_status(status);
}

static int fit_video_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        ARG_LONG("size", &o.size, 0, 4096, "N",
                 "longer side of the frames (resampled); 0: as read"),
        FIT_STEPS_OPTION(f),
        ARG_DOUBLE("sample-frac", &o.sample_frac, 1e-9, 1.0, "F",
                   "fraction of all pixels drawn per step"),
        ARG_LONG("batch", &o.batch, 0, 1000000000, "N",
                 "pixels drawn per step (overrides --sample-frac if not 0)"),
        FIT_LR_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation and of the samples"),
        FIT_CHUNK_OPTION(f, 1000000000, "points per forward/backward call (memory)"),
        FIT_THREADS_OPTION(f),
        FIT_OUT_OPTION(f),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        FIT_LOG_OPTION(f, "write step,loss,psnr_db,seconds of every step as CSV"),
    };
    arg_spec spec = {"fit_video", "[options] FRAMES_PATTERN|DIRECTORY", DESCRIPTION, table,
                     ARG_COUNT(table), &o.frames, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return fit_options_check(&o.fit) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, fit_video_main); /* on every rank under mpirun */
}
