/* bench_latency.c - what one siren_eval call costs as an application
 * makes it, from one point to a large batch: the reference SIREN
 * (2 -> 256 x 4 -> 1, seed 1), one workspace made once (SIREN_EVAL_ONLY
 * unless --taped), calls of n points for n = 1, 2, 4 ... 65536, for
 *   value                  SIREN_VALUE
 *   value+gradient         SIREN_VALUE | SIREN_GRADIENT
 *   value+gradient+Laplacian
 * at 1 and 2 threads. For each, it prints the median time per call and
 * per point, and the per-point time as a multiple of the largest n's
 * (the "large batch" cost): docs/PERFORMANCE.md, "Latency".
 *
 * A sample is as many back-to-back calls as fill --min-ms (at least one);
 * the time of a call is the sample's time over its calls, and the table
 * gives the median over --samples samples, after one warm-up sample. The
 * samples of all n are interleaved (round by round), so a slow phase of a
 * shared machine touches every n alike.
 *
 *   make bench-latency                  (builds bin/bench_latency and runs it)
 *   bin/bench_latency --threads 1 --what value --max-n 64 --samples 21
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "siren.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SIZES = 32, MAX_SAMPLES = 101 };

typedef struct options {
    size_t threads[2], thread_counts;
    unsigned kinds;             /* bit k: kind k of KINDS */
    size_t max_n, samples;
    double min_ms;
    int taped;                  /* a workspace that keeps a tape (training's) */
} options;

typedef struct kind {
    const char *name;
    unsigned what;
} kind;

static const kind KINDS[] = {
    {"value", SIREN_VALUE},
    {"value+gradient", SIREN_VALUE | SIREN_GRADIENT},
    {"value+gradient+Laplacian", SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN},
};
enum { KIND_COUNT = sizeof KINDS / sizeof *KINDS };

/* Points spread over [-1, 1]^2 by a fixed generator (the same every run). */
static void make_points(size_t n, float *x)
{
    uint32_t s = 12345u;
    for (size_t i = 0; i < 2 * n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = -1.0f + 2.0f * (float)(s >> 8) / 16777216.0f;
    }
}

typedef struct buffers {
    float *x, *value, *gradient, *laplacian;
} buffers;

/* Seconds per call of one sample: calls back to back until min_ms. */
static int sample(const siren_net *net, siren_workspace *ws, const siren_jet *out, size_t n,
                  const float *x, double min_seconds, double *per_call)
{
    size_t calls = 0;
    double t0 = seconds_now(), elapsed;
    do {
        int status = siren_eval(net, ws, n, x, out);
        if (status != SIREN_OK) {
            fprintf(stderr, "bench_latency: siren_eval: %s\n", siren_status_string(status));
            return 0;
        }
        calls++;
        elapsed = seconds_now() - t0;
    } while (elapsed < min_seconds);
    *per_call = elapsed / (double)calls;
    return 1;
}

/* Every n for one kind and thread count: rounds of one sample per n. */
static int measure(const siren_net *net, const options *o, const kind *k, size_t threads,
                   const size_t *sizes, size_t size_count, buffers *b, double *medians)
{
    siren_workspace *ws = NULL;
    unsigned what = k->what | (o->taped ? 0u : (unsigned)SIREN_EVAL_ONLY);
    int status = siren_workspace_create(net, o->max_n, what, &ws);
    if (status == SIREN_OK)
        status = siren_workspace_set_threads(ws, threads);
    if (status != SIREN_OK) {
        fprintf(stderr, "bench_latency: workspace: %s\n", siren_status_string(status));
        siren_workspace_free(ws);
        return 0;
    }
    siren_jet out = {b->value, (k->what & SIREN_GRADIENT) ? b->gradient : NULL,
                     (k->what & SIREN_LAPLACIAN) ? b->laplacian : NULL, NULL};
    static double times[MAX_SIZES][MAX_SAMPLES];
    int ok = 1;
    for (size_t r = 0; ok && r <= o->samples; r++) /* round 0: warm-up */
        for (size_t i = 0; ok && i < size_count; i++)
            ok = sample(net, ws, &out, sizes[i], b->x, 1e-3 * o->min_ms,
                        &times[i][r == 0 ? 0 : r - 1]);
    for (size_t i = 0; ok && i < size_count; i++)
        medians[i] = median_of(times[i], o->samples);
    siren_workspace_free(ws);
    return ok;
}

static void print_table(const kind *k, size_t threads, const size_t *sizes, size_t size_count,
                        const double *medians)
{
    double large = medians[size_count - 1] / (double)sizes[size_count - 1];
    printf("\n%s, %zu thread%s (per point at n = %zu: %.2f us)\n\n", k->name, threads,
           threads == 1 ? "" : "s", sizes[size_count - 1], 1e6 * large);
    printf("| n | per call | per point | per point / large batch |\n");
    printf("|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < size_count; i++) {
        double per_point = medians[i] / (double)sizes[i];
        if (medians[i] < 1e-3)
            printf("| %zu | %.1f us", sizes[i], 1e6 * medians[i]);
        else
            printf("| %zu | %.2f ms", sizes[i], 1e3 * medians[i]);
        printf(" | %.2f us | %.2fx |\n", 1e6 * per_point, per_point / large);
    }
    fflush(stdout);
}

