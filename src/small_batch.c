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
   rounding. A one-output network's gradient goes by reverse mode, as on
   the large-batch path, for two points and more (siren__small_batch_reverse).
   siren_forward also writes what siren_backward needs onto the tape, in
   the tape's layout (jet_layout.c). */
#include "gemm_kernels.h"

#include <stdatomic.h>

/* At most this many points per call (per instance) and this many floats
   of jets per buffer (256 KiB: two buffers stay in the L2 cache). Up to
   24 points this path is the faster for every jet kind of the reference
   network (2 -> 256 x 4 -> 1; value only, up to 48); the large-batch
   path's products pad a call's columns to whole panels of 32, a quarter
   of their arithmetic wasted at 24 points (docs/PERFORMANCE.md,
   "Latency"). */
enum { SMALL_BATCH_POINTS = 24, SMALL_BATCH_FLOATS = 1 << 16 };

/* The sines and cosines this path keeps (a layer's for the tape, or every
   layer's for the gradient by reverse mode) go to the matrix products'
   packing buffer, unused on this path: at most 2 SMALL_BATCH_FLOATS. */
_Static_assert(2 * SMALL_BATCH_FLOATS <= SIREN__GEMM_B_FLOATS + SIREN__GEMM_A_FLOATS,
               "the packing buffer holds a small batch's sin and cos");

static atomic_bool small_batches_off; /* set by tests */

void siren__small_batch_allow(bool allow)
{
    atomic_store(&small_batches_off, !allow);
}

/* Floats of sin and cos of every sine layer, per point: what the
   gradient by reverse mode keeps (in the packing buffer). */
static size_t trig_floats(const siren_net *net)
{
    size_t floats = 0;
    for (size_t l = 0; l < net->layer_count; l++)
        if (net->layers[l].is_sine)
            floats += 2 * net->layers[l].out;
    return floats;
}

bool siren__small_batch_applies(const siren_net *net, siren_jet_kind kind, size_t n)
{
    size_t per_point = siren__jet_channels(kind, net->cfg.in_features) * net->max_width;
    bool trig_fits = !siren__reverse_gradient_applies(net, kind) ||
                     trig_floats(net) <= 2 * SMALL_BATCH_FLOATS / (n ? n : 1);
    return n > 0 && n <= SMALL_BATCH_POINTS && per_point <= SMALL_BATCH_FLOATS / n &&
           trig_fits && !atomic_load(&small_batches_off);
}

