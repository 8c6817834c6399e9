/* hypernet_model.h - the maths of examples/hypernet: a set encoder and a
   hypernetwork that together map a few known pixels of a face to all the
   parameters of a SIREN (Sitzmann et al. 2020, section 4.4), with their
   forward and backward passes. The SIREN itself is evaluated and
   differentiated by libsiren (siren_forward_instances,
   siren_backward_instances); everything else is here, in plain C loops.

   The model, for one face with context set {(x_i, y_i, v_i)}, i < k:

       e_i   = a(W_E ... a(W_1 (x_i, y_i, v_i) + b_1) ... + b_E)   set encoder
       z     = (1/k) sum_i e_i                                          latent code
       g_t   = relu(A_t z + a_t)                     one hidden layer per SIREN tensor t
       theta_t = C_t g_t + c_t                       that tensor (a W or a b of the SIREN)
       f(p)  = SIREN(p; theta)                       the face at pixel p

   and the training loss over a batch of F faces, with P SIREN parameters,
   L latent features and the image term over every pixel of every face:

       loss = mean (f(p) - v(p))^2 + lambda_z mean(z^2) + lambda_theta mean(theta^2)

   (the reference's image_hypernetwork_loss: lambda_z = 0.1, lambda_theta = 100).
   At test time the same loss, with the image term over a face's known
   pixels only, can be minimised in that face's code z alone, through the
   frozen hypernetwork (hn_code_loss_and_grad): the face is still one the
   hypernetwork generates, from a better code than the encoder's.

   The encoder's activation a is a ReLU, or sin(30 x) as in the reference
   code's default set encoder (modules.SetEncoder with nonlinearity 'sine').

   Layout. All parameters of the encoder and the hypernetwork are one flat
   float vector (so that one Adam and one gradient clip handle them). A
   dense layer stores its weight input-major, W[in][out], so that the
   forward product is a sum of rows (vectorises without -ffast-math); its
   bias b[out] follows. Encoder layers 0..E-1, then the hypernetwork's
   hidden layers of all tensors side by side as one layer L -> T*H, then
   for each tensor t its output layer C_t[H][size_t], c_t[size_t].

   This header is "single file" style: it declares everything; the one
   source file that defines HYPERNET_MODEL_IMPLEMENTATION before including
   it also gets the definitions (examples/hypernet.c, and
   tests/test_hypernet_grads.c, which checks the gradients by finite
   differences). */
#ifndef EXAMPLES_HYPERNET_MODEL_H
#define EXAMPLES_HYPERNET_MODEL_H

#include "siren.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HN_MAX_ENCODER_LAYERS 8
#define HN_MAX_TENSORS 64
#define HN_CONTEXT_FEATURES 3   /* (row coordinate, column coordinate, value) */

typedef struct hn_config {
    size_t encoder_width;    /* hidden features of the set encoder */
    size_t encoder_layers;   /* linear layers of the encoder, each followed by a */
    bool encoder_sine;       /* sin(30 x) (true) or ReLU (false) */
    size_t latent;           /* features of z */
    size_t hyper_width;      /* hidden features of each tensor's hypernetwork */
    float output_scale;      /* the output layers' initial weights are scaled by this */
    float latent_weight;     /* lambda_z */
    float param_weight;      /* lambda_theta */
    siren_config siren;      /* the generated SIREN (in 2, out 1) */
} hn_config;

/* The reference's choices where this example keeps them (the widths are
   smaller: see docs/HYPERNET.md). */
void hn_config_default(hn_config *cfg);

/* One dense layer inside the flat parameter vector. */
typedef struct hn_dense {
    size_t in, out;
    size_t weight;           /* offset of W[in][out] */
    size_t bias;             /* offset of b[out] */
} hn_dense;

/* One parameter tensor of the generated SIREN. */
typedef struct hn_tensor {
    size_t offset, size;     /* in the SIREN's flat parameter vector */
    size_t fan_in;           /* of the SIREN layer it belongs to */
    bool is_weight;
    hn_dense output;         /* the hypernetwork layer that makes it */
} hn_tensor;

typedef struct hn_model {
    hn_config cfg;
    siren_net *siren;        /* the generated architecture; its own parameters unused */
    size_t siren_params;     /* P */
    size_t tensor_count;     /* T */
    hn_tensor tensors[HN_MAX_TENSORS];
    hn_dense encoder[HN_MAX_ENCODER_LAYERS];
    hn_dense hidden;         /* latent -> T * hyper_width */
    size_t count;            /* parameters of encoder and hypernetwork */
    float *params, *grads;
} hn_model;

/* Lays out the model and allocates it (parameters zero). Returns a
   siren_status (INVALID_ARGUMENT for sizes out of range). */
int hn_model_create(const hn_config *cfg, hn_model *m);
void hn_model_free(hn_model *m);
/* The reference's initialisation (meta_modules.py): ReLU layers Kaiming
   normal (fan in) with PyTorch's default uniform bias; the output layer of
   each tensor Kaiming normal times output_scale, its bias U(-1/n, 1/n)
   with n the fan in of the SIREN layer for a weight tensor, of the
   hypernetwork layer for a bias tensor, so that the first SIRENs are
   close to a sine-initialised one. */
void hn_model_init(hn_model *m, uint64_t seed);

/* A batch of faces: each face's context set, and the pixels the loss (or
   the prediction) covers, the same `points` coordinates for every face. */
typedef struct hn_batch {
    size_t faces;
    const size_t *context_start; /* [faces + 1]: face f owns context rows [start[f], start[f+1]) */
    const float *context;        /* [rows][3]: row coordinate, column coordinate, value */
    size_t points;
    const float *coords;         /* [points][2] */
    const float *targets;        /* [faces][points]; NULL when only predicting */
} hn_batch;

