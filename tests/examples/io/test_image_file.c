/* test_image_file.c - image files of every format the build has
   (examples/io/image_file.c and its codec): PNG files made here byte by
   byte from the PNG specification (every colour type: grey at 1 and 8
   bits, grey with alpha, palette, RGB, RGBA at 16 bits, interlaced)
   decode to the documented samples; what image_write puts in a .png reads
   back as the PGM/PPM of the same samples does, at 8 and 16 bits; the
   format is told by the content, not the name; every truncation, a
   corrupted byte and an absurd size are refused with one line, never a
   crash (ASan, UBSan); and a build without an image library says so. The
   PNG tests print SKIP in a build without PNG. */
#define _POSIX_C_SOURCE 200809L
#include "io/image_file.h"

#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* ------------------------------------------------- PNG files, by hand */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

typedef struct bytes {
    unsigned char data[4096];
    size_t len;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_be32(bytes *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(b, p, 4);
}

/* A chunk: length, type, data, CRC of type and data. */
static void chunk(bytes *b, const char *type, const unsigned char *data, size_t n)
{
    put_be32(b, (uint32_t)n);
    size_t at = b->len;
    put(b, type, 4);
    put(b, data, n);
    put_be32(b, crc32_of(b->data + at, n + 4));
}

/* A PNG of one IDAT holding `raw` (filter bytes included) as a zlib
   stream of one stored block; plte: NULL or n_plte RGB entries. */
static void make_png(bytes *b, uint32_t w, uint32_t h, int depth, int type, int interlace,
                     const unsigned char *plte, size_t n_plte, const unsigned char *raw,
                     size_t n)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    b->len = 0;
    put(b, sig, 8);
    unsigned char ihdr[13] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16),
                              (unsigned char)(w >> 8), (unsigned char)w,
                              (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                              (unsigned char)(h >> 8), (unsigned char)h,
                              (unsigned char)depth, (unsigned char)type, 0, 0,
                              (unsigned char)interlace};
    chunk(b, "IHDR", ihdr, 13);
    if (plte)
        chunk(b, "PLTE", plte, 3 * n_plte);
    unsigned char z[1024];
    size_t k = 0;
    uint32_t s1 = 1, s2 = 0;
    z[k++] = 0x78;
    z[k++] = 0x01;
    z[k++] = 1; /* final stored block */
    z[k++] = (unsigned char)n;
    z[k++] = (unsigned char)(n >> 8);
    z[k++] = (unsigned char)~n;
    z[k++] = (unsigned char)(~n >> 8);
    for (size_t i = 0; i < n; i++) {
        z[k++] = raw[i];
        s1 = (s1 + raw[i]) % 65521;
        s2 = (s2 + s1) % 65521;
    }
    uint32_t adler = s2 << 16 | s1;
    unsigned char a[4] = {(unsigned char)(adler >> 24), (unsigned char)(adler >> 16),
                          (unsigned char)(adler >> 8), (unsigned char)adler};
    memcpy(z + k, a, 4);
    k += 4;
    chunk(b, "IDAT", z, k);
    chunk(b, "IEND", NULL, 0);
}

static bool reads_png(void)
{
    bytes b;
    const unsigned char raw[2] = {0, 7};
    make_png(&b, 1, 1, 8, 0, 0, NULL, 0, raw, 2);
    pnm_image img;
    char err[256];
    int status = image_parse(b.data, b.len, &img, err, sizeof err);
    pnm_free(&img);
    return status == 0;
}

/* Parses b and checks size, channels, maxval and every sample (k / max). */
static void check_decoded(const bytes *b, size_t w, size_t h, size_t ch, unsigned maxval,
                          const unsigned *want)
{
    pnm_image img;
    char err[256] = "";
    CHECK(image_parse(b->data, b->len, &img, err, sizeof err) == 0);
    if (!img.data) {
        printf("  %s\n", err);
        return;
    }
    CHECK(img.width == w && img.height == h && img.channels == ch && img.maxval == maxval);
    for (size_t i = 0; img.width == w && img.height == h && img.channels == ch && i < w * h * ch;
         i++)
        CHECK_NEAR(img.data[i], (double)want[i] / maxval, 1e-7);
    pnm_free(&img);
}

