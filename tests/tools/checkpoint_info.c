/* checkpoint_info.c - a tool for the shell tests: loads a training
   checkpoint with the public API and prints "STEP FINITE", the optimiser's
   step count and 1 if every parameter is finite (0 if not). Exit status 1
   and "load failed: REASON" if the file does not load. */
#include <math.h>
#include <siren.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: checkpoint_info FILE\n");
        return 2;
    }
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_checkpoint_load(argv[1], &net, &opt);
    if (status != SIREN_OK) {
        printf("load failed: %s\n", siren_status_string(status));
        return 1;
    }
    const float *params = siren_net_params(net);
    int finite = 1;
    for (size_t i = 0; i < siren_net_param_count(net); i++)
        finite &= isfinite(params[i]) != 0;
    printf("%llu %d\n", (unsigned long long)siren_adam_step_count(opt), finite);
    siren_adam_free(opt);
    siren_net_free(net);
    return 0;
}
