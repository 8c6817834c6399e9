/* fuzz_api.c - the whole training API driven by fuzzer bytes: a small
 * architecture (sizes, omegas, last layer), a workspace (max_points, the
 * `what` flags, unknown bits included), then a program of operations:
 * eval, forward, backward, Adam create and step, zero_grad, thread count,
 * parameter pokes, Laplacian weights, eval_instances, and save/load round
 * trips, with inputs, adjoints and parameters that may be NaN, infinite or
 * huge. All memory goes through a counting allocator that the input may
 * tell to fail one allocation.
 *
 * After every call the harness checks what the header promises:
 *  - the status is the one the arguments call for (OK exactly when no
 *    error applies; else one of the errors that apply);
 *  - a failed call changes nothing we can see (parameters, gradients,
 *    the optimiser's step count);
 *  - points never mix: the outputs of points whose coordinates are finite
 *    are bit-identical when the other points are replaced by zeros, and a
 *    point with a NaN or infinite coordinate has NaN values;
 *  - results are bit-identical with 1 thread and with the workspace's
 *    threads; siren_forward writes what siren_eval writes; instance 0 of
 *    eval_instances is siren_eval;
 *  - tame inputs, adjoints and weights on a freshly initialised net give
 *    finite outputs and gradients;
 *  - Adam refuses exactly the non-finite gradients, and then changes
 *    nothing;
 *  - saving and loading (model and checkpoint) keep every bit;
 *  - at the end every block is freed.
 */
#include "fuzz.h"
#include "fuzz_alloc.h"
#include "internal.h" /* siren__params_fingerprint: what backward compares */
#include "siren.h"

#include <math.h>

enum { MAX_OPS = 48, MAX_POINTS = 16, MAX_INSTANCES = 3 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Workspaces start with one thread; the program sets more itself. */
    setenv("SIREN_NUM_THREADS", "1", 1);
    return 0;
}

typedef struct api {
    fuzz_input in;
    fuzz_counter counter;
    siren_allocator alloc;
    siren_config cfg;
    bool tame_arch;             /* omegas from the table: tame values stay finite */
    siren_net *net;
    size_t params;
    siren_workspace *ws;
    size_t max_points;
    unsigned what;              /* quantities of the workspace */
    bool has_tape;
    size_t threads;
    bool tame_weights;          /* Laplacian weights */
    siren_adam *opt;
    bool pristine;              /* parameters as siren_net_init made them */
    /* The last successful forward on ws, for backward, while nothing that
       makes it stale (an Adam step, new Laplacian weights, a write that
       changes the parameters' fingerprint) has happened since. */
    bool taped;
    size_t taped_n;
    unsigned taped_quantities;
    bool taped_tame;            /* its inputs were tame */
} api;

/* -------------------------------------------------------------- helpers */

#define ALL_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)

/* Floats per point of each member of a jet, in member order. */
static void member_sizes(const siren_config *cfg, size_t sizes[4])
{
    sizes[0] = cfg->out_features;
    sizes[1] = (size_t)cfg->out_features * cfg->in_features;
    sizes[2] = cfg->out_features;
    sizes[3] = (size_t)cfg->out_features * cfg->in_features;
}

/* Member m of a jet: 0 value, 1 gradient, 2 laplacian, 3 hessian_diag. */
static float **member(siren_jet *jet, int m)
{
    switch (m) {
    case 0: return &jet->value;
    case 1: return &jet->gradient;
    case 2: return &jet->laplacian;
    default: return &jet->hessian_diag;
    }
}

/* A jet with exactly-sized heap members for the quantities in `mask`
   (n points), so that ASan sees any write past them. */
static siren_jet jet_alloc(const siren_config *cfg, unsigned mask, size_t n)
{
    siren_jet jet = {NULL, NULL, NULL, NULL};
    size_t sizes[4];
    member_sizes(cfg, sizes);
    for (int m = 0; m < 4; m++)
        if (mask & (1u << m)) {
            /* At least one float: a NULL member would mean "not asked". */
            size_t bytes = (n ? n : 1) * sizes[m] * sizeof(float);
            *member(&jet, m) = malloc(bytes);
            memset(*member(&jet, m), 0xA5, bytes);
        }
    return jet;
}

