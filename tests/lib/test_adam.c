/* test_adam.c - siren_adam_step against a double-precision transcription
   of torch.optim.Adam and torch.nn.utils.clip_grad_norm_ written here. */
#include "check.h"
#include "siren.h"

/* The reference update for one parameter vector, in double. */
typedef struct ref_adam {
    double lr, beta1, beta2, eps, decay, clip;
    double *m, *v;
    int step;
} ref_adam;

static void ref_adam_step(ref_adam *a, double *p, double *g, size_t n)
{
    if (a->clip > 0) {
        double sq = 0;
        for (size_t i = 0; i < n; i++)
            sq += g[i] * g[i];
        double coef = a->clip / (sqrt(sq) + 1e-6);
        if (coef < 1)
            for (size_t i = 0; i < n; i++)
                g[i] *= coef;
    }
    a->step++;
    double bc1 = 1 - pow(a->beta1, a->step), bc2 = 1 - pow(a->beta2, a->step);
    for (size_t i = 0; i < n; i++) {
        double grad = g[i] + a->decay * p[i];
        a->m[i] = a->beta1 * a->m[i] + (1 - a->beta1) * grad;
        a->v[i] = a->beta2 * a->v[i] + (1 - a->beta2) * grad * grad;
        p[i] -= a->lr / bc1 * a->m[i] / (sqrt(a->v[i]) / sqrt(bc2) + a->eps);
    }
}

static siren_net *small_net(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 6;
    cfg.hidden_layers = 1;
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 3), SIREN_OK);
    return net;
}

/* Steps with made-up gradients (some large, some tiny) on both sides. */
static void run_against_reference(float lr, float decay, float clip, double tol)
{
    siren_net *net = small_net();
    size_t n = siren_net_param_count(net);
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    cfg.lr = lr;
    cfg.weight_decay = decay;
    cfg.clip_grad_norm = clip;
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    double *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
    ref_adam ref = {cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weight_decay, cfg.clip_grad_norm,
                    calloc(n, sizeof(double)), calloc(n, sizeof(double)), 0};
    for (size_t i = 0; i < n; i++)
        p[i] = siren_net_params(net)[i];
    for (int step = 0; step < 20; step++) {
        for (size_t i = 0; i < n; i++) {
            float grad = (float)(sin(0.7 * (double)i + step) * pow(10.0, (double)(i % 5) - 3.0));
            siren_net_grads(net)[i] = grad;
            g[i] = grad;
        }
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        ref_adam_step(&ref, p, g, n);
    }
    CHECK(siren_adam_step_count(opt) == 20);
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs(siren_net_params(net)[i] - p[i]));
    if (!(worst <= tol))
        printf("  max |param - reference| = %.3g\n", worst);
    CHECK(worst <= tol);
    free(p); free(g); free(ref.m); free(ref.v);
    siren_adam_free(opt);
    siren_net_free(net);
}

static void test_plain_adam(void)
{
    run_against_reference(1e-3f, 0.0f, 0.0f, 1e-6);
}

static void test_weight_decay(void)
{
    run_against_reference(1e-3f, 0.1f, 0.0f, 1e-6);
}

static void test_gradient_clipping(void)
{
    run_against_reference(1e-3f, 0.0f, 0.01f, 1e-6);
    run_against_reference(1e-2f, 0.01f, 1.0f, 1e-5);
}

/* Clipping scales the gradients in place, like clip_grad_norm_. */
static void test_clipping_scales_gradients(void)
{
    siren_net *net = small_net();
    size_t n = siren_net_param_count(net);
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    cfg.clip_grad_norm = 1.0f;
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    for (size_t i = 0; i < n; i++)
        siren_net_grads(net)[i] = 3.0f;
    CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
    double sq = 0;
    for (size_t i = 0; i < n; i++)
        sq += (double)siren_net_grads(net)[i] * siren_net_grads(net)[i];
    CHECK_NEAR(sqrt(sq), 1.0, 1e-5);
    siren_adam_free(opt);
    siren_net_free(net);
}

/* The first step moves every parameter with a nonzero gradient by lr
   (the bias-corrected ratio m/sqrt(v) is +-1), the sign opposite. */
static void test_first_step_size(void)
{
    siren_net *net = small_net();
    size_t n = siren_net_param_count(net);
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    float *before = malloc(n * sizeof *before);
    memcpy(before, siren_net_params(net), n * sizeof *before);
    for (size_t i = 0; i < n; i++)
        siren_net_grads(net)[i] = i % 2 ? 0.5f : -2.0f;
    CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
    for (size_t i = 0; i < n; i++) {
        double moved = siren_net_params(net)[i] - before[i];
        /* up to one rounding of the parameter */
        CHECK_NEAR(moved, i % 2 ? -1e-4 : 1e-4, 1.2e-7 * fabs(before[i]) + 1e-9);
    }
    CHECK_STATUS(siren_adam_set_lr(opt, 0.0f), SIREN_OK);
    memcpy(before, siren_net_params(net), n * sizeof *before);
    CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
    CHECK(memcmp(before, siren_net_params(net), n * sizeof *before) == 0);
    free(before);
    siren_adam_free(opt);
    siren_net_free(net);
}

/* Exactly zero gradients (a parameter no loss reaches, or a batch that
   happens to give 0) are an ordinary step: m = v = 0 there, the update is
   0 / (0 + eps) = 0, the parameter stays put. The smallest positive eps
   still gives that; eps 0 is refused at create (issue 19: it made every
   such step 0/0 and NONFINITE). */
