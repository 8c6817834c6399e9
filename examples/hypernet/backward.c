/* backward.c - the hypernet model's training loss and its gradient in
   every parameter of the encoder and the hypernetwork (model.h): the
   image term through every face's SIREN by libsiren
   (siren_forward_instances, siren_backward_instances), the two penalties,
   then back through the hypernetwork and the set encoder. */
#include "passes.h"

#include <string.h>

/* W^T of every dense layer into w->transposed (at the layer's own
   weight offset), for the input adjoints dX = dY W^T. */
void hn_transpose_weights(const hn_model *m, hn_work *w)
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
    hn_fill_grid(w, b->coords, n_pts,
                 w->chunk_faces < b->faces ? w->chunk_faces : b->faces);
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
double hn_mean_square_backward(size_t n, const float *x, float weight, float *dx)
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
void hn_encode_backward(hn_model *m, hn_work *w, const hn_batch *b)
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
            hn_scale_by_slope(rows * d->out, w->slopes[l], dy);
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
