/* wave.c - solves the 2-D wave equation u_tt = c^2 (u_xx + u_yy) with a
   SIREN u(t, x, y), the wave experiment of the SIREN paper (Sitzmann et
   al. 2020, section 4.3; the reference's train_wave_equation.py with a
   uniform medium), and measures it against a finite-difference solution
   that it computes itself (wave_fd.h).

   The initial condition is the reference's Gaussian pulse at rest,
   u(0) = 0.02 exp(-|x|^2 / (2 * 5e-4)), u_t(0) = 0, in [-1, 1]^2. The
   residual u_tt - c^2 (u_xx + u_yy) is one jet channel: the Laplacian
   with weights (1, -c^2, -c^2) on (t, x, y)
   (siren_workspace_set_laplacian_weights), so a step needs the value,
   the gradient (for u_t) and that weighted Laplacian, 5 channels. The
   loss is the reference's (loss_functions.wave_pml), over P points per
   step of which the last 2S lie at t = 0 (S near the pulse, S uniform):

       (P / 10)  sum_{t = 0} |u - u0|      the initial value
       (P / 100) sum_{t = 0} |u_t|         at rest
                 sum_all     |u_tt - c^2 (u_xx + u_yy)|

   (the weights 1/10 and 1/100 are --value-weight and --velocity-weight).
   The other points' times are uniform in [0, T(step)], the reference's
   growing-time curriculum: T grows linearly from 0 to --t-max over the
   first --ramp-steps steps, or --ramp-fraction of them (the reference: to
   0.4 over all of them).
   With --pretrain-steps N (the reference's --pretrain: 2000 steps) every
   point of the first N steps lies at t = 0, so they fit the initial
   condition alone, and the curriculum starts after them.

   The defaults are a recipe that solves the reference's problem on a CPU
   (docs/RESULTS.md); --paper restores the reference's settings. The
   recipe keeps the problem and the loss per point and changes, each by an
   option: the network learns the solution for a pulse of height 1 and u
   is --output-scale (= --amplitude) times its output, exact since the
   equation is linear (wave/scaling.h); the near-pulse t = 0 points are
   normal around the pulse, not uniform in a disc 11 of its standard
   deviations wide; half the points at t > 0 lie near the expanding front
   |x| = c t (wave/sampling.h); the curriculum reaches t_max after a
   quarter of the steps; the learning rate decays from 2e-4 to 2e-5; the
   network is 128 wide and sees 4000 points a step, for 16000 steps.

   Result: the relative L2 error sqrt(sum (u - u_fd)^2 / sum u_fd^2) over
   the frames at --times, on the finite-difference grid's nodes in
   [-1, 1]^2 (every few nodes, about --grid per side).

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
#include "fit/rng.h"
#include "io/files.h"
#include "pde/wave_fd.h"
#include "siren.h"
#include "wave/montage.h"
#include "wave/sampling.h"
#include "wave/scaling.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FRAMES = 64, RECIPE_STEPS = 16000 };

/* ------------------------------------------------------------- options */

/* The fields named as fit_options's (fit/options.h) are set by its rows. */
typedef struct options {
    const char *out, *save, *times_text;
    long steps, points, source_points, width, depth, chunk, threads, grid;
    long ramp_steps, pretrain_steps;
    double lr, clip, first_omega, hidden_omega, c, t_max, amplitude, variance;
    double fd_points, courant, source_radius, source_spread, front_fraction, front_width;
    double ramp_fraction, value_weight, velocity_weight, output_scale;
    uint64_t seed;
    bool paper;                /* --paper: the reference's value for every option not given */
    double times[MAX_FRAMES];  /* from times_text */
    size_t frame_count;
    fit_resume_options ckpt;
    fit_lr_decay decay;
    const char *format_name;  /* --format */
    image_format format;      /* from format_name */
} options;

