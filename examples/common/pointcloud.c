/* pointcloud.c - .xyz, PLY and OBJ readers (see pointcloud.h). */
#define _POSIX_C_SOURCE 200809L
#include "pointcloud.h"


#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void oriented_points_free(oriented_points *p)
{
    free(p->xyz);
    free(p->normals);
    memset(p, 0, sizeof *p);
}

void shape_free(shape *s)
{
    oriented_points_free(&s->points);
    free(s->mesh.vertices);
    free(s->mesh.triangles);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ growing */

/* A growable array of floats or indices: capacity doubles, sizes checked. */
typedef struct growable {
    void *data;
    size_t count, capacity, item;  /* item: bytes per entry */
} growable;

static int grow_to(growable *g, size_t need)
{
    if (need <= g->capacity)
        return 0;
    size_t cap = g->capacity ? g->capacity : 1024;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / g->item)
            return -1;
        cap *= 2;
    }
    void *p = realloc(g->data, cap * g->item);
    if (!p)
        return -1;
    g->data = p;
    g->capacity = cap;
    return 0;
}

/* -------------------------------------------------------------- text */

typedef struct cursor {
    const unsigned char *p, *end;
    size_t line;  /* 1-based, for messages */
} cursor;

static bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && is_blank(*c->p))
        c->p++;
}

static bool at_line_end(const cursor *c)
{
    return c->p >= c->end || *c->p == '\n';
}

static void skip_line(cursor *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end) {
        c->p++;
        c->line++;
    }
}

/* The next token on this line (no newline crossed) into buf, NUL-terminated.
   0: empty (end of line); -1: longer than the buffer. */
static int line_token(cursor *c, char *buf, size_t len)
{
    skip_blanks(c);
    size_t n = 0;
    while (c->p < c->end && *c->p != '\n' && !is_blank(*c->p)) {
        if (n + 1 >= len)
            return -1;
        buf[n++] = (char)*c->p++;
    }
    buf[n] = '\0';
    return n > 0 ? 1 : 0;
}

/* The next token, crossing newlines (PLY ASCII bodies). */
static int any_token(cursor *c, char *buf, size_t len)
{
    while (c->p < c->end && (is_blank(*c->p) || *c->p == '\n')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    return line_token(c, buf, len);
}

static bool parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool parse_integer(const char *text, long long *out)
{
    char *end;
    if (!((text[0] >= '0' && text[0] <= '9') || text[0] == '-' || text[0] == '+'))
        return false;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno)
        return false;
    *out = v;
    return true;
}

/* Finite non-zero normal -> unit length. */
static bool normalise3(float *n)
{
    double len = sqrt((double)n[0] * n[0] + (double)n[1] * n[1] + (double)n[2] * n[2]);
    if (!(len > 1e-30) || !isfinite(len))
        return false;
    for (int k = 0; k < 3; k++)
        n[k] = (float)(n[k] / len);
    return true;
}

static bool finite_float(double v)
{
    return isfinite(v) && fabs(v) <= 3.0e38;
}

/* --------------------------------------------------------------- xyz */

static int parse_xyz(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    if (lines > SHAPE_MAX_ELEMENTS)
        return fail(err, errlen, "more than %zu lines", SHAPE_MAX_ELEMENTS);
    oriented_points *pts = &out->points;
    pts->xyz = malloc(lines * 3 * sizeof *pts->xyz);
    pts->normals = malloc(lines * 3 * sizeof *pts->normals);
    if (!pts->xyz || !pts->normals)
        return fail(err, errlen, "out of memory for %zu points", lines);
    cursor c = {buf, buf + len, 1};
    char tok[64];
    while (c.p < c.end) {
        skip_blanks(&c);
        if (at_line_end(&c) || *c.p == '#') {
            skip_line(&c);
            continue;
        }
        double v[6];
        int found = 0, t;
        while ((t = line_token(&c, tok, sizeof tok)) != 0) {
            if (t < 0 || !parse_double(tok, &v[found < 6 ? found : 5]))
                return fail(err, errlen, "line %zu: '%.20s' is not a number", c.line, tok);
            found++;
        }
        if (found != 6)
            return fail(err, errlen, "line %zu: expected 6 numbers (x y z nx ny nz), found %d",
                        c.line, found);
        size_t i = pts->count;
        for (int k = 0; k < 3; k++) {
            if (!finite_float(v[k]) || !finite_float(v[3 + k]))
                return fail(err, errlen, "line %zu: a number out of float range", c.line);
            pts->xyz[3 * i + (size_t)k] = (float)v[k];
            pts->normals[3 * i + (size_t)k] = (float)v[3 + k];
        }
        if (!normalise3(pts->normals + 3 * i))
            return fail(err, errlen, "line %zu: the normal is zero", c.line);
        pts->count++;
        skip_line(&c);
    }
    if (pts->count == 0)
        return fail(err, errlen, "no points");
    return 0;
}

