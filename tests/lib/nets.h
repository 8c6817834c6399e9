/* nets.h - the networks the tests build. A test names an architecture in
   one line, as a net_shape, and gets the network created (and, with
   make_net, initialised from a seed), every library call checked.
   The functions are static inline, so that a test that uses only one of
   them draws no unused-function warning. */
#ifndef SIREN_TEST_NETS_H
#define SIREN_TEST_NETS_H

#include "check.h"
#include "siren.h"

#include <stdint.h>

/* The members of siren_config that the tests choose, in the order the
   tests write them: {dims, width, depth, out, first_omega, hidden_omega,
   outermost_linear}. siren_config_default's network is
   {2, 256, 3, 1, 30.0f, 30.0f, 1}. */
typedef struct net_shape {
    uint32_t dims;             /* in_features     */
    uint32_t width;            /* hidden_features */
    uint32_t depth;            /* hidden_layers   */
    uint32_t out;              /* out_features    */
    float    first_omega;
    float    hidden_omega;
    int32_t  outermost_linear;
} net_shape;

/* A network of this shape with every parameter and gradient zero (what
   siren_net_create makes); NULL, after a failed check, if it fails. */
static inline siren_net *make_zero_net(const net_shape *shape)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = shape->dims;
    cfg.hidden_features = shape->width;
    cfg.hidden_layers = shape->depth;
    cfg.out_features = shape->out;
    cfg.first_omega = shape->first_omega;
    cfg.hidden_omega = shape->hidden_omega;
    cfg.outermost_linear = shape->outermost_linear;
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    return net;
}

/* A network of this shape, initialised by siren_net_init from seed. */
static inline siren_net *make_net(const net_shape *shape, uint64_t seed)
{
    siren_net *net = make_zero_net(shape);
    if (net)
        CHECK_STATUS(siren_net_init(net, seed), SIREN_OK);
    return net;
}

#endif
