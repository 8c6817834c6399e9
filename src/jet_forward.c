/* jet_forward.c - evaluation with forward-mode jets (DESIGN.md, "Input
   derivatives"): siren_eval, and siren_forward, which also keeps the
   pre-activation jets Z of every layer on the tape for siren_backward.
   Each layer after the first is one matrix product over all channels and
   points, followed by the elementwise sine jet update. */
#include "internal.h"
#include "thread_pool.h"


/* Where a pass keeps each layer's pre-activation jets Z and its sine jets
   S. Eval: Z in two buffers that alternate, S over Z in place. Forward: Z on
   the tape, one buffer per layer, S in two buffers that alternate (values
   only: S is the trigonometric tape's sin rows, run_points). A layer
   never writes the buffer it reads: its rows are shared between threads,
   and every thread reads all of the previous layer. */
typedef struct pass_buffers {
    float **tape;           /* NULL: Z alternates between ping and pong */
    float *ping, *pong;
} pass_buffers;

static float *alternate(const pass_buffers *buf, size_t l)
{
    return l % 2 == 0 ? buf->ping : buf->pong;
}

static siren_jet_shape layer_shape(const siren_workspace *ws, siren_jet_kind kind,
                                   size_t rows, size_t n)
{
    siren_jet_shape shape;
    shape.kind = kind;
    shape.dims = ws->cfg.in_features;
    shape.rows = rows;
    shape.n = n;
    shape.ld = n;
    shape.row_stride = siren__jet_channels(kind, shape.dims) * n;
    shape.weights = ws->laplacian_weights;
    return shape;
}

/* The values of layer 0, z0 = w (W x + b), for points [begin, end) in
   blocks of 64: the block's coordinates are gathered once, coordinate by
   coordinate, so each row's sums run along points (vectorised) in the
   order of the plain loop over coordinates (the same bits). */
enum { FIRST_LAYER_MAX_DIMS = 8, FIRST_LAYER_BLOCK = 64 };

static void first_layer_values(const float *weights, const float *bias, float omega,
                               const float *x, const siren_jet_shape *shape, float *z,
                               size_t begin, size_t end)
{
    size_t dims = shape->dims;
    float xs[FIRST_LAYER_MAX_DIMS][FIRST_LAYER_BLOCK], sum[FIRST_LAYER_BLOCK];
    for (size_t p0 = begin; p0 < end; p0 += FIRST_LAYER_BLOCK) {
        size_t m = end - p0 < FIRST_LAYER_BLOCK ? end - p0 : FIRST_LAYER_BLOCK;
        for (size_t q = 0; q < m; q++)
            for (size_t k = 0; k < dims; k++)
                xs[k][q] = x[(p0 + q) * dims + k];
        for (size_t f = 0; f < shape->rows; f++) {
            const float *w_row = weights + f * dims;
            for (size_t q = 0; q < m; q++)
                sum[q] = 0.0f;
            for (size_t k = 0; k < dims; k++)
                for (size_t q = 0; q < m; q++)
                    sum[q] += w_row[k] * xs[k][q];
            float *row = z + f * shape->row_stride + p0;
            for (size_t q = 0; q < m; q++)
                row[q] = (sum[q] + bias[f]) * omega;
        }
    }
}

/* The same, point by point, for inputs too wide to gather on the stack. */
static void first_layer_values_pointwise(const float *weights, const float *bias, float omega,
                                         const float *x, const siren_jet_shape *shape,
                                         float *z, size_t begin, size_t end)
{
    size_t dims = shape->dims;
    for (size_t f = 0; f < shape->rows; f++) {
        const float *w_row = weights + f * dims;
        float *row = z + f * shape->row_stride;
        for (size_t p = begin; p < end; p++) {
            float sum = 0.0f;
            for (size_t k = 0; k < dims; k++)
                sum += w_row[k] * x[p * dims + k];
            row[p] = (sum + bias[f]) * omega;
        }
    }
}

/* Layer 0 needs no matrix product: x has jet (x, e_k, 0), so
   z0 = w (W x + b), zk = w W[:, k], and every second-order channel is 0.
   Points [begin, end). */
