/* net.c - the network: configuration, layer table, parameters and the
   sine-aware initialiser (DESIGN.md, "The network" and "Initialisation"). */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* The last stamp given to a net (siren__net_restamp). */
static atomic_uint_fast64_t last_stamp;

void siren__net_restamp(siren_net *net)
{
    net->stamp = (uint64_t)atomic_fetch_add(&last_stamp, 1) + 1;
}

void siren_config_default(siren_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = (uint32_t)sizeof *cfg;
    cfg->in_features = 2;
    cfg->out_features = 1;
    cfg->hidden_features = 256;
    cfg->hidden_layers = 3;
    cfg->first_omega = 30.0f;
    cfg->hidden_omega = 30.0f;
    cfg->outermost_linear = 1;
}

static bool omega_is_valid(float omega)
{
    return isfinite(omega) && omega > 0.0f;
}

/* Adds the parameters of `copies` linear layers in -> out, (in + 1) * out
   each, to *total; false on overflow. */
static bool add_layer_params(size_t in, size_t out, size_t copies, size_t *total)
{
    size_t one, all;
    return siren__mul_size(in + 1, out, &one) && siren__mul_size(one, copies, &all) &&
           siren__add_size(*total, all, total);
}

int siren__config_check(const siren_config *cfg, size_t *param_count)
{
    if (!cfg || cfg->size != sizeof(siren_config))
        return SIREN_ERR_INVALID_ARGUMENT;
    if (cfg->in_features == 0 || cfg->out_features == 0 || cfg->hidden_features == 0)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!omega_is_valid(cfg->first_omega) || !omega_is_valid(cfg->hidden_omega))
        return SIREN_ERR_INVALID_ARGUMENT;
    size_t in = cfg->in_features, hidden = cfg->hidden_features, out = cfg->out_features;
    size_t total = 0;
    bool fits = add_layer_params(in, hidden, 1, &total) &&
                add_layer_params(hidden, hidden, cfg->hidden_layers, &total) &&
                add_layer_params(hidden, out, 1, &total);
    if (!fits || total > SIREN_MAX_PARAMS)
        return SIREN_ERR_TOO_LARGE;
    if (param_count)
        *param_count = total;
    return SIREN_OK;
}

static void fill_layer_table(siren_net *net)
{
    const siren_config *cfg = &net->cfg;
    size_t offset = 0, last = net->layer_count - 1;
    net->max_width = 0;
    for (size_t l = 0; l <= last; l++) {
        siren_layer *layer = &net->layers[l];
        layer->in = l == 0 ? cfg->in_features : cfg->hidden_features;
        layer->out = l == last ? cfg->out_features : cfg->hidden_features;
        layer->weight_offset = offset;
        layer->bias_offset = offset + layer->in * layer->out;
        offset = layer->bias_offset + layer->out;
        layer->is_sine = l != last || !cfg->outermost_linear;
        layer->omega = l == 0 ? cfg->first_omega
                     : layer->is_sine ? cfg->hidden_omega : 1.0f;
        if (layer->in > net->max_width) net->max_width = layer->in;
        if (layer->out > net->max_width) net->max_width = layer->out;
    }
}

int siren_net_create_with_allocator(const siren_config *cfg, const siren_allocator *alloc,
                                    siren_net **out)
{
    size_t param_count;
    siren_allocator allocator;
    if (!out || !siren__allocator_copy(alloc, &allocator))
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = siren__config_check(cfg, &param_count);
    if (status != SIREN_OK)
        return status;
    siren_net *net = siren__calloc(&allocator, 1, sizeof *net);
    if (!net)
        return SIREN_ERR_OUT_OF_MEMORY;
    net->allocator = allocator;
    net->cfg = *cfg;
    net->cfg.outermost_linear = cfg->outermost_linear != 0;
    net->layer_count = (size_t)cfg->hidden_layers + 2;
    net->param_count = param_count;
    net->layers = siren__calloc(&allocator, net->layer_count, sizeof *net->layers);
    net->params = siren__calloc(&allocator, param_count, sizeof(float));
    net->grads = siren__calloc(&allocator, param_count, sizeof(float));
    if (!net->layers || !net->params || !net->grads) {
        siren_net_free(net);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    fill_layer_table(net);
    siren__net_restamp(net);
    *out = net;
    return SIREN_OK;
}

int siren_net_create(const siren_config *cfg, siren_net **out)
{
    return siren_net_create_with_allocator(cfg, NULL, out);
}

void siren_net_free(siren_net *net)
{
    if (!net)
        return;
    /* A copy: the struct that holds the allocator is freed last. */
    siren_allocator allocator = net->allocator;
    siren__free(&allocator, net->layers);
    siren__free(&allocator, net->params);
    siren__free(&allocator, net->grads);
    siren__free(&allocator, net);
}

/* Weight bound of the sine-aware initialiser for layer l (DESIGN.md). */
static double weight_bound(const siren_net *net, size_t l)
{
    double fan_in = (double)net->layers[l].in;
    if (l == 0)
        return 1.0 / fan_in;
    return sqrt(6.0 / fan_in) / (double)net->cfg.hidden_omega;
}

/* A hidden_omega so small that sqrt(6/n)/hidden_omega exceeds FLT_MAX (a
   valid, finite, positive omega below about 1e-38) would draw infinite
   weights: refused before anything is written (found by fuzz/fuzz_api.c). */
static bool bounds_are_floats(const siren_net *net)
{
    for (size_t l = 0; l < net->layer_count; l++)
        if (!(weight_bound(net, l) <= (double)FLT_MAX))
            return false;
    return true;
}

int siren_net_init(siren_net *net, uint64_t seed)
{
    if (!net || !bounds_are_floats(net))
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_rng rng;
    siren__rng_seed(&rng, seed);
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        double w = weight_bound(net, l);
        double b = 1.0 / sqrt((double)layer->in);
        float *weights = net->params + layer->weight_offset;
        float *bias = net->params + layer->bias_offset;
        for (size_t i = 0; i < layer->in * layer->out; i++)
            weights[i] = siren__rng_uniform(&rng, -w, w);
        for (size_t i = 0; i < layer->out; i++)
            bias[i] = siren__rng_uniform(&rng, -b, b);
    }
    siren_net_zero_grad(net);
    siren__net_restamp(net);
    return SIREN_OK;
}

size_t siren_net_param_count(const siren_net *net)
{
    return net ? net->param_count : 0;
}

float *siren_net_params(siren_net *net)
{
    return net ? net->params : NULL;
}

float *siren_net_grads(siren_net *net)
{
    return net ? net->grads : NULL;
}

void siren_net_zero_grad(siren_net *net)
{
    if (net)
        memset(net->grads, 0, net->param_count * sizeof(float));
}

int siren_net_config(const siren_net *net, siren_config *cfg)
{
    if (!net || !cfg)
        return SIREN_ERR_INVALID_ARGUMENT;
    *cfg = net->cfg;
    return SIREN_OK;
}

bool siren__same_architecture(const siren_config *x, const siren_config *y)
{
    return x->in_features == y->in_features && x->out_features == y->out_features &&
           x->hidden_features == y->hidden_features &&
           x->hidden_layers == y->hidden_layers && x->first_omega == y->first_omega &&
           x->hidden_omega == y->hidden_omega && x->outermost_linear == y->outermost_linear;
}