/* Scratch memory for batches of up to max_faces faces, max_rows context
   rows in all and `points` pixels per face. The SIREN pass runs
   chunk_faces faces per library call (memory grows with chunk_faces *
   points). */
typedef struct hn_work {
    size_t max_faces, max_rows, points, chunk_faces;
    float *activations[HN_MAX_ENCODER_LAYERS]; /* [rows][out] after the activation */
    float *slopes[HN_MAX_ENCODER_LAYERS];      /* sine encoder: 30 cos(30 pre) */
    float *row_grad[2];      /* [rows][max width]: encoder adjoints */
    float *z, *dz;           /* [faces][latent] */
    float *hidden, *dhidden; /* [faces][T * H] after the ReLU, and its adjoint */
    float *theta, *dtheta;   /* [faces][P] */
    float *transposed;       /* every weight of the model, transposed, for backward */
    float *grid;             /* [chunk_faces * points][2] */
    float *values, *adjoint; /* [chunk_faces * points] */
    siren_workspace *ws;
} hn_work;

int hn_work_create(const hn_model *m, size_t max_faces, size_t max_rows, size_t points,
                   size_t chunk_faces, size_t threads, hn_work *w);
void hn_work_free(hn_work *w);

/* The parts of the loss of the last hn_loss_and_grad. */
typedef struct hn_loss {
    double image;            /* mean squared error over faces and points */
    double latent;           /* mean(z^2) */
    double params;           /* mean(theta^2) */
    double total;            /* image + lambda_z latent + lambda_theta params */
} hn_loss;

/* Forward and backward over the batch (targets required): sets m->grads
   (overwritten, not accumulated) and *loss. Returns a siren_status. */
int hn_loss_and_grad(hn_model *m, hn_work *w, const hn_batch *b, hn_loss *loss);

/* The SIREN parameters generated for each face of the batch (in
   w->theta, [faces][P]) and the predicted values at the batch's points,
   out[faces][points]. Returns a siren_status. */
int hn_predict(const hn_model *m, hn_work *w, const hn_batch *b, float *out);

/* Test-time code refinement (the auto-decoder view of the model, as in
   DeepSDF): the hypernetwork frozen, the loss of each face f as a
   function of its code z_f alone, over that face's own k points:

       loss_f = mean_i (f(p_fi) - v_fi)^2 + lambda_z mean(z_f^2)
                + lambda_theta mean(theta_f^2)

   (the training loss with the image term over the given points). z is
   [faces][latent], points [faces][k][2], targets [faces][k]. Writes
   dz[faces][latent] = d loss_f / d z_f and returns sum_f loss_f in *loss;
   leaves each face's SIREN in w->theta. The model is not changed. Needs
   faces <= w->max_faces and k <= w->points. Returns a siren_status. */
int hn_code_loss_and_grad(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t k, const float *points, const float *targets, double *loss,
                          float *dz);

/* The codes of a batch as the encoder reads them from its contexts:
   z[faces][latent]. Returns a siren_status. */
int hn_encode_batch(const hn_model *m, hn_work *w, const hn_batch *b, float *z);

/* Each face's SIREN from its code z[faces][latent] (into w->theta) and its
   values at the `points` coordinates shared by every face,
   out[faces][points]. Returns a siren_status. */
int hn_predict_from_codes(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t points, const float *coords, float *out);

/* The model's parameters to a file and back (the architecture is not
   stored: load into a model created with the same hn_config). The file:
   "HNMODEL1", the parameter count (uint64), the parameters (float), all
   in the machine's byte order, then a 32-bit FNV-1a of the parameter
   bytes. Return 0, or -1 with a message in err. */
int hn_model_save(const hn_model *m, const char *path, char *err, size_t errlen);
int hn_model_load(hn_model *m, const char *path, char *err, size_t errlen);

/* Adam as torch.optim.Adam (amsgrad off, no weight decay) on a flat
   vector, with torch.nn.utils.clip_grad_norm_ before the step when
   clip > 0. */
typedef struct hn_adam {
    size_t count;
    float lr, beta1, beta2, eps, clip;
    uint64_t step;
    float *m, *v;
} hn_adam;

int hn_adam_create(size_t count, float lr, float clip, hn_adam *opt);
void hn_adam_free(hn_adam *opt);
/* One update of params from grads (grads are scaled in place when
   clipped). Returns the gradient norm before clipping. */
double hn_adam_step(hn_adam *opt, float *params, float *grads);

/* Small deterministic random numbers (SplitMix64). */
uint64_t hn_random_next(uint64_t *state);
double hn_random_uniform(uint64_t *state);   /* [0, 1) */
double hn_random_normal(uint64_t *state);    /* N(0, 1) */

#endif /* EXAMPLES_HYPERNET_MODEL_H */

/* ======================================================================= */
#ifdef HYPERNET_MODEL_IMPLEMENTATION
#ifndef EXAMPLES_HYPERNET_MODEL_IMPLEMENTED
#define EXAMPLES_HYPERNET_MODEL_IMPLEMENTED

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- random */

uint64_t hn_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

double hn_random_uniform(uint64_t *state)
{
    return (double)(hn_random_next(state) >> 11) * 0x1.0p-53;
}

