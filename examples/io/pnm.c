/* pnm.c - PGM/PPM reader and writer (see pnm.h). The reader takes the
   whole file into memory and parses it with bounds checks at every byte,
   following the Netpbm specification (netpbm.sourceforge.net/doc/pgm.html
   and ppm.html). */
#include "pnm.h"
#include "error_message.h"
#include "files.h"

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- images */

int pnm_alloc(pnm_image *img, size_t width, size_t height, size_t channels,
              char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    if (width == 0 || height == 0 || (channels != 1 && channels != 3))
        return error_message(err, errlen, "invalid image size %zux%zu, %zu channels", width, height,
                    channels);
    if (width > PNM_MAX_SAMPLES / height ||
        width * height > PNM_MAX_SAMPLES / channels)
        return error_message(err, errlen, "image too large (%zux%zu)", width, height);
    img->data = calloc(width * height * channels, sizeof *img->data);
    if (!img->data)
        return error_message(err, errlen, "out of memory for a %zux%zu image", width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->maxval = 255;
    return 0;
}

void pnm_free(pnm_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof *img);
}

/* ------------------------------------------------------------- parsing */

typedef struct cursor {
    const unsigned char *p, *end;
} cursor;

/* Netpbm's white space: blanks, TABs, CRs, LFs (and VT, FF). */
static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* "'x'" for a printable byte, "byte 0xNN" otherwise, for messages. */
static const char *describe_byte(int c, char *buf, size_t len)
{
    if (c >= 0x21 && c <= 0x7e)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", (unsigned)c);
    return buf;
}

/* Header white space, including comments: '#' to the end of the line. */
static void skip_header_space(cursor *c)
{
    while (c->p < c->end) {
        if (is_space(*c->p)) {
            c->p++;
        } else if (*c->p == '#') {
            while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
                c->p++;
        } else {
            break;
        }
    }
}

/* A decimal number of at most `limit`; the caller has checked that a
   digit comes first. *too_big is set (and the digits skipped) if the
   number exceeds the limit. */
static unsigned long parse_decimal(cursor *c, unsigned long limit, bool *too_big)
{
    unsigned long value = 0;
    *too_big = false;
    while (c->p < c->end && is_digit(*c->p)) {
        unsigned digit = (unsigned)(*c->p - '0');
        /* (limit - digit) would wrap when digit > limit: compare the new
           value itself, after checking it cannot overflow */
        if (!*too_big && (value > (ULONG_MAX - digit) / 10 || value * 10 + digit > limit))
            *too_big = true;
        if (!*too_big)
            value = value * 10 + digit;
        c->p++;
    }
    return value;
}

/* One header field (width, height or maxval): white space and comments,
   a number of at most `limit`, then white space or a comment must follow. */
static int header_number(cursor *c, const char *what, unsigned long limit,
                         unsigned long *out, char *err, size_t errlen)
{
    char shown[16];
    skip_header_space(c);
    if (c->p == c->end)
        return error_message(err, errlen, "truncated header: no %s", what);
    if (!is_digit(*c->p))
        return error_message(err, errlen, "malformed header: expected the %s, found %s", what,
                    describe_byte(*c->p, shown, sizeof shown));
    bool too_big;
    *out = parse_decimal(c, limit, &too_big);
    if (too_big)
        return error_message(err, errlen, "malformed header: %s too large (at most %lu)", what,
                    limit);
    if (c->p == c->end)
        return error_message(err, errlen, "truncated header after the %s", what);
    if (!is_space(*c->p) && *c->p != '#')
        return error_message(err, errlen, "malformed header: %s followed by %s", what,
                    describe_byte(*c->p, shown, sizeof shown));
    return 0;
}

/* The magic number: "P2", "P3", "P5" or "P6" and the channel count. */
static int parse_magic(cursor *c, bool *binary, size_t *channels, char *err, size_t errlen)
{
    if (c->end - c->p < 2 || c->p[0] != 'P' || !is_digit(c->p[1]))
        return error_message(err, errlen, "not a PGM or PPM image (no P2, P3, P5 or P6 magic number)");
    char kind = (char)c->p[1];
    if (kind == '1' || kind == '4')
        return error_message(err, errlen, "PBM (bitmap) images are not supported, only PGM and PPM");
    if (kind == '7')
        return error_message(err, errlen, "PAM images are not supported, only PGM and PPM");
    if (kind != '2' && kind != '3' && kind != '5' && kind != '6')
        return error_message(err, errlen, "not a PGM or PPM image (magic number P%c)", kind);
    c->p += 2;
    if (c->p == c->end || (!is_space(*c->p) && *c->p != '#'))
        return error_message(err, errlen, "malformed header: nothing valid after the magic number");
    *binary = kind == '5' || kind == '6';
    *channels = (kind == '3' || kind == '6') ? 3 : 1;
    return 0;
}