static size_t parse_size(const char *name, const char *text)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || v == 0) {
        fprintf(stderr, "bench_latency: %s: expected a positive integer, got '%s'\n", name,
                text);
        exit(2);
    }
    return (size_t)v;
}

/* "1", "2" or "1,2". */
static void parse_threads(const char *text, options *o)
{
    o->thread_counts = 0;
    char copy[64];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *part = strtok(copy, ","); part && o->thread_counts < 2; part = strtok(NULL, ","))
        o->threads[o->thread_counts++] = parse_size("--threads", part);
}

/* "value", "gradient", "laplacian" or "all", comma-separated. */
static void parse_kinds(const char *text, options *o)
{
    o->kinds = 0;
    char copy[128];
    snprintf(copy, sizeof copy, "%s", text);
    for (char *part = strtok(copy, ","); part; part = strtok(NULL, ",")) {
        if (strcmp(part, "value") == 0) o->kinds |= 1u;
        else if (strcmp(part, "gradient") == 0) o->kinds |= 2u;
        else if (strcmp(part, "laplacian") == 0) o->kinds |= 4u;
        else if (strcmp(part, "all") == 0) o->kinds |= 7u;
        else {
            fprintf(stderr, "bench_latency: --what: unknown '%s' (value, gradient, laplacian, "
                            "all)\n", part);
            exit(2);
        }
    }
}

static void usage(void)
{
    printf("usage: bench_latency [--threads 1,2] [--what value,gradient,laplacian|all]\n"
           "                     [--max-n N] [--samples N] [--min-ms MS] [--taped]\n"
           "  n runs over 1, 2, 4, ... up to --max-n (default 65536); each sample is\n"
           "  at least --min-ms of back-to-back calls (default 2); the median of\n"
           "  --samples samples (default 9) is printed.\n");
}

int main(int argc, char **argv)
{
    options o = {{1, 2}, 2, 7u, 65536, 9, 2.0, 0};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0) {
            usage();
            return 0;
        }
        if (strcmp(arg, "--taped") == 0) {
            o.taped = 1;
            continue;
        }
        if (!value) {
            fprintf(stderr, "bench_latency: %s needs a value (see --help)\n", arg);
            return 2;
        }
        if (strcmp(arg, "--threads") == 0) parse_threads(value, &o);
        else if (strcmp(arg, "--what") == 0) parse_kinds(value, &o);
        else if (strcmp(arg, "--max-n") == 0) o.max_n = parse_size(arg, value);
        else if (strcmp(arg, "--samples") == 0) o.samples = parse_size(arg, value);
        else if (strcmp(arg, "--min-ms") == 0) o.min_ms = (double)parse_size(arg, value);
        else {
            fprintf(stderr, "bench_latency: unknown option %s (see --help)\n", arg);
            return 2;
        }
        i++;
    }
    if (o.samples > MAX_SAMPLES)
        o.samples = MAX_SAMPLES;
    size_t sizes[MAX_SIZES], size_count = 0;
    for (size_t n = 1; n <= o.max_n && size_count < MAX_SIZES; n *= 2)
        sizes[size_count++] = n;
    if (sizes[size_count - 1] != o.max_n && size_count < MAX_SIZES)
        sizes[size_count++] = o.max_n;

    siren_config cfg;
    siren_config_default(&cfg);
    siren_net *net = NULL;
    buffers b = {malloc(2 * o.max_n * sizeof(float)), malloc(o.max_n * sizeof(float)),
                 malloc(2 * o.max_n * sizeof(float)), malloc(o.max_n * sizeof(float))};
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 1);
    if (status != SIREN_OK || !b.x || !b.value || !b.gradient || !b.laplacian) {
        fprintf(stderr, "bench_latency: setup failed: %s\n", siren_status_string(status));
        return 1;
    }
    make_points(o.max_n, b.x);
    printf("siren_eval latency, reference SIREN 2 -> 256 x 4 -> 1, %s workspace, median of %zu "
           "samples of >= %.0f ms\n", o.taped ? "taped" : "SIREN_EVAL_ONLY", o.samples,
           o.min_ms);
    int ok = 1;
    double medians[MAX_SIZES];
    for (size_t t = 0; ok && t < o.thread_counts; t++)
        for (size_t k = 0; ok && k < KIND_COUNT; k++) {
            if (!(o.kinds & (1u << k)))
                continue;
            ok = measure(net, &o, &KINDS[k], o.threads[t], sizes, size_count, &b, medians);
            if (ok)
                print_table(&KINDS[k], o.threads[t], sizes, size_count, medians);
        }
    free(b.x); free(b.value); free(b.gradient); free(b.laplacian);
    siren_net_free(net);
    return ok ? 0 : 1;
}
