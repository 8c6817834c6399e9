/* outputs.c - fit_sdf's output names and checks, and the transform file
   (outputs.h). */
#include "outputs.h"

#include "fit/messages.h"
#include "io/files.h"

#include <stdio.h>
#include <stdlib.h>

void outputs_free(outputs *p)
{
    free(p->mesh);
    free(p->model);
    free(p->transform);
    free(p->picture);
}

int outputs_name(const char *prefix, const char *save, const char *picture_ext, outputs *p)
{
    p->mesh = files_join(prefix, ".ply");
    p->model = save ? files_join(save, "") : files_join(prefix, ".siren");
    p->transform = files_join(prefix, ".transform");
    p->picture = files_join(prefix, picture_ext);
    if (!p->mesh || !p->model || !p->transform || !p->picture)
        return fit_error("out of memory");
    return 0;
}

int outputs_check_writable(const char *const *paths, size_t n)
{
    char err[512];
    for (size_t i = 0; i < n; i++)
        if (paths[i] && files_check_writable(paths[i], err, sizeof err))
            return fit_error("%s", err);
    return 0;
}

/* files_write_atomic's writer of the transform file. */
static int write_transform_text(FILE *f, const void *ctx)
{
    const shape_transform *t = ctx;
    return fprintf(f, "# fit_sdf: the model's coordinates are normalised = (input - offset) * "
                      "scale\noffset %.17g %.17g %.17g\nscale %.17g\n",
                   t->offset[0], t->offset[1], t->offset[2], t->scale) < 0
               ? -1
               : 0;
}

int write_transform(const char *path, const shape_transform *t)
{
    char err[512];
    if (files_write_atomic(path, write_transform_text, t, err, sizeof err))
        return fit_error("%s: %s", path, err);
    return 0;
}
