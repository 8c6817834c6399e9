/* make_checkpoint.c - a tool for the shell tests: writes a valid training
   checkpoint (siren_checkpoint_save, so the CRC is right) of a network of
   any architecture, freshly initialised, such as one a hostile or
   careless file could hold:
       make_checkpoint IN OUT WIDTH HIDDEN_LAYERS PATH
   Exit status 1 with a message when the library refuses. */
#include <siren.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: make_checkpoint IN OUT WIDTH HIDDEN_LAYERS PATH\n");
        return 2;
    }
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = (uint32_t)strtoul(argv[1], NULL, 10);
    cfg.out_features = (uint32_t)strtoul(argv[2], NULL, 10);
    cfg.hidden_features = (uint32_t)strtoul(argv[3], NULL, 10);
    cfg.hidden_layers = (uint32_t)strtoul(argv[4], NULL, 10);
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 1);
    if (status == SIREN_OK)
        status = siren_adam_create(net, &adam, &opt);
    if (status == SIREN_OK)
        status = siren_checkpoint_save(net, opt, argv[5]);
    siren_adam_free(opt);
    siren_net_free(net);
    if (status != SIREN_OK) {
        fprintf(stderr, "make_checkpoint: %s\n", siren_status_string(status));
        return 1;
    }
    return 0;
}
