/* fuzz_shape.c - the examples' point cloud and mesh readers
 * (examples/io/pointcloud.c and ply.c, shape_parse): .xyz, PLY (ASCII and
 * binary) and OBJ. The first input byte chooses the format (mod 4:
 * unknown, xyz, PLY, OBJ; unknown means "PLY if it has the magic"), the
 * rest is the file.
 *
 * Invariants: 0 or -1, never a crash or a read outside the buffer; on -1
 * the shape is empty and the message is one terminated line; on 0 either
 * a mesh (vertices finite, every triangle index below the vertex count)
 * or oriented points (at least one, finite, unit normals), within
 * SHAPE_MAX_ELEMENTS.
 */
#include "fuzz.h"
#include "pointcloud.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_mesh(const tri_mesh *m)
{
    FUZZ_CHECK(m->vertex_count > 0 && m->vertex_count <= SHAPE_MAX_ELEMENTS);
    FUZZ_CHECK(m->triangle_count <= SHAPE_MAX_ELEMENTS);
    FUZZ_CHECK(all_finite(m->vertices, 3 * m->vertex_count));
    for (size_t i = 0; i < 3 * m->triangle_count; i++)
        FUZZ_CHECK(m->triangles[i] < m->vertex_count);
}

static void check_points(const oriented_points *p)
{
    FUZZ_CHECK(p->count > 0 && p->count <= SHAPE_MAX_ELEMENTS);
    FUZZ_CHECK(all_finite(p->xyz, 3 * p->count));
    for (size_t i = 0; i < p->count; i++) {
        const float *n = p->normals + 3 * i;
        double len = sqrt((double)n[0] * n[0] + (double)n[1] * n[1] + (double)n[2] * n[2]);
        FUZZ_CHECK(fabs(len - 1.0) < 1e-5);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const shape_format formats[4] = {SHAPE_FORMAT_UNKNOWN, SHAPE_FORMAT_XYZ,
                                            SHAPE_FORMAT_PLY, SHAPE_FORMAT_OBJ};
    if (size == 0)
        return 0;
    shape_format format = formats[data[0] % 4];
    /* The file alone, in a block of exactly its size (ASan sees over-reads). */
    size_t len = size - 1;
    uint8_t *file = malloc(len ? len : 1);
    memcpy(file, data + 1, len);
    shape s;
    char err[256];
    memset(err, 'x', sizeof err);
    int status = shape_parse(file, len, format, &s, err, sizeof err);
    FUZZ_CHECK(status == 0 || status == -1);
    if (status != 0) {
        FUZZ_CHECK(s.points.xyz == NULL && s.points.normals == NULL);
        FUZZ_CHECK(s.mesh.vertices == NULL && s.mesh.triangles == NULL);
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(strchr(err, '\n') == NULL);
    } else if (shape_is_mesh(&s)) {
        check_mesh(&s.mesh);
    } else {
        check_points(&s.points);
    }
    shape_free(&s);
    free(file);
    return 0;
}
