/* poisson.c - reconstructs an image from its gradient field alone, or from
   its Laplacian alone, by fitting a SIREN whose derivatives match them:
   the Poisson experiment of the SIREN paper (Sitzmann et al. 2020,
   section 4.1; the reference's train_poisson_grad_img.py and
   train_poisson_lapl_img.py).

   The network never sees a pixel value. Its derivatives come from
   siren_forward (the Laplacian by forward-mode jets; the gradient of a
   one-output network by a reverse sweep, of a colour one by jets), and the
   loss on them is differentiated by siren_backward with the adjoint of
   the gradient or Laplacian output (DESIGN.md, "Training: reverse mode
   through the jets"):

       gradient:   L = 1/(B C) sum_points sum_channels |s * grad u - G|^2
                   adjoint of d u/d x_k:  2 s_k (s_k u_k - G_k) / (B C)
       Laplacian:  L = 1/(B C) sum (lap_s u - Lap)^2
                   adjoint of the Laplacian:  2 (lap_s u - Lap) / (B C)

   where s_k = 2/(N_k - 1) is the pixel step on axis k (derivatives per
   pixel), lap_s u = sum_k s_k^2 d2u/dx_k^2 is the Laplacian per pixel^2
   (siren_workspace_set_laplacian_weights), and G, Lap are the Sobel and
   5-point Laplace stencils of the image (stencil.h). Every pixel is in
   every step, as in the reference; --chunk bounds the memory.

   A gradient determines the image up to a constant, a Laplacian up to a
   harmonic function, of which the reconstruction pins down all but the
   affine part a + b row + c column (the borders are free). The PSNR
   reported is after the least-squares fit of exactly that part.

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one; as
   every step sees every pixel, a resumed run is bit for bit the run it
   continues. */
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

#define PROGRAM "poisson"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *image, *supervise, *out, *save, *log;
    long size, steps, width, depth, chunk, threads;
    double lr, first_omega, hidden_omega;
    uint64_t seed;
    fit_resume_options ckpt;
    bool laplacian; /* from supervise */
} options;

static const char DESCRIPTION[] =
    "Reconstructs a PGM/PPM image from its gradient or its Laplacian only, by\n"
    "fitting a SIREN f(row, column) whose derivatives (exact, from libsiren)\n"
    "match finite differences of the image. The reference setup by default: the\n"
    "image resized to 256 on its longer side, 5 layers of 256, omega 30, Adam 1e-4,\n"
    "every pixel in every step (the reference trains 10000 steps).\n"
    "\n"
    "Targets, per pixel, with scipy.ndimage's stencils and 'reflect' borders:\n"
    "  gradient   Sobel / 8, i.e. central differences smoothed (1,2,1)/4 across;\n"
    "  laplacian  the 5-point Laplace stencil (sum of second differences).\n"
    "Pixel values are scaled to [-1, 1]; the network's coordinates run over\n"
    "[-1, 1], so its derivatives are multiplied by the pixel step 2/(N-1) per axis\n"
    "(the reference supervises 10 x Sobel and 1e4 x Laplace against coordinate\n"
    "derivatives: the same image times 0.63 at N = 256).\n"
    "\n"
    "The reconstruction is known only up to a constant (gradient) or an affine\n"
    "ramp a + b row + c column (Laplacian): both are fitted to the image by least\n"
    "squares before the PSNR (on [0, 1], as fit_image) is measured, and the result\n"
    "line says which. mean_image_db is the PSNR of the image's mean alone (and\n"
    "plane_db that of the best plane), the score of a network that learnt nothing.\n"
    "A Laplacian is blind to every harmonic function, not only planes: harmonic_db\n"
    "is the PSNR after also fitting x y and x^2 - y^2 (the drift seen as shading).\n"
    "\n"
    "Writes PREFIX_recon.pgm (aligned; .ppm for colour), PREFIX_grad.pgm and\n"
    "PREFIX_laplacian.pgm (the network's, as fit_image draws them),\n"
    "PREFIX_target_grad.pgm and PREFIX_target_laplacian.pgm (the stencils'), and the\n"
    "model PREFIX.siren.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same image,\n"
    "--size and --supervise for an exact continuation). Ctrl-C stops after the\n"
    "current step and still writes every output.";

