/* layer_jets.c - the linear part of a layer on jets (DESIGN.md, "Input
   derivatives"), shared by evaluation (jet_eval.c) and the taped forward
   pass (jet_forward.c): layer 0 from the points, without a matrix
   product, alone or fused with its sine; any later layer as one matrix
   product per channel, or one for all channels of a tile. */
#include "internal.h"

siren_jet_shape siren__layer_shape(const siren_workspace *ws, siren_jet_kind kind, size_t rows,
                                   size_t n)
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
enum { FIRST_LAYER_MAX_DIMS = 8, FIRST_LAYER_BLOCK = SIREN__SINE_JET_BLOCK };
enum { FIRST_LAYER_MAX_CHANNELS = 1 + 2 * FIRST_LAYER_MAX_DIMS };

/* Where the points are: coordinate k of point p at x[p * point + k * coordinate]
   (the caller's [n][dims], or the tape's coordinate-major copy). */
typedef struct point_layout {
    const float *x;
    size_t point, coordinate;
} point_layout;

static float coordinate_of(const point_layout *x, size_t p, size_t k)
{
    return x->x[p * x->point + k * x->coordinate];
}

/* The coordinates of points [p0, p0 + m), coordinate by coordinate. */
static void gather_block(const point_layout *x, size_t dims, size_t p0, size_t m,
                         float xs[][FIRST_LAYER_BLOCK])
{
    for (size_t q = 0; q < m; q++)
        for (size_t k = 0; k < dims; k++)
            xs[k][q] = coordinate_of(x, p0 + q, k);
}

/* z0 = w (W[f] x + b[f]) of a gathered block, into out. */
static SIREN__ALWAYS_INLINE void block_values(const float *w_row, float bias, float omega, size_t dims,
                         float xs[][FIRST_LAYER_BLOCK], size_t m, float *out)
{
    float sum[FIRST_LAYER_BLOCK];
    for (size_t q = 0; q < m; q++)
        sum[q] = 0.0f;
    for (size_t k = 0; k < dims; k++)
        for (size_t q = 0; q < m; q++)
            sum[q] += w_row[k] * xs[k][q];
    for (size_t q = 0; q < m; q++)
        out[q] = (sum[q] + bias) * omega;
}

static SIREN__ALWAYS_INLINE void first_layer_values_block(const float *weights,
                                                         const float *bias, float omega,
                                                         const point_layout *x,
                                                         const siren_jet_shape *shape,
                                                         float *z, size_t p0, size_t m)
{
    float xs[FIRST_LAYER_MAX_DIMS][FIRST_LAYER_BLOCK];
    gather_block(x, shape->dims, p0, m, xs);
    for (size_t f = 0; f < shape->rows; f++)
        block_values(weights + f * shape->dims, bias[f], omega, shape->dims, xs, m,
                     z + f * shape->row_stride + p0);
}

static void first_layer_values(const float *weights, const float *bias, float omega,
                               const point_layout *x, const siren_jet_shape *shape, float *z,
                               size_t begin, size_t end)
{
    size_t p0 = begin;
    for (; p0 + FIRST_LAYER_BLOCK <= end; p0 += FIRST_LAYER_BLOCK)
        first_layer_values_block(weights, bias, omega, x, shape, z, p0, FIRST_LAYER_BLOCK);
    if (p0 < end)
        first_layer_values_block(weights, bias, omega, x, shape, z, p0, end - p0);
}

/* Layer 0's constant channels for row f: zk = w W[f, k], second order 0. */
static float first_layer_constant(const float *w_row, float omega, size_t dims, size_t c)
{
    return c <= dims ? omega * w_row[c - 1] : 0.0f;
}

/* Layer 0 and its sine in one pass (internal.h): block by block of
   points, a row's pre-activation jets are built in a small buffer
   (block_values and the constant channels) and go through the sine jet
   straight into s. */
static SIREN__ALWAYS_INLINE void first_sine_layer_block(const siren_layer *layer,
                                                       const float *weights,
                                                       const float *bias, const float *x,
                                                       const siren_jet_shape *shape, float *s,
                                                       size_t p0, size_t m)
{
    size_t dims = shape->dims, channels = siren__jet_channels(shape->kind, dims);
    float xs[FIRST_LAYER_MAX_DIMS][FIRST_LAYER_BLOCK];
    float z[FIRST_LAYER_MAX_CHANNELS][FIRST_LAYER_BLOCK];
    point_layout points = {x, dims, 1};
    gather_block(&points, dims, p0, m, xs);
    for (size_t f = 0; f < shape->rows; f++) {
        const float *w_row = weights + f * dims;
        block_values(w_row, bias[f], layer->omega, dims, xs, m, z[0]);
        for (size_t c = 1; c < channels; c++) {
            float constant = first_layer_constant(w_row, layer->omega, dims, c);
            for (size_t q = 0; q < m; q++)
                z[c][q] = constant;
        }
        siren__sine_jet_points(shape, m, z[0], FIRST_LAYER_BLOCK,
                               s + f * shape->row_stride + p0);
    }
}

