/* model.c - the hypernet model as an object (model.h): its default
   configuration, the layout of its parameters in one flat vector, the
   reference's initialisation, and the scratch memory of its passes. */
#include "model.h"

#include "random.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ layout */

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

/* A dense layer in -> out placed at *count in the flat vector, its
   weight then its bias; *count moves past it. */
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

/* The encoder's layers, the hypernetwork's hidden layer and each tensor's
   output layer, one after the other in the flat vector. Returns the
   parameter count. */
static size_t hn_place_layers(hn_model *m)
{
    const hn_config *cfg = &m->cfg;
    size_t count = 0;
    for (size_t l = 0; l < cfg->encoder_layers; l++) {
        size_t in = l == 0 ? HN_CONTEXT_FEATURES : cfg->encoder_width;
        size_t out = l + 1 == cfg->encoder_layers ? cfg->latent : cfg->encoder_width;
        m->encoder[l] = hn_place(&count, in, out);
    }
    m->hidden = hn_place(&count, cfg->latent, m->tensor_count * cfg->hyper_width);
    for (size_t t = 0; t < m->tensor_count; t++)
        m->tensors[t].output = hn_place(&count, cfg->hyper_width, m->tensors[t].size);
    return count;
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
    m->count = hn_place_layers(m);
    m->params = calloc(m->count, sizeof *m->params);
    m->grads = calloc(m->count, sizeof *m->grads);
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

/* ---------------------------------------------------- initialisation */

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

/* ------------------------------------------------------ scratch memory */

static size_t hn_encoder_max_width(const hn_model *m)
{
    return m->cfg.encoder_width > m->cfg.latent ? m->cfg.encoder_width : m->cfg.latent;
}

/* Every buffer of w but the workspace, for the sizes already in w.
   False when an allocation failed (the others may be allocated). */
static bool hn_work_alloc(const hn_model *m, hn_work *w)
{
    bool ok = true;
    for (size_t l = 0; l < m->cfg.encoder_layers; l++) {
        size_t bytes = w->max_rows * m->encoder[l].out * sizeof(float);
        ok = ok && (w->activations[l] = malloc(bytes));
        if (m->cfg.encoder_sine)
            ok = ok && (w->slopes[l] = malloc(bytes));
    }
    size_t width = hn_encoder_max_width(m), hidden = m->hidden.out, P = m->siren_params;
    for (int i = 0; i < 2; i++)
        ok = ok && (w->row_grad[i] = malloc(w->max_rows * width * sizeof(float)));
    ok = ok && (w->z = malloc(w->max_faces * m->cfg.latent * sizeof(float)));
    ok = ok && (w->dz = malloc(w->max_faces * m->cfg.latent * sizeof(float)));
    ok = ok && (w->hidden = malloc(w->max_faces * hidden * sizeof(float)));
    ok = ok && (w->dhidden = malloc(w->max_faces * hidden * sizeof(float)));
    ok = ok && (w->theta = malloc(w->max_faces * P * sizeof(float)));
    ok = ok && (w->dtheta = malloc(w->max_faces * P * sizeof(float)));
    ok = ok && (w->transposed = malloc(m->count * sizeof(float)));
    ok = ok && (w->grid = malloc(w->chunk_faces * w->points * 2 * sizeof(float)));
    ok = ok && (w->values = malloc(w->chunk_faces * w->points * sizeof(float)));
    ok = ok && (w->adjoint = malloc(w->chunk_faces * w->points * sizeof(float)));
    return ok;
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
    if (!hn_work_alloc(m, w)) {
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
