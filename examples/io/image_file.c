/* image_file.c - image files of every format the build has (image_file.h):
   PGM/PPM here and in pnm.c, the rest through the codec (codec.h). */
#include "image_file.h"

#include "codec.h"
#include "error_message.h"
#include "files.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *image_library(void)
{
    return codec_name();
}

int image_png_bits(void)
{
    return codec_png_bits();
}

/* The extension of name, lower case, into ext ("" when there is none or
   it is too long to be one of ours). */
static void lower_extension(const char *name, char *ext, size_t len)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');
    ext[0] = '\0';
    if (!dot || (slash && dot < slash) || strlen(dot) >= len)
        return;
    for (size_t i = 0; dot[i]; i++)
        ext[i] = (char)tolower((unsigned char)dot[i]);
    ext[strlen(dot)] = '\0';
}

bool image_readable_name(const char *name)
{
    char ext[8];
    lower_extension(name, ext, sizeof ext);
    return strcmp(ext, ".pgm") == 0 || strcmp(ext, ".ppm") == 0 || strcmp(ext, ".pnm") == 0 ||
           (ext[0] && codec_reads_extension(ext));
}

const char *image_readable_extensions(void)
{
    static char text[128];
    if (!codec_name())
        return ".pgm, .ppm or .pnm";
    snprintf(text, sizeof text, ".pgm, .ppm, .pnm or %s", codec_extensions());
    return text;
}

const char *image_readable_formats(void)
{
    static char text[96];
    if (!codec_name())
        return "PGM or PPM";
    snprintf(text, sizeof text, "%s, PGM or PPM", codec_formats());
    return text;
}

const char *image_extension(image_format format, size_t channels)
{
    if (format == IMAGE_FORMAT_PNG)
        return ".png";
    return channels == 3 ? ".ppm" : ".pgm";
}

int image_format_from_name(const char *name, const char **why)
{
    if (why)
        *why = NULL;
    if (strcmp(name, "pnm") == 0)
        return IMAGE_FORMAT_PNM;
    if (strcmp(name, "png") != 0)
        return -1;
    if (codec_png_bits() == 0) {
        if (why)
            *why = "this build writes no PNG (it found neither libpng nor stb; "
                   "examples/image_lib.mk)";
        return -1;
    }
    return IMAGE_FORMAT_PNG;
}

image_format image_format_default(void)
{
    return codec_png_bits() > 0 ? IMAGE_FORMAT_PNG : IMAGE_FORMAT_PNM;
}

/* pnm.c's "not a PGM or PPM image (...)" names every format the build
   reads. Returns -1. */
static int name_every_format(char *err, size_t errlen)
{
    static const char not_pnm[] = "not a PGM or PPM image";
    if (codec_name() && err && strncmp(err, not_pnm, strlen(not_pnm)) == 0) {
        char rest[128];
        snprintf(rest, sizeof rest, "%s", err + strlen(not_pnm));
        error_message(err, errlen, "not a %s image%s", image_readable_formats(), rest);
    }
    return -1;
}

int image_parse(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                size_t errlen)
{
    memset(img, 0, sizeof *img);
    if (buf && len > 0 && codec_recognises(buf, len))
        return codec_decode(buf, len, img, err, errlen);
    return pnm_parse(buf, len, img, err, errlen) ? name_every_format(err, errlen) : 0;
}

/* files_read_checked's look at the head: a file the codec decodes is read
   whole (up to IMAGE_MAX_FILE_BYTES), any other one as pnm_read reads it,
   so that a device or a file of another kind costs only its head. */
static int check_head(const unsigned char *head, size_t len, bool at_end, size_t *total,
                      const void *ctx, char *err, size_t errlen)
{
    if (len > 0 && codec_recognises(head, len)) {
        *total = SIZE_MAX;
        return 0;
    }
    return pnm_check_head(head, len, at_end, total, ctx, err, errlen);
}

int image_read(const char *path, pnm_image *img, char *err, size_t errlen)
{
    unsigned char *data = NULL;
    size_t len = 0;
    memset(img, 0, sizeof *img);
    if (files_read_checked(path, PNM_HEAD_BYTES, check_head, NULL, IMAGE_MAX_FILE_BYTES, &data,
                           &len, err, errlen))
        return name_every_format(err, errlen);
    int status = image_parse(data, len, img, err, errlen);
    free(data);
    return status;
}

/* What image_write hands to files_write_atomic for a PNG. */
typedef struct png_output {
    const pnm_image *img;
    int bits;
} png_output;

static int write_png(FILE *f, const void *ctx)
{
    const png_output *o = ctx;
    return codec_write_png(f, o->img, o->bits);
}

int image_write(const char *path, const pnm_image *img, int bits, char *err, size_t errlen)
{
    char ext[8];
    lower_extension(path, ext, sizeof ext);
    if (strcmp(ext, ".png") != 0)
        return pnm_write(path, img, bits, err, errlen);
    if (!img || !img->data || img->width == 0 || img->height == 0 ||
        (img->channels != 1 && img->channels != 3))
        return error_message(err, errlen, "no image to write");
    if (bits != 8 && bits != 16)
        return error_message(err, errlen, "cannot write %d-bit samples (8 or 16)", bits);
    if (bits > codec_png_bits())
        return codec_png_bits() == 0
                   ? error_message(err, errlen, "this build writes no PNG")
                   : error_message(err, errlen, "this build writes PNG at %d bits at most (%s)",
                                   codec_png_bits(), codec_name());
    png_output output = {img, bits};
    return files_write_atomic(path, write_png, &output, err, errlen);
}