/* --------------------------------------------------------------- PLY */

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
static int header_words(cursor *c, char words[6][64], int *count, char *err, size_t errlen)
{
    *count = 0;
    int t;
    while ((t = line_token(c, words[*count < 6 ? *count : 5], 64)) != 0) {
        if (t < 0)
            return fail(err, errlen, "header line %zu: a word is too long", c->line);
        if (*count < 6)
            (*count)++;
    }
    if (c->p >= c->end)
        return fail(err, errlen, "the header has no end_header line");
    skip_line(c);
    return 0;
}

static int ply_add_property(ply_header *h, char words[6][64], int n, size_t line, char *err,
                            size_t errlen)
{
    if (h->element_count == 0)
        return fail(err, errlen, "header line %zu: a property before any element", line);
    ply_element *e = &h->elements[h->element_count - 1];
    if (e->prop_count == PLY_MAX_PROPERTIES)
        return fail(err, errlen, "header line %zu: too many properties", line);
    ply_property *p = &e->props[e->prop_count];
    bool list = n >= 2 && strcmp(words[1], "list") == 0;
    if ((list && n != 5) || (!list && n != 3))
        return fail(err, errlen, "header line %zu: malformed property", line);
    p->count_type = list ? ply_type_named(words[2]) : PLY_NONE;
    p->type = ply_type_named(words[list ? 3 : 1]);
    if (p->type == PLY_NONE || (list && (p->count_type == PLY_NONE ||
                                          !ply_type_is_integer(p->count_type))))
        return fail(err, errlen, "header line %zu: unknown property type", line);
    snprintf(p->name, sizeof p->name, "%.31s", words[list ? 4 : 2]);
    e->prop_count++;
    return 0;
}

static int ply_parse_header(cursor *c, ply_header *h, char *err, size_t errlen)
{
    char words[6][64];
    int n;
    bool have_format = false;
    if (header_words(c, words, &n, err, errlen) || n != 1 || strcmp(words[0], "ply") != 0)
        return fail(err, errlen, "not a PLY file (no 'ply' first line)");
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
                return fail(err, errlen, "header line %zu: malformed format line", line);
            if (strcmp(words[1], "binary_big_endian") == 0)
                return fail(err, errlen, "big-endian PLY is not supported (convert it to "
                                         "binary_little_endian or ascii)");
            if (strcmp(words[1], "ascii") != 0 && strcmp(words[1], "binary_little_endian") != 0)
                return fail(err, errlen, "header line %zu: unknown format '%s'", line, words[1]);
            h->binary = strcmp(words[1], "binary_little_endian") == 0;
            have_format = true;
        } else if (strcmp(words[0], "element") == 0) {
            long long count;
            if (n != 3 || !parse_integer(words[2], &count) || count < 0)
                return fail(err, errlen, "header line %zu: malformed element", line);
            if (h->element_count == PLY_MAX_ELEMENTS)
                return fail(err, errlen, "header line %zu: too many elements", line);
            if ((unsigned long long)count > SHAPE_MAX_ELEMENTS)
                return fail(err, errlen, "element '%.31s' has %lld entries, more than %zu",
                            words[1], count, SHAPE_MAX_ELEMENTS);
            ply_element *e = &h->elements[h->element_count++];
            memset(e, 0, sizeof *e);
            snprintf(e->name, sizeof e->name, "%.31s", words[1]);
            e->count = (size_t)count;
        } else if (strcmp(words[0], "property") == 0) {
            if (ply_add_property(h, words, n, line, err, errlen))
                return -1;
        } else {
            return fail(err, errlen, "header line %zu: unknown keyword '%.20s'", line,
                        words[0]);
        }
    }
    if (!have_format)
        return fail(err, errlen, "the header has no format line");
    return 0;
}

