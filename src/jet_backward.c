/* jet_backward.c - reverse mode through the jets (DESIGN.md, "Training:
   reverse mode through the jets"). From the adjoints of the outputs of the
   last siren_forward, walk the layers back: the sine jets' adjoints become
   the pre-activation jets' adjoints elementwise, then per layer
       W' += w Z' S^T      b' += w sum_points z0'      S'_prev = w W^T Z'
   two matrix products, like the forward pass. Segment by segment, as the
   forward pass went (internal.h, siren__segment_points): each segment
   walks every layer back and adds its terms to the gradients, so the
   buffers hold one segment. The layer inputs S are recomputed from the
   taped pre-activations Z; for derivative jets, so are sin z0 and cos z0,
   and layer 0's jets, from the points (jet_forward.c says why). */
#include "internal.h"
#include "thread_pool.h"

#include <string.h>

/* The jets backward must carry: enough for the adjoints given. A Laplacian
   adjoint on a Hessian tape flows through the Hessian channels. */
static siren_jet_kind backward_kind(unsigned adjoint_quantities, siren_jet_kind taped)
{
    siren_jet_kind kind = siren__jet_kind_for(adjoint_quantities);
    if (kind == JET_LAPLACIAN && taped == JET_HESSIAN)
        return JET_HESSIAN;
    return kind;
}

/* The shape of a segment's layer jets on the tape, restricted to the
   channels `kind` needs (channels are ordered so every kind is a prefix of
   the larger). */
static siren_jet_shape tape_shape(const siren_workspace *ws, siren_jet_kind kind, size_t rows,
                                  size_t n)
{
    siren_jet_shape shape;
    shape.kind = kind;
    shape.dims = ws->cfg.in_features;
    shape.rows = rows;
    shape.n = n;
    shape.ld = n;
    shape.row_stride = siren__jet_channels(ws->taped_kind, shape.dims) * n;
    shape.weights = ws->laplacian_weights;
    return shape;
}

/* The adjoint of one public member, [n][rows][count], into channels
   first.. first+count-1 of y' (scaled by `scale`, added when `add`). */
static void gather_channels(const float *adjoint, const siren_jet_shape *shape, size_t first,
                            size_t count, float *y)
{
    size_t rows = shape->rows;
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < count; k++) {
            float *channel = y + r * shape->row_stride + (first + k) * shape->ld;
            for (size_t p = 0; p < shape->n; p++)
                channel[p] += adjoint[(p * rows + r) * count + k];
        }
}

/* A Laplacian adjoint on Hessian channels: y_kk' += c_k L'. */
static void gather_weighted_laplacian(const float *adjoint, const siren_jet_shape *shape,
                                      float *y)
{
    size_t dims = shape->dims;
    for (size_t r = 0; r < shape->rows; r++)
        for (size_t k = 0; k < dims; k++) {
            float *channel = y + r * shape->row_stride + (1 + dims + k) * shape->ld;
            for (size_t p = 0; p < shape->n; p++)
                channel[p] += shape->weights[k] * adjoint[p * shape->rows + r];
        }
}

/* The output adjoints in the workspace layout; absent members are zero. */
static void gather_output_adjoints(const siren_jet *adjoint, const siren_jet_shape *shape,
                                   float *y)
{
    size_t channels = siren__jet_channels(shape->kind, shape->dims), dims = shape->dims;
    for (size_t r = 0; r < shape->rows; r++)
        memset(y + r * shape->row_stride, 0, channels * shape->ld * sizeof(float));
    if (adjoint->value)
        gather_channels(adjoint->value, shape, 0, 1, y);
    if (adjoint->gradient)
        gather_channels(adjoint->gradient, shape, 1, dims, y);
    if (adjoint->hessian_diag)
        gather_channels(adjoint->hessian_diag, shape, 1 + dims, dims, y);
    if (adjoint->laplacian) {
        if (shape->kind == JET_HESSIAN)
            gather_weighted_laplacian(adjoint->laplacian, shape, y);
        else
            gather_channels(adjoint->laplacian, shape, 1 + dims, 1, y);
    }
}

/* b' += w sum over points of z0' (the value channel), rows [begin, end). */
static void accumulate_bias(const siren_layer *layer, const float *z_adj,
                            const siren_jet_shape *shape, float *grads, size_t begin, size_t end)
{
    float *bias_grad = grads + layer->bias_offset;
    for (size_t f = begin; f < end; f++) {
        bias_grad[f] += layer->omega * siren__sum_points(z_adj + f * shape->row_stride, shape->n);
    }
}

/* One step of the backward pass of a segment over a range of rows or
   points, shared by the threads of the pool. Each row's sums run over
   points in order, so the split between threads never changes a result. */
