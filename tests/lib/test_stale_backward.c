/* test_stale_backward.c - siren_backward refuses (SIREN_ERR_STATE) a
   forward pass whose network changed in between (issue 19, item 2;
   include/siren.h, siren_backward): an Adam step or siren_net_init on the
   net, new Laplacian weights on the workspace, a write of the parameters
   through siren_net_params that reaches the fingerprint (the whole
   vector, a whole layer, a sampled parameter), a new net made at the
   address of the old one, and for siren_backward_instances a change of
   the caller's parameters. Before the fix each of these returned SIREN_OK
   and gradients of a network that never existed. Reading the parameters,
   zeroing the gradients, evaluating, and changing a parameter and
   changing it back are not changes: backward proceeds. */
#include "check.h"
#include "internal.h" /* siren__small_batch_allow */
#include "nets.h"

#include <stdint.h>

enum { POINTS = 9 };

static const net_shape SHAPE = {2, 12, 2, 1, 30.0f, 30.0f, 1};

static float x[POINTS * 2];

static void make_points(void)
{
    for (int i = 0; i < POINTS * 2; i++)
        x[i] = -0.9f + 0.2f * (float)i;
}

/* A forward pass of the given quantities on net, with all adjoints 1. */
typedef struct pass {
    siren_workspace *ws;
    float value[POINTS], gradient[POINTS * 2], laplacian[POINTS];
    float d_value[POINTS], d_gradient[POINTS * 2], d_laplacian[POINTS];
    siren_jet out, adjoint;
} pass;

static void start(pass *p, siren_net *net, unsigned what)
{
    CHECK_STATUS(siren_workspace_create(net, POINTS, what, &p->ws), SIREN_OK);
    for (int i = 0; i < POINTS * 2; i++)
        p->d_gradient[i] = 1.0f;
    for (int i = 0; i < POINTS; i++)
        p->d_value[i] = p->d_laplacian[i] = 1.0f;
    p->out = (siren_jet){p->value, (what & SIREN_GRADIENT) ? p->gradient : NULL,
                         (what & SIREN_LAPLACIAN) ? p->laplacian : NULL, NULL};
    p->adjoint = (siren_jet){p->d_value, (what & SIREN_GRADIENT) ? p->d_gradient : NULL,
                             (what & SIREN_LAPLACIAN) ? p->d_laplacian : NULL, NULL};
}

static int forward(pass *p, siren_net *net)
{
    return siren_forward(net, p->ws, POINTS, x, &p->out);
}

static int backward(pass *p, siren_net *net)
{
    return siren_backward(net, p->ws, &p->adjoint);
}

/* --------------------------------------------- changes by library calls */

static void test_adam_step_between(void)
{
    siren_net *net = make_net(&SHAPE, 1);
    siren_adam_config cfg;
    siren_adam_config_default(&cfg);
    siren_adam *opt = NULL;
    CHECK_STATUS(siren_adam_create(net, &cfg, &opt), SIREN_OK);
    pass p;
    start(&p, net, SIREN_VALUE);
    CHECK_STATUS(forward(&p, net), SIREN_OK);
    CHECK_STATUS(backward(&p, net), SIREN_OK);
    CHECK_STATUS(siren_adam_step(opt, net), SIREN_OK);
    CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
    CHECK_STATUS(forward(&p, net), SIREN_OK); /* a new forward is fine */
    CHECK_STATUS(backward(&p, net), SIREN_OK);
    siren_workspace_free(p.ws);
    siren_adam_free(opt);
    siren_net_free(net);
}

static void test_init_between(void)
{
    siren_net *net = make_net(&SHAPE, 1);
    pass p;
    start(&p, net, SIREN_VALUE | SIREN_GRADIENT);
    CHECK_STATUS(forward(&p, net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 1), SIREN_OK); /* the same values, still a change */
    CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
    siren_workspace_free(p.ws);
    siren_net_free(net);
}

/* New weights discard the forward pass, whatever it computed (the same
   weights too: the workspace does not compare them). */
static void test_laplacian_weights_between(void)
{
    siren_net *net = make_net(&SHAPE, 1);
    const float weights[2] = {1.0f, -4.0f};
    unsigned kinds[2] = {SIREN_VALUE | SIREN_LAPLACIAN, SIREN_VALUE};
    for (int k = 0; k < 2; k++) {
        pass p;
        start(&p, net, kinds[k]);
        CHECK_STATUS(forward(&p, net), SIREN_OK);
        CHECK_STATUS(siren_workspace_set_laplacian_weights(p.ws, weights, 2), SIREN_OK);
        CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
        CHECK_STATUS(forward(&p, net), SIREN_OK);
        CHECK_STATUS(backward(&p, net), SIREN_OK);
        CHECK_STATUS(siren_workspace_set_laplacian_weights(p.ws, weights, 2), SIREN_OK);
        CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
        siren_workspace_free(p.ws);
    }
    siren_net_free(net);
}

