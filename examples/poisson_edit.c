/* poisson_edit.c - seamless image composition by fitting a SIREN to a
   blend of two images' gradient fields: the Poisson image editing
   experiment of the SIREN paper (Sitzmann et al. 2020, section 4.1 and
   supplement section 3; the reference's train_poisson_gradcomp_img.py,
   after Perez, Gangnet and Blake, "Poisson image editing", 2003).

   With G1, G2 the per-pixel Sobel gradients of the background and the
   source (stencil.h) and m a per-pixel weight (1 inside a pasted
   rectangle or where a mask image is white, else 0), the target field is

       G = (1 - alpha m) G1 + alpha m G2

   and the network u(row, column) minimises, over every pixel,

       L = 1/(B C) sum |s * grad u - G|^2,   s_k = 2/(N_k - 1)

   with adjoint 2 s_k (s_k u_k - G_k) / (B C) of its gradient output (as in
   examples/poisson.c). The source's edges arrive in the background without
   its absolute brightness: the composite has no seam. Without --region or
   --mask, m is 1 everywhere and alpha 0.5: the reference's experiment, the
   average of the two fields. The composite is known up to a constant per
   channel, fitted by least squares to the background where alpha m is 0
   (or, where that is fewer than 2 pixels, to the pixel-wise blend over
   every pixel). A PSNR is reported only over a set of 2 pixels or more: a
   constant fitted to one pixel matches it exactly, whatever the
   composite.

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one; as
   every step sees every pixel, a resumed run is bit for bit the run it
   continues (and --log appends to its log). The outputs are checked
   before any work (fit_check_outputs): none may overwrite an image, the
   mask or another output. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "fitting.h"
#include "image.h"
#include "pnm.h"
#include "render.h"
#include "siren.h"
#include "stencil.h"
#include "training.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "poisson_edit"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *background, *source, *region, *mask, *out, *save, *log;
    long size, steps, width, depth, chunk, threads;
    double lr, first_omega, hidden_omega, alpha;
    uint64_t seed;
    fit_resume_options ckpt;
    long rect[4]; /* from region: x, y, w, h */
} options;

static const char DESCRIPTION[] =
    "Composes SOURCE into BACKGROUND (PGM/PPM) seamlessly: fits a SIREN f(row,\n"
    "column) whose gradient matches G = (1 - alpha m) G1 + alpha m G2, with G1, G2\n"
    "the images' Sobel gradients per pixel (as in poisson) and m the region: 1\n"
    "inside --region, or the --mask image (white 1, black 0, grey in between),\n"
    "else 0. BACKGROUND is resized to --size on its longer side; SOURCE and the\n"
    "mask are resized to the same width and height (place the source on a canvas\n"
    "of the background's shape first). The region must lie inside the resized\n"
    "background: one that reaches beyond it is refused, not clipped. Grey and\n"
    "colour images mix (grey is repeated in three channels).\n"
    "\n"
    "Without --region or --mask, m is 1 everywhere and alpha 0.5, the reference's\n"
    "experiment (the average of both fields). The composite is known up to a\n"
    "constant per channel, fitted by least squares to the background where\n"
    "alpha m = 0 (there the field is the background's: with --alpha 0, every\n"
    "pixel); where that is fewer than 2 pixels (no --region or --mask, a region\n"
    "covering the image, a mask with at most one black pixel), to the pixel blend\n"
    "(1 - alpha m) BACKGROUND + alpha m SOURCE over every pixel instead.\n"
    "\n"
    "Writes PREFIX_composite.pgm (.ppm for colour), PREFIX_naive.pgm (that pixel\n"
    "blend, with its seams), PREFIX_grad.pgm (the network's gradient magnitude),\n"
    "PREFIX_target_grad.pgm (the field's) and the model PREFIX.siren. The result\n"
    "line reports (PSNR on [0, 1] values, as fit_image; none over a single pixel,\n"
    "where a fitted constant leaves no error to measure):\n"
    "  psnr_outside_db  when alpha m is 0 at 2 pixels or more: the composite\n"
    "                   against the background there;\n"
    "  psnr_blend_db    instead when alpha m is 0 at fewer than 2 pixels: the\n"
    "                   composite against the pixel blend, over every pixel;\n"
    "  psnr_inside_db   when alpha is above 0 and m is 1 at 2 pixels or more, but\n"
    "                   not everywhere: the composite against the source plus its\n"
    "                   best constant where m = 1 (with alpha 0 the source has no\n"
    "                   weight: the composite follows the background there too);\n"
    "  grad_rmse        always: the RMS error of the network's gradient per pixel\n"
    "                   against the field, on [-1, 1] values;\n"
    "  naive_grad_rmse  when alpha m differs between pixels: the same for the\n"
    "                   pixel blend's Sobel gradients, its seams (where alpha m is\n"
    "                   the same everywhere, the blend's gradients are the field).\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same images,\n"
    "--size, --region or --mask, and --alpha for an exact continuation), and\n"
    "--log appends to the log of the run it continues. No output may be an input\n"
    "or another output. Ctrl-C stops after the current step and still writes every\n"
    "output.";

