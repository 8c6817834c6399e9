/* meshing.h - the surface f = 0 of fit_sdf's network, by marching cubes
   (mesh.h) over [-1, 1]^3, then taken back into the input's units. */
#ifndef FIT_SDF_MESHING_H
#define FIT_SDF_MESHING_H

#include "io/pointcloud.h"
#include "shape_geometry.h"
#include "siren.h"

/* The meshing settings (the program's options of the same names). */
typedef struct meshing_config {
    long resolution;        /* grid points per axis, at least 2 */
    long chunk, threads;    /* points per library call; threads (0: the default) */
    double band;            /* narrow band in coarse cell diagonals; 0: the whole grid */
} meshing_config;

/* The zero level set of net into *mesh (mesh_free it), its vertices
   taken back into the input's units (the inverse of `transform`, which
   normalises), with a line on stderr saying its size. 0, or nonzero
   after a one-line message. */
int extract_mesh(const meshing_config *cfg, const siren_net *net,
                 const shape_transform *transform, tri_mesh *mesh);

#endif