/* ------------------------------------------ writes through the pointer */

/* Scaling every parameter (the case: SIREN_OK and gradients off
   by a factor 7.5 before), and for the value-and-gradient pass of a
   one-output net, which runs the reverse-mode gradient. Setting them back
   bit for bit makes the pass valid again. */
static void test_scaled_parameters(void)
{
    unsigned kinds[3] = {SIREN_VALUE, SIREN_VALUE | SIREN_GRADIENT,
                         SIREN_VALUE | SIREN_LAPLACIAN};
    for (int k = 0; k < 3; k++) {
        siren_net *net = make_net(&SHAPE, 2);
        size_t n = siren_net_param_count(net);
        float *params = siren_net_params(net);
        float *saved = malloc(n * sizeof *saved);
        memcpy(saved, params, n * sizeof *saved);
        pass p;
        start(&p, net, kinds[k]);
        CHECK_STATUS(forward(&p, net), SIREN_OK);
        for (size_t i = 0; i < n; i++)
            params[i] *= 1.5f;
        CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
        memcpy(params, saved, n * sizeof *saved);
        CHECK_STATUS(backward(&p, net), SIREN_OK);
        free(saved);
        siren_workspace_free(p.ws);
        siren_net_free(net);
    }
}

/* Any one layer rewritten (a fine-tuned or re-initialised layer), and the
   first parameter of the net (always a sample) alone. */
static void test_one_layer_or_the_first_parameter(void)
{
    siren_net *net = make_net(&SHAPE, 3);
    siren_net *other = make_net(&SHAPE, 4);
    size_t n = siren_net_param_count(net);
    float *params = siren_net_params(net);
    float *saved = malloc(n * sizeof *saved);
    memcpy(saved, params, n * sizeof *saved);
    /* layer l's weights and biases: [start, end) of the flat layout */
    size_t in = SHAPE.dims, w = SHAPE.width;
    size_t bounds[5] = {0, (in + 1) * w, (in + 1) * w + (w + 1) * w,
                        (in + 1) * w + 2 * (w + 1) * w, n};
    CHECK(bounds[4] == bounds[3] + (w + 1) * SHAPE.out);
    pass p;
    start(&p, net, SIREN_VALUE);
    CHECK_STATUS(forward(&p, net), SIREN_OK);
    for (int l = 0; l < 4; l++) {
        for (size_t i = bounds[l]; i < bounds[l + 1]; i++)
            params[i] = siren_net_params(other)[i];
        CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
        memcpy(params, saved, n * sizeof *saved);
        CHECK_STATUS(backward(&p, net), SIREN_OK);
    }
    params[0] = -params[0];
    CHECK_STATUS(backward(&p, net), SIREN_ERR_STATE);
    params[0] = saved[0];
    CHECK_STATUS(backward(&p, net), SIREN_OK);
    free(saved);
    siren_workspace_free(p.ws);
    siren_net_free(other);
    siren_net_free(net);
}

/* ------------------------------------------- a new net at the old address */

/* An allocator that hands a freed block of the same size out again (the
   last one freed first), so that a net created after a free is at the
   old one's address. Each block starts with its size. */
enum { RECYCLED = 16, HEADER = 16 };
typedef struct recycler {
    unsigned char *block[RECYCLED];
    int count;
} recycler;

static size_t block_size(const unsigned char *block)
{
    size_t size;
    memcpy(&size, block, sizeof size);
    return size;
}

static void *recycle_alloc(void *user, size_t size)
{
    recycler *r = user;
    for (int i = r->count - 1; i >= 0; i--)
        if (block_size(r->block[i]) == size) {
            unsigned char *block = r->block[i];
            r->block[i] = r->block[--r->count];
            return block + HEADER;
        }
    unsigned char *block = malloc(HEADER + size);
    if (!block)
        return NULL;
    memcpy(block, &size, sizeof size);
    return block + HEADER;
}

static void recycle_free(void *user, void *ptr)
{
    recycler *r = user;
    unsigned char *block = (unsigned char *)ptr - HEADER;
    if (r->count < RECYCLED)
        r->block[r->count++] = block;
    else
        free(block);
}

static void test_new_net_at_the_old_address(void)
{
    recycler heap = {{NULL}, 0};
    siren_allocator alloc = {recycle_alloc, recycle_free, &heap};
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = SHAPE.width;
    cfg.hidden_layers = SHAPE.depth;
    siren_net *first = NULL, *second = NULL;
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &alloc, &first), SIREN_OK);
    CHECK_STATUS(siren_net_init(first, 5), SIREN_OK);
    pass p;
    start(&p, first, SIREN_VALUE);
    CHECK_STATUS(forward(&p, first), SIREN_OK);
    siren_net *old = first;
    siren_net_free(first);
    CHECK_STATUS(siren_net_create_with_allocator(&cfg, &alloc, &second), SIREN_OK);
    CHECK(second == old); /* the premise: the same address */
    CHECK_STATUS(siren_net_init(second, 5), SIREN_OK); /* and the same parameters */
    CHECK_STATUS(backward(&p, second), SIREN_ERR_STATE);
    siren_workspace_free(p.ws);
    siren_net_free(second);
    for (int i = 0; i < heap.count; i++)
        free(heap.block[i]);
}