enum { OPTION_COUNT = 19 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[2];
    arg_spec spec;
} command_line;

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.out = "out/poisson_edit", .size = 256, .steps = 500,
                   .width = cfg.hidden_features, .depth = cfg.hidden_layers, .chunk = 8192,
                   .lr = adam.lr, .first_omega = cfg.first_omega,
                   .hidden_omega = cfg.hidden_omega, .alpha = NAN};
}

/* "X,Y,W,H" in pixels of the resized background, W and H positive. */
static bool parse_region(const char *text, long rect[4])
{
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        rect[i] = strtol(p, &end, 10);
        if (rect[i] < 0 || rect[i] > 100000 || (i < 3 && *end != ',') || (i == 3 && *end))
            return false;
        p = end + 1;
    }
    return rect[2] > 0 && rect[3] > 0;
}

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_STRING("region", &o->region, "X,Y,W,H",
                   "paste the source's gradients in this rectangle (pixels of the\n"
                   "resized background: column, row, width, height)"),
        ARG_STRING("mask", &o->mask, "MASK.pgm", "per-pixel weight m of the source"),
        ARG_DOUBLE("alpha", &o->alpha, 0, 1, "A",
                   "weight of the source where m = 1, 0 to 1\n"
                   "[1 with --region or --mask, 0.5 without]"),
        ARG_LONG("size", &o->size, 0, 4096, "N", "longer side of the composite; 0: as read"),
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation"),
        ARG_LONG("chunk", &o->chunk, 1, 1000000000, "N",
                 "points per forward/backward call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
        ARG_STRING("save", &o->save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("log", &o->log, "FILE",
                   "write step,loss,field_rmse_x1000,seconds of every step as CSV\n"
                   "(the field's RMS error before the step, times 1000)"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] BACKGROUND SOURCE", DESCRIPTION, cl->table,
                          OPTION_COUNT, cl->positional, 2, 2, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->background = cl->positional[0];
    o->source = cl->positional[1];
    if (o->region && o->mask)
        return args_error(PROGRAM, "--region and --mask: give one of them");
    if (o->region && !parse_region(o->region, o->rect))
        return args_error(PROGRAM, "--region: expected X,Y,W,H (W and H positive), got '%s'",
                          o->region);
    if (isnan(o->alpha)) /* unset */
        o->alpha = o->region || o->mask ? 1.0 : 0.5;
    return -1;
}

/* ---------------------------------------------------------------- data */

typedef struct scene {
    size_t width, height, channels, count;
    float *background, *source;  /* [count][C] in [-1, 1] */
    float *weight;               /* [count]: m */
    float *field;                /* [count][C][2]: the target gradients per pixel */
    float *coords;               /* [count][2] */
    float step[2];               /* pixel step of (row, column) */
} scene;

static void scene_free(scene *s)
{
    free(s->background);
    free(s->source);
    free(s->weight);
    free(s->field);
    free(s->coords);
}

/* Grey to three channels, in place of img->data (a no-op for colour). */
static int to_colour(pnm_image *img)
{
    if (img->channels == 3)
        return 0;
    size_t n = img->width * img->height;
    float *rgb = malloc(n * 3 * sizeof *rgb);
    if (!rgb)
        return -1;
    for (size_t i = 0; i < 3 * n; i++)
        rgb[i] = img->data[i / 3];
    free(img->data);
    img->data = rgb;
    img->channels = 3;
    return 0;
}

static int load_images(const options *o, scene *s)
{
    char err[256];
    pnm_image bg, src;
    if (training_load_image(o->background, (size_t)o->size, 0, 0, &bg, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->background, err);
    if (training_load_image(o->source, 0, bg.width, bg.height, &src, err, sizeof err)) {
        pnm_free(&bg);
        return args_error(PROGRAM, "%s: %s", o->source, err);
    }
    if (bg.channels != src.channels && (to_colour(&bg) || to_colour(&src))) {
        pnm_free(&bg);
        pnm_free(&src);
        return args_error(PROGRAM, "out of memory");
    }
    s->width = bg.width;
    s->height = bg.height;
    s->channels = bg.channels;
    s->count = bg.width * bg.height;
    s->background = bg.data;
    s->source = src.data;
    return 0;
}

/* m: the rectangle, the mask image (its luma), or 1 everywhere. A region
   must lie inside the image: one that reaches beyond it was most likely
   measured on another size, and clipping it would paste a different
   rectangle than the one asked for. */
static int make_weight(const options *o, scene *s)
{
    if (o->region && (o->rect[0] + o->rect[2] > (long)s->width ||
                      o->rect[1] + o->rect[3] > (long)s->height))
        return args_error(PROGRAM,
                          "--region %s does not lie inside the %zux%zu image (X + W at most "
                          "%zu, Y + H at most %zu)",
                          o->region, s->width, s->height, s->width, s->height);
    s->weight = malloc(s->count * sizeof *s->weight);
    if (!s->weight)
        return args_error(PROGRAM, "out of memory");
    for (size_t p = 0; p < s->count; p++) {
        size_t r = p / s->width, c = p % s->width;
        s->weight[p] = !o->region || ((long)c >= o->rect[0] && (long)c < o->rect[0] + o->rect[2] &&
                                      (long)r >= o->rect[1] && (long)r < o->rect[1] + o->rect[3]);
    }
    if (!o->mask)
        return 0;
    char err[256];
    pnm_image mask;
    if (training_load_image(o->mask, 0, s->width, s->height, &mask, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->mask, err);
    for (size_t p = 0; p < s->count; p++) {
        const float *v = mask.data + p * mask.channels;
        float grey = mask.channels == 3 ? 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2] : v[0];
        float m = 0.5f * (grey + 1.0f); /* back from [-1, 1] to [0, 1] */
        /* Resampling leaves tiny non-zero values around black: snap them. */
        s->weight[p] = m < 1e-3f ? 0.0f : m > 1.0f - 1e-3f ? 1.0f : m;
    }
    pnm_free(&mask);
    return 0;
}

static float pixel_step(size_t n)
{
    return n > 1 ? 2.0f / (float)(n - 1) : 0.0f;
}

static int load_scene(const options *o, scene *s)
{
    memset(s, 0, sizeof *s);
    int status = load_images(o, s);
    if (status == 0 && (s->width < 3 || s->height < 3))
        status = args_error(PROGRAM, "%s: %zux%zu is too small (3x3 at least)", o->background,
                            s->width, s->height);
    if (status == 0)
        status = make_weight(o, s);
    size_t n = s->count * s->channels * 2;
    float *g2 = status ? NULL : malloc(n * sizeof *g2);
    if (status == 0) {
        s->field = malloc(n * sizeof *s->field);
        s->coords = image_grid(s->width, s->height);
        if (!g2 || !s->field || !s->coords)
            status = args_error(PROGRAM, "out of memory");
    }
    if (status == 0) {
        stencil_sobel_gradient(s->background, s->width, s->height, s->channels, s->field);
        stencil_sobel_gradient(s->source, s->width, s->height, s->channels, g2);
        for (size_t i = 0; i < n; i++) {
            float a = (float)o->alpha * s->weight[i / (2 * s->channels)];
            s->field[i] = (1.0f - a) * s->field[i] + a * g2[i];
        }
        s->step[0] = pixel_step(s->height);
        s->step[1] = pixel_step(s->width);
    }
    free(g2);
    if (status)
        scene_free(s);
    return status;
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const scene *s;
    size_t chunk;
    siren_workspace *ws;
    float *grad, *adjoint; /* [chunk][C][2] */
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->grad);
    free(t->adjoint);
}

static int trainer_init(trainer *t, const options *o, const scene *s, const siren_net *net)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->chunk = (size_t)o->chunk < s->count ? (size_t)o->chunk : s->count;
    int status = siren_workspace_create(net, t->chunk, SIREN_GRADIENT, &t->ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(t->ws, (size_t)o->threads);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "cannot create the training workspace", status);
    t->grad = malloc(t->chunk * s->channels * 2 * sizeof *t->grad);
    t->adjoint = malloc(t->chunk * s->channels * 2 * sizeof *t->adjoint);
    if (!t->grad || !t->adjoint)
        return args_error(PROGRAM, "out of memory for the training buffers");
    return 0;
}