/* Reads one scalar of type t from the body (binary: little-endian bytes). */
static int ply_read_value(cursor *c, bool binary, ply_type t, double *out, char *err,
                          size_t errlen)
{
    if (!binary) {
        char tok[64];
        int r = any_token(c, tok, sizeof tok);
        if (r == 0)
            return fail(err, errlen, "the data ends early (line %zu)", c->line);
        long long iv;
        if (r < 0 || (ply_type_is_integer(t) ? !parse_integer(tok, &iv) : !parse_double(tok, out)))
            return fail(err, errlen, "line %zu: '%.20s' is not a valid %s", c->line, tok,
                        ply_type_is_integer(t) ? "integer" : "number");
        if (ply_type_is_integer(t))
            *out = (double)iv;
        return 0;
    }
    size_t size = ply_type_size(t);
    if ((size_t)(c->end - c->p) < size)
        return fail(err, errlen, "the binary data ends early");
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
        return fail(err, errlen, "a value is not finite");
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
            return fail(err, errlen, "the vertex element has no '%s' property", names[k]);
    }
    int normals = (v->normal[0] >= 0) + (v->normal[1] >= 0) + (v->normal[2] >= 0);
    if (normals != 0 && normals != 3)
        return fail(err, errlen, "the vertex element has only some of nx, ny, nz");
    for (size_t i = 0; i < e->prop_count; i++)
        if (e->props[i].count_type != PLY_NONE &&
            ((int)i == v->xyz[0] || (int)i == v->xyz[1] || (int)i == v->xyz[2] ||
             (int)i == v->normal[0] || (int)i == v->normal[1] || (int)i == v->normal[2]))
            return fail(err, errlen, "vertex property '%s' is a list", e->props[i].name);
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
        if (!finite_float(v))
            return fail(err, errlen, "vertex %zu: a coordinate out of float range", index);
        xyz[k] = (float)v;
    }
    if (b->has_normals) {
        float *n = (float *)b->normals.data + 3 * index;
        for (int k = 0; k < 3; k++)
            n[k] = (float)values[lay->normal[k]];
        if (!normalise3(n))
            return fail(err, errlen, "vertex %zu: the normal is zero", index);
    }
    return 0;
}

/* One face's list: fan triangles (v0, vi, vi+1) appended. */
static int store_face(ply_body *b, const uint32_t *idx, size_t n, size_t face, char *err,
                      size_t errlen)
{
    if (n < 3)
        return fail(err, errlen, "face %zu has %zu vertices", face, n);
    growable *t = &b->triangles;
    if (grow_to(t, t->count + 3 * (n - 2)))
        return fail(err, errlen, "out of memory for the faces");
    uint32_t *tri = (uint32_t *)t->data;
    for (size_t i = 1; i + 1 < n; i++) {
        tri[t->count++] = idx[0];
        tri[t->count++] = idx[i];
        tri[t->count++] = idx[i + 1];
    }
    if (t->count / 3 > SHAPE_MAX_ELEMENTS)
        return fail(err, errlen, "more than %zu triangles", SHAPE_MAX_ELEMENTS);
    return 0;
}