/* ------------------------------------------------------------ instances */

enum { INSTANCES = 3 };

static void test_instance_parameters_changed(void)
{
    siren_net *arch = make_net(&SHAPE, 6);
    size_t n = siren_net_param_count(arch);
    float *params = malloc(INSTANCES * n * sizeof *params);
    float *saved = malloc(INSTANCES * n * sizeof *saved);
    float *grads = calloc(INSTANCES * n, sizeof *grads);
    for (int i = 0; i < INSTANCES; i++) {
        siren_net *one = make_net(&SHAPE, 10 + (uint64_t)i);
        memcpy(params + (size_t)i * n, siren_net_params(one), n * sizeof *params);
        siren_net_free(one);
    }
    memcpy(saved, params, INSTANCES * n * sizeof *saved);
    float xs[INSTANCES * POINTS * 2], values[INSTANCES * POINTS], adj[INSTANCES * POINTS];
    for (int i = 0; i < INSTANCES * POINTS * 2; i++)
        xs[i] = -1.0f + 0.03f * (float)i;
    for (int i = 0; i < INSTANCES * POINTS; i++)
        adj[i] = 1.0f;
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(arch, INSTANCES * POINTS, SIREN_VALUE, &ws), SIREN_OK);
    siren_jet out = {values, NULL, NULL, NULL}, adjoint = {adj, NULL, NULL, NULL};
    CHECK_STATUS(siren_forward_instances(arch, ws, INSTANCES, params, POINTS, xs, &out),
                 SIREN_OK);
    /* a hypernetwork that writes its next output into the same buffer */
    for (size_t i = 0; i < INSTANCES * n; i++)
        params[i] *= 0.5f;
    CHECK_STATUS(siren_backward_instances(arch, ws, &adjoint, grads), SIREN_ERR_STATE);
    memcpy(params, saved, INSTANCES * n * sizeof *saved);
    CHECK_STATUS(siren_backward_instances(arch, ws, &adjoint, grads), SIREN_OK);
    /* the last instance's last layer alone */
    for (size_t i = INSTANCES * n - (SHAPE.width + 1); i < INSTANCES * n; i++)
        params[i] += 1.0f;
    CHECK_STATUS(siren_backward_instances(arch, ws, &adjoint, grads), SIREN_ERR_STATE);
    /* the template net's own parameters play no part */
    memcpy(params, saved, INSTANCES * n * sizeof *saved);
    CHECK_STATUS(siren_net_init(arch, 99), SIREN_OK);
    CHECK_STATUS(siren_backward_instances(arch, ws, &adjoint, grads), SIREN_OK);
    siren_workspace_free(ws);
    free(params);
    free(saved);
    free(grads);
    siren_net_free(arch);
}

/* ---------------------------------------------------- not changes */

static void test_what_does_not_invalidate(void)
{
    siren_net *net = make_net(&SHAPE, 7);
    pass p, other;
    start(&p, net, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN);
    start(&other, net, SIREN_VALUE | SIREN_EVAL_ONLY);
    CHECK_STATUS(forward(&p, net), SIREN_OK);
    float sum = 0.0f;
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        sum += siren_net_params(net)[i];
    CHECK(isfinite(sum));
    siren_net_zero_grad(net);
    CHECK_STATUS(siren_eval(net, other.ws, POINTS, x, &other.out), SIREN_OK);
    CHECK_STATUS(siren_workspace_set_threads(p.ws, 2), SIREN_OK);
    float kept = siren_net_params(net)[5];
    siren_net_params(net)[5] = 0.25f;
    siren_net_params(net)[5] = kept;
    CHECK_STATUS(backward(&p, net), SIREN_OK);
    CHECK_STATUS(backward(&p, net), SIREN_OK); /* twice: the gradients add up */
    siren_workspace_free(other.ws);
    siren_workspace_free(p.ws);
    siren_net_free(net);
}

/* Every test on both paths: calls of so few points take the small-batch
   path (src/small_batch.c); the second round sends them to the
   large-batch path, the one of larger calls. */
int main(void)
{
    make_points();
    for (int large = 0; large < 2; large++) {
        siren__small_batch_allow(!large);
        RUN(test_adam_step_between);
        RUN(test_init_between);
        RUN(test_laplacian_weights_between);
        RUN(test_scaled_parameters);
        RUN(test_one_layer_or_the_first_parameter);
        RUN(test_new_net_at_the_old_address);
        RUN(test_instance_parameters_changed);
        RUN(test_what_does_not_invalidate);
    }
    siren__small_batch_allow(true);
    return check_summary();
}
