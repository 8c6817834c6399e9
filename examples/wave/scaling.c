/* scaling.c - folding the output scale into a model (see scaling.h). */
#include "scaling.h"

#include <stddef.h>

int wave_scale_output(siren_net *net, double k)
{
    if (k == 1)
        return SIREN_OK;
    siren_config cfg;
    siren_net_config(net, &cfg);
    if (!cfg.outermost_linear)
        return SIREN_ERR_INVALID_ARGUMENT;
    /* The flat layout ends with the last layer: W [out][hidden], b [out]. */
    size_t last = (size_t)cfg.out_features * ((size_t)cfg.hidden_features + 1);
    float *p = siren_net_params(net) + siren_net_param_count(net) - last;
    for (size_t i = 0; i < last; i++)
        p[i] = (float)(k * p[i]);
    return SIREN_OK;
}
