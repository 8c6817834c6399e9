/* measure.h - how close fit_sdf's mesh is to its input: the Chamfer
   distance and the normal consistency (nearest.h's shape_compare) between
   points sampled on the mesh and as many of the input's points. */
#ifndef FIT_SDF_MEASURE_H
#define FIT_SDF_MEASURE_H

#include "io/pointcloud.h"

#include <stddef.h>
#include <stdint.h>

typedef struct quality {
    double chamfer;             /* mean of both directions, over the input's bbox diagonal */
    double normal_consistency;  /* mean |n . n'| of nearest neighbours, both directions */
} quality;

/* Compares `count` points sampled on mesh with up to `count` distinct
   points of input (both drawn from seed), with a line on stderr giving
   the two directions. An empty mesh gets a warning and chamfer = inf,
   normal_consistency = 0. 0, or nonzero after a one-line message. */
int measure_mesh(const tri_mesh *mesh, const oriented_points *input, size_t count,
                 uint64_t seed, quality *q);

#endif
