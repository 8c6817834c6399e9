/* shape_text.h - private to the shape readers (pointcloud.c, ply.c):
   arrays that grow, a cursor over the text of a file held in memory, and
   the number parsing they share. Their one-line error messages are
   error_message.h's. */
#ifndef EXAMPLES_SHAPE_TEXT_H
#define EXAMPLES_SHAPE_TEXT_H

#include "error_message.h"
#include "pointcloud.h"

#include <stdbool.h>
#include <stddef.h>

/* A growable array of floats or indices: capacity doubles, sizes checked. */
typedef struct growable {
    void *data;
    size_t count, capacity, item;  /* item: bytes per entry */
} growable;

/* 0, or -1 when the array cannot grow to `need` entries. */
int shape_grow_to(growable *g, size_t need);

/* A position in a file held in memory. */
typedef struct text_cursor {
    const unsigned char *p, *end;
    size_t line;  /* 1-based, for messages */
} text_cursor;

/* Space, tab, CR, VT or FF (not newline). */
bool text_is_blank(unsigned char c);
void text_skip_blanks(text_cursor *c);
bool text_at_line_end(const text_cursor *c);
/* Past the next newline (or to the end). */
void text_skip_line(text_cursor *c);
/* The next token on this line into buf, NUL-terminated: 1, 0 at the end
   of the line, -1 when longer than buf. A NUL byte in it comes out as a
   backslash and a '0', which no number parses as. */
int text_line_token(text_cursor *c, char *buf, size_t len);
/* The same, crossing newlines (PLY ASCII bodies). */
int text_any_token(text_cursor *c, char *buf, size_t len);
/* The whole text as a finite number / a decimal integer. */
bool text_parse_double(const char *text, double *out);
bool text_parse_integer(const char *text, long long *out);
/* A finite non-zero normal made unit length; false otherwise. */
bool shape_normalise3(float *n);
/* Finite and within float range. */
bool shape_finite_float(double v);

/* The PLY reader (ply.c): as shape_parse for a PLY buffer. */
int shape_parse_ply(const unsigned char *buf, size_t len, shape *out, char *err, size_t errlen);

#endif
