/* libpng.c - the codec (codec.h) of a build with libpng: PNG read at every
   bit depth and colour type, and written at 8 or 16 bits. libpng reports
   errors by longjmp; each call keeps what it allocates in a struct that
   outlives the jump, and turns libpng's message into a one-line error. */
#include "../codec.h"

#include "../error_message.h"

#include <png.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char PNG_SIGNATURE[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

const char *codec_name(void)
{
    static char name[32];
    snprintf(name, sizeof name, "libpng %s", png_get_libpng_ver(NULL));
    return name;
}

bool codec_recognises(const unsigned char *buf, size_t len)
{
    return len >= sizeof PNG_SIGNATURE && memcmp(buf, PNG_SIGNATURE, sizeof PNG_SIGNATURE) == 0;
}

const char *codec_formats(void)
{
    return "PNG";
}

const char *codec_extensions(void)
{
    return ".png";
}

bool codec_reads_extension(const char *ext)
{
    return strcmp(ext, ".png") == 0;
}

int codec_png_bits(void)
{
    return 16;
}

/* ------------------------------------------------------------- reading */

/* Everything one decode owns, and what libpng's callbacks need. */
typedef struct png_reader {
    const unsigned char *buf;
    size_t len, pos;
    char message[160];   /* libpng's error */
    unsigned char *raster;
    png_bytep *rows;
} png_reader;

static void on_error(png_structp png, png_const_charp message)
{
    png_reader *r = png_get_error_ptr(png);
    snprintf(r->message, sizeof r->message, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message; /* not an error: the image is read as it is */
}

/* libpng's input: the buffer, never past its end. */
static void read_bytes(png_structp png, png_bytep out, png_size_t count)
{
    png_reader *r = png_get_io_ptr(png);
    if (count > r->len - r->pos)
        png_error(png, "truncated file");
    memcpy(out, r->buf + r->pos, count);
    r->pos += count;
}

/* The transformations to grey or RGB samples of 8 or 16 bits; the
   channels they leave. */
static size_t set_transforms(png_structp png, png_infop info)
{
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (type & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return png_get_channels(png, info);
}

/* The raster into img: big-endian 16-bit samples, or 8-bit ones. */
static void convert(const png_reader *r, size_t rowbytes, int depth, pnm_image *img)
{
    float scale = 1.0f / (float)img->maxval;
    size_t per_row = img->width * img->channels;
    for (size_t y = 0; y < img->height; y++) {
        const unsigned char *row = r->raster + y * rowbytes;
        float *out = img->data + y * per_row;
        for (size_t i = 0; i < per_row; i++) {
            unsigned v = depth == 16 ? (unsigned)row[2 * i] << 8 | row[2 * i + 1] : row[i];
            out[i] = (float)v * scale;
        }
    }
}

/* After png_read_info: checks the size, then reads the pixels into img.
   Runs under the caller's setjmp. */
static int read_pixels(png_structp png, png_infop info, png_reader *r, pnm_image *img,
                       char *err, size_t errlen)
{
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    size_t channels = set_transforms(png, info);
    int depth = png_get_bit_depth(png, info);
    if (channels != 1 && channels != 3)
        return error_message(err, errlen, "unexpected PNG layout (%zu channels)", channels);
    if (width > PNM_MAX_SAMPLES / height || (size_t)width * height > PNM_MAX_SAMPLES / channels)
        return error_message(err, errlen, "image too large (%lux%lu, at most %zu samples)",
                             (unsigned long)width, (unsigned long)height, PNM_MAX_SAMPLES);
    size_t rowbytes = png_get_rowbytes(png, info);
    r->raster = malloc(rowbytes * height);
    r->rows = malloc(height * sizeof *r->rows);
    if (!r->raster || !r->rows || pnm_alloc(img, width, height, channels, err, errlen))
        return r->raster && r->rows ? -1 : error_message(err, errlen, "out of memory");
    for (size_t y = 0; y < height; y++)
        r->rows[y] = r->raster + y * rowbytes;
    png_read_image(png, r->rows);
    png_read_end(png, NULL);
    img->maxval = depth == 16 ? 65535 : 255;
    convert(r, rowbytes, depth, img);
    return 0;
}

/* Reads the file under libpng's error jump: locals of this function are
   not changed once setjmp has returned, so none is left indeterminate. */
static int guarded_read(png_structp png, png_infop info, png_reader *r, pnm_image *img,
                        char *err, size_t errlen)
{
    if (setjmp(png_jmpbuf(png)))
        return error_message(err, errlen, "invalid PNG: %s", r->message);
    png_set_read_fn(png, r, read_bytes);
    png_read_info(png, info);
    return read_pixels(png, info, r, img, err, errlen);
}

int codec_decode(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                 size_t errlen)
{
    png_reader r = {buf, len, 0, "", NULL, NULL};
    memset(img, 0, sizeof *img);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    int status = -1;
    if (!info)
        error_message(err, errlen, "out of memory");
    else
        status = guarded_read(png, info, &r, img, err, errlen);
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(r.raster);
    free(r.rows);
    if (status)
        pnm_free(img);
    return status;
}

/* ------------------------------------------------------------- writing */

/* One row of img as PNG samples: big-endian 16-bit, or 8-bit. */
static void pack_row(const pnm_image *img, size_t y, int bits, unsigned char *row)
{
    size_t n = img->width * img->channels;
    unsigned maxval = bits == 16 ? 65535u : 255u;
    const float *src = img->data + y * n;
    for (size_t i = 0; i < n; i++) {
        unsigned q = pnm_quantise(src[i], maxval);
        if (bits == 16) {
            row[2 * i] = (unsigned char)(q >> 8);
            row[2 * i + 1] = (unsigned char)(q & 0xff);
        } else {
            row[i] = (unsigned char)q;
        }
    }
}

/* What one encode owns across libpng's longjmp. */
typedef struct png_writer {
    char message[160];
    unsigned char *row;
    int saved_errno;  /* of the failed write, which libpng reports as an error */
} png_writer;

static void on_write_error(png_structp png, png_const_charp message)
{
    png_writer *w = png_get_error_ptr(png);
    w->saved_errno = errno ? errno : EIO;
    snprintf(w->message, sizeof w->message, "%s", message);
    png_longjmp(png, 1);
}

/* Writes under libpng's error jump (as guarded_read). */
static int guarded_write(png_structp png, png_infop info, png_writer *w, FILE *f,
                         const pnm_image *img, int bits)
{
    if (setjmp(png_jmpbuf(png))) {
        errno = w->saved_errno;
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, bits,
                 img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < img->height; y++) {
        pack_row(img, y, bits, w->row);
        png_write_row(png, w->row);
    }
    png_write_end(png, NULL);
    return 0;
}

int codec_write_png(FILE *f, const pnm_image *img, int bits)
{
    png_writer w = {"", NULL, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_write_error,
                                              on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    w.row = malloc(img->width * img->channels * (size_t)(bits / 8));
    int status = -1;
    errno = ENOMEM;
    if (info && w.row) {
        errno = 0;
        status = guarded_write(png, info, &w, f, img, bits);
    }
    png_destroy_write_struct(&png, info ? &info : NULL);
    free(w.row);
    return status;
}