static const char DESCRIPTION[] =
    "Solves the wave equation u_tt = c^2 (u_xx + u_yy) for t in [0, --t-max] on\n"
    "[-1, 1]^2 from a Gaussian pulse at rest at the origin (amplitude --amplitude,\n"
    "variance --variance), by fitting a SIREN (t, x, y) -> u to the residual of the\n"
    "equation and the initial conditions: the SIREN paper's wave experiment and\n"
    "its loss. The defaults are a recipe that reaches a relative error of 0.07\n"
    "(every frame below 0.15) in 13 minutes on one core (docs/RESULTS.md);\n"
    "--paper gives the reference's settings instead (100000 steps of 115600\n"
    "points, a network 512 wide: GPU hours). The recipe, each part an option:\n"
    "- the network learns the solution from a pulse of height 1, and u is\n"
    "  --output-scale (unset: --amplitude) times its output. The equation is\n"
    "  linear, so this is exact; the 0.02 high pulse is no longer lost against\n"
    "  the residual's terms;\n"
    "- the t = 0 points near the pulse are normal around it (--source-spread),\n"
    "  not uniform in a disc 11 of its standard deviations wide;\n"
    "- half the points at t > 0 lie near the expanding front |x| = c t\n"
    "  (--front-fraction, --front-width), where the solution lives;\n"
    "- the time span grows to --t-max over the first quarter of the steps\n"
    "  (--ramp-fraction; the reference: all of them);\n"
    "- the learning rate decays from --lr 2e-4 to --lr-end 2e-5;\n"
    "- 4000 points a step (--points), a network 128 wide (--width), 16000 steps.\n"
    "\n"
    "Writes, for each time t of --times, PREFIX_tT.png (the network) and\n"
    "PREFIX_tT_fd.png (the finite-difference reference, same colour scale: blue\n"
    "negative, red positive; row 0 is y = +1, column 0 is x = -1), PREFIX_montage.png\n"
    "(all of them: the network's row above the reference's), .ppm files with\n"
    "--format pnm, and the model PREFIX.siren (u itself: --output-scale included).\n"
    "\n"
    "Result: the relative L2 error against the finite-difference solution over\n"
    "all those frames. The reference solution: fourth-order differences in space\n"
    "with --fd-points grid points per standard deviation of the pulse,\n"
    "Stormer-Verlet in time with Courant number --courant, on a square large\n"
    "enough that nothing reaches its border by --t-max (relative error about 3e-4\n"
    "at the defaults, tests/examples/pde/test_pde.c).\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

/* "0,0.1,0.4": increasing times in [0, t_max]. */
static int parse_times(options *o)
{
    const char *p = o->times_text;
    o->frame_count = 0;
    while (*p) {
        char *end;
        errno = 0;
        double t = strtod(p, &end);
        if (end == p || errno || !isfinite(t) || (*end != ',' && *end != '\0'))
            return fit_error("--times: expected numbers separated by commas, got '%s'",
                             o->times_text);
        if (t < 0 || t > o->t_max * (1 + 1e-12))
            return fit_error("--times: %g is outside [0, --t-max = %g]", t, o->t_max);
        if (o->frame_count == MAX_FRAMES)
            return fit_error("--times: at most %d times", MAX_FRAMES);
        if (o->frame_count > 0 && t <= o->times[o->frame_count - 1])
            return fit_error("--times: the times must increase");
        o->times[o->frame_count++] = t;
        p = *end ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return fit_error("--times: a trailing comma");
    }
    return 0;
}

/* --paper: the reference's value of every option where this program's
   default (the recipe) differs, unless given. */
static void paper_settings(options *o, const arg_spec *spec)
{
    const struct {
        const char *name;
        long *count;
        double *number;
        double value;
    } paper[] = {
        {"steps", &o->steps, NULL, 100000},
        {"points", &o->points, NULL, 340 * 340},
        {"width", &o->width, NULL, 512},
        {"lr", NULL, &o->lr, 2e-5},
        {"lr-end", NULL, &o->decay.lr_end, 0},
        {"ramp-fraction", NULL, &o->ramp_fraction, 1},
        {"output-scale", NULL, &o->output_scale, 1},
        {"source-spread", NULL, &o->source_spread, 0},
        {"front-fraction", NULL, &o->front_fraction, 0},
        {"chunk", &o->chunk, NULL, 16384},  /* the slabs of the programs before the recipe */
    };
    for (size_t i = 0; i < sizeof paper / sizeof *paper; i++) {
        if (args_given(spec, paper[i].name))
            continue;
        if (paper[i].count)
            *paper[i].count = (long)paper[i].value;
        else
            *paper[i].number = paper[i].value;
    }
}

