/* test_errors.c - bad input gets a clear status, never a crash: NULL
   pointers, zero or inconsistent sizes, wrong config size fields,
   non-finite omegas, overflowing sizes, n > max_points, quantities a
   workspace was not made for, backward in the wrong state. */
#include "check.h"
#include "siren.h"

#include <float.h>
#include <stdint.h>

static siren_config small_config(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 8;
    cfg.hidden_layers = 1;
    return cfg;
}

static siren_net *small_net(void)
{
    siren_config cfg = small_config();
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 1), SIREN_OK);
    return net;
}

static void expect_create_fails(const siren_config *cfg, int status)
{
    siren_net *net = (siren_net *)(uintptr_t)1; /* must stay untouched */
    CHECK_STATUS(siren_net_create(cfg, &net), status);
    CHECK(net == (siren_net *)(uintptr_t)1);
}

static void test_status_strings(void)
{
    for (int s = 0; s >= -8; s--) {
        CHECK(siren_status_string(s) != NULL);
        for (int t = 0; t > s; t--)
            CHECK(strcmp(siren_status_string(s), siren_status_string(t)) != 0);
    }
    CHECK(strcmp(siren_status_string(-1000), "unknown status") == 0);
    CHECK(strcmp(siren_status_string(5), "unknown status") == 0);
}

static void test_create_rejects_bad_configs(void)
{
    siren_config cfg = small_config();
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(NULL, &net), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_create(&cfg, NULL), SIREN_ERR_INVALID_ARGUMENT);
    cfg.size = 0;
    expect_create_fails(&cfg, SIREN_ERR_INVALID_ARGUMENT);
    cfg.size = sizeof cfg + 4;
    expect_create_fails(&cfg, SIREN_ERR_INVALID_ARGUMENT);
    uint32_t *sizes[3] = {&cfg.in_features, &cfg.out_features, &cfg.hidden_features};
    for (int i = 0; i < 3; i++) {
        cfg = small_config();
        *sizes[i] = 0;
        expect_create_fails(&cfg, SIREN_ERR_INVALID_ARGUMENT);
    }
    float bad_omegas[5] = {NAN, INFINITY, -INFINITY, 0.0f, -30.0f};
    for (int i = 0; i < 5; i++) {
        cfg = small_config();
        cfg.first_omega = bad_omegas[i];
        expect_create_fails(&cfg, SIREN_ERR_INVALID_ARGUMENT);
        cfg = small_config();
        cfg.hidden_omega = bad_omegas[i];
        expect_create_fails(&cfg, SIREN_ERR_INVALID_ARGUMENT);
    }
}

/* Sizes whose parameter count overflows, or passes SIREN_MAX_PARAMS, are
   refused before anything is allocated. */
static void test_create_rejects_huge_sizes(void)
{
    siren_config cfg = small_config();
    cfg.hidden_features = UINT32_MAX;
    cfg.hidden_layers = UINT32_MAX;
    expect_create_fails(&cfg, SIREN_ERR_TOO_LARGE);
    cfg = small_config();
    cfg.hidden_features = 65536;
    cfg.hidden_layers = 1;
    expect_create_fails(&cfg, SIREN_ERR_TOO_LARGE);
    cfg = small_config();
    cfg.in_features = UINT32_MAX;
    cfg.hidden_features = UINT32_MAX;
    expect_create_fails(&cfg, SIREN_ERR_TOO_LARGE);
    cfg = small_config();
    cfg.hidden_features = 2;
    cfg.hidden_layers = UINT32_MAX;
    expect_create_fails(&cfg, SIREN_ERR_TOO_LARGE);
}

static void test_null_accessors(void)
{
    siren_config cfg;
    CHECK(siren_net_param_count(NULL) == 0);
    CHECK(siren_net_params(NULL) == NULL);
    CHECK(siren_net_grads(NULL) == NULL);
    CHECK_STATUS(siren_net_init(NULL, 1), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_net_config(NULL, &cfg), SIREN_ERR_INVALID_ARGUMENT);
    siren_net *net = small_net();
    CHECK_STATUS(siren_net_config(net, NULL), SIREN_ERR_INVALID_ARGUMENT);
    siren_net_free(net);
    siren_net_free(NULL);
    siren_workspace_free(NULL);
    siren_adam_free(NULL);
}

