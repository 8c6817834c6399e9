/* reference.h - an independent double-precision SIREN for the tests.
 *
 * It shares no code with the library and uses a different method: for one
 * point at a time it carries each neuron's value, its full gradient and its
 * full Hessian (not the diagonal jets the library carries), by the plain
 * chain rule:
 *     a = W h + b,  z = w a,  dz = w W dh,  d2z = w W d2h
 *     s = sin z,    ds = cos z dz,  d2s[k][l] = cos z d2z[k][l] - sin z dz[k] dz[l]
 * Parameters are read as doubles from a flat array in the documented layout.
 */
#ifndef SIREN_TEST_REFERENCE_H
#define SIREN_TEST_REFERENCE_H

#include "siren.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX_DIMS 4

/* One neuron's value, gradient and Hessian with respect to the input. */
typedef struct ref_jet {
    double v;
    double d[REF_MAX_DIMS];
    double dd[REF_MAX_DIMS][REF_MAX_DIMS];
} ref_jet;

/* Outputs of the reference at one point, for output j:
   value[j], grad[j*D + k], hess[j*D + k] (diagonal only). */
typedef struct ref_out {
    double *value, *grad, *hess;
} ref_out;

static inline size_t ref_param_count(const siren_config *cfg)
{
    size_t in = cfg->in_features, h = cfg->hidden_features, out = cfg->out_features;
    return (in + 1) * h + (size_t)cfg->hidden_layers * (h + 1) * h + (h + 1) * out;
}

/* Applies one layer to `in` jets of width n_in, giving n_out jets. */
static inline void ref_layer(const double *weights, const double *bias, size_t n_in, size_t n_out,
                      double omega, int is_sine, size_t dims, const ref_jet *in, ref_jet *out)
{
    for (size_t f = 0; f < n_out; f++) {
        ref_jet z;
        memset(&z, 0, sizeof z);
        z.v = bias[f];
        for (size_t i = 0; i < n_in; i++) {
            double w = weights[f * n_in + i];
            z.v += w * in[i].v;
            for (size_t k = 0; k < dims; k++) {
                z.d[k] += w * in[i].d[k];
                for (size_t l = 0; l < dims; l++)
                    z.dd[k][l] += w * in[i].dd[k][l];
            }
        }
        z.v *= omega;
        for (size_t k = 0; k < dims; k++) {
            z.d[k] *= omega;
            for (size_t l = 0; l < dims; l++)
                z.dd[k][l] *= omega;
        }
        if (!is_sine) {
            out[f] = z;
            continue;
        }
        double s = sin(z.v), c = cos(z.v);
        out[f].v = s;
        for (size_t k = 0; k < dims; k++) {
            out[f].d[k] = c * z.d[k];
            for (size_t l = 0; l < dims; l++)
                out[f].dd[k][l] = c * z.dd[k][l] - s * z.d[k] * z.d[l];
        }
    }
}

/* Evaluates the reference SIREN at one point x[dims]. */
static inline void ref_eval_point(const siren_config *cfg, const double *params, const double *x,
                           ref_out *result)
{
    size_t dims = cfg->in_features, width = cfg->hidden_features;
    size_t layers = (size_t)cfg->hidden_layers + 2;
    size_t widest = width > cfg->out_features ? width : cfg->out_features;
    if (dims > widest)
        widest = dims;
    ref_jet *a = calloc(widest, sizeof *a), *b = calloc(widest, sizeof *b);
    for (size_t k = 0; k < dims; k++) {
        a[k].v = x[k];
        a[k].d[k] = 1.0;
    }
    const double *p = params;
    size_t n_in = dims;
    for (size_t l = 0; l < layers; l++) {
        int last = l + 1 == layers;
        size_t n_out = last ? cfg->out_features : width;
        int is_sine = !last || !cfg->outermost_linear;
        double omega = l == 0 ? cfg->first_omega : is_sine ? cfg->hidden_omega : 1.0;
        ref_layer(p, p + n_in * n_out, n_in, n_out, omega, is_sine, dims, a, b);
        p += (n_in + 1) * n_out;
        ref_jet *t = a;
        a = b;
        b = t;
        n_in = n_out;
    }
    for (size_t j = 0; j < cfg->out_features; j++) {
        if (result->value)
            result->value[j] = a[j].v;
        for (size_t k = 0; k < dims; k++) {
            if (result->grad)
                result->grad[j * dims + k] = a[j].d[k];
            if (result->hess)
                result->hess[j * dims + k] = a[j].dd[k][k];
        }
    }
    free(a);
    free(b);
}

/* The parameters of a libsiren net as doubles (caller frees). */
static inline double *ref_params_of(siren_net *net)
{
    size_t count = siren_net_param_count(net);
    double *p = malloc(count * sizeof *p);
    const float *src = siren_net_params(net);
    for (size_t i = 0; i < count; i++)
        p[i] = src[i];
    return p;
}

/* max |a - b| and max |b| over n entries (float a, double b). */
static inline void ref_compare(const float *a, const double *b, size_t n, double *max_diff,
                        double *max_ref)
{
    *max_diff = 0.0;
    *max_ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= *max_diff))
            *max_diff = d;  /* NaN propagates as a failure */
        if (fabs(b[i]) > *max_ref)
            *max_ref = fabs(b[i]);
    }
}

/* A small deterministic generator for test data (not the library's). */
static inline double ref_uniform(unsigned long long *state, double lo, double hi)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    double u = (double)(*state >> 11) / 9007199254740992.0;
    return lo + (hi - lo) * u;
}

#endif
