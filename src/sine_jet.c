/* sine_jet.c - the elementwise part of a sine layer on jets (DESIGN.md,
   "Input derivatives"). Points are taken in blocks so that sin z0 and
   cos z0 are computed once per point and the update can run in place.

   Speed: each channel is read and written once per block (the Laplacian
   sum and the Hessian channels are fused with the gradient channels), and
   full blocks run with the constant trip count BLOCK, which with the
   INDEPENDENT_POINTS hint lets GCC vectorise them at -O2 (clang does
   either way). The roundings are those of the straightforward loops. */
#include "internal.h"

#define BLOCK SIREN__SINE_JET_BLOCK

/* The loops over points below read point p of each channel before they
   write point p, and touch no other point, so iterations are independent
   even when s is z (in place). GCC cannot prove it and, at -O2, does not
   vectorise a loop that would need a run-time overlap check; this tells it. */
#if defined(__GNUC__) && !defined(__clang__)
#define INDEPENDENT_POINTS _Pragma("GCC ivdep")
#else
#define INDEPENDENT_POINTS
#endif

/* The block functions are inlined where m = BLOCK is a constant. */
#define BLOCK_INLINE SIREN__ALWAYS_INLINE

/* sL = cos z0 zL - sin z0 sum_k c_k zk^2, and sk = cos z0 zk, for m points;
   zk is read once, for the sum and for sk. The channels of z are z_ld
   apart, those of s shape->ld. */
static inline void laplacian_and_gradient(const siren_jet_shape *shape, size_t m,
                                          const float *sn, const float *cs,
                                          const float *z, size_t z_ld, float *s)
{
    float acc[BLOCK];
    size_t dims = shape->dims, ld = shape->ld;
    for (size_t p = 0; p < m; p++)
        acc[p] = 0.0f;
    for (size_t k = 0; k < dims; k++) {
        const float *zk = z + (1 + k) * z_ld;
        float *sk = s + (1 + k) * ld;
        float c = shape->weights[k];
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++) {
            float v = zk[p];
            acc[p] += c * v * v;
            sk[p] = cs[p] * v;
        }
    }
    const float *zl = z + (1 + dims) * z_ld;
    float *sl = s + (1 + dims) * ld;
    INDEPENDENT_POINTS
    for (size_t p = 0; p < m; p++)
        sl[p] = cs[p] * zl[p] - sn[p] * acc[p];
}

/* skk = cos z0 zkk - sin z0 zk^2 and sk = cos z0 zk, channel pair by pair. */
static inline void hessian_and_gradient(const siren_jet_shape *shape, size_t m,
                                        const float *sn, const float *cs,
                                        const float *z, size_t z_ld, float *s)
{
    size_t dims = shape->dims, ld = shape->ld;
    for (size_t k = 0; k < dims; k++) {
        const float *zk = z + (1 + k) * z_ld, *zkk = z + (1 + dims + k) * z_ld;
        float *sk = s + (1 + k) * ld, *skk = s + (1 + dims + k) * ld;
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++) {
            float v = zk[p];
            skk[p] = cs[p] * zkk[p] - sn[p] * v * v;
            sk[p] = cs[p] * v;
        }
    }
}

/* sk = cos z0 zk. */
static inline void gradient_only(const siren_jet_shape *shape, size_t m, const float *cs,
                                 const float *z, size_t z_ld, float *s)
{
    for (size_t k = 0; k < shape->dims; k++) {
        const float *zk = z + (1 + k) * z_ld;
        float *sk = s + (1 + k) * shape->ld;
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++)
            sk[p] = cs[p] * zk[p];
    }
}

/* The jet update for points [0, m) of one row, channel stride z_ld in z
   and shape->ld in s and the tapes. Inlined with m = BLOCK for full
   blocks. sin z0 goes straight to its place, s0, from where the other
   channels read it (z0 is not needed after sincos). With trig_in, sin z0
   and cos z0 are read from it (channels 0 and 1, the row's trigonometric
   tape) instead of computed; with trig_out they are also written there. */