enum { OPTION_COUNT = 18 };

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
    *o = (options){.supervise = "gradient", .out = "out/poisson", .size = 256, .steps = 500,
                   .width = cfg.hidden_features, .depth = cfg.hidden_layers, .chunk = 8192,
                   .lr = adam.lr, .first_omega = cfg.first_omega,
                   .hidden_omega = cfg.hidden_omega};
}

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_STRING("supervise", &o->supervise, "WHAT", "gradient or laplacian"),
        ARG_LONG("size", &o->size, 0, 4096, "N", "longer side of the fitted image; 0: as read"),
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
                   "write step,loss,psnr_db,seconds of every step as CSV (psnr_db aligned)"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] IMAGE.pgm|IMAGE.ppm", DESCRIPTION, cl->table,
                          OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->image = cl->positional[0];
    if (strcmp(o->supervise, "gradient") != 0 && strcmp(o->supervise, "laplacian") != 0)
        return args_error(PROGRAM, "--supervise: expected 'gradient' or 'laplacian', got '%s'",
                          o->supervise);
    o->laplacian = strcmp(o->supervise, "laplacian") == 0;
    return -1;
}

/* ---------------------------------------------------------------- data */

typedef struct problem {
    pnm_image image;      /* values in [-1, 1] */
    size_t count;         /* width * height */
    float step[2];        /* pixel step of (row, column) in coordinates */
    float *coords;        /* [count][2] */
    float *target;        /* [count][C][2] (gradient) or [count][C] (Laplacian) */
    size_t target_width;  /* floats per point and channel: 2 or 1 */
} problem;

static void problem_free(problem *p)
{
    pnm_free(&p->image);
    free(p->coords);
    free(p->target);
}

static float pixel_step(size_t n)
{
    return n > 1 ? 2.0f / (float)(n - 1) : 0.0f;
}

static int load_problem(const options *o, problem *p)
{
    char err[256];
    memset(p, 0, sizeof *p);
    if (training_load_image(o->image, (size_t)o->size, 0, 0, &p->image, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->image, err);
    size_t w = p->image.width, h = p->image.height, ch = p->image.channels;
    if (w < 3 || h < 3) {
        problem_free(p);
        return args_error(PROGRAM, "%s: %zux%zu is too small for derivatives (3x3 at least)",
                          o->image, w, h);
    }
    p->count = w * h;
    p->step[0] = pixel_step(h);
    p->step[1] = pixel_step(w);
    p->target_width = o->laplacian ? 1 : 2;
    p->coords = image_grid(w, h);
    p->target = malloc(p->count * ch * p->target_width * sizeof *p->target);
    if (!p->coords || !p->target) {
        problem_free(p);
        return args_error(PROGRAM, "out of memory for a %zux%zu image", w, h);
    }
    if (o->laplacian)
        stencil_laplace(p->image.data, w, h, ch, p->target);
    else
        stencil_sobel_gradient(p->image.data, w, h, ch, p->target);
    return 0;
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const problem *p;
    bool laplacian;
    size_t chunk;
    siren_workspace *ws;
    float *derivs, *adjoint; /* [chunk][C][target_width] */
    float *values;           /* [count][C]: the step's values, for its PSNR */
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->derivs);
    free(t->adjoint);
    free(t->values);
}

