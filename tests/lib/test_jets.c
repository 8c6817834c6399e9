/* test_jets.c - siren_eval's value, gradient, Laplacian and Hessian
   diagonal against the independent double-precision reference (full
   Hessians, tests/lib/reference.h) and against central finite
   differences, on the large-batch path and on the small-batch path
   (src/small_batch.c) with each matrix-product kernel set this CPU has. */
#include "check.h"
#include "gemm_kernels.h" /* siren__gemm_use_path, siren__small_batch_allow */
#include "nets.h"
#include "reference.h"

#define ALL_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)

static float *random_points(size_t n, size_t dims, unsigned long long seed)
{
    float *x = malloc(n * dims * sizeof *x);
    for (size_t i = 0; i < n * dims; i++)
        x[i] = (float)ref_uniform(&seed, -1.0, 1.0);
    return x;
}

/* Relative error max|a - b| / max|b| of one quantity, checked against tol. */
static void check_quantity(const char *name, const float *got, const double *want, size_t count,
                           double tol)
{
    double diff, scale;
    ref_compare(got, want, count, &diff, &scale);
    double rel = diff / (scale > 1e-30 ? scale : 1.0);
    if (!(rel <= tol))
        printf("  %s: relative error %.3g > %.3g (max |ref| %.3g)\n", name, rel, tol, scale);
    CHECK(rel <= tol);
}

/* Evaluates the case at n points in one workspace with `what`, compares
   every quantity asked for with the reference. */
static void compare_at_points(const net_shape *c, unsigned what, double tol, size_t n)
{
    siren_net *net = make_net(c, 1234 + c->width);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, what, &ws), SIREN_OK);
    size_t dims = c->dims, out = c->out;
    float *x = random_points(n, dims, 99 + dims);
    float *value = calloc(n * out, sizeof(float)), *grad = calloc(n * out * dims, sizeof(float));
    float *lap = calloc(n * out, sizeof(float)), *hess = calloc(n * out * dims, sizeof(float));
    siren_jet jet = {(what & SIREN_VALUE) ? value : NULL, (what & SIREN_GRADIENT) ? grad : NULL,
                     (what & SIREN_LAPLACIAN) ? lap : NULL,
                     (what & SIREN_HESSIAN_DIAG) ? hess : NULL};
    CHECK_STATUS(siren_eval(net, ws, n, x, &jet), SIREN_OK);

    double *params = ref_params_of(net);
    double *rv = calloc(n * out, sizeof(double)), *rg = calloc(n * out * dims, sizeof(double));
    double *rh = calloc(n * out * dims, sizeof(double)), *rl = calloc(n * out, sizeof(double));
    siren_config cfg;
    siren_net_config(net, &cfg);
    for (size_t p = 0; p < n; p++) {
        double xp[REF_MAX_DIMS];
        for (size_t k = 0; k < dims; k++)
            xp[k] = x[p * dims + k];
        ref_out r = {rv + p * out, rg + p * out * dims, rh + p * out * dims};
        ref_eval_point(&cfg, params, xp, &r);
        for (size_t j = 0; j < out; j++)
            for (size_t k = 0; k < dims; k++)
                rl[p * out + j] += rh[(p * out + j) * dims + k];
    }
    if (jet.value) check_quantity("value", value, rv, n * out, tol);
    if (jet.gradient) check_quantity("gradient", grad, rg, n * out * dims, tol);
    if (jet.laplacian) check_quantity("laplacian", lap, rl, n * out, tol);
    if (jet.hessian_diag) check_quantity("hessian_diag", hess, rh, n * out * dims, tol);
    free(rv); free(rg); free(rh); free(rl); free(params);
    free(value); free(grad); free(lap); free(hess); free(x);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* 37 points: the large-batch path. */
static void compare_with_reference(const net_shape *c, unsigned what, double tol)
{
    compare_at_points(c, what, tol, 37);
}

