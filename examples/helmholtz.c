/* helmholtz.c - solves the inhomogeneous Helmholtz equation in 2-D with a
   SIREN, the wave-field experiment of the SIREN paper (Sitzmann et al.
   2020, section 4.3; the reference's train_helmholtz.py with a uniform
   medium), and measures the field against the analytic solution.

   The network maps (x, y) in [-1, 1]^2 to the real and imaginary parts of
   the field u. Its loss is the reference's (loss_functions.helmholtz_pml),
   an L1 norm of the residual of the equation with a perfectly matched
   layer at the border (helmholtz_pml.h has the equation and its
   conventions):

       r = A_x u_x + A u_xx + B_y u_y + B u_yy + C k^2 u - f
       L = (P / 1000) sum_{f != 0} |r|_1 + sum_{f == 0} |r|_1

   over P points per step: P - S uniform in [-1, 1]^2 and S in the disc of
   radius 0.05 around the source (the reference: P = 230^2, S = 100),
   |r|_1 = |Re r| + |Im r|, f = (1 + i) g the Gaussian source of variance
   sigma = 1e-4. u_xx and u_yy are separate in the layer (A depends on x,
   B on y), so the network's jet carries the Hessian diagonal: value,
   gradient and both second derivatives, 5 channels, from one forward pass.
   siren_backward takes dL/du, dL/du_x, dL/du_y, dL/du_xx and dL/du_yy,
   which follow from the residual being linear in them
   (pml_operator_adjoint).

   Result: the relative L2 error sqrt(sum |u - u*|^2 / sum |u*|^2) on a
   --grid x --grid grid, over the points outside the layer and at least
   --exclude from the source, u* = exp(-k^2 sigma / 2) (i/4) (1 + i)
   H0^(2)(k r) (Bessel functions of our own, bessel.h).

   Launched by mpirun, every rank draws every point of a step, the ranks
   share the step's slabs of --chunk points (fit/fold.h), and rank 0
   evaluates and writes the outputs, the same bits as one process
   (fit/distributed.h). */
#define _POSIX_C_SOURCE 200809L
#include "fit/chunk_jets.h"
#include "fit/colormap.h"
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/fold.h"
#include "fit/options.h"
#include "fit/render.h"
#include "fit/rng.h"
#include "io/files.h"
#include "pde/helmholtz_pml.h"
#include "siren.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hcomplex SOURCE_STRENGTH = {1.0, 1.0};

/* ------------------------------------------------------------- options */

typedef struct options {
    long points, source_points, grid;
    double k, sigma, pml_width, pml_strength, exclude, source_radius;
    fit_options fit;
} options;

static const char DESCRIPTION[] =
    "Solves u_xx + u_yy + k^2 u = (1 + i) g on [-1, 1]^2 for the complex field u,\n"
    "with g a narrow normalised Gaussian at the origin (variance --sigma) and the\n"
    "reference's perfectly matched layer in the outer --pml-width of the square, by\n"
    "fitting a SIREN (x, y) -> (Re u, Im u) to the residual of the equation: the\n"
    "SIREN paper's Helmholtz experiment with its loss and settings (which take the\n"
    "reference 50000 steps of 52900 points on a GPU; on a CPU use fewer, see\n"
    "docs/RESULTS.md).\n"
    "\n"
    "Writes PREFIX_real.png and PREFIX_imag.png (the network's field, blue\n"
    "negative, red positive), PREFIX_exact_real.png and PREFIX_exact_imag.png (the\n"
    "analytic field, same colour scale), PREFIX_error.png (|u - u*| where it is\n"
    "measured, black elsewhere), with --format pnm .ppm and .pgm files instead, and\n"
    "the model PREFIX.siren. Image row 0 is y = +1, column 0 is x = -1.\n"
    "\n"
    "Result: the relative L2 error against the free-space solution exp(-k^2 sigma/2)\n"
    "(i/4)(1+i) H0^(2)(k r) (time convention e^{+i omega t}, outgoing waves\n"
    "e^{-ikr}), over the grid points outside the layer and at least --exclude from\n"
    "the source.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.points = 230 * 230, .source_points = 100, .k = 20, .sigma = 1e-4,
                   .pml_width = 0.5, .pml_strength = 5, .exclude = 0.05, .grid = 230};
    fit_options_default(&o->fit, "out/helmholtz");
    o->fit.steps = 50000;
    o->fit.lr = 2e-5;
    o->fit.chunk = 16384;
}

