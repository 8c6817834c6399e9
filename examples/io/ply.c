/* ply.c - the PLY reader (ASCII and binary little-endian; pointcloud.h
   says what it accepts) and the binary PLY writer of meshes. */
#define _POSIX_C_SOURCE 200809L
#include "files.h"
#include "shape_text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum ply_type {
    PLY_NONE, PLY_I8, PLY_U8, PLY_I16, PLY_U16, PLY_I32, PLY_U32, PLY_F32, PLY_F64
} ply_type;

enum { PLY_MAX_ELEMENTS = 16, PLY_MAX_PROPERTIES = 64, PLY_MAX_FACE_SIZE = 1 << 16 };

typedef struct ply_property {
    char name[32];
    ply_type type;        /* of the value, or of the list items */
    ply_type count_type;  /* PLY_NONE: not a list */
} ply_property;

typedef struct ply_element {
    char name[32];
    size_t count;
    ply_property props[PLY_MAX_PROPERTIES];
    size_t prop_count;
} ply_element;

typedef struct ply_header {
    bool binary;
    ply_element elements[PLY_MAX_ELEMENTS];
    size_t element_count;
} ply_header;

static ply_type ply_type_named(const char *name)
{
    static const struct { const char *name; ply_type type; } types[] = {
        {"char", PLY_I8},    {"int8", PLY_I8},     {"uchar", PLY_U8},   {"uint8", PLY_U8},
        {"short", PLY_I16},  {"int16", PLY_I16},   {"ushort", PLY_U16}, {"uint16", PLY_U16},
        {"int", PLY_I32},    {"int32", PLY_I32},   {"uint", PLY_U32},   {"uint32", PLY_U32},
        {"float", PLY_F32},  {"float32", PLY_F32}, {"double", PLY_F64}, {"float64", PLY_F64},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(name, types[i].name) == 0)
            return types[i].type;
    return PLY_NONE;
}

static size_t ply_type_size(ply_type t)
{
    static const size_t sizes[] = {0, 1, 1, 2, 2, 4, 4, 4, 8};
    return sizes[t];
}

static bool ply_type_is_integer(ply_type t)
{
    return t != PLY_F32 && t != PLY_F64;
}

/* The header line by line: tokens into words (at most 6 per line). */
static int header_words(text_cursor *c, char words[6][64], int *count, char *err, size_t errlen)
{
    *count = 0;
    int t;
    while ((t = text_line_token(c, words[*count < 6 ? *count : 5], 64)) != 0) {
        if (t < 0)
            return error_message(err, errlen, "header line %zu: a word is too long", c->line);
        if (*count < 6)
            (*count)++;
    }
    if (c->p >= c->end)
        return error_message(err, errlen, "the header has no end_header line");
    text_skip_line(c);
    return 0;
}

static int ply_add_property(ply_header *h, char words[6][64], int n, size_t line, char *err,
                            size_t errlen)
{
    if (h->element_count == 0)
        return error_message(err, errlen, "header line %zu: a property before any element", line);
    ply_element *e = &h->elements[h->element_count - 1];
    if (e->prop_count == PLY_MAX_PROPERTIES)
        return error_message(err, errlen, "header line %zu: too many properties", line);
    ply_property *p = &e->props[e->prop_count];
    bool list = n >= 2 && strcmp(words[1], "list") == 0;
    if ((list && n != 5) || (!list && n != 3))
        return error_message(err, errlen, "header line %zu: malformed property", line);
    p->count_type = list ? ply_type_named(words[2]) : PLY_NONE;
    p->type = ply_type_named(words[list ? 3 : 1]);
    if (p->type == PLY_NONE || (list && (p->count_type == PLY_NONE ||
                                          !ply_type_is_integer(p->count_type))))
        return error_message(err, errlen, "header line %zu: unknown property type", line);
    snprintf(p->name, sizeof p->name, "%.31s", words[list ? 4 : 2]);
    e->prop_count++;
    return 0;
}