/* One Adam step on every pixel; *loss is the mean squared field error
   (summed over the two axes) before it. */
static int train_step(trainer *t, fit_model *m, double *loss)
{
    const scene *s = t->s;
    size_t per_point = s->channels * 2;
    double scale = 2.0 / ((double)s->count * (double)s->channels), sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < s->count; first += t->chunk) {
        size_t n = s->count - first < t->chunk ? s->count - first : t->chunk;
        siren_jet out = {.gradient = t->grad}, adj = {.gradient = t->adjoint};
        int status = siren_forward(m->net, t->ws, n, s->coords + 2 * first, &out);
        const float *target = s->field + first * per_point;
        for (size_t i = 0; status == SIREN_OK && i < n * per_point; i++) {
            float step = s->step[i % 2]; /* i % 2: the axis */
            float diff = step * t->grad[i] - target[i];
            sum += (double)diff * diff;
            t->adjoint[i] = (float)(scale * step * diff);
        }
        if (status == SIREN_OK)
            status = siren_backward(m->net, t->ws, &adj);
        if (status != SIREN_OK)
            return fit_library_error(PROGRAM, "training step", status);
    }
    int status = fit_adam_step(PROGRAM, m->net, m->opt);
    if (status)
        return status;
    *loss = sum / ((double)s->count * (double)s->channels);
    return 0;
}

