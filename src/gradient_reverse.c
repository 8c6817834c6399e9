/* gradient_reverse.c - the input gradient of a one-output network by
   reverse mode, and the parameter gradient of a loss on it (docs/DESIGN.md,
   "The gradient of a scalar field by reverse mode").

   Jets carry 1 + D channels through every layer, so a training step whose
   loss reads the gradient costs 3 (1 + D) matrix products per hidden layer
   (forward, weight gradient, input adjoint, each channel). With one output
   the gradient is cheaper by a reverse sweep: a forward sweep and a
   backward sweep, one product each; the reverse pass over both sweeps then
   costs four more. Six products against nine for D = 2, twelve for D = 3.

   Layer l = 0..L, input h_l (h_0 = x), omega w_l:
       a_l = w_l (W_l h_l + b_l)     h_{l+1} = sin a_l     y = a_L or sin a_L
   The gradient sweep, with e_l = dy/da_l and g_l = dy/dh_l:
       e_L = 1 (linear last layer) or cos a_L
       g_l = w_l W_l^T e_l           e_{l-1} = cos a_{l-1} g_l       dy/dx = g_0
   The reverse pass, from y' and G'_0 = dL/dg_0. Over the gradient sweep,
   l = 0..L (E'_l, G'_l the adjoints of e_l, g_l):
       E'_l = w_l W_l G'_l           W_l' += w_l e_l G'_l^T
       G'_{l+1} = cos a_l E'_l       A_l = -sin a_l g_{l+1} E'_l     (l < L)
       A_L = -sin a_L E'_L with a sine last layer, else 0
   then over the forward sweep, l = L..0, as for a value loss, with A_l
   (the part of a_l' that comes through the gradient sweep) added in:
       a_L' = y' (or cos a_L y') + A_L
       W_l' += w_l a_l' h_l^T        b_l' += w_l sum a_l'
       a_{l-1}' = cos a_{l-1} (w_l W_l^T a_l') + A_{l-1}

   The two value halves are the jets' own value-only passes: the forward
   sweep (src/jet_forward.c) leaves a_l on the tape and sin a_l, cos a_l on
   the trigonometric tape, and the reverse pass over it (src/jet_backward.c)
   adds the A_l in as it walks back. This file does the rest: the gradient
   sweep, which keeps g_{l+1} on layer l's tape, and the reverse pass over
   it, which leaves A_l there (channel slots a gradient's jets would use;
   the workspace's activation buffer holds e_l meanwhile). Work is split
   between threads by points (products along points, elementwise steps)
   and by fixed slabs of points for the weight gradients
   (src/weight_gradient.c), so results do not depend on the thread count. */
#include "internal.h"
#include "thread_pool.h"

#include <stdatomic.h>

static atomic_bool jets_only; /* set by tests */

void siren__reverse_gradient_allow(bool allow)
{
    atomic_store(&jets_only, !allow);
}

bool siren__reverse_gradient_fits(const siren_net *net)
{
    return net->cfg.out_features == 1 && net->cfg.in_features >= 2;
}

bool siren__reverse_gradient_applies(const siren_net *net, siren_jet_kind kind)
{
    return kind == JET_GRADIENT && siren__reverse_gradient_fits(net) && !atomic_load(&jets_only);
}

/* One segment's sweeps: its instance's parameters, its points and its
   part of the tape. */
typedef struct sweep {
    const siren_net *net;
    const float *params;
    float *grads;
    siren_workspace *ws;
    size_t n, first;
    size_t l;               /* the layer of a per-layer step */
    float *in, *out, *extra; /* scratch matrices of n columns: ping, pong, activation */
    siren_weight_gradient weights; /* the layer's weight gradient, in slabs */
} sweep;

/* Row `row` of slot `slot` (g or A) of layer l's tape: n points. */
static float *tape_row(const sweep *s, size_t l, size_t slot, size_t row)
{
    size_t rows = s->net->layers[l].out;
    return siren__tape_slot(s->ws, l, slot, rows, s->first) + row * s->n;
}

/* sin a_l of row `row`, which is h_{l+1}; its rows are 2 n apart. */
static const float *sin_row(const sweep *s, size_t l, size_t row)
{
    return siren__trig_tape(s->ws, l, s->net->layers[l].out, s->first) + row * 2 * s->n;
}

static const float *cos_row(const sweep *s, size_t l, size_t row)
{
    return sin_row(s, l, row) + s->n;
}

static const float *weights_of(const sweep *s, size_t l)
{
    return s->params + s->net->layers[l].weight_offset;
}

/* ------------------------------------------------------ gradient sweep */

/* e_L, then g_l = w_l W_l^T e_l and e_{l-1} = cos a_{l-1} g_l down to g_0,
   which lands in s->out ([in][n]), at points [begin, end). e lives in
   s->in. */
