/* options.c - the training programs' shared options (options.h). */
#include "options.h"

#include "io/files.h"
#include "messages.h"
#include "siren.h"

#include <stdlib.h>
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
    fit_format_default(&f->format_name, &f->format);
}

void fit_format_default(const char **name, image_format *format)
{
    *format = image_format_default();
    *name = *format == IMAGE_FORMAT_PNG ? "png" : "pnm";
}

int fit_format_check(const char *name, image_format *format)
{
    const char *why;
    int parsed = image_format_from_name(name, &why);
    if (parsed < 0 && why)
        return fit_error("--format png: %s", why);
    if (parsed < 0)
        return fit_error("--format: expected png or pnm, got '%s'", name);
    *format = (image_format)parsed;
    return 0;
}

int fit_options_check(fit_options *f)
{
    return fit_format_check(f->format_name, &f->format);
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

char *fit_image_path(const fit_options *f, const char *suffix, size_t channels)
{
    char *prefix = files_join(f->out, suffix);
    char *path = prefix ? files_join(prefix, image_extension(f->format, channels)) : NULL;
    free(prefix);
    return path;
}
