/* forward.c - the hypernet model's forward pass (model.h): the set
   encoder reads each face's code from its known pixels, the hypernetwork
   turns the code into the parameters of a SIREN, and libsiren evaluates
   every face's SIREN at once (siren_eval_instances). Also the two halves
   on their own, for the code refinement: the codes alone, and the faces
   made from given codes. */
#include "passes.h"

#include <string.h>

int hn_check_batch(const hn_model *m, const hn_work *w, const hn_batch *b)
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

/* Every context row through the encoder's layers (ReLU, or sin(30 x) with
   its slopes kept), then the mean of each face's rows: z[f]. */
void hn_encode(const hn_model *m, hn_work *w, const hn_batch *b)
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
void hn_generate(const hn_model *m, hn_work *w, size_t faces)
{
    size_t H = m->cfg.hyper_width, hidden = m->hidden.out, P = m->siren_params;
    hn_dense_forward(&m->hidden, m->params, faces, w->z, m->cfg.latent, w->hidden, hidden, true);
    for (size_t t = 0; t < m->tensor_count; t++) {
        const hn_tensor *tensor = &m->tensors[t];
        hn_dense_forward(&tensor->output, m->params, faces, w->hidden + t * H, hidden,
                         w->theta + tensor->offset, P, false);
    }
}

void hn_fill_grid(hn_work *w, const float *coords, size_t points, size_t faces)
{
    for (size_t f = 0; f < faces; f++)
        memcpy(w->grid + f * points * 2, coords, points * 2 * sizeof(float));
}

/* Every face's SIREN (in w->theta) at the `points` coordinates in
   w->grid, chunk_faces faces per library call: out[faces][points]. */
static int hn_eval_sirens(const hn_model *m, hn_work *w, size_t faces, size_t points,
                          float *out)
{
    int status = SIREN_OK;
    for (size_t f0 = 0; f0 < faces && status == SIREN_OK; f0 += w->chunk_faces) {
        size_t n = faces - f0 < w->chunk_faces ? faces - f0 : w->chunk_faces;
        siren_jet jet = {.value = out + f0 * points};
        status = siren_eval_instances(m->siren, w->ws, n, w->theta + f0 * m->siren_params,
                                      points, w->grid, &jet);
    }
    return status;
}

int hn_predict(const hn_model *m, hn_work *w, const hn_batch *b, float *out)
{
    int status = hn_check_batch(m, w, b);
    if (status != SIREN_OK || !out)
        return status != SIREN_OK ? status : SIREN_ERR_INVALID_ARGUMENT;
    hn_encode(m, w, b);
    hn_generate(m, w, b->faces);
    hn_fill_grid(w, b->coords, b->points,
                 w->chunk_faces < b->faces ? w->chunk_faces : b->faces);
    return hn_eval_sirens(m, w, b->faces, b->points, out);
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

int hn_check_codes(const hn_work *w, size_t faces, const float *z, size_t k,
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
    hn_fill_grid(w, coords, points, w->chunk_faces < faces ? w->chunk_faces : faces);
    return hn_eval_sirens(m, w, faces, points, out);
}