static void jet_free(siren_jet *jet)
{
    for (int m = 0; m < 4; m++)
        free(*member(jet, m));
}

/* Are the outputs of point p the same bits in both jets? */
static bool same_point(const siren_config *cfg, const siren_jet *a, const siren_jet *b,
                       size_t p)
{
    size_t sizes[4];
    member_sizes(cfg, sizes);
    siren_jet *ja = (siren_jet *)a, *jb = (siren_jet *)b;
    for (int m = 0; m < 4; m++) {
        const float *x = *member(ja, m), *y = *member(jb, m);
        if (x && memcmp(x + p * sizes[m], y + p * sizes[m], sizes[m] * sizeof(float)) != 0)
            return false;
    }
    return true;
}

static bool same_jets(const siren_config *cfg, const siren_jet *a, const siren_jet *b, size_t n)
{
    for (size_t p = 0; p < n; p++)
        if (!same_point(cfg, a, b, p))
            return false;
    return true;
}

/* Does siren_forward take this call's gradient by reverse mode (one
   output, two or more inputs, nothing above the gradient asked)? Then its
   gradient agrees with siren_eval's to rounding, not bit for bit. */
static bool reverse_gradient(const siren_config *cfg, unsigned asked)
{
    return cfg->out_features == 1 && cfg->in_features >= 2 && (asked & SIREN_GRADIENT) &&
           !(asked & (SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG));
}

/* Gradients that agree to a relative 1e-3 of the largest, all finite. */
static bool close_gradients(const siren_config *cfg, const float *a, const float *b, size_t n)
{
    size_t count = n * cfg->in_features;
    double scale = 0.0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i]))
            return false;
        scale = fmax(scale, fabs((double)b[i]));
    }
    for (size_t i = 0; i < count; i++)
        if (fabs((double)a[i] - b[i]) > 1e-3 * scale)
            return false;
    return true;
}

static bool jet_finite(const siren_config *cfg, const siren_jet *jet, size_t n)
{
    size_t sizes[4];
    member_sizes(cfg, sizes);
    siren_jet *j = (siren_jet *)jet;
    for (int m = 0; m < 4; m++)
        if (*member(j, m) && !all_finite(*member(j, m), n * sizes[m]))
            return false;
    return true;
}

static bool point_finite(const float *x, size_t dims, size_t p)
{
    return all_finite(x + p * dims, dims);
}

/* -------------------------------------------------------------- creation */

static float take_omega(api *a)
{
    static const float table[6] = {30.0f, 1.0f, 0.5f, 10.0f, 60.0f, 100.0f};
    uint8_t b = fuzz_byte(&a->in);
    if (b % 8 < 6)
        return table[b % 8];
    a->tame_arch = false;
    return fuzz_float(&a->in, NULL);
}

static bool omega_valid(float omega)
{
    return isfinite(omega) && omega > 0.0f;
}

/* Returns false when the program ends here (the create failed). */
static bool create_net(api *a)
{
    uint8_t fail = fuzz_byte(&a->in);
    /* Mostly no failure; else one of the first 40 allocations fails. */
    a->alloc = fuzz_counting_allocator(&a->counter, fail >= 216 ? (size_t)(fail - 215) : 0);
    siren_config_default(&a->cfg);
    a->tame_arch = true;
    a->cfg.in_features = 1 + fuzz_byte(&a->in) % 4;
    a->cfg.out_features = 1 + fuzz_byte(&a->in) % 3;
    a->cfg.hidden_features = 1 + fuzz_byte(&a->in) % 24;
    a->cfg.hidden_layers = fuzz_byte(&a->in) % 4;
    a->cfg.first_omega = take_omega(a);
    a->cfg.hidden_omega = take_omega(a);
    a->cfg.outermost_linear = fuzz_byte(&a->in) % 3;
    size_t failures = a->counter.failures;
    int status = siren_net_create_with_allocator(&a->cfg, &a->alloc, &a->net);
    bool valid = omega_valid(a->cfg.first_omega) && omega_valid(a->cfg.hidden_omega);
    if (!valid) {
        FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT && a->net == NULL);
        return false;
    }
    if (a->counter.failures > failures) {
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY && a->net == NULL);
        return false;
    }
    FUZZ_CHECK(status == SIREN_OK);
    a->params = siren_net_param_count(a->net);
    /* The initialiser's weight bound sqrt(6/n)/hidden_omega must be a float. */
    double bound = sqrt(6.0 / a->cfg.hidden_features) / (double)a->cfg.hidden_omega;
    status = siren_net_init(a->net, fuzz_byte(&a->in));
    if (!(bound <= (double)FLT_MAX)) {
        FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT);
        FUZZ_CHECK(all_finite(siren_net_params(a->net), a->params)); /* still zeros */
        return false;
    }
    FUZZ_CHECK(status == SIREN_OK);
    FUZZ_CHECK(all_finite(siren_net_params(a->net), a->params));
    a->pristine = true;
    return true;
}

