/* stb.c - the codec (codec.h) of a build with stb (Debian's libstb):
   stb_image reads PNG, JPEG, BMP, GIF (the first frame) and PSD, 16-bit
   PNG as such; stb_image_write writes PNG at 8 bits. The files are told
   by their magic bytes (PGM/PPM stay pnm.c's, whose parsing is stricter;
   TGA, which has none, is not taken), and their size is checked against
   PNM_MAX_SAMPLES from the header, before stb allocates the pixels. */
#include "../codec.h"

#include "../error_message.h"

#include <stb_image.h>
#include <stb_image_write.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *codec_name(void)
{
    return "stb_image";
}

/* The formats by their first bytes. */
static const struct magic {
    const char *name;
    const char *bytes;
    size_t len;
} MAGICS[] = {
    {"PNG", "\x89PNG\r\n\x1a\n", 8},
    {"JPEG", "\xff\xd8\xff", 3},
    {"BMP", "BM", 2},
    {"GIF", "GIF8", 4},
    {"PSD", "8BPS", 4},
};

static const char *format_of(const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof MAGICS / sizeof *MAGICS; i++)
        if (len >= MAGICS[i].len && memcmp(buf, MAGICS[i].bytes, MAGICS[i].len) == 0)
            return MAGICS[i].name;
    return NULL;
}

bool codec_recognises(const unsigned char *buf, size_t len)
{
    return format_of(buf, len) != NULL;
}

const char *codec_formats(void)
{
    return "PNG, JPEG, BMP, GIF, PSD";
}

const char *codec_extensions(void)
{
    return ".png, .jpg, .jpeg, .bmp, .gif, .psd";
}

bool codec_reads_extension(const char *ext)
{
    static const char *const known[] = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".psd"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(ext, known[i]) == 0)
            return true;
    return false;
}

int codec_png_bits(void)
{
    return 8;
}

/* stb's pixels (8 or 16 bits, comp channels) into img, alpha dropped. */
static void convert(const void *pixels, bool wide, int comp, pnm_image *img)
{
    size_t n = img->width * img->height;
    float scale = 1.0f / (float)img->maxval;
    for (size_t p = 0; p < n; p++)
        for (size_t c = 0; c < img->channels; c++) {
            size_t at = p * (size_t)comp + c;
            unsigned v = wide ? ((const stbi_us *)pixels)[at] : ((const stbi_uc *)pixels)[at];
            img->data[p * img->channels + c] = (float)v * scale;
        }
}

int codec_decode(const unsigned char *buf, size_t len, pnm_image *img, char *err,
                 size_t errlen)
{
    const char *format = format_of(buf, len);
    int w, h, comp;
    memset(img, 0, sizeof *img);
    if (len > INT_MAX)
        return error_message(err, errlen, "file too large for stb_image");
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &comp))
        return error_message(err, errlen, "invalid %s: %s", format, stbi_failure_reason());
    size_t channels = comp >= 3 ? 3 : 1;
    if (w <= 0 || h <= 0)
        return error_message(err, errlen, "invalid %s: zero image size", format);
    if ((size_t)w > PNM_MAX_SAMPLES / (size_t)h ||
        (size_t)w * (size_t)h > PNM_MAX_SAMPLES / channels)
        return error_message(err, errlen, "image too large (%dx%d, at most %zu samples)", w, h,
                             PNM_MAX_SAMPLES);
    bool wide = stbi_is_16_bit_from_memory(buf, (int)len) != 0;
    void *pixels = wide ? (void *)stbi_load_16_from_memory(buf, (int)len, &w, &h, &comp, 0)
                        : (void *)stbi_load_from_memory(buf, (int)len, &w, &h, &comp, 0);
    if (!pixels)
        return error_message(err, errlen, "invalid %s: %s", format, stbi_failure_reason());
    int status = pnm_alloc(img, (size_t)w, (size_t)h, channels, err, errlen);
    if (status == 0) {
        img->maxval = wide ? 65535 : 255;
        convert(pixels, wide, comp, img);
    }
    stbi_image_free(pixels);
    return status;
}

/* stb_image_write's output, into the file; the first error is kept. */
typedef struct stb_sink {
    FILE *f;
    int saved_errno;
} stb_sink;

static void write_bytes(void *context, void *data, int size)
{
    stb_sink *s = context;
    if (s->saved_errno == 0 && fwrite(data, 1, (size_t)size, s->f) != (size_t)size)
        s->saved_errno = errno ? errno : EIO;
}

int codec_write_png(FILE *f, const pnm_image *img, int bits)
{
    size_t n = img->width * img->height * img->channels;
    if (bits != 8 || img->width > INT_MAX / 3 || img->height > INT_MAX) {
        errno = EINVAL;
        return -1;
    }
    unsigned char *pixels = malloc(n);
    if (!pixels) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        pixels[i] = (unsigned char)pnm_quantise(img->data[i], 255);
    stb_sink sink = {f, 0};
    int w = (int)img->width, comp = (int)img->channels;
    int ok = stbi_write_png_to_func(write_bytes, &sink, w, (int)img->height, comp, pixels,
                                    w * comp);
    free(pixels);
    if (!ok || sink.saved_errno) {
        errno = sink.saved_errno ? sink.saved_errno : ENOMEM;
        return -1;
    }
    return 0;
}
