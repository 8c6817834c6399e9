/* pointcloud.h - oriented point clouds and triangle meshes for fit_sdf,
   their readers for .xyz, PLY (ASCII and binary little-endian) and OBJ,
   and the binary PLY writer of meshes (what is done with them:
   shape_geometry.h).

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

/* Writes m as a binary little-endian PLY (float x, y, z; faces as
   uchar-counted int lists), through files_write_atomic (files.h). 0, or
   -1 with err set. */
int mesh_write_ply(const char *path, const tri_mesh *m, char *err, size_t errlen);

#endif
