/* jet_forward.c - the taped forward pass (DESIGN.md, "Training"):
   siren_forward keeps on the tape what siren_backward needs. Each
   instance's points go in segments (internal.h, siren__segment_points),
   one after the other, each through every layer; each layer after the
   first is one matrix product per channel over the segment's points
   (layer_jets.c), followed by the elementwise sine jet update.

   What the tape keeps. Value-only passes: every layer's z0, and for the
   sine layers sin z0 and cos z0 (the next layer reads its input straight
   from the sin rows). Derivative jets: the pre-activation jets Z of every
   layer after the first, nothing else: layer 0's jets cost two
   multiply-adds a point to recompute from the points, and sin z0 and
   cos z0 one sincos, against a third more memory for the tape
   (siren_backward recomputes them, jet_backward.c). */
#include "internal.h"
#include "thread_pool.h"

/* One segment's pass, shared by the threads of the pool: each thread runs
   every layer on its own range of the segment's points. Points never
   mix, so no thread waits for another, and the split never changes a
   result. Z goes to the tape; S to ping and pong, which alternate (values
   only: S is the trigonometric tape's sin rows). A layer never writes the
   buffer it reads. */
typedef struct pass_job {
    const siren_net *net;
    const float *params;
    const float *x;         /* the segment's points */
    siren_workspace *ws;
    siren_jet_kind kind;
    size_t n, first;        /* the segment's points, and its place on the tape */
} pass_job;

/* Where sine layer l puts its output jets S. */
static float *sine_output(const pass_job *job, size_t l)
{
    return l % 2 == 0 ? job->ws->ping : job->ws->pong;
}

/* Where layer l keeps its pre-activation jets Z (on the tape) and its
   output jets S. Not for an untaped layer 0, which has no Z. */
static void layer_buffers(const pass_job *job, size_t l, float **z, float **s)
{
    const siren_layer *layer = &job->net->layers[l];
    siren_workspace *ws = job->ws;
    size_t channels = siren__jet_channels(job->kind, ws->cfg.in_features);
    *z = siren__tape_jets(ws, l, layer->out, channels, job->first);
    *s = layer->is_sine ? sine_output(job, l) : *z;
}

/* Layer 0 with derivative jets, whose Z is not taped: its sine jets
   straight into s, fused where the shape allows (as siren_eval). */
static void untaped_first_layer(const pass_job *job, const siren_jet_shape *shape, float *s,
                                size_t begin, size_t end)
{
    const siren_net *net = job->net;
    if (siren__first_sine_layer_fuses(net, shape->dims)) {
        siren__first_sine_layer_jets(net, job->params, job->x, shape, s, begin, end);
        return;
    }
    siren_jet_shape range = *shape;
    range.n = end - begin;
    siren__first_layer_jets(net, job->params, job->x, shape, s, begin, end);
    siren__sine_jet(&range, net->layers[0].omega, NULL, s + begin, s + begin, NULL, NULL);
}

static void run_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const pass_job *job = ctx;
    const siren_net *net = job->net;
    const float *input = NULL;
    size_t input_stride = 0;
    bool trig = siren__tapes_trig(job->ws, job->kind);
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        siren_jet_shape shape = siren__layer_shape(job->ws, job->kind, layer->out, job->n);
        if (l == 0 && !trig) {
            float *s = sine_output(job, 0);
            untaped_first_layer(job, &shape, s, begin, end);
            input = s;
            input_stride = shape.row_stride;
            continue;
        }
        float *z, *s;
        layer_buffers(job, l, &z, &s);
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
        siren_jet_shape range = shape;
        range.n = end - begin;
        float *sin_cos = trig ? siren__trig_tape(job->ws, l, layer->out, job->first) : NULL;
        /* Values only: sin z0 and cos z0 go to the tape only, whose sin
           rows the next layer reads (no copy). */
        if (job->kind == JET_VALUE && l + 1 < net->layer_count) {
            siren__sine_value_to_trig(&range, layer->omega, bias, z + begin, sin_cos + begin);
            input = sin_cos;
            input_stride = 2 * job->n;
        } else {
            siren__sine_jet(&range, layer->omega, bias, z + begin, s + begin, NULL,
                            sin_cos ? sin_cos + begin : NULL);
        }
    }
}

/* Runs every layer for `instances` networks of net's architecture,
   instance i with the parameters params + i * param_count on points
   x + i * n * in, segments of `size` points, and writes the outputs. */
static void run_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                          const float *params, size_t n, const float *x, siren_jet_kind kind,
                          size_t size, const siren_jet *out)
{
    size_t dims = net->cfg.in_features, last = net->layer_count - 1;
    for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);) {
        pass_job job = {net, params + seg.instance * net->param_count, x + seg.first * dims, ws,
                        kind, seg.n, seg.first};
        siren__pool_for(ws->pool, seg.n, SIREN__POINT_GRAIN, run_points, &job);
        siren_jet_shape shape = siren__layer_shape(ws, kind, net->cfg.out_features, seg.n);
        float *z, *y;
        layer_buffers(&job, last, &z, &y);
        siren_jet part = siren__jet_points(out, &net->cfg, seg.first);
        siren__jet_scatter(y, &shape, &part);
    }
}

/* The points on the tape coordinate by coordinate, segment by segment:
   [in][m] at first * in, so the backward pass reads each coordinate of a
   segment contiguously. */
static void tape_points(float *tape, const float *x, size_t instances, size_t n, size_t dims,
                        size_t size)
{
    for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);) {
        float *dst = tape + seg.first * dims;
        for (size_t p = 0; p < seg.n; p++)
            for (size_t k = 0; k < dims; k++)
                dst[k * seg.n + p] = x[(seg.first + p) * dims + k];
    }
}

/* The pass itself, for n >= 1 points per instance: the points on the
   tape, then the layers. Sets ws->taped_reverse; returns the points per
   segment. */
static size_t taped_pass(const siren_net *net, siren_workspace *ws, size_t instances,
                         const float *params, size_t n, const float *x, siren_jet_kind kind,
                         const siren_jet *out)
{
    bool small = siren__small_batch_applies(net, kind, n);
    ws->taped_reverse = small ? siren__small_batch_reverse(net, kind, n)
                              : siren__reverse_gradient_applies(net, kind);
    siren_jet_kind taped = ws->taped_reverse ? JET_VALUE : kind; /* the jets on the tape */
    size_t size = small ? n : siren__segment_points(net, taped);
    tape_points(ws->tape_x, x, instances, n, ws->cfg.in_features, size);
    if (small) { /* as siren_eval takes them (src/small_batch.c) */
        for (size_t i = 0; i < instances; i++) {
            siren_jet part = siren__jet_instance(out, &net->cfg, n, i);
            siren__small_batch_forward(net, params + i * net->param_count, ws, kind, n,
                                       x + i * n * ws->cfg.in_features, &part, i * n);
        }
    } else if (ws->taped_reverse) { /* values by jets, then the gradient sweep */
        siren_jet values = {out->value, NULL, NULL, NULL};
        run_instances(net, ws, instances, params, n, x, JET_VALUE, size, &values);
        for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);) {
            siren_jet part = siren__jet_points(out, &net->cfg, seg.first);
            siren__reverse_gradient_sweep(net, params + seg.instance * net->param_count, ws,
                                          seg.first, seg.n, part.gradient);
        }
    } else {
        run_instances(net, ws, instances, params, n, x, kind, size, out);
    }
    return size;
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
    size_t segment = 1;
    if (!empty)
        segment = taped_pass(net, ws, instances, params, n, x, kind, out);
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
    ws->taped_segment = segment;
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
