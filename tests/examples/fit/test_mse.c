/* test_mse.c - the signal programs' training step (examples/fit/mse.c):
   the loss it reports is the mean squared error of the network before
   the step, the gradients it leaves are those of that loss (central
   finite differences, in double, on every parameter of a small network),
   the chunking does not change them beyond rounding, the signal-to-noise
   ratio it reports is that of the network's values before the step, and
   the step moves the parameters (Adam). */
#include "fit/mse.h"

#include "check.h"

#include <stdint.h>

enum { POINTS = 7, IN = 2, OUT = 3 };

/* A 2 -> 6 -> 6 -> 3 network, its optimiser, and fixed points and targets. */
static void make_model(fit_model *m)
{
    fit_arch a = {IN, OUT, 6, 1, 3, 2, 1e-3, 0, 7};
    CHECK(fit_model_create(&a, m) == 0);
}

static void make_data(float *coords, float *targets)
{
    uint64_t s = 12345;
    for (int i = 0; i < POINTS * IN; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        coords[i] = (float)((double)(s >> 11) / 9007199254740992.0 * 2 - 1);
    }
    for (int i = 0; i < POINTS * OUT; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        targets[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
}

/* The mean squared error of net at the points, in double; *snr_db (when
   not NULL) 10 log10(sum t^2 / sum (y - t)^2). */
static double mse_snr_of(const siren_net *net, const float *coords, const float *targets,
                         double *snr_db)
{
    siren_workspace *ws = NULL;
    float values[POINTS * OUT];
    siren_jet out = {.value = values};
    CHECK(siren_workspace_create(net, POINTS, SIREN_VALUE | SIREN_EVAL_ONLY, &ws) == SIREN_OK);
    CHECK(siren_eval(net, ws, POINTS, coords, &out) == SIREN_OK);
    siren_workspace_free(ws);
    double sum = 0, signal = 0;
    for (int i = 0; i < POINTS * OUT; i++) {
        sum += ((double)values[i] - targets[i]) * ((double)values[i] - targets[i]);
        signal += (double)targets[i] * targets[i];
    }
    if (snr_db)
        *snr_db = 10 * log10(signal / sum);
    return sum / (POINTS * OUT);
}

static double mse_of(const siren_net *net, const float *coords, const float *targets)
{
    return mse_snr_of(net, coords, targets, NULL);
}

/* One step with `chunk` points per call: its loss and SNR, the gradients
   it left (before the update) and the parameters before it. */
static void step(size_t chunk, double *loss, double *snr, float *grads, float *before,
                 float *after)
{
    fit_model m = {0};
    make_model(&m);
    float coords[POINTS * IN], targets[POINTS * OUT];
    make_data(coords, targets);
    size_t n = siren_net_param_count(m.net);
    memcpy(before, siren_net_params(m.net), n * sizeof *before);
    fit_mse t;
    CHECK(fit_mse_init(&t, m.net, POINTS, chunk, 1) == 0);
    CHECK(fit_mse_step(&t, &m, coords, IN, targets, loss, snr) == 0);
    memcpy(grads, siren_net_grads(m.net), n * sizeof *grads);
    memcpy(after, siren_net_params(m.net), n * sizeof *after);
    fit_mse_free(&t);
    fit_model_free(&m);
}

static void test_loss_and_gradients(void)
{
    fit_model m = {0};
    make_model(&m);
    size_t n = siren_net_param_count(m.net);
    float *grads = malloc(n * sizeof *grads), *before = malloc(n * sizeof *before);
    float *after = malloc(n * sizeof *after), *grads2 = malloc(n * sizeof *grads2);
    float coords[POINTS * IN], targets[POINTS * OUT];
    make_data(coords, targets);
    double loss, loss2, snr, snr_before;
    step(3, &loss, &snr, grads, before, after);
    /* the loss and the SNR before the step */
    CHECK_NEAR(loss, mse_snr_of(m.net, coords, targets, &snr_before), 1e-6 * loss);
    CHECK_NEAR(snr, snr_before, 1e-5);
    /* d loss / d theta, every parameter, against central differences */
    float *theta = siren_net_params(m.net);
    double worst = 0, largest = 0;
    for (size_t i = 0; i < n; i++) {
        float h = 1e-2f * (fabsf(before[i]) > 1 ? fabsf(before[i]) : 1);
        theta[i] = before[i] + h;
        double up = mse_of(m.net, coords, targets);
        theta[i] = before[i] - h;
        double down = mse_of(m.net, coords, targets);
        theta[i] = before[i];
        double fd = (up - down) / (2.0 * h);
        worst = fmax(worst, fabs(fd - grads[i]));
        largest = fmax(largest, fabs(fd));
    }
    CHECK(largest > 1e-3);
    CHECK(worst <= 2e-3 * largest);
    /* another chunking: the same loss and gradients up to rounding */
    step(POINTS, &loss2, NULL, grads2, before, after);
    CHECK_NEAR(loss2, loss, 1e-6 * loss);
    double diff = 0;
    for (size_t i = 0; i < n; i++)
        diff = fmax(diff, fabs((double)grads2[i] - grads[i]));
    CHECK(diff <= 1e-5 * largest);
    /* the update moved the parameters */
    size_t moved = 0;
    for (size_t i = 0; i < n; i++)
        moved += after[i] != before[i];
    CHECK(moved > n / 2);
    fit_model_free(&m);
    free(grads), free(before), free(after), free(grads2);
}

int main(void)
{
    RUN(test_loss_and_gradients);
    return check_summary();
}