typedef struct backward_job {
    const siren_net *net;
    const siren_workspace *ws;
    const float *params;    /* the instance's parameters */
    float *grads;           /* and its gradients */
    size_t first;           /* the segment's place on the tape */
    size_t l;               /* the layer */
    siren_jet_shape out;    /* jets of the layer's output, on the tape */
    siren_jet_shape in;     /* jets of its input (layer l - 1's output) */
    const float *x;         /* the taped points, for layer 0: [in][n] */
    float *z_in;            /* layer l - 1's pre-activation jets (not written) */
    float *trig_in;         /* and its sin z0, cos z0 */
    bool trig_by_sine;      /* trig_in is written by the recomputation of S */
    float *s;               /* layer l's input jets S, recomputed */
    const float *s_read;    /* where the products read S: s, or for values
                               only the sin rows of trig_in */
    size_t s_stride;        /* and its row stride */
    siren_weight_gradient weights; /* W' of layer l, in slabs */
    float *z_adj;           /* Z' of layer l */
    float *s_adj;           /* S' of layer l - 1, then its Z' */
    bool gradient_terms;    /* reverse-mode gradient: add A_l to each Z' */
} backward_job;

/* Z' of layer l += A_l, the part that came through the reverse-mode
   gradient sweep (src/gradient_reverse.c), points [begin, end). Value
   channel only: the pass is value-only then. */
static void add_gradient_terms(const backward_job *job, size_t l, float *z_adj,
                               const siren_jet_shape *shape, size_t begin, size_t end)
{
    const float *a = siren__tape_slot(job->ws, l, SIREN__TAPE_SLOT_A, shape->rows, job->first);
    for (size_t r = 0; r < shape->rows; r++)
        for (size_t p = begin; p < end; p++)
            z_adj[r * shape->row_stride + p] += a[r * shape->n + p];
}

/* Shape restricted to points [begin, end); base pointers move by begin. */
static siren_jet_shape points_of(const siren_jet_shape *shape, size_t begin, size_t end)
{
    siren_jet_shape part = *shape;
    part.n = end - begin;
    return part;
}

/* Derivative jets: layer 0's jets from the taped points, as the forward
   pass computed them, at points [begin, end). */
static void recompute_first_layer_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const backward_job *job = ctx;
    (void)part;
    siren__first_layer_jets_columns(job->net, job->params, job->x, job->in.n, &job->in,
                                    job->z_in, begin, end);
}

/* Derivative jets: sin z0 and cos z0 of the jets z of `shape` into trig,
   [row][2][n], at points [begin, end), as the forward pass's sine. */
static void recompute_trig(const siren_jet_shape *shape, const float *z, float *trig,
                           size_t begin, size_t end)
{
    for (size_t r = 0; r < shape->rows; r++) {
        const float *z0 = z + r * shape->row_stride + begin;
        float *sn = trig + 2 * r * shape->ld + begin;
        siren__sincos(end - begin, z0, sn, sn + shape->ld);
    }
}

static void recompute_input_trig_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const backward_job *job = ctx;
    (void)part;
    recompute_trig(&job->in, job->z_in, job->trig_in, begin, end);
}

/* S = sin(Z) of layer l - 1 at points [begin, end), from sin z0 and
   cos z0, or computing them into trig_in (one pass less). */
static void recompute_input_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const backward_job *job = ctx;
    (void)part;
    siren_jet_shape range = points_of(&job->in, begin, end);
    float *trig = job->trig_in + begin;
    siren__sine_jet(&range, 0.0f, NULL, job->z_in + begin, job->s + begin,
                    job->trig_by_sine ? NULL : trig, job->trig_by_sine ? trig : NULL);
}

/* W' += w Z' S^T over every channel and point, slab by slab, into the
   workspace's partials (added by parameter_gradient_rows). */
static void weight_gradient_slabs(backward_job *job)
{
    const siren_layer *layer = &job->net->layers[job->l];
    size_t columns = siren__jet_channels(job->out.kind, job->out.dims) * job->out.n;
    job->weights = (siren_weight_gradient){job->ws, layer->out, layer->in, columns,
                                           layer->omega, job->z_adj, job->s_read,
                                           job->out.row_stride, job->s_stride,
                                           job->grads + layer->weight_offset, layer->in};
    siren__weight_gradient_slabs(&job->weights);
}

/* W' += the slabs' partials and b' += w sum z0', rows of the layer's
   output. */
static void parameter_gradient_rows(void *ctx, size_t part, size_t begin, size_t end)
{
    const backward_job *job = ctx;
    (void)part;
    siren__weight_gradient_add(&job->weights, begin, end);
    accumulate_bias(&job->net->layers[job->l], job->z_adj, &job->out, job->grads, begin, end);
}