static void gradient_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const sweep *s = ctx;
    const siren_net *net = s->net;
    size_t last = net->layer_count - 1, n = s->n;
    float *e = s->in, *pack = siren__workspace_pack(s->ws, part);
    const float *cos_last = net->layers[last].is_sine ? cos_row(s, last, 0) : NULL;
    for (size_t p = begin; p < end; p++)
        e[p] = cos_last ? cos_last[p] : 1.0f;
    for (size_t l = last + 1; l-- > 0;) {
        const siren_layer *layer = &net->layers[l];
        float *g = l > 0 ? tape_row(s, l - 1, SIREN__TAPE_SLOT_G, 0) : s->out;
        siren__gemm(true, false, layer->in, end - begin, layer->out, layer->omega,
                    weights_of(s, l), layer->in, e + begin, n, 0.0f, g + begin, n, pack);
        for (size_t r = 0; l > 0 && r < layer->in; r++) {
            const float *cs = cos_row(s, l - 1, r), *gr = g + r * n;
            float *er = e + r * n;
            for (size_t p = begin; p < end; p++)
                er[p] = cs[p] * gr[p];
        }
    }
}

void siren__reverse_gradient_sweep(const siren_net *net, const float *params,
                                   siren_workspace *ws, size_t first, size_t n, float *gradient)
{
    sweep s = {.net = net, .params = params, .ws = ws, .n = n, .first = first,
               .in = ws->ping, .out = ws->pong};
    siren__pool_for(ws->pool, n, SIREN__POINT_GRAIN, gradient_points, &s);
    size_t dims = net->cfg.in_features;
    for (size_t k = 0; gradient && k < dims; k++)
        for (size_t p = 0; p < n; p++)
            gradient[p * dims + k] = s.out[k * n + p];
}

/* ------------------------------------------- reverse over the gradient sweep */

/* E'_l = w_l W_l G'_l into s->out; e_l into s->extra; A_l onto the tape;
   then G'_{l+1} = cos a_l E'_l over E'_l. Points [begin, end). */
static void gradient_adjoint_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const sweep *s = ctx;
    const siren_layer *layer = &s->net->layers[s->l];
    bool last = s->l + 1 == s->net->layer_count;
    size_t n = s->n;
    if (!last || layer->is_sine)
        siren__gemm(false, false, layer->out, end - begin, layer->in, layer->omega,
                    weights_of(s, s->l), layer->in, s->in + begin, n, 0.0f, s->out + begin, n,
                    siren__workspace_pack(s->ws, part));
    for (size_t r = 0; r < layer->out; r++) {
        float *e = s->extra + r * n, *e_adj = s->out + r * n;
        float *a = tape_row(s, s->l, SIREN__TAPE_SLOT_A, r);
        const float *sn = layer->is_sine ? sin_row(s, s->l, r) : NULL;
        const float *cs = layer->is_sine ? cos_row(s, s->l, r) : NULL;
        const float *g = last ? NULL : tape_row(s, s->l, SIREN__TAPE_SLOT_G, r);
        for (size_t p = begin; p < end; p++) {
            if (!last) {
                e[p] = cs[p] * g[p];
                a[p] = -(sn[p] * g[p] * e_adj[p]);
                e_adj[p] = cs[p] * e_adj[p];
            } else {
                e[p] = cs ? cs[p] : 1.0f;
                a[p] = sn ? -(sn[p] * e_adj[p]) : 0.0f;
            }
        }
    }
}

/* W_l' += w_l e_l G'_l^T, slab by slab (src/weight_gradient.c); the
   slabs' partials are added by weight_rows. */
static void weight_slabs(sweep *s)
{
    const siren_layer *layer = &s->net->layers[s->l];
    s->weights = (siren_weight_gradient){s->ws, layer->out, layer->in, s->n, layer->omega,
                                         s->extra, s->in, s->n, s->n,
                                         s->grads + layer->weight_offset, layer->in};
    siren__weight_gradient_slabs(&s->weights);
}

static void weight_rows(void *ctx, size_t part, size_t begin, size_t end)
{
    const sweep *s = ctx;
    (void)part;
    siren__weight_gradient_add(&s->weights, begin, end);
}

/* G'_0 from the public [n][1][in] layout into s->in, then l = 0..L. */
static void reverse_gradient_sweep(sweep *s, const float *gradient_adjoint)
{
    size_t dims = s->net->cfg.in_features, n = s->n;
    for (size_t k = 0; k < dims; k++)
        for (size_t p = 0; p < n; p++)
            s->in[k * n + p] = gradient_adjoint[p * dims + k];
    for (s->l = 0; s->l < s->net->layer_count; s->l++) {
        size_t rows = s->net->layers[s->l].out;
        siren__pool_for(s->ws->pool, n, SIREN__POINT_GRAIN, gradient_adjoint_points, s);
        weight_slabs(s);
        siren__pool_for(s->ws->pool, rows, SIREN__ROW_GRAIN, weight_rows, s);
        float *swap = s->in;
        s->in = s->out;
        s->out = swap;
    }
}

void siren__reverse_gradient_backward(const siren_net *net, siren_workspace *ws,
                                      const float *gradient_adjoint, const float *params,
                                      float *grads, size_t first, size_t n)
{
    sweep s = {.net = net, .params = params, .grads = grads, .ws = ws, .n = n,
               .first = first, .in = ws->ping, .out = ws->pong, .extra = ws->activation};
    reverse_gradient_sweep(&s, gradient_adjoint);
}
