/* bench_steps.c - median time of one training or evaluation step of the
 * reference SIREN (2 -> 256 x 4 -> 1) on a 256x256 grid, the steps of
 * docs/PERFORMANCE.md:
 *   fit    value MSE, backward, Adam               (image fitting)
 *   grad   gradient MSE, backward, Adam            (Poisson, gradient-supervised)
 *   lap    Laplacian MSE, backward, Adam           (Poisson, Laplacian-supervised)
 *   eval   value + gradient + Laplacian, no backward
 * Prints one line per measurement, "key=value" pairs, for bench/run.py:
 *   step=fit threads=2 points=65536 median_ms=... gflops=... peak_rss_mb=... cpu_ms=...
 * (cpu_ms: the median step's CPU time over all threads; at 1 thread, on a
 * machine loaded by other work, a better estimate of the idle wall time).
 * Run one step per process so that peak_rss_mb is that step's.
 *
 *   make bench            (builds bin/bench_steps and runs bench/run.py)
 *   bin/bench_steps --step lap --threads 2 --repeat 5
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, getrusage */
#include "bench_common.h"

typedef struct options {
    const char *step;
    size_t threads, side, chunk, repeat, width, hidden_layers;
} options;

static int train_step(siren_net *net, siren_workspace *ws, siren_adam *opt, const options *o,
                      const char *step, buffers *b, size_t n)
{
    siren_net_zero_grad(net);
    for (size_t first = 0; first < n; first += o->chunk) {
        size_t m = n - first < o->chunk ? n - first : o->chunk;
        int status = chunk_gradient(net, ws, step, b, first, m, n);
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
    double *times = malloc(2 * (o->repeat + 1) * sizeof *times), *cpu = times + o->repeat + 1;
    for (size_t r = 0; r <= o->repeat && status == SIREN_OK; r++) {
        double t0 = seconds_now(), c0 = cpu_seconds_now();
        status = setup.train ? train_step(net, ws, opt, o, o->step, &b, n)
                             : eval_step(net, ws, o, &b, n, setup.what);
        times[r] = seconds_now() - t0;
        cpu[r] = cpu_seconds_now() - c0;
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
           "peak_rss_mb=%.0f cpu_ms=%.1f\n",
           o->step, o->threads, n, chunk, 1e3 * median, 1e3 * times[1], flops / median * 1e-9,
           peak_rss_mb(), 1e3 * median_of(cpu + 1, o->repeat));
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
