/* jet_backward.c - reverse mode through the jets (DESIGN.md, "Training:
   reverse mode through the jets"). From the adjoints of the outputs of the
   last siren_forward, walk the layers back: the sine jets' adjoints become
   the pre-activation jets' adjoints elementwise, then per layer
       W' += w Z' S^T      b' += w sum_points z0'      S'_prev = w W^T Z'
   two matrix products, like the forward pass. The layer inputs S are
   recomputed from the taped pre-activations Z. */
#include "internal.h"

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

/* The shape of layer jets on the tape, restricted to the channels `kind`
   needs (channels are ordered so every kind is a prefix of the larger). */
static siren_jet_shape tape_shape(const siren_workspace *ws, siren_jet_kind kind, size_t rows)
{
    siren_jet_shape shape;
    shape.kind = kind;
    shape.dims = ws->cfg.in_features;
    shape.rows = rows;
    shape.n = ws->taped_points;
    shape.ld = ws->taped_points;
    shape.row_stride = siren__jet_channels(ws->taped_kind, shape.dims) * ws->taped_points;
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

/* b' += w sum over points of z0' (the value channel only). */
static void accumulate_bias(const siren_layer *layer, const float *z_adj,
                            const siren_jet_shape *shape, float *grads)
{
    float *bias_grad = grads + layer->bias_offset;
    for (size_t f = 0; f < layer->out; f++) {
        const float *row = z_adj + f * shape->row_stride;
        float sum = 0.0f;
        for (size_t p = 0; p < shape->n; p++)
            sum += row[p];
        bias_grad[f] += layer->omega * sum;
    }
}

/* Layer 0, whose jets are z0 = w (W x + b), zk = w W[:, k]:
   W'[f][k] += w (sum_p z0'[f][p] x[p][k] + sum_p zk'[f][p]). */
static void accumulate_first_layer(const siren_net *net, const float *x, const float *z_adj,
                                   const siren_jet_shape *shape, float *grads)
{
    const siren_layer *layer = &net->layers[0];
    size_t dims = shape->dims;
    bool has_gradient = shape->kind != JET_VALUE;
    for (size_t f = 0; f < layer->out; f++) {
        const float *row = z_adj + f * shape->row_stride;
        float *w_grad = grads + layer->weight_offset + f * dims;
        for (size_t k = 0; k < dims; k++) {
            float sum = 0.0f;
            for (size_t p = 0; p < shape->n; p++)
                sum += row[p] * x[p * dims + k];
            if (has_gradient) {
                const float *zk_adj = row + (1 + k) * shape->ld;
                for (size_t p = 0; p < shape->n; p++)
                    sum += zk_adj[p];
            }
            w_grad[k] += layer->omega * sum;
        }
    }
    accumulate_bias(layer, z_adj, shape, grads);
}

/* Layer l > 0: W' += w Z' S^T, b' += w sum z0', and S'_prev = w W^T Z'
   into s_adj. s is the layer's input jets (recomputed by the caller). */
static void backward_linear_layer(siren_net *net, size_t l, const float *s, const float *z_adj,
                                  const siren_jet_shape *shape, float *s_adj)
{
    const siren_layer *layer = &net->layers[l];
    size_t columns = siren__jet_channels(shape->kind, shape->dims) * shape->n;
    size_t ld = shape->row_stride;
    const float *weights = net->params + layer->weight_offset;
    siren__gemm(false, true, layer->out, layer->in, columns, layer->omega, z_adj, ld, s, ld,
                1.0f, net->grads + layer->weight_offset, layer->in);
    accumulate_bias(layer, z_adj, shape, net->grads);
    siren__gemm(true, false, layer->in, columns, layer->out, layer->omega, weights, layer->in,
                z_adj, ld, 0.0f, s_adj, ld);
}

static int check_backward_call(const siren_net *net, const siren_workspace *ws,
                               const siren_jet *adjoint)
{
    if (!net || !ws || !adjoint)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!ws->has_tape || ws->taped_net != net ||
        !siren__same_architecture(&net->cfg, &ws->cfg))
        return SIREN_ERR_STATE;
    if ((siren__jet_quantities(adjoint) & ~ws->taped_quantities) != 0)
        return SIREN_ERR_STATE;
    return SIREN_OK;
}

int siren_backward(siren_net *net, siren_workspace *ws, const siren_jet *adjoint)
{
    int status = check_backward_call(net, ws, adjoint);
    if (status != SIREN_OK)
        return status;
    siren_jet_kind kind = backward_kind(siren__jet_quantities(adjoint), ws->taped_kind);
    size_t last = net->layer_count - 1;
    float *z_adj = ws->ping, *s_adj = ws->pong;
    siren_jet_shape shape = tape_shape(ws, kind, net->layers[last].out);
    gather_output_adjoints(adjoint, &shape, z_adj);
    if (net->layers[last].is_sine)
        siren__sine_jet_backward(&shape, ws->tape[last], z_adj);
    for (size_t l = last; l > 0; l--) {
        siren_jet_shape input = tape_shape(ws, kind, net->layers[l].in);
        siren__sine_jet(&input, ws->tape[l - 1], ws->activation);
        backward_linear_layer(net, l, ws->activation, z_adj, &shape, s_adj);
        siren__sine_jet_backward(&input, ws->tape[l - 1], s_adj);
        float *swap = z_adj;
        z_adj = s_adj;
        s_adj = swap;
        shape = input;
    }
    accumulate_first_layer(net, ws->tape_x, z_adj, &shape, net->grads);
    return SIREN_OK;
}
