/* eval_demo.c - the smallest tour of libsiren's evaluation: a SIREN with
   the default architecture (2 inputs, 5 linear layers of 256, omega 30,
   one output), freshly initialised from a seed, evaluated at a few points
   with siren_eval. The value, the gradient and the Laplacian come out of
   one forward pass of jets (DESIGN.md, "Input derivatives"); next to them
   the table shows central finite differences of the value, computed here
   from extra evaluations, so the reader can see the jets are the
   derivatives. */
#include "fit/args.h"
#include "fit/messages.h"
#include "fit/progress.h"
#include "siren.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Finite-difference step: small enough for the truncation error
   (h^2 f''' / 6, with f''' ~ omega^3), large enough for float32 rounding
   of f (eps |f| / h^2 in the second difference). */
#define FD_STEP 3e-3f

/* Points spread over the unit disk (a sunflower spiral): deterministic,
   no two alike, for any count. */
static void spiral_points(size_t n, float *x)
{
    for (size_t k = 0; k < n; k++) {
        double r = sqrt(((double)k + 0.5) / (double)n), angle = 2.399963229728653 * (double)k;
        x[2 * k] = (float)(r * cos(angle));
        x[2 * k + 1] = (float)(r * sin(angle));
    }
}

/* For each point, the 4 neighbours x +- h e_k, k = 0, 1: [n][4][2]. */
static void neighbour_points(size_t n, const float *x, float *nb)
{
    for (size_t k = 0; k < n; k++)
        for (int j = 0; j < 4; j++) {
            float *p = nb + (k * 4 + (size_t)j) * 2;
            p[0] = x[2 * k];
            p[1] = x[2 * k + 1];
            p[j / 2] += (j % 2 ? -FD_STEP : FD_STEP);
        }
}

typedef struct errors {
    double gradient, laplacian; /* max |jet - fd| / max |jet| */
} errors;

static void print_table(size_t n, const float *x, const float *value, const float *grad,
                        const float *lap, const float *nb_value, errors *e)
{
    double grad_diff = 0, grad_max = 0, lap_diff = 0, lap_max = 0;
    printf("%18s %10s | %21s %21s | %10s %10s\n", "point (x0, x1)", "value", "gradient (jets)",
           "(finite diff.)", "laplacian", "(f. d.)");
    for (size_t k = 0; k < n; k++) {
        const float *f = nb_value + 4 * k; /* f(x+h e0), f(x-h e0), f(x+h e1), f(x-h e1) */
        double fd0 = (f[0] - f[1]) / (2.0 * FD_STEP), fd1 = (f[2] - f[3]) / (2.0 * FD_STEP);
        double fd_lap = (f[0] + f[1] + f[2] + f[3] - 4.0 * value[k]) / ((double)FD_STEP * FD_STEP);
        printf("(%7.4f, %7.4f) %10.5f | %10.4f %10.4f %10.4f %10.4f | %10.2f %10.2f\n",
               x[2 * k], x[2 * k + 1], value[k], grad[2 * k], grad[2 * k + 1], fd0, fd1,
               lap[k], fd_lap);
        grad_diff = fmax(grad_diff, fmax(fabs(grad[2 * k] - fd0), fabs(grad[2 * k + 1] - fd1)));
        grad_max = fmax(grad_max, fmax(fabs(grad[2 * k]), fabs(grad[2 * k + 1])));
        lap_diff = fmax(lap_diff, fabs(lap[k] - fd_lap));
        lap_max = fmax(lap_max, fabs(lap[k]));
    }
    e->gradient = grad_max > 0 ? grad_diff / grad_max : grad_diff;
    e->laplacian = lap_max > 0 ? lap_diff / lap_max : lap_diff;
}

/* Evaluates the jets at x and the values at the neighbours. */
static int evaluate(const siren_net *net, long threads, size_t n, const float *x, float *value,
                    float *grad, float *lap, const float *nb, float *nb_value)
{
    siren_workspace *ws = NULL;
    unsigned what = SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_EVAL_ONLY;
    int status = siren_workspace_create(net, 4 * n, what, &ws);
    if (status == SIREN_OK && threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)threads);
    siren_jet jets = {.value = value, .gradient = grad, .laplacian = lap};
    siren_jet values = {.value = nb_value};
    if (status == SIREN_OK)
        status = siren_eval(net, ws, n, x, &jets);
    if (status == SIREN_OK)
        status = siren_eval(net, ws, 4 * n, nb, &values);
    siren_workspace_free(ws);
    return status;
}

int main(int argc, char **argv)
{
    long points = 6, threads = 0;
    uint64_t seed = 0;
    arg_option options[] = {
        ARG_LONG("points", &points, 1, 1000, "N", "points to evaluate"),
        ARG_U64("seed", &seed, "S", "seed of the initialisation"),
        ARG_LONG("threads", &threads, 0, 256, "N",
                 "threads per call; 0: SIREN_NUM_THREADS or every CPU"),
    };
    arg_spec spec = {"eval_demo", "[options]",
                     "Evaluates a freshly initialised default SIREN (2 -> 256 x 4 -> 1,\n"
                     "omega 30) and its gradient and Laplacian at points in the unit disk,\n"
                     "next to central finite differences (step 3e-3) of its value.",
                     options, ARG_COUNT(options), NULL, 0, 0, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);

    size_t n = (size_t)points;
    siren_config cfg;
    siren_config_default(&cfg);
    siren_net *net = NULL;
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, seed);
    float *x = malloc(n * 2 * sizeof *x), *nb = malloc(n * 8 * sizeof *nb);
    float *value = malloc(n * sizeof *value), *grad = malloc(n * 2 * sizeof *grad);
    float *lap = malloc(n * sizeof *lap), *nb_value = malloc(n * 4 * sizeof *nb_value);
    if (status == SIREN_OK && !(x && nb && value && grad && lap && nb_value))
        status = SIREN_ERR_OUT_OF_MEMORY;
    double start = progress_clock();
    if (status == SIREN_OK) {
        spiral_points(n, x);
        neighbour_points(n, x, nb);
        status = evaluate(net, threads, n, x, value, grad, lap, nb, nb_value);
    }
    double seconds = progress_clock() - start;
    if (status == SIREN_OK) {
        errors e;
        printf("libsiren %s: default SIREN, %zu parameters, seed %llu\n\n",
               siren_version_string(), siren_net_param_count(net), (unsigned long long)seed);
        print_table(n, x, value, grad, lap, nb_value, &e);
        printf("\nresult: points=%zu gradient_vs_fd=%.2e laplacian_vs_fd=%.2e "
               "seconds=%.3f\n", n, e.gradient, e.laplacian, seconds);
    } else {
        fit_error("%s", siren_status_string(status));
    }
    free(x);
    free(nb);
    free(value);
    free(grad);
    free(lap);
    free(nb_value);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}
