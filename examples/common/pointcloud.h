/* pointcloud.h - oriented point clouds and triangle meshes for fit_sdf:
   readers for .xyz, PLY (ASCII and binary little-endian) and OBJ, the
   sampling of oriented points on a mesh by area, and the reference
   implementation's normalisation into [-1, 1]^3.

   Formats read:
     .xyz  one point per line: "x y z nx ny nz" (whitespace-separated
           numbers); empty lines and lines starting with '#' are skipped.
     PLY   "format ascii 1.0" or "format binary_little_endian 1.0"; a
           "vertex" element with properties x, y, z (any numeric type) and
           optionally nx, ny, nz; a "face" element with a list property
           "vertex_indices" (or "vertex_index"). Faces make it a mesh;
           without faces the vertices must have normals. Other elements
           and properties are skipped.
     OBJ   "v x y z" and "f a b c ..." lines (a, a/t, a/t/n, a//n;
           negative indices count back from the last vertex); polygons
           are split into triangle fans; other statements are ignored.

   Parsing is strict and works on a buffer in memory (so fuzzers can call
   it): a malformed number, a missing field, an index out of range, a
   count the file cannot hold, a non-finite coordinate or a zero normal is
   an error with a one-line message (without the file name: callers
   prefix "program: path: "), never a crash or a read past the end. */
#ifndef EXAMPLES_POINTCLOUD_H
#define EXAMPLES_POINTCLOUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Points with unit normals (outward: the side where the SDF is positive). */
typedef struct oriented_points {
    size_t count;
    float *xyz;      /* [count][3] */
    float *normals;  /* [count][3], unit length */
} oriented_points;

/* A triangle mesh; triangles are counter-clockwise seen from outside. */
typedef struct tri_mesh {
    size_t vertex_count, triangle_count;
    float *vertices;      /* [vertex_count][3] */
    uint32_t *triangles;  /* [triangle_count][3], indices into vertices */
} tri_mesh;

/* The corners of triangle t of m, in double: p[corner][axis]. */
void tri_mesh_corners(const tri_mesh *m, size_t t, double p[3][3]);

/* What a file holds: a mesh (mesh.triangle_count > 0) or oriented points. */
typedef struct shape {
    oriented_points points;
    tri_mesh mesh;
} shape;

typedef enum shape_format {
    SHAPE_FORMAT_UNKNOWN,
    SHAPE_FORMAT_XYZ,
    SHAPE_FORMAT_PLY,
    SHAPE_FORMAT_OBJ
} shape_format;

/* Limits: more points, vertices or triangles than this are refused before
   anything that large is allocated; so are files above the byte limit. */
#define SHAPE_MAX_ELEMENTS ((size_t)1 << 26)
#define SHAPE_MAX_FILE_BYTES ((size_t)1 << 31)

static inline bool shape_is_mesh(const shape *s)
{
    return s->mesh.triangle_count > 0;
}

/* The format a file name says (.xyz, .ply, .obj; any case), else UNKNOWN. */
shape_format shape_format_from_path(const char *path);

/* Parses a whole file held in memory. format UNKNOWN: PLY when the buffer
   starts with the PLY magic, else an error. Returns 0, or -1 with a
   message in err (then *out is empty). */
int shape_parse(const unsigned char *buf, size_t len, shape_format format, shape *out,
                char *err, size_t errlen);

/* Reads path (format from its name, or the PLY magic) and parses it. */
int shape_read(const char *path, shape *out, char *err, size_t errlen);

void shape_free(shape *s);
void oriented_points_free(oriented_points *p);

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

#endif