static bool create_workspace(api *a)
{
    uint8_t b = fuzz_byte(&a->in);
    unsigned what = (unsigned)(b & 0x0f);
    if (b & 0x10)
        what |= SIREN_EVAL_ONLY;
    if (b & 0x20)
        what |= 0x80; /* an unknown bit */
    a->max_points = 1 + fuzz_byte(&a->in) % MAX_POINTS;
    size_t failures = a->counter.failures;
    int status = siren_workspace_create(a->net, a->max_points, what, &a->ws);
    if ((what & 0x0f) == 0 || (what & 0x80)) {
        FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT && a->ws == NULL);
        return false;
    }
    if (a->counter.failures > failures) {
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY && a->ws == NULL);
        return false;
    }
    FUZZ_CHECK(status == SIREN_OK);
    a->what = what & 0x0f;
    a->has_tape = !(what & SIREN_EVAL_ONLY);
    a->threads = 1;
    a->tame_weights = true;
    FUZZ_CHECK(siren_workspace_threads(a->ws) == 1);
    return true;
}

/* ------------------------------------------------------------ evaluation */

typedef struct call {
    size_t n;
    unsigned asked;
    float *x;
    bool tame;                  /* every coordinate tame */
} call;

static call take_call(api *a)
{
    call c;
    c.n = fuzz_byte(&a->in) % (a->max_points + 2); /* 0 and max+1 included */
    c.asked = fuzz_byte(&a->in) & ALL_QUANTITIES;
    size_t count = (c.n ? c.n : 1) * a->cfg.in_features;
    c.x = malloc(count * sizeof(float));
    c.tame = true;
    for (size_t i = 0; i < count; i++)
        c.x[i] = fuzz_float(&a->in, &c.tame);
    return c;
}

/* The status siren_eval must return: the first error that applies, in the
   order the header lists them (any order would do: only one applies
   unless several are wrong at once, and then any of them is accepted). */
static bool eval_status_ok(const api *a, const call *c, int status, bool forward)
{
    bool too_many = c->n > a->max_points; /* n == 0 is a valid call that does nothing */
    bool not_served = (c->asked & ~a->what) != 0, no_tape = forward && !a->has_tape;
    if (!too_many && !not_served && !no_tape)
        return status == SIREN_OK;
    return (too_many && status == SIREN_ERR_TOO_LARGE) ||
           ((not_served || no_tape) && status == SIREN_ERR_STATE);
}

/* A call of no points writes nothing: jet_alloc's 0xA5 bytes are intact. */
static bool jet_untouched(siren_jet *jet)
{
    static const uint8_t fill[4] = {0xA5, 0xA5, 0xA5, 0xA5};
    for (int m = 0; m < 4; m++)
        if (*member(jet, m) && memcmp(*member(jet, m), fill, 4) != 0)
            return false;
    return true;
}

/* Points never mix: rerun with every non-finite point replaced by zeros;
   the finite points' outputs must not move, and the others' values are
   NaN. */