static void test_every_colour_type(void)
{
    bytes b;
    /* grey, 1 bit, 10 x 1: one row of two bytes after its filter byte */
    const unsigned char g1[3] = {0, 0xa5, 0x80};
    const unsigned want_g1[10] = {255, 0, 255, 0, 0, 255, 0, 255, 255, 0};
    make_png(&b, 10, 1, 1, 0, 0, NULL, 0, g1, 3);
    check_decoded(&b, 10, 1, 1, 255, want_g1);
    /* grey and alpha, 8 bits, 2 x 1: the alpha is dropped */
    const unsigned char ga[5] = {0, 10, 200, 250, 0};
    const unsigned want_ga[2] = {10, 250};
    make_png(&b, 2, 1, 8, 4, 0, NULL, 0, ga, 5);
    check_decoded(&b, 2, 1, 1, 255, want_ga);
    /* palette of 3, 8-bit indices, 3 x 1: expanded to RGB */
    const unsigned char plte[9] = {1, 2, 3, 40, 50, 60, 255, 128, 0};
    const unsigned char pal[4] = {0, 2, 0, 1};
    const unsigned want_pal[9] = {255, 128, 0, 1, 2, 3, 40, 50, 60};
    make_png(&b, 3, 1, 8, 3, 0, plte, 3, pal, 4);
    check_decoded(&b, 3, 1, 3, 255, want_pal);
    /* RGBA, 16 bits, 1 x 2: RGB kept at 16 bits, rows in order */
    const unsigned char rgba[18] = {0, 0x12, 0x34, 0xff, 0xff, 0, 1, 0, 0,
                                    0, 0, 2, 0x80, 0, 0xab, 0xcd, 0x55, 0x55};
    const unsigned want_rgba[6] = {0x1234, 0xffff, 1, 2, 0x8000, 0xabcd};
    make_png(&b, 1, 2, 16, 6, 0, NULL, 0, rgba, 18);
    check_decoded(&b, 1, 2, 3, 65535, want_rgba);
    /* RGB, interlaced (Adam7), 1 x 1: the pixel is pass 1's only one */
    const unsigned char il[4] = {0, 9, 99, 199};
    const unsigned want_il[3] = {9, 99, 199};
    make_png(&b, 1, 1, 8, 2, 1, NULL, 0, il, 4);
    check_decoded(&b, 1, 1, 3, 255, want_il);
}

/* A 6 x 4 image of 1 or 3 channels, samples spread over [0, 1]. */
static pnm_image pattern(size_t ch)
{
    pnm_image img;
    char err[128];
    CHECK(pnm_alloc(&img, 6, 4, ch, err, sizeof err) == 0);
    for (size_t i = 0; i < 6 * 4 * ch; i++)
        img.data[i] = (float)((i * 7919u + 13u) % 1000u) / 999.0f;
    img.data[0] = -0.5f; /* clamped */
    img.data[1] = 1.5f;
    return img;
}

static void test_written_png_reads_back_as_pnm_does(void)
{
    char err[256];
    for (size_t ch = 1; ch <= 3; ch += 2)
        for (int bits = 8; bits <= image_png_bits(); bits += 8) {
            pnm_image img = pattern(ch), a, b;
            char png[128], pnm[128];
            snprintf(png, sizeof png, "%s", tmp_path("round.PNG"));
            snprintf(pnm, sizeof pnm, "%s", tmp_path("round.pnm"));
            CHECK(image_write(png, &img, bits, err, sizeof err) == 0);
            CHECK(image_write(pnm, &img, bits, err, sizeof err) == 0);
            CHECK(image_read(png, &a, err, sizeof err) == 0);
            CHECK(image_read(pnm, &b, err, sizeof err) == 0);
            CHECK(a.data && b.data && a.channels == ch && b.channels == ch);
            CHECK(a.maxval == (bits == 16 ? 65535u : 255u));
            if (a.data && b.data)
                CHECK(memcmp(a.data, b.data, 6 * 4 * ch * sizeof(float)) == 0);
            unsigned char head[8];
            FILE *f = fopen(png, "rb");
            CHECK(f && fread(head, 1, 8, f) == 8 && memcmp(head, "\x89PNG", 4) == 0);
            if (f)
                fclose(f);
            pnm_free(&img);
            pnm_free(&a);
            pnm_free(&b);
            remove(png);
            remove(pnm);
        }
    if (image_png_bits() < 16) { /* stb: 8 bits only, said in one line */
        pnm_image img = pattern(1);
        CHECK(image_write(tmp_path("wide.png"), &img, 16, err, sizeof err) == -1);
        CHECK(strstr(err, "8 bits") != NULL);
        pnm_free(&img);
    }
}