/* What args_parse cannot check. 0, or 1 after a message. */
static int check_options(options *o)
{
    if (fit_options_check(&o->fit))
        return 1;
    if (o->source_points >= o->points)
        return fit_error("--source-points (%ld) must be fewer than --points (%ld)",
                         o->source_points, o->points);
    if (o->pml_width >= 1)
        return fit_error("--pml-width must be below 1 (the layer is inside [-1, 1])");
    return 0;
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const options *o;
    pml_config pml;
    siren_workspace *ws;
    size_t points, chunk;
    float *xy, *source;            /* [points][2]; [points]: g at each point */
    fit_chunk_jets jets;           /* a chunk's value, gradient, Hessian diagonal */
    fit_fold fold;                 /* the step over slabs of `chunk` points */
} trainer;

static void trainer_free(trainer *t)
{
    fit_fold_free(&t->fold);
    siren_workspace_free(t->ws);
    free(t->xy);
    free(t->source);
    fit_chunk_jets_free(&t->jets);
}

static int trainer_init(trainer *t, const options *o, const fit_model *m)
{
    memset(t, 0, sizeof *t);
    t->o = o;
    t->pml = (pml_config){o->k, o->pml_strength, o->pml_width};
    t->points = (size_t)o->points;
    t->chunk = (size_t)o->fit.chunk < t->points ? (size_t)o->fit.chunk : t->points;
    unsigned what = SIREN_VALUE | SIREN_GRADIENT | SIREN_HESSIAN_DIAG;
    if (fit_training_workspace(m->net, t->chunk, what, o->fit.threads, &t->ws))
        return 1;
    if (fit_chunk_jets_init(&t->jets, t->chunk, 2, 2, what))
        return 1;
    t->xy = malloc(t->points * 2 * sizeof *t->xy);
    t->source = malloc(t->points * sizeof *t->source);
    if (!t->xy || !t->source)
        return fit_error("out of memory for the training buffers");
    return 0;
}

/* The reference's points (dataio.SingleHelmholtzSource): uniform in the
   square, the last S at radius 0.05 sqrt(U) around the source (uniform in
   the disc of radius 5e2 sigma = 0.05, 5 standard deviations; other
   variances keep that ratio, 0.05 sqrt(sigma / 1e-4), unless
   --source-radius says otherwise), and the source density at each. */
static void draw_points(trainer *t, uint64_t step)
{
    rng r = rng_seeded(t->o->fit.seed, step);
    size_t uniform = t->points - (size_t)t->o->source_points;
    double radius = t->o->source_radius > 0 ? t->o->source_radius
                                            : 0.05 * sqrt(t->o->sigma / 1e-4);
    for (size_t i = 0; i < t->points; i++) {
        double x, y;
        if (i < uniform) {
            x = rng_range(&r, -1, 1);
            y = rng_range(&r, -1, 1);
        } else {
            double rho = radius * sqrt(rng_uniform(&r)), theta = 6.283185307179586 * rng_uniform(&r);
            x = rho * cos(theta);
            y = rho * sin(theta);
        }
        t->xy[2 * i] = (float)x;
        t->xy[2 * i + 1] = (float)y;
        /* the density of the float coordinates the network sees */
        double fx = t->xy[2 * i], fy = t->xy[2 * i + 1];
        t->source[i] = (float)helmholtz_source_density(t->o->sigma, fx * fx + fy * fy);
    }
}

static double sign_of(double v)
{
    return (double)(v > 0) - (double)(v < 0);
}

typedef struct step_stats {
    double loss, residual_sum;  /* residual: mean |r|_1 / 2 off the source */
    size_t off_count;
} step_stats;