/* fit_train's step: every pixel (whatever the step); the progress line
   (and the log) show the RMS field error per axis, times 1000. */
static int edit_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    int status = train_step(ctx, m, loss);
    *metric = 1000.0 * sqrt(*loss / 2.0);
    return status;
}

static int train(const options *o, const scene *s, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = trainer_init(&t, o, s, m->net);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "field RMSE", "x 1e-3", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, edit_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- outputs */

enum { OUT_COMPOSITE, OUT_NAIVE, OUT_GRAD, OUT_TARGET_GRAD, OUT_MODEL, OUT_COUNT };

typedef struct outputs {
    char *path[OUT_COUNT];
} outputs;

static void outputs_free(outputs *p)
{
    for (int i = 0; i < OUT_COUNT; i++)
        free(p->path[i]);
}

/* Names the outputs and checks, before any work, that none is an input
   (the images, the mask) or another output, and that each can be written
   (making the directories). The checkpoint may replace the one the run
   resumes from (a run continued in place); no other output may. */
static int plan_outputs(const options *o, size_t channels, outputs *p)
{
    const char *ext = channels == 3 ? ".ppm" : ".pgm";
    char composite[32], naive[32];
    snprintf(composite, sizeof composite, "_composite%s", ext);
    snprintf(naive, sizeof naive, "_naive%s", ext);
    const char *suffix[OUT_COUNT] = {composite, naive, "_grad.pgm", "_target_grad.pgm",
                                     ".siren"};
    for (int i = 0; i < OUT_COUNT; i++) {
        p->path[i] = i == OUT_MODEL && o->save ? files_join(o->save, "")
                                               : files_join(o->out, suffix[i]);
        if (!p->path[i])
            return args_error(PROGRAM, "out of memory");
    }
    const char *all[OUT_COUNT + 1] = {[OUT_COUNT] = o->log};
    memcpy(all, p->path, sizeof p->path);
    const char *inputs[3] = {o->background, o->source, o->mask};
    return fit_check_outputs(PROGRAM, all, OUT_COUNT + 1, inputs, 3, &o->ckpt);
}

/* What the result line reports; which keys appear depends on m (the
   DESCRIPTION lists them). */
typedef struct quality {
    bool outside;        /* alpha m is 0 at 2 pixels or more: psnr_outside_db, else
                            psnr_blend_db */
    bool inside;         /* alpha > 0, m is 1 at 2 pixels or more, not everywhere:
                            psnr_inside_db */
    bool seams;          /* alpha m differs between pixels: naive_grad_rmse */
    double psnr_aligned; /* against the background where alpha m = 0, else the blend */
    double psnr_inside, grad_rmse, naive_grad_rmse;
} quality;

/* The fewest pixels a PSNR is measured on. Each is measured after fitting
   a constant per channel to the same pixels: on one pixel the fit leaves
   no error at all (inf, or rounding noise), whatever the composite. */
#define PSNR_MIN_PIXELS 2

/* Where the composite should follow the background: where the source has
   no weight, alpha m = 0 (every pixel with alpha 0). */
static bool background_only(const options *o, const scene *s, size_t p)
{
    return (float)o->alpha * s->weight[p] == 0.0f;
}

/* Which keys apply to the scene. Where alpha m is the same at every pixel
   the pixel blend's Sobel gradients are the target field (the stencil is
   linear): its error would be 0 up to rounding, with no seam to show.
   With alpha 0 the source has no weight anywhere: nothing is inside. */
static void quality_keys(const options *o, const scene *s, quality *q)
{
    size_t zeros = 0, ones = 0;
    float first = (float)o->alpha * s->weight[0];
    q->seams = false;
    for (size_t p = 0; p < s->count; p++) {
        zeros += background_only(o, s, p);
        q->seams = q->seams || (float)o->alpha * s->weight[p] != first;
        ones += s->weight[p] == 1.0f;
    }
    q->outside = zeros >= PSNR_MIN_PIXELS;
    q->inside = o->alpha > 0 && ones >= PSNR_MIN_PIXELS && ones < s->count;
}

/* The pixel-wise blend (1 - alpha m) background + alpha m source. */
static void naive_blend(const options *o, const scene *s, float *out)
{
    for (size_t i = 0; i < s->count * s->channels; i++) {
        float a = (float)o->alpha * s->weight[i / s->channels];
        out[i] = (1.0f - a) * s->background[i] + a * s->source[i];
    }
}

/* Aligns the composite (r->values) by a constant per channel, to the
   background where alpha m = 0 or, when that is fewer than
   PSNR_MIN_PIXELS pixels, to the pixel blend (naive) over every pixel,
   and measures it (q's keys from quality_keys). weights: scratch of
   s->count floats. Returns 0, or 1 after an error. */
static int align_and_measure(const options *o, const scene *s, const rendering *r,
                             const float *naive, float *weights, quality *q)
{
    size_t n = s->count, ch = s->channels;
    if (q->outside) {
        for (size_t p = 0; p < n; p++)
            weights[p] = background_only(o, s, p);
        stencil_align(r->values, s->background, weights, s->width, s->height, ch, 1);
        q->psnr_aligned = training_psnr(stencil_mse(r->values, s->background, weights, n, ch));
    } else {
        stencil_align(r->values, naive, NULL, s->width, s->height, ch, 1);
        q->psnr_aligned = training_psnr(stencil_mse(r->values, naive, NULL, n, ch));
    }
    if (!q->inside)
        return 0;
    /* Inside: the source up to its own constant. */
    float *shifted = malloc(n * ch * sizeof *shifted);
    if (!shifted)
        return args_error(PROGRAM, "out of memory");
    for (size_t p = 0; p < n; p++)
        weights[p] = s->weight[p] == 1.0f;
    memcpy(shifted, s->source, n * ch * sizeof *shifted);
    stencil_align(shifted, r->values, weights, s->width, s->height, ch, 1);
    q->psnr_inside = training_psnr(stencil_mse(r->values, shifted, weights, n, ch));
    free(shifted);
    return 0;
}

/* RMS over pixels, channels and axes of the network's gradient per pixel
   against the target field. */
static int field_error(const options *o, const scene *s, const siren_net *net, double *rmse)
{
    size_t ch = s->channels, chunk = (size_t)o->chunk < s->count ? (size_t)o->chunk : s->count;
    float *grad = malloc(chunk * ch * 2 * sizeof *grad);
    siren_workspace *ws = NULL;
    int status = grad ? siren_workspace_create(net, chunk, SIREN_GRADIENT | SIREN_EVAL_ONLY, &ws)
                      : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
    double sum = 0;
    for (size_t first = 0; status == SIREN_OK && first < s->count; first += chunk) {
        size_t n = s->count - first < chunk ? s->count - first : chunk;
        siren_jet out = {.gradient = grad};
        status = siren_eval(net, ws, n, s->coords + 2 * first, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch * 2; i++) {
            double d = (double)s->step[i % 2] * grad[i] - s->field[first * ch * 2 + i];
            sum += d * d;
        }
    }
    *rmse = sqrt(sum / ((double)s->count * (double)ch * 2.0));
    siren_workspace_free(ws);
    free(grad);
    return status == SIREN_OK ? 0 : fit_library_error(PROGRAM, "evaluating the field", status);
}

/* RMS error against the target field of the naive blend's own Sobel
   gradients: its seams, where the composite has none. -1 when out of
   memory. */
static double naive_field_error(const scene *s, const float *naive)
{
    size_t n = s->count * s->channels * 2;
    float *grad = malloc(n * sizeof *grad);
    if (!grad)
        return -1;
    stencil_sobel_gradient(naive, s->width, s->height, s->channels, grad);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)grad[i] - s->field[i];
        sum += d * d;
    }
    free(grad);
    return sqrt(sum / (double)n);
}