bool siren__first_sine_layer_fuses(const siren_net *net, size_t dims)
{
    return net->layers[0].is_sine && dims <= FIRST_LAYER_MAX_DIMS;
}

void siren__first_sine_layer_jets(const siren_net *net, const float *params, const float *x,
                                  const siren_jet_shape *shape, float *s, size_t begin,
                                  size_t end)
{
    const siren_layer *layer = &net->layers[0];
    const float *weights = params + layer->weight_offset;
    const float *bias = params + layer->bias_offset;
    size_t p0 = begin;
    for (; p0 + FIRST_LAYER_BLOCK <= end; p0 += FIRST_LAYER_BLOCK)
        first_sine_layer_block(layer, weights, bias, x, shape, s, p0, FIRST_LAYER_BLOCK);
    if (p0 < end)
        first_sine_layer_block(layer, weights, bias, x, shape, s, p0, end - p0);
}

/* The same, point by point, for inputs too wide to gather on the stack. */
static void first_layer_values_pointwise(const float *weights, const float *bias, float omega,
                                         const point_layout *x, const siren_jet_shape *shape,
                                         float *z, size_t begin, size_t end)
{
    size_t dims = shape->dims;
    for (size_t f = 0; f < shape->rows; f++) {
        const float *w_row = weights + f * dims;
        float *row = z + f * shape->row_stride;
        for (size_t p = begin; p < end; p++) {
            float sum = 0.0f;
            for (size_t k = 0; k < dims; k++)
                sum += w_row[k] * coordinate_of(x, p, k);
            row[p] = (sum + bias[f]) * omega;
        }
    }
}

/* Layer 0 (internal.h): x has jet (x, e_k, 0), so z0 = w (W x + b),
   zk = w W[:, k], and every second-order channel is 0. */
static void first_layer_jets(const siren_net *net, const float *params, const point_layout *x,
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
            float constant = first_layer_constant(w_row, omega, dims, c);
            for (size_t p = begin; p < end; p++)
                row[c * shape->ld + p] = constant;
        }
    }
}

void siren__first_layer_jets(const siren_net *net, const float *params, const float *x,
                             const siren_jet_shape *shape, float *z, size_t begin, size_t end)
{
    point_layout points = {x, shape->dims, 1};
    first_layer_jets(net, params, &points, shape, z, begin, end);
}

void siren__first_layer_jets_columns(const siren_net *net, const float *params, const float *x,
                                     size_t ldx, const siren_jet_shape *shape, float *z,
                                     size_t begin, size_t end)
{
    point_layout points = {x, 1, ldx};
    first_layer_jets(net, params, &points, shape, z, begin, end);
}

/* z0 of every row of layer l, points [begin, end), gets w b. */
static void add_layer_bias(const siren_layer *layer, const float *bias,
                           const siren_jet_shape *shape, float *z, size_t begin, size_t end)
{
    for (size_t f = 0; f < layer->out; f++) {
        float shift = layer->omega * bias[f];
        float *row = z + f * shape->row_stride;
        for (size_t p = begin; p < end; p++)
            row[p] += shift;
    }
}

/* Z = w (W S + b) for points [begin, end) of layer l > 0 (internal.h). */
void siren__linear_layer_jets(const siren_net *net, const float *params, size_t l,
                              const float *s, size_t s_stride, const siren_jet_shape *shape,
                              float *z, size_t begin, size_t end, bool add_bias, float *pack)
{
    const siren_layer *layer = &net->layers[l];
    const float *weights = params + layer->weight_offset;
    size_t channels = siren__jet_channels(shape->kind, shape->dims), ld = shape->row_stride;
    for (size_t c = 0; c < channels; c++) {
        size_t column = c * shape->ld + begin;
        siren__gemm(false, false, layer->out, end - begin, layer->in, layer->omega, weights,
                    layer->in, s + column, s_stride, 0.0f, z + column, ld, pack);
    }
    if (add_bias)
        add_layer_bias(layer, params + layer->bias_offset, shape, z, begin, end);
}

/* The same for a whole tile (internal.h): one product over its rows. */
void siren__linear_layer_tile(const siren_net *net, const float *params, size_t l,
                              const float *s, const siren_jet_shape *shape, float *z,
                              bool add_bias, float *pack)
{
#ifdef SIREN_USE_CBLAS
    /* A BLAS may round a product of another width differently: the taped
       pass's products, channel by channel (with a BLAS the tile is the
       thread's whole range, jet_eval.c), keep eval and forward equal. */
    siren__linear_layer_jets(net, params, l, s, shape->row_stride, shape, z, 0, shape->n,
                             add_bias, pack);
#else
    const siren_layer *layer = &net->layers[l];
    siren__gemm(false, false, layer->out, shape->row_stride, layer->in, layer->omega,
                params + layer->weight_offset, layer->in, s, shape->row_stride, 0.0f, z,
                shape->row_stride, pack);
    if (add_bias)
        add_layer_bias(layer, params + layer->bias_offset, shape, z, 0, shape->n);
#endif
}