static void check_points_independent(api *a, const call *c, const siren_jet *out)
{
    size_t dims = a->cfg.in_features;
    float *clean = malloc(c->n * dims * sizeof(float));
    memcpy(clean, c->x, c->n * dims * sizeof(float));
    bool any_bad = false;
    for (size_t p = 0; p < c->n; p++)
        if (!point_finite(c->x, dims, p)) {
            any_bad = true;
            memset(clean + p * dims, 0, dims * sizeof(float));
            if (out->value)
                for (size_t j = 0; j < a->cfg.out_features; j++)
                    FUZZ_CHECK(isnan(out->value[p * a->cfg.out_features + j]));
        }
    if (any_bad) {
        siren_jet again = jet_alloc(&a->cfg, c->asked, c->n);
        FUZZ_CHECK(siren_eval(a->net, a->ws, c->n, clean, &again) == SIREN_OK);
        for (size_t p = 0; p < c->n; p++)
            if (point_finite(c->x, dims, p))
                FUZZ_CHECK(same_point(&a->cfg, out, &again, p));
        jet_free(&again);
    }
    free(clean);
}

/* The same call with one thread gives the same bits. */
static void check_one_thread_agrees(api *a, const call *c, const siren_jet *out)
{
    if (a->threads == 1)
        return;
    size_t failures = a->counter.failures;
    int status = siren_workspace_set_threads(a->ws, 1);
    FUZZ_CHECK(status == SIREN_OK && a->counter.failures == failures);
    siren_jet again = jet_alloc(&a->cfg, c->asked, c->n);
    FUZZ_CHECK(siren_eval(a->net, a->ws, c->n, c->x, &again) == SIREN_OK);
    FUZZ_CHECK(same_jets(&a->cfg, out, &again, c->n));
    jet_free(&again);
    status = siren_workspace_set_threads(a->ws, a->threads);
    if (status != SIREN_OK) {
        /* Only an injected allocation failure may stop the way back. */
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY && a->counter.failures > failures);
        a->threads = 1;
    }
    FUZZ_CHECK(siren_workspace_threads(a->ws) == a->threads);
}

static void check_tame_is_finite(const api *a, const call *c, const siren_jet *out)
{
    if (a->pristine && a->tame_arch && a->tame_weights && c->tame)
        FUZZ_CHECK(jet_finite(&a->cfg, out, c->n));
}

static void op_eval(api *a)
{
    call c = take_call(a);
    siren_jet out = jet_alloc(&a->cfg, c.asked, c.n);
    int status = siren_eval(a->net, a->ws, c.n, c.x, &out);
    FUZZ_CHECK(eval_status_ok(a, &c, status, false));
    if (status == SIREN_OK && c.n == 0) {
        FUZZ_CHECK(jet_untouched(&out));
    } else if (status == SIREN_OK) {
        check_tame_is_finite(a, &c, &out);
        check_points_independent(a, &c, &out);
        check_one_thread_agrees(a, &c, &out);
    }
    jet_free(&out);
    free(c.x);
}

static void op_forward(api *a)
{
    call c = take_call(a);
    siren_jet out = jet_alloc(&a->cfg, c.asked, c.n);
    int status = siren_forward(a->net, a->ws, c.n, c.x, &out);
    FUZZ_CHECK(eval_status_ok(a, &c, status, true));
    if (status == SIREN_OK) {
        a->taped = true;
        a->taped_n = c.n;
        a->taped_quantities = c.asked;
        a->taped_tame = c.tame;
        check_tame_is_finite(a, &c, &out);
        /* eval leaves the tape alone and computes the same outputs (the
           gradient by reverse mode to rounding, when the call is tame). */
        siren_jet evaluated = jet_alloc(&a->cfg, c.asked, c.n);
        FUZZ_CHECK(siren_eval(a->net, a->ws, c.n, c.x, &evaluated) == SIREN_OK);
        if (reverse_gradient(&a->cfg, c.asked)) {
            if (a->pristine && a->tame_arch && a->tame_weights && c.tame)
                FUZZ_CHECK(close_gradients(&a->cfg, out.gradient, evaluated.gradient, c.n));
            free(out.gradient);
            free(evaluated.gradient);
            out.gradient = evaluated.gradient = NULL;
        }
        FUZZ_CHECK(same_jets(&a->cfg, &out, &evaluated, c.n));
        jet_free(&evaluated);
    }
    jet_free(&out);
    free(c.x);
}