static const net_shape cases[] = {
    {1, 16, 2, 1, 30.0f, 30.0f, 1},
    {2, 32, 3, 1, 30.0f, 30.0f, 1},
    {3, 24, 1, 2, 30.0f, 30.0f, 1},
    {2, 5, 0, 1, 30.0f, 30.0f, 1},
    {2, 33, 2, 3, 10.0f, 20.0f, 0},
    {3, 8, 4, 1, 1.0f, 1.0f, 0},
    {1, 1, 1, 1, 30.0f, 30.0f, 1},
    {2, 64, 2, 1, 30.0f, 30.0f, 0},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

static void test_all_quantities_match_reference(void)
{
    for (size_t i = 0; i < CASE_COUNT; i++)
        compare_with_reference(&cases[i], ALL_QUANTITIES, 2e-5);
}

/* Each smaller jet kind (fewer channels) gives the same numbers. */
static void test_smaller_jets_match_reference(void)
{
    static const unsigned whats[] = {SIREN_VALUE, SIREN_VALUE | SIREN_GRADIENT,
                                     SIREN_GRADIENT | SIREN_LAPLACIAN, SIREN_LAPLACIAN,
                                     SIREN_HESSIAN_DIAG, SIREN_VALUE | SIREN_EVAL_ONLY};
    for (size_t i = 0; i < CASE_COUNT; i++)
        for (size_t w = 0; w < sizeof whats / sizeof whats[0]; w++)
            compare_with_reference(&cases[i], whats[w], 2e-5);
}

/* Calls of a few points take the small-batch path (src/small_batch.c):
   every quantity, every jet kind, with each kernel set this CPU has, for
   1, 2, 3 and the most points it takes, and one more (the large path
   again). */
static void check_small_batches(void)
{
    static const unsigned whats[] = {ALL_QUANTITIES, SIREN_VALUE, SIREN_VALUE | SIREN_GRADIENT,
                                     SIREN_LAPLACIAN, SIREN_HESSIAN_DIAG,
                                     SIREN_VALUE | SIREN_GRADIENT | SIREN_EVAL_ONLY};
    size_t most = siren__small_batch_points();
    const size_t counts[] = {1, 2, 3, most, most + 1};
    for (size_t i = 0; i < CASE_COUNT; i++)
        for (size_t w = 0; w < sizeof whats / sizeof whats[0]; w++)
            for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
                compare_at_points(&cases[i], whats[w], 2e-5, counts[k]);
}

static void test_small_batches_match_reference(void)
{
    static const siren_gemm_path paths[] = {SIREN__GEMM_PORTABLE, SIREN__GEMM_AVX2,
                                            SIREN__GEMM_AVX512};
    int ran = 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (siren__gemm_use_path(paths[i])) {
            check_small_batches();
            ran++;
        }
    siren__gemm_use_path(SIREN__GEMM_AUTO);
    CHECK(ran >= 1);
}

/* The reference itself against central differences in double: its
   gradient from values, its Hessian diagonal from gradients. */
static void test_reference_against_finite_differences(void)
{
    for (size_t i = 0; i < CASE_COUNT; i++) {
        const net_shape *c = &cases[i];
        siren_net *net = make_net(c, 77);
        siren_config cfg;
        siren_net_config(net, &cfg);
        double *params = ref_params_of(net);
        size_t dims = c->dims, out = c->out;
        double x[REF_MAX_DIMS] = {0.3, -0.6, 0.1, 0.0}, h = 1e-5;
        double g[64], hd[64], vp[8], vm[8], gp[64], gm[64];
        ref_out r = {NULL, g, hd};
        ref_eval_point(&cfg, params, x, &r);
        for (size_t k = 0; k < dims; k++) {
            double saved = x[k];
            ref_out plus = {vp, gp, NULL}, minus = {vm, gm, NULL};
            x[k] = saved + h;
            ref_eval_point(&cfg, params, x, &plus);
            x[k] = saved - h;
            ref_eval_point(&cfg, params, x, &minus);
            x[k] = saved;
            for (size_t j = 0; j < out; j++) {
                double fd_grad = (vp[j] - vm[j]) / (2 * h);
                double fd_hess = (gp[j * dims + k] - gm[j * dims + k]) / (2 * h);
                double scale = c->first_omega * c->hidden_omega;
                CHECK_NEAR(g[j * dims + k], fd_grad, 1e-5 * scale);
                CHECK_NEAR(hd[j * dims + k], fd_hess, 1e-5 * scale * scale);
            }
        }
        free(params);
        siren_net_free(net);
    }
}

/* The library's own float outputs against central differences of its own
   float outputs, on gentle networks where float differences are meaningful. */
static void test_library_against_finite_differences(void)
{
    net_shape c = {3, 16, 2, 2, 1.0f, 2.0f, 1};
    siren_net *net = make_net(&c, 5);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 3, ALL_QUANTITIES, &ws), SIREN_OK);
    float x[3] = {0.2f, -0.4f, 0.7f}, h = 1e-2f;
    float v[2], g[6], lap[2], hd[6], vp[2], vm[2], gp[6], gm[6];
    siren_jet all = {v, g, lap, hd};
    CHECK_STATUS(siren_eval(net, ws, 1, x, &all), SIREN_OK);
    double lap_sum[2] = {0, 0};
    for (size_t k = 0; k < 3; k++) {
        float saved = x[k];
        siren_jet plus = {vp, gp, NULL, NULL}, minus = {vm, gm, NULL, NULL};
        x[k] = saved + h;
        CHECK_STATUS(siren_eval(net, ws, 1, x, &plus), SIREN_OK);
        x[k] = saved - h;
        CHECK_STATUS(siren_eval(net, ws, 1, x, &minus), SIREN_OK);
        x[k] = saved;
        for (size_t j = 0; j < 2; j++) {
            CHECK_NEAR(g[j * 3 + k], (vp[j] - vm[j]) / (2 * h), 2e-3);
            CHECK_NEAR(hd[j * 3 + k], (gp[j * 3 + k] - gm[j * 3 + k]) / (2 * h), 5e-3);
            lap_sum[j] += hd[j * 3 + k];
        }
    }
    CHECK_NEAR(lap[0], lap_sum[0], 1e-5);
    CHECK_NEAR(lap[1], lap_sum[1], 1e-5);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* Weights (1, -c^2, -c^2) give u_tt - c^2 (u_xx + u_yy); the same from
   the Laplacian channel and from the Hessian channels. */
