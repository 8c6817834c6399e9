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
   continues. Launched by mpirun, the ranks share each step's slabs of
   --chunk pixels (fit/fold.h) and rank 0 writes the outputs, the same bits
   as one process (fit/distributed.h). */
#define _POSIX_C_SOURCE 200809L
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/fold.h"
#include "fit/image.h"
#include "fit/options.h"
#include "fit/render.h"
#include "fit/training.h"
#include "io/files.h"
#include "io/pnm.h"
#include "pde/poisson_loss.h"
#include "pde/stencil.h"
#include "siren.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *image, *supervise;
    long size;
    bool laplacian; /* from supervise */
    fit_options fit;
} options;

static const char DESCRIPTION[] =
    "Reconstructs an image (PGM/PPM, or PNG when the build has libpng or stb) from\n"
    "its gradient or its Laplacian only, by fitting a SIREN f(row, column) whose\n"
    "derivatives (exact, from libsiren) match finite differences of the image. The\n"
    "reference setup by default: the image resized to 256 on its longer side, 5\n"
    "layers of 256, omega 30, Adam 1e-4, every pixel in every step (the reference\n"
    "trains 10000 steps).\n"
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
    "Writes PREFIX_recon.png (aligned), PREFIX_grad.png and PREFIX_laplacian.png\n"
    "(the network's, as fit_image draws them), PREFIX_target_grad.png and\n"
    "PREFIX_target_laplacian.png (the stencils'), or with --format pnm .pgm files\n"
    "(.ppm for colour), and the model PREFIX.siren.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same image,\n"
    "--size and --supervise for an exact continuation). Ctrl-C stops after the\n"
    "current step and still writes every output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.supervise = "gradient", .size = 256};
    fit_options_default(&o->fit, "out/poisson");
    o->fit.steps = 500;
    o->fit.chunk = 8192;
}

/* What args_parse cannot check. 0, or 1 after a message. */
static int check_options(options *o)
{
    if (fit_options_check(&o->fit))
        return 1;
    if (strcmp(o->supervise, "gradient") != 0 && strcmp(o->supervise, "laplacian") != 0)
        return fit_error("--supervise: expected 'gradient' or 'laplacian', got '%s'",
                         o->supervise);
    o->laplacian = strcmp(o->supervise, "laplacian") == 0;
    return 0;
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

static int load_problem(const options *o, problem *p)
{
    char err[256];
    memset(p, 0, sizeof *p);
    if (training_load_image(o->image, (size_t)o->size, 0, 0, &p->image, err, sizeof err))
        return fit_error("%s: %s", o->image, err);
    size_t w = p->image.width, h = p->image.height, ch = p->image.channels;
    if (w < 3 || h < 3) {
        problem_free(p);
        return fit_error("%s: %zux%zu is too small for derivatives (3x3 at least)",
                         o->image, w, h);
    }
    p->count = w * h;
    p->step[0] = image_pixel_step(h);
    p->step[1] = image_pixel_step(w);
    p->target_width = o->laplacian ? 1 : 2;
    p->coords = image_grid(w, h);
    p->target = malloc(p->count * ch * p->target_width * sizeof *p->target);
    if (!p->coords || !p->target) {
        problem_free(p);
        return fit_error("out of memory for a %zux%zu image", w, h);
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
    fit_fold fold;           /* the step over slabs of `chunk` pixels */
} trainer;

static void trainer_free(trainer *t)
{
    fit_fold_free(&t->fold);
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
    t->chunk = (size_t)o->fit.chunk < p->count ? (size_t)o->fit.chunk : p->count;
    unsigned what = SIREN_VALUE | (o->laplacian ? SIREN_LAPLACIAN : SIREN_GRADIENT);
    if (fit_training_workspace(net, t->chunk, what, o->fit.threads, &t->ws))
        return 1;
    /* The Laplacian channel per pixel^2: weights s_row^2, s_col^2. */
    float weights[2] = {p->step[0] * p->step[0], p->step[1] * p->step[1]};
    int status = o->laplacian ? siren_workspace_set_laplacian_weights(t->ws, weights, 2)
                              : SIREN_OK;
    if (status != SIREN_OK)
        return fit_library_error("cannot create the training workspace", status);
    t->derivs = malloc(t->chunk * per_point * sizeof *t->derivs);
    t->adjoint = malloc(t->chunk * per_point * sizeof *t->adjoint);
    t->values = malloc(p->count * p->image.channels * sizeof *t->values);
    if (!t->derivs || !t->adjoint || !t->values)
        return fit_error("out of memory for the training buffers");
    return 0;
}

/* fit_fold_step's slab function: forward, the loss's adjoints and
   backward on the slab's pixels; sums[0] the slab's loss sum, its values
   into t->values. */
static int poisson_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    trainer *t = ctx;
    const problem *p = t->p;
    size_t ch = p->image.channels, per_point = ch * p->target_width, first, n;
    fit_slab_range(slab, p->count, t->chunk, &first, &n);
    double scale = 2.0 / ((double)p->count * (double)ch);
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
        sums[0] = poisson_loss(t->derivs, p->target + first * per_point, n * per_point,
                               t->laplacian ? NULL : p->step, scale, t->adjoint, 0.0);
        status = siren_backward(m->net, t->ws, &adj);
    }
    return status == SIREN_OK ? 0 : fit_library_error("training step", status);
}

