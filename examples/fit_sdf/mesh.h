/* mesh.h - the zero level set of a 3-D field as a triangle mesh (marching
   cubes), for fit_sdf (its area and volume: shape_geometry.h; writing it
   as PLY: pointcloud.h).

   The field is sampled on a grid of resolution^3 points spanning
   [lo, hi]^3 (both ends included, as the reference's sdf_meshing does),
   one z-slice at a time and in batches of at most `batch` points, so the
   memory is a few slices, never the whole grid.

   Narrow band (band > 0): the field is first evaluated on a coarse grid
   (every coarse_step-th point). Within a coarse cell of diagonal d, a
   field whose gradient norm is at most G changes by at most G d, so a
   cell whose corners all have one sign and lie at least band x d from
   the level holds no surface when G <= band. An SDF has G = 1, which the
   eikonal loss trains for; band 2 leaves a margin. Such cells' fine
   points are interpolated from the coarse corners instead of evaluated.
   With an SDF this evaluates a thin shell around the surface, about 10
   times fewer points at resolution 256. band = 0 evaluates every point.

   Triangulation: each cell's polygons are traced face by face, so no
   lookup table is needed. On a face whose four edges are all crossed,
   the saddle of the bilinear interpolant decides which corners connect
   (the asymptotic decider); both cells that share the face see the same
   four values and decide alike, so the mesh has no cracks (a polygon
   that runs through both segments of such a face is fanned around a
   vertex of its own, so that no edge is shared by four triangles; the
   test closes a mesh of random noise this way). Vertices on
   shared edges are shared: the mesh is watertight where the surface does
   not leave the grid, and its triangles are counter-clockwise seen from
   the positive side (the outside of an SDF). */
#ifndef EXAMPLES_MESH_H
#define EXAMPLES_MESH_H

#include "io/pointcloud.h"

#include <stddef.h>

/* Evaluates the field at n points xyz [n][3] into values [n]. Returns 0,
   or non-zero to stop the extraction (mc_extract then fails). */
typedef int (*mc_field_fn)(void *user, size_t n, const float *xyz, float *values);

typedef struct mc_options {
    size_t resolution;   /* grid points per axis, at least 2 */
    float lo, hi;        /* the cube [lo, hi]^3 */
    float level;         /* the isovalue, 0 for an SDF */
    size_t batch;        /* most points per field call, at least 1 */
    double band;         /* narrow-band factor (see above); 0: every point */
    size_t coarse_step;  /* fine cells per coarse cell edge, at least 2 */
} mc_options;

/* mc_options with resolution 128 over [-1, 1]^3, level 0, batch 65536,
   band 2, coarse_step 4. */
mc_options mc_default_options(void);

typedef struct mc_stats {
    size_t evaluated;     /* field values computed */
    size_t grid_points;   /* resolution^3 */
} mc_stats;

/* Extracts the level set into *out (allocated; free with mesh_free).
   Returns 0, or -1 with a message in err (bad options, out of memory,
   more than 2^32 - 1 vertices, the field callback failed). */
int mc_extract(const mc_options *opt, mc_field_fn field, void *user, tri_mesh *out,
               mc_stats *stats, char *err, size_t errlen);

void mesh_free(tri_mesh *m);

#endif