static void test_weighted_laplacian(void)
{
    net_shape c = {3, 32, 2, 1, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 11);
    const size_t n = 20;
    float *x = random_points(n, 3, 4);
    float weights[3] = {1.0f, -0.25f, -0.25f};
    float lap_only[20], lap_hess[20], hess[60];
    siren_workspace *ws_lap = NULL, *ws_hess = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_LAPLACIAN, &ws_lap), SIREN_OK);
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG, &ws_hess),
                 SIREN_OK);
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws_lap, weights, 3), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws_hess, weights, 3), SIREN_OK);
    siren_jet a = {NULL, NULL, lap_only, NULL}, b = {NULL, NULL, lap_hess, hess};
    CHECK_STATUS(siren_eval(net, ws_lap, n, x, &a), SIREN_OK);
    CHECK_STATUS(siren_eval(net, ws_hess, n, x, &b), SIREN_OK);
    double scale = 0.0;
    for (size_t p = 0; p < n; p++)
        scale = fmax(scale, fabs(lap_hess[p]));
    for (size_t p = 0; p < n; p++) {
        double want = hess[p * 3] - 0.25 * (hess[p * 3 + 1] + hess[p * 3 + 2]);
        CHECK_NEAR(lap_hess[p], want, 1e-5 * scale);
        CHECK_NEAR(lap_only[p], want, 1e-5 * scale);
    }
    /* NULL restores the plain Laplacian. */
    CHECK_STATUS(siren_workspace_set_laplacian_weights(ws_lap, NULL, 3), SIREN_OK);
    CHECK_STATUS(siren_eval(net, ws_lap, n, x, &a), SIREN_OK);
    for (size_t p = 0; p < n; p++)
        CHECK_NEAR(lap_only[p], hess[p * 3] + hess[p * 3 + 1] + hess[p * 3 + 2], 1e-5 * scale);
    siren_workspace_free(ws_lap);
    siren_workspace_free(ws_hess);
    siren_net_free(net);
    free(x);
}

/* siren_forward computes exactly what siren_eval computes: for 50 points
   (the large-batch path) and for 1, 5 and 16 (the small-batch path), for
   two outputs and for one, every jet kind. One exception, which
   include/siren.h states: a one-output network's gradient on the large
   path goes by reverse mode in siren_forward, and by jets in siren_eval
   of a CBLAS build (this file runs in one, tests/blas_build.sh), to float
   rounding; tests/test_threads.c checks it bit for bit in the default
   build. */