double hn_random_normal(uint64_t *state)
{
    /* Box-Muller; 1 - u keeps the logarithm finite. */
    double u = 1.0 - hn_random_uniform(state), v = hn_random_uniform(state);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ------------------------------------------------------- dense products */

/* y[j] += a0 x0[j] + a1 x1[j] + a2 x2[j] + a3 x3[j]: four rows at a time,
   eight columns per iteration, which GCC vectorises at -O2 (its cheap
   cost model leaves a plain loop of unknown length scalar). */
static void hn_axpy4(size_t n, const float a[4], const float *restrict x0,
                     const float *restrict x1, const float *restrict x2,
                     const float *restrict x3, float *restrict y)
{
    float a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t u = 0; u < 8; u++)
            y[j + u] += a0 * x0[j + u] + a1 * x1[j + u] + a2 * x2[j + u] + a3 * x3[j + u];
    for (; j < n; j++)
        y[j] += a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j];
}

static void hn_axpy1(size_t n, float a, const float *restrict x, float *restrict y)
{
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (size_t u = 0; u < 8; u++)
            y[j + u] += a * x[j + u];
    for (; j < n; j++)
        y[j] += a * x[j];
}

/* C[i][:] (+)= sum_p A[i][p] B[p][:], for i < m, p < k, n columns.
   Zero coefficients (ReLU) are skipped four at a time. */
static void hn_gemm_nn(size_t m, size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc, bool accumulate)
{
    for (size_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        const float *ai = a + i * lda;
        if (!accumulate)
            memset(ci, 0, n * sizeof *ci);
        size_t p = 0;
        for (; p + 4 <= k; p += 4) {
            if (ai[p] == 0.0f && ai[p + 1] == 0.0f && ai[p + 2] == 0.0f && ai[p + 3] == 0.0f)
                continue;
            hn_axpy4(n, ai + p, b + p * ldb, b + (p + 1) * ldb, b + (p + 2) * ldb,
                     b + (p + 3) * ldb, ci);
        }
        for (; p < k; p++)
            hn_axpy1(n, ai[p], b + p * ldb, ci);
    }
}

/* C[i][:] += sum_p A[p][i] B[p][:], for i < m, p < k: the weight gradient
   X^T dY. The rows p go in blocks so a block of B stays in cache while
   every row of C takes its share. */
static void hn_gemm_tn(size_t m, size_t n, size_t k, const float *a, size_t lda,
                       const float *b, size_t ldb, float *c, size_t ldc)
{
    enum { BLOCK = 64 };
    for (size_t p0 = 0; p0 < k; p0 += BLOCK) {
        size_t p1 = p0 + BLOCK < k ? p0 + BLOCK : k;
        for (size_t i = 0; i < m; i++) {
            float *ci = c + i * ldc;
            size_t p = p0;
            for (; p + 4 <= p1; p += 4) {
                float coef[4] = {a[p * lda + i], a[(p + 1) * lda + i], a[(p + 2) * lda + i],
                                 a[(p + 3) * lda + i]};
                if (coef[0] == 0.0f && coef[1] == 0.0f && coef[2] == 0.0f && coef[3] == 0.0f)
                    continue;
                hn_axpy4(n, coef, b + p * ldb, b + (p + 1) * ldb, b + (p + 2) * ldb,
                         b + (p + 3) * ldb, ci);
            }
            for (; p < p1; p++)
                hn_axpy1(n, a[p * lda + i], b + p * ldb, ci);
        }
    }
}

/* out[j] += sum over rows r of x[r][j]. */
static void hn_add_column_sums(size_t rows, size_t n, const float *x, size_t ldx, float *out)
{
    for (size_t r = 0; r < rows; r++)
        hn_axpy1(n, 1.0f, x + r * ldx, out);
}

/* Y = X W + b for `rows` rows (W input-major), then ReLU when asked. */
static void hn_dense_forward(const hn_dense *d, const float *params, size_t rows,
                             const float *x, size_t ldx, float *y, size_t ldy, bool relu)
{
    const float *bias = params + d->bias;
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * ldy, bias, d->out * sizeof *y);
    hn_gemm_nn(rows, d->out, d->in, x, ldx, params + d->weight, d->out, y, ldy, true);
    if (relu)
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < d->out; j++)
                if (y[r * ldy + j] < 0.0f)
                    y[r * ldy + j] = 0.0f;
}

/* The gradients of one dense layer from the adjoint dy of its output
   before the activation: dW += X^T dY, db += column sums of dY, and, when
   dx is not NULL, dX = dY W^T (w_t holds W^T, [out][in]). */
static void hn_dense_backward(const hn_dense *d, const float *w_t, float *grads, size_t rows,
                              const float *x, size_t ldx, const float *dy, size_t ldy,
                              float *dx, size_t lddx)
{
    hn_gemm_tn(d->in, d->out, rows, x, ldx, dy, ldy, grads + d->weight, d->out);
    hn_add_column_sums(rows, d->out, dy, ldy, grads + d->bias);
    if (dx)
        hn_gemm_nn(rows, d->in, d->out, dy, ldy, w_t, d->in, dx, lddx, false);
}

/* The ReLU's backward where y = relu(pre) is known: dy stays where y > 0. */
static void hn_relu_backward(size_t rows, size_t n, const float *y, size_t ldy, float *dy,
                             size_t lddy)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < n; j++)
            if (y[r * ldy + j] <= 0.0f)
                dy[r * lddy + j] = 0.0f;
}

/* y = sin(30 pre) in place, and the slope 30 cos(30 pre) for backward. */
static void hn_sine_forward(size_t n, float *y, float *slope)
{
    for (size_t i = 0; i < n; i++) {
        float z = 30.0f * y[i];
        y[i] = sinf(z);
        slope[i] = 30.0f * cosf(z);
    }
}

/* dy *= slope, elementwise. */
static void hn_scale_rows(size_t n, const float *slope, float *dy)
{
    for (size_t i = 0; i < n; i++)
        dy[i] *= slope[i];
}

static void hn_transpose(size_t rows, size_t cols, const float *x, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[c * rows + r] = x[r * cols + c];
}