/* Point i of a chunk: its residual, loss, and the adjoints of its jet. */
static void point_loss(trainer *t, size_t i, const float *xy, float f, step_stats *s)
{
    pml_coefficients c;
    pml_coefficients_at(&t->pml, xy[0], xy[1], &c);
    const siren_jet *out = &t->jets.out;
    const float *v = out->value + 2 * i, *g = out->gradient + 4 * i;
    const float *h = out->hessian_diag + 4 * i;
    /* gradient and Hessian diagonal: [point][output][input], output 0 = Re */
    field_jet j = {{v[0], v[1]}, {g[0], g[2]}, {g[1], g[3]}, {h[0], h[2]}, {h[1], h[3]}};
    hcomplex r = pml_operator(&c, &j);
    r.re -= SOURCE_STRENGTH.re * f;
    r.im -= SOURCE_STRENGTH.im * f;
    double weight = f != 0 ? (double)t->points / 1e3 : 1.0;
    double abs1 = fabs(r.re) + fabs(r.im);
    s->loss += weight * abs1;
    if (f == 0) {
        s->residual_sum += 0.5 * abs1;
        s->off_count++;
    }
    field_jet adj;
    pml_operator_adjoint(&c, weight * sign_of(r.re), weight * sign_of(r.im), &adj);
    const siren_jet *a = &t->jets.adjoint;
    float *av = a->value + 2 * i, *ag = a->gradient + 4 * i, *ah = a->hessian_diag + 4 * i;
    av[0] = (float)adj.u.re;
    av[1] = (float)adj.u.im;
    ag[0] = (float)adj.ux.re;
    ag[1] = (float)adj.uy.re;
    ag[2] = (float)adj.ux.im;
    ag[3] = (float)adj.uy.im;
    ah[0] = (float)adj.uxx.re;
    ah[1] = (float)adj.uyy.re;
    ah[2] = (float)adj.uxx.im;
    ah[3] = (float)adj.uyy.im;
}

static int train_chunk(trainer *t, fit_model *m, size_t first, size_t n, step_stats *s)
{
    int status = siren_forward(m->net, t->ws, n, t->xy + 2 * first, &t->jets.out);
    if (status != SIREN_OK)
        return fit_library_error("training step", status);
    for (size_t i = 0; i < n; i++)
        point_loss(t, i, t->xy + 2 * (first + i), t->source[first + i], s);
    status = siren_backward(m->net, t->ws, &t->jets.adjoint);
    return status == SIREN_OK ? 0 : fit_library_error("training step", status);
}

enum { LOSS, RESIDUAL_SUM, OFF_COUNT, VALUES }; /* a slab's sums */

/* fit_fold_step's slab function: the slab's points, its sums. */
static int helmholtz_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    trainer *t = ctx;
    size_t first, n;
    fit_slab_range(slab, t->points, t->chunk, &first, &n);
    step_stats s = {0, 0, 0};
    if (train_chunk(t, m, first, n, &s))
        return 1;
    sums[LOSS] = s.loss;
    sums[RESIDUAL_SUM] = s.residual_sum;
    sums[OFF_COUNT] = (double)s.off_count;
    return 0;
}

static int train_step(trainer *t, fit_model *m, uint64_t step, step_stats *s)
{
    draw_points(t, step);
    double sums[VALUES] = {0, 0, 0};
    int status = fit_fold_step(&t->fold, m, fit_slab_count(t->points, t->chunk), VALUES,
                               helmholtz_slab, t, sums);
    *s = (step_stats){sums[LOSS], sums[RESIDUAL_SUM], (size_t)sums[OFF_COUNT]};
    return status;
}

static int helmholtz_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    step_stats s;
    int status = train_step(ctx, m, step, &s);
    *loss = s.loss;
    *metric = s.off_count ? s.residual_sum / (double)s.off_count : 0.0;
    return status;
}