static void test_forward_equals_eval(void)
{
    static const size_t counts[] = {50, 1, 5, 16};
    static const unsigned whats[] = {SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, SIREN_VALUE,
                                     SIREN_VALUE | SIREN_GRADIENT, ALL_QUANTITIES};
    for (uint32_t out = 1; out <= 2; out++) {
        net_shape c = {2, 32, 3, out, 30.0f, 30.0f, 1};
        siren_net *net = make_net(&c, 3);
        float *x = random_points(50, 2, 8);
        float v[2][100], g[2][200], l[2][100], h[2][200];
        siren_workspace *ws = NULL;
        CHECK_STATUS(siren_workspace_create(net, 50, ALL_QUANTITIES, &ws), SIREN_OK);
        for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
            for (size_t w = 0; w < sizeof whats / sizeof whats[0]; w++) {
                size_t n = counts[k], values = n * out;
                memset(v, 0, sizeof v), memset(g, 0, sizeof g);
                memset(l, 0, sizeof l), memset(h, 0, sizeof h);
                siren_jet jet[2];
                for (int i = 0; i < 2; i++)
                    jet[i] = (siren_jet){v[i], (whats[w] & SIREN_GRADIENT) ? g[i] : NULL,
                                         (whats[w] & SIREN_LAPLACIAN) ? l[i] : NULL,
                                         (whats[w] & SIREN_HESSIAN_DIAG) ? h[i] : NULL};
                CHECK_STATUS(siren_eval(net, ws, n, x, &jet[0]), SIREN_OK);
                CHECK_STATUS(siren_forward(net, ws, n, x, &jet[1]), SIREN_OK);
                CHECK(memcmp(v[0], v[1], values * sizeof(float)) == 0);
                if (out == 1 && whats[w] == (SIREN_VALUE | SIREN_GRADIENT) &&
                    n > siren__small_batch_points()) {
                    for (size_t i = 0; i < 2 * values; i++)
                        CHECK_NEAR(g[0][i], g[1][i], 1e-5 * (1.0 + fabs(g[1][i])));
                } else {
                    CHECK(memcmp(g[0], g[1], 2 * values * sizeof(float)) == 0);
                }
                CHECK(memcmp(l[0], l[1], values * sizeof(float)) == 0);
                CHECK(memcmp(h[0], h[1], 2 * values * sizeof(float)) == 0);
            }
        siren_workspace_free(ws);
        siren_net_free(net);
        free(x);
    }
}

/* The small-batch and large-batch paths agree to float rounding (their
   products sum in different orders, src/small_product.c): every jet kind,
   a 256-wide network, 1 to 16 points. */
static void test_small_batch_agrees_with_large(void)
{
    net_shape c = {2, 256, 3, 2, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 4);
    float *x = random_points(16, 2, 9);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 16, ALL_QUANTITIES, &ws), SIREN_OK);
    for (size_t n = 1; n <= 16; n += 5) {
        float q[2][4][64];
        for (int large = 0; large < 2; large++) {
            siren__small_batch_allow(!large);
            siren_jet all = {q[large][0], q[large][1], q[large][2], q[large][3]};
            CHECK_STATUS(siren_eval(net, ws, n, x, &all), SIREN_OK);
        }
        siren__small_batch_allow(true);
        size_t sizes[4] = {2 * n, 4 * n, 2 * n, 4 * n};
        for (int k = 0; k < 4; k++) {
            double diff = 0, scale = 0;
            for (size_t i = 0; i < sizes[k]; i++) {
                diff = fmax(diff, fabs((double)q[0][k][i] - q[1][k][i]));
                scale = fmax(scale, fabs((double)q[1][k][i]));
            }
            if (!(diff <= 1e-5 * scale))
                printf("  n %zu quantity %d: max difference %.3g of %.3g\n", n, k, diff, scale);
            CHECK(diff <= 1e-5 * scale && scale > 0);
        }
    }
    siren_workspace_free(ws);
    siren_net_free(net);
    free(x);
}

/* Which calls take the small-batch path, on the reference network: every
   jet kind up to the most points it takes, none beyond, none when the
   tests switch it off (the other tests here would pass if it never
   applied: both paths give the reference's numbers). */
static void test_small_batch_applies_where_documented(void)
{
    net_shape c = {2, 256, 3, 1, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 5);
    size_t most = siren__small_batch_points();
    CHECK(most == 24); /* include/siren.h, siren_eval */
    static const siren_jet_kind kinds[] = {JET_VALUE, JET_GRADIENT, JET_LAPLACIAN,
                                           JET_HESSIAN};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        CHECK(!siren__small_batch_applies(net, kinds[k], 0));
        CHECK(siren__small_batch_applies(net, kinds[k], 1));
        CHECK(siren__small_batch_applies(net, kinds[k], most));
        CHECK(!siren__small_batch_applies(net, kinds[k], most + 1));
        siren__small_batch_allow(false);
        CHECK(!siren__small_batch_applies(net, kinds[k], 1));
        siren__small_batch_allow(true);
    }
    siren_net_free(net);
}

/* Parameters written through siren_net_params between two calls are the
   ones the next call uses, on either path: nothing derived from them is
   kept between calls. */