/* ------------------------------------------------------------- model */

void hn_config_default(hn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->encoder_width = 128;
    cfg->encoder_layers = 3;
    cfg->latent = 128;
    cfg->hyper_width = 128;
    cfg->output_scale = 1e-2f;   /* meta_modules.py: weights / 1e2 */
    cfg->latent_weight = 0.1f;   /* kl_weight */
    cfg->param_weight = 100.0f;  /* fw_weight */
    siren_config_default(&cfg->siren);
    cfg->siren.in_features = 2;
    cfg->siren.out_features = 1;
    cfg->siren.hidden_features = 64;
    cfg->siren.hidden_layers = 2;
}

static hn_dense hn_place(size_t *count, size_t in, size_t out)
{
    hn_dense d = {in, out, *count, *count + in * out};
    *count += in * out + out;
    return d;
}

/* The SIREN's tensors in its flat layout: per layer W[out][in], b[out]. */
static int hn_list_tensors(hn_model *m)
{
    const siren_config *s = &m->cfg.siren;
    size_t layers = (size_t)s->hidden_layers + 2, offset = 0;
    if (2 * layers > HN_MAX_TENSORS)
        return SIREN_ERR_INVALID_ARGUMENT;
    for (size_t l = 0; l < layers; l++) {
        size_t in = l == 0 ? s->in_features : s->hidden_features;
        size_t out = l + 1 == layers ? s->out_features : s->hidden_features;
        m->tensors[2 * l] = (hn_tensor){offset, in * out, in, true, {0, 0, 0, 0}};
        m->tensors[2 * l + 1] = (hn_tensor){offset + in * out, out, in, false, {0, 0, 0, 0}};
        offset += in * out + out;
    }
    m->tensor_count = 2 * layers;
    return offset == m->siren_params ? SIREN_OK : SIREN_ERR_STATE;
}

int hn_model_create(const hn_config *cfg, hn_model *m)
{
    memset(m, 0, sizeof *m);
    if (!cfg || cfg->encoder_layers < 1 || cfg->encoder_layers > HN_MAX_ENCODER_LAYERS ||
        cfg->encoder_width < 1 || cfg->latent < 1 || cfg->hyper_width < 1 ||
        cfg->siren.in_features != 2 || cfg->siren.out_features != 1)
        return SIREN_ERR_INVALID_ARGUMENT;
    m->cfg = *cfg;
    int status = siren_net_create(&cfg->siren, &m->siren);
    if (status != SIREN_OK)
        return status;
    m->siren_params = siren_net_param_count(m->siren);
    if ((status = hn_list_tensors(m)) != SIREN_OK) {
        hn_model_free(m);
        return status;
    }
    size_t count = 0;
    for (size_t l = 0; l < cfg->encoder_layers; l++) {
        size_t in = l == 0 ? HN_CONTEXT_FEATURES : cfg->encoder_width;
        size_t out = l + 1 == cfg->encoder_layers ? cfg->latent : cfg->encoder_width;
        m->encoder[l] = hn_place(&count, in, out);
    }
    m->hidden = hn_place(&count, cfg->latent, m->tensor_count * cfg->hyper_width);
    for (size_t t = 0; t < m->tensor_count; t++)
        m->tensors[t].output = hn_place(&count, cfg->hyper_width, m->tensors[t].size);
    m->count = count;
    m->params = calloc(count, sizeof *m->params);
    m->grads = calloc(count, sizeof *m->grads);
    if (!m->params || !m->grads) {
        hn_model_free(m);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    return SIREN_OK;
}

void hn_model_free(hn_model *m)
{
    siren_net_free(m->siren);
    free(m->params);
    free(m->grads);
    memset(m, 0, sizeof *m);
}

static void hn_fill_normal(float *x, size_t n, double std, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(std * hn_random_normal(rng));
}

static void hn_fill_uniform(float *x, size_t n, double bound, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(bound * (2.0 * hn_random_uniform(rng) - 1.0));
}

/* Kaiming normal for a ReLU (std sqrt(2 / fan in)) times `scale`, and
   PyTorch's default bias U(-1/sqrt(fan in), 1/sqrt(fan in)). */
static void hn_init_dense(const hn_dense *d, float *params, double scale, uint64_t *rng)
{
    hn_fill_normal(params + d->weight, d->in * d->out, scale * sqrt(2.0 / (double)d->in), rng);
    hn_fill_uniform(params + d->bias, d->out, 1.0 / sqrt((double)d->in), rng);
}

/* The reference's sine_init (for every layer of its sine set encoder):
   W ~ U(-sqrt(6/n)/30, sqrt(6/n)/30), PyTorch's default bias. */
static void hn_init_sine_dense(const hn_dense *d, float *params, uint64_t *rng)
{
    hn_fill_uniform(params + d->weight, d->in * d->out, sqrt(6.0 / (double)d->in) / 30.0, rng);
    hn_fill_uniform(params + d->bias, d->out, 1.0 / sqrt((double)d->in), rng);
}

void hn_model_init(hn_model *m, uint64_t seed)
{
    uint64_t rng = seed ^ 0x6a09e667f3bcc909u;
    for (size_t l = 0; l < m->cfg.encoder_layers; l++) {
        if (m->cfg.encoder_sine)
            hn_init_sine_dense(&m->encoder[l], m->params, &rng);
        else
            hn_init_dense(&m->encoder[l], m->params, 1.0, &rng);
    }
    hn_init_dense(&m->hidden, m->params, 1.0, &rng);
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_tensor *tensor = &m->tensors[t];
        hn_init_dense(&tensor->output, m->params, m->cfg.output_scale, &rng);
        /* hyper_weight_init / hyper_bias_init of the reference */
        double bound = tensor->is_weight ? 1.0 / (double)tensor->fan_in
                                         : 1.0 / (double)m->cfg.hyper_width;
        hn_fill_uniform(m->params + tensor->output.bias, tensor->output.out, bound, &rng);
    }
    memset(m->grads, 0, m->count * sizeof *m->grads);
}

