/* test_instances.c - many SIRENs of one architecture with caller-given
   parameters (siren_*_instances): each instance equals a network of its
   own, bit for bit, in evaluation and in its parameter gradients; and the
   gradients agree with finite differences of the double reference. */
#include "check.h"
#include "internal.h" /* siren__small_batch_allow */
#include "reference.h"

#define ALL_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)
#define INSTANCES 3
#define POINTS 11

static siren_config small_config(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 2;
    cfg.out_features = 2;
    cfg.hidden_features = 16;
    cfg.hidden_layers = 2;
    return cfg;
}

static float *random_floats(size_t count, unsigned long long seed)
{
    float *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)ref_uniform(&seed, -1, 1);
    return v;
}

/* INSTANCES nets with different parameters, and the same parameters side
   by side in one array. */
typedef struct fixture {
    siren_net *nets[INSTANCES];
    siren_net *arch;
    float *params;
    size_t count;
    float *x;
} fixture;

static fixture make_fixture(void)
{
    fixture f;
    siren_config cfg = small_config();
    CHECK_STATUS(siren_net_create(&cfg, &f.arch), SIREN_OK);
    f.count = siren_net_param_count(f.arch);
    f.params = malloc(INSTANCES * f.count * sizeof(float));
    for (int i = 0; i < INSTANCES; i++) {
        CHECK_STATUS(siren_net_create(&cfg, &f.nets[i]), SIREN_OK);
        CHECK_STATUS(siren_net_init(f.nets[i], 100 + (uint64_t)i), SIREN_OK);
        memcpy(f.params + i * f.count, siren_net_params(f.nets[i]), f.count * sizeof(float));
    }
    f.x = random_floats(INSTANCES * POINTS * 2, 5);
    return f;
}

static void free_fixture(fixture *f)
{
    for (int i = 0; i < INSTANCES; i++)
        siren_net_free(f->nets[i]);
    siren_net_free(f->arch);
    free(f->params);
    free(f->x);
}

enum { VALUES = INSTANCES * POINTS * 2, GRADS = VALUES * 2 };

static void test_eval_matches_separate_networks(void)
{
    fixture f = make_fixture();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(f.arch, INSTANCES * POINTS, ALL_QUANTITIES, &ws), SIREN_OK);
    static float v[VALUES], g[GRADS], l[VALUES], h[GRADS];
    static float v1[VALUES], g1[GRADS], l1[VALUES], h1[GRADS];
    siren_jet all = {v, g, l, h};
    CHECK_STATUS(siren_eval_instances(f.arch, ws, INSTANCES, f.params, POINTS, f.x, &all),
                 SIREN_OK);
    for (int i = 0; i < INSTANCES; i++) {
        siren_jet one = {v1 + i * POINTS * 2, g1 + i * POINTS * 4, l1 + i * POINTS * 2,
                         h1 + i * POINTS * 4};
        CHECK_STATUS(siren_eval(f.nets[i], ws, POINTS, f.x + i * POINTS * 2, &one), SIREN_OK);
    }
    CHECK(memcmp(v, v1, sizeof v) == 0);
    CHECK(memcmp(g, g1, sizeof g) == 0);
    CHECK(memcmp(l, l1, sizeof l) == 0);
    CHECK(memcmp(h, h1, sizeof h) == 0);
    siren_workspace_free(ws);
    free_fixture(&f);
}

static void test_gradients_match_separate_networks(void)
{
    fixture f = make_fixture();
    siren_workspace *ws = NULL;
    unsigned what = SIREN_VALUE | SIREN_LAPLACIAN;
    CHECK_STATUS(siren_workspace_create(f.arch, INSTANCES * POINTS, what, &ws), SIREN_OK);
    static float v[VALUES], l[VALUES];
    float *av = random_floats(VALUES, 6), *al = random_floats(VALUES, 7);
    float *grads = calloc(INSTANCES * f.count, sizeof(float));
    siren_jet out = {v, NULL, l, NULL}, adj = {av, NULL, al, NULL};
    CHECK_STATUS(siren_forward_instances(f.arch, ws, INSTANCES, f.params, POINTS, f.x, &out),
                 SIREN_OK);
    CHECK_STATUS(siren_backward_instances(f.arch, ws, &adj, grads), SIREN_OK);
    /* a net's own backward after an instances forward is refused */
    CHECK_STATUS(siren_backward(f.arch, ws, &adj), SIREN_ERR_STATE);
    for (int i = 0; i < INSTANCES; i++) {
        siren_jet one = {v, NULL, l, NULL};
        siren_jet one_adj = {av + i * POINTS * 2, NULL, al + i * POINTS * 2, NULL};
        siren_net_zero_grad(f.nets[i]);
        CHECK_STATUS(siren_forward(f.nets[i], ws, POINTS, f.x + i * POINTS * 2, &one), SIREN_OK);
        CHECK_STATUS(siren_backward(f.nets[i], ws, &one_adj), SIREN_OK);
        CHECK(memcmp(siren_net_grads(f.nets[i]), grads + i * f.count,
                     f.count * sizeof(float)) == 0);
    }
    free(av); free(al); free(grads);
    siren_workspace_free(ws);
    free_fixture(&f);
}