static void op_backward(api *a)
{
    unsigned mask = fuzz_byte(&a->in) & ALL_QUANTITIES;
    size_t n = a->taped ? a->taped_n : 1;
    siren_jet adjoint = jet_alloc(&a->cfg, mask, n);
    size_t sizes[4];
    member_sizes(&a->cfg, sizes);
    bool tame = true;
    for (int m = 0; m < 4; m++)
        for (size_t i = 0; *member(&adjoint, m) && i < n * sizes[m]; i++)
            (*member(&adjoint, m))[i] = fuzz_float(&a->in, &tame);
    float *grads = siren_net_grads(a->net);
    bool grads_finite = all_finite(grads, a->params);
    float *before = malloc(a->params * sizeof(float));
    memcpy(before, grads, a->params * sizeof(float));
    int status = siren_backward(a->net, a->ws, &adjoint);
    bool state_error = !a->taped || (mask & ~a->taped_quantities) != 0;
    if (state_error) {
        FUZZ_CHECK(status == SIREN_ERR_STATE);
        FUZZ_CHECK(memcmp(before, grads, a->params * sizeof(float)) == 0);
    } else {
        FUZZ_CHECK(status == SIREN_OK);
        if (grads_finite && tame && a->taped_tame && a->pristine && a->tame_arch &&
            a->tame_weights)
            FUZZ_CHECK(all_finite(grads, a->params));
    }
    free(before);
    jet_free(&adjoint);
}

/* --------------------------------------------------------------- training */

static void op_adam(api *a)
{
    if (!a->opt) {
        siren_adam_config cfg;
        siren_adam_config_default(&cfg);
        bool tame = true;
        cfg.lr = fabsf(fuzz_float(&a->in, &tame)) * 1e-2f;
        uint8_t b = fuzz_byte(&a->in);
        if (b >= 200) { /* an odd configuration, possibly refused */
            cfg.beta1 = fuzz_float(&a->in, NULL);
            cfg.beta2 = fuzz_float(&a->in, NULL);
            cfg.eps = fuzz_float(&a->in, NULL);
        }
        cfg.weight_decay = (b & 1) ? 0.01f : 0.0f;
        cfg.clip_grad_norm = (b & 2) ? 1.0f : 0.0f;
        bool valid = isfinite(cfg.lr) && cfg.lr >= 0.0f && isfinite(cfg.beta1) &&
                     cfg.beta1 >= 0.0f && cfg.beta1 < 1.0f && isfinite(cfg.beta2) &&
                     cfg.beta2 >= 0.0f && cfg.beta2 < 1.0f && isfinite(cfg.eps) &&
                     cfg.eps > 0.0f;
        size_t failures = a->counter.failures;
        int status = siren_adam_create(a->net, &cfg, &a->opt);
        if (!valid)
            FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT);
        else if (a->counter.failures > failures)
            FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY);
        else
            FUZZ_CHECK(status == SIREN_OK);
        FUZZ_CHECK((status == SIREN_OK) == (a->opt != NULL));
        return;
    }
    float *params = siren_net_params(a->net), *grads = siren_net_grads(a->net);
    size_t bytes = a->params * sizeof(float);
    float *before = malloc(2 * bytes);
    memcpy(before, params, bytes);
    memcpy(before + a->params, grads, bytes);
    uint64_t steps = siren_adam_step_count(a->opt);
    bool refuse = adam_refuses(grads, a->params);
    int status = siren_adam_step(a->opt, a->net);
    if (refuse)
        FUZZ_CHECK(status == SIREN_ERR_NONFINITE);
    if (status == SIREN_ERR_NONFINITE) {
        FUZZ_CHECK(siren_adam_step_count(a->opt) == steps);
        FUZZ_CHECK(memcmp(before, params, bytes) == 0);
        FUZZ_CHECK(memcmp(before + a->params, grads, bytes) == 0);
    } else {
        FUZZ_CHECK(status == SIREN_OK);
        FUZZ_CHECK(siren_adam_step_count(a->opt) == steps + 1);
        FUZZ_CHECK(all_finite(params, a->params));
        a->pristine = false;
        a->taped = false; /* the forward's parameters are gone */
    }
    free(before);
}