/* -------------------------------------------------------------- work */

static size_t hn_encoder_max_width(const hn_model *m)
{
    return m->cfg.encoder_width > m->cfg.latent ? m->cfg.encoder_width : m->cfg.latent;
}

int hn_work_create(const hn_model *m, size_t max_faces, size_t max_rows, size_t points,
                   size_t chunk_faces, size_t threads, hn_work *w)
{
    memset(w, 0, sizeof *w);
    if (max_faces == 0 || max_rows == 0 || points == 0 || chunk_faces == 0)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (chunk_faces > max_faces)
        chunk_faces = max_faces;
    *w = (hn_work){.max_faces = max_faces, .max_rows = max_rows, .points = points,
                   .chunk_faces = chunk_faces};
    bool ok = true;
    for (size_t l = 0; l < m->cfg.encoder_layers; l++) {
        size_t bytes = max_rows * m->encoder[l].out * sizeof(float);
        ok = ok && (w->activations[l] = malloc(bytes));
        if (m->cfg.encoder_sine)
            ok = ok && (w->slopes[l] = malloc(bytes));
    }
    size_t width = hn_encoder_max_width(m), hidden = m->hidden.out, P = m->siren_params;
    for (int i = 0; i < 2; i++)
        ok = ok && (w->row_grad[i] = malloc(max_rows * width * sizeof(float)));
    ok = ok && (w->z = malloc(max_faces * m->cfg.latent * sizeof(float)));
    ok = ok && (w->dz = malloc(max_faces * m->cfg.latent * sizeof(float)));
    ok = ok && (w->hidden = malloc(max_faces * hidden * sizeof(float)));
    ok = ok && (w->dhidden = malloc(max_faces * hidden * sizeof(float)));
    ok = ok && (w->theta = malloc(max_faces * P * sizeof(float)));
    ok = ok && (w->dtheta = malloc(max_faces * P * sizeof(float)));
    ok = ok && (w->transposed = malloc(m->count * sizeof(float)));
    ok = ok && (w->grid = malloc(chunk_faces * points * 2 * sizeof(float)));
    ok = ok && (w->values = malloc(chunk_faces * points * sizeof(float)));
    ok = ok && (w->adjoint = malloc(chunk_faces * points * sizeof(float)));
    if (!ok) {
        hn_work_free(w);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    int status = siren_workspace_create(m->siren, chunk_faces * points, SIREN_VALUE, &w->ws);
    if (status == SIREN_OK && threads > 0)
        status = siren_workspace_set_threads(w->ws, threads);
    if (status != SIREN_OK)
        hn_work_free(w);
    return status;
}

void hn_work_free(hn_work *w)
{
    for (size_t l = 0; l < HN_MAX_ENCODER_LAYERS; l++) {
        free(w->activations[l]);
        free(w->slopes[l]);
    }
    free(w->row_grad[0]);
    free(w->row_grad[1]);
    free(w->z);
    free(w->dz);
    free(w->hidden);
    free(w->dhidden);
    free(w->theta);
    free(w->dtheta);
    free(w->transposed);
    free(w->grid);
    free(w->values);
    free(w->adjoint);
    siren_workspace_free(w->ws);
    memset(w, 0, sizeof *w);
}

/* ----------------------------------------------------------- forward */

static int hn_check_batch(const hn_model *m, const hn_work *w, const hn_batch *b)
{
    (void)m;
    if (!b || b->faces == 0 || b->faces > w->max_faces || b->points != w->points ||
        !b->context_start || !b->context || !b->coords)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (b->context_start[0] != 0 || b->context_start[b->faces] > w->max_rows)
        return SIREN_ERR_TOO_LARGE;
    for (size_t f = 0; f < b->faces; f++)
        if (b->context_start[f + 1] <= b->context_start[f])
            return SIREN_ERR_INVALID_ARGUMENT; /* every face needs a context */
    return SIREN_OK;
}

/* The set encoder: every context row through the ReLU MLP, then the mean
   of each face's rows: z[f]. */
static void hn_encode(const hn_model *m, hn_work *w, const hn_batch *b)
{
    size_t rows = b->context_start[b->faces], L = m->cfg.latent;
    const float *input = b->context;
    size_t ld = HN_CONTEXT_FEATURES;
    bool sine = m->cfg.encoder_sine;
    for (size_t l = 0; l < m->cfg.encoder_layers; l++) {
        const hn_dense *d = &m->encoder[l];
        hn_dense_forward(d, m->params, rows, input, ld, w->activations[l], d->out, !sine);
        if (sine)
            hn_sine_forward(rows * d->out, w->activations[l], w->slopes[l]);
        input = w->activations[l];
        ld = d->out;
    }
    for (size_t f = 0; f < b->faces; f++) {
        size_t first = b->context_start[f], k = b->context_start[f + 1] - first;
        float *z = w->z + f * L;
        memset(z, 0, L * sizeof *z);
        hn_add_column_sums(k, L, input + first * L, L, z);
        for (size_t j = 0; j < L; j++)
            z[j] /= (float)k;
    }
}

/* The hypernetwork: z -> the hidden features of every tensor's network
   (one product) -> each tensor, written where the SIREN's flat layout
   puts it in theta[f]. */
static void hn_generate(const hn_model *m, hn_work *w, size_t faces)
{
    size_t H = m->cfg.hyper_width, hidden = m->hidden.out, P = m->siren_params;
    hn_dense_forward(&m->hidden, m->params, faces, w->z, m->cfg.latent, w->hidden, hidden, true);
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_tensor *tensor = &m->tensors[t];
        hn_dense_forward(&tensor->output, m->params, faces, w->hidden + t * H, hidden,
                         w->theta + tensor->offset, P, false);
    }
}