/* The defaults that depend on other options, and the sampling's checks.
   Widths scale with the pulse's standard deviation: 0.05 (2.2 of them)
   for the reference's pulse. */
static int resolve_sampling(options *o, const arg_spec *spec)
{
    double scale = sqrt(o->variance / 5e-4);
    if (isnan(o->output_scale))
        o->output_scale = o->amplitude;
    if (isnan(o->source_spread))
        o->source_spread = args_given(spec, "source-radius") ? 0 : 0.05 * scale;
    if (isnan(o->front_width))
        o->front_width = 0.05 * scale;
    if (o->source_spread > 0 && args_given(spec, "source-radius"))
        return fit_error("--source-radius (the disc) and --source-spread (normal) exclude "
                         "each other");
    if (o->front_width == 0 && o->front_fraction > 0)
        return fit_error("--front-width must be positive with --front-fraction");
    return 0;
}

/* What args_parse cannot check, and the default --times. 0, or 1 after a
   message. */
static int check_options(options *o, const arg_spec *spec)
{
    if (fit_format_check(o->format_name, &o->format))
        return 1;
    if (o->paper)
        paper_settings(o, spec);
    if (resolve_sampling(o, spec))
        return 1;
    if (2 * o->source_points >= o->points)
        return fit_error("--points (%ld) must exceed twice --source-points (%ld)",
                         o->points, o->source_points);
    if (o->pretrain_steps >= o->steps && o->steps > 0)
        return fit_error("--pretrain-steps (%ld) must be fewer than --steps (%ld)",
                         o->pretrain_steps, o->steps);
    if (!args_given(spec, "times")) {
        static char text[128];
        snprintf(text, sizeof text, "0,%.17g,%.17g,%.17g,%.17g", 0.25 * o->t_max,
                 0.5 * o->t_max, 0.75 * o->t_max, o->t_max);
        o->times_text = text;
    }
    return parse_times(o);
}

static void default_options(options *o)
{
    siren_config cfg;
    siren_config_default(&cfg);
    /* The recipe (docs/RESULTS.md); paper_settings lists the reference's. */
    *o = (options){.steps = RECIPE_STEPS, .points = 4000, .source_points = 1000, .lr = 2e-4,
                   .decay = {.lr_end = 2e-5}, .clip = 0, .width = 128, .depth = 3,
                   .first_omega = cfg.first_omega, .hidden_omega = cfg.hidden_omega, .c = 1,
                   .t_max = 0.4, .ramp_steps = 0, .ramp_fraction = 0.25, .pretrain_steps = 0,
                   .amplitude = 0.02, .variance = 5e-4, .times_text = "", .grid = 256,
                   .fd_points = 6, .courant = 0.1, .value_weight = 0.1,
                   .velocity_weight = 0.01, .output_scale = NAN, .source_spread = NAN,
                   .front_fraction = 0.5, .front_width = NAN, .seed = 0, .chunk = 1000,
                   .threads = 0, .out = "out/wave"};
    fit_format_default(&o->format_name, &o->format);
}

static wave_pulse pulse_of(const options *o)
{
    return (wave_pulse){o->amplitude, o->variance, 0, 0};
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const options *o;
    siren_workspace *ws;
    size_t points, chunk;
    float *txy, *initial;              /* [points][3]; u0 at t = 0 points, NaN elsewhere */
    fit_chunk_jets jets;               /* a chunk's value, gradient, Laplacian */
    bool residual_on;                  /* the step's: some point is at t > 0 */
    fit_fold fold;                     /* the step over slabs of `chunk` points */
} trainer;

static void trainer_free(trainer *t)
{
    fit_fold_free(&t->fold);
    siren_workspace_free(t->ws);
    free(t->txy);
    free(t->initial);
    fit_chunk_jets_free(&t->jets);
}

