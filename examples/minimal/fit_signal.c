/* fit_signal.c - fits a SIREN y = f(x) to a 1-D signal with Adam: the whole
   training loop of libsiren in one file. Each step runs the network on
   every point (siren_forward), turns the loss into its derivative with
   respect to the outputs, the adjoint (here 2 (y - t) / N for the mean
   squared error), and hands that to siren_backward, which adds
   d loss / d parameters into the network's gradients; siren_adam_step
   then updates the parameters. Build with
   cc fit_signal.c $(pkg-config --cflags --libs siren) -lm */
#include <siren.h>

#include <math.h>
#include <stdio.h>

#define POINTS 200
#define STEPS 300

int main(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 1;                   /* x -> y: 1 -> 64 x 3 -> 1, omega 30 */
    cfg.hidden_features = 64;
    cfg.hidden_layers = 2;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    adam.lr = 1e-3f;
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    siren_workspace *ws = NULL;
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 1);
    if (status == SIREN_OK)
        status = siren_adam_create(net, &adam, &opt);
    if (status == SIREN_OK)
        status = siren_workspace_create(net, POINTS, SIREN_VALUE, &ws);

    float x[POINTS], target[POINTS], y[POINTS], dy[POINTS];
    for (int i = 0; i < POINTS; i++) {
        x[i] = -1.0f + 2.0f * (float)i / (POINTS - 1);
        target[i] = sinf(8.0f * x[i]) * expf(-2.0f * x[i] * x[i]);
    }
    siren_jet out = {.value = y}, adjoint = {.value = dy};
    double loss = 0;
    for (int step = 1; status == SIREN_OK && step <= STEPS; step++) {
        siren_net_zero_grad(net);
        status = siren_forward(net, ws, POINTS, x, &out);
        loss = 0;
        for (int i = 0; i < POINTS; i++) {
            loss += (double)(y[i] - target[i]) * (y[i] - target[i]) / POINTS;
            dy[i] = 2.0f * (y[i] - target[i]) / POINTS;
        }
        if (status == SIREN_OK)
            status = siren_backward(net, ws, &adjoint);
        if (status == SIREN_OK)
            status = siren_adam_step(opt, net);
        if (status == SIREN_OK && step % 50 == 0)
            printf("step %3d  mean squared error %.3g\n", step, loss);
    }
    if (status != SIREN_OK)
        fprintf(stderr, "fit_signal: %s\n", siren_status_string(status));
    siren_workspace_free(ws);
    siren_adam_free(opt);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}
