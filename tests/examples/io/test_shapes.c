/* test_shapes.c - the shape readers of the examples (examples/io:
   pointcloud.c, ply.c, shape_text.c): .xyz, PLY (ASCII, binary
   little-endian) and OBJ, valid files read, every malformed case refused
   with a message, every truncation handled, the format told from a name.
   (The PLY writer is checked on extracted meshes by
   tests/examples/fit_sdf/test_geometry.c.) */
#define _POSIX_C_SOURCE 200809L
#include "io/pointcloud.h"

#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static int parse_text(const char *text, shape_format format, shape *s, char *err, size_t len)
{
    return shape_parse((const unsigned char *)text, strlen(text), format, s, err, len);
}

/* ------------------------------------------------------------- readers */

static void test_xyz_reader(void)
{
    shape s;
    char err[256];
    const char *text = "# comment\n0 0 0 0 0 2\n\n  1.5 -2 3e-1 1 0 0  \r\n4 5 6 0 -3 4";
    CHECK(parse_text(text, SHAPE_FORMAT_XYZ, &s, err, sizeof err) == 0);
    CHECK(!shape_is_mesh(&s));
    CHECK(s.points.count == 3);
    if (s.points.count == 3) {
        CHECK_NEAR(s.points.normals[2], 1, 0);
        CHECK_NEAR(s.points.xyz[5], 0.3, 1e-7);
        CHECK_NEAR(s.points.normals[7], -0.6, 1e-7);
        CHECK_NEAR(s.points.normals[8], 0.8, 1e-7);
    }
    shape_free(&s);
    const char *bad[] = {"0 0 0 0 0\n", "0 0 0 0 0 1 7\n", "0 0 x 0 0 1\n", "0 0 0 0 0 0\n",
                         "", "# only a comment\n", "0 0 0 0 0 1e999\n", "1e39 0 0 0 0 1\n",
                         "0 0 0 nan 0 1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECK(parse_text(bad[i], SHAPE_FORMAT_XYZ, &s, err, sizeof err) == -1);
        CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
        CHECK(s.points.xyz == NULL && s.mesh.vertices == NULL);
    }
}

static const char PLY_POINTS[] =
    "ply\nformat ascii 1.0\ncomment two points\nelement vertex 2\n"
    "property float x\nproperty float y\nproperty float z\nproperty uchar red\n"
    "property float nx\nproperty float ny\nproperty float nz\n"
    "element camera 1\nproperty list uchar float params\nend_header\n"
    "1 2 3 255 0 0 1\n-1 -2 -3 0 0 5 0\n3 0.5 1 2\n";

static const char PLY_QUAD[] =
    "ply\r\nformat ascii 1.0\r\nelement vertex 4\r\nproperty double x\r\n"
    "property double y\r\nproperty double z\r\nelement face 1\r\n"
    "property list uchar int vertex_indices\r\nend_header\r\n"
    "0 0 0\r\n1 0 0\r\n1 1 0\r\n0 1 0\r\n4 0 1 2 3\r\n";

static void test_ply_ascii_reader(void)
{
    shape s;
    char err[256];
    CHECK(parse_text(PLY_POINTS, SHAPE_FORMAT_UNKNOWN, &s, err, sizeof err) == 0);
    CHECK(s.points.count == 2 && !shape_is_mesh(&s));
    if (s.points.count == 2) {
        CHECK_NEAR(s.points.xyz[4], -2, 0);
        CHECK_NEAR(s.points.normals[2], 1, 0);
        CHECK_NEAR(s.points.normals[4], 1, 0);
    }
    shape_free(&s);
    CHECK(parse_text(PLY_QUAD, SHAPE_FORMAT_PLY, &s, err, sizeof err) == 0);
    CHECK(shape_is_mesh(&s) && s.mesh.triangle_count == 2 && s.mesh.vertex_count == 4);
    if (s.mesh.triangle_count == 2) {
        const uint32_t want[6] = {0, 1, 2, 0, 2, 3};
        CHECK(memcmp(s.mesh.triangles, want, sizeof want) == 0);
    }
    shape_free(&s);
}

/* A binary little-endian PLY: a tetrahedron with double coordinates, an
   extra int property and int32 indices behind uchar counts. */
static size_t binary_tetrahedron(unsigned char *buf, size_t cap)
{
    const char *header = "ply\nformat binary_little_endian 1.0\nelement vertex 4\n"
                         "property double x\nproperty double y\nproperty double z\n"
                         "property int flags\nelement face 4\n"
                         "property list uchar int vertex_indices\nend_header\n";
    size_t n = strlen(header);
    memcpy(buf, header, n);
    const double v[4][3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < 3; k++) {
            uint64_t bits;
            memcpy(&bits, &v[i][k], 8);
            for (int b = 0; b < 8; b++)
                buf[n++] = (unsigned char)(bits >> (8 * b));
        }
        for (int b = 0; b < 4; b++)
            buf[n++] = (unsigned char)(b == 0 ? i : 0);
    }
    const int faces[4][3] = {{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}};
    for (int f = 0; f < 4; f++) {
        buf[n++] = 3;
        for (int c = 0; c < 3; c++)
            for (int b = 0; b < 4; b++)
                buf[n++] = (unsigned char)((unsigned)faces[f][c] >> (8 * b));
    }
    CHECK(n <= cap);
    return n;
}

