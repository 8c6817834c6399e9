/* test_backward.c - parameter gradients of siren_backward against central
   finite differences of the double-precision reference (tests/lib/reference.h),
   for losses on each quantity and their sums, and chunked batches. */
#include "check.h"
#include "internal.h" /* siren__reverse_gradient_allow, siren__small_batch_allow */
#include "nets.h"
#include "reference.h"

#define ALL_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)

/* A loss linear in the outputs: L = sum over points and outputs of
   cv.value + cg.gradient + cl.laplacian + ch.hessian_diag, with fixed
   random coefficients; its adjoints are the coefficients. */
typedef struct linear_loss {
    size_t n, dims, out;
    float *cv, *cg, *cl, *ch;   /* NULL: that term is absent */
} linear_loss;

static float *random_floats(size_t count, unsigned long long seed, double lo, double hi)
{
    float *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)ref_uniform(&seed, lo, hi);
    return v;
}

static linear_loss make_loss(size_t n, size_t dims, size_t out, unsigned terms)
{
    linear_loss loss = {n, dims, out, NULL, NULL, NULL, NULL};
    if (terms & SIREN_VALUE) loss.cv = random_floats(n * out, 1, -1, 1);
    if (terms & SIREN_GRADIENT) loss.cg = random_floats(n * out * dims, 2, -1, 1);
    if (terms & SIREN_LAPLACIAN) loss.cl = random_floats(n * out, 3, -1, 1);
    if (terms & SIREN_HESSIAN_DIAG) loss.ch = random_floats(n * out * dims, 4, -1, 1);
    return loss;
}

static void free_loss(linear_loss *loss)
{
    free(loss->cv); free(loss->cg); free(loss->cl); free(loss->ch);
}

/* The loss in double precision through the reference. */
static double reference_loss(const siren_config *cfg, const double *params, const float *x,
                             const linear_loss *loss)
{
    size_t dims = loss->dims, out = loss->out;
    double v[8], g[32], h[32], total = 0.0;
    for (size_t p = 0; p < loss->n; p++) {
        double xp[REF_MAX_DIMS];
        for (size_t k = 0; k < dims; k++)
            xp[k] = x[p * dims + k];
        ref_out r = {v, g, h};
        ref_eval_point(cfg, params, xp, &r);
        for (size_t j = 0; j < out; j++) {
            double lap = 0.0;
            for (size_t k = 0; k < dims; k++) {
                size_t i = (p * out + j) * dims + k;
                lap += h[j * dims + k];
                if (loss->cg) total += loss->cg[i] * g[j * dims + k];
                if (loss->ch) total += loss->ch[i] * h[j * dims + k];
            }
            if (loss->cv) total += loss->cv[p * out + j] * v[j];
            if (loss->cl) total += loss->cl[p * out + j] * lap;
        }
    }
    return total;
}

/* forward + backward with the loss's adjoints, from zero gradients. */
static void library_gradient(siren_net *net, siren_workspace *ws, const float *x,
                             const linear_loss *loss, size_t first, size_t count)
{
    size_t out = loss->out, dims = loss->dims;
    float *v = malloc(count * out * sizeof *v), *g = malloc(count * out * dims * sizeof *g);
    float *l = malloc(count * out * sizeof *l), *h = malloc(count * out * dims * sizeof *h);
    siren_jet result = {loss->cv ? v : NULL, loss->cg ? g : NULL, loss->cl ? l : NULL,
                        loss->ch ? h : NULL};
    CHECK_STATUS(siren_forward(net, ws, count, x + first * dims, &result), SIREN_OK);
    siren_jet adjoint = {loss->cv ? loss->cv + first * out : NULL,
                         loss->cg ? loss->cg + first * out * dims : NULL,
                         loss->cl ? loss->cl + first * out : NULL,
                         loss->ch ? loss->ch + first * out * dims : NULL};
    CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
    free(v); free(g); free(l); free(h);
}

/* Every parameter's gradient against a central difference in double,
   through siren_forward's small-batch path (src/small_batch.c: these
   batches are small) and its large-batch path. */
