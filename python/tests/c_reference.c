/*
 * c_reference.c - the C side of test_c_parity.py: the same computation
 * through the C API, written to stdout as raw float32 arrays, which the
 * Python package must reproduce bit for bit (same library, same order of
 * operations).
 *
 *   c_reference IN OUT WIDTH HIDDEN_LAYERS SEED POINTS STEPS
 *
 * Writes: the parameters after siren_net_init(SEED); value, gradient,
 * laplacian and hessian_diag at POINTS points; then the parameters after
 * STEPS training steps of Adam (lr 1e-3) on the loss
 *     sum (value - 0.5)^2 / 2 + 0.01 * sum laplacian^2 / 2
 * whose adjoints are value - 0.5 and 0.01 * laplacian.
 * The points are x[i][k] = ((7 i + 3 k) mod 17) / 8 - 1, exact in float32.
 */
#include <siren.h>

#include <stdio.h>
#include <stdlib.h>

static void fail(const char *what, int status)
{
    fprintf(stderr, "c_reference: %s: %s\n", what, siren_status_string(status));
    exit(1);
}

static void write_floats(const float *data, size_t count)
{
    if (fwrite(data, sizeof *data, count, stdout) != count) {
        perror("c_reference: write");
        exit(1);
    }
}

static float *floats(size_t count)
{
    float *data = calloc(count, sizeof *data);
    if (!data) {
        fprintf(stderr, "c_reference: out of memory\n");
        exit(1);
    }
    return data;
}

static void train(siren_net *net, siren_workspace *ws, size_t n, const float *x,
                  const siren_jet *out, size_t steps)
{
    siren_config cfg;
    siren_net_config(net, &cfg);
    size_t outs = n * cfg.out_features;
    siren_adam_config acfg;
    siren_adam_config_default(&acfg);
    acfg.lr = 1e-3f;
    siren_adam *opt;
    int status = siren_adam_create(net, &acfg, &opt);
    if (status != SIREN_OK) fail("siren_adam_create", status);
    float *dvalue = floats(outs), *dlaplacian = floats(outs);
    for (size_t step = 0; step < steps; step++) {
        siren_net_zero_grad(net);
        siren_jet fwd = {out->value, NULL, out->laplacian, NULL};
        if ((status = siren_forward(net, ws, n, x, &fwd)) != SIREN_OK)
            fail("siren_forward", status);
        for (size_t i = 0; i < outs; i++) {
            dvalue[i] = out->value[i] - 0.5f;
            dlaplacian[i] = 0.01f * out->laplacian[i];
        }
        siren_jet adjoint = {dvalue, NULL, dlaplacian, NULL};
        if ((status = siren_backward(net, ws, &adjoint)) != SIREN_OK)
            fail("siren_backward", status);
        if ((status = siren_adam_step(opt, net)) != SIREN_OK)
            fail("siren_adam_step", status);
    }
    free(dvalue);
    free(dlaplacian);
    siren_adam_free(opt);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: c_reference IN OUT WIDTH HIDDEN_LAYERS SEED POINTS STEPS\n");
        return 2;
    }
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = (uint32_t)strtoul(argv[1], NULL, 10);
    cfg.out_features = (uint32_t)strtoul(argv[2], NULL, 10);
    cfg.hidden_features = (uint32_t)strtoul(argv[3], NULL, 10);
    cfg.hidden_layers = (uint32_t)strtoul(argv[4], NULL, 10);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    size_t n = strtoul(argv[6], NULL, 10), steps = strtoul(argv[7], NULL, 10);
    size_t d = cfg.in_features, o = cfg.out_features;

    siren_net *net;
    int status = siren_net_create(&cfg, &net);
    if (status != SIREN_OK) fail("siren_net_create", status);
    if ((status = siren_net_init(net, seed)) != SIREN_OK) fail("siren_net_init", status);
    write_floats(siren_net_params(net), siren_net_param_count(net));

    float *x = floats(n * d);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d; k++)
            x[i * d + k] = (float)((7 * i + 3 * k) % 17) / 8.0f - 1.0f;
    siren_workspace *ws;
    status = siren_workspace_create(net, n, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN |
                                    SIREN_HESSIAN_DIAG, &ws);
    if (status != SIREN_OK) fail("siren_workspace_create", status);
    float *value = floats(n * o), *gradient = floats(n * o * d);
    float *laplacian = floats(n * o), *hessian = floats(n * o * d);
    siren_jet out = {value, gradient, laplacian, hessian};
    if ((status = siren_eval(net, ws, n, x, &out)) != SIREN_OK) fail("siren_eval", status);
    write_floats(value, n * o);
    write_floats(gradient, n * o * d);
    write_floats(laplacian, n * o);
    write_floats(hessian, n * o * d);

    train(net, ws, n, x, &out, steps);
    write_floats(siren_net_params(net), siren_net_param_count(net));

    free(x);
    free(value);
    free(gradient);
    free(laplacian);
    free(hessian);
    siren_workspace_free(ws);
    siren_net_free(net);
    return 0;
}