static int ply_read_element(cursor *c, const ply_header *h, const ply_element *e,
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
        if (grow_to(&b->xyz, 3 * e->count + 1) || grow_to(&b->normals, 3 * e->count + 1))
            return fail(err, errlen, "out of memory for %zu vertices", e->count);
    }
    if (is_face) {
        face_list = find_property(e, "vertex_indices");
        if (face_list < 0)
            face_list = find_property(e, "vertex_index");
        if (face_list < 0 || e->props[face_list].count_type == PLY_NONE)
            return fail(err, errlen, "the face element has no vertex_indices list");
    }
    uint32_t *idx = malloc(PLY_MAX_FACE_SIZE * sizeof *idx);
    if (!idx)
        return fail(err, errlen, "out of memory");
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
                status = fail(err, errlen, "%s %zu: a list of %.0f items", e->name, i, count);
            for (size_t k = 0; status == 0 && k < (size_t)count; k++) {
                double v;
                status = ply_read_value(c, h->binary, p->type, &v, err, errlen);
                if (status == 0 && (int)j == face_list) {
                    if (v < 0 || v != floor(v) || v >= 4294967295.0)
                        status = fail(err, errlen, "face %zu: invalid vertex index", i);
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
            return fail(err, errlen, "face index %u out of range (%zu vertices)", tri[i],
                        b->vertices);
    return 0;
}

static int ply_finish(ply_body *b, shape *out, char *err, size_t errlen)
{
    if (b->vertices == 0)
        return fail(err, errlen, "no vertices");
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
        return fail(err, errlen, "neither faces nor normals: fit_sdf needs oriented points "
                                 "(nx ny nz) or a mesh");
    out->points.count = b->vertices;
    out->points.xyz = b->xyz.data;
    out->points.normals = b->normals.data;
    b->xyz.data = b->normals.data = NULL;
    return 0;
}

static int parse_ply(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    cursor c = {buf, buf + len, 1};
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
            status = fail(err, errlen, "element '%s' claims %zu entries, more than the file "
                          "holds", e->name, e->count);
        else if (strcmp(e->name, "vertex") == 0 && seen_vertex)
            status = fail(err, errlen, "two vertex elements");
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

/* --------------------------------------------------------------- OBJ */

/* "12", "12/3", "12/3/4", "12//4": the vertex index, 1-based or negative. */
static bool obj_vertex_ref(const char *tok, long long *out)
{
    char head[64];
    size_t n = strcspn(tok, "/");
    if (n == 0 || n >= sizeof head)
        return false;
    memcpy(head, tok, n);
    head[n] = '\0';
    return parse_integer(head, out) && *out != 0;
}

static int obj_vertex(cursor *c, growable *v, char *err, size_t errlen)
{
    char tok[64];
    double xyz[3];
    for (int k = 0; k < 3; k++) {
        int t = line_token(c, tok, sizeof tok);
        if (t <= 0 || !parse_double(tok, &xyz[k]) || !finite_float(xyz[k]))
            return fail(err, errlen, "line %zu: a vertex needs 3 numbers", c->line);
    }
    int t;
    while ((t = line_token(c, tok, sizeof tok)) != 0) {  /* w or a colour: checked, unused */
        double extra;
        if (t < 0 || !parse_double(tok, &extra))
            return fail(err, errlen, "line %zu: '%.20s' is not a number", c->line, tok);
    }
    if (v->count / 3 >= SHAPE_MAX_ELEMENTS)
        return fail(err, errlen, "more than %zu vertices", SHAPE_MAX_ELEMENTS);
    if (grow_to(v, v->count + 3))
        return fail(err, errlen, "out of memory for the vertices");
    float *dst = (float *)v->data + v->count;
    for (int k = 0; k < 3; k++)
        dst[k] = (float)xyz[k];
    v->count += 3;
    return 0;
}

static int obj_face(cursor *c, const growable *v, growable *tris, char *err, size_t errlen)
{
    char tok[64];
    long long first = 0, prev = 0;
    size_t corners = 0, vertices = v->count / 3;
    int t;
    while ((t = line_token(c, tok, sizeof tok)) != 0) {
        long long ref;
        if (t < 0 || !obj_vertex_ref(tok, &ref))
            return fail(err, errlen, "line %zu: '%.20s' is not a vertex reference", c->line,
                        tok);
        /* Negative: relative to the vertices read so far; positive refs
           may point forward and are checked at the end. */
        long long index = ref > 0 ? ref - 1 : (long long)vertices + ref;
        if (index < 0 || index >= 4294967295LL)
            return fail(err, errlen, "line %zu: vertex index %lld out of range", c->line, ref);
        if (corners >= 2) {
            if (grow_to(tris, tris->count + 3))
                return fail(err, errlen, "out of memory for the faces");
            uint32_t *dst = (uint32_t *)tris->data + tris->count;
            dst[0] = (uint32_t)first;
            dst[1] = (uint32_t)prev;
            dst[2] = (uint32_t)index;
            tris->count += 3;
            if (tris->count / 3 > SHAPE_MAX_ELEMENTS)
                return fail(err, errlen, "more than %zu triangles", SHAPE_MAX_ELEMENTS);
        }
        if (corners == 0)
            first = index;
        prev = index;
        corners++;
    }
    if (corners < 3)
        return fail(err, errlen, "line %zu: a face needs at least 3 vertices", c->line);
    return 0;
}

static int parse_obj_lines(cursor *c, growable *v, growable *tris, char *err, size_t errlen)
{
    char word[64];
    while (c->p < c->end) {
        int t = line_token(c, word, sizeof word);
        int status = 0;
        if (t > 0 && strcmp(word, "v") == 0)
            status = obj_vertex(c, v, err, errlen);
        else if (t > 0 && strcmp(word, "f") == 0)
            status = obj_face(c, v, tris, err, errlen);
        /* anything else (vn, vt, g, o, s, usemtl, comments ...) is skipped */
        if (status)
            return -1;
        skip_line(c);
    }
    return 0;
}

static int parse_obj(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    cursor c = {buf, buf + len, 1};
    growable v = {NULL, 0, 0, sizeof(float)}, tris = {NULL, 0, 0, sizeof(uint32_t)};
    int status = parse_obj_lines(&c, &v, &tris, err, errlen);
    size_t vertices = v.count / 3;
    if (status == 0 && tris.count == 0)
        status = fail(err, errlen, "no faces (an OBJ input must be a mesh)");
    for (size_t i = 0; status == 0 && i < tris.count; i++)
        if (((uint32_t *)tris.data)[i] >= vertices)
            status = fail(err, errlen, "face index %u out of range (%zu vertices)",
                          ((uint32_t *)tris.data)[i] + 1, vertices);
    if (status == 0) {
        out->mesh.vertex_count = vertices;
        out->mesh.vertices = v.data;
        out->mesh.triangle_count = tris.count / 3;
        out->mesh.triangles = tris.data;
        return 0;
    }
    free(v.data);
    free(tris.data);
    return -1;
}

/* ------------------------------------------------------------ entry */

static bool has_ply_magic(const unsigned char *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "ply", 3) == 0 && (buf[3] == '\n' || buf[3] == '\r');
}

shape_format shape_format_from_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return SHAPE_FORMAT_UNKNOWN;
    char ext[8] = {0};
    for (size_t i = 0; i < 4 && dot[1 + i]; i++)
        ext[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ? dot[1 + i] + 32 : dot[1 + i]);
    if (strlen(dot + 1) != 3)
        return SHAPE_FORMAT_UNKNOWN;
    if (strcmp(ext, "xyz") == 0)
        return SHAPE_FORMAT_XYZ;
    if (strcmp(ext, "ply") == 0)
        return SHAPE_FORMAT_PLY;
    if (strcmp(ext, "obj") == 0)
        return SHAPE_FORMAT_OBJ;
    return SHAPE_FORMAT_UNKNOWN;
}