static void test_workspace_rejects_bad_arguments(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    size_t bytes = 0;
    CHECK_STATUS(siren_workspace_create(NULL, 10, SIREN_VALUE, &ws), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, 10, SIREN_VALUE, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, 0, SIREN_VALUE, &ws), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, 10, 0, &ws), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, 10, SIREN_EVAL_ONLY, &ws), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, 10, 16, &ws), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_create(net, SIZE_MAX, SIREN_VALUE, &ws), SIREN_ERR_TOO_LARGE);
    CHECK_STATUS(siren_workspace_create(net, SIZE_MAX / 64, SIREN_HESSIAN_DIAG, &ws),
                 SIREN_ERR_TOO_LARGE);
    CHECK(ws == NULL);
    CHECK_STATUS(siren_workspace_bytes(net, 10, SIREN_VALUE, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_bytes(net, SIZE_MAX, SIREN_VALUE, &bytes), SIREN_ERR_TOO_LARGE);
    CHECK_STATUS(siren_workspace_bytes(net, 10, SIREN_VALUE, &bytes), SIREN_OK);
    size_t eval_bytes = 0;
    CHECK_STATUS(siren_workspace_bytes(net, 10, SIREN_VALUE | SIREN_EVAL_ONLY, &eval_bytes),
                 SIREN_OK);
    CHECK(eval_bytes > 0 && eval_bytes < bytes);
    siren_net_free(net);
}

static void test_laplacian_weights_rejects_bad_input(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_LAPLACIAN, &ws), SIREN_OK);
    float good[2] = {1, 2}, bad[2] = {1, NAN};
    CHECK_STATUS(siren_workspace_set_laplacian_weights(NULL, good, 2), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws, good, 3), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws, bad, 2), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws, good, 2), SIREN_OK);
    siren_workspace_free(ws);
    siren_net_free(net);
}

static void test_eval_rejects_bad_calls(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    float x[10] = {0}, v[5], g[10], lap[5], hd[10];
    siren_jet out = {v, g, NULL, NULL};
    int (*calls[2])(const siren_net *, siren_workspace *, size_t, const float *,
                    const siren_jet *) = {siren_eval, siren_forward};
    for (int c = 0; c < 2; c++) {
        CHECK_STATUS(calls[c](NULL, ws, 4, x, &out), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](net, NULL, 4, x, &out), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](net, ws, 4, NULL, &out), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](net, ws, 4, x, NULL), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](net, ws, 0, x, NULL), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](NULL, ws, 0, x, &out), SIREN_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(calls[c](net, ws, 5, x, &out), SIREN_ERR_TOO_LARGE);
        CHECK_STATUS(calls[c](net, ws, SIZE_MAX, x, &out), SIREN_ERR_TOO_LARGE);
        siren_jet want_lap = {v, NULL, lap, NULL}, want_hess = {NULL, NULL, NULL, hd};
        CHECK_STATUS(calls[c](net, ws, 4, x, &want_lap), SIREN_ERR_STATE);
        CHECK_STATUS(calls[c](net, ws, 4, x, &want_hess), SIREN_ERR_STATE);
        CHECK_STATUS(calls[c](net, ws, 4, x, &out), SIREN_OK);
    }
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* A workspace made for one architecture refuses another. */
static void test_workspace_of_another_architecture(void)
{
    siren_net *net = small_net();
    siren_config cfg = small_config();
    cfg.hidden_features = 9;
    siren_net *other = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &other), SIREN_OK);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE, &ws), SIREN_OK);
    float x[8] = {0}, v[4];
    siren_jet out = {v, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval(other, ws, 4, x, &out), SIREN_ERR_STATE);
    CHECK_STATUS(siren_forward(other, ws, 4, x, &out), SIREN_ERR_STATE);
    siren_workspace_free(ws);
    siren_net_free(other);
    siren_net_free(net);
}