static void check_path_against_finite_differences(siren_net *net, const float *x,
                                                  const linear_loss *loss, unsigned what,
                                                  bool small)
{
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, loss->n, what, &ws), SIREN_OK);
    siren_net_zero_grad(net);
    siren__small_batch_allow(small);
    library_gradient(net, ws, x, loss, 0, loss->n);
    siren__small_batch_allow(true);
    siren_config cfg;
    siren_net_config(net, &cfg);
    double *params = ref_params_of(net);
    size_t count = siren_net_param_count(net);
    double *fd = malloc(count * sizeof *fd);
    for (size_t i = 0; i < count; i++) {
        double saved = params[i], h = 1e-6;
        params[i] = saved + h;
        double plus = reference_loss(&cfg, params, x, loss);
        params[i] = saved - h;
        double minus = reference_loss(&cfg, params, x, loss);
        params[i] = saved;
        fd[i] = (plus - minus) / (2 * h);
    }
    double diff, scale;
    ref_compare(siren_net_grads(net), fd, count, &diff, &scale);
    if (!(diff <= 2e-4 * scale))
        printf("  max |grad - fd| %.3g, max |fd| %.3g\n", diff, scale);
    CHECK(diff <= 2e-4 * scale);
    CHECK(scale > 0.0);
    free(fd);
    free(params);
    siren_workspace_free(ws);
}

static void check_against_finite_differences(siren_net *net, const float *x,
                                             const linear_loss *loss, unsigned what)
{
    check_path_against_finite_differences(net, x, loss, what, true);
    check_path_against_finite_differences(net, x, loss, what, false);
}

static void run_case(unsigned terms, unsigned what, uint32_t dims, int32_t linear, uint32_t out)
{
    const size_t n = 6;
    siren_net *net = make_net(&(net_shape){dims, 12, 2, out, 30.0f, 30.0f, linear}, 21);
    float *x = random_floats(n * dims, 50 + dims, -1, 1);
    linear_loss loss = make_loss(n, dims, out, terms);
    check_against_finite_differences(net, x, &loss, what);
    free_loss(&loss);
    free(x);
    siren_net_free(net);
}

static void run_loss_case(unsigned terms, unsigned what, uint32_t dims, int32_t linear)
{
    run_case(terms, what, dims, linear, 2);
}

static void test_value_loss(void)
{
    run_loss_case(SIREN_VALUE, SIREN_VALUE, 2, 1);
    run_loss_case(SIREN_VALUE, ALL_QUANTITIES, 3, 0);
}

static void test_gradient_loss(void)
{
    run_loss_case(SIREN_GRADIENT, SIREN_GRADIENT, 2, 1);
    run_loss_case(SIREN_GRADIENT, ALL_QUANTITIES, 1, 0);
}

static void test_laplacian_loss(void)
{
    run_loss_case(SIREN_LAPLACIAN, SIREN_LAPLACIAN, 2, 1);
    run_loss_case(SIREN_LAPLACIAN, SIREN_LAPLACIAN, 3, 0);
    /* on Hessian channels */
    run_loss_case(SIREN_LAPLACIAN, SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG, 2, 1);
}

static void test_hessian_diag_loss(void)
{
    run_loss_case(SIREN_HESSIAN_DIAG, SIREN_HESSIAN_DIAG, 2, 1);
    run_loss_case(SIREN_HESSIAN_DIAG, SIREN_HESSIAN_DIAG, 3, 0);
}

static void test_summed_losses(void)
{
    run_loss_case(SIREN_VALUE | SIREN_GRADIENT, SIREN_VALUE | SIREN_GRADIENT, 2, 1);
    run_loss_case(SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, ALL_QUANTITIES, 2, 1);
    run_loss_case(ALL_QUANTITIES, ALL_QUANTITIES, 3, 0);
    run_loss_case(ALL_QUANTITIES, ALL_QUANTITIES, 1, 1);
}

/* One output, two or more inputs, nothing above the gradient: siren_forward
   takes the gradient by reverse mode (src/gradient_reverse.c), and
   siren_backward reverses both sweeps. Sine and linear last layers, losses
   on the gradient alone and with the value, workspaces that could do
   more. */
