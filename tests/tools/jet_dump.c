/* jet_dump.c - a tool for the shell tests: prints, one number per line,
   the value, gradient and Laplacian of the reference SIREN (2 -> 256 x 3
   -> 1, seed 7) at 300 points of [-1, 1]^2 and then the parameter
   gradient of the loss sum(value + gradient + Laplacian). Built against
   two builds of the library, its outputs compare them. */
#include <siren.h>
#include <stdio.h>
#include <stdlib.h>

enum { POINTS = 300 };

static int fail(const char *what, int status)
{
    fprintf(stderr, "jet_dump: %s: %s\n", what, siren_status_string(status));
    return 1;
}

int main(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    siren_net *net = NULL;
    siren_workspace *ws = NULL;
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 7);
    if (status == SIREN_OK)
        status = siren_workspace_create(net, POINTS, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN,
                                        &ws);
    if (status != SIREN_OK)
        return fail("setup", status);
    static float x[2 * POINTS], value[POINTS], gradient[2 * POINTS], laplacian[POINTS];
    static float ones[2 * POINTS];
    for (size_t i = 0; i < POINTS; i++) {
        x[2 * i] = -1.0f + 2.0f * (float)(i % 20) / 19.0f;
        x[2 * i + 1] = -1.0f + 2.0f * (float)(i / 20) / 14.0f;
    }
    for (size_t i = 0; i < 2 * POINTS; i++)
        ones[i] = 1.0f;
    siren_jet out = {value, gradient, laplacian, NULL}, adjoint = {ones, ones, ones, NULL};
    siren_net_zero_grad(net);
    status = siren_forward(net, ws, POINTS, x, &out);
    if (status == SIREN_OK)
        status = siren_backward(net, ws, &adjoint);
    if (status != SIREN_OK)
        return fail("forward/backward", status);
    for (size_t i = 0; i < POINTS; i++)
        printf("%.9g\n%.9g\n%.9g\n%.9g\n", value[i], gradient[2 * i], gradient[2 * i + 1],
               laplacian[i]);
    const float *grads = siren_net_grads(net);
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        printf("%.9g\n", grads[i]);
    siren_workspace_free(ws);
    siren_net_free(net);
    return 0;
}
