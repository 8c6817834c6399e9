/* none.c - the codec (codec.h) of a build without an image library
   (IMAGE_LIB=none, examples/image_lib.mk): it decodes and encodes
   nothing, so the programs read and write PGM/PPM only. */
#include "../codec.h"

#include <errno.h>

const char *codec_name(void)
{
    return NULL;
}

bool codec_recognises(const unsigned char *buf, size_t len)
{
    (void)buf;
    (void)len;
    return false;
}

const char *codec_formats(void)
{
    return "";
}

const char *codec_extensions(void)
{
    return "";
}

bool codec_reads_extension(const char *ext)
{
    (void)ext;
    return false;
}

int codec_decode(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                 size_t errlen)
{
    (void)buf;
    (void)len;
    (void)img;
    if (err && errlen > 0)
        err[0] = '\0';
    return -1;
}

int codec_png_bits(void)
{
    return 0;
}

int codec_write_png(FILE *f, const pnm_image *img, int bits)
{
    (void)f;
    (void)img;
    (void)bits;
    errno = ENOTSUP;
    return -1;
}