static void first_layer_jets(const siren_net *net, const float *params, const float *x,
                             const siren_jet_shape *shape, float *z, size_t begin, size_t end)
{
    const siren_layer *layer = &net->layers[0];
    const float *weights = params + layer->weight_offset;
    const float *bias = params + layer->bias_offset;
    size_t dims = shape->dims, channels = siren__jet_channels(shape->kind, dims);
    float omega = layer->omega;
    if (dims <= FIRST_LAYER_MAX_DIMS)
        first_layer_values(weights, bias, omega, x, shape, z, begin, end);
    else
        first_layer_values_pointwise(weights, bias, omega, x, shape, z, begin, end);
    for (size_t f = 0; f < shape->rows; f++) {
        const float *w_row = weights + f * dims;
        float *row = z + f * shape->row_stride;
        for (size_t c = 1; c < channels; c++) {
            float constant = c <= dims ? omega * w_row[c - 1] : 0.0f;
            for (size_t p = begin; p < end; p++)
                row[c * shape->ld + p] = constant;
        }
    }
}

/* Z = w (W S + b) for points [begin, end) of layer l > 0: a product per
   channel over those points; the bias enters the value channel only
   (unless add_bias is false: the caller adds it later). */
static void linear_layer_jets(const siren_net *net, const float *params, size_t l,
                              const float *s, size_t s_stride, const siren_jet_shape *shape,
                              float *z, size_t begin, size_t end, bool add_bias, float *pack)
{
    const siren_layer *layer = &net->layers[l];
    const float *weights = params + layer->weight_offset;
    const float *bias = params + layer->bias_offset;
    size_t channels = siren__jet_channels(shape->kind, shape->dims), ld = shape->row_stride;
    for (size_t c = 0; c < channels; c++) {
        size_t column = c * shape->ld + begin;
        siren__gemm(false, false, layer->out, end - begin, layer->in, layer->omega, weights,
                    layer->in, s + column, s_stride, 0.0f, z + column, ld, pack);
    }
    for (size_t f = 0; add_bias && f < layer->out; f++) {
        float shift = layer->omega * bias[f];
        float *row = z + f * shape->row_stride;
        for (size_t p = begin; p < end; p++)
            row[p] += shift;
    }
}

/* A whole pass over one instance, shared by the threads of the pool: each
   thread runs every layer on its own range of points. Points never mix, so
   no thread waits for another, and the split never changes a result. */
typedef struct pass_job {
    const siren_net *net;
    const float *params;
    const float *x;
    siren_workspace *ws;
    siren_jet_kind kind;
    size_t n, instance;
    const pass_buffers *buf;
} pass_job;

/* Where layer l keeps its pre-activation jets Z and its output jets S. */
static void layer_buffers(const pass_job *job, size_t l, size_t row_stride, float **z, float **s)
{
    const siren_layer *layer = &job->net->layers[l];
    const pass_buffers *buf = job->buf;
    *z = buf->tape ? buf->tape[l] + job->instance * layer->out * row_stride : alternate(buf, l);
    *s = layer->is_sine && buf->tape ? alternate(buf, l) : *z;
}

static void run_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const pass_job *job = ctx;
    const siren_net *net = job->net;
    const float *input = NULL;
    size_t input_stride = 0;
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        siren_jet_shape shape = layer_shape(job->ws, job->kind, layer->out, job->n);
        float *z, *s;
        layer_buffers(job, l, shape.row_stride, &z, &s);
        float *trig = job->buf->tape && layer->is_sine
                          ? siren__trig_tape(job->ws, l, layer->out, job->n, job->instance)
                          : NULL;
        /* Values only, on the tape: the bias and sin z0, cos z0 in one pass
           to the tape, whose sin rows the next layer reads (no copy). */
        bool values_to_trig = trig && job->kind == JET_VALUE && l + 1 < net->layer_count;
        if (l == 0)
            first_layer_jets(net, job->params, job->x, &shape, z, begin, end);
        else
            linear_layer_jets(net, job->params, l, input, input_stride, &shape, z, begin,
                                     end, !values_to_trig, siren__workspace_pack(job->ws, part));
        input = s;
        input_stride = shape.row_stride;
        if (!layer->is_sine)
            continue;
        siren_jet_shape range = shape;
        range.n = end - begin;
        if (values_to_trig) {
            const float *bias = l > 0 ? job->params + layer->bias_offset : NULL;
            siren__sine_value_to_trig(&range, layer->omega, bias, z + begin, trig + begin);
            input = trig;
            input_stride = 2 * job->n;
        } else {
            siren__sine_jet(&range, z + begin, s + begin, NULL, trig ? trig + begin : NULL);
        }
    }
}

/* Runs every layer for one instance (its parameters, its n points x);
   returns the buffer that holds the output jets. On the tape, instance i
   has its own segment of every layer. */