typedef struct header {
    bool binary;
    size_t width, height, channels;
    unsigned maxval;
} header;

static int parse_header(cursor *c, header *h, char *err, size_t errlen)
{
    unsigned long width, height, maxval;
    if (parse_magic(c, &h->binary, &h->channels, err, errlen) ||
        header_number(c, "width", PNM_MAX_SAMPLES, &width, err, errlen) ||
        header_number(c, "height", PNM_MAX_SAMPLES, &height, err, errlen) ||
        header_number(c, "maxval", 65535, &maxval, err, errlen))
        return -1;
    if (width == 0 || height == 0)
        return error_message(err, errlen, "zero image size (%lux%lu)", width, height);
    if (maxval == 0)
        return error_message(err, errlen, "maxval 0 is invalid (must be 1 to 65535)");
    if (width > PNM_MAX_SAMPLES / height || width * height > PNM_MAX_SAMPLES / h->channels)
        return error_message(err, errlen, "image too large (%lux%lu, at most %zu samples)", width,
                    height, PNM_MAX_SAMPLES);
    /* Exactly one white space byte ends the header. A comment right
       after the maxval runs to the end of its line, and the line end is
       that byte (as Netpbm's own reader does). */
    if (*c->p == '#')
        while (c->p < c->end && *c->p != '\n' && *c->p != '\r')
            c->p++;
    if (c->p == c->end)
        return error_message(err, errlen, "truncated header after the maxval");
    c->p++;
    h->width = width;
    h->height = height;
    h->maxval = (unsigned)maxval;
    return 0;
}

static int sample_too_big(size_t index, const header *h, unsigned long value, char *err,
                          size_t errlen)
{
    size_t pixel = index / h->channels;
    return error_message(err, errlen, "sample %lu at pixel (%zu, %zu) exceeds maxval %u", value,
                pixel % h->width, pixel / h->width, h->maxval);
}

/* Binary raster: one byte per sample, or two (big-endian) when maxval
   is above 255. */
static int parse_binary_raster(cursor *c, const header *h, float *out, size_t count,
                               char *err, size_t errlen)
{
    size_t bytes = h->maxval > 255 ? 2 : 1;
    size_t available = (size_t)(c->end - c->p);
    if (available / bytes < count)
        return error_message(err, errlen, "truncated pixel data: %zu of %zu bytes", available,
                    count * bytes);
    float scale = 1.0f / (float)h->maxval;
    for (size_t i = 0; i < count; i++) {
        unsigned long value = bytes == 1 ? c->p[i] : (unsigned long)c->p[2 * i] << 8 | c->p[2 * i + 1];
        if (value > h->maxval)
            return sample_too_big(i, h, value, err, errlen);
        out[i] = (float)value * scale;
    }
    c->p += count * bytes;
    return 0;
}

/* Plain (ASCII) raster: decimal samples separated by white space, into
   out (NULL: only checked). */
static int parse_ascii_raster(cursor *c, const header *h, float *out, size_t count,
                              char *err, size_t errlen)
{
    char shown[16];
    float scale = 1.0f / (float)h->maxval;
    for (size_t i = 0; i < count; i++) {
        while (c->p < c->end && is_space(*c->p))
            c->p++;
        if (c->p == c->end)
            return error_message(err, errlen, "truncated pixel data: %zu of %zu samples", i, count);
        if (!is_digit(*c->p))
            return error_message(err, errlen, "malformed pixel data: expected a number, found %s",
                        describe_byte(*c->p, shown, sizeof shown));
        bool too_big;
        unsigned long value = parse_decimal(c, h->maxval, &too_big);
        if (too_big)
            return error_message(err, errlen, "sample at pixel (%zu, %zu) exceeds maxval %u",
                        i / h->channels % h->width, i / h->channels / h->width, h->maxval);
        if (c->p < c->end && !is_space(*c->p))
            return error_message(err, errlen, "malformed pixel data: number followed by %s",
                        describe_byte(*c->p, shown, sizeof shown));
        if (out)
            out[i] = (float)value * scale;
    }
    return 0;
}

/* The raster must be there before the image is allocated (issue 19: a
   29-byte header asking for 16384x16384 allocated 1 GiB first): a
   binary one's bytes, an ASCII one parsed once without storing it. */
static int check_raster_present(const cursor *c, const header *h, char *err, size_t errlen)
{
    size_t count = h->width * h->height * h->channels, available = (size_t)(c->end - c->p);
    size_t bytes = h->maxval > 255 ? 2 : 1;
    if (h->binary && available / bytes < count)
        return error_message(err, errlen, "truncated pixel data: %zu of %zu bytes", available,
                             count * bytes);
    cursor dry_run = *c;
    return h->binary ? 0 : parse_ascii_raster(&dry_run, h, NULL, count, err, errlen);
}