static void test_zero_gradients_step(void)
{
    float eps[2] = {1e-8f, 1.4e-45f};
    for (int e = 0; e < 2; e++) {
        siren_net *net = small_net();
        size_t n = siren_net_param_count(net);
        siren_adam_config cfg;
        siren_adam_config_default(&cfg);
        cfg.eps = eps[e];
        siren_adam *opt = NULL;
        CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
        float *before = malloc(n * sizeof *before);
        memcpy(before, siren_net_params(net), n * sizeof *before);
        for (size_t i = 0; i < n; i++)
            siren_net_grads(net)[i] = i % 3 ? 0.0f : 0.25f;
        for (int step = 0; step < 3; step++)
            CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        for (size_t i = 0; i < n; i++)
            if (i % 3)
                CHECK(siren_net_params(net)[i] == before[i]);
            else
                CHECK(siren_net_params(net)[i] < before[i]);
        free(before);
        siren_adam_free(opt);
        siren_net_free(net);
    }
}

/* Non-finite gradients change nothing and return NONFINITE; the next
   finite step proceeds as if the bad one never happened. */
static void test_nonfinite_gradients_change_nothing(void)
{
    float bad[3] = {NAN, INFINITY, 1e30f};
    for (int b = 0; b < 3; b++) {
        siren_net *net = small_net(), *twin = small_net();
        size_t n = siren_net_param_count(net);
        siren_adam_config cfg;
        siren_adam_config_default(&cfg);
        cfg.clip_grad_norm = 1.0f;
        siren_adam *opt = NULL, *twin_opt = NULL;
        CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
        CHECK_STATUS(siren_adam_create(twin, &cfg, &twin_opt), SIREN_OK);
        for (size_t i = 0; i < n; i++)
            siren_net_grads(net)[i] = siren_net_grads(twin)[i] = 0.01f * (float)(i % 7);
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        CHECK_STATUS(siren_adam_step(twin_opt, twin), SIREN_OK);
        siren_net_grads(net)[n / 2] = bad[b];
        float *grads_before = malloc(n * sizeof(float));
        memcpy(grads_before, siren_net_grads(net), n * sizeof(float));
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_ERR_NONFINITE);
        CHECK(siren_adam_step_count(opt) == 1);
        CHECK(memcmp(siren_net_params(net), siren_net_params(twin), n * sizeof(float)) == 0);
        CHECK(memcmp(siren_net_grads(net), grads_before, n * sizeof(float)) == 0);
        memcpy(siren_net_grads(net), siren_net_grads(twin), n * sizeof(float));
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        CHECK_STATUS(siren_adam_step(twin_opt, twin), SIREN_OK);
        CHECK(memcmp(siren_net_params(net), siren_net_params(twin), n * sizeof(float)) == 0);
        free(grads_before);
        siren_adam_free(opt);
        siren_adam_free(twin_opt);
        siren_net_free(net);
        siren_net_free(twin);
    }
}

/* Finite gradients whose update would overflow (a huge learning rate, or
   weight decay on a huge parameter) change nothing either: NONFINITE, and
   the next sane step matches a twin that never saw the bad one. */
static void test_overflowing_update_changes_nothing(void)
{
    for (int kind = 0; kind < 2; kind++) {
        siren_net *net = small_net(), *twin = small_net();
        size_t n = siren_net_param_count(net);
        siren_adam_config cfg;
        siren_adam_config_default(&cfg);
        cfg.clip_grad_norm = 0.05f; /* scales these gradients: in place only on success */
        cfg.weight_decay = kind == 1 ? 1.0f : 0.0f;
        siren_adam *opt = NULL, *twin_opt = NULL;
        CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
        CHECK_STATUS(siren_adam_create(twin, &cfg, &twin_opt), SIREN_OK);
        for (size_t i = 0; i < n; i++)
            siren_net_grads(net)[i] = siren_net_grads(twin)[i] = 0.01f * (float)(i % 7);
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        CHECK_STATUS(siren_adam_step(twin_opt, twin), SIREN_OK);
        float saved = siren_net_params(net)[n / 3];
        if (kind == 0)
            CHECK_STATUS(siren_adam_set_lr(opt, 3e38f), SIREN_OK);
        else
            siren_net_params(net)[n / 3] = 3e38f; /* decay makes its gradient 3e38 */
        float *params_before = malloc(n * sizeof(float));
        float *grads_before = malloc(n * sizeof(float));
        memcpy(params_before, siren_net_params(net), n * sizeof(float));
        memcpy(grads_before, siren_net_grads(net), n * sizeof(float));
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_ERR_NONFINITE);
        CHECK(siren_adam_step_count(opt) == 1);
        CHECK(memcmp(siren_net_params(net), params_before, n * sizeof(float)) == 0);
        CHECK(memcmp(siren_net_grads(net), grads_before, n * sizeof(float)) == 0);
        CHECK_STATUS(siren_adam_set_lr(opt, cfg.lr), SIREN_OK);
        siren_net_params(net)[n / 3] = saved;
        CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
        CHECK_STATUS(siren_adam_step(twin_opt, twin), SIREN_OK);
        CHECK(memcmp(siren_net_params(net), siren_net_params(twin), n * sizeof(float)) == 0);
        free(params_before);
        free(grads_before);
        siren_adam_free(opt);
        siren_adam_free(twin_opt);
        siren_net_free(net);
        siren_net_free(twin);
    }
}

int main(void)
{
    RUN(test_plain_adam);
    RUN(test_weight_decay);
    RUN(test_gradient_clipping);
    RUN(test_clipping_scales_gradients);
    RUN(test_first_step_size);
    RUN(test_zero_gradients_step);
    RUN(test_nonfinite_gradients_change_nothing);
    RUN(test_overflowing_update_changes_nothing);
    return check_summary();
}