static void test_scalar_field_gradient_loss(void)
{
    for (uint32_t dims = 2; dims <= 3; dims++)
        for (int32_t linear = 0; linear <= 1; linear++) {
            run_case(SIREN_GRADIENT, SIREN_GRADIENT, dims, linear, 1);
            run_case(SIREN_VALUE | SIREN_GRADIENT, SIREN_VALUE | SIREN_GRADIENT, dims, linear, 1);
            run_case(SIREN_GRADIENT, ALL_QUANTITIES, dims, linear, 1);
        }
}

/* One point: the small-batch path takes a one-output network's gradient
   by jets there (src/small_batch.c, siren__small_batch_reverse), and by
   reverse mode for two points and more. */
static void test_single_point_gradient_loss(void)
{
    for (size_t n = 1; n <= 2; n++) {
        siren_net *net = make_net(&(net_shape){2, 12, 2, 1, 30.0f, 30.0f, 1}, 25);
        float *x = random_floats(n * 2, 60, -1, 1);
        linear_loss loss = make_loss(n, 2, 1, SIREN_VALUE | SIREN_GRADIENT);
        check_against_finite_differences(net, x, &loss, SIREN_VALUE | SIREN_GRADIENT);
        free_loss(&loss);
        free(x);
        siren_net_free(net);
    }
}

static double max_abs(const float *a, size_t count)
{
    double m = 0.0;
    for (size_t i = 0; i < count; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/* The largest |a - b|; NaN when any difference is NaN, so comparisons
   with it fail. */
static double max_abs_diff(const float *a, const float *b, size_t count)
{
    double m = 0.0;
    for (size_t i = 0; i < count; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m))
            m = d;
    }
    return m;
}

/* Reverse mode and jets agree: the value bit for bit (the forward sweep
   is the jets' value channel), the gradient and the parameter gradient to
   float rounding. */
static void test_reverse_mode_agrees_with_jets(void)
{
    const size_t n = 64, dims = 3;
    siren_net *net = make_net(&(net_shape){dims, 48, 3, 1, 30.0f, 30.0f, 1}, 21);
    float *x = random_floats(n * dims, 11, -1, 1);
    linear_loss loss = make_loss(n, dims, 1, SIREN_VALUE | SIREN_GRADIENT);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE | SIREN_GRADIENT, &ws), SIREN_OK);
    size_t count = siren_net_param_count(net);
    float value[2][64], gradient[2][64 * 3], *grads[2];
    for (int jets = 0; jets < 2; jets++) {
        siren__reverse_gradient_allow(jets == 0);
        siren_jet out = {value[jets], gradient[jets], NULL, NULL};
        CHECK_STATUS(siren_forward(net, ws, n, x, &out), SIREN_OK);
        siren_jet adjoint = {loss.cv, loss.cg, NULL, NULL};
        siren_net_zero_grad(net);
        CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
        grads[jets] = malloc(count * sizeof(float));
        memcpy(grads[jets], siren_net_grads(net), count * sizeof(float));
    }
    siren__reverse_gradient_allow(true);
    CHECK(memcmp(value[0], value[1], sizeof value[0]) == 0);
    CHECK(max_abs_diff(gradient[0], gradient[1], n * dims) <= 1e-5 * max_abs(gradient[1], n * dims));
    CHECK(max_abs_diff(grads[0], grads[1], count) <= 1e-5 * max_abs(grads[1], count));
    CHECK(max_abs(grads[1], count) > 0.0);
    free(grads[0]);
    free(grads[1]);
    free_loss(&loss);
    free(x);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* A network with no hidden layers and a width-1 one: edge shapes. */
static void test_edge_architectures(void)
{
    const size_t n = 5;
    uint32_t widths[2] = {1, 7}, depths[2] = {0, 1};
    for (int i = 0; i < 2; i++) {
        siren_net *net = make_net(&(net_shape){2, widths[i], depths[i], 1, 30.0f, 30.0f, 1}, 21);
        float *x = random_floats(n * 2, 7, -1, 1);
        linear_loss loss = make_loss(n, 2, 1, ALL_QUANTITIES);
        check_against_finite_differences(net, x, &loss, ALL_QUANTITIES);
        free_loss(&loss);
        loss = make_loss(n, 2, 1, SIREN_VALUE | SIREN_GRADIENT); /* by reverse mode */
        check_against_finite_differences(net, x, &loss, SIREN_VALUE | SIREN_GRADIENT);
        free_loss(&loss);
        free(x);
        siren_net_free(net);
    }
}