static int train(const options *o, fit_model *m, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, m));
    const fit_options *f = &o->fit;
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "residual", "", NULL, f->lr, f->decay};
    if (status == 0)
        status = fit_train(&plan, m, helmholtz_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ---------------------------------------------------------- evaluation */

/* The network and the analytic field on the grid: image row r is
   y = linspace(1, -1)[r], column c is x = linspace(-1, 1)[c]. */
typedef struct field_images {
    size_t side;
    float *re, *im, *exact_re, *exact_im, *error;  /* [side * side] */
    unsigned char *measured;                        /* the error's region */
    double rel_error;
} field_images;

static void field_images_free(field_images *f)
{
    free(f->re);
    free(f->im);
    free(f->exact_re);
    free(f->exact_im);
    free(f->error);
    free(f->measured);
}

static double grid_coord(size_t i, size_t n)
{
    return -1.0 + 2.0 * (double)i / (double)(n - 1);
}

static int evaluate_network(const options *o, const fit_model *m, field_images *f)
{
    size_t n = f->side * f->side, chunk = (size_t)o->fit.chunk < n ? (size_t)o->fit.chunk : n;
    float *xy = malloc(chunk * 2 * sizeof *xy), *v = malloc(chunk * 2 * sizeof *v);
    siren_workspace *ws = NULL;
    int status = xy && v ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(m->net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->fit.threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->fit.threads);
    for (size_t first = 0; status == SIREN_OK && first < n; first += chunk) {
        size_t count = n - first < chunk ? n - first : chunk;
        for (size_t i = 0; i < count; i++) {
            size_t p = first + i;
            xy[2 * i] = (float)grid_coord(p % f->side, f->side);
            xy[2 * i + 1] = (float)-grid_coord(p / f->side, f->side);
        }
        siren_jet out = {.value = v};
        status = siren_eval(m->net, ws, count, xy, &out);
        for (size_t i = 0; status == SIREN_OK && i < count; i++) {
            f->re[first + i] = v[2 * i];
            f->im[first + i] = v[2 * i + 1];
        }
    }
    siren_workspace_free(ws);
    free(xy);
    free(v);
    return status == SIREN_OK ? 0 : fit_library_error("evaluating the field", status);
}

static int evaluate(const options *o, const fit_model *m, field_images *f)
{
    size_t side = (size_t)o->grid, n = side * side;
    f->side = side;
    f->re = malloc(n * sizeof *f->re);
    f->im = malloc(n * sizeof *f->im);
    f->exact_re = malloc(n * sizeof *f->exact_re);
    f->exact_im = malloc(n * sizeof *f->exact_im);
    f->error = malloc(n * sizeof *f->error);
    f->measured = malloc(n);
    if (!f->re || !f->im || !f->exact_re || !f->exact_im || !f->error || !f->measured)
        return fit_error("out of memory for a %zux%zu grid", side, side);
    if (evaluate_network(o, m, f))
        return 1;
    double inner = 1.0 - o->pml_width, err2 = 0, ref2 = 0;
    for (size_t p = 0; p < n; p++) {
        double x = grid_coord(p % side, side), y = -grid_coord(p / side, side), r = hypot(x, y);
        hcomplex u = r > 0 ? helmholtz_exact(o->k, o->sigma, SOURCE_STRENGTH, r)
                           : (hcomplex){NAN, NAN};
        f->exact_re[p] = (float)u.re;
        f->exact_im[p] = (float)u.im;
        f->measured[p] = fabs(x) <= inner && fabs(y) <= inner && r >= o->exclude && r > 0;
        double dr = f->re[p] - u.re, di = f->im[p] - u.im;
        f->error[p] = f->measured[p] ? (float)hypot(dr, di) : 0.0f;
        if (f->measured[p]) {
            err2 += dr * dr + di * di;
            ref2 += u.re * u.re + u.im * u.im;
        }
    }
    if (ref2 <= 0)
        return fit_error("no grid point is outside the layer and the excluded disc");
    f->rel_error = sqrt(err2 / ref2);
    return 0;
}

/* ------------------------------------------------------------- outputs */

enum { IMAGE_COUNT = 5 };

typedef struct outputs {
    char *image[IMAGE_COUNT];  /* real, imag, exact_real, exact_imag, error */
    char *model;
} outputs;

static void outputs_free(outputs *p)
{
    for (int i = 0; i < IMAGE_COUNT; i++)
        free(p->image[i]);
    free(p->model);
}

static int plan_outputs(const options *o, outputs *p)
{
    static const char *suffix[IMAGE_COUNT] = {"_real", "_imag", "_exact_real", "_exact_imag",
                                              "_error"};
    bool ok = true;
    for (int i = 0; i < IMAGE_COUNT; i++) /* colour fields, a grey error */
        ok &= (p->image[i] = fit_image_path(&o->fit, suffix[i], i < 4 ? 3 : 1)) != NULL;
    p->model = fit_model_path(&o->fit);
    if (!ok || !p->model)
        return fit_error("out of memory");
    char err[512];
    for (int i = 0; i <= IMAGE_COUNT + 1; i++) {
        const char *path = i < IMAGE_COUNT    ? p->image[i]
                           : i == IMAGE_COUNT ? p->model
                                              : o->fit.ckpt.checkpoint;
        if (path && files_check_writable(path, err, sizeof err))
            return fit_error("%s", err);
    }
    return 0;
}

static int write_images(const outputs *p, const field_images *f)
{
    size_t n = f->side * f->side;
    /* One colour scale for all four fields: the 99th percentile of the
       analytic field's magnitude where it is measured (the source's
       peak would wash everything out). */
    double scale = colormap_abs_quantile(f->exact_re, f->measured, n, 0.99);
    double scale_im = colormap_abs_quantile(f->exact_im, f->measured, n, 0.99);
    scale = scale_im > scale ? scale_im : scale;
    if (scale < 0)
        return fit_error("out of memory");
    const float *fields[4] = {f->re, f->im, f->exact_re, f->exact_im};
    char err[512];
    for (int i = 0; i < 4; i++)
        if (colormap_write_signed(p->image[i], f->side, f->side, fields[i], scale, err,
                                  sizeof err))
            return fit_error("%s: %s", p->image[i], err);
    if (render_write_display(p->image[4], f->side, f->side, f->error, false, err, sizeof err))
        return fit_error("%s: %s", p->image[4], err);
    return 0;
}

/* ---------------------------------------------------------------- main */

static int finish(const options *o, const fit_model *m, const outputs *p, const fit_run *stats)
{
    field_images f;
    memset(&f, 0, sizeof f);
    int status = evaluate(o, m, &f);
    if (status == 0) /* the model first: a full disk after it keeps the training */
        status = fit_model_save(m, p->model);
    if (status == 0)
        status = write_images(p, &f);
    if (status == 0) {
        printf("wrote %s, %s, %s, %s, %s (%zux%zu) and %s\n", p->image[0], p->image[1],
               p->image[2], p->image[3], p->image[4], f.side, f.side, p->model);
        printf("result: rel_error=%.4f steps=%llu seconds=%.1f k=%g points=%ld\n", f.rel_error,
               (unsigned long long)stats->last_step, stats->seconds, o->k, o->points);
    }
    field_images_free(&f);
    return status;
}

static int run(const options *o, const arg_spec *spec)
{
    fit_model m = {NULL, NULL};
    outputs paths;
    memset(&paths, 0, sizeof paths);
    fit_run stats = {0, 0, 0};
    fit_arch arch = fit_arch_of(&o->fit, 2, 2);
    int status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    if (status == 0)  /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, &paths) : 0);
    if (status == 0) {
        fit_say("k = %g, %zu parameters, %ld points per step (%ld at the source)", o->k,
                siren_net_param_count(m.net), o->points, o->source_points);
        status = train(o, &m, &stats);
    }
    if (status == 0 && fit_dist_root())
        status = finish(o, &m, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    return fit_exit_status(status);
}