/* S' = w W^T Z' (a product per channel), then through the sine of layer
   l - 1, at points [begin, end). */
static void input_adjoint_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const backward_job *job = ctx;
    const siren_layer *layer = &job->net->layers[job->l];
    const float *weights = job->params + layer->weight_offset;
    size_t ld = job->out.row_stride;
    size_t channels = siren__jet_channels(job->out.kind, job->out.dims);
    for (size_t c = 0; c < channels; c++) {
        size_t column = c * job->out.ld + begin;
        siren__gemm(true, false, layer->in, end - begin, layer->out, layer->omega, weights,
                    layer->in, job->z_adj + column, ld, 0.0f, job->s_adj + column, ld,
                    siren__workspace_pack(job->ws, part));
    }
    siren_jet_shape range = points_of(&job->in, begin, end);
    siren__sine_jet_backward(&range, job->z_in + begin, job->s_adj + begin, job->trig_in + begin);
    if (job->gradient_terms)
        add_gradient_terms(job, job->l - 1, job->s_adj, &job->in, begin, end);
}

/* Layer 0, whose jets are z0 = w (W x + b), zk = w W[:, k]:
   W'[f][k] += w (sum_p z0'[f][p] x_k[p] + sum_p zk'[f][p]), rows f. */
static void first_layer_rows(void *ctx, size_t part, size_t begin, size_t end)
{
    (void)part;
    const backward_job *job = ctx;
    const siren_jet_shape *shape = &job->out;
    const siren_layer *layer = &job->net->layers[0];
    size_t dims = shape->dims;
    bool has_gradient = shape->kind != JET_VALUE;
    for (size_t f = begin; f < end; f++) {
        const float *row = job->z_adj + f * shape->row_stride;
        float *w_grad = job->grads + layer->weight_offset + f * dims;
        for (size_t k = 0; k < dims; k++) {
            /* the taped points are stored coordinate by coordinate */
            float sum = siren__dot_points(row, job->x + k * shape->n, shape->n);
            if (has_gradient)
                sum += siren__sum_points(row + (1 + k) * shape->ld, shape->n);
            w_grad[k] += layer->omega * sum;
        }
    }
    accumulate_bias(layer, job->z_adj, shape, job->grads, begin, end);
}

static int check_backward_call(const siren_net *net, const siren_workspace *ws,
                               const siren_jet *adjoint, const float *params)
{
    if (!net || !ws || !adjoint)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!ws->has_tape || ws->taped_net != net || ws->taped_params != params ||
        !siren__same_architecture(&net->cfg, &ws->cfg))
        return SIREN_ERR_STATE;
    if ((siren__jet_quantities(adjoint) & ~ws->taped_quantities) != 0)
        return SIREN_ERR_STATE;
    /* The parameters must be those of the forward: changed by a library
       call (the stamp), or written through a pointer (the fingerprint). */
    if (ws->taped_own_params && ws->taped_stamp != net->stamp)
        return SIREN_ERR_STATE;
    if (siren__params_fingerprint(net, params, ws->taped_fingerprinted) != ws->taped_fingerprint)
        return SIREN_ERR_STATE;
    return SIREN_OK;
}

/* For the step of layer l: layer l - 1's jets, its sin z0 and cos z0,
   and its output jets S, which the weight gradient reads. From the tape
   (values only: S is the tape's sin rows), or recomputed (derivative
   jets: layer 0's jets from the points, every layer's sin and cos from
   its z0, with S when S is needed). */
static void input_jets(backward_job *job, siren_workspace *ws, size_t l, siren_jet_kind kind)
{
    const siren_net *net = job->net;
    size_t rows = net->layers[l - 1].out, n = job->in.n;
    size_t channels = siren__jet_channels(ws->taped_kind, job->in.dims);
    bool taped = siren__tapes_trig(ws, ws->taped_kind);
    job->trig_by_sine = false;
    if (taped) {
        job->z_in = siren__tape_jets(ws, l - 1, rows, channels, job->first);
        job->trig_in = siren__trig_tape(ws, l - 1, rows, job->first);
    } else if (l - 1 == 0) {
        job->z_in = ws->first_jets;
        job->trig_in = ws->trig_scratch;
        siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, recompute_first_layer_points, job);
    } else {
        job->z_in = siren__tape_jets(ws, l - 1, rows, channels, job->first);
        job->trig_in = ws->trig_scratch;
    }
    if (kind == JET_VALUE) { /* S is sin z0 */
        if (!taped)
            siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, recompute_input_trig_points, job);
        job->s_read = job->trig_in;
        job->s_stride = 2 * n;
        return;
    }
    job->trig_by_sine = !taped;
    siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, recompute_input_points, job);
    job->s_read = job->s;
    job->s_stride = job->in.row_stride;
}