size_t siren__small_batch_points(void)
{
    return SMALL_BATCH_POINTS;
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

/* Layer l's sin z0 and cos z0 (point-major, [point][2][features]) onto
   the trigonometric tape, [row][2][n]. */
static void tape_trig(const small_tape *tape, size_t l, const siren_jet_shape *shape,
                      const float *trig)
{
    size_t n = shape->rows, rows = shape->n;
    float *dst = siren__trig_tape(tape->ws, l, rows, tape->first);
    for (size_t r = 0; r < rows; r++)
        for (size_t t = 0; t < 2; t++)
            for (size_t p = 0; p < n; p++)
                dst[(2 * r + t) * n + p] = trig[(2 * p + t) * rows + r];
}

/* g ([point][rows]) onto slot `slot` of layer l's tape, [row][n]. */
static void tape_slot(const small_tape *tape, size_t l, size_t slot, size_t rows, size_t n,
                      const float *g)
{
    float *dst = siren__tape_slot(tape->ws, l, slot, rows, tape->first);
    for (size_t r = 0; r < rows; r++)
        for (size_t p = 0; p < n; p++)
            dst[r * n + p] = g[p * rows + r];
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

/* One call's pass: the jets alternate between a and b, sine layers' sin
   z0 and cos z0 go to trig ([point][2][features]: one layer's for the
   tape, or with keep_trig every sine layer's one after the other, for the
   gradient sweep). */
typedef struct small_pass {
    const siren_net *net;
    const float *params;
    const siren_workspace *ws;
    siren_jet_kind kind;
    size_t n;
    float *a, *b, *trig;
    bool keep_trig;
    const small_tape *tape;     /* NULL: evaluation */
} small_pass;

/* Sine layer l's sin and cos in the pass's trig area. */
static float *layer_trig(const small_pass *pass, size_t l)
{
    float *trig = pass->trig;
    for (size_t k = 0; pass->keep_trig && k < l; k++)
        if (pass->net->layers[k].is_sine)
            trig += 2 * pass->n * pass->net->layers[k].out;
    return trig;
}

/* Every layer for the points x; the last layer's jets, with its shape. */
static const float *run_layers(const small_pass *pass, const float *x, siren_jet_shape *shape)
{
    const siren_net *net = pass->net;
    size_t n = pass->n, channels = siren__jet_channels(pass->kind, net->cfg.in_features);
    /* what the large-batch pass tapes (jet_forward.c) */
    bool tape_trig_too = pass->tape && siren__tapes_trig(pass->tape->ws, pass->kind);
    const float *input = NULL;
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        float *z = l % 2 == 0 ? pass->a : pass->b;
        *shape = point_major(pass->ws, pass->kind, layer->out, n);
        if (l == 0) {
            first_layer(net, pass->params, x, shape, z);
        } else {
            siren__small_product(layer->out, n * channels, layer->in, layer->omega,
                                 pass->params + layer->weight_offset, layer->in, input,
                                 layer->in, z, layer->out);
            add_bias(layer, pass->params + layer->bias_offset, shape, z);
        }
        if (pass->tape && (l > 0 || tape_trig_too))
            tape_jets(pass->tape, l, shape, z);
        if (layer->is_sine) {
            bool trig = tape_trig_too || pass->keep_trig;
            float *sin_cos = trig ? layer_trig(pass, l) : NULL;
            siren__sine_jet(shape, layer->omega, NULL, z, z, NULL, sin_cos);
            if (tape_trig_too)
                tape_trig(pass->tape, l, shape, sin_cos);
        }
        input = z;
    }
    return input;
}

/* The gradient of a one-output network by reverse mode, after the value
   pass kept every sine layer's sin and cos (gradient_reverse.c, the
   gradient sweep): e_L = cos a_L or 1, g_l = w_l W_l^T e_l,
   e_{l-1} = cos a_{l-1} g_l, down to g_0 = dy/dx, in the operations of
   the large-batch sweep; e and g in a and b ([point][features]). With a
   tape, g_l goes to layer l - 1's slot for it. */
static void gradient_sweep(const small_pass *pass, float *gradient)
{
    const siren_net *net = pass->net;
    size_t n = pass->n, last = net->layer_count - 1;
    float *e = pass->a, *g = pass->b;
    const float *cos_last = net->layers[last].is_sine ? layer_trig(pass, last) + 1 : NULL;
    for (size_t p = 0; p < n; p++) /* one output: cos a_L of point p at [p][1][0] */
        e[p] = cos_last ? cos_last[2 * p] : 1.0f;
    for (size_t l = last + 1; l-- > 0;) {
        const siren_layer *layer = &net->layers[l];
        siren__small_product_t(layer->out, layer->in, n, layer->omega,
                               pass->params + layer->weight_offset, layer->in, e, layer->out,
                               g, layer->in);
        if (l == 0)
            break;
        if (pass->tape)
            tape_slot(pass->tape, l - 1, SIREN__TAPE_SLOT_G, layer->in, n, g);
        const float *trig = layer_trig(pass, l - 1);
        for (size_t p = 0; p < n; p++) {
            const float *cs = trig + (2 * p + 1) * layer->in, *gp = g + p * layer->in;
            float *ep = e + p * layer->in;
            for (size_t r = 0; r < layer->in; r++)
                ep[r] = cs[r] * gp[r];
        }
    }
    for (size_t i = 0; gradient && i < n * net->cfg.in_features; i++)
        gradient[i] = g[i];
}

bool siren__small_batch_reverse(const siren_net *net, siren_jet_kind kind, size_t n)
{
    return n >= 2 && siren__reverse_gradient_applies(net, kind);
}

/* The pass of a call: jets, or for a one-output network's gradient the
   values, then the gradient by reverse mode (siren__small_batch_reverse). */
static void run_call(small_pass *pass, const float *x, const siren_jet *out)
{
    siren_jet_shape shape;
    if (!siren__small_batch_reverse(pass->net, pass->kind, pass->n)) {
        scatter_outputs(run_layers(pass, x, &shape), &shape, out);
        return;
    }
    siren_jet values = {out->value, NULL, NULL, NULL};
    pass->kind = JET_VALUE;
    pass->keep_trig = true;
    scatter_outputs(run_layers(pass, x, &shape), &shape, &values);
    gradient_sweep(pass, out->gradient);
}

void siren__small_batch_eval(const siren_net *net, const float *params,
                             const siren_workspace *ws, siren_jet_kind kind, size_t n,
                             const float *x, const siren_jet *out, float *a, float *b)
{
    small_pass pass = {net, params, ws, kind, n, a, b, siren__workspace_pack(ws, 0), false,
                       NULL};
    run_call(&pass, x, out);
}

void siren__small_batch_forward(const siren_net *net, const float *params, siren_workspace *ws,
                                siren_jet_kind kind, size_t n, const float *x,
                                const siren_jet *out, size_t first)
{
    small_tape tape = {ws, first};
    small_pass pass = {net, params, ws, kind, n, ws->ping, ws->pong,
                       siren__workspace_pack(ws, 0), false, &tape};
    run_call(&pass, x, out);
}
