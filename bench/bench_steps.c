/* bench_steps.c - median time of one training or evaluation step of the
 * reference SIREN (2 -> 256 x 4 -> 1) on a 256x256 grid, the steps of
 * docs/PERFORMANCE.md:
 *   fit    value MSE, backward, Adam               (image fitting)
 *   grad   gradient MSE, backward, Adam            (Poisson, gradient-supervised)
 *   lap    Laplacian MSE, backward, Adam           (Poisson, Laplacian-supervised)
 *   eval   value + gradient + Laplacian, no backward
 * Prints one line per measurement, "key=value" pairs, for bench/run.py:
 *   step=fit threads=2 points=65536 median_ms=... gflops=... peak_rss_mb=...
 * Run one step per process so that peak_rss_mb is that step's.
 *
 *   make bench            (builds bin/bench_steps and runs bench/run.py)
 *   bin/bench_steps --step lap --threads 2 --repeat 5
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */
#include "siren.h"
#include "timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct options {
    const char *step;
    size_t threads, side, chunk, repeat, width, hidden_layers;
} options;

static double peak_rss_mb(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

/* The pixel grid in [-1, 1]^2 (linspace, as the reference's get_mgrid)
   and a smooth target for every quantity. */
static void make_grid(size_t side, float *x, float *target)
{
    for (size_t i = 0; i < side; i++)
        for (size_t j = 0; j < side; j++) {
            size_t p = i * side + j;
            float u = -1.0f + 2.0f * (float)j / (float)(side - 1);
            float v = -1.0f + 2.0f * (float)i / (float)(side - 1);
            x[2 * p] = u;
            x[2 * p + 1] = v;
            target[p] = sinf(3.0f * u) * cosf(2.0f * v);
        }
}

/* Matrix-product FLOPs of one pass over n points with `channels` jet
   channels: 2 * in * out per column for every layer after the first. */
static double forward_flops(const siren_config *cfg, size_t n, size_t channels)
{
    double h = cfg->hidden_features, columns = (double)(n * channels);
    return 2.0 * columns * (h * h * cfg->hidden_layers + h * cfg->out_features);
}

typedef struct step_setup {
    unsigned what;
    size_t channels;
    int train;
} step_setup;

static int setup_for(const char *step, step_setup *s)
{
    if (strcmp(step, "fit") == 0)
        *s = (step_setup){SIREN_VALUE, 1, 1};
    else if (strcmp(step, "grad") == 0) /* reverse mode (src/gradient_reverse.c): a forward
                                            and a gradient sweep, two products per layer */
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT, 2, 1};
    else if (strcmp(step, "lap") == 0)
        *s = (step_setup){SIREN_VALUE | SIREN_LAPLACIAN, 4, 1};
    else if (strcmp(step, "eval") == 0)
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, 4, 0};
    else if (strcmp(step, "evalgrad") == 0) /* value and gradient by reverse mode
                                                (src/eval_reverse.c): two products per layer */
        *s = (step_setup){SIREN_VALUE | SIREN_GRADIENT, 2, 0};
    else
        return 0;
    return 1;
}

/* d(mean squared error)/d(output) into adj, for count outputs. */
static void mse_adjoint(const float *y, const float *t, size_t count, size_t stride,
                        float scale, float *adj)
{
    for (size_t i = 0; i < count; i++)
        adj[i] = scale * (y[i] - t[(i / stride)]);
}

typedef struct buffers {
    float *x, *target, *value, *gradient, *laplacian, *adjoint;
} buffers;

static int train_step(siren_net *net, siren_workspace *ws, siren_adam *opt, const options *o,
                      const char *step, buffers *b, size_t n)
{
    siren_net_zero_grad(net);
    for (size_t first = 0; first < n; first += o->chunk) {
        size_t m = n - first < o->chunk ? n - first : o->chunk;
        const float *x = b->x + 2 * first, *t = b->target + first;
        siren_jet out = {b->value, NULL, NULL, NULL}, adj = {NULL, NULL, NULL, NULL};
        if (strcmp(step, "grad") == 0)
            out.gradient = b->gradient;
        if (strcmp(step, "lap") == 0)
            out.laplacian = b->laplacian;
        int status = siren_forward(net, ws, m, x, &out);
        if (status != SIREN_OK)
            return status;
        if (strcmp(step, "fit") == 0) {
            mse_adjoint(b->value, t, m, 1, 2.0f / (float)n, b->adjoint);
            adj.value = b->adjoint;
        } else if (strcmp(step, "grad") == 0) {
            mse_adjoint(b->gradient, t, 2 * m, 2, 2.0f / (float)(2 * n), b->adjoint);
            adj.gradient = b->adjoint;
        } else {
            mse_adjoint(b->laplacian, t, m, 1, 2.0f / (float)n, b->adjoint);
            adj.laplacian = b->adjoint;
        }
        status = siren_backward(net, ws, &adj);
        if (status != SIREN_OK)
            return status;
    }
    return siren_adam_step(opt, net);
}