static void op_zero_grad(api *a)
{
    siren_net_zero_grad(a->net);
    const float *g = siren_net_grads(a->net);
    for (size_t i = 0; i < a->params; i++)
        FUZZ_CHECK(g[i] == 0.0f);
}

static void op_set_threads(api *a)
{
    size_t threads = fuzz_byte(&a->in) % 4;
    size_t failures = a->counter.failures;
    int status = siren_workspace_set_threads(a->ws, threads);
    if (threads == 0) {
        FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT);
    } else if (a->counter.failures > failures) {
        FUZZ_CHECK(status == SIREN_ERR_OUT_OF_MEMORY);
    } else {
        FUZZ_CHECK(status == SIREN_OK);
        a->threads = threads;
    }
    FUZZ_CHECK(siren_workspace_threads(a->ws) == a->threads);
}

/* A parameter becomes any float (NaN included). A forward is stale when
   the write reached the fingerprint of the parameters; a write that did
   not is not found (include/siren.h, siren_backward). */
static void op_poke(api *a)
{
    size_t i = fuzz_byte(&a->in) % a->params;
    float *params = siren_net_params(a->net);
    uint64_t before = siren__params_fingerprint(a->net, params, 1);
    params[i] = fuzz_float(&a->in, NULL);
    a->pristine = false;
    if (siren__params_fingerprint(a->net, params, 1) != before)
        a->taped = false;
}

static void op_laplacian_weights(api *a)
{
    size_t dims = a->cfg.in_features;
    uint8_t b = fuzz_byte(&a->in);
    if (b & 1) { /* back to the default */
        FUZZ_CHECK(siren_workspace_set_laplacian_weights(a->ws, NULL, (b & 2) ? dims : 0) ==
                   SIREN_OK);
        a->tame_weights = true;
        a->taped = false; /* new weights discard the forward */
        return;
    }
    float w[4];
    bool tame = true;
    for (size_t k = 0; k < dims; k++)
        w[k] = fuzz_float(&a->in, &tame);
    size_t count = (b & 2) ? dims + 1 : dims;
    int status = siren_workspace_set_laplacian_weights(a->ws, w, count);
    if (count != dims || !all_finite(w, dims)) {
        FUZZ_CHECK(status == SIREN_ERR_INVALID_ARGUMENT);
    } else {
        FUZZ_CHECK(status == SIREN_OK);
        a->tame_weights = tame;
        a->taped = false;
    }
}

/* Instance 0 of eval_instances is siren_eval with the net's parameters;
   the other instances run on perturbed copies. */
static void op_instances(api *a)
{
    size_t instances = 1 + fuzz_byte(&a->in) % MAX_INSTANCES;
    call c = take_call(a);
    if (c.n == 0 || c.n * instances > a->max_points || (c.asked & ~a->what) != 0) {
        free(c.x);
        return; /* the error statuses are the same as eval's */
    }
    float *params = malloc(instances * a->params * sizeof(float));
    for (size_t i = 0; i < instances; i++)
        memcpy(params + i * a->params, siren_net_params(a->net), a->params * sizeof(float));
    for (size_t i = a->params; i < instances * a->params; i++)
        params[i] *= 0.5f;
    float *x = malloc(instances * c.n * a->cfg.in_features * sizeof(float));
    for (size_t i = 0; i < instances; i++)
        memcpy(x + i * c.n * a->cfg.in_features, c.x, c.n * a->cfg.in_features * sizeof(float));
    siren_jet all = jet_alloc(&a->cfg, c.asked, instances * c.n);
    siren_jet single = jet_alloc(&a->cfg, c.asked, c.n);
    FUZZ_CHECK(siren_eval_instances(a->net, a->ws, instances, params, c.n, x, &all) ==
               SIREN_OK);
    FUZZ_CHECK(siren_eval(a->net, a->ws, c.n, c.x, &single) == SIREN_OK);
    FUZZ_CHECK(same_jets(&a->cfg, &all, &single, c.n));
    jet_free(&all);
    jet_free(&single);
    free(params);
    free(x);
    free(c.x);
}