/* The target field's magnitude per pixel (RMS over channels). */
static void field_magnitude(const scene *s, float *mag)
{
    for (size_t p = 0; p < s->count; p++) {
        float squares = 0;
        for (size_t i = 0; i < s->channels * 2; i++) {
            float g = s->field[p * s->channels * 2 + i];
            squares += g * g;
        }
        mag[p] = sqrtf(squares / (float)s->channels);
    }
}

/* Renders the network, measures the composite (q) and writes every
   output. */
static int write_outputs(const options *o, const scene *s, const outputs *paths,
                         const siren_net *net, quality *q)
{
    rendering r = {0};
    int status = render_field(net, s->width, s->height, (size_t)o->chunk, (size_t)o->threads,
                              &r);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "rendering", status);
    float *naive = malloc(s->count * s->channels * sizeof *naive);
    float *scratch = malloc(s->count * sizeof *scratch);
    char err[512];
    int failed = naive && scratch ? 0 : args_error(PROGRAM, "out of memory");
    if (!failed) {
        naive_blend(o, s, naive);
        quality_keys(o, s, q);
        if (q->seams && (q->naive_grad_rmse = naive_field_error(s, naive)) < 0)
            failed = args_error(PROGRAM, "out of memory");
    }
    if (!failed)
        failed = align_and_measure(o, s, &r, naive, scratch, q);
    if (!failed) {
        field_magnitude(s, scratch);
        if (training_write_image(paths->path[OUT_COMPOSITE], r.values, s->width, s->height,
                                 s->channels, err, sizeof err) ||
            training_write_image(paths->path[OUT_NAIVE], naive, s->width, s->height,
                                 s->channels, err, sizeof err) ||
            render_write_display(paths->path[OUT_GRAD], s->width, s->height, r.grad_norm,
                                 false, err, sizeof err) ||
            render_write_display(paths->path[OUT_TARGET_GRAD], s->width, s->height, scratch,
                                 false, err, sizeof err))
            failed = args_error(PROGRAM, "writing the images: %s", err);
    }
    if (!failed && (status = siren_net_save(net, paths->path[OUT_MODEL])) != SIREN_OK)
        failed = args_error(PROGRAM, "%s: cannot save the model: %s", paths->path[OUT_MODEL],
                            siren_status_string(status));
    if (!failed)
        failed = field_error(o, s, net, &q->grad_rmse);
    if (!failed)
        printf("wrote %s, %s, %s, %s and %s\n", paths->path[OUT_COMPOSITE],
               paths->path[OUT_NAIVE], paths->path[OUT_GRAD], paths->path[OUT_TARGET_GRAD],
               paths->path[OUT_MODEL]);
    free(naive);
    free(scratch);
    rendering_free(&r);
    return failed;
}