static void test_backward_in_wrong_state(void)
{
    siren_net *net = small_net(), *twin = small_net();
    siren_workspace *ws = NULL, *eval_only = NULL;
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    CHECK_STATUS(siren_workspace_create(net, 4, SIREN_VALUE | SIREN_EVAL_ONLY, &eval_only),
                 SIREN_OK);
    float x[8] = {0}, v[4] = {0}, g[8] = {0};
    siren_jet value_only = {v, NULL, NULL, NULL}, both = {v, g, NULL, NULL};
    CHECK_STATUS(siren_backward(net, ws, &value_only), SIREN_ERR_STATE); /* no forward */
    CHECK_STATUS(siren_forward(net, eval_only, 4, x, &value_only), SIREN_ERR_STATE);
    CHECK_STATUS(siren_backward(net, eval_only, &value_only), SIREN_ERR_STATE);
    CHECK_STATUS(siren_eval(net, eval_only, 4, x, &value_only), SIREN_OK);
    CHECK_STATUS(siren_forward(net, ws, 4, x, &value_only), SIREN_OK);
    CHECK_STATUS(siren_backward(NULL, ws, &value_only), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_backward(net, NULL, &value_only), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_backward(net, ws, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_backward(twin, ws, &value_only), SIREN_ERR_STATE); /* another net */
    CHECK_STATUS(siren_backward(net, ws, &both), SIREN_ERR_STATE);  /* gradient not taped */
    for (size_t i = 0; i < siren_net_param_count(twin); i++)
        CHECK(siren_net_grads(twin)[i] == 0.0f);
    CHECK_STATUS(siren_backward(net, ws, &value_only), SIREN_OK);
    siren_workspace_free(ws);
    siren_workspace_free(eval_only);
    siren_net_free(twin);
    siren_net_free(net);
}

static void test_adam_rejects_bad_input(void)
{
    siren_net *net = small_net();
    siren_adam_config cfg;
    siren_adam *opt = NULL;
    siren_adam_config_default(&cfg);
    CHECK(cfg.size == sizeof cfg && cfg.lr == 1e-4f && cfg.beta1 == 0.9f &&
          cfg.beta2 == 0.999f && cfg.eps == 1e-8f && cfg.weight_decay == 0.0f &&
          cfg.clip_grad_norm == 0.0f);
    CHECK_STATUS(siren_adam_create(NULL, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_adam_create(net, NULL, &opt), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_adam_create(net, &cfg, NULL), SIREN_ERR_INVALID_ARGUMENT);
    float *fields[6] = {&cfg.lr, &cfg.beta1, &cfg.beta2, &cfg.eps, &cfg.weight_decay,
                        &cfg.clip_grad_norm};
    float bad[3] = {NAN, INFINITY, -1.0f};
    for (int f = 0; f < 6; f++)
        for (int b = 0; b < 3; b++) {
            siren_adam_config_default(&cfg);
            *fields[f] = bad[b];
            CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
        }
    siren_adam_config_default(&cfg);
    cfg.beta2 = 1.0f;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
    /* eps 0 (or -0): a step where every gradient so far was 0 would be 0/0
       (issue 19: accepted, then every such step refused as NONFINITE) */
    siren_adam_config_default(&cfg);
    cfg.eps = 0.0f;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
    cfg.eps = -0.0f;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
    siren_adam_config_default(&cfg);
    cfg.size = 4;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_ERR_INVALID_ARGUMENT);
    CHECK(opt == NULL);

    siren_adam_config_default(&cfg);
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    siren_config other_cfg = small_config();
    other_cfg.out_features = 2;
    siren_net *other = NULL;
    CHECK_STATUS(siren_net_create(&other_cfg, &other), SIREN_OK);
    CHECK_STATUS(siren_adam_step(opt, other), SIREN_ERR_STATE);
    CHECK_STATUS(siren_adam_step(NULL, net), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_adam_step(opt, NULL), SIREN_ERR_INVALID_ARGUMENT);
    CHECK(siren_adam_step_count(opt) == 0);
    CHECK(siren_adam_step_count(NULL) == 0);
    CHECK_STATUS(siren_adam_set_lr(opt, -1.0f), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_adam_set_lr(opt, NAN), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_adam_set_lr(NULL, 1.0f), SIREN_ERR_INVALID_ARGUMENT);
    siren_adam_free(opt);
    siren_net_free(other);
    siren_net_free(net);
}

/* A NaN or infinite coordinate spoils only its own point's outputs. */
static void test_nonfinite_input_stays_in_its_point(void)
{
    siren_net *net = small_net();
    siren_workspace *ws = NULL;
    enum { N = 40 };
    CHECK_STATUS(siren_workspace_create(net, N, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, &ws),
                 SIREN_OK);
    siren_workspace_set_threads(ws, 2);
    float x[2 * N], v[N], g[2 * N], l[N];
    for (int i = 0; i < 2 * N; i++)
        x[i] = (float)(i % 9) / 9.0f - 0.5f;
    x[2 * 7] = NAN;
    x[2 * 20 + 1] = INFINITY;
    siren_jet out = {v, g, l, NULL};
    CHECK_STATUS(siren_eval(net, ws, N, x, &out), SIREN_OK);
    for (int p = 0; p < N; p++) {
        int bad = p == 7 || p == 20;
        CHECK(bad == !isfinite(v[p]));
        CHECK(bad == !isfinite(l[p]));
        CHECK(bad == !isfinite(g[2 * p]));
    }
    siren_workspace_free(ws);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_status_strings);
    RUN(test_create_rejects_bad_configs);
    RUN(test_create_rejects_huge_sizes);
    RUN(test_null_accessors);
    RUN(test_workspace_rejects_bad_arguments);
    RUN(test_laplacian_weights_rejects_bad_input);
    RUN(test_eval_rejects_bad_calls);
    RUN(test_workspace_of_another_architecture);
    RUN(test_backward_in_wrong_state);
    RUN(test_adam_rejects_bad_input);
    RUN(test_nonfinite_input_stays_in_its_point);
    return check_summary();
}
