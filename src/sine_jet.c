/* sine_jet.c - the elementwise part of a sine layer on jets (DESIGN.md,
   "Input derivatives"). Points are taken in blocks so that sin z0 and
   cos z0 are computed once per point and the update can run in place. */
#include "internal.h"

#define BLOCK 64

/* The jet update for points [0, m) of one row, channel stride ld. */
static void sine_jet_block(const siren_jet_shape *shape, size_t m, const float *z, float *s)
{
    float sn[BLOCK], cs[BLOCK], acc[BLOCK];
    size_t dims = shape->dims, ld = shape->ld;
    siren__sincos(m, z, sn, cs);
    if (shape->kind == JET_LAPLACIAN) {
        /* sL = cos z0 zL - sin z0 sum_k c_k zk^2, read before zk is overwritten */
        for (size_t p = 0; p < m; p++)
            acc[p] = 0.0f;
        for (size_t k = 0; k < dims; k++) {
            const float *zk = z + (1 + k) * ld;
            float c = shape->weights[k];
            for (size_t p = 0; p < m; p++)
                acc[p] += c * zk[p] * zk[p];
        }
        const float *zl = z + (1 + dims) * ld;
        float *sl = s + (1 + dims) * ld;
        for (size_t p = 0; p < m; p++)
            sl[p] = cs[p] * zl[p] - sn[p] * acc[p];
    }
    if (shape->kind == JET_HESSIAN) {
        /* skk = cos z0 zkk - sin z0 zk^2 */
        for (size_t k = 0; k < dims; k++) {
            const float *zk = z + (1 + k) * ld, *zkk = z + (1 + dims + k) * ld;
            float *skk = s + (1 + dims + k) * ld;
            for (size_t p = 0; p < m; p++)
                skk[p] = cs[p] * zkk[p] - sn[p] * zk[p] * zk[p];
        }
    }
    if (shape->kind != JET_VALUE) {
        /* sk = cos z0 zk */
        for (size_t k = 0; k < dims; k++) {
            const float *zk = z + (1 + k) * ld;
            float *sk = s + (1 + k) * ld;
            for (size_t p = 0; p < m; p++)
                sk[p] = cs[p] * zk[p];
        }
    }
    for (size_t p = 0; p < m; p++)
        s[p] = sn[p];
}

void siren__sine_jet(const siren_jet_shape *shape, const float *z, float *s)
{
    for (size_t r = 0; r < shape->rows; r++) {
        const float *zr = z + r * shape->row_stride;
        float *sr = s + r * shape->row_stride;
        for (size_t p = 0; p < shape->n; p += BLOCK) {
            size_t m = shape->n - p < BLOCK ? shape->n - p : BLOCK;
            sine_jet_block(shape, m, zr + p, sr + p);
        }
    }
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
     z0'  = cos z0 s0' - sin z0 (sum_k zk sk' + zL sL') - cos z0 sum_k c_k zk^2 sL'
   Reads z, reads adj (s') and overwrites it with z'. */
static void sine_jet_backward_block(const siren_jet_shape *shape, size_t m, const float *z,
                                    float *adj)
{
    float sn[BLOCK], cs[BLOCK], from_sin[BLOCK], from_cos[BLOCK];
    size_t dims = shape->dims, ld = shape->ld;
    siren__sincos(m, z, sn, cs);
    for (size_t p = 0; p < m; p++) {
        from_sin[p] = 0.0f;  /* the sum multiplied by -sin z0 */
        from_cos[p] = 0.0f;  /* the sum multiplied by -cos z0 */
    }
    const float *second = shape->kind >= JET_LAPLACIAN ? adj + (1 + dims) * ld : NULL;
    for (size_t k = 0; shape->kind != JET_VALUE && k < dims; k++) {
        const float *zk = z + (1 + k) * ld;
        float *ak = adj + (1 + k) * ld;
        const float *a2 = shape->kind == JET_HESSIAN ? second + k * ld : second;
        float c = shape->kind == JET_LAPLACIAN ? shape->weights[k] : 1.0f;
        for (size_t p = 0; p < m; p++) {
            float sk_adj = ak[p], s2_adj = a2 ? c * a2[p] : 0.0f;
            from_sin[p] += zk[p] * sk_adj;
            from_cos[p] += zk[p] * zk[p] * s2_adj;
            ak[p] = cs[p] * sk_adj - 2.0f * sn[p] * zk[p] * s2_adj;
        }
    }
    size_t second_channels = shape->kind == JET_HESSIAN ? dims
                           : shape->kind == JET_LAPLACIAN ? 1 : 0;
    for (size_t k = 0; k < second_channels; k++) {
        const float *z2 = z + (1 + dims + k) * ld;
        float *a2 = adj + (1 + dims + k) * ld;
        for (size_t p = 0; p < m; p++) {
            from_sin[p] += z2[p] * a2[p];
            a2[p] = cs[p] * a2[p];
        }
    }
    for (size_t p = 0; p < m; p++)
        adj[p] = cs[p] * adj[p] - sn[p] * from_sin[p] - cs[p] * from_cos[p];
}

void siren__sine_jet_backward(const siren_jet_shape *shape, const float *z, float *adj)
{
    for (size_t r = 0; r < shape->rows; r++) {
        const float *zr = z + r * shape->row_stride;
        float *ar = adj + r * shape->row_stride;
        for (size_t p = 0; p < shape->n; p += BLOCK) {
            size_t m = shape->n - p < BLOCK ? shape->n - p : BLOCK;
            sine_jet_backward_block(shape, m, zr + p, ar + p);
        }
    }
}