static void test_content_decides_the_format(void)
{
    char err[256];
    /* a PGM named .png is read as a PGM */
    FILE *f = fopen(tmp_path("grey.png"), "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("P2\n2 1\n255\n0 255\n", f);
        fclose(f);
    }
    pnm_image img;
    CHECK(image_read(tmp_path("grey.png"), &img, err, sizeof err) == 0);
    CHECK(img.data && img.width == 2 && img.data[1] == 1.0f);
    pnm_free(&img);
    remove(tmp_path("grey.png"));
    /* names: PGM/PPM always, PNG with a library, in any case */
    CHECK(image_readable_name("a/b.PGM") && image_readable_name("x.ppm") &&
          image_readable_name("x.pnm"));
    CHECK(!image_readable_name("x.txt") && !image_readable_name("pgm") &&
          !image_readable_name("dir.pgm/x"));
    CHECK(image_readable_name("x.Png") == (image_library() != NULL));
    CHECK(strcmp(image_extension(IMAGE_FORMAT_PNG, 3), ".png") == 0);
    CHECK(strcmp(image_extension(IMAGE_FORMAT_PNM, 3), ".ppm") == 0);
    CHECK(strcmp(image_extension(IMAGE_FORMAT_PNM, 1), ".pgm") == 0);
}

/* Refused with a message of one line, and nothing allocated. */
static void expect_refused(const unsigned char *buf, size_t len, const char *needle)
{
    pnm_image img;
    char err[256] = "";
    CHECK(image_parse(buf, len, &img, err, sizeof err) == -1);
    CHECK(img.data == NULL && err[0] != '\0' && strchr(err, '\n') == NULL);
    if (needle && !strstr(err, needle))
        printf("  message '%s' lacks '%s'\n", err, needle);
    CHECK(!needle || strstr(err, needle) != NULL);
}

static void test_not_an_image(void)
{
    /* the message names what the build reads */
    const unsigned char junk[] = "hello";
    expect_refused(junk, 5, image_library() ? "not a PNG" : "not a PGM or PPM image");
}

static void test_bad_png_files_are_refused(void)
{
    char err[256];
    bytes b;
    const unsigned char rgb[7] = {0, 1, 2, 3, 4, 5, 6};
    make_png(&b, 2, 1, 8, 2, 0, NULL, 0, rgb, 7);
    pnm_image ok;
    CHECK(image_parse(b.data, b.len, &ok, err, sizeof err) == 0);
    pnm_free(&ok);
    /* every truncation, but those that lose only IEND (libpng does not
       need it once the pixels are in) */
    for (size_t len = 8; len < b.len - 12; len++)
        expect_refused(b.data, len, NULL);
    /* a flipped byte in IDAT's data: its CRC no longer matches */
    bytes bad = b;
    bad.data[8 + 25 + 12] ^= 0x40;
    expect_refused(bad.data, bad.len, NULL);
    /* a header asking for 2^20 x 2^20 pixels, refused before the pixels
       are allocated (ASan would see the allocation fail otherwise) */
    const unsigned char one[2] = {0, 0};
    make_png(&b, 1u << 20, 1u << 20, 8, 0, 0, NULL, 0, one, 2);
    expect_refused(b.data, b.len, NULL);
}

static void test_build_without_png_says_so(void)
{
    const char *why = NULL;
    int f = image_format_from_name("png", &why);
    if (image_png_bits() > 0) {
        CHECK(f == IMAGE_FORMAT_PNG && why == NULL);
        CHECK(image_format_default() == IMAGE_FORMAT_PNG);
        return;
    }
    CHECK(f == -1 && why != NULL);
    CHECK(image_format_default() == IMAGE_FORMAT_PNM);
    pnm_image img = pattern(1);
    char err[256];
    CHECK(image_write(tmp_path("x.png"), &img, 8, err, sizeof err) == -1);
    CHECK(strstr(err, "no PNG") != NULL);
    pnm_free(&img);
    CHECK(image_format_from_name("pnm", NULL) == IMAGE_FORMAT_PNM);
    CHECK(image_format_from_name("jpeg", &why) == -1 && why == NULL);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_image_file.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL test_image_file: cannot create a temporary directory\n");
        return 1;
    }
    printf("# image library: %s\n", image_library() ? image_library() : "none");
    if (reads_png()) {
        RUN(test_every_colour_type);
        RUN(test_bad_png_files_are_refused);
    } else {
        printf("SKIP test_every_colour_type, test_bad_png_files_are_refused: this build "
               "reads no PNG\n");
    }
    if (image_png_bits() > 0)
        RUN(test_written_png_reads_back_as_pnm_does);
    else
        printf("SKIP test_written_png_reads_back_as_pnm_does: this build writes no PNG\n");
    RUN(test_content_decides_the_format);
    RUN(test_not_an_image);
    RUN(test_build_without_png_says_so);
    rmdir(tmpdir);
    return check_summary();
}