static BLOCK_INLINE void sine_jet_block(const siren_jet_shape *shape, size_t m, const float *z,
                                        size_t z_ld, float *s, const float *trig_in,
                                        float *trig_out)
{
    float cs_local[BLOCK];
    const float *sn = s, *cs = cs_local;
    if (trig_in) {
        cs = trig_in + shape->ld;
        for (size_t p = 0; p < m; p++)
            s[p] = trig_in[p];
    } else {
        siren__sincos(m, z, s, cs_local);
    }
    if (trig_out) {
        for (size_t p = 0; p < m; p++) {
            trig_out[p] = sn[p];
            trig_out[shape->ld + p] = cs[p];
        }
    }
    switch (shape->kind) {
    case JET_LAPLACIAN:
        laplacian_and_gradient(shape, m, sn, cs, z, z_ld, s);
        break;
    case JET_HESSIAN:
        hessian_and_gradient(shape, m, sn, cs, z, z_ld, s);
        break;
    case JET_GRADIENT:
        gradient_only(shape, m, cs, z, z_ld, s);
        break;
    case JET_VALUE:
        break;
    }
}

/* The row's pointer into an optional trigonometric tape. */
static const float *trig_row(const siren_jet_shape *shape, const float *trig, size_t r)
{
    return trig ? trig + r * 2 * shape->ld : NULL;
}

/* z0 of points [p, p + m) of a row gets omega * bias (no bias: nothing). */
static void add_bias_block(float *z0, size_t m, float omega, const float *bias)
{
    if (!bias)
        return;
    float shift = omega * *bias;
    for (size_t q = 0; q < m; q++)
        z0[q] += shift;
}

void siren__sine_jet(const siren_jet_shape *shape, float omega, const float *bias, float *z,
                     float *s, const float *trig_in, float *trig_out)
{
    size_t ld = shape->ld;
    for (size_t r = 0; r < shape->rows; r++) {
        float *zr = z + r * shape->row_stride, *sr = s + r * shape->row_stride;
        const float *tin = trig_row(shape, trig_in, r), *row_bias = bias ? bias + r : NULL;
        float *tout = (float *)trig_row(shape, trig_out, r);
        size_t p = 0;
        for (; p + BLOCK <= shape->n; p += BLOCK) {
            add_bias_block(zr + p, BLOCK, omega, row_bias);
            sine_jet_block(shape, BLOCK, zr + p, ld, sr + p, tin ? tin + p : NULL,
                           tout ? tout + p : NULL);
        }
        if (p < shape->n) {
            add_bias_block(zr + p, shape->n - p, omega, row_bias);
            sine_jet_block(shape, shape->n - p, zr + p, ld, sr + p, tin ? tin + p : NULL,
                           tout ? tout + p : NULL);
        }
    }
}

void siren__sine_jet_points(const siren_jet_shape *shape, size_t m, const float *z,
                            size_t z_ld, float *s)
{
    if (m == SIREN__SINE_JET_BLOCK)
        sine_jet_block(shape, SIREN__SINE_JET_BLOCK, z, z_ld, s, NULL, NULL);
    else
        sine_jet_block(shape, m, z, z_ld, s, NULL, NULL);
}

/* The reverse of sine_jet_block (DESIGN.md, "Training"): from the adjoints
   s' of the sine jets to the adjoints z' of the pre-activation jets,
     zkk' = cos z0 skk'
     zk'  = cos z0 sk' - 2 sin z0 zk skk'
     z0'  = cos z0 s0' - sin z0 (sum_k zk sk' + sum_k zkk skk')
                       - cos z0 sum_k zk^2 skk'
   and for the weighted Laplacian channel, with sL' in place of skk':
     zL'  = cos z0 sL'
     zk'  = cos z0 sk' - 2 sin z0 c_k zk sL'
     z0'  = cos z0 s0' - sin z0 (sum_k zk sL' + zL sL') - cos z0 sum_k c_k zk^2 sL'
   Reads z, reads adj (s') and overwrites it with z'. */

/* Gradient channels only: zk' = cos z0 sk', and sum_k zk sk' into from_sin. */
static inline void gradient_backward(const siren_jet_shape *shape, size_t m, const float *cs,
                                     const float *z, float *adj, float *from_sin)
{
    for (size_t k = 0; k < shape->dims; k++) {
        const float *zk = z + (1 + k) * shape->ld;
        float *ak = adj + (1 + k) * shape->ld;
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++) {
            float sk_adj = ak[p];
            from_sin[p] += zk[p] * sk_adj;
            ak[p] = cs[p] * sk_adj;
        }
    }
}

/* Gradient channels with a second-order channel: zk' from sk' and the
   adjoint s2' of skk (Hessian) or of sL times c_k (Laplacian), and the sums
   sum_k zk sk' into from_sin, sum_k zk^2 s2' into from_cos. */