static void test_parameters_changed_between_calls(void)
{
    net_shape c = {2, 64, 2, 1, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 6), *other = make_net(&c, 7);
    float *x = random_points(40, 2, 10);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 40, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    static const size_t counts[] = {1, 16, 40};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        size_t n = counts[k], count = siren_net_param_count(net);
        float before[3 * 40], after[3 * 40], want[3 * 40];
        siren_jet a = {before, before + n, NULL, NULL}, b = {after, after + n, NULL, NULL};
        siren_jet w = {want, want + n, NULL, NULL};
        CHECK_STATUS(siren_eval(net, ws, n, x, &a), SIREN_OK);
        float *saved = malloc(count * sizeof *saved);
        memcpy(saved, siren_net_params(net), count * sizeof *saved);
        memcpy(siren_net_params(net), siren_net_params(other), count * sizeof *saved);
        CHECK_STATUS(siren_eval(net, ws, n, x, &b), SIREN_OK);
        CHECK_STATUS(siren_eval(other, ws, n, x, &w), SIREN_OK);
        CHECK(memcmp(after, want, 3 * n * sizeof(float)) == 0);
        CHECK(memcmp(after, before, 3 * n * sizeof(float)) != 0);
        memcpy(siren_net_params(net), saved, count * sizeof *saved);
        free(saved);
    }
    siren_workspace_free(ws);
    siren_net_free(net);
    siren_net_free(other);
    free(x);
}

/* The same across several of siren_eval's tiles (src/jet_eval.c) and the
   default thread count, 256 wide: in a BLAS build too, where eval keeps
   the taped pass's products so that a BLAS's rounding, which may depend
   on a product's width, gives both the same bits. */
static void test_forward_equals_eval_across_tiles(void)
{
    net_shape c = {2, 256, 3, 3, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 5);
    const size_t n = 2100, values = n * 3;
    float *x = random_points(n, 2, 6);
    float *got[2][3];
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_LAPLACIAN | SIREN_GRADIENT | SIREN_VALUE, &ws),
                 SIREN_OK);
    for (int run = 0; run < 2; run++) {
        got[run][0] = malloc(values * sizeof(float));
        got[run][1] = malloc(2 * values * sizeof(float));
        got[run][2] = malloc(values * sizeof(float));
        siren_jet out = {got[run][0], got[run][1], got[run][2], NULL};
        CHECK_STATUS(run == 0 ? siren_eval(net, ws, n, x, &out) : siren_forward(net, ws, n, x, &out),
                     SIREN_OK);
    }
    CHECK(memcmp(got[0][0], got[1][0], values * sizeof(float)) == 0);
    CHECK(memcmp(got[0][1], got[1][1], 2 * values * sizeof(float)) == 0);
    CHECK(memcmp(got[0][2], got[1][2], values * sizeof(float)) == 0);
    for (int run = 0; run < 2; run++)
        for (int q = 0; q < 3; q++)
            free(got[run][q]);
    siren_workspace_free(ws);
    siren_net_free(net);
    free(x);
}

/* Fewer points than max_points, and one point at a time, agree with a
   full batch: points never interact. */
static void test_points_are_independent(void)
{
    net_shape c = {2, 16, 2, 1, 30.0f, 30.0f, 1};
    siren_net *net = make_net(&c, 9);
    const size_t n = 70;
    float *x = random_points(n, 2, 10);
    float batch[70], single[70];
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, 100, SIREN_VALUE, &ws), SIREN_OK);
    siren_jet all = {batch, NULL, NULL, NULL};
    CHECK_STATUS(siren_eval(net, ws, n, x, &all), SIREN_OK);
    for (size_t p = 0; p < n; p++) {
        siren_jet one = {single + p, NULL, NULL, NULL};
        CHECK_STATUS(siren_eval(net, ws, 1, x + 2 * p, &one), SIREN_OK);
    }
    for (size_t p = 0; p < n; p++)
        CHECK_NEAR(single[p], batch[p], 1e-6);
    siren_workspace_free(ws);
    siren_net_free(net);
    free(x);
}

int main(void)
{
    RUN(test_all_quantities_match_reference);
    RUN(test_smaller_jets_match_reference);
    RUN(test_reference_against_finite_differences);
    RUN(test_library_against_finite_differences);
    RUN(test_weighted_laplacian);
    RUN(test_small_batches_match_reference);
    RUN(test_forward_equals_eval);
    RUN(test_small_batch_agrees_with_large);
    RUN(test_small_batch_applies_where_documented);
    RUN(test_parameters_changed_between_calls);
    RUN(test_forward_equals_eval_across_tiles);
    RUN(test_points_are_independent);
    return check_summary();
}
