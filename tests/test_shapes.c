/* test_shapes.c - the fit_sdf example's geometry (examples/common): the
   .xyz, PLY (ASCII, binary little-endian) and OBJ readers (valid files,
   every malformed case refused with a message, every truncation handled),
   area sampling, the reference normalisation, marching cubes (watertight,
   oriented, accurate on a sphere and a torus, consistent on noise, the
   narrow band giving the very mesh of the full grid), the PLY writer, and
   the nearest-neighbour search and Chamfer distance.
   The sources are compiled into this test directly. */
#define _POSIX_C_SOURCE 200809L
#include "../examples/common/pointcloud.c"
#include "../examples/common/ply.c"
#include "../examples/common/shape_text.c"
#include "../examples/common/shape_geometry.c"
#include "../examples/common/mesh.c"
#include "../examples/common/nearest.c"
#include "../examples/common/files.c"
#include "../examples/common/error_message.c"

#include "check.h"

#include <unistd.h>

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
        CHECK(!shape_orient_outward(&s.mesh));  /* already facing out */
        CHECK_NEAR(mesh_signed_volume(&s.mesh), 1.0 / 6, 1e-7);
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

/* ------------------------------------------------------------ geometry */

/* An axis-aligned box [0,a]x[0,b]x[0,c] as 12 triangles, facing inward
   when `inward`. */
static void make_box(tri_mesh *m, double a, double b, double c, bool inward)
{
    static const int faces[6][4] = {{0, 2, 3, 1}, {4, 5, 7, 6}, {0, 1, 5, 4},
                                    {2, 6, 7, 3}, {0, 4, 6, 2}, {1, 3, 7, 5}};
    m->vertex_count = 8;
    m->triangle_count = 12;
    m->vertices = malloc(24 * sizeof(float));
    m->triangles = malloc(36 * sizeof(uint32_t));
    for (int v = 0; v < 8; v++) {
        m->vertices[3 * v] = (float)(v & 1 ? a : 0);
        m->vertices[3 * v + 1] = (float)(v & 2 ? b : 0);
        m->vertices[3 * v + 2] = (float)(v & 4 ? c : 0);
    }
    for (int f = 0; f < 6; f++) {
        const int *q = faces[f];
        uint32_t t[6] = {(uint32_t)q[0], (uint32_t)q[1], (uint32_t)q[2],
                         (uint32_t)q[0], (uint32_t)q[2], (uint32_t)q[3]};
        if (inward) {
            t[1] = (uint32_t)q[2], t[2] = (uint32_t)q[1];
            t[4] = (uint32_t)q[3], t[5] = (uint32_t)q[2];
        }
        memcpy(m->triangles + 6 * f, t, sizeof t);
    }
}

static void test_orientation_and_area_sampling(void)
{
    tri_mesh m;
    make_box(&m, 2, 1, 0.5, true);
    CHECK(mesh_signed_volume(&m) < 0);
    CHECK(shape_orient_outward(&m));
    CHECK_NEAR(mesh_signed_volume(&m), 1.0, 1e-6);
    CHECK_NEAR(mesh_area(&m), 2 * (2 + 1 + 0.5), 1e-6);
    oriented_points p;
    char err[128];
    size_t n = 70000;
    CHECK(shape_sample_mesh(&m, n, 7, &p, err, sizeof err) == 0);
    /* Every sample lies on the box, with the outward normal of its face;
       the share of each face follows its area (the top: 2 of 7). */
    size_t on_top = 0, wrong = 0;
    for (size_t i = 0; i < n; i++) {
        const float *x = p.xyz + 3 * i, *nn = p.normals + 3 * i;
        bool top = fabsf(x[2] - 0.5f) < 1e-6f && nn[2] > 0.999f;
        bool bottom = fabsf(x[2]) < 1e-6f && nn[2] < -0.999f;
        bool side = (fabsf(x[0]) < 1e-6f && nn[0] < -0.999f) ||
                    (fabsf(x[0] - 2) < 1e-6f && nn[0] > 0.999f) ||
                    (fabsf(x[1]) < 1e-6f && nn[1] < -0.999f) ||
                    (fabsf(x[1] - 1) < 1e-6f && nn[1] > 0.999f);
        on_top += top;
        wrong += !(top || bottom || side) || x[0] < -1e-6f || x[0] > 2.000001f;
    }
    CHECK(wrong == 0);
    CHECK_NEAR((double)on_top / (double)n, 2.0 / 7.0, 0.006);
    oriented_points q;
    CHECK(shape_sample_mesh(&m, 10, 7, &q, err, sizeof err) == 0);
    CHECK(memcmp(q.xyz, p.xyz, 30 * sizeof(float)) == 0);  /* the seed decides */
    oriented_points_free(&q);
    oriented_points_free(&p);
    /* A mesh without area is refused. */
    for (int i = 0; i < 24; i++)
        m.vertices[i] = 1;
    CHECK(shape_sample_mesh(&m, 10, 7, &p, err, sizeof err) == -1);
    mesh_free(&m);
}