static int trainer_init(trainer *t, const options *o, const fit_model *m)
{
    memset(t, 0, sizeof *t);
    t->o = o;
    t->points = (size_t)o->points;
    t->chunk = (size_t)o->chunk < t->points ? (size_t)o->chunk : t->points;
    unsigned what = SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN;
    if (fit_training_workspace(m->net, t->chunk, what, o->threads, &t->ws))
        return 1;
    float weights[3] = {1.0f, (float)(-o->c * o->c), (float)(-o->c * o->c)};
    int status = siren_workspace_set_laplacian_weights(t->ws, weights, 3);
    if (status != SIREN_OK)
        return fit_library_error("cannot create the training workspace", status);
    if (fit_chunk_jets_init(&t->jets, t->chunk, 3, 1, what))
        return 1;
    t->txy = malloc(t->points * 3 * sizeof *t->txy);
    t->initial = malloc(t->points * sizeof *t->initial);
    if (!t->txy || !t->initial)
        return fit_error("out of memory for the training buffers");
    return 0;
}

/* The end of the time span at `step` (0-based): 0 while pretraining,
   then the reference's 0.4 * counter / full_count, counter counting the
   steps after pretraining, full_count = --ramp-steps or --ramp-fraction
   of the steps after pretraining (the reference: all of them; fewer than
   one: the whole span from the start). (A run resumed with another
   --steps keeps its curriculum only when --ramp-steps is given.) */
static double time_span(const options *o, uint64_t step)
{
    uint64_t pretrain = (uint64_t)o->pretrain_steps;
    if (step < pretrain)
        return 0;
    double full = o->ramp_steps > 0 ? (double)o->ramp_steps
                                    : o->ramp_fraction * (double)(o->steps - o->pretrain_steps);
    if (!(full >= 1))
        return o->t_max;
    double f = (double)(step - pretrain) / full;
    return o->t_max * (f < 1 ? f : 1);
}

/* The points of `step` (wave/sampling.h). The reference's disc around
   the pulse has radius 5e2 * variance = 0.25, about 11 standard
   deviations; other variances keep that ratio (radius = 0.25 sqrt(variance
   / 5e-4)) unless --source-radius says otherwise. */
static double draw_points(trainer *t, uint64_t step)
{
    const options *o = t->o;
    rng r = rng_seeded(o->seed, step);
    double span = time_span(o, step);
    double radius = o->source_spread > 0   ? 0
                    : o->source_radius > 0 ? o->source_radius
                                           : 0.25 * sqrt(o->variance / 5e-4);
    wave_sampling s = {t->points, (size_t)o->source_points, radius, o->source_spread,
                       o->front_fraction, o->front_width, o->c, pulse_of(o)};
    wave_sample(&s, &r, span, t->txy, t->initial);
    return span;
}

static double sign_of(double v)
{
    return (double)(v > 0) - (double)(v < 0);
}

typedef struct step_stats {
    double loss, residual_sum, span;
    bool residual_on;  /* false while every point is at t = 0 (as the reference) */
} step_stats;

static int train_chunk(trainer *t, fit_model *m, size_t first, size_t n, step_stats *s)
{
    const siren_jet *out = &t->jets.out, *adj = &t->jets.adjoint;
    int status = siren_forward(m->net, t->ws, n, t->txy + 3 * first, out);
    if (status != SIREN_OK)
        return fit_library_error("training step", status);
    const options *o = t->o;
    double P = (double)t->points, wu = P * o->value_weight, wut = P * o->velocity_weight;
    double k = o->output_scale;  /* u = k * the network's output, so are its derivatives */
    for (size_t i = 0; i < n; i++) {
        float u0 = t->initial[first + i];
        double adj_u = 0, adj_ut = 0, adj_lap = 0, residual = k * out->laplacian[i];
        if (u0 == u0) {
            double du = k * out->value[i] - u0, ut = k * out->gradient[3 * i];
            s->loss += wu * fabs(du) + wut * fabs(ut);
            adj_u = wu * sign_of(du);
            adj_ut = wut * sign_of(ut);
        }
        if (s->residual_on) {
            s->loss += fabs(residual);
            s->residual_sum += fabs(residual);
            adj_lap = sign_of(residual);
        }
        adj->value[i] = (float)(k * adj_u);
        adj->gradient[3 * i] = (float)(k * adj_ut);
        adj->gradient[3 * i + 1] = adj->gradient[3 * i + 2] = 0;
        adj->laplacian[i] = (float)(k * adj_lap);
    }
    status = siren_backward(m->net, t->ws, adj);
    return status == SIREN_OK ? 0 : fit_library_error("training step", status);
}