/* ---------------------------------------------------------- round trips */

static void op_round_trip(api *a)
{
    size_t len = 0;
    FUZZ_CHECK(siren_net_save_buffer(a->net, NULL, 0, &len) == SIREN_ERR_TOO_LARGE);
    uint8_t *buf = malloc(len);
    FUZZ_CHECK(siren_net_save_buffer(a->net, buf, len, &len) == SIREN_OK);
    siren_net *copy = NULL;
    FUZZ_CHECK(siren_net_load_buffer(buf, len, &copy) == SIREN_OK);
    FUZZ_CHECK(siren_net_param_count(copy) == a->params);
    FUZZ_CHECK(memcmp(siren_net_params(copy), siren_net_params(a->net),
                      a->params * sizeof(float)) == 0);
    siren_net_free(copy);
    free(buf);
    if (!a->opt)
        return;
    FUZZ_CHECK(siren_checkpoint_save_buffer(a->net, a->opt, NULL, 0, &len) ==
               SIREN_ERR_TOO_LARGE);
    buf = malloc(len);
    FUZZ_CHECK(siren_checkpoint_save_buffer(a->net, a->opt, buf, len, &len) == SIREN_OK);
    siren_adam *opt = NULL;
    FUZZ_CHECK(siren_checkpoint_load_buffer(buf, len, &copy, &opt) == SIREN_OK);
    FUZZ_CHECK(siren_adam_step_count(opt) == siren_adam_step_count(a->opt));
    uint8_t *again = malloc(len);
    size_t again_len = 0;
    FUZZ_CHECK(siren_checkpoint_save_buffer(copy, opt, again, len, &again_len) == SIREN_OK);
    FUZZ_CHECK(again_len == len && memcmp(again, buf, len) == 0);
    free(again);
    siren_adam_free(opt);
    siren_net_free(copy);
    free(buf);
}

/* ------------------------------------------------------------- the driver */

/* FUZZ_API_TRACE=1 in the environment: one line per operation on stderr,
   to see what an input does (when writing seeds or reading a crash). */
static void trace(const api *a, const char *what)
{
    static int enabled = -1;
    if (enabled < 0)
        enabled = getenv("FUZZ_API_TRACE") != NULL;
    if (enabled)
        fprintf(stderr, "fuzz_api: byte %zu: %s (threads %zu, steps %llu, pristine %d)\n",
                a->in.pos, what, a->threads, (unsigned long long)siren_adam_step_count(a->opt),
                a->pristine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[10] = {"eval", "forward", "backward", "adam", "zero_grad",
                                          "set_threads", "poke", "laplacian_weights",
                                          "instances", "round_trip"};
    api a;
    memset(&a, 0, sizeof a);
    a.in = (fuzz_input){data, size, 0};
    if (create_net(&a) && create_workspace(&a)) {
        for (int op = 0; op < MAX_OPS && fuzz_more(&a.in); op++) {
            int code = fuzz_byte(&a.in) % 10;
            trace(&a, names[code]);
            switch (code) {
            case 0: op_eval(&a); break;
            case 1: op_forward(&a); break;
            case 2: op_backward(&a); break;
            case 3: op_adam(&a); break;
            case 4: op_zero_grad(&a); break;
            case 5: op_set_threads(&a); break;
            case 6: op_poke(&a); break;
            case 7: op_laplacian_weights(&a); break;
            case 8: op_instances(&a); break;
            default: op_round_trip(&a); break;
            }
        }
    }
    trace(&a, a.ws ? "end" : "end (no net or no workspace)");
    siren_adam_free(a.opt);
    siren_workspace_free(a.ws);
    siren_net_free(a.net);
    FUZZ_CHECK(a.counter.live == 0 && a.counter.bad_frees == 0);
    return 0;
}