static void test_reference_transform(void)
{
    /* Points: mean (1, 2, 3); after centring the extremes over all axes
       are -6 and +6 (both z): offset = mean + 0, scale = 2 / 12. */
    float xyz[] = {-3, 2, 3, 5, 2, 3, 1, 0, -3, 1, 4, 9};
    float nrm[] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0};
    shape s = {{4, xyz, nrm}, {0, 0, NULL, NULL}};
    shape_transform t;
    char err[128];
    CHECK(shape_reference_transform(&s, &t, err, sizeof err) == 0);
    CHECK_NEAR(t.offset[0], 1, 1e-12);
    CHECK_NEAR(t.offset[1], 2, 1e-12);
    CHECK_NEAR(t.offset[2], 3, 1e-12);
    CHECK_NEAR(t.scale, 2.0 / 12, 1e-12);
    float copy[12];
    memcpy(copy, xyz, sizeof copy);
    shape_transform_apply(&t, copy, 4);
    CHECK_NEAR(copy[8], -1, 1e-6);   /* the smallest coordinate */
    CHECK_NEAR(copy[11], 1, 1e-6);   /* the largest */
    shape_transform_invert(&t, copy, 4);
    for (int i = 0; i < 12; i++)
        CHECK_NEAR(copy[i], xyz[i], 1e-5);
    float flat[] = {1, 1, 1, 1, 1, 1};
    shape one = {{2, flat, nrm}, {0, 0, NULL, NULL}};
    CHECK(shape_reference_transform(&one, &t, err, sizeof err) == -1);
}

/* ------------------------------------------------------- marching cubes */

typedef struct analytic_field {
    int kind;          /* 0 sphere, 1 torus, 2 noise */
    size_t calls, resolution;
} analytic_field;

static uint64_t hash3(long i, long j, long k)
{
    uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15u ^ (uint64_t)j * 0xc2b2ae3d27d4eb4fu ^
                 (uint64_t)k * 0x165667b19e3779f9u;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 32);
}