/* The pixel grid repeated for `faces` instances (the instances API takes
   each instance's own points). */
static void hn_fill_grid(hn_work *w, const hn_batch *b, size_t faces)
{
    for (size_t f = 0; f < faces; f++)
        memcpy(w->grid + f * b->points * 2, b->coords, b->points * 2 * sizeof(float));
}

int hn_predict(const hn_model *m, hn_work *w, const hn_batch *b, float *out)
{
    int status = hn_check_batch(m, w, b);
    if (status != SIREN_OK || !out)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    hn_encode(m, w, b);
    hn_generate(m, w, b->faces);
    hn_fill_grid(w, b, w->chunk_faces < b->faces ? w->chunk_faces : b->faces);
    for (size_t f0 = 0; f0 < b->faces && status == SIREN_OK; f0 += w->chunk_faces) {
        size_t n = b->faces - f0 < w->chunk_faces ? b->faces - f0 : w->chunk_faces;
        siren_jet jet = {.value = out + f0 * b->points};
        status = siren_eval_instances(m->siren, w->ws, n, w->theta + f0 * m->siren_params,
                                      b->points, w->grid, &jet);
    }
    return status;
}

/* ---------------------------------------------------------- backward */

/* W^T of every dense layer into w->transposed (at the layer's own
   weight offset), for the input adjoints dX = dY W^T. */
static void hn_transpose_weights(const hn_model *m, hn_work *w)
{
    for (size_t l = 0; l < m->cfg.encoder_layers; l++) {
        const hn_dense *d = &m->encoder[l];
        hn_transpose(d->in, d->out, m->params + d->weight, w->transposed + d->weight);
    }
    const hn_dense *h = &m->hidden;
    hn_transpose(h->in, h->out, m->params + h->weight, w->transposed + h->weight);
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_dense *d = &m->tensors[t].output;
        hn_transpose(d->in, d->out, m->params + d->weight, w->transposed + d->weight);
    }
}

/* The image term through the SIREN, chunk by chunk: sets w->dtheta to
   d(image loss)/d(theta) and returns the sum of squared errors. */
static int hn_image_backward(const hn_model *m, hn_work *w, const hn_batch *b, double *sse)
{
    size_t P = m->siren_params, n_pts = b->points;
    float scale = (float)(2.0 / ((double)b->faces * (double)n_pts));
    double sum = 0.0;
    int status = SIREN_OK;
    memset(w->dtheta, 0, b->faces * P * sizeof(float));
    hn_fill_grid(w, b, w->chunk_faces < b->faces ? w->chunk_faces : b->faces);
    for (size_t f0 = 0; f0 < b->faces && status == SIREN_OK; f0 += w->chunk_faces) {
        size_t n = b->faces - f0 < w->chunk_faces ? b->faces - f0 : w->chunk_faces;
        siren_jet out = {.value = w->values}, adj = {.value = w->adjoint};
        status = siren_forward_instances(m->siren, w->ws, n, w->theta + f0 * P, n_pts, w->grid,
                                         &out);
        const float *target = b->targets + f0 * n_pts;
        for (size_t i = 0; status == SIREN_OK && i < n * n_pts; i++) {
            float diff = w->values[i] - target[i];
            sum += (double)diff * diff;
            w->adjoint[i] = scale * diff;
        }
        if (status == SIREN_OK)
            status = siren_backward_instances(m->siren, w->ws, &adj, w->dtheta + f0 * P);
    }
    *sse = sum;
    return status;
}

/* mean(x^2) over n values, and the adjoint of weight * mean(x^2) added
   into dx. */
static double hn_mean_square_backward(size_t n, const float *x, float weight, float *dx)
{
    double sum = 0.0;
    float scale = (float)(2.0 * weight / (double)n);
    for (size_t i = 0; i < n; i++) {
        sum += (double)x[i] * x[i];
        dx[i] += scale * x[i];
    }
    return sum / (double)n;
}

/* d theta -> the hypernetwork's gradients and dz. */
static void hn_generate_backward(hn_model *m, hn_work *w, size_t faces)
{
    size_t H = m->cfg.hyper_width, hidden = m->hidden.out, P = m->siren_params;
    size_t L = m->cfg.latent;
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_tensor *tensor = &m->tensors[t];
        hn_dense_backward(&tensor->output, w->transposed + tensor->output.weight, m->grads,
                          faces, w->hidden + t * H, hidden, w->dtheta + tensor->offset, P,
                          w->dhidden + t * H, hidden);
    }
    hn_relu_backward(faces, hidden, w->hidden, hidden, w->dhidden, hidden);
    hn_dense_backward(&m->hidden, w->transposed + m->hidden.weight, m->grads, faces, w->z, L,
                      w->dhidden, hidden, w->dz, L);
}

/* dz -> the encoder's gradients. z[f] is the mean of its rows, so each
   row of face f gets dz[f] / k_f. */