/* The reverse pass of one segment of n points at `first`, instance i:
   its part of the tape, its adjoints (with gradient_terms, a value-only
   pass that adds the reverse-mode gradient's A_l). */
static void backward_segment(const siren_net *net, siren_workspace *ws, siren_jet_kind kind,
                             const siren_jet *adjoint, float *grads, const siren_segment *seg,
                             bool gradient_terms)
{
    size_t last = net->layer_count - 1, n = seg->n;
    size_t channels = siren__jet_channels(ws->taped_kind, net->cfg.in_features);
    backward_job job;
    job.net = net;
    job.ws = ws;
    job.first = seg->first;
    job.gradient_terms = gradient_terms;
    job.params = ws->taped_params + seg->instance * net->param_count;
    job.grads = grads + seg->instance * net->param_count;
    job.x = ws->tape_x + seg->first * net->cfg.in_features;
    job.s = ws->activation;
    job.z_adj = ws->ping;
    job.s_adj = ws->pong;
    job.out = tape_shape(ws, kind, net->layers[last].out, n);
    siren_jet part = siren__jet_points(adjoint, &net->cfg, seg->first);
    gather_output_adjoints(&part, &job.out, job.z_adj);
    const float *z_last = siren__tape_jets(ws, last, job.out.rows, channels, seg->first);
    if (net->layers[last].is_sine) {
        float *trig = siren__tapes_trig(ws, ws->taped_kind)
                          ? siren__trig_tape(ws, last, job.out.rows, seg->first)
                          : ws->trig_scratch;
        if (!siren__tapes_trig(ws, ws->taped_kind))
            recompute_trig(&job.out, z_last, trig, 0, n);
        siren__sine_jet_backward(&job.out, z_last, job.z_adj, trig);
    }
    if (gradient_terms)
        add_gradient_terms(&job, last, job.z_adj, &job.out, 0, n);
    for (size_t l = last; l > 0; l--) {
        size_t in_rows = net->layers[l].in, out_rows = net->layers[l].out;
        job.l = l;
        job.in = tape_shape(ws, kind, in_rows, n);
        input_jets(&job, ws, l, kind);
        weight_gradient_slabs(&job);
        siren__pool_for(ws->pool, out_rows, SIREN__ROW_GRAIN, parameter_gradient_rows, &job);
        siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, input_adjoint_points, &job);
        float *swap = job.z_adj;
        job.z_adj = job.s_adj;
        job.s_adj = swap;
        job.out = job.in;
    }
    job.l = 0;
    siren__pool_for(ws->pool, net->layers[0].out, SIREN__ROW_GRAIN, first_layer_rows, &job);
}

static int backward_instances(const siren_net *net, siren_workspace *ws,
                              const siren_jet *adjoint, const float *params, float *grads)
{
    int status = check_backward_call(net, ws, adjoint, params);
    if (status != SIREN_OK || ws->taped_points == 0 || ws->taped_instances == 0)
        return status; /* a forward of no points: no gradient to add */
    size_t instances = ws->taped_instances, n = ws->taped_points, size = ws->taped_segment;
    if (!ws->taped_reverse) {
        siren_jet_kind kind = backward_kind(siren__jet_quantities(adjoint), ws->taped_kind);
        for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);)
            backward_segment(net, ws, kind, adjoint, grads, &seg, false);
        return SIREN_OK;
    }
    /* Reverse-mode gradient: the reverse pass over the gradient sweep, then
       the jets' value-only pass with its terms added. */
    siren_jet values = {adjoint->value, NULL, NULL, NULL};
    bool through_gradient = adjoint->gradient != NULL;
    for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);) {
        if (through_gradient) {
            siren_jet part = siren__jet_points(adjoint, &net->cfg, seg.first);
            siren__reverse_gradient_backward(net, ws, part.gradient,
                                             params + seg.instance * net->param_count,
                                             grads + seg.instance * net->param_count, seg.first,
                                             seg.n);
        }
        backward_segment(net, ws, JET_VALUE, &values, grads, &seg, through_gradient);
    }
    return SIREN_OK;
}

int siren_backward(siren_net *net, siren_workspace *ws, const siren_jet *adjoint)
{
    return backward_instances(net, ws, adjoint, net ? net->params : NULL,
                              net ? net->grads : NULL);
}

int siren_backward_instances(const siren_net *net, siren_workspace *ws,
                             const siren_jet *adjoint, float *grads)
{
    if (!grads)
        return SIREN_ERR_INVALID_ARGUMENT;
    return backward_instances(net, ws, adjoint, ws ? ws->taped_params : NULL, grads);
}