/* fit_fold_step's slab function: the slab's points; sums: its loss and
   residual sums. */
static int wave_slab(void *ctx, fit_model *m, size_t slab, double *sums)
{
    trainer *t = ctx;
    size_t first, n;
    fit_slab_range(slab, t->points, t->chunk, &first, &n);
    step_stats s = {.residual_on = t->residual_on};
    if (train_chunk(t, m, first, n, &s))
        return 1;
    sums[0] = s.loss;
    sums[1] = s.residual_sum;
    return 0;
}

static int train_step(trainer *t, fit_model *m, uint64_t step, step_stats *s)
{
    memset(s, 0, sizeof *s);
    s->span = draw_points(t, step);
    s->residual_on = false;
    for (size_t i = 0; i < t->points && !s->residual_on; i++)
        s->residual_on = t->txy[3 * i] != 0;
    t->residual_on = s->residual_on;
    double sums[2] = {0, 0};
    int status = fit_fold_step(&t->fold, m, fit_slab_count(t->points, t->chunk), 2, wave_slab,
                               t, sums);
    s->loss = sums[0];
    s->residual_sum = sums[1];
    return status;
}

static int wave_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    trainer *t = ctx;
    step_stats s;
    int status = train_step(t, m, step, &s);
    *loss = s.loss;
    *metric = s.residual_sum / (double)t->points;
    return status;
}