static inline void gradient_second_backward(const siren_jet_shape *shape, size_t m,
                                            const float *sn, const float *cs, const float *z,
                                            float *adj, float *from_sin, float *from_cos)
{
    size_t dims = shape->dims, ld = shape->ld;
    const float *second = adj + (1 + dims) * ld;
    for (size_t k = 0; k < dims; k++) {
        const float *zk = z + (1 + k) * ld;
        float *ak = adj + (1 + k) * ld;
        const float *a2 = shape->kind == JET_HESSIAN ? second + k * ld : second;
        float c = shape->kind == JET_LAPLACIAN ? shape->weights[k] : 1.0f;
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++) {
            float sk_adj = ak[p], s2_adj = c * a2[p];
            from_sin[p] += zk[p] * sk_adj;
            from_cos[p] += zk[p] * zk[p] * s2_adj;
            ak[p] = cs[p] * sk_adj - 2.0f * sn[p] * zk[p] * s2_adj;
        }
    }
    size_t second_channels = shape->kind == JET_HESSIAN ? dims : 1;
    for (size_t k = 0; k < second_channels; k++) {
        const float *z2 = z + (1 + dims + k) * ld;
        float *a2 = adj + (1 + dims + k) * ld;
        INDEPENDENT_POINTS
        for (size_t p = 0; p < m; p++) {
            from_sin[p] += z2[p] * a2[p];
            a2[p] = cs[p] * a2[p];
        }
    }
}

static BLOCK_INLINE void sine_jet_backward_block(const siren_jet_shape *shape, size_t m,
                                                 const float *z, float *adj,
                                                 const float *trig_in)
{
    float sn_local[BLOCK], cs_local[BLOCK], from_sin[BLOCK], from_cos[BLOCK];
    const float *sn = sn_local, *cs = cs_local;
    if (trig_in) {
        sn = trig_in;
        cs = trig_in + shape->ld;
    } else {
        siren__sincos(m, z, sn_local, cs_local);
    }
    for (size_t p = 0; p < m; p++) {
        from_sin[p] = 0.0f;  /* the sum multiplied by -sin z0 */
        from_cos[p] = 0.0f;  /* the sum multiplied by -cos z0 */
    }
    if (shape->kind == JET_GRADIENT)
        gradient_backward(shape, m, cs, z, adj, from_sin);
    else if (shape->kind != JET_VALUE)
        gradient_second_backward(shape, m, sn, cs, z, adj, from_sin, from_cos);
    INDEPENDENT_POINTS
    for (size_t p = 0; p < m; p++)
        adj[p] = cs[p] * adj[p] - sn[p] * from_sin[p] - cs[p] * from_cos[p];
}

/* Values only, from the tape: z0' = cos z0 s0', one read of cos z0 and no
   sine (the general block's sums are zero then). */
static void value_backward_row(size_t n, const float *cs, float *adj)
{
    for (size_t p = 0; p < n; p++)
        adj[p] = cs[p] * adj[p];
}

void siren__sine_jet_backward(const siren_jet_shape *shape, const float *z, float *adj,
                              const float *trig_in)
{
    if (shape->kind == JET_VALUE && trig_in) {
        for (size_t r = 0; r < shape->rows; r++)
            value_backward_row(shape->n, trig_row(shape, trig_in, r) + shape->ld,
                               adj + r * shape->row_stride);
        return;
    }
    for (size_t r = 0; r < shape->rows; r++) {
        const float *zr = z + r * shape->row_stride, *tin = trig_row(shape, trig_in, r);
        float *ar = adj + r * shape->row_stride;
        size_t p = 0;
        for (; p + BLOCK <= shape->n; p += BLOCK)
            sine_jet_backward_block(shape, BLOCK, zr + p, ar + p, tin ? tin + p : NULL);
        if (p < shape->n)
            sine_jet_backward_block(shape, shape->n - p, zr + p, ar + p,
                                    tin ? tin + p : NULL);
    }
}

void siren__sine_value_to_trig(const siren_jet_shape *shape, float omega, const float *bias,
                               float *z, float *trig_out)
{
    for (size_t r = 0; r < shape->rows; r++) {
        float *zr = z + r * shape->row_stride, *sn = trig_out + r * 2 * shape->ld;
        for (size_t p = 0; p < shape->n; p += BLOCK) {
            size_t m = shape->n - p < BLOCK ? shape->n - p : BLOCK;
            add_bias_block(zr + p, m, omega, bias ? bias + r : NULL);
            siren__sincos(m, zr + p, sn + p, sn + shape->ld + p);
        }
    }
}
