/* dataset.c - reading fit_sdf's input (dataset.h): the shape read, its
   transform found, a mesh turned outward and sampled, the points
   normalised. */
#include "dataset.h"

#include "fit/messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dataset_free(dataset *d)
{
    oriented_points_free(&d->points);
    free(d->normalised);
}

/* The shape's oriented points into d: a point cloud's own, or a mesh's
   turned outward and sampled. 0, or nonzero with err set. */
static int take_points(shape *s, size_t samples, uint64_t seed, dataset *d, char *err,
                       size_t errlen)
{
    d->was_mesh = shape_is_mesh(s);
    if (!d->was_mesh) {
        d->points = s->points;
        memset(&s->points, 0, sizeof s->points);
        return 0;
    }
    d->flipped = shape_orient_outward(&s->mesh);
    d->mesh_vertices = s->mesh.vertex_count;
    d->mesh_triangles = s->mesh.triangle_count;
    return shape_sample_mesh(&s->mesh, samples, seed, &d->points, err, errlen);
}

int dataset_load(const char *path, size_t samples, uint64_t seed, dataset *d)
{
    char err[512];
    shape s;
    if (shape_read(path, &s, err, sizeof err))
        return fit_error("%s: %s", path, err);
    int status = shape_reference_transform(&s, &d->transform, err, sizeof err);
    if (status == 0)
        status = take_points(&s, samples, seed, d, err, sizeof err);
    shape_free(&s);
    if (status)
        return fit_error("%s: %s", path, err);
    size_t n = d->points.count;
    d->normalised = malloc(n * 3 * sizeof *d->normalised);
    if (!d->normalised)
        return fit_error("out of memory for %zu points", n);
    memcpy(d->normalised, d->points.xyz, n * 3 * sizeof *d->normalised);
    shape_transform_apply(&d->transform, d->normalised, n);
    return 0;
}

/* Called after every check passed: errors stay one line. */
void dataset_describe(const char *path, const dataset *d)
{
    if (d->was_mesh) {
        fit_say("%s: a mesh of %zu vertices and %zu triangles, %zu points "
                "sampled", path, d->mesh_vertices, d->mesh_triangles,
                d->points.count);
        if (d->flipped)
            fit_note("the mesh's triangles faced inward; reversed them");
    } else {
        fit_say("%s: %zu oriented points", path,
                d->points.count);
    }
}