static void hn_encode_backward(hn_model *m, hn_work *w, const hn_batch *b)
{
    size_t E = m->cfg.encoder_layers, L = m->cfg.latent;
    size_t rows = b->context_start[b->faces];
    float *dy = w->row_grad[0], *dx = w->row_grad[1];
    for (size_t f = 0; f < b->faces; f++) {
        size_t first = b->context_start[f], k = b->context_start[f + 1] - first;
        for (size_t r = first; r < first + k; r++)
            for (size_t j = 0; j < L; j++)
                dy[r * L + j] = w->dz[f * L + j] / (float)k;
    }
    for (size_t l = E; l-- > 0;) {
        const hn_dense *d = &m->encoder[l];
        if (m->cfg.encoder_sine)
            hn_scale_rows(rows * d->out, w->slopes[l], dy);
        else
            hn_relu_backward(rows, d->out, w->activations[l], d->out, dy, d->out);
        const float *x = l == 0 ? b->context : w->activations[l - 1];
        size_t ldx = l == 0 ? HN_CONTEXT_FEATURES : d->in;
        hn_dense_backward(d, w->transposed + d->weight, m->grads, rows, x, ldx, dy, d->out,
                          l == 0 ? NULL : dx, d->in);
        float *swap = dy;
        dy = dx;
        dx = swap;
    }
}

int hn_loss_and_grad(hn_model *m, hn_work *w, const hn_batch *b, hn_loss *loss)
{
    int status = hn_check_batch(m, w, b);
    if (status != SIREN_OK || !b->targets || !loss)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    size_t F = b->faces, P = m->siren_params, L = m->cfg.latent;
    hn_encode(m, w, b);
    hn_generate(m, w, F);
    double sse = 0.0;
    if ((status = hn_image_backward(m, w, b, &sse)) != SIREN_OK)
        return status;
    memset(m->grads, 0, m->count * sizeof *m->grads);
    loss->image = sse / ((double)F * (double)b->points);
    loss->params = hn_mean_square_backward(F * P, w->theta, m->cfg.param_weight, w->dtheta);
    hn_transpose_weights(m, w);
    hn_generate_backward(m, w, F);
    loss->latent = hn_mean_square_backward(F * L, w->z, m->cfg.latent_weight, w->dz);
    hn_encode_backward(m, w, b);
    loss->total = loss->image + (double)m->cfg.latent_weight * loss->latent +
                  (double)m->cfg.param_weight * loss->params;
    return SIREN_OK;
}

/* ----------------------------------------------------- codes alone */

int hn_encode_batch(const hn_model *m, hn_work *w, const hn_batch *b, float *z)
{
    int status = hn_check_batch(m, w, b);
    if (status != SIREN_OK || !z)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    hn_encode(m, w, b);
    memcpy(z, w->z, b->faces * m->cfg.latent * sizeof *z);
    return SIREN_OK;
}

static int hn_check_codes(const hn_work *w, size_t faces, const float *z, size_t k,
                          const float *points)
{
    if (faces == 0 || faces > w->max_faces || k == 0 || k > w->points || !z || !points)
        return SIREN_ERR_INVALID_ARGUMENT;
    return SIREN_OK;
}

int hn_predict_from_codes(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t points, const float *coords, float *out)
{
    int status = hn_check_codes(w, faces, z, points, coords);
    if (status != SIREN_OK || !out)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    memcpy(w->z, z, faces * m->cfg.latent * sizeof *z);
    hn_generate(m, w, faces);
    for (size_t f = 0; f < (w->chunk_faces < faces ? w->chunk_faces : faces); f++)
        memcpy(w->grid + f * points * 2, coords, points * 2 * sizeof(float));
    for (size_t f0 = 0; f0 < faces && status == SIREN_OK; f0 += w->chunk_faces) {
        size_t n = faces - f0 < w->chunk_faces ? faces - f0 : w->chunk_faces;
        siren_jet jet = {.value = out + f0 * points};
        status = siren_eval_instances(m->siren, w->ws, n, w->theta + f0 * m->siren_params,
                                      points, w->grid, &jet);
    }
    return status;
}

/* The image term of every face over its own k points, chunk by chunk:
   w->dtheta = d(sum_f mean_i err^2)/d theta; returns the sum of each
   face's mean squared error. */
static int hn_points_backward(const hn_model *m, hn_work *w, size_t faces, size_t k,
                              const float *points, const float *targets, double *sum_mse)
{
    size_t P = m->siren_params;
    float scale = (float)(2.0 / (double)k);
    double sum = 0.0;
    int status = SIREN_OK;
    memset(w->dtheta, 0, faces * P * sizeof(float));
    for (size_t f0 = 0; f0 < faces && status == SIREN_OK; f0 += w->chunk_faces) {
        size_t n = faces - f0 < w->chunk_faces ? faces - f0 : w->chunk_faces;
        siren_jet out = {.value = w->values}, adj = {.value = w->adjoint};
        status = siren_forward_instances(m->siren, w->ws, n, w->theta + f0 * P, k,
                                         points + f0 * k * 2, &out);
        const float *target = targets + f0 * k;
        for (size_t i = 0; status == SIREN_OK && i < n * k; i++) {
            float diff = w->values[i] - target[i];
            sum += (double)diff * diff / (double)k;
            w->adjoint[i] = scale * diff;
        }
        if (status == SIREN_OK)
            status = siren_backward_instances(m->siren, w->ws, &adj, w->dtheta + f0 * P);
    }
    *sum_mse = sum;
    return status;
}

/* d theta -> dz through the frozen hypernetwork (no parameter gradient):
   dg_t = d theta_t C_t^T, the ReLU's mask, dz = dg A^T. Needs
   w->transposed. */
