/* test_empty_calls.c - no points is a call that does nothing (siren.h):
   siren_eval, siren_forward and their instances variants with n = 0 (or
   instances = 0) return SIREN_OK, write nothing and read no points (x and
   params may be NULL); the usual checks of the other arguments still
   apply; a forward of no points replaces the tape, so a backward after it
   adds nothing, however large the forward before it was. */
#include "check.h"

#include <siren.h>

#define SENTINEL 12345.0f

static siren_net *small_net(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 8;
    cfg.hidden_layers = 1;
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 3), SIREN_OK);
    return net;
}

static int untouched(const float *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (v[i] != SENTINEL)
            return 0;
    return 1;
}

static void test_eval_and_forward_of_no_points(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    float x[8] = {0}, v[4], g[8];
    for (int i = 0; i < 4; i++) v[i] = SENTINEL;
    for (int i = 0; i < 8; i++) g[i] = SENTINEL;
    siren_jet out = {v, g, NULL, NULL};
    CHECK_STATUS(siren_eval(net, ws, 0, x, &out), SIREN_OK);
    CHECK_STATUS(siren_eval(net, ws, 0, NULL, &out), SIREN_OK);
    CHECK_STATUS(siren_forward(net, ws, 0, NULL, &out), SIREN_OK);
    CHECK(untouched(v, 4) && untouched(g, 8));
    /* the other checks still apply */
    float lap[4];
    siren_jet not_served = {NULL, NULL, lap, NULL};
    CHECK_STATUS(siren_eval(net, ws, 0, NULL, &not_served), SIREN_ERR_STATE);
    CHECK_STATUS(siren_eval(net, NULL, 0, NULL, &out), SIREN_ERR_INVALID_ARGUMENT);
    siren_workspace *eval_only = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_EVAL_ONLY, &eval_only),
                 SIREN_OK);
    siren_jet value_only = {v, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval(net, eval_only, 0, NULL, &value_only), SIREN_OK);
    CHECK_STATUS(siren_forward(net, eval_only, 0, NULL, &value_only), SIREN_ERR_STATE);
    siren_workspace_free(eval_only);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* forward(4 points), forward(0 points), backward: nothing is added (the
   adjoints given are the empty forward's, and the 4-point tape is gone). */
static void test_backward_after_an_empty_forward_adds_nothing(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    float x[8] = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, 0.7f, 0.8f}, v[4], g[8];
    float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    siren_jet out = {v, g, NULL, NULL}, adjoint = {ones, ones, NULL, NULL};
    size_t count = siren_net_param_count(net);
    for (int reverse = 0; reverse < 2; reverse++) { /* value only; value and gradient */
        siren_jet asked = {v, reverse ? g : NULL, NULL, NULL};
        siren_jet adj = {ones, reverse ? ones : NULL, NULL, NULL};
        siren_net_zero_grad(net);
        CHECK_STATUS(siren_forward(net, ws, 4, x, &asked), SIREN_OK);
        CHECK_STATUS(siren_forward(net, ws, 0, NULL, &asked), SIREN_OK);
        CHECK_STATUS(siren_backward(net, ws, &adj), SIREN_OK);
        const float *grads = siren_net_grads(net);
        int zero = 1;
        for (size_t i = 0; i < count; i++)
            zero &= grads[i] == 0.0f;
        CHECK(zero);
        /* and the 4-point forward again gives a non-zero gradient */
        CHECK_STATUS(siren_forward(net, ws, 4, x, &asked), SIREN_OK);
        CHECK_STATUS(siren_backward(net, ws, &adj), SIREN_OK);
        int moved = 0;
        for (size_t i = 0; i < count; i++)
            moved |= grads[i] != 0.0f;
        CHECK(moved);
    }
    /* an adjoint of a quantity the empty forward did not compute */
    siren_jet value_only = {v, NULL, NULL, NULL};
    CHECK_STATUS(siren_forward(net, ws, 0, NULL, &value_only), SIREN_OK);
    CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_ERR_STATE);
    (void)out;
    siren_workspace_free(ws);
    siren_net_free(net);
}

static void test_instances_of_no_points(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE, &ws), SIREN_OK);
    size_t count = siren_net_param_count(net);
    float v[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
    float x[8] = {0};
    siren_jet out = {v, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval_instances(net, ws, 0, NULL, 4, NULL, &out), SIREN_OK);
    CHECK_STATUS(siren_eval_instances(net, ws, 2, siren_net_params(net), 0, NULL, &out),
                 SIREN_OK);
    CHECK_STATUS(siren_forward_instances(net, ws, 3, siren_net_params(net), 0, x, &out),
                 SIREN_OK);
    CHECK(untouched(v, 4));
    float *grads = calloc(3 * count, sizeof(float));
    CHECK_STATUS(siren_backward_instances(net, ws, &out, grads), SIREN_OK);
    int zero = 1;
    for (size_t i = 0; i < 3 * count; i++)
        zero &= grads[i] == 0.0f;
    CHECK(zero);
    CHECK_STATUS(siren_forward_instances(net, ws, 0, NULL, 2, NULL, &out), SIREN_OK);
    CHECK_STATUS(siren_backward_instances(net, ws, &out, grads), SIREN_OK);
    CHECK_STATUS(siren_eval_instances(net, ws, 1, NULL, 2, x, &out),
                 SIREN_ERR_INVALID_ARGUMENT);
    free(grads);
    siren_workspace_free(ws);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_eval_and_forward_of_no_points);
    RUN(test_backward_after_an_empty_forward_adds_nothing);
    RUN(test_instances_of_no_points);
    return check_summary();
}