/* A batch as chunks of forward/backward gives the gradient of one call. */
static void test_chunks_accumulate(void)
{
    const size_t n = 40;
    siren_net *net = make_net(&(net_shape){2, 32, 2, 1, 30.0f, 30.0f, 1}, 21);
    float *x = random_floats(n * 2, 8, -1, 1);
    linear_loss loss = make_loss(n, 2, 1, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, &ws),
                 SIREN_OK);
    size_t count = siren_net_param_count(net);
    siren_net_zero_grad(net);
    library_gradient(net, ws, x, &loss, 0, n);
    float *whole = malloc(count * sizeof *whole);
    memcpy(whole, siren_net_grads(net), count * sizeof *whole);
    siren_net_zero_grad(net);
    for (size_t first = 0; first < n; first += 7)
        library_gradient(net, ws, x, &loss, first, first + 7 <= n ? 7 : n - first);
    CHECK(max_abs_diff(whole, siren_net_grads(net), count) <= 1e-5 * max_abs(whole, count));
    free(whole);
    free_loss(&loss);
    free(x);
    siren_workspace_free(ws);
    siren_net_free(net);
}

/* A call's points go through forward and backward in segments
   (src/jet_layout.c, siren__segment_points): here of 64 points, so that
   150 points make three, the last ragged. The parameter gradients match
   finite differences (value, Laplacian and Hessian losses on two outputs;
   one output's gradient by reverse mode, its values and Laplacian by
   jets), and match one segment's to float rounding. */
static void test_segments(void)
{
    const size_t n = 150;
    static const struct { unsigned terms; uint32_t out; } cases[] = {
        {ALL_QUANTITIES, 2}, {SIREN_VALUE | SIREN_LAPLACIAN, 1}, {SIREN_VALUE, 2},
        {SIREN_VALUE | SIREN_GRADIENT, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        siren_net *net = make_net(&(net_shape){2, 12, 2, cases[i].out, 30.0f, 30.0f, 1}, 22);
        float *x = random_floats(n * 2, 9, -1, 1);
        linear_loss loss = make_loss(n, 2, cases[i].out, cases[i].terms);
        size_t count = siren_net_param_count(net);
        float *whole = malloc(count * sizeof *whole);
        siren_workspace *ws = NULL;
        CHECK_STATUS(siren_workspace_create(net, n, cases[i].terms, &ws), SIREN_OK);
        siren_net_zero_grad(net);
        library_gradient(net, ws, x, &loss, 0, n);
        memcpy(whole, siren_net_grads(net), count * sizeof *whole);
        siren_workspace_free(ws);
        siren__set_segment_floats(1);   /* the fewest points: 64 */
        check_path_against_finite_differences(net, x, &loss, cases[i].terms, false);
        CHECK(max_abs_diff(whole, siren_net_grads(net), count) <= 1e-5 * max_abs(whole, count));
        siren__set_segment_floats(0);
        free(whole);
        free_loss(&loss);
        free(x);
        siren_net_free(net);
    }
}

/* A value-only loss after a forward that computed Laplacians walks back
   through the value channel alone, recomputing sin z0 and cos z0 that the
   tape of derivative jets does not keep: the gradients of a value-only
   forward, to rounding, in one segment and in several. */
static void test_value_loss_on_laplacian_tape(void)
{
    const size_t n = 150;
    siren_net *net = make_net(&(net_shape){2, 16, 2, 1, 30.0f, 30.0f, 0}, 23);
    float *x = random_floats(n * 2, 12, -1, 1), *cv = random_floats(n, 13, -1, 1);
    size_t count = siren_net_param_count(net);
    float *want = malloc(count * sizeof *want), v[150], l[150];
    for (int segments = 0; segments < 2; segments++) {
        siren__set_segment_floats(segments ? 1 : 0);
        siren_workspace *ws = NULL;
        CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE | SIREN_LAPLACIAN, &ws), SIREN_OK);
        siren_jet values = {v, NULL, NULL, NULL}, both = {v, NULL, l, NULL};
        siren_jet adjoint = {cv, NULL, NULL, NULL};
        siren_net_zero_grad(net);
        CHECK_STATUS(siren_forward(net, ws, n, x, &values), SIREN_OK);
        CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
        memcpy(want, siren_net_grads(net), count * sizeof *want);
        siren_net_zero_grad(net);
        CHECK_STATUS(siren_forward(net, ws, n, x, &both), SIREN_OK);
        CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
        CHECK(max_abs_diff(want, siren_net_grads(net), count) <= 1e-5 * max_abs(want, count));
        CHECK(max_abs(want, count) > 0.0);
        siren_workspace_free(ws);
    }
    siren__set_segment_floats(0);
    free(want);
    free(cv);
    free(x);
    siren_net_free(net);
}