/* One Adam step on every pixel; *loss gets the mean loss before it, and
   rank 0's t->values the values of every pixel. */
static int train_step(trainer *t, fit_model *m, double *loss)
{
    const problem *p = t->p;
    size_t ch = p->image.channels;
    double sum;
    int status = fit_fold_step(&t->fold, m, fit_slab_count(p->count, t->chunk), 1,
                               poisson_slab, t, &sum);
    if (status == 0)
        status = fit_fold_gather(&t->fold, t->values, ch, p->count, t->chunk);
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
   step's values after the alignment (on rank 0, which prints it). */
static int poisson_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    trainer *t = ctx;
    int status = train_step(t, m, loss);
    if (status == 0 && fit_dist_root())
        *metric = aligned_psnr(t->values, t->p, t->laplacian);
    return status;
}

static int train(const options *o, const problem *p, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, p, m->net));
    const fit_options *f = &o->fit;
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "aligned PSNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, poisson_step, &t, run);
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
    static const char *suffix[OUT_MODEL] = {"_recon", "_grad", "_laplacian", "_target_grad",
                                            "_target_laplacian"};
    for (int i = 0; i < OUT_COUNT; i++) {
        p->path[i] = i == OUT_MODEL ? fit_model_path(&o->fit)
                                    : fit_image_path(&o->fit, suffix[i],
                                                     i == OUT_RECON ? channels : 1);
        if (!p->path[i])
            return fit_error("out of memory");
    }
    const char *all[OUT_COUNT + 1] = {[OUT_COUNT] = o->fit.log};
    memcpy(all, p->path, sizeof p->path);
    return fit_check_outputs(all, OUT_COUNT + 1, &o->image, 1, &o->fit.ckpt);
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
    if (fit_net_save(net, paths->path[OUT_MODEL]))
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
        return fit_error("writing the images: %s", err);
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
    int status = render_field(net, p->image.width, p->image.height, (size_t)o->fit.chunk,
                              (size_t)o->fit.threads, &r);
    if (status != SIREN_OK)
        return fit_library_error("rendering", status);
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
    int loaded = load_problem(o, &p); /* on every rank */
    if (fit_dist_agree(loaded)) {
        if (loaded == 0)
            problem_free(&p);
        return 1;
    }
    fit_arch arch = fit_arch_of(&o->fit, 2, (long)p.image.channels);
    size_t samples = p.count * p.image.channels;
    int status = fit_dist_same(p.image.data, samples * sizeof *p.image.data, o->image);
    if (status == 0)
        status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, p.image.channels, &paths) : 0);
    if (status == 0)
        status = fit_log_open(o->fit.log, "psnr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fit_say("%s, %zux%zu, %zu channel%s, supervised by the %s; %zu parameters", o->image,
                p.image.width, p.image.height, p.image.channels,
                p.image.channels > 1 ? "s" : "", o->supervise, siren_net_param_count(m.net));
        status = train(o, &p, &m, log, &stats);
    }
    status = fit_log_close(o->fit.log, log, status);
    if (status == 0 && fit_dist_root())
        status = finish(o, &p, m.net, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    problem_free(&p);
    return fit_exit_status(status);
}

static int poisson_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        ARG_STRING("supervise", &o.supervise, "WHAT", "gradient or laplacian"),
        ARG_LONG("size", &o.size, 0, 4096, "N", "longer side of the fitted image; 0: as read"),
        FIT_STEPS_OPTION(f),
        FIT_LR_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation"),
        FIT_CHUNK_OPTION(f, 1000000000, "points per forward/backward call (memory)"),
        FIT_THREADS_OPTION(f),
        FIT_OUT_OPTION(f),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        FIT_LOG_OPTION(f,
                       "write step,loss,psnr_db,seconds of every step as CSV (psnr_db aligned)"),
    };
    arg_spec spec = {"poisson", "[options] IMAGE", DESCRIPTION, table,
                     ARG_COUNT(table), &o.image, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, poisson_main); /* on every rank under mpirun */
}
