/* dataset.h - fit_sdf's input: oriented points read from a point cloud,
   or sampled by area from a mesh, in the input's units and normalised
   into [-1, 1]^3 as the reference does (dataio.PointCloud). */
#ifndef FIT_SDF_DATASET_H
#define FIT_SDF_DATASET_H

#include "io/pointcloud.h"
#include "shape_geometry.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dataset {
    oriented_points points;      /* input units */
    float *normalised;           /* [count][3] */
    shape_transform transform;   /* input units to normalised */
    bool was_mesh, flipped;      /* a mesh; its triangles faced inward */
    size_t mesh_vertices, mesh_triangles;
} dataset;

/* Reads path (a point cloud, or a mesh sampled into `samples` oriented
   points from `seed`) into *d, which starts zeroed. 0, or 1 after a
   one-line message; dataset_free either way. */
int dataset_load(const char *path, size_t samples, uint64_t seed, dataset *d);

/* A line on stderr saying what path held (a note too for a mesh turned
   outward). */
void dataset_describe(const char *path, const dataset *d);

void dataset_free(dataset *d);

#endif
