/* code_gradient.c - the loss the code refinement minimises and its
   gradient in each face's code alone (hn_code_loss_and_grad, model.h):
   the hypernetwork frozen, each face's image term over its own known
   pixels through its SIREN by libsiren, back through the hypernetwork
   to z, no parameter gradient. */
#include "passes.h"

#include <string.h>

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