static int eval_step(const siren_net *net, siren_workspace *ws, const options *o, buffers *b,
                     size_t n, unsigned what)
{
    for (size_t first = 0; first < n; first += o->chunk) {
        size_t m = n - first < o->chunk ? n - first : o->chunk;
        siren_jet out = {b->value, b->gradient, (what & SIREN_LAPLACIAN) ? b->laplacian : NULL,
                         NULL};
        int status = siren_eval(net, ws, m, b->x + 2 * first, &out);
        if (status != SIREN_OK)
            return status;
    }
    return SIREN_OK;
}

static int run(const options *o)
{
    step_setup setup;
    if (!setup_for(o->step, &setup)) {
        fprintf(stderr, "bench_steps: unknown step '%s' (fit, grad, lap, eval, evalgrad)\n",
                o->step);
        return 1;
    }
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = (uint32_t)o->width;
    cfg.hidden_layers = (uint32_t)o->hidden_layers;
    size_t n = o->side * o->side, chunk = o->chunk;
    siren_net *net = NULL;
    siren_workspace *ws = NULL;
    siren_adam *opt = NULL;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    unsigned what = setup.what | (setup.train ? 0u : (unsigned)SIREN_EVAL_ONLY);
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK) status = siren_net_init(net, 1);
    if (status == SIREN_OK) status = siren_workspace_create(net, chunk, what, &ws);
    if (status == SIREN_OK) status = siren_workspace_set_threads(ws, o->threads);
    if (status == SIREN_OK) status = siren_adam_create(net, &adam, &opt);
    buffers b = {malloc(2 * n * sizeof(float)), malloc(n * sizeof(float)),
                 malloc(chunk * sizeof(float)), malloc(2 * chunk * sizeof(float)),
                 malloc(chunk * sizeof(float)), malloc(2 * chunk * sizeof(float))};
    if (status != SIREN_OK || !b.x || !b.target || !b.value || !b.gradient || !b.laplacian ||
        !b.adjoint) {
        fprintf(stderr, "bench_steps: setup failed: %s\n", siren_status_string(status));
        return 1;
    }
    make_grid(o->side, b.x, b.target);
    double *times = malloc((o->repeat + 1) * sizeof *times);
    for (size_t r = 0; r <= o->repeat && status == SIREN_OK; r++) {
        double t0 = seconds_now();
        status = setup.train ? train_step(net, ws, opt, o, o->step, &b, n)
                             : eval_step(net, ws, o, &b, n, setup.what);
        times[r] = seconds_now() - t0;
    }
    if (status != SIREN_OK) {
        fprintf(stderr, "bench_steps: step failed: %s\n", siren_status_string(status));
        return 1;
    }
    /* the first run warms caches and pages: not counted */
    qsort(times + 1, o->repeat, sizeof *times, compare_doubles);
    double median = times[1 + o->repeat / 2];
    double flops = forward_flops(&cfg, n, setup.channels) * (setup.train ? 3.0 : 1.0);
    printf("step=%s threads=%zu points=%zu chunk=%zu median_ms=%.1f min_ms=%.1f gflops=%.1f "
           "peak_rss_mb=%.0f\n",
           o->step, o->threads, n, chunk, 1e3 * median, 1e3 * times[1], flops / median * 1e-9,
           peak_rss_mb());
    free(times);
    free(b.x); free(b.target); free(b.value); free(b.gradient); free(b.laplacian);
    free(b.adjoint);
    siren_adam_free(opt);
    siren_workspace_free(ws);
    siren_net_free(net);
    return 0;
}

static size_t parse_size(const char *name, const char *text)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || v == 0) {
        fprintf(stderr, "bench_steps: %s: expected a positive integer, got '%s'\n", name, text);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    options o = {"fit", 2, 256, 16384, 5, 256, 3};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0) {
            printf("usage: bench_steps [--step fit|grad|lap|eval|evalgrad] [--threads N]\n"
                   "                   [--side N] [--chunk N] [--repeat N] [--width N]\n"
                   "                   [--depth N]\n");
            return 0;
        }
        if (!value) {
            fprintf(stderr, "bench_steps: %s needs a value (see --help)\n", arg);
            return 2;
        }
        if (strcmp(arg, "--step") == 0) o.step = value;
        else if (strcmp(arg, "--threads") == 0) o.threads = parse_size(arg, value);
        else if (strcmp(arg, "--side") == 0) o.side = parse_size(arg, value);
        else if (strcmp(arg, "--chunk") == 0) o.chunk = parse_size(arg, value);
        else if (strcmp(arg, "--repeat") == 0) o.repeat = parse_size(arg, value);
        else if (strcmp(arg, "--width") == 0) o.width = parse_size(arg, value);
        else if (strcmp(arg, "--depth") == 0) o.hidden_layers = parse_size(arg, value);
        else {
            fprintf(stderr, "bench_steps: unknown option %s (see --help)\n", arg);
            return 2;
        }
        i++;
    }
    if (o.chunk > o.side * o.side)
        o.chunk = o.side * o.side;
    return run(&o);
}
