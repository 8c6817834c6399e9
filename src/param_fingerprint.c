/* param_fingerprint.c - the fingerprint of the parameters that
   siren_forward keeps for siren_backward (internal.h): a 64-bit FNV-1a
   style hash of the bit patterns of SIREN__FINGERPRINT_SAMPLES
   parameters per layer and instance.

   Why a sample and not every parameter: hashing all 198,401 parameters
   of the reference network costs about as much as its forward pass at
   one point, and half of it at 64 points (docs/SECURITY.md,
   `make bench-fingerprint`), twice per training step; the sample costs
   a fraction of a microsecond. It catches what a program does to a
   network's parameters as a whole (an update, a scaling, a copy of other
   weights, a layer re-initialised), not a write that misses every
   sample; the header says so. */
#include "internal.h"

#include <string.h>

static uint64_t mix(uint64_t hash, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return (hash ^ bits) * 0x100000001b3u;
}

/* The samples of one layer, whose weights and biases are the `count`
   floats from first: all of them, or evenly spaced ones from the first
   weight to the last bias. */
static uint64_t mix_layer(uint64_t hash, const float *first, size_t count)
{
    enum { SAMPLES = SIREN__FINGERPRINT_SAMPLES };
    if (count <= SAMPLES) {
        for (size_t i = 0; i < count; i++)
            hash = mix(hash, first[i]);
        return hash;
    }
    size_t spacing = (count - 1) / (SAMPLES - 1);
    for (size_t k = 0; k + 1 < SAMPLES; k++)
        hash = mix(hash, first[k * spacing]);
    return mix(hash, first[count - 1]);
}

uint64_t siren__params_fingerprint(const siren_net *net, const float *params, size_t instances)
{
    uint64_t hash = 0xcbf29ce484222325u;
    for (size_t i = 0; i < instances; i++) {
        const float *instance = params + i * net->param_count;
        for (size_t l = 0; l < net->layer_count; l++) {
            const siren_layer *layer = &net->layers[l];
            size_t count = layer->bias_offset + layer->out - layer->weight_offset;
            hash = mix_layer(hash, instance + layer->weight_offset, count);
        }
    }
    return hash;
}
