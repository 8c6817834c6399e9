/* pointcloud.c - the .xyz and OBJ readers and the entry that picks a
   reader (see pointcloud.h; PLY: ply.c, shared helpers: shape_text.c). */
#define _POSIX_C_SOURCE 200809L
#include "pointcloud.h"
#include "shape_text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* --------------------------------------------------------------- xyz */

static int parse_xyz(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += buf[i] == '\n';
    if (lines > SHAPE_MAX_ELEMENTS)
        return error_message(err, errlen, "more than %zu lines", SHAPE_MAX_ELEMENTS);
    oriented_points *pts = &out->points;
    pts->xyz = malloc(lines * 3 * sizeof *pts->xyz);
    pts->normals = malloc(lines * 3 * sizeof *pts->normals);
    if (!pts->xyz || !pts->normals)
        return error_message(err, errlen, "out of memory for %zu points", lines);
    text_cursor c = {buf, buf + len, 1};
    char tok[64];
    while (c.p < c.end) {
        text_skip_blanks(&c);
        if (text_at_line_end(&c) || *c.p == '#') {
            text_skip_line(&c);
            continue;
        }
        double v[6];
        int found = 0, t;
        while ((t = text_line_token(&c, tok, sizeof tok)) != 0) {
            if (t < 0 || !text_parse_double(tok, &v[found < 6 ? found : 5]))
                return error_message(err, errlen, "line %zu: '%.20s' is not a number", c.line, tok);
            found++;
        }
        if (found != 6)
            return error_message(err, errlen, "line %zu: expected 6 numbers (x y z nx ny nz), found %d",
                        c.line, found);
        size_t i = pts->count;
        for (int k = 0; k < 3; k++) {
            if (!shape_finite_float(v[k]) || !shape_finite_float(v[3 + k]))
                return error_message(err, errlen, "line %zu: a number out of float range", c.line);
            pts->xyz[3 * i + (size_t)k] = (float)v[k];
            pts->normals[3 * i + (size_t)k] = (float)v[3 + k];
        }
        if (!shape_normalise3(pts->normals + 3 * i))
            return error_message(err, errlen, "line %zu: the normal is zero", c.line);
        pts->count++;
        text_skip_line(&c);
    }
    if (pts->count == 0)
        return error_message(err, errlen, "no points");
    return 0;
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
    return text_parse_integer(head, out) && *out != 0;
}

static int obj_vertex(text_cursor *c, growable *v, char *err, size_t errlen)
{
    char tok[64];
    double xyz[3];
    for (int k = 0; k < 3; k++) {
        int t = text_line_token(c, tok, sizeof tok);
        if (t <= 0 || !text_parse_double(tok, &xyz[k]) || !shape_finite_float(xyz[k]))
            return error_message(err, errlen, "line %zu: a vertex needs 3 numbers", c->line);
    }
    int t;
    while ((t = text_line_token(c, tok, sizeof tok)) != 0) {  /* w or a colour: checked, unused */
        double extra;
        if (t < 0 || !text_parse_double(tok, &extra))
            return error_message(err, errlen, "line %zu: '%.20s' is not a number", c->line, tok);
    }
    if (v->count / 3 >= SHAPE_MAX_ELEMENTS)
        return error_message(err, errlen, "more than %zu vertices", SHAPE_MAX_ELEMENTS);
    if (shape_grow_to(v, v->count + 3))
        return error_message(err, errlen, "out of memory for the vertices");
    float *dst = (float *)v->data + v->count;
    for (int k = 0; k < 3; k++)
        dst[k] = (float)xyz[k];
    v->count += 3;
    return 0;
}

