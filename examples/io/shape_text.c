/* shape_text.c - what the shape readers share (shape_text.h): growing
   arrays, a cursor over text and number parsing. */
#include "shape_text.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------ growing */

int shape_grow_to(growable *g, size_t need)
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

bool text_is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void text_skip_blanks(text_cursor *c)
{
    while (c->p < c->end && text_is_blank(*c->p))
        c->p++;
}

bool text_at_line_end(const text_cursor *c)
{
    return c->p >= c->end || *c->p == '\n';
}

void text_skip_line(text_cursor *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end) {
        c->p++;
        c->line++;
    }
}

/* The next token on this line (no newline crossed) into buf, NUL-terminated.
   0: empty (end of line); -1: longer than the buffer. A NUL byte in the
   token is stored as a backslash and a '0' (issue 19: as a C string,
   "0<NUL>junk" was the number 0): no parser accepts the token, and a
   message shows where the NUL was. */
int text_line_token(text_cursor *c, char *buf, size_t len)
{
    text_skip_blanks(c);
    size_t n = 0;
    while (c->p < c->end && *c->p != '\n' && !text_is_blank(*c->p)) {
        bool nul = *c->p == '\0';
        if (n + 1 + nul >= len)
            return -1;
        if (nul)
            buf[n++] = '\\';
        buf[n++] = nul ? '0' : (char)*c->p;
        c->p++;
    }
    buf[n] = '\0';
    return n > 0 ? 1 : 0;
}

/* The next token, crossing newlines (PLY ASCII bodies). */
int text_any_token(text_cursor *c, char *buf, size_t len)
{
    while (c->p < c->end && (text_is_blank(*c->p) || *c->p == '\n')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    return text_line_token(c, buf, len);
}

bool text_parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool text_parse_integer(const char *text, long long *out)
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
bool shape_normalise3(float *n)
{
    double len = sqrt((double)n[0] * n[0] + (double)n[1] * n[1] + (double)n[2] * n[2]);
    if (!(len > 1e-30) || !isfinite(len))
        return false;
    for (int k = 0; k < 3; k++)
        n[k] = (float)(n[k] / len);
    return true;
}

bool shape_finite_float(double v)
{
    return isfinite(v) && fabs(v) <= 3.0e38;
}