static int trainer_init(trainer *t, const options *o, const problem *p, const siren_net *net)
{
    size_t per_point = p->image.channels * p->target_width;
    memset(t, 0, sizeof *t);
    t->p = p;
    t->laplacian = o->laplacian;
    t->chunk = (size_t)o->chunk < p->count ? (size_t)o->chunk : p->count;
    unsigned what = SIREN_VALUE | (o->laplacian ? SIREN_LAPLACIAN : SIREN_GRADIENT);
    if (fit_training_workspace(PROGRAM, net, t->chunk, what, o->threads, &t->ws))
        return 1;
    /* The Laplacian channel per pixel^2: weights s_row^2, s_col^2. */
    float weights[2] = {p->step[0] * p->step[0], p->step[1] * p->step[1]};
    int status = o->laplacian ? siren_workspace_set_laplacian_weights(t->ws, weights, 2)
                              : SIREN_OK;
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "cannot create the training workspace", status);
    t->derivs = malloc(t->chunk * per_point * sizeof *t->derivs);
    t->adjoint = malloc(t->chunk * per_point * sizeof *t->adjoint);
    t->values = malloc(p->count * p->image.channels * sizeof *t->values);
    if (!t->derivs || !t->adjoint || !t->values)
        return args_error(PROGRAM, "out of memory for the training buffers");
    return 0;
}

/* The loss of one chunk and its adjoint (see the top of the file); returns
   the chunk's sum of squared errors. */
static double chunk_loss(const trainer *t, size_t first, size_t n, double scale)
{
    const problem *p = t->p;
    size_t per_point = p->image.channels * p->target_width;
    const float *target = p->target + first * per_point;
    double sum = 0;
    for (size_t i = 0; i < n * per_point; i++) {
        /* gradient: index i is (point, channel, axis k = i % 2) */
        float s = t->laplacian ? 1.0f : p->step[i % 2];
        float diff = s * t->derivs[i] - target[i];
        sum += (double)diff * diff;
        t->adjoint[i] = (float)(scale * s * diff);
    }
    return sum;
}

/* One Adam step on every pixel; *loss gets the mean loss before it. */
static int train_step(trainer *t, fit_model *m, double *loss)
{
    const problem *p = t->p;
    size_t ch = p->image.channels;
    double scale = 2.0 / ((double)p->count * (double)ch), sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < p->count; first += t->chunk) {
        size_t n = p->count - first < t->chunk ? p->count - first : t->chunk;
        siren_jet out = {.value = t->values + first * ch}, adj = {0};
        if (t->laplacian) {
            out.laplacian = t->derivs;
            adj.laplacian = t->adjoint;
        } else {
            out.gradient = t->derivs;
            adj.gradient = t->adjoint;
        }
        int status = siren_forward(m->net, t->ws, n, p->coords + 2 * first, &out);
        if (status == SIREN_OK) {
            sum += chunk_loss(t, first, n, scale);
            status = siren_backward(m->net, t->ws, &adj);
        }
        if (status != SIREN_OK)
            return fit_library_error(PROGRAM, "training step", status);
    }
    int status = fit_adam_step(PROGRAM, m->net, m->opt);
    if (status)
        return status;
    *loss = sum / ((double)p->count * (double)ch);
    return 0;
}

/* PSNR of values against the image after the documented alignment
   (values are changed: aligned in place). */
static double aligned_psnr(float *values, const problem *p, bool laplacian)
{
    const pnm_image *img = &p->image;
    stencil_align(values, img->data, NULL, img->width, img->height, img->channels,
                  laplacian ? 3 : 1);
    return training_psnr(stencil_mse(values, img->data, NULL, p->count, img->channels));
}

/* fit_train's step: every pixel (whatever the step), and the PSNR of the
   step's values after the alignment. */
static int poisson_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    trainer *t = ctx;
    int status = train_step(t, m, loss);
    if (status == 0)
        *metric = aligned_psnr(t->values, t->p, t->laplacian);
    return status;
}