static int obj_face(text_cursor *c, const growable *v, growable *tris, char *err, size_t errlen)
{
    char tok[64];
    long long first = 0, prev = 0;
    size_t corners = 0, vertices = v->count / 3;
    int t;
    while ((t = text_line_token(c, tok, sizeof tok)) != 0) {
        long long ref;
        if (t < 0 || !obj_vertex_ref(tok, &ref))
            return error_message(err, errlen, "line %zu: '%.20s' is not a vertex reference", c->line,
                        tok);
        /* Negative: relative to the vertices read so far; positive refs
           may point forward and are checked at the end. */
        long long index = ref > 0 ? ref - 1 : (long long)vertices + ref;
        if (index < 0 || index >= 4294967295LL)
            return error_message(err, errlen, "line %zu: vertex index %lld out of range", c->line, ref);
        if (corners >= 2) {
            if (shape_grow_to(tris, tris->count + 3))
                return error_message(err, errlen, "out of memory for the faces");
            uint32_t *dst = (uint32_t *)tris->data + tris->count;
            dst[0] = (uint32_t)first;
            dst[1] = (uint32_t)prev;
            dst[2] = (uint32_t)index;
            tris->count += 3;
            if (tris->count / 3 > SHAPE_MAX_ELEMENTS)
                return error_message(err, errlen, "more than %zu triangles", SHAPE_MAX_ELEMENTS);
        }
        if (corners == 0)
            first = index;
        prev = index;
        corners++;
    }
    if (corners < 3)
        return error_message(err, errlen, "line %zu: a face needs at least 3 vertices", c->line);
    return 0;
}

static int parse_obj_lines(text_cursor *c, growable *v, growable *tris, char *err, size_t errlen)
{
    char word[64];
    while (c->p < c->end) {
        int t = text_line_token(c, word, sizeof word);
        int status = 0;
        if (t > 0 && strcmp(word, "v") == 0)
            status = obj_vertex(c, v, err, errlen);
        else if (t > 0 && strcmp(word, "f") == 0)
            status = obj_face(c, v, tris, err, errlen);
        /* anything else (vn, vt, g, o, s, usemtl, comments ...) is skipped */
        if (status)
            return -1;
        text_skip_line(c);
    }
    return 0;
}

static int parse_obj(const unsigned char *buf, size_t len, shape *out, char *err,
                     size_t errlen)
{
    text_cursor c = {buf, buf + len, 1};
    growable v = {NULL, 0, 0, sizeof(float)}, tris = {NULL, 0, 0, sizeof(uint32_t)};
    int status = parse_obj_lines(&c, &v, &tris, err, errlen);
    size_t vertices = v.count / 3;
    if (status == 0 && tris.count == 0)
        status = error_message(err, errlen, "no faces (an OBJ input must be a mesh)");
    for (size_t i = 0; status == 0 && i < tris.count; i++)
        if (((uint32_t *)tris.data)[i] >= vertices)
            status = error_message(err, errlen, "face index %u out of range (%zu vertices)",
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
    case SHAPE_FORMAT_PLY: status = shape_parse_ply(buf, len, out, err, errlen); break;
    case SHAPE_FORMAT_OBJ: status = parse_obj(buf, len, out, err, errlen); break;
    default:
        status = error_message(err, errlen, "unknown format (expected a .xyz, .ply or .obj file)");
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
        return error_message(err, errlen, "%s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return error_message(err, errlen, "not a regular file");
    }
    if ((unsigned long long)st.st_size > SHAPE_MAX_FILE_BYTES) {
        fclose(f);
        return error_message(err, errlen, "larger than %zu bytes", SHAPE_MAX_FILE_BYTES);
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len ? len : 1);
    size_t got = buf ? fread(buf, 1, len, f) : 0;
    int read_error = ferror(f);
    fclose(f);
    if (!buf)
        return error_message(err, errlen, "out of memory for %zu bytes", len);
    if (got != len || read_error) {
        free(buf);
        return error_message(err, errlen, "read error");
    }
    if (len == 0) {
        free(buf);
        return error_message(err, errlen, "empty file");
    }
    int status = shape_parse(buf, len, shape_format_from_path(path), out, err, errlen);
    free(buf);
    return status;
}
