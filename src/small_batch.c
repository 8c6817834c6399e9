/* small_batch.c - siren_eval and siren_forward of a few points.

   A call's fixed costs on the large-batch path (jet_eval.c,
   jet_forward.c) are paid per call, whatever n: every layer's weights
   packed for the matrix product, its panels 16 or 32 columns wide,
   elementwise passes in blocks of 64 points. For one point that is about
   40 times the arithmetic. Calls of at most SMALL_BATCH_POINTS points
   (siren__small_batch_applies) take this path instead, on one thread
   (no pool wake-up), with no set-up that grows with the network:

   - jets are laid out point by point, [point][channel][feature], so a
     point's channel is a contiguous row of features;
   - each layer's product is dot products of the rows of W, read where
     they are in the parameters (small_product.c): nothing is packed or
     cached, so parameters changed between calls are always the ones used;
   - the first layer, the bias, the sine jet (siren__sine_jet, with the
     features of a point in place of the points of a feature) and the
     outputs use the very operations of the large-batch path.

   Only the products' order of sums differs (small_product.c): results
   are bit-identical for the same n on every call and thread count, and
   siren_eval and siren_forward take this path for the same calls, so
   they agree bit for bit; they agree with the large-batch path to float
   rounding. The gradient is taken by jets here (reverse mode would read
   the weights twice). siren_forward also writes what siren_backward
   needs onto the tape, in the tape's layout (jet_layout.c). */
#include "gemm_kernels.h"

#include <stdatomic.h>

/* At most this many points per call (per instance) and this many floats
   of jets per buffer (256 KiB: two buffers stay in the L2 cache). Up to
   24 points this path is the faster for every jet kind of the reference
   network (2 -> 256 x 4 -> 1; value only, up to 48); the large-batch
   path's products pad a call's columns to whole panels of 32, a third
   of its time at 24 points (docs/PERFORMANCE.md, "Latency"). */
enum { SMALL_BATCH_POINTS = 24, SMALL_BATCH_FLOATS = 1 << 16 };

/* siren_forward's trigonometric scratch is the matrix products' packing
   buffer, unused on this path: sin and cos of at most SMALL_BATCH_FLOATS
   values. */
_Static_assert(2 * SMALL_BATCH_FLOATS <= SIREN__GEMM_B_FLOATS + SIREN__GEMM_A_FLOATS,
               "the packing buffer holds a small batch's sin and cos");

static atomic_bool small_batches_off; /* set by tests */

void siren__small_batch_allow(bool allow)
{
    atomic_store(&small_batches_off, !allow);
}

bool siren__small_batch_applies(const siren_net *net, siren_jet_kind kind, size_t n)
{
    size_t per_point = siren__jet_channels(kind, net->cfg.in_features) * net->max_width;
    return n > 0 && n <= SMALL_BATCH_POINTS && per_point <= SMALL_BATCH_FLOATS / n &&
           !atomic_load(&small_batches_off);
}

size_t siren__small_batch_points(void)
{
    return SMALL_BATCH_POINTS;
}

size_t siren__small_batch_floats(void)
{
    return SMALL_BATCH_FLOATS;
}

/* The jets of `features` features at n points, point-major: the shape of
   siren__sine_jet with the points as its rows and the features as its
   points. */
static siren_jet_shape point_major(const siren_workspace *ws, siren_jet_kind kind,
                                   size_t features, size_t n)
{
    return siren__layer_shape(ws, kind, n, features);
}

/* Layer 0 for the n points x: z0 = w (W x + b), zk = w W[:, k], second
   order 0, in the operations of siren__first_layer_jets. */
static void first_layer(const siren_net *net, const float *params, const float *x,
                        const siren_jet_shape *shape, float *z)
{
    const siren_layer *layer = &net->layers[0];
    const float *weights = params + layer->weight_offset, *bias = params + layer->bias_offset;
    size_t dims = shape->dims, channels = siren__jet_channels(shape->kind, dims);
    float omega = layer->omega;
    for (size_t p = 0; p < shape->rows; p++) {
        const float *xp = x + p * dims;
        float *zp = z + p * shape->row_stride;
        for (size_t f = 0; f < layer->out; f++) {
            const float *w_row = weights + f * dims;
            float sum = 0.0f;
            for (size_t k = 0; k < dims; k++)
                sum += w_row[k] * xp[k];
            zp[f] = (sum + bias[f]) * omega;
        }
        for (size_t c = 1; c < channels; c++)
            for (size_t f = 0; f < layer->out; f++)
                zp[c * shape->ld + f] = c <= dims ? omega * weights[f * dims + c - 1] : 0.0f;
    }
}

/* z0 of every point += w b, as the large-batch path adds a bias. */
static void add_bias(const siren_layer *layer, const float *bias, const siren_jet_shape *shape,
                     float *z)
{
    for (size_t p = 0; p < shape->rows; p++) {
        float *z0 = z + p * shape->row_stride;
        for (size_t f = 0; f < layer->out; f++) {
            float shift = layer->omega * bias[f];
            z0[f] += shift;
        }
    }
}

