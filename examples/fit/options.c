/* options.c - the training programs' shared options (options.h). */
#include "options.h"

#include "io/files.h"
#include "siren.h"

#include <string.h>

void fit_options_default(fit_options *f, const char *out)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    memset(f, 0, sizeof *f);
    f->lr = adam.lr;
    f->width = cfg.hidden_features;
    f->depth = cfg.hidden_layers;
    f->first_omega = cfg.first_omega;
    f->hidden_omega = cfg.hidden_omega;
    f->out = out;
}

fit_arch fit_arch_of(const fit_options *f, long in_features, long out_features)
{
    return (fit_arch){in_features, out_features, f->width, f->depth, f->first_omega,
                      f->hidden_omega, f->lr, f->clip, f->seed};
}

char *fit_model_path(const fit_options *f)
{
    return f->save ? files_join(f->save, "") : files_join(f->out, ".siren");
}