static int train(const options *o, fit_model *m, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, m));
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "residual", "", NULL, o->lr, o->decay};
    if (status == 0)
        status = fit_train(&plan, m, wave_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ---------------------------------------------------------- evaluation */

/* The frames: the finite-difference grid's nodes in [-1, 1]^2, every
   `stride`-th, row 0 at y = +1. */
typedef struct wave_frames {
    size_t side, stride, count;
    float *net, *fd;   /* [count][side * side] */
    double rel_error, frame_error[MAX_FRAMES];
} wave_frames;

static void wave_frames_free(wave_frames *f)
{
    free(f->net);
    free(f->fd);
}

static int reference_frames(const options *o, wave_frames *f, wave_fd *w)
{
    wave_pulse pulse = pulse_of(o);
    /* At least --fd-points nodes per standard deviation, rounded up so
       that every stride-th node of [-1, 1] makes a frame of about --grid. */
    size_t unit = (size_t)ceil(o->fd_points / sqrt(o->variance));  /* cells from 0 to 1 */
    f->stride = 2 * unit / (size_t)(o->grid - 1) > 0 ? 2 * unit / (size_t)(o->grid - 1) : 1;
    unit = (unit + f->stride - 1) / f->stride * f->stride;
    f->side = 2 * unit / f->stride + 1;
    double cells_per_unit = (double)unit;
    size_t half = wave_fd_half_cells(&pulse, o->c, o->t_max, cells_per_unit);
    f->count = o->frame_count;
    size_t n = f->side * f->side;
    f->net = malloc(f->count * n * sizeof *f->net);
    f->fd = malloc(f->count * n * sizeof *f->fd);
    if (!f->net || !f->fd || wave_fd_init(w, &pulse, o->c, cells_per_unit, half, o->courant))
        return fit_error("out of memory for the finite-difference solution "
                         "(%zu^2 nodes)", 2 * half + 1);
    fit_say("finite differences on %zu^2 nodes (h = %.3g), frames of %zu^2", w->n, w->h, f->side);
    for (size_t k = 0; k < f->count; k++) {
        wave_fd_advance(w, o->times[k]);
        for (size_t r = 0; r < f->side; r++)
            for (size_t c = 0; c < f->side; c++) {
                size_t i = half - unit + c * f->stride, j = half + unit - r * f->stride;
                f->fd[k * n + r * f->side + c] = (float)wave_fd_node(w, i, j);
            }
    }
    return 0;
}

static int network_frames(const options *o, const fit_model *m, wave_frames *f)
{
    size_t n = f->side * f->side, total = f->count * n;
    size_t chunk = (size_t)o->chunk < total ? (size_t)o->chunk : total;
    float *txy = malloc(chunk * 3 * sizeof *txy);
    siren_workspace *ws = NULL;
    int status = txy ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(m->net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
    for (size_t first = 0; status == SIREN_OK && first < total; first += chunk) {
        size_t count = total - first < chunk ? total - first : chunk;
        for (size_t i = 0; i < count; i++) {
            size_t p = first + i, k = p / n, q = p % n;
            txy[3 * i] = (float)o->times[k];
            txy[3 * i + 1] = (float)(-1.0 + 2.0 * (double)(q % f->side) / (double)(f->side - 1));
            txy[3 * i + 2] = (float)(1.0 - 2.0 * (double)(q / f->side) / (double)(f->side - 1));
        }
        siren_jet out = {.value = f->net + first};
        status = siren_eval(m->net, ws, count, txy, &out);
    }
    siren_workspace_free(ws);
    free(txy);
    return status == SIREN_OK ? 0 : fit_library_error("evaluating the network", status);
}

static int evaluate(const options *o, const fit_model *m, wave_frames *f)
{
    wave_fd w;
    memset(&w, 0, sizeof w);
    int status = reference_frames(o, f, &w);
    wave_fd_free(&w);
    if (status == 0)
        status = network_frames(o, m, f);
    if (status)
        return status;
    size_t n = f->side * f->side;
    double err2 = 0, ref2 = 0;
    for (size_t k = 0; k < f->count; k++) {
        double e = 0, r = 0;
        for (size_t i = k * n; i < (k + 1) * n; i++) {
            double d = (double)f->net[i] - f->fd[i];
            e += d * d;
            r += (double)f->fd[i] * f->fd[i];
        }
        f->frame_error[k] = r > 0 ? sqrt(e / r) : INFINITY;
        fit_say("t = %g: relative error %.4f", o->times[k],
                f->frame_error[k]);
        err2 += e;
        ref2 += r;
    }
    f->rel_error = ref2 > 0 ? sqrt(err2 / ref2) : INFINITY;
    return 0;
}

/* ------------------------------------------------------------- outputs */

typedef struct outputs {
    char *net[MAX_FRAMES], *fd[MAX_FRAMES], *montage, *model;
} outputs;

static void outputs_free(outputs *p)
{
    for (size_t k = 0; k < MAX_FRAMES; k++) {
        free(p->net[k]);
        free(p->fd[k]);
    }
    free(p->montage);
    free(p->model);
}

static int plan_outputs(const options *o, outputs *p)
{
    char err[512], suffix[64];
    for (size_t k = 0; k < o->frame_count; k++) {
        const char *ext = image_extension(o->format, 3);
        snprintf(suffix, sizeof suffix, "_t%.3f%s", o->times[k], ext);
        p->net[k] = files_join(o->out, suffix);
        snprintf(suffix, sizeof suffix, "_t%.3f_fd%s", o->times[k], ext);
        p->fd[k] = files_join(o->out, suffix);
        if (!p->net[k] || !p->fd[k])
            return fit_error("out of memory");
        if (files_check_writable(p->net[k], err, sizeof err) ||
            files_check_writable(p->fd[k], err, sizeof err))
            return fit_error("%s", err);
    }
    snprintf(suffix, sizeof suffix, "_montage%s", image_extension(o->format, 3));
    p->montage = files_join(o->out, suffix);
    p->model = o->save ? files_join(o->save, "") : files_join(o->out, ".siren");
    if (!p->montage || !p->model)
        return fit_error("out of memory");
    if (files_check_writable(p->montage, err, sizeof err) ||
        files_check_writable(p->model, err, sizeof err) ||
        (o->ckpt.checkpoint && files_check_writable(o->ckpt.checkpoint, err, sizeof err)))
        return fit_error("%s", err);
    return 0;
}

static int write_frames(const outputs *p, const wave_frames *f)
{
    size_t n = f->side * f->side;
    char err[512];
    double scales[MAX_FRAMES];
    for (size_t k = 0; k < f->count; k++) {
        /* Each frame's pair on the reference's scale (the pulse spreads
           and weakens as it travels). */
        double scale = colormap_abs_quantile(f->fd + k * n, NULL, n, 1.0);
        if (scale < 0)
            return fit_error("out of memory");
        scales[k] = scale > 0 ? scale : 1;
        if (colormap_write_signed(p->net[k], f->side, f->side, f->net + k * n, scale, err,
                                  sizeof err))
            return fit_error("%s: %s", p->net[k], err);
        if (colormap_write_signed(p->fd[k], f->side, f->side, f->fd + k * n, scale, err,
                                  sizeof err))
            return fit_error("%s: %s", p->fd[k], err);
    }
    if (wave_montage_write(p->montage, f->side, f->count, f->net, f->fd, scales, err,
                           sizeof err))
        return fit_error("%s: %s", p->montage, err);
    return 0;
}

/* ---------------------------------------------------------------- main */

static int finish(const options *o, const fit_model *m, const outputs *p, const fit_run *stats)
{
    wave_frames f;
    memset(&f, 0, sizeof f);
    int status = evaluate(o, m, &f);
    if (status == 0) /* the model first: a full disk after it keeps the training */
        status = fit_model_save(m, p->model);
    if (status == 0)
        status = write_frames(p, &f);
    if (status == 0) {
        printf("wrote %zu frames (%s ... %s), %s and %s\n", f.count, p->net[0],
               p->fd[f.count - 1], p->montage, p->model);
        printf("result: rel_error=%.4f steps=%llu seconds=%.1f t_max=%g points=%ld\n",
               f.rel_error, (unsigned long long)stats->last_step, stats->seconds, o->t_max,
               o->points);
    }
    wave_frames_free(&f);
    return status;
}

static int run(const options *o, const arg_spec *spec)
{
    fit_model m = {NULL, NULL};
    outputs paths;
    memset(&paths, 0, sizeof paths);
    fit_run stats = {0, 0, 0};
    fit_arch arch = {3, 1, o->width, o->depth, o->first_omega, o->hidden_omega, o->lr,
                     o->clip, o->seed};
    int status = fit_model_start(o->ckpt.resume, &arch, spec, &m);
    if (status == 0)  /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, &paths) : 0);
    if (status == 0) {
        fit_say("c = %g, t up to %g, %zu parameters, %ld points per step", o->c, o->t_max,
                siren_net_param_count(m.net), o->points);
        status = train(o, &m, &stats);
    }
    /* The model file holds u = k n (the checkpoint, written by training,
       holds n). */
    if (status == 0 && wave_scale_output(m.net, o->output_scale) != SIREN_OK)
        status = fit_error("--output-scale needs a linear last layer");
    if (status == 0 && fit_dist_root())
        status = finish(o, &m, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    return fit_exit_status(status);
}

static int wave_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    arg_option table[] = {
        FIT_STEPS_OPTION(&o),
        ARG_LONG("points", &o.points, 3, 100000000, "N", "collocation points per step"),
        ARG_LONG("source-points", &o.source_points, 1, 100000000, "N",
                 "S: of the points, 2S lie at t = 0, S of them near the pulse"),
        FIT_LR_OPTION(&o),
        FIT_LR_DECAY_OPTIONS(&o),
        FIT_CLIP_OPTION(&o),
        FIT_NETWORK_OPTIONS(&o),
        ARG_DOUBLE_POSITIVE("c", &o.c, "C", "wave speed"),
        ARG_DOUBLE_POSITIVE("t-max", &o.t_max, "T", "the end of the time span"),
        ARG_DOUBLE("ramp-fraction", &o.ramp_fraction, 0, 1, "F",
                   "the time span grows to --t-max over this fraction\n"
                   "of the steps after pretraining (--paper: 1); 0: the\n"
                   "whole span from the start"),
        ARG_LONG("ramp-steps", &o.ramp_steps, 0, 1000000000, "N",
                 "over N steps instead; 0: --ramp-fraction (keeps a\n"
                 "resumed run with another --steps exact)"),
        ARG_LONG("pretrain-steps", &o.pretrain_steps, 0, 1000000000, "N",
                 "first N steps with every point at t = 0 (the initial\n"
                 "condition alone; the reference's --pretrain: 2000)"),
        ARG_DOUBLE_POSITIVE("amplitude", &o.amplitude, "A", "the pulse's height"),
        ARG_DOUBLE_POSITIVE("variance", &o.variance, "V", "the pulse's variance per axis"),
        ARG_DOUBLE("source-radius", &o.source_radius, 0, 10, "R",
                   "the near-pulse t = 0 points are uniform in the disc\n"
                   "of radius R (the reference's; with --source-spread 0\n"
                   "or --paper); 0: 0.25 sqrt(variance / 5e-4)"),
        ARG_DOUBLE("source-spread", &o.source_spread, 0, 10, "D",
                   "the near-pulse t = 0 points are normal around it, D\n"
                   "per axis; unset: 0.05 sqrt(variance / 5e-4), 2.2\n"
                   "standard deviations; 0: the disc (--paper)"),
        ARG_DOUBLE("front-fraction", &o.front_fraction, 0, 1, "F",
                   "of the points at t > 0, F lie near the front\n"
                   "|x| = c t (--paper: 0)"),
        ARG_DOUBLE("front-width", &o.front_width, 0, 10, "W",
                   "standard deviation of the front points across it;\n"
                   "unset: 0.05 sqrt(variance / 5e-4)"),
        ARG_DOUBLE("value-weight", &o.value_weight, 0, 1e30, "X",
                   "weight of |u - u0| at t = 0, times --points"),
        ARG_DOUBLE("velocity-weight", &o.velocity_weight, 0, 1e30, "X",
                   "weight of |u_t| at t = 0, times --points"),
        ARG_DOUBLE_POSITIVE("output-scale", &o.output_scale, "X",
                            "u is X times the network's output (exact: the\n"
                            "equation is linear); unset: --amplitude, so the\n"
                            "network learns a pulse of height 1; --paper: 1"),
        ARG_FLAG("paper", &o.paper,
                 "the reference's settings for every option not given:\n"
                 "--steps 100000 --points 115600 --width 512 --lr 2e-5\n"
                 "--lr-end 0 --ramp-fraction 1 --output-scale 1\n"
                 "--source-spread 0 --front-fraction 0 --chunk 16384"),
        ARG_STRING("times", &o.times_text, "LIST", "times of the frames, comma-separated"),
        ARG_LONG("grid", &o.grid, 8, 4096, "N", "about N x N points per frame"),
        ARG_DOUBLE_POSITIVE("fd-points", &o.fd_points, "N",
                            "finite-difference nodes per standard deviation"),
        ARG_DOUBLE("courant", &o.courant, 0.001, 0.5, "X",
                   "finite-difference time step, times h / c"),
        FIT_SEED_OPTION(&o, "seed of the initialisation and of the sampling"),
        FIT_CHUNK_OPTION(&o, 100000000,
                         "points per library call (memory), the slabs that\n"
                         "mpirun's processes share: 4 at the defaults"),
        FIT_THREADS_OPTION(&o),
        FIT_OUT_OPTION(&o),
        FIT_FORMAT_OPTION(&o),
        FIT_SAVE_OPTION(&o),
        FIT_RESUME_OPTIONS(&o),
    };
    arg_spec spec = {"wave", "[options]", DESCRIPTION, table, ARG_COUNT(table), NULL, 0, 0, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o, &spec) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, wave_main); /* on every rank under mpirun */
}