static void test_ply_binary_reader(void)
{
    unsigned char buf[1024];
    size_t n = binary_tetrahedron(buf, sizeof buf);
    shape s;
    char err[256];
    CHECK(shape_parse(buf, n, SHAPE_FORMAT_PLY, &s, err, sizeof err) == 0);
    CHECK(s.mesh.vertex_count == 4 && s.mesh.triangle_count == 4);
    if (s.mesh.triangle_count == 4) {
        CHECK_NEAR(s.mesh.vertices[9 + 2], 1, 0);
        CHECK(s.mesh.triangles[9] == 1 && s.mesh.triangles[11] == 3);
        /* every face as written, its winding kept (it says which side is out) */
        const uint32_t faces[12] = {0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3};
        CHECK(memcmp(s.mesh.triangles, faces, sizeof faces) == 0);
    }
    shape_free(&s);
    /* Every truncation fails cleanly (ASan checks no byte past the end is
       read); so does a face index out of range. */
    for (size_t len = 0; len < n; len++) {
        err[0] = '\0';
        CHECK(shape_parse(buf, len, SHAPE_FORMAT_PLY, &s, err, sizeof err) == -1);
        CHECK(err[0] != '\0');
    }
    buf[n - 1] = 9;
    CHECK(shape_parse(buf, n, SHAPE_FORMAT_PLY, &s, err, sizeof err) == -1);
    CHECK(strstr(err, "out of range") != NULL);
}

static void test_ply_malformed(void)
{
    const char *bad[] = {
        "ply\nformat binary_big_endian 1.0\nelement vertex 0\nend_header\n",
        "ply\nformat ascii 2.0\nend_header\n",
        "ply\nelement vertex 1\nproperty float x\nend_header\n1\n",
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float y\nproperty float z\n"
        "end_header\n1 2\n",
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
        "property float z\nend_header\n1 2 3\n",  /* no normals, no faces */
        "ply\nformat ascii 1.0\nelement vertex 99999999\nproperty float x\nproperty float y\n"
        "property float z\nproperty float nx\nproperty float ny\nproperty float nz\n"
        "end_header\n1 2 3 0 0 1\n",  /* more entries than the file holds */
        "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        "property float z\nelement face 1\nproperty list uchar int vertex_indices\n"
        "end_header\n0 0 0\n1 0 0\n0 1 0\n2 0 1\n",  /* a two-vertex face */
        "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        "property float z\nelement face 1\nproperty list uchar int vertex_indices\n"
        "end_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 -2\n",  /* a negative index */
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
        "property float z\nproperty float nx\nproperty float ny\nproperty float nz\n"
        "end_header\n1 2 3 0 0 0\n",  /* zero normal */
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
        "property float z\nproperty float nx\nproperty float ny\nproperty float nz\n"
        "end_header\n1 2 three 0 0 1\n",
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty floaty x\nend_header\n",
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n",  /* no end_header */
        "ply\nformat ascii 1.0\nbogus line\nend_header\n",
        "plyx\n",
        "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n"
        "property float z\nproperty float nx\nproperty float ny\nend_header\n1 2 3 0 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        shape s;
        char err[256] = "";
        int status = parse_text(bad[i], SHAPE_FORMAT_PLY, &s, err, sizeof err);
        CHECK(status == -1);
        if (status != -1)
            printf("  accepted malformed PLY %zu\n", i);
        CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
    }
}

static const char OBJ_TEXT[] =
    "# a square and a triangle\nmtllib x.mtl\no thing\n"
    "v 0 0 0\nv 1 0 0\nv 1 1 0 1.0\nv 0 1 0 0.5 0.5 0.5\nvn 0 0 1\nvt 0 0\n"
    "f 1/1/1 2/1/1 3/1/1 4/1/1\ns off\nf -4//1 -2//1 -1//1\n";

static void test_obj_reader(void)
{
    shape s;
    char err[256];
    CHECK(parse_text(OBJ_TEXT, SHAPE_FORMAT_OBJ, &s, err, sizeof err) == 0);
    CHECK(s.mesh.vertex_count == 4 && s.mesh.triangle_count == 3);
    if (s.mesh.triangle_count == 3) {
        const uint32_t want[9] = {0, 1, 2, 0, 2, 3, 0, 2, 3};
        CHECK(memcmp(s.mesh.triangles, want, sizeof want) == 0);
    }
    shape_free(&s);
    const char *bad[] = {"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", "v 0 0 0\nv 1 0\n",
                         "v 0 0 0\nv 1 0 0\nv 0 1 0\n", "v 0 0 0\nv 1 0 0\nf 1 2\n",
                         "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 -4\n", "v 0 0 0\nf 1 x 1\n",
                         "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", "v 0 0 0 abc\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        CHECK(parse_text(bad[i], SHAPE_FORMAT_OBJ, &s, err, sizeof err) == -1);
        CHECK(err[0] != '\0');
    }
}

