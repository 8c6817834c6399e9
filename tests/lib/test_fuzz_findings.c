/* test_fuzz_findings.c - every library bug the fuzzers found, as a unit
   test that names it (the inputs themselves are in fuzz/regressions/ and
   replayed by tests/scripts/fuzz_replay.sh). docs/SECURITY.md lists them. */
#include "check.h"
#include "siren.h"

#include <float.h>

/* fuzz/regressions/api/init_tiny_hidden_omega: a hidden_omega that is
   finite and positive but so small (a subnormal) that the initialiser's
   weight bound sqrt(6/n)/hidden_omega exceeds FLT_MAX. siren_net_init drew
   infinite and NaN weights and returned OK; it now refuses and leaves the
   parameters as they were. */
static void test_init_refuses_weight_bound_beyond_float(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 1;
    cfg.hidden_features = 4;
    cfg.hidden_layers = 0;
    cfg.hidden_omega = 9.2e-41f; /* subnormal */
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    size_t n = siren_net_param_count(net);
    float *p = siren_net_params(net);
    for (size_t i = 0; i < n; i++)
        p[i] = 0.25f;
    CHECK_STATUS(siren_net_init(net, 1), SIREN_ERR_INVALID_ARGUMENT);
    int unchanged = 1;
    for (size_t i = 0; i < n; i++)
        unchanged &= p[i] == 0.25f;
    CHECK(unchanged);
    siren_net_free(net);
    /* The smallest omegas whose bound is still a float initialise finitely. */
    cfg.hidden_omega = 1e-38f;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    CHECK_STATUS(siren_net_init(net, 1), SIREN_OK);
    p = siren_net_params(net);
    int finite = 1;
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        finite &= isfinite(p[i]) != 0;
    CHECK(finite);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_init_refuses_weight_bound_beyond_float);
    return check_summary();
}