static void hn_codes_backward(const hn_model *m, hn_work *w, size_t faces, float *dz)
{
    size_t H = m->cfg.hyper_width, hidden = m->hidden.out, P = m->siren_params;
    size_t L = m->cfg.latent;
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_tensor *tensor = &m->tensors[t];
        const hn_dense *d = &tensor->output;
        hn_gemm_nn(faces, d->in, d->out, w->dtheta + tensor->offset, P,
                   w->transposed + d->weight, d->in, w->dhidden + t * H, hidden, false);
    }
    hn_relu_backward(faces, hidden, w->hidden, hidden, w->dhidden, hidden);
    hn_gemm_nn(faces, L, hidden, w->dhidden, hidden, w->transposed + m->hidden.weight, L, dz, L,
               false);
}

/* The sum over faces of weight * mean(x_f^2) over each face's n values,
   its adjoint added into dx. */
static double hn_per_face_mean_square_backward(size_t faces, size_t n, const float *x,
                                               float weight, float *dx)
{
    double sum = 0.0;
    for (size_t f = 0; f < faces; f++)
        sum += hn_mean_square_backward(n, x + f * n, weight, dx + f * n);
    return sum;
}

int hn_code_loss_and_grad(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t k, const float *points, const float *targets, double *loss,
                          float *dz)
{
    int status = hn_check_codes(w, faces, z, k, points);
    if (status != SIREN_OK || !targets || !loss || !dz)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    size_t P = m->siren_params, L = m->cfg.latent;
    memcpy(w->z, z, faces * L * sizeof *z);
    hn_generate(m, w, faces);
    double image = 0.0;
    if ((status = hn_points_backward(m, w, faces, k, points, targets, &image)) != SIREN_OK)
        return status;
    double params = hn_per_face_mean_square_backward(faces, P, w->theta, m->cfg.param_weight,
                                                     w->dtheta);
    hn_transpose_weights(m, w);
    hn_codes_backward(m, w, faces, dz);
    double latent = hn_per_face_mean_square_backward(faces, L, z, m->cfg.latent_weight, dz);
    *loss = image + (double)m->cfg.latent_weight * latent + (double)m->cfg.param_weight * params;
    return SIREN_OK;
}

/* ------------------------------------------------------------ files */

static uint32_t hn_fnv1a(const void *data, size_t bytes)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < bytes; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static const char HN_FILE_MAGIC[8] = {'H', 'N', 'M', 'O', 'D', 'E', 'L', '1'};

int hn_model_save(const hn_model *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open for writing", path);
        return -1;
    }
    uint64_t count = m->count;
    uint32_t sum = hn_fnv1a(m->params, m->count * sizeof *m->params);
    bool ok = fwrite(HN_FILE_MAGIC, sizeof HN_FILE_MAGIC, 1, f) == 1 &&
              fwrite(&count, sizeof count, 1, f) == 1 &&
              fwrite(m->params, sizeof *m->params, m->count, f) == m->count &&
              fwrite(&sum, sizeof sum, 1, f) == 1;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        snprintf(err, errlen, "%s: write failed", path);
    return ok ? 0 : -1;
}

int hn_model_load(hn_model *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    char magic[sizeof HN_FILE_MAGIC];
    uint64_t count = 0;
    uint32_t sum = 0;
    const char *problem = NULL;
    if (fread(magic, sizeof magic, 1, f) != 1 || memcmp(magic, HN_FILE_MAGIC, sizeof magic))
        problem = "not a hypernet model file";
    else if (fread(&count, sizeof count, 1, f) != 1 || count != m->count)
        problem = "its parameter count differs from this architecture's (same options?)";
    else if (fread(m->params, sizeof *m->params, m->count, f) != m->count ||
             fread(&sum, sizeof sum, 1, f) != 1)
        problem = "truncated";
    else if (sum != hn_fnv1a(m->params, m->count * sizeof *m->params))
        problem = "checksum mismatch";
    fclose(f);
    if (problem)
        snprintf(err, errlen, "%s: %s", path, problem);
    return problem ? -1 : 0;
}

/* -------------------------------------------------------------- Adam */

int hn_adam_create(size_t count, float lr, float clip, hn_adam *opt)
{
    *opt = (hn_adam){count, lr, 0.9f, 0.999f, 1e-8f, clip, 0, NULL, NULL};
    opt->m = calloc(count, sizeof *opt->m);
    opt->v = calloc(count, sizeof *opt->v);
    if (!opt->m || !opt->v) {
        hn_adam_free(opt);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    return SIREN_OK;
}

void hn_adam_free(hn_adam *opt)
{
    free(opt->m);
    free(opt->v);
    opt->m = opt->v = NULL;
}

double hn_adam_step(hn_adam *opt, float *params, float *grads)
{
    double norm = 0.0;
    for (size_t i = 0; i < opt->count; i++)
        norm += (double)grads[i] * grads[i];
    norm = sqrt(norm);
    double coef = opt->clip / (norm + 1e-6); /* exactly as clip_grad_norm_ */
    if (opt->clip > 0.0f && coef < 1.0) {
        float scale = (float)coef;
        for (size_t i = 0; i < opt->count; i++)
            grads[i] *= scale;
    }
    opt->step++;
    double c1 = 1.0 - pow(opt->beta1, (double)opt->step);
    double c2 = 1.0 - pow(opt->beta2, (double)opt->step);
    float step_size = (float)(opt->lr / c1), root_c2 = (float)sqrt(c2);
    for (size_t i = 0; i < opt->count; i++) {
        float g = grads[i];
        opt->m[i] = opt->beta1 * opt->m[i] + (1.0f - opt->beta1) * g;
        opt->v[i] = opt->beta2 * opt->v[i] + (1.0f - opt->beta2) * g * g;
        params[i] -= step_size * opt->m[i] / (sqrtf(opt->v[i]) / root_c2 + opt->eps);
    }
    return norm;
}

#endif /* EXAMPLES_HYPERNET_MODEL_IMPLEMENTED */
#endif /* HYPERNET_MODEL_IMPLEMENTATION */