/* Every prefix of every valid text input parses or fails with a message. */
static void test_truncations_never_crash(void)
{
    const char *texts[] = {PLY_POINTS, PLY_QUAD, OBJ_TEXT, "1 2 3 0 0 1\n4 5 6 1 0 0\n"};
    const shape_format formats[] = {SHAPE_FORMAT_PLY, SHAPE_FORMAT_PLY, SHAPE_FORMAT_OBJ,
                                    SHAPE_FORMAT_XYZ};
    for (int t = 0; t < 4; t++) {
        size_t n = strlen(texts[t]);
        for (size_t len = 0; len <= n; len++) {
            /* A heap copy of exactly len bytes: ASan sees any overread. */
            unsigned char *copy = malloc(len ? len : 1);
            memcpy(copy, texts[t], len);
            shape s;
            char err[256] = "";
            int status = shape_parse(copy, len, formats[t], &s, err, sizeof err);
            CHECK(status == 0 || err[0] != '\0');
            shape_free(&s);
            free(copy);
        }
    }
}

/* A number with a NUL byte in it is refused in every text format (issue
   19: "0<NUL>junk" read as 0, as strtod stops at the NUL), with a message
   that shows the NUL; the same text with a space instead parses (the NUL
   is the only fault). */
static void test_nul_bytes_in_numbers(void)
{
    static const char ply_head[] = "ply\nformat ascii 1.0\nelement vertex 3\n"
                                   "property float x\nproperty float y\nproperty float z\n"
                                   "element face 1\nproperty list uchar int vertex_indices\n"
                                   "end_header\n";
    struct {
        shape_format format;
        const char *before, *after, *message;
        bool space_parses;
    } cases[] = {
        {SHAPE_FORMAT_XYZ, "1 0", "junk 0 0 0 1\n", "line 1: '0\\0junk' is not a number", false},
        {SHAPE_FORMAT_XYZ, "1 0", " 0 0 0 1\n", "line 1: '0\\0' is not a number", true},
        {SHAPE_FORMAT_OBJ, "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0", " 0 0\nf 1 2 3\n",
         "line 4: a vertex needs 3 numbers", true},
        {SHAPE_FORMAT_OBJ, "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3", "\n",
         "line 4: '3\\0' is not a vertex reference", true},
        {SHAPE_FORMAT_PLY, "0 0 0\n1 0", " 0\n0 1 0\n3 0 1 2\n",
         "line 11: '0\\0' is not a valid number", true},
        {SHAPE_FORMAT_PLY, "0 0 0\n1 0 0\n0 1 0\n3 0 1 2", "\n",
         "line 13: '2\\0' is not a valid integer", true}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        size_t head = cases[i].format == SHAPE_FORMAT_PLY ? strlen(ply_head) : 0;
        size_t a = strlen(cases[i].before), b = strlen(cases[i].after);
        memcpy(text, ply_head, head);
        memcpy(text + head, cases[i].before, a);
        memcpy(text + head + a + 1, cases[i].after, b);
        size_t len = head + a + 1 + b;
        shape s;
        char err[256] = "";
        text[head + a] = '\0';
        CHECK(shape_parse((const unsigned char *)text, len, cases[i].format, &s, err,
                          sizeof err) == -1);
        if (strcmp(err, cases[i].message) != 0)
            printf("  case %zu: '%s'\n", i, err);
        CHECK(strcmp(err, cases[i].message) == 0);
        text[head + a] = ' ';
        if (cases[i].space_parses) {
            CHECK(shape_parse((const unsigned char *)text, len, cases[i].format, &s, err,
                              sizeof err) == 0);
            shape_free(&s);
        }
    }
}

static void test_format_from_path(void)
{
    CHECK(shape_format_from_path("a/b.XYZ") == SHAPE_FORMAT_XYZ);
    CHECK(shape_format_from_path("bunny.ply") == SHAPE_FORMAT_PLY);
    CHECK(shape_format_from_path("x.Obj") == SHAPE_FORMAT_OBJ);
    CHECK(shape_format_from_path("x.objx") == SHAPE_FORMAT_UNKNOWN);
    CHECK(shape_format_from_path("dir.ply/file") == SHAPE_FORMAT_UNKNOWN);
    CHECK(shape_format_from_path("noext") == SHAPE_FORMAT_UNKNOWN);
    shape s;
    char err[128];
    CHECK(parse_text("1 2 3 0 0 1\n", SHAPE_FORMAT_UNKNOWN, &s, err, sizeof err) == -1);
    CHECK(strstr(err, "unknown format") != NULL);
}

int main(void)
{
    RUN(test_xyz_reader);
    RUN(test_ply_ascii_reader);
    RUN(test_ply_binary_reader);
    RUN(test_ply_malformed);
    RUN(test_obj_reader);
    RUN(test_truncations_never_crash);
    RUN(test_nul_bytes_in_numbers);
    RUN(test_format_from_path);
    return check_summary();
}