static int ply_parse_header(text_cursor *c, ply_header *h, char *err, size_t errlen)
{
    char words[6][64];
    int n;
    bool have_format = false;
    if (header_words(c, words, &n, err, errlen) || n != 1 || strcmp(words[0], "ply") != 0)
        return error_message(err, errlen, "not a PLY file (no 'ply' first line)");
    for (;;) {
        size_t line = c->line;
        if (header_words(c, words, &n, err, errlen))
            return -1;
        if (n == 0)
            continue;
        if (strcmp(words[0], "end_header") == 0)
            break;
        if (strcmp(words[0], "comment") == 0 || strcmp(words[0], "obj_info") == 0)
            continue;
        if (strcmp(words[0], "format") == 0) {
            if (n != 3 || strcmp(words[2], "1.0") != 0)
                return error_message(err, errlen, "header line %zu: malformed format line", line);
            if (strcmp(words[1], "binary_big_endian") == 0)
                return error_message(err, errlen, "big-endian PLY is not supported (convert it to "
                                         "binary_little_endian or ascii)");
            if (strcmp(words[1], "ascii") != 0 && strcmp(words[1], "binary_little_endian") != 0)
                return error_message(err, errlen, "header line %zu: unknown format '%s'", line, words[1]);
            h->binary = strcmp(words[1], "binary_little_endian") == 0;
            have_format = true;
        } else if (strcmp(words[0], "element") == 0) {
            long long count;
            if (n != 3 || !text_parse_integer(words[2], &count) || count < 0)
                return error_message(err, errlen, "header line %zu: malformed element", line);
            if (h->element_count == PLY_MAX_ELEMENTS)
                return error_message(err, errlen, "header line %zu: too many elements", line);
            if ((unsigned long long)count > SHAPE_MAX_ELEMENTS)
                return error_message(err, errlen, "element '%.31s' has %lld entries, more than %zu",
                            words[1], count, SHAPE_MAX_ELEMENTS);
            ply_element *e = &h->elements[h->element_count++];
            memset(e, 0, sizeof *e);
            snprintf(e->name, sizeof e->name, "%.31s", words[1]);
            e->count = (size_t)count;
        } else if (strcmp(words[0], "property") == 0) {
            if (ply_add_property(h, words, n, line, err, errlen))
                return -1;
        } else {
            return error_message(err, errlen, "header line %zu: unknown keyword '%.20s'", line,
                        words[0]);
        }
    }
    if (!have_format)
        return error_message(err, errlen, "the header has no format line");
    return 0;
}

/* Reads one scalar of type t from the body (binary: little-endian bytes). */
static int ply_read_value(text_cursor *c, bool binary, ply_type t, double *out, char *err,
                          size_t errlen)
{
    if (!binary) {
        char tok[64];
        int r = text_any_token(c, tok, sizeof tok);
        if (r == 0)
            return error_message(err, errlen, "the data ends early (line %zu)", c->line);
        long long iv;
        if (r < 0 || (ply_type_is_integer(t) ? !text_parse_integer(tok, &iv) : !text_parse_double(tok, out)))
            return error_message(err, errlen, "line %zu: '%.20s' is not a valid %s", c->line, tok,
                        ply_type_is_integer(t) ? "integer" : "number");
        if (ply_type_is_integer(t))
            *out = (double)iv;
        return 0;
    }
    size_t size = ply_type_size(t);
    if ((size_t)(c->end - c->p) < size)
        return error_message(err, errlen, "the binary data ends early");
    uint64_t bits = 0;
    for (size_t i = 0; i < size; i++)
        bits |= (uint64_t)c->p[i] << (8 * i);
    c->p += size;
    switch (t) {
    case PLY_I8: *out = (double)(int8_t)(uint8_t)bits; break;
    case PLY_U8: *out = (double)(uint8_t)bits; break;
    case PLY_I16: *out = (double)(int16_t)(uint16_t)bits; break;
    case PLY_U16: *out = (double)(uint16_t)bits; break;
    case PLY_I32: *out = (double)(int32_t)(uint32_t)bits; break;
    case PLY_U32: *out = (double)(uint32_t)bits; break;
    case PLY_F32: {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *out = f;
        break;
    }
    default: {
        double d;
        memcpy(&d, &bits, sizeof d);
        *out = d;
        break;
    }
    }
    if (!isfinite(*out))
        return error_message(err, errlen, "a value is not finite");
    return 0;
}

/* Where each wanted vertex property sits: -1 when absent. */
typedef struct vertex_layout {
    int xyz[3], normal[3];
} vertex_layout;

