/* save_load.c - a SIREN saved to a model file and loaded back: the file
   holds the architecture and the parameters (docs/FORMAT.md), so the
   loaded network computes the same bits. (For a run to resume, save a
   checkpoint instead: siren_checkpoint_save keeps the optimiser too.)
   Usage: save_load [FILE]   (default: model.siren in this directory) */
#include <siren.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "model.siren";
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 32;              /* 2 -> 32 x 4 -> 1 */
    siren_net *net = NULL, *loaded = NULL;
    siren_workspace *ws = NULL;
    int status = siren_net_create(&cfg, &net);
    if (status == SIREN_OK)
        status = siren_net_init(net, 7);
    if (status == SIREN_OK)
        status = siren_net_save(net, path);  /* written whole or not at all */
    if (status == SIREN_OK)
        status = siren_net_load(path, &loaded);
    if (status == SIREN_OK)               /* one workspace serves both: same architecture */
        status = siren_workspace_create(net, 3, SIREN_VALUE, &ws);

    float x[3][2] = {{0.0f, 0.0f}, {0.5f, -0.25f}, {-0.9f, 0.7f}};
    float before[3], after[3];
    siren_jet a = {.value = before}, b = {.value = after};
    if (status == SIREN_OK)
        status = siren_eval(net, ws, 3, &x[0][0], &a);
    if (status == SIREN_OK)
        status = siren_eval(loaded, ws, 3, &x[0][0], &b);
    if (status == SIREN_OK) {
        printf("saved %s: %zu parameters\n", path, siren_net_param_count(loaded));
        for (int p = 0; p < 3; p++)
            printf("f(%g, %g) = %.9g before, %.9g after\n", x[p][0], x[p][1], before[p], after[p]);
        printf("%s\n", memcmp(before, after, sizeof before) == 0 ? "identical" : "DIFFERENT");
    } else {
        fprintf(stderr, "save_load: %s: %s\n", path, siren_status_string(status));
    }
    siren_workspace_free(ws);
    siren_net_free(loaded);
    siren_net_free(net);
    return status == SIREN_OK && memcmp(before, after, sizeof before) == 0 ? 0 : 1;
}
