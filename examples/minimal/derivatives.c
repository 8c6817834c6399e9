/* derivatives.c - a SIREN's value, gradient and Laplacian at two points,
   all from one call of siren_eval (forward-mode jets, not finite
   differences). Build with cc derivatives.c $(pkg-config --cflags --libs siren) */
#include <siren.h>

#include <stdio.h>

int main(void)
{
    siren_config cfg;
    siren_config_default(&cfg);            /* 2 -> 256 x 4 -> 1, omega 30 */
    siren_net *net = NULL;
    siren_workspace *ws = NULL;            /* all scratch memory, made once */
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 42);  /* same parameters on every platform */
    if (status == SIREN_OK)
        status = siren_workspace_create(net, 2, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN,
                                        &ws);

    float x[2][2] = {{0.0f, 0.0f}, {0.5f, -0.25f}};
    float value[2], gradient[2][2], laplacian[2];
    siren_jet out = {value, &gradient[0][0], laplacian, NULL};
    if (status == SIREN_OK)
        status = siren_eval(net, ws, 2, &x[0][0], &out);
    for (int p = 0; status == SIREN_OK && p < 2; p++)
        printf("f = %g  grad = (%g, %g)  lap = %g\n", value[p], gradient[p][0],
               gradient[p][1], laplacian[p]);
    if (status != SIREN_OK)
        fprintf(stderr, "derivatives: %s\n", siren_status_string(status));
    siren_workspace_free(ws);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}