static int field_at(void *user, size_t n, const float *xyz, float *values)
{
    analytic_field *f = user;
    f->calls++;
    for (size_t i = 0; i < n; i++) {
        double x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
        if (f->kind == 0) {
            values[i] = (float)(sqrt(x * x + y * y + z * z) - 0.6);
        } else if (f->kind == 1) {
            double q = sqrt(x * x + y * y) - 0.55;
            values[i] = (float)(sqrt(q * q + z * z) - 0.25);
        } else {
            /* Noise on the grid's nodes, positive on its border: many
               ambiguous faces, yet a closed surface. */
            double g = (double)(f->resolution - 1) / 2;
            long a = lround((x + 1) * g), b = lround((y + 1) * g), c = lround((z + 1) * g);
            long last = (long)f->resolution - 1;
            bool border = a == 0 || b == 0 || c == 0 || a == last || b == last || c == last;
            values[i] = border ? 1.0f : (float)((double)(hash3(a, b, c) >> 11) / 9007199254740992.0 - 0.5);
        }
    }
    return 0;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Closed and consistently oriented: every directed edge (a, b) appears
   exactly once and its reverse (b, a) exactly once. Returns the number
   of undirected edges, or 0 when not so. */
static size_t closed_edge_count(const tri_mesh *m)
{
    size_t n = 3 * m->triangle_count;
    uint64_t *edges = malloc(n * sizeof *edges);
    for (size_t t = 0; t < m->triangle_count; t++)
        for (int c = 0; c < 3; c++) {
            uint64_t a = m->triangles[3 * t + (size_t)c], b = m->triangles[3 * t + (size_t)(c + 1) % 3];
            edges[3 * t + (size_t)c] = a << 32 | b;
        }
    size_t ok = n % 2 == 0 ? n / 2 : 0;
    for (size_t i = 0; i < n && ok; i++)
        if ((edges[i] >> 32) == (edges[i] & 0xffffffffu))
            ok = 0;
    if (ok) {
        qsort(edges, n, sizeof *edges, compare_u64);
        for (size_t i = 0; i + 1 < n && ok; i++)
            if (edges[i] == edges[i + 1])
                ok = 0;  /* a directed edge twice: not a consistent manifold */
        for (size_t i = 0; i < n && ok; i++) {
            uint64_t rev = (edges[i] & 0xffffffffu) << 32 | edges[i] >> 32;
            if (!bsearch(&rev, edges, n, sizeof *edges, compare_u64))
                ok = 0;  /* a border edge */
        }
    }
    free(edges);
    return ok;
}

static void test_marching_cubes_sphere(void)
{
    const double pi = 3.14159265358979323846, r = 0.6;
    mc_options opt = mc_default_options();
    opt.resolution = 65;
    opt.band = 0;
    opt.batch = 1000;
    analytic_field f = {0, 0, 65};
    tri_mesh full, banded;
    mc_stats st, sb;
    char err[128];
    CHECK(mc_extract(&opt, field_at, &f, &full, &st, err, sizeof err) == 0);
    CHECK(st.evaluated == 65 * 65 * 65 && st.grid_points == 65 * 65 * 65);
    size_t edges = closed_edge_count(&full);
    CHECK(edges > 0);
    /* A sphere: Euler characteristic 2; volume and area within the
       discretisation error (chords cut inside). */
    CHECK((long)full.vertex_count - (long)edges + (long)full.triangle_count == 2);
    CHECK_NEAR(mesh_signed_volume(&full) / (4.0 / 3 * pi * r * r * r), 1.0, 0.02);
    CHECK_NEAR(mesh_area(&full) / (4 * pi * r * r), 1.0, 0.02);
    for (size_t v = 0; v < full.vertex_count; v++) {
        const float *p = full.vertices + 3 * v;
        CHECK_NEAR(sqrt((double)p[0] * p[0] + (double)p[1] * p[1] + (double)p[2] * p[2]), r, 0.002);
    }
    /* The narrow band evaluates far fewer points and, the field being an
       exact SDF, finds the very same mesh. */
    opt.band = 1.0;
    CHECK(mc_extract(&opt, field_at, &f, &banded, &sb, err, sizeof err) == 0);
    CHECK(sb.evaluated < st.evaluated / 2);
    CHECK(banded.vertex_count == full.vertex_count && banded.triangle_count == full.triangle_count);
    if (banded.vertex_count == full.vertex_count && banded.triangle_count == full.triangle_count) {
        CHECK(memcmp(banded.vertices, full.vertices, 3 * full.vertex_count * sizeof(float)) == 0);
        CHECK(memcmp(banded.triangles, full.triangles, 3 * full.triangle_count * 4) == 0);
    }
    mesh_free(&banded);
    mesh_free(&full);
}

static void test_marching_cubes_torus_and_noise(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 48;
    opt.batch = 777;
    analytic_field torus = {1, 0, 48};
    tri_mesh m;
    char err[128];
    CHECK(mc_extract(&opt, field_at, &torus, &m, NULL, err, sizeof err) == 0);
    size_t edges = closed_edge_count(&m);
    CHECK(edges > 0);
    CHECK((long)m.vertex_count - (long)edges + (long)m.triangle_count == 0);  /* genus 1 */
    CHECK(mesh_signed_volume(&m) > 0);
    mesh_free(&m);
    /* Noise: thousands of ambiguous faces, resolved alike by both cells. */
    opt.resolution = 24;
    opt.band = 0;
    analytic_field noise = {2, 0, 24};
    CHECK(mc_extract(&opt, field_at, &noise, &m, NULL, err, sizeof err) == 0);
    CHECK(m.triangle_count > 5000);
    CHECK(closed_edge_count(&m) > 0);
    mesh_free(&m);
    /* Bad options and a failing field are errors. */
    opt.resolution = 1;
    CHECK(mc_extract(&opt, field_at, &noise, &m, NULL, err, sizeof err) == -1);
}

static int failing_field(void *user, size_t n, const float *xyz, float *values)
{
    (void)user, (void)n, (void)xyz, (void)values;
    return -7;
}

static void test_marching_cubes_field_failure(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 16;
    tri_mesh m;
    char err[128];
    CHECK(mc_extract(&opt, failing_field, NULL, &m, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "-7") != NULL);
    CHECK(m.vertices == NULL && m.triangles == NULL);
}

static void test_ply_writer_round_trip(void)
{
    mc_options opt = mc_default_options();
    opt.resolution = 20;
    analytic_field f = {0, 0, 20};
    tri_mesh m;
    char err[256], path[] = "/tmp/test_shapes_XXXXXX";
    CHECK(mc_extract(&opt, field_at, &f, &m, NULL, err, sizeof err) == 0);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(mesh_write_ply(path, &m, err, sizeof err) == 0);
    shape back;
    CHECK(shape_read(path, &back, err, sizeof err) == 0);
    CHECK(back.mesh.vertex_count == m.vertex_count && back.mesh.triangle_count == m.triangle_count);
    if (back.mesh.vertex_count == m.vertex_count && back.mesh.triangle_count == m.triangle_count) {
        CHECK(memcmp(back.mesh.vertices, m.vertices, 3 * m.vertex_count * sizeof(float)) == 0);
        CHECK(memcmp(back.mesh.triangles, m.triangles, 3 * m.triangle_count * 4) == 0);
    }
    shape_free(&back);
    unlink(path);
    CHECK(mesh_write_ply("/nonexistent-dir/x.ply", &m, err, sizeof err) == -1);
    CHECK(shape_read("/nonexistent-dir/x.ply", &back, err, sizeof err) == -1);
    CHECK(shape_read("/tmp", &back, err, sizeof err) == -1);
    mesh_free(&m);
}

/* --------------------------------------------------------- nearest */

static void test_nearest_matches_brute_force(void)
{
    rng r = rng_seeded(3, 0);
    size_t n = 3000;
    float *pts = malloc(n * 3 * sizeof *pts);
    for (size_t i = 0; i < 3 * n; i++)
        pts[i] = (float)(i % 3 == 2 ? rng_range(&r, -0.1, 0.1) : rng_range(&r, -1, 1));
    nn_grid g;
    CHECK(nn_grid_build(&g, pts, n) == 0);
    for (int q = 0; q < 500; q++) {
        float x[3];
        for (int k = 0; k < 3; k++)
            x[k] = (float)rng_range(&r, -1.6, 1.6);  /* some outside the points' box */
        double d2, best = INFINITY;
        nn_grid_nearest(&g, x, &d2);
        for (size_t i = 0; i < n; i++) {
            double dx = (double)pts[3 * i] - x[0], dy = (double)pts[3 * i + 1] - x[1],
                   dz = (double)pts[3 * i + 2] - x[2];
            double e = dx * dx + dy * dy + dz * dz;
            best = e < best ? e : best;
        }
        CHECK_NEAR(d2, best, 0);
    }
    nn_grid_free(&g);
    free(pts);
}

static void test_chamfer_distance(void)
{
    /* A 21 x 21 grid of points on z = 0 (spacing 0.1) and the same grid
       lifted by 0.01: every nearest neighbour is the point straight
       above or below. */
    size_t n = 441;
    float *a = malloc(n * 3 * sizeof *a), *b = malloc(n * 3 * sizeof *b);
    float *na = malloc(n * 3 * sizeof *na), *nb = malloc(n * 3 * sizeof *nb);
    for (size_t i = 0; i < n; i++) {
        a[3 * i] = b[3 * i] = (float)(i % 21) * 0.1f;
        a[3 * i + 1] = b[3 * i + 1] = (float)(i / 21) * 0.1f;
        a[3 * i + 2] = 0;
        b[3 * i + 2] = 0.01f;
        na[3 * i] = na[3 * i + 1] = nb[3 * i] = 0;
        na[3 * i + 2] = 1;
        nb[3 * i + 1] = 0.6f;
        nb[3 * i + 2] = -0.8f;
    }
    oriented_points pa = {n, a, na}, pb = {n, b, nb};
    shape_distance d;
    CHECK(shape_compare(&pa, &pb, &d) == 0);
    CHECK_NEAR(d.chamfer, 0.01, 1e-7);
    CHECK_NEAR(d.normal_consistency, 0.8, 1e-6);
    CHECK(shape_compare(&pa, &pa, &d) == 0);
    CHECK_NEAR(d.chamfer, 0, 0);
    CHECK_NEAR(d.normal_consistency, 1, 1e-7);
    CHECK_NEAR(points_bbox_diagonal(&pb), 2 * sqrt(2.0), 1e-6);
    free(a), free(b), free(na), free(nb);
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
    RUN(test_orientation_and_area_sampling);
    RUN(test_reference_transform);
    RUN(test_marching_cubes_sphere);
    RUN(test_marching_cubes_torus_and_noise);
    RUN(test_marching_cubes_field_failure);
    RUN(test_ply_writer_round_trip);
    RUN(test_nearest_matches_brute_force);
    RUN(test_chamfer_distance);
    return check_summary();
}