static int train(const options *o, const problem *p, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = trainer_init(&t, o, p, m->net);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "aligned PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, poisson_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- outputs */

enum { OUT_RECON, OUT_GRAD, OUT_LAPLACIAN, OUT_TARGET_GRAD, OUT_TARGET_LAPLACIAN, OUT_MODEL,
       OUT_COUNT };

typedef struct outputs {
    char *path[OUT_COUNT];
} outputs;

static void outputs_free(outputs *p)
{
    for (int i = 0; i < OUT_COUNT; i++)
        free(p->path[i]);
}

/* Names the outputs and checks, before any training, that each can be
   written (making the directories). */
static int plan_outputs(const options *o, size_t channels, outputs *p)
{
    static const char *suffix[OUT_COUNT] = {NULL, "_grad.pgm", "_laplacian.pgm",
                                            "_target_grad.pgm", "_target_laplacian.pgm",
                                            ".siren"};
    for (int i = 0; i < OUT_COUNT; i++) {
        const char *s = i == OUT_RECON ? (channels == 3 ? "_recon.ppm" : "_recon.pgm")
                                       : suffix[i];
        p->path[i] = i == OUT_MODEL && o->save ? files_join(o->save, "")
                                               : files_join(o->out, s);
        if (!p->path[i])
            return args_error(PROGRAM, "out of memory");
    }
    const char *all[OUT_COUNT + 1] = {[OUT_COUNT] = o->log};
    memcpy(all, p->path, sizeof p->path);
    return fit_check_outputs(PROGRAM, all, OUT_COUNT + 1, &o->image, 1, &o->ckpt);
}

/* The stencils' targets as images like the network's: the gradient
   magnitude (RMS over channels) and the Laplacian of the luma. */
static int write_target_images(const problem *p, const outputs *paths, char *err,
                               size_t errlen)
{
    size_t w = p->image.width, h = p->image.height, ch = p->image.channels;
    float *grad = malloc(p->count * ch * 2 * sizeof *grad);
    float *lap = malloc(p->count * ch * sizeof *lap);
    float *mag = malloc(p->count * sizeof *mag), *luma = malloc(p->count * sizeof *luma);
    int status = grad && lap && mag && luma ? 0 : -1;
    if (status)
        snprintf(err, errlen, "out of memory");
    if (status == 0) {
        static const float rgb[3] = {0.299f, 0.587f, 0.114f};
        stencil_sobel_gradient(p->image.data, w, h, ch, grad);
        stencil_laplace(p->image.data, w, h, ch, lap);
        for (size_t i = 0; i < p->count; i++) {
            float squares = 0, l = 0;
            for (size_t c = 0; c < ch; c++) {
                const float *g = grad + (i * ch + c) * 2;
                squares += g[0] * g[0] + g[1] * g[1];
                l += (ch == 3 ? rgb[c] : 1.0f) * lap[i * ch + c];
            }
            mag[i] = sqrtf(squares / (float)ch);
            luma[i] = l;
        }
        status = render_write_display(paths->path[OUT_TARGET_GRAD], w, h, mag, false, err,
                                      errlen);
    }
    if (status == 0)
        status = render_write_display(paths->path[OUT_TARGET_LAPLACIAN], w, h, luma, true, err,
                                      errlen);
    free(grad);
    free(lap);
    free(mag);
    free(luma);
    return status;
}

/* The model first: if the disk fills up after it, the training is kept
   and only pictures, which it can make again, are missing. */
static int write_outputs(const problem *p, const outputs *paths, const siren_net *net,
                         const rendering *r)
{
    if (fit_net_save(PROGRAM, net, paths->path[OUT_MODEL]))
        return 1;
    char err[512];
    const pnm_image *img = &p->image;
    int status = training_write_image(paths->path[OUT_RECON], r->values, img->width,
                                      img->height, img->channels, err, sizeof err);
    if (status == 0)
        status = render_write_display(paths->path[OUT_GRAD], r->width, r->height, r->grad_norm,
                                      false, err, sizeof err);
    if (status == 0)
        status = render_write_display(paths->path[OUT_LAPLACIAN], r->width, r->height,
                                      r->laplacian, true, err, sizeof err);
    if (status == 0)
        status = write_target_images(p, paths, err, sizeof err);
    if (status)
        return args_error(PROGRAM, "writing the images: %s", err);
    printf("wrote %s, %s, %s, %s, %s and %s\n", paths->path[OUT_RECON], paths->path[OUT_GRAD],
           paths->path[OUT_LAPLACIAN], paths->path[OUT_TARGET_GRAD],
           paths->path[OUT_TARGET_LAPLACIAN], paths->path[OUT_MODEL]);
    return 0;
}

/* PSNR of the best function of the alignment family alone (u = 0):
   what a network that learnt nothing scores. */
static double baseline_psnr(const problem *p, int terms)
{
    size_t n = p->count * p->image.channels;
    float *zero = calloc(n, sizeof *zero);
    if (!zero)
        return NAN;
    stencil_align(zero, p->image.data, NULL, p->image.width, p->image.height,
                  p->image.channels, terms);
    double psnr = training_psnr(stencil_mse(zero, p->image.data, NULL, p->count,
                                            p->image.channels));
    free(zero);
    return psnr;
}

static int finish(const options *o, const problem *p, const siren_net *net,
                  const outputs *paths, const fit_run *stats)
{
    rendering r = {0};
    int status = render_field(net, p->image.width, p->image.height, (size_t)o->chunk,
                              (size_t)o->threads, &r);
    if (status != SIREN_OK)
        return fit_library_error(PROGRAM, "rendering", status);
    double harmonic = NAN;
    if (o->laplacian) { /* the extra, harmonic alignment, on a copy */
        size_t n = p->count * p->image.channels;
        float *copy = malloc(n * sizeof *copy);
        if (copy) {
            memcpy(copy, r.values, n * sizeof *copy);
            stencil_align(copy, p->image.data, NULL, p->image.width, p->image.height,
                          p->image.channels, 5);
            harmonic = training_psnr(stencil_mse(copy, p->image.data, NULL, p->count,
                                                 p->image.channels));
            free(copy);
        }
    }
    double psnr = aligned_psnr(r.values, p, o->laplacian);
    status = write_outputs(p, paths, net, &r);
    if (status == 0) {
        printf("result: psnr_db=%.2f alignment=%s mean_image_db=%.2f", psnr,
               o->laplacian ? "affine" : "constant", baseline_psnr(p, 1));
        if (o->laplacian)
            printf(" plane_db=%.2f harmonic_db=%.2f", baseline_psnr(p, 3), harmonic);
        printf(" supervise=%s steps=%llu seconds=%.1f seconds_per_step=%.3f width=%zu "
               "height=%zu\n",
               o->supervise, (unsigned long long)stats->last_step, stats->seconds,
               fit_seconds_per_step(stats), p->image.width, p->image.height);
    }
    rendering_free(&r);
    return status;
}

/* ---------------------------------------------------------------- main */

static int run(const options *o, const arg_spec *spec)
{
    problem p;
    fit_model m = {0};
    outputs paths = {{0}};
    fit_run stats = {0, 0, 0};
    if (load_problem(o, &p))
        return 1;
    fit_arch arch = {2, (long)p.image.channels, o->width, o->depth, o->first_omega,
                     o->hidden_omega, o->lr, 0, o->seed};
    int status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = plan_outputs(o, p.image.channels, &paths);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fprintf(stderr, "%s: %s, %zux%zu, %zu channel%s, supervised by the %s; %zu parameters\n",
                PROGRAM, o->image, p.image.width, p.image.height, p.image.channels,
                p.image.channels > 1 ? "s" : "", o->supervise, siren_net_param_count(m.net));
        status = train(o, &p, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->log, log, status);
    if (status == 0)
        status = finish(o, &p, m.net, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    problem_free(&p);
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
