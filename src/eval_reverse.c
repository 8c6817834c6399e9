/* eval_reverse.c - siren_eval of the value and gradient of a one-output
   network with two or more inputs by reverse mode, one tile of points at
   a time: the forward sweep keeps sin and cos of every sine layer for the
   tile, the gradient sweep goes back through them (the equations of
   src/gradient_reverse.c). Two matrix products per layer where jets take
   1 + D, and the very operations of siren_forward, which takes this
   gradient the same way: the same bits. */
#include "internal.h"

size_t siren__eval_reverse_floats(const siren_net *net)
{
    size_t trig = 0;
    for (size_t l = 0; l < net->layer_count; l++)
        if (net->layers[l].is_sine)
            trig += 2 * net->layers[l].out;
    return trig > 2 * net->max_width ? trig : 2 * net->max_width;
}

/* Layer l's sin and cos rows in the tile's tape, [row][2][m] per layer. */
static float *tile_trig(const siren_net *net, float *tape, size_t l, size_t m)
{
    for (size_t k = 0; k < l; k++)
        if (net->layers[k].is_sine)
            tape += 2 * net->layers[k].out * m;
    return tape;
}

/* The forward sweep, values only, as siren_forward's (jet_forward.c):
   a sine layer's sin and cos to the tape, whose sin rows the next layer
   reads. Returns the last layer's output row: z's, or the tape's sin row
   for a sine last layer (one output). */
static const float *forward_sweep(const siren_net *net, const float *params,
                                  siren_jet_shape shape, const float *x, float *tape, float *z,
                                  float *pack)
{
    size_t m = shape.n, input_stride = 0;
    const float *input = NULL;
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        shape.rows = layer->out;
        if (l == 0)
            siren__first_layer_jets(net, params, x, &shape, z, 0, m);
        else
            siren__linear_layer_jets(net, params, l, input, input_stride, &shape, z, 0, m,
                                     !layer->is_sine, pack);
        if (!layer->is_sine) {
            input = z;
            input_stride = m;
            continue;
        }
        float *trig = tile_trig(net, tape, l, m);
        siren__sine_value_to_trig(&shape, layer->omega, l > 0 ? params + layer->bias_offset : NULL,
                                  z, trig);
        input = trig;
        input_stride = 2 * m;
    }
    return input;
}

/* The gradient sweep (gradient_reverse.c, gradient_points): e_L = 1 or
   cos a_L, g_l = w_l W_l^T e_l, e_{l-1} = cos a_{l-1} g_l, down to g_0,
   [in][m] in the returned buffer (e or g of work). */
static const float *gradient_sweep(const siren_net *net, const float *params, float *tape,
                                   size_t m, float *work, float *pack)
{
    size_t last = net->layer_count - 1;
    float *e = work, *g = work + net->max_width * m;
    const float *cos_last = net->layers[last].is_sine ? tile_trig(net, tape, last, m) + m : NULL;
    for (size_t p = 0; p < m; p++)
        e[p] = cos_last ? cos_last[p] : 1.0f;
    for (size_t l = last + 1; l-- > 0;) {
        const siren_layer *layer = &net->layers[l];
        siren__gemm(true, false, layer->in, m, layer->out, layer->omega,
                    params + layer->weight_offset, layer->in, e, m, 0.0f, g, m, pack);
        if (l == 0)
            break;
        const float *trig = tile_trig(net, tape, l - 1, m);
        for (size_t r = 0; r < layer->in; r++) {
            const float *cs = trig + (2 * r + 1) * m, *gr = g + r * m;
            float *er = e + r * m;
            for (size_t p = 0; p < m; p++)
                er[p] = cs[p] * gr[p];
        }
    }
    return g;
}

void siren__eval_tile_reverse(const siren_net *net, const float *params,
                              const siren_workspace *ws, const float *x, size_t m, float *tape,
                              float *work, const siren_jet *out, float *pack)
{
    size_t dims = net->cfg.in_features;
    siren_jet_shape shape = siren__layer_shape(ws, JET_VALUE, 1, m);
    const float *y = forward_sweep(net, params, shape, x, tape, work, pack);
    for (size_t p = 0; out->value && p < m; p++)
        out->value[p] = y[p];
    const float *g0 = gradient_sweep(net, params, tape, m, work, pack);
    for (size_t p = 0; out->gradient && p < m; p++)
        for (size_t k = 0; k < dims; k++)
            out->gradient[p * dims + k] = g0[k * m + p];
}
