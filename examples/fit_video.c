/* fit_video.c - fits a SIREN f(t, row, column) to a sequence of frames:
   the video experiment of the SIREN paper (Sitzmann et al. 2020,
   supplement section 7; the reference's train_video.py).

   The reference's setup is the default: every coordinate linspace(-1, 1)
   over its axis (frames, rows, columns), pixel values scaled to [-1, 1],
   5 linear layers of 1024 (3 hidden), omega 30, Adam 1e-4, and each step
   a random sample of 0.38% of all the video's pixels, drawn with
   replacement (torch.randint), mean squared error. One step:

       draw the batch (seeded by --seed and the step number)
       zero the gradients
       for each chunk of the batch:
           y = siren_forward(chunk)             value only
           adjoint = 2 (y - v) / (B C)
           siren_backward(adjoint)
       siren_adam_step

   The quality reported is the mean over frames of each frame's PSNR
   (10 log10(4 / mse) on [-1, 1], i.e. on [0, 1] as fit_image), with the
   network evaluated at every pixel.

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one. The
   batch of step k depends on --seed and k alone, so a resumed run draws
   the batches the uninterrupted run would have: it is that run, bit for
   bit. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "fitting.h"
#include "frames.h"
#include "image.h"
#include "pnm.h"
#include "progress.h"
#include "rng.h"
#include "siren.h"
#include "training.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "fit_video"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *frames, *out, *save, *log;
    long size, steps, width, depth, batch, chunk, threads;
    double lr, first_omega, hidden_omega, sample_frac;
    uint64_t seed;
    fit_resume_options ckpt;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN f(t, row, column) -> pixel to a video given as numbered PGM/PPM\n"
    "frames, named either by a pattern with one %d or %0Nd (frames/%03d.ppm; %3d,\n"
    "which would pad with spaces, is refused): the frames numbered from 0 or 1 up\n"
    "to the first missing number (a note names it when a frame follows the gap);\n"
    "or by a directory: its .pgm/.ppm/.pnm files (in either case: .PGM too; names\n"
    "starting with '.', subdirectories and dangling links are skipped), in name\n"
    "order with numbers in numeric order (f2 before f10, f010 = f10). All\n"
    "frames must have one size and one kind (grey or colour).\n"
    "\n"
    "The reference's setup by default: coordinates linspace(-1, 1) on each axis,\n"
    "values scaled to [-1, 1], 5 layers of 1024, omega 30, Adam 1e-4, each step a\n"
    "random sample (with replacement) of --sample-frac of all pixels; --batch, when\n"
    "not 0, overrides --sample-frac (the reference trains 100000 steps).\n"
    "\n"
    "Writes the reconstructed frames PREFIX_0000.pgm (.ppm for colour),\n"
    "PREFIX_0001.pgm, ... and the model PREFIX.siren; no output may be an input\n"
    "frame or another output. In the result line, psnr_db is the mean over frames\n"
    "of each frame's PSNR (on [0, 1], as fit_image) and min_frame_psnr_db the\n"
    "worst frame's, the network evaluated at every pixel; the progress line and\n"
    "--log show the PSNR of each step's batch.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same frames,\n"
    "--size, --seed and batch for an exact continuation: the batch of each step\n"
    "depends on the seed and the step number only), and --log is appended to.\n"
    "Ctrl-C stops after the current step and still writes every output.";

enum { OPTION_COUNT = 19 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[1];
    arg_spec spec;
} command_line;

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.out = "out/fit_video", .steps = 1000, .width = 1024,
                   .depth = cfg.hidden_layers, .chunk = 8192, .lr = adam.lr,
                   .first_omega = cfg.first_omega, .hidden_omega = cfg.hidden_omega,
                   .sample_frac = 38e-4};
}

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_LONG("size", &o->size, 0, 4096, "N",
                 "longer side of the frames (resampled); 0: as read"),
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_DOUBLE("sample-frac", &o->sample_frac, 1e-9, 1.0, "F",
                   "fraction of all pixels drawn per step"),
        ARG_LONG("batch", &o->batch, 0, 1000000000, "N",
                 "pixels drawn per step (overrides --sample-frac if not 0)"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation and of the samples"),
        ARG_LONG("chunk", &o->chunk, 1, 1000000000, "N",
                 "points per forward/backward call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
        ARG_STRING("save", &o->save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("log", &o->log, "FILE",
                   "write step,loss,psnr_db,seconds of every step as CSV"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] FRAMES_PATTERN|DIRECTORY", DESCRIPTION,
                          cl->table, OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->frames = cl->positional[0];
    return -1;
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
            return args_error(PROGRAM, "%s: %zu frame%s of %zux%zu are too many samples "
                              "(%zu at most; --size makes frames smaller)", o->frames,
                              v->frames, plural(v->frames), img->width, img->height,
                              PNM_MAX_SAMPLES);
        if (!(v->values = malloc(v->frames * per_frame * sizeof *v->values)))
            return args_error(PROGRAM, "out of memory for %zu frames", v->frames);
        return 0;
    }
    if (img->width != v->width || img->height != v->height)
        return args_error(PROGRAM, "%s: %zux%zu, the first frame is %zux%zu", path, img->width,
                          img->height, v->width, v->height);
    if (img->channels != v->channels)
        return args_error(PROGRAM, "%s: %s, the first frame is %s", path,
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
        return args_error(PROGRAM, "%s: %s", path, err);
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
        return args_error(PROGRAM, "%s", err);
    const frame_list *list = &v->files;
    if (list->missing) /* the documented end, but perhaps not the one meant */
        fprintf(stderr, "%s: note: the frames end at the missing %s: %zu frame%s read, not %s "
                "and those after it\n", PROGRAM, list->missing, list->count,
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
            status = args_error(PROGRAM, "out of memory");
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
    size_t batch, chunk;
    uint64_t seed;
    siren_workspace *ws;
    float *coords, *targets;   /* the batch: [batch][3], [batch][C] */
    float *values, *adjoint;   /* [chunk][C] */
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->coords);
    free(t->targets);
    free(t->values);
    free(t->adjoint);
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
    size_t ch = v->channels;
    memset(t, 0, sizeof *t);
    t->v = v;
    t->seed = o->seed;
    t->batch = batch_size(o, v);
    t->chunk = (size_t)o->chunk < t->batch ? (size_t)o->chunk : t->batch;
    if (fit_training_workspace(PROGRAM, net, t->chunk, SIREN_VALUE, o->threads, &t->ws))
        return 1;
    t->coords = malloc(t->batch * 3 * sizeof *t->coords);
    t->targets = malloc(t->batch * ch * sizeof *t->targets);
    t->values = malloc(t->chunk * ch * sizeof *t->values);
    t->adjoint = malloc(t->chunk * ch * sizeof *t->adjoint);
    if (!t->coords || !t->targets || !t->values || !t->adjoint)
        return args_error(PROGRAM, "out of memory for a batch of %zu", t->batch);
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
    size_t ch = t->v->channels;
    draw_batch(t, step);
    float scale = (float)(2.0 / ((double)t->batch * (double)ch));
    double sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < t->batch; first += t->chunk) {
        size_t n = t->batch - first < t->chunk ? t->batch - first : t->chunk;
        siren_jet out = {.value = t->values}, adj = {.value = t->adjoint};
        int status = siren_forward(m->net, t->ws, n, t->coords + 3 * first, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
            float diff = t->values[i] - t->targets[first * ch + i];
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
    int status = trainer_init(&t, o, v, m->net);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "batch PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, video_step, &t, run);
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
    char *prefix = files_join(o->out, "_");
    char *path = prefix ? frames_numbered(prefix, f, 4, v->channels == 3 ? ".ppm" : ".pgm")
                        : NULL;
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
    p->model = o->save ? files_join(o->save, "") : files_join(o->out, ".siren");
    const char **all = malloc((n + 2) * sizeof *all);
    bool named = p->frame && p->model && all;
    for (size_t f = 0; named && f < n; f++)
        named = (all[f] = p->frame[f] = frame_path(o, v, f)) != NULL;
    int status = named ? 0 : args_error(PROGRAM, "out of memory");
    if (status == 0) {
        all[n] = p->model;
        all[n + 1] = o->log;
        status = fit_check_outputs(PROGRAM, all, n + 2, (const char *const *)v->files.paths,
                                   v->files.count, &o->ckpt);
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
    fprintf(stderr, "%s: %zu of %zu frames written, about %s left\n", PROGRAM, f + 1, v->frames,
            left);
    *last_note = now;
}

/* Evaluates every frame, writes it, and measures its PSNR. */
static int write_frames(const options *o, const video *v, siren_net *net, const outputs *paths,
                        quality *q)
{
    size_t n = v->width * v->height, ch = v->channels;
    size_t chunk = (size_t)o->chunk < n ? (size_t)o->chunk : n;
    float *coords = malloc(chunk * 3 * sizeof *coords), *values = malloc(n * ch * sizeof *values);
    siren_workspace *ws = NULL;
    int status = coords && values ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
    int failed = status != SIREN_OK ? fit_library_error(PROGRAM, "evaluating the fit", status) : 0;
    *q = (quality){0, INFINITY};
    if (!failed)
        fprintf(stderr, "%s: evaluating %zu frame%s of %zux%zu at every pixel and writing them\n",
                PROGRAM, v->frames, plural(v->frames), v->width, v->height);
    double start = progress_clock(), last_note = start;
    for (size_t f = 0; !failed && f < v->frames; f++) {
        status = evaluate_frame(v, net, ws, chunk, f, coords, values);
        if (status != SIREN_OK) {
            failed = fit_library_error(PROGRAM, "evaluating the fit", status);
            break;
        }
        double psnr = training_psnr(mean_squared_error(values, v->values + f * n * ch, n * ch));
        q->mean_psnr += psnr / (double)v->frames;
        q->min_psnr = psnr < q->min_psnr ? psnr : q->min_psnr;
        char err[256];
        if (training_write_image(paths->frame[f], values, v->width, v->height, ch, err,
                                 sizeof err))
            failed = args_error(PROGRAM, "%s: %s", paths->frame[f], err);
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
    if (fit_net_save(PROGRAM, net, paths->model) || write_frames(o, v, net, paths, &q))
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
    if (load_video(o, &v))
        return 1;
    fit_model m = {0};
    outputs paths = {0, NULL, NULL};
    fit_run stats = {0, 0, 0};
    FILE *log = NULL;
    fit_arch arch = {3, (long)v.channels, o->width, o->depth, o->first_omega,
                     o->hidden_omega, o->lr, 0, o->seed};
    int status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = plan_outputs(o, &v, &paths);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        if (o->batch > 0 && args_given(spec, "sample-frac"))
            fprintf(stderr, "%s: note: --batch %ld overrides --sample-frac\n", PROGRAM, o->batch);
        fprintf(stderr, "%s: %s, %zu frame%s of %zux%zu, %zu channel%s; %zu parameters\n",
                PROGRAM, o->frames, v.frames, plural(v.frames), v.width, v.height, v.channels,
                plural(v.channels), siren_net_param_count(m.net));
        status = train(o, &v, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->log, log, status);
    if (status == 0)
        status = finish(o, &v, m.net, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    video_free(&v);
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