static int helmholtz_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        FIT_STEPS_OPTION(f),
        ARG_LONG("points", &o.points, 2, 100000000, "N", "collocation points per step"),
        ARG_LONG("source-points", &o.source_points, 1, 100000000, "N",
                 "of which in the source's disc"),
        FIT_LR_OPTION(f),
        FIT_LR_DECAY_OPTIONS(f),
        FIT_CLIP_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        ARG_DOUBLE_POSITIVE("k", &o.k, "K", "wavenumber"),
        ARG_DOUBLE_POSITIVE("sigma", &o.sigma, "V", "variance of the Gaussian source"),
        ARG_DOUBLE("pml-width", &o.pml_width, 0.01, 1, "L", "width of the layer"),
        ARG_DOUBLE("pml-strength", &o.pml_strength, 0, 1e6, "A", "the layer's a0"),
        ARG_DOUBLE("source-radius", &o.source_radius, 0, 2, "R",
                   "radius of the disc of the source's points;\n"
                   "0: the reference's 0.05 sqrt(sigma / 1e-4)"),
        ARG_DOUBLE("exclude", &o.exclude, 0, 2, "R",
                   "radius around the source left out of the error"),
        FIT_SEED_OPTION(f, "seed of the initialisation and of the sampling"),
        FIT_CHUNK_OPTION(f, 100000000, "points per library call (memory)"),
        FIT_THREADS_OPTION(f),
        ARG_LONG("grid", &o.grid, 2, 4096, "N", "side of the evaluation grid and images"),
        FIT_OUT_OPTION(f),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
    };
    arg_spec spec = {"helmholtz", "[options]", DESCRIPTION, table, ARG_COUNT(table), NULL, 0,
                     0, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, helmholtz_main); /* on every rank under mpirun */
}
