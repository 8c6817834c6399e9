/* measure.c - the Chamfer distance and normal consistency of fit_sdf's
   mesh against its input (measure.h). */
#include "measure.h"

#include "fit/messages.h"
#include "fit/rng.h"
#include "nearest.h"
#include "shape_geometry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to `count` distinct points of p (a partial Fisher-Yates shuffle,
   seeded), all of them when there are fewer. */
static int subsample_points(const oriented_points *p, size_t count, uint64_t seed,
                            oriented_points *out)
{
    size_t n = p->count, k = count < n ? count : n;
    size_t *order = malloc(n * sizeof *order);
    out->xyz = malloc(k * 3 * sizeof *out->xyz);
    out->normals = malloc(k * 3 * sizeof *out->normals);
    if (!order || !out->xyz || !out->normals) {
        free(order);
        oriented_points_free(out);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    rng r = rng_seeded(seed, 0xc4a3f3e);
    for (size_t i = 0; i < k; i++) {
        size_t j = i + rng_below(&r, n - i), pick = order[j];
        order[j] = order[i];
        order[i] = pick;
        memcpy(out->xyz + 3 * i, p->xyz + 3 * pick, 3 * sizeof *out->xyz);
        memcpy(out->normals + 3 * i, p->normals + 3 * pick, 3 * sizeof *out->normals);
    }
    out->count = k;
    free(order);
    return 0;
}

int measure_mesh(const tri_mesh *mesh, const oriented_points *input, size_t count,
                 uint64_t seed, quality *q)
{
    q->chamfer = INFINITY;
    q->normal_consistency = 0;
    if (mesh->triangle_count == 0 || mesh_area(mesh) <= 0) {
        fit_say("warning: the extracted mesh is empty");
        return 0;
    }
    oriented_points on_mesh, chosen;
    char err[256];
    if (shape_sample_mesh(mesh, count, seed ^ 0x77, &on_mesh, err, sizeof err))
        return fit_error("measuring the mesh: %s", err);
    if (subsample_points(input, count, seed, &chosen)) {
        oriented_points_free(&on_mesh);
        return fit_error("out of memory for the measurement");
    }
    shape_distance dist;
    int status = shape_compare(&on_mesh, &chosen, &dist);
    double diagonal = points_bbox_diagonal(input);
    oriented_points_free(&on_mesh);
    oriented_points_free(&chosen);
    if (status)
        return fit_error("out of memory for the measurement");
    q->chamfer = dist.chamfer / diagonal;
    q->normal_consistency = dist.normal_consistency;
    fit_say("mesh to input %.3g, input to mesh %.3g (bounding-box diagonal %.4g)",
            dist.a_to_b / diagonal, dist.b_to_a / diagonal, diagonal);
    return 0;
}