static const float *run_layers(const siren_net *net, const float *params, siren_workspace *ws,
                               size_t n, const float *x, siren_jet_kind kind,
                               const pass_buffers *buf, size_t instance)
{
    pass_job job = {net, params, x, ws, kind, n, instance, buf};
    siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, run_points, &job);
    float *z, *s;
    size_t last = net->layer_count - 1;
    layer_buffers(&job, last, layer_shape(ws, kind, 1, n).row_stride, &z, &s);
    return s;
}

/* The checks shared by every evaluation; *kind gets the jets to carry. */
static int check_eval_call(const siren_net *net, const siren_workspace *ws, size_t instances,
                           const float *params, size_t n, const float *x, const siren_jet *out,
                           siren_jet_kind *kind)
{
    size_t total;
    if (!net || !ws || !params || !x || !out || n == 0 || instances == 0)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!siren__mul_size(instances, n, &total) || total > ws->max_points)
        return SIREN_ERR_TOO_LARGE;
    if (!siren__same_architecture(&net->cfg, &ws->cfg))
        return SIREN_ERR_STATE;
    unsigned asked = siren__jet_quantities(out);
    if ((asked & ~ws->what) != 0)
        return SIREN_ERR_STATE;
    *kind = siren__jet_kind_for(asked);
    return SIREN_OK;
}

/* Evaluates `instances` networks of net's architecture, instance i with
   the parameters params + i * param_count on points x + i * n * in. */
static void run_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                          const float *params, size_t n, const float *x, siren_jet_kind kind,
                          const pass_buffers *buf, const siren_jet *out)
{
    siren_jet_shape shape = layer_shape(ws, kind, net->cfg.out_features, n);
    size_t dims = net->cfg.in_features;
    for (size_t i = 0; i < instances; i++) {
        const float *y = run_layers(net, params + i * net->param_count, ws, n, x + i * n * dims,
                                    kind, buf, i);
        siren_jet part = siren__jet_instance(out, &net->cfg, n, i);
        siren__jet_scatter(y, &shape, &part);
    }
}

static int eval_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                          const float *params, size_t n, const float *x, const siren_jet *out)
{
    siren_jet_kind kind;
    int status = check_eval_call(net, ws, instances, params, n, x, out, &kind);
    if (status != SIREN_OK)
        return status;
    pass_buffers buf = {NULL, ws->ping, ws->pong};
    run_instances(net, ws, instances, params, n, x, kind, &buf, out);
    return SIREN_OK;
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

static int forward_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                             const float *params, size_t n, const float *x,
                             const siren_jet *out)
{
    siren_jet_kind kind;
    int status = check_eval_call(net, ws, instances, params, n, x, out, &kind);
    if (status != SIREN_OK)
        return status;
    if (!ws->has_tape)
        return SIREN_ERR_STATE;
    pass_buffers buf = {ws->tape, ws->ping, ws->pong};
    tape_points(ws->tape_x, x, instances * n, ws->cfg.in_features, n);
    ws->taped_reverse = siren__reverse_gradient_applies(net, kind);
    if (ws->taped_reverse) { /* values by jets, then the gradient sweep */
        siren_jet values = {out->value, NULL, NULL, NULL};
        run_instances(net, ws, instances, params, n, x, JET_VALUE, &buf, &values);
        for (size_t i = 0; i < instances; i++) {
            siren_jet part = siren__jet_instance(out, &net->cfg, n, i);
            siren__reverse_gradient_sweep(net, params + i * net->param_count, ws, n,
                                          part.gradient, i);
        }
    } else {
        run_instances(net, ws, instances, params, n, x, kind, &buf, out);
    }
    ws->taped_net = net;
    ws->taped_params = params;
    ws->taped_instances = instances;
    ws->taped_points = n;
    ws->taped_kind = ws->taped_reverse ? JET_VALUE : kind; /* the jets on the tape */
    ws->taped_quantities = siren__jet_quantities(out);
    return SIREN_OK;
}

int siren_eval(const siren_net *net, siren_workspace *ws, size_t n, const float *x,
               const siren_jet *out)
{
    return eval_instances(net, ws, 1, net ? net->params : NULL, n, x, out);
}

int siren_forward(const siren_net *net, siren_workspace *ws, size_t n, const float *x,
                  const siren_jet *out)
{
    return forward_instances(net, ws, 1, net ? net->params : NULL, n, x, out);
}

int siren_eval_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                         const float *params, size_t n, const float *x, const siren_jet *out)
{
    return eval_instances(net, ws, instances, params, n, x, out);
}

int siren_forward_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                            const float *params, size_t n, const float *x,
                            const siren_jet *out)
{
    return forward_instances(net, ws, instances, params, n, x, out);
}