/* One parameter per layer of the middle instance against a central
   difference of the double reference. */
static void test_gradients_against_finite_differences(void)
{
    fixture f = make_fixture();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(f.arch, INSTANCES * POINTS, SIREN_GRADIENT, &ws), SIREN_OK);
    static float g[GRADS];
    float *ag = random_floats(GRADS, 8);
    float *grads = calloc(INSTANCES * f.count, sizeof(float));
    siren_jet out = {NULL, g, NULL, NULL}, adj = {NULL, ag, NULL, NULL};
    CHECK_STATUS(siren_forward_instances(f.arch, ws, INSTANCES, f.params, POINTS, f.x, &out),
                 SIREN_OK);
    CHECK_STATUS(siren_backward_instances(f.arch, ws, &adj, grads), SIREN_OK);
    siren_config cfg = small_config();
    double *p = malloc(f.count * sizeof *p);
    for (size_t i = 0; i < f.count; i++)
        p[i] = f.params[f.count + i];
    size_t probes[5] = {0, 40, 100, 400, f.count - 1};
    for (int q = 0; q < 5; q++) {
        double fd = 0.0;
        for (int sign = -1; sign <= 1; sign += 2) {
            double saved = p[probes[q]], h = 1e-6, total = 0.0;
            p[probes[q]] = saved + sign * h;
            for (size_t pt = 0; pt < POINTS; pt++) {
                double xp[2] = {f.x[(POINTS + pt) * 2], f.x[(POINTS + pt) * 2 + 1]}, rg[4];
                ref_out r = {NULL, rg, NULL};
                ref_eval_point(&cfg, p, xp, &r);
                for (int k = 0; k < 4; k++)
                    total += ag[(POINTS + pt) * 4 + k] * rg[k];
            }
            p[probes[q]] = saved;
            fd += sign * total / (2 * h);
        }
        CHECK_NEAR(grads[f.count + probes[q]], fd, 1e-3 * (fabs(fd) + 1.0));
    }
    free(p); free(ag); free(grads);
    siren_workspace_free(ws);
    free_fixture(&f);
}

static void test_instances_reject_bad_calls(void)
{
    fixture f = make_fixture();
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(f.arch, INSTANCES * POINTS, SIREN_VALUE, &ws), SIREN_OK);
    static float v[VALUES];
    float grads[1];
    siren_jet out = {v, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval_instances(f.arch, ws, 0, f.params, POINTS, f.x, NULL),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_eval_instances(f.arch, ws, INSTANCES, NULL, POINTS, f.x, &out),
                 SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(siren_eval_instances(f.arch, ws, INSTANCES + 1, f.params, POINTS, f.x, &out),
                 SIREN_ERR_TOO_LARGE);
    CHECK_STATUS(siren_eval_instances(f.arch, ws, SIZE_MAX / 2, f.params, 3, f.x, &out),
                 SIREN_ERR_TOO_LARGE);
    CHECK_STATUS(siren_backward_instances(f.arch, ws, &out, grads), SIREN_ERR_STATE);
    CHECK_STATUS(siren_backward_instances(f.arch, ws, &out, NULL), SIREN_ERR_INVALID_ARGUMENT);
    siren_workspace_free(ws);
    free_fixture(&f);
}

/* Every test on both paths: calls of so few points take the small-batch
   path (src/small_batch.c); the second round sends them to the
   large-batch path, the one of larger calls. */
int main(void)
{
    for (int large = 0; large < 2; large++) {
        siren__small_batch_allow(!large);
        RUN(test_eval_matches_separate_networks);
        RUN(test_gradients_match_separate_networks);
        RUN(test_gradients_against_finite_differences);
        RUN(test_instances_reject_bad_calls);
    }
    siren__small_batch_allow(true);
    return check_summary();
}
