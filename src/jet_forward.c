/* jet_forward.c - the taped forward pass (DESIGN.md, "Training"):
   siren_forward keeps the pre-activation jets Z of every layer, and the
   sine's sin z0 and cos z0, on the tape for siren_backward. Each layer
   after the first is one matrix product over all channels and points
   (layer_jets.c), followed by the elementwise sine jet update. */
#include "internal.h"
#include "thread_pool.h"

/* A whole pass over one instance, shared by the threads of the pool: each
   thread runs every layer on its own range of points. Points never mix, so
   no thread waits for another, and the split never changes a result.
   Z goes to the tape, one buffer per layer; S to ping and pong, which
   alternate (values only: S is the trigonometric tape's sin rows). A
   layer never writes the buffer it reads. */
typedef struct pass_job {
    const siren_net *net;
    const float *params;
    const float *x;
    siren_workspace *ws;
    siren_jet_kind kind;
    size_t n, instance;
} pass_job;

/* Where layer l keeps its pre-activation jets Z and its output jets S. */
static void layer_buffers(const pass_job *job, size_t l, size_t row_stride, float **z, float **s)
{
    const siren_layer *layer = &job->net->layers[l];
    siren_workspace *ws = job->ws;
    *z = ws->tape[l] + job->instance * layer->out * row_stride;
    *s = layer->is_sine ? (l % 2 == 0 ? ws->ping : ws->pong) : *z;
}

static void run_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const pass_job *job = ctx;
    const siren_net *net = job->net;
    const float *input = NULL;
    size_t input_stride = 0;
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        siren_jet_shape shape = siren__layer_shape(job->ws, job->kind, layer->out, job->n);
        float *z, *s;
        layer_buffers(job, l, shape.row_stride, &z, &s);
        /* A sine layer's bias is added in the sine's pass. */
        if (l == 0)
            siren__first_layer_jets(net, job->params, job->x, &shape, z, begin, end);
        else
            siren__linear_layer_jets(net, job->params, l, input, input_stride, &shape, z, begin,
                                     end, !layer->is_sine, siren__workspace_pack(job->ws, part));
        input = s;
        input_stride = shape.row_stride;
        if (!layer->is_sine)
            continue;
        const float *bias = l > 0 ? job->params + layer->bias_offset : NULL;
        float *trig = siren__trig_tape(job->ws, l, layer->out, job->n, job->instance);
        siren_jet_shape range = shape;
        range.n = end - begin;
        /* Values only: sin z0 and cos z0 go to the tape only, whose sin
           rows the next layer reads (no copy). */
        if (job->kind == JET_VALUE && l + 1 < net->layer_count) {
            siren__sine_value_to_trig(&range, layer->omega, bias, z + begin, trig + begin);
            input = trig;
            input_stride = 2 * job->n;
        } else {
            siren__sine_jet(&range, layer->omega, bias, z + begin, s + begin, NULL, trig + begin);
        }
    }
}

/* Runs every layer for `instances` networks of net's architecture,
   instance i with the parameters params + i * param_count on points
   x + i * n * in, and writes the outputs; instance i has its own segment
   of every layer on the tape. */
static void run_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                          const float *params, size_t n, const float *x, siren_jet_kind kind,
                          const siren_jet *out)
{
    size_t dims = net->cfg.in_features, last = net->layer_count - 1;
    siren_jet_shape shape = siren__layer_shape(ws, kind, net->cfg.out_features, n);
    for (size_t i = 0; i < instances; i++) {
        pass_job job = {net, params + i * net->param_count, x + i * n * dims, ws, kind, n, i};
        siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, run_points, &job);
        float *z, *y;
        layer_buffers(&job, last, shape.row_stride, &z, &y);
        siren_jet part = siren__jet_instance(out, &net->cfg, n, i);
        siren__jet_scatter(y, &shape, &part);
    }
}

/* The points on the tape coordinate by coordinate, per instance of n
   points: [instance][in][n], so the backward pass reads each coordinate
   contiguously. */
static void tape_points(float *tape, const float *x, size_t total, size_t dims, size_t n)
{
    for (size_t p = 0; p < total; p++) {
        size_t instance = p / n, point = p % n;
        for (size_t k = 0; k < dims; k++)
            tape[(instance * dims + k) * n + point] = x[p * dims + k];
    }
}

/* The pass itself, for n >= 1 points per instance: the points on the
   tape, then the layers. */
static void taped_pass(const siren_net *net, siren_workspace *ws, size_t instances,
                       const float *params, size_t n, const float *x, siren_jet_kind kind,
                       const siren_jet *out)
{
    tape_points(ws->tape_x, x, instances * n, ws->cfg.in_features, n);
    ws->taped_reverse = siren__reverse_gradient_applies(net, kind);
    if (ws->taped_reverse) { /* values by jets, then the gradient sweep */
        siren_jet values = {out->value, NULL, NULL, NULL};
        run_instances(net, ws, instances, params, n, x, JET_VALUE, &values);
        for (size_t i = 0; i < instances; i++) {
            siren_jet part = siren__jet_instance(out, &net->cfg, n, i);
            siren__reverse_gradient_sweep(net, params + i * net->param_count, ws, n,
                                          part.gradient, i);
        }
    } else {
        run_instances(net, ws, instances, params, n, x, kind, out);
    }
}

static int forward_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                             const float *params, size_t n, const float *x,
                             const siren_jet *out)
{
    siren_jet_kind kind;
    int status = siren__check_eval_call(net, ws, instances, params, n, x, out, &kind);
    if (status != SIREN_OK)
        return status;
    if (!ws->has_tape)
        return SIREN_ERR_STATE;
    /* No points: nothing to compute, and the tape records an empty pass
       (not the previous one), so that a backward after it adds nothing. */
    bool empty = n == 0 || instances == 0;
    if (!empty)
        taped_pass(net, ws, instances, params, n, x, kind, out);
    else
        ws->taped_reverse = false;
    ws->taped_net = net;
    ws->taped_params = params;
    ws->taped_own_params = params == net->params;
    ws->taped_stamp = net->stamp;
    /* An empty pass reads no caller-owned parameters (params may then be
       NULL or short); the net's own are always there, and are watched as
       for any forward. */
    ws->taped_fingerprinted = !empty ? instances : ws->taped_own_params ? 1 : 0;
    ws->taped_fingerprint = siren__params_fingerprint(net, params, ws->taped_fingerprinted);
    ws->taped_instances = instances;
    ws->taped_points = n;
    ws->taped_kind = ws->taped_reverse ? JET_VALUE : kind; /* the jets on the tape */
    ws->taped_quantities = siren__jet_quantities(out);
    return SIREN_OK;
}

int siren_forward(const siren_net *net, siren_workspace *ws, size_t n, const float *x,
                  const siren_jet *out)
{
    return forward_instances(net, ws, 1, net ? net->params : NULL, n, x, out);
}

int siren_forward_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                            const float *params, size_t n, const float *x,
                            const siren_jet *out)
{
    return forward_instances(net, ws, instances, params, n, x, out);
}