/* The result line: only the keys that mean something for this m. */
static void print_result(const quality *q, const fit_run *stats, const scene *s)
{
    printf("result: %s=%.2f", q->outside ? "psnr_outside_db" : "psnr_blend_db",
           q->psnr_aligned);
    if (q->inside)
        printf(" psnr_inside_db=%.2f", q->psnr_inside);
    printf(" grad_rmse=%.5f", q->grad_rmse);
    if (q->seams)
        printf(" naive_grad_rmse=%.5f", q->naive_grad_rmse);
    printf(" steps=%llu seconds=%.1f seconds_per_step=%.3f width=%zu height=%zu\n",
           (unsigned long long)stats->last_step, stats->seconds, fit_seconds_per_step(stats),
           s->width, s->height);
}

/* ---------------------------------------------------------------- main */

static int run(const options *o, const arg_spec *spec)
{
    scene s;
    if (load_scene(o, &s))
        return 1;
    fit_model m = {0};
    outputs paths = {{0}};
    fit_run stats = {0, 0, 0};
    quality q = {0};
    FILE *log = NULL;
    fit_arch arch = {2, (long)s.channels, o->width, o->depth, o->first_omega,
                     o->hidden_omega, o->lr, 0, o->seed};
    int status = plan_outputs(o, s.channels, &paths); /* before any training */
    if (status == 0)
        status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->log, "field_rmse_x1000",
                              siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fprintf(stderr, "%s: %s + %s, %zux%zu, %zu channel%s, alpha %g; %zu parameters\n",
                PROGRAM, o->background, o->source, s.width, s.height, s.channels,
                s.channels > 1 ? "s" : "", o->alpha, siren_net_param_count(m.net));
        status = train(o, &s, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->log, log, status);
    if (status == 0)
        status = write_outputs(o, &s, &paths, m.net, &q);
    if (status == 0)
        print_result(&q, &stats, &s);
    outputs_free(&paths);
    fit_model_free(&m);
    scene_free(&s);
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