/* A workspace whose max_points exceed one segment recomputes layer 0's
   jets and sin z0, cos z0 in siren_backward instead of taping them
   (src/workspace.c): the same bits as one that tapes them, for a batch
   in one segment, on the small-batch path and the large one. */
static void test_recomputed_tape_same_bits(void)
{
    static const size_t counts[] = {5, 60};
    siren_net *net = make_net(&(net_shape){2, 16, 2, 2, 30.0f, 30.0f, 0}, 24);
    size_t count = siren_net_param_count(net);
    float *x = random_floats(60 * 2, 14, -1, 1), *grads[2];
    for (size_t k = 0; k < 2; k++) {
        linear_loss loss = make_loss(counts[k], 2, 2, ALL_QUANTITIES);
        for (int recompute = 0; recompute < 2; recompute++) {
            siren__set_segment_floats(recompute ? 1 : 0); /* 64 points */
            siren_workspace *ws = NULL;
            CHECK_STATUS(siren_workspace_create(net, recompute ? 150 : 60, ALL_QUANTITIES, &ws),
                         SIREN_OK);
            siren_net_zero_grad(net);
            library_gradient(net, ws, x, &loss, 0, counts[k]);
            grads[recompute] = malloc(count * sizeof(float));
            memcpy(grads[recompute], siren_net_grads(net), count * sizeof(float));
            siren_workspace_free(ws);
        }
        siren__set_segment_floats(0);
        CHECK(memcmp(grads[0], grads[1], count * sizeof(float)) == 0);
        CHECK(max_abs(grads[0], count) > 0.0);
        free(grads[0]);
        free(grads[1]);
        free_loss(&loss);
    }
    free(x);
    siren_net_free(net);
}

/* Two backward calls after one forward add up. */
static void test_backward_twice_adds(void)
{
    const size_t n = 9;
    siren_net *net = make_net(&(net_shape){2, 8, 1, 1, 30.0f, 30.0f, 1}, 21);
    float *x = random_floats(n * 2, 9, -1, 1);
    linear_loss loss = make_loss(n, 2, 1, SIREN_VALUE);
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, n, SIREN_VALUE, &ws), SIREN_OK);
    siren_net_zero_grad(net);
    library_gradient(net, ws, x, &loss, 0, n);
    size_t count = siren_net_param_count(net);
    float *once = malloc(count * sizeof *once);
    memcpy(once, siren_net_grads(net), count * sizeof *once);
    siren_jet adjoint = {loss.cv, NULL, NULL, NULL};
    CHECK_STATUS(siren_backward(net, ws, &adjoint), SIREN_OK);
    /* The second pass adds its terms into the first one's sums (the matrix
       product accumulates), so entries agree to rounding of the largest. */
    double scale = max_abs(once, count);
    for (size_t i = 0; i < count; i++)
        CHECK_NEAR(siren_net_grads(net)[i], 2.0 * once[i], 1e-6 * scale);
    free(once);
    free_loss(&loss);
    free(x);
    siren_workspace_free(ws);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_value_loss);
    RUN(test_gradient_loss);
    RUN(test_scalar_field_gradient_loss);
    RUN(test_single_point_gradient_loss);
    RUN(test_reverse_mode_agrees_with_jets);
    RUN(test_laplacian_loss);
    RUN(test_hessian_diag_loss);
    RUN(test_summed_losses);
    RUN(test_edge_architectures);
    RUN(test_chunks_accumulate);
    RUN(test_segments);
    RUN(test_value_loss_on_laplacian_tape);
    RUN(test_recomputed_tape_same_bits);
    RUN(test_backward_twice_adds);
    return check_summary();
}
