/*
 * consumer.c - a C program that uses only an installed libsiren: built by
 * tests/scripts/consumers.sh with nothing but `pkg-config --cflags --libs siren`
 * (shared, and --static), and by CMakeLists.txt through find_package.
 *
 * It fits f(x, y) = sin(3x) cos(2y) on a 16 x 16 grid (200 Adam steps),
 * evaluates the fit's value, gradient and Laplacian at a point, and checks
 * that the linked library has the header's major version. The last line
 * is "consumer ok" when the loss fell below 1e-3 of its start.
 */
#include <siren.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SIDE 16
#define N (SIDE * SIDE)

static int report(const char *what, int status)
{
    fprintf(stderr, "consumer: %s: %s\n", what, siren_status_string(status));
    return 1;
}

static float train_step(siren_net *net, siren_workspace *ws, siren_adam *opt,
                        const float *x, const float *target)
{
    float y[N], dy[N], mse = 0.0f;
    siren_jet out = {y, NULL, NULL, NULL};
    siren_net_zero_grad(net);
    if (siren_forward(net, ws, N, x, &out) != SIREN_OK) return -1.0f;
    for (int i = 0; i < N; i++) {
        mse += (y[i] - target[i]) * (y[i] - target[i]) / N;
        dy[i] = 2.0f * (y[i] - target[i]) / N;
    }
    siren_jet adjoint = {dy, NULL, NULL, NULL};
    if (siren_backward(net, ws, &adjoint) != SIREN_OK || siren_adam_step(opt, net) != SIREN_OK)
        return -1.0f;
    return mse;
}

int main(void)
{
    if (siren_version_number() / 10000 != SIREN_VERSION_MAJOR) {
        fprintf(stderr, "consumer: header %s, library %s\n", SIREN_VERSION_STRING,
                siren_version_string());
        return 1;
    }
    static float x[N][2], target[N];
    for (int i = 0; i < N; i++) {
        x[i][0] = -1.0f + 2.0f * (float)(i / SIDE) / (SIDE - 1);
        x[i][1] = -1.0f + 2.0f * (float)(i % SIDE) / (SIDE - 1);
        target[i] = sinf(3.0f * x[i][0]) * cosf(2.0f * x[i][1]);
    }
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 32;
    cfg.hidden_layers = 2;
    cfg.first_omega = 10.0f;
    siren_adam_config acfg;
    siren_adam_config_default(&acfg);
    acfg.lr = 1e-3f;
    siren_net *net = NULL;
    siren_workspace *ws = NULL, *probe = NULL;
    siren_adam *opt = NULL;
    int status;
    if ((status = siren_net_create(&cfg, &net)) != SIREN_OK) return report("create", status);
    if ((status = siren_net_init(net, 42)) != SIREN_OK) return report("init", status);
    if ((status = siren_workspace_create(net, N, SIREN_VALUE, &ws)) != SIREN_OK)
        return report("workspace", status);
    if ((status = siren_adam_create(net, &acfg, &opt)) != SIREN_OK) return report("adam", status);

    float first = train_step(net, ws, opt, &x[0][0], target), last = first;
    for (int step = 1; step < 200 && last >= 0.0f; step++)
        last = train_step(net, ws, opt, &x[0][0], target);
    printf("libsiren %s: mse %.3g -> %.3g after 200 steps\n", siren_version_string(),
           first, last);

    float at[2] = {0.25f, -0.5f}, value, gradient[2], laplacian;
    siren_jet out = {&value, gradient, &laplacian, NULL};
    status = siren_workspace_create(net, 1, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, &probe);
    if (status == SIREN_OK) status = siren_eval(net, probe, 1, at, &out);
    if (status != SIREN_OK) return report("eval", status);
    printf("f(0.25, -0.5) = %.4f  grad = (%.3f, %.3f)  laplacian = %.3f\n", value,
           gradient[0], gradient[1], laplacian);

    siren_workspace_free(probe);
    siren_workspace_free(ws);
    siren_adam_free(opt);
    siren_net_free(net);
    if (!(first > 0.0f && last >= 0.0f && last < 1e-3f * first)) {
        fprintf(stderr, "consumer: the fit did not converge\n");
        return 1;
    }
    printf("consumer ok\n");
    return 0;
}