/* Where siren_forward's tape gets the layers' jets: one segment, the
   instance's n points, at `first` (NULL: evaluation, no tape). */
typedef struct small_tape {
    siren_workspace *ws;
    size_t first;
    float *trig;            /* scratch: a layer's sin z0, cos z0, [point][2][features] */
} small_tape;

/* Layer l's pre-activation jets z, point-major, onto the tape:
   [row][channel][n] (jet_forward.c's layout). */
static void tape_jets(const small_tape *tape, size_t l, const siren_jet_shape *shape,
                      const float *z)
{
    size_t n = shape->rows, rows = shape->n;
    size_t channels = siren__jet_channels(shape->kind, shape->dims);
    float *dst = siren__tape_jets(tape->ws, l, rows, channels, tape->first);
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < channels; c++)
            for (size_t p = 0; p < n; p++)
                dst[(r * channels + c) * n + p] = z[p * shape->row_stride + c * shape->ld + r];
}

/* Layer l's sin z0 and cos z0 (point-major in tape->trig) onto the
   trigonometric tape, [row][2][n]. */
static void tape_trig(const small_tape *tape, size_t l, const siren_jet_shape *shape)
{
    size_t n = shape->rows, rows = shape->n;
    float *dst = siren__trig_tape(tape->ws, l, rows, tape->first);
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < 2; t++)
            for (size_t p = 0; p < n; p++)
                dst[(2 * r + t) * n + p] = tape->trig[(2 * p + t) * rows + r];
}

/* Writes the requested members of *out from the last layer's jets y. */
static void scatter_outputs(const float *y, const siren_jet_shape *shape, const siren_jet *out)
{
    size_t outs = shape->n, dims = shape->dims;
    for (size_t p = 0; p < shape->rows; p++) {
        const float *yp = y + p * shape->row_stride;
        for (size_t j = 0; j < outs; j++) {
            size_t at = p * outs + j;
            if (out->value)
                out->value[at] = yp[j];
            for (size_t k = 0; out->gradient && k < dims; k++)
                out->gradient[at * dims + k] = yp[(1 + k) * shape->ld + j];
            for (size_t k = 0; out->hessian_diag && k < dims; k++)
                out->hessian_diag[at * dims + k] = yp[(1 + dims + k) * shape->ld + j];
            if (out->laplacian && shape->kind == JET_LAPLACIAN) {
                out->laplacian[at] = yp[(1 + dims) * shape->ld + j];
            } else if (out->laplacian) { /* sum_k c_k y_kk, as siren__jet_scatter */
                float sum = 0.0f;
                for (size_t k = 0; k < dims; k++)
                    sum += shape->weights[k] * yp[(1 + dims + k) * shape->ld + j];
                out->laplacian[at] = sum;
            }
        }
    }
}

/* Every layer for the n points x, the jets alternating between a and b
   (each siren__small_batch_floats() floats); outputs to out, and with a
   tape, the tape. */
static void run_layers(const siren_net *net, const float *params, const siren_workspace *ws,
                       siren_jet_kind kind, size_t n, const float *x, const siren_jet *out,
                       float *a, float *b, const small_tape *tape)
{
    size_t channels = siren__jet_channels(kind, net->cfg.in_features);
    const float *input = NULL;
    siren_jet_shape shape = point_major(ws, kind, 1, n);
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        float *z = l % 2 == 0 ? a : b;
        shape = point_major(ws, kind, layer->out, n);
        if (l == 0) {
            first_layer(net, params, x, &shape, z);
        } else {
            siren__small_product(layer->out, n * channels, layer->in, layer->omega,
                                 params + layer->weight_offset, layer->in, input, layer->in, z,
                                 layer->out);
            add_bias(layer, params + layer->bias_offset, &shape, z);
        }
        /* what the large-batch pass tapes (jet_forward.c) */
        bool trig = tape && siren__tapes_trig(tape->ws, kind);
        if (tape && (l > 0 || trig))
            tape_jets(tape, l, &shape, z);
        if (layer->is_sine) {
            siren__sine_jet(&shape, layer->omega, NULL, z, z, NULL, trig ? tape->trig : NULL);
            if (trig)
                tape_trig(tape, l, &shape);
        }
        input = z;
    }
    scatter_outputs(input, &shape, out);
}

void siren__small_batch_eval(const siren_net *net, const float *params,
                             const siren_workspace *ws, siren_jet_kind kind, size_t n,
                             const float *x, const siren_jet *out, float *a, float *b)
{
    run_layers(net, params, ws, kind, n, x, out, a, b, NULL);
}

void siren__small_batch_forward(const siren_net *net, const float *params, siren_workspace *ws,
                                siren_jet_kind kind, size_t n, const float *x,
                                const siren_jet *out, size_t first)
{
    small_tape tape = {ws, first, siren__workspace_pack(ws, 0)};
    run_layers(net, params, ws, kind, n, x, out, ws->ping, ws->pong, &tape);
}