int shape_parse(const unsigned char *buf, size_t len, shape_format format, shape *out,
                char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (format == SHAPE_FORMAT_UNKNOWN && has_ply_magic(buf, len))
        format = SHAPE_FORMAT_PLY;
    int status;
    switch (format) {
    case SHAPE_FORMAT_XYZ: status = parse_xyz(buf, len, out, err, errlen); break;
    case SHAPE_FORMAT_PLY: status = parse_ply(buf, len, out, err, errlen); break;
    case SHAPE_FORMAT_OBJ: status = parse_obj(buf, len, out, err, errlen); break;
    default:
        status = fail(err, errlen, "unknown format (expected a .xyz, .ply or .obj file)");
    }
    if (status)
        shape_free(out);
    return status;
}

int shape_read(const char *path, shape *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(err, errlen, "not a regular file");
    }
    if ((unsigned long long)st.st_size > SHAPE_MAX_FILE_BYTES) {
        fclose(f);
        return fail(err, errlen, "larger than %zu bytes", SHAPE_MAX_FILE_BYTES);
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len ? len : 1);
    size_t got = buf ? fread(buf, 1, len, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (!buf)
        return fail(err, errlen, "out of memory for %zu bytes", len);
    if (got != len || read_error) {
        free(buf);
        return fail(err, errlen, "read error");
    }
    if (len == 0) {
        free(buf);
        return fail(err, errlen, "empty file");
    }
    int status = shape_parse(buf, len, shape_format_from_path(path), out, err, errlen);
    free(buf);
    return status;
}