int pnm_parse(const unsigned char *buf, size_t len, pnm_image *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    if (!buf || len == 0)
        return error_message(err, errlen, "empty file");
    cursor c = {buf, buf + len};
    header h = {0};
    if (parse_header(&c, &h, err, errlen) || check_raster_present(&c, &h, err, errlen))
        return -1;
    pnm_image image;
    if (pnm_alloc(&image, h.width, h.height, h.channels, err, errlen))
        return -1;
    size_t count = h.width * h.height * h.channels;
    int status = h.binary ? parse_binary_raster(&c, &h, image.data, count, err, errlen)
                          : parse_ascii_raster(&c, &h, image.data, count, err, errlen);
    if (status) {
        pnm_free(&image);
        return -1;
    }
    image.maxval = h.maxval;
    *img = image;
    return 0;
}

/* files_read_checked's look at the first PNM_HEAD_BYTES: the header must
   parse (a device or a file of another kind is refused there); then a
   binary raster is read to its end and no further, an ASCII one to the
   end of the file. */
int pnm_check_head(const unsigned char *head, size_t len, bool at_end, size_t *total,
                   const void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    cursor c = {head, head + len};
    header h = {0};
    if (len == 0)
        return error_message(err, errlen, "empty file");
    if (parse_header(&c, &h, err, errlen)) {
        if (!at_end && c.p == c.end)
            return error_message(err, errlen, "header longer than %zu bytes",
                                 (size_t)PNM_HEAD_BYTES);
        return -1;
    }
    size_t header_len = (size_t)(c.p - head), bytes = h.maxval > 255 ? 2 : 1;
    *total = h.binary ? header_len + h.width * h.height * h.channels * bytes : SIZE_MAX;
    return 0;
}

int pnm_read(const char *path, pnm_image *img, char *err, size_t errlen)
{
    unsigned char *data = NULL;
    size_t len = 0;
    memset(img, 0, sizeof *img);
    if (files_read_checked(path, PNM_HEAD_BYTES, pnm_check_head, NULL, PNM_MAX_FILE_BYTES, &data,
                           &len, err, errlen))
        return -1;
    int status = pnm_parse(data, len, img, err, errlen);
    free(data);
    return status;
}

/* ------------------------------------------------------------- writing */

unsigned pnm_quantise(float v, unsigned maxval)
{
    if (!(v > 0.0f)) /* also NaN */
        return 0;
    if (v >= 1.0f)
        return maxval;
    return (unsigned)((double)v * maxval + 0.5);
}

static int write_raster(FILE *f, const pnm_image *img, unsigned maxval)
{
    size_t row_samples = img->width * img->channels;
    size_t bytes = maxval > 255 ? 2 : 1;
    unsigned char *row = malloc(row_samples * bytes);
    if (!row)
        return -1;
    int status = 0;
    for (size_t y = 0; y < img->height && status == 0; y++) {
        const float *src = img->data + y * row_samples;
        for (size_t i = 0; i < row_samples; i++) {
            unsigned q = pnm_quantise(src[i], maxval);
            if (bytes == 2) {
                row[2 * i] = (unsigned char)(q >> 8);
                row[2 * i + 1] = (unsigned char)(q & 0xff);
            } else {
                row[i] = (unsigned char)q;
            }
        }
        if (fwrite(row, bytes, row_samples, f) != row_samples)
            status = -1;
    }
    free(row);
    return status;
}

/* What pnm_write hands to files_write_atomic. */
typedef struct pnm_output {
    const pnm_image *img;
    unsigned maxval;
} pnm_output;

/* The header and the raster. */
static int write_pnm(FILE *f, const void *ctx)
{
    const pnm_output *o = ctx;
    if (fprintf(f, "P%c\n%zu %zu\n%u\n", o->img->channels == 3 ? '6' : '5', o->img->width,
                o->img->height, o->maxval) < 0)
        return -1;
    return write_raster(f, o->img, o->maxval);
}

int pnm_write(const char *path, const pnm_image *img, int bits, char *err, size_t errlen)
{
    if (!img || !img->data || img->width == 0 || img->height == 0 ||
        (img->channels != 1 && img->channels != 3))
        return error_message(err, errlen, "no image to write");
    if (bits != 8 && bits != 16)
        return error_message(err, errlen, "cannot write %d-bit samples (8 or 16)", bits);
    pnm_output output = {img, bits == 8 ? 255u : 65535u};
    return files_write_atomic(path, write_pnm, &output, err, errlen);
}
