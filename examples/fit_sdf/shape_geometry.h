/* shape_geometry.h - the geometry fit_sdf needs on a shape read by
   pointcloud.h: triangle corners and orientation, a mesh's area and
   volume, oriented points sampled on a mesh by area, and the reference
   implementation's normalisation into [-1, 1]^3. */
#ifndef EXAMPLES_SHAPE_GEOMETRY_H
#define EXAMPLES_SHAPE_GEOMETRY_H

#include "io/pointcloud.h"

/* The corners of triangle t of m, in double: p[corner][axis]. */
void tri_mesh_corners(const tri_mesh *m, size_t t, double p[3][3]);

/* Makes the triangles face outward: when the mesh's signed volume (taken
   about its centroid) is negative, every triangle is reversed. Returns
   true when it reversed them. Meaningful for closed or nearly closed
   surfaces, which is what an SDF describes. */
bool shape_orient_outward(tri_mesh *m);

/* Samples `count` points uniformly by area on the mesh, each with the
   unit normal of its triangle, with a generator seeded by `seed`.
   Degenerate triangles are never picked. 0, or -1 with err set (no area,
   out of memory). */
int shape_sample_mesh(const tri_mesh *m, size_t count, uint64_t seed, oriented_points *out,
                      char *err, size_t errlen);

/* normalised = (x - offset) * scale, the same offset on all three axes'
   min/max (a uniform scale: the shape keeps its aspect ratio). */
typedef struct shape_transform {
    double offset[3];
    double scale;
} shape_transform;

/* The reference implementation's normalisation (dataio.PointCloud with
   keep_aspect_ratio): subtract the mean of the points, then map the
   smallest and largest coordinate over all three axes to -1 and +1.
   For a mesh the mean is the area-weighted centroid of its surface (the
   mean of uniformly sampled surface points) and the extremes are those
   of its vertices, so the transform does not depend on the sampling.
   0, or -1 with err set (no extent: every coordinate equal). */
int shape_reference_transform(const shape *s, shape_transform *t, char *err, size_t errlen);

/* In place, [count][3]: forward (into [-1, 1]^3) and back. */
void shape_transform_apply(const shape_transform *t, float *xyz, size_t count);
void shape_transform_invert(const shape_transform *t, float *xyz, size_t count);

/* The total area, and the signed volume (positive when the triangles
   face outward), of a mesh. */
double mesh_area(const tri_mesh *m);
double mesh_signed_volume(const tri_mesh *m);

#endif