static int find_property(const ply_element *e, const char *name)
{
    for (size_t i = 0; i < e->prop_count; i++)
        if (strcmp(e->props[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int vertex_layout_of(const ply_element *e, vertex_layout *v, char *err, size_t errlen)
{
    static const char *names[6] = {"x", "y", "z", "nx", "ny", "nz"};
    for (int k = 0; k < 3; k++) {
        v->xyz[k] = find_property(e, names[k]);
        v->normal[k] = find_property(e, names[3 + k]);
        if (v->xyz[k] < 0)
            return error_message(err, errlen, "the vertex element has no '%s' property", names[k]);
    }
    int normals = (v->normal[0] >= 0) + (v->normal[1] >= 0) + (v->normal[2] >= 0);
    if (normals != 0 && normals != 3)
        return error_message(err, errlen, "the vertex element has only some of nx, ny, nz");
    for (size_t i = 0; i < e->prop_count; i++)
        if (e->props[i].count_type != PLY_NONE &&
            ((int)i == v->xyz[0] || (int)i == v->xyz[1] || (int)i == v->xyz[2] ||
             (int)i == v->normal[0] || (int)i == v->normal[1] || (int)i == v->normal[2]))
            return error_message(err, errlen, "vertex property '%s' is a list", e->props[i].name);
    return 0;
}

/* The smallest number of bytes (binary) or characters (ASCII) one entry
   of e takes: a count the rest of the file cannot hold is refused before
   anything is allocated for it. */
static size_t min_entry_bytes(const ply_element *e, bool binary)
{
    size_t bytes = 0;
    for (size_t i = 0; i < e->prop_count; i++) {
        const ply_property *p = &e->props[i];
        if (binary)
            bytes += ply_type_size(p->count_type != PLY_NONE ? p->count_type : p->type);
        else
            bytes += 2;  /* a digit and a separator */
    }
    return bytes;
}

typedef struct ply_body {
    growable xyz, normals, triangles;  /* floats, floats, uint32 */
    bool has_normals;
    size_t vertices;                   /* of the vertex element */
} ply_body;

static int store_vertex(ply_body *b, const vertex_layout *lay, const double *values,
                        size_t index, char *err, size_t errlen)
{
    float *xyz = (float *)b->xyz.data + 3 * index;
    for (int k = 0; k < 3; k++) {
        double v = values[lay->xyz[k]];
        if (!shape_finite_float(v))
            return error_message(err, errlen, "vertex %zu: a coordinate out of float range", index);
        xyz[k] = (float)v;
    }
    if (b->has_normals) {
        float *n = (float *)b->normals.data + 3 * index;
        for (int k = 0; k < 3; k++)
            n[k] = (float)values[lay->normal[k]];
        if (!shape_normalise3(n))
            return error_message(err, errlen, "vertex %zu: the normal is zero", index);
    }
    return 0;
}

/* One face's list: fan triangles (v0, vi, vi+1) appended. */
static int store_face(ply_body *b, const uint32_t *idx, size_t n, size_t face, char *err,
                      size_t errlen)
{
    if (n < 3)
        return error_message(err, errlen, "face %zu has %zu vertices", face, n);
    growable *t = &b->triangles;
    if (shape_grow_to(t, t->count + 3 * (n - 2)))
        return error_message(err, errlen, "out of memory for the faces");
    uint32_t *tri = (uint32_t *)t->data;
    for (size_t i = 1; i + 1 < n; i++) {
        tri[t->count++] = idx[0];
        tri[t->count++] = idx[i];
        tri[t->count++] = idx[i + 1];
    }
    if (t->count / 3 > SHAPE_MAX_ELEMENTS)
        return error_message(err, errlen, "more than %zu triangles", SHAPE_MAX_ELEMENTS);
    return 0;
}

static int ply_read_element(text_cursor *c, const ply_header *h, const ply_element *e,
                            ply_body *b, char *err, size_t errlen)
{
    bool is_vertex = strcmp(e->name, "vertex") == 0, is_face = strcmp(e->name, "face") == 0;
    vertex_layout lay;
    int face_list = -1;
    if (is_vertex) {
        if (vertex_layout_of(e, &lay, err, errlen))
            return -1;
        b->has_normals = lay.normal[0] >= 0;
        b->vertices = e->count;
        b->xyz.count = b->normals.count = e->count;
        if (shape_grow_to(&b->xyz, 3 * e->count + 1) || shape_grow_to(&b->normals, 3 * e->count + 1))
            return error_message(err, errlen, "out of memory for %zu vertices", e->count);
    }
    if (is_face) {
        face_list = find_property(e, "vertex_indices");
        if (face_list < 0)
            face_list = find_property(e, "vertex_index");
        if (face_list < 0 || e->props[face_list].count_type == PLY_NONE)
            return error_message(err, errlen, "the face element has no vertex_indices list");
    }
    uint32_t *idx = malloc(PLY_MAX_FACE_SIZE * sizeof *idx);
    if (!idx)
        return error_message(err, errlen, "out of memory");
    double values[PLY_MAX_PROPERTIES];
    int status = 0;
    for (size_t i = 0; i < e->count && status == 0; i++) {
        size_t face_n = 0;
        for (size_t j = 0; j < e->prop_count && status == 0; j++) {
            const ply_property *p = &e->props[j];
            if (p->count_type == PLY_NONE) {
                status = ply_read_value(c, h->binary, p->type, &values[j], err, errlen);
                continue;
            }
            double count;
            status = ply_read_value(c, h->binary, p->count_type, &count, err, errlen);
            if (status == 0 && (count < 0 || count >= PLY_MAX_FACE_SIZE))
                status = error_message(err, errlen, "%s %zu: a list of %.0f items", e->name, i, count);
            for (size_t k = 0; status == 0 && k < (size_t)count; k++) {
                double v;
                status = ply_read_value(c, h->binary, p->type, &v, err, errlen);
                if (status == 0 && (int)j == face_list) {
                    if (v < 0 || v != floor(v) || v >= 4294967295.0)
                        status = error_message(err, errlen, "face %zu: invalid vertex index", i);
                    else
                        idx[face_n++] = (uint32_t)v;
                }
            }
        }
        if (status == 0 && is_vertex)
            status = store_vertex(b, &lay, values, i, err, errlen);
        if (status == 0 && is_face)
            status = store_face(b, idx, face_n, i, err, errlen);
    }
    free(idx);
    return status;
}

static int ply_check_indices(const ply_body *b, char *err, size_t errlen)
{
    const uint32_t *tri = (const uint32_t *)b->triangles.data;
    for (size_t i = 0; i < b->triangles.count; i++)
        if (tri[i] >= b->vertices)
            return error_message(err, errlen, "face index %u out of range (%zu vertices)", tri[i],
                        b->vertices);
    return 0;
}

static int ply_finish(ply_body *b, shape *out, char *err, size_t errlen)
{
    if (b->vertices == 0)
        return error_message(err, errlen, "no vertices");
    if (ply_check_indices(b, err, errlen))
        return -1;
    if (b->triangles.count > 0) {
        out->mesh.vertex_count = b->vertices;
        out->mesh.vertices = b->xyz.data;
        out->mesh.triangle_count = b->triangles.count / 3;
        out->mesh.triangles = b->triangles.data;
        b->xyz.data = b->triangles.data = NULL;
        return 0;
    }
    if (!b->has_normals)
        return error_message(err, errlen, "neither faces nor normals: fit_sdf needs oriented points "
                                 "(nx ny nz) or a mesh");
    out->points.count = b->vertices;
    out->points.xyz = b->xyz.data;
    out->points.normals = b->normals.data;
    b->xyz.data = b->normals.data = NULL;
    return 0;
}

int shape_parse_ply(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    text_cursor c = {buf, buf + len, 1};
    ply_header h;
    memset(&h, 0, sizeof h);
    if (ply_parse_header(&c, &h, err, errlen))
        return -1;
    ply_body b = {{NULL, 0, 0, sizeof(float)}, {NULL, 0, 0, sizeof(float)},
                  {NULL, 0, 0, sizeof(uint32_t)}, false, 0};
    int status = 0;
    bool seen_vertex = false;
    for (size_t i = 0; i < h.element_count && status == 0; i++) {
        const ply_element *e = &h.elements[i];
        size_t min = min_entry_bytes(e, h.binary);
        size_t left = (size_t)(c.end - c.p);
        if (e->count > 0 && min > 0 && e->count > left / min + 1)
            status = error_message(err, errlen, "element '%s' claims %zu entries, more than the file "
                          "holds", e->name, e->count);
        else if (strcmp(e->name, "vertex") == 0 && seen_vertex)
            status = error_message(err, errlen, "two vertex elements");
        else {
            seen_vertex |= strcmp(e->name, "vertex") == 0;
            status = ply_read_element(&c, &h, e, &b, err, errlen);
        }
    }
    if (status == 0)
        status = ply_finish(&b, out, err, errlen);
    free(b.xyz.data);
    free(b.normals.data);
    free(b.triangles.data);
    return status;
}

/* ------------------------------------------------------------ writing */

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int write_body(FILE *f, const tri_mesh *m)
{
    unsigned char buf[13];
    for (size_t i = 0; i < 3 * m->vertex_count; i++) {
        uint32_t bits;
        memcpy(&bits, &m->vertices[i], sizeof bits);
        put_u32(buf, bits);
        if (fwrite(buf, 1, 4, f) != 4)
            return -1;
    }
    for (size_t t = 0; t < m->triangle_count; t++) {
        buf[0] = 3;
        for (int c = 0; c < 3; c++)
            put_u32(buf + 1 + 4 * c, m->triangles[3 * t + (size_t)c]);
        if (fwrite(buf, 1, 13, f) != 13)
            return -1;
    }
    return 0;
}

/* files_write_atomic's writer: the header and the binary body. */
static int write_ply(FILE *f, const void *ctx)
{
    const tri_mesh *m = ctx;
    if (fprintf(f, "ply\nformat binary_little_endian 1.0\ncomment libsiren fit_sdf\n"
                   "element vertex %zu\nproperty float x\nproperty float y\n"
                   "property float z\nelement face %zu\n"
                   "property list uchar int vertex_indices\nend_header\n",
                m->vertex_count, m->triangle_count) < 0)
        return -1;
    return write_body(f, m);
}

int mesh_write_ply(const char *path, const tri_mesh *m, char *err, size_t errlen)
{
    return files_write_atomic(path, write_ply, m, err, errlen);
}
