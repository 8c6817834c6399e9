/* test_wav.c - the examples' WAV reader and writer (examples/io/wav.c):
   every sample format decodes to the documented scale, files written read
   back, and malformed or truncated files fail with one line, never a crash
   (run under ASan+UBSan by `make check`). */
#define _POSIX_C_SOURCE 200809L
#include "io/wav.h"
#include "io/files.h"
#include "io/error_message.h"

#include "check.h"
#include "untrusted_files.h"

#include <stdint.h>
#include <unistd.h>

/* ------------------------------------------------ building files in memory */

typedef struct bytes {
    unsigned char data[4096];
    size_t len;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u16(bytes *b, uint32_t v)
{
    unsigned char p[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, p, 2);
}

static void put_u32(bytes *b, uint32_t v)
{
    put_u16(b, v & 0xffff);
    put_u16(b, v >> 16);
}

/* A whole file: RIFF header, a fmt chunk (tag, channels, rate, bits), an
   optional LIST chunk of odd size before it, and `data` of data_len bytes. */
static void make_wav(bytes *b, uint32_t tag, uint32_t channels, uint32_t rate, uint32_t bits,
                     const void *data, size_t data_len, int with_list)
{
    b->len = 0;
    put(b, "RIFF", 4);
    put_u32(b, 0); /* patched below */
    put(b, "WAVE", 4);
    if (with_list) {
        put(b, "LIST", 4);
        put_u32(b, 3);
        put(b, "abc\0", 4); /* 3 bytes and a pad byte */
    }
    put(b, "fmt ", 4);
    put_u32(b, 16);
    put_u16(b, tag);
    put_u16(b, channels);
    put_u32(b, rate);
    put_u32(b, rate * channels * bits / 8);
    put_u16(b, channels * bits / 8);
    put_u16(b, bits);
    put(b, "data", 4);
    put_u32(b, (uint32_t)data_len);
    put(b, data, data_len);
    uint32_t riff = (uint32_t)(b->len - 8);
    memcpy(b->data + 4, (unsigned char[4]){(unsigned char)riff, (unsigned char)(riff >> 8),
                                           (unsigned char)(riff >> 16),
                                           (unsigned char)(riff >> 24)}, 4);
}

static int parse(const bytes *b, wav_audio *a, char *err, size_t errlen)
{
    return wav_read_buffer(b->data, b->len, a, err, errlen);
}

/* ------------------------------------------------------------------ tests */

static void test_pcm16_mono(void)
{
    const unsigned char pcm[] = {0x00, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x00, 0x40};
    bytes b;
    wav_audio a;
    char err[256];
    make_wav(&b, 1, 1, 8000, 16, pcm, sizeof pcm, 0);
    CHECK(parse(&b, &a, err, sizeof err) == 0);
    CHECK(a.frames == 4 && a.channels == 1 && a.rate == 8000 && a.bits == 16);
    CHECK(a.encoding == WAV_PCM);
    CHECK_NEAR(a.samples[0], 0.0, 0);
    CHECK_NEAR(a.samples[1], 32767.0 / 32768.0, 1e-7);
    CHECK_NEAR(a.samples[2], -1.0, 0);
    CHECK_NEAR(a.samples[3], 0.5, 0);
    wav_free(&a);
}

static void test_every_pcm_width_and_float(void)
{
    /* Stereo frames (left, right) = (-0.5, +0.25) in each format. */
    const unsigned char u8[] = {64, 160};
    const unsigned char s24[] = {0x00, 0x00, 0xc0, 0x00, 0x00, 0x20};
    const unsigned char s32[] = {0, 0, 0, 0xc0, 0, 0, 0, 0x20};
    float f[2] = {-0.5f, 0.25f};
    unsigned char f32[8];
    memcpy(f32, f, 8); /* the tests run on little-endian machines */
    struct { uint32_t tag, bits; const unsigned char *data; size_t len; } cases[] = {
        {1, 8, u8, sizeof u8}, {1, 24, s24, sizeof s24}, {1, 32, s32, sizeof s32},
        {3, 32, f32, sizeof f32}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bytes b;
        wav_audio a;
        char err[256];
        make_wav(&b, cases[i].tag, 2, 44100, cases[i].bits, cases[i].data, cases[i].len, 1);
        int status = parse(&b, &a, err, sizeof err);
        CHECK(status == 0);
        if (status) {
            printf("  case %zu: %s\n", i, err);
            continue;
        }
        CHECK(a.frames == 1 && a.channels == 2 && a.bits == cases[i].bits);
        CHECK_NEAR(a.samples[0], -0.5, 0);
        CHECK_NEAR(a.samples[1], 0.25, 0);
        wav_free(&a);
    }
}

/* The bytes every KSDATAFORMAT_SUBTYPE GUID (mmreg.h) has after its
   first two, the format tag: PCM is 01 00 then these. */
static const unsigned char GUID_TAIL[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

static void test_extensible_format(void)
{
    bytes b;
    b.len = 0;
    const unsigned char pcm[] = {0x00, 0x40};
    put(&b, "RIFF", 4);
    put_u32(&b, 4 + 8 + 40 + 8 + 2);
    put(&b, "WAVEfmt ", 8);
    put_u32(&b, 40);
    put_u16(&b, 0xFFFE);
    put_u16(&b, 1);
    put_u32(&b, 16000);
    put_u32(&b, 32000);
    put_u16(&b, 2);
    put_u16(&b, 16);
    put_u16(&b, 22);    /* cbSize */
    put_u16(&b, 16);    /* valid bits */
    put_u32(&b, 4);     /* channel mask */
    put_u16(&b, 1);     /* sub-format PCM ... */
    put(&b, GUID_TAIL, sizeof GUID_TAIL);
    put(&b, "data", 4);
    put_u32(&b, 2);
    put(&b, pcm, 2);
    wav_audio a;
    char err[256];
    CHECK(parse(&b, &a, err, sizeof err) == 0);
    CHECK(a.frames == 1 && a.encoding == WAV_PCM && a.bits == 16);
    CHECK(a.samples && a.samples[0] == 0.5f);
    wav_free(&a);
    b.data[b.len - 2 - 8 - 14] = 0x77; /* a corrupt GUID */
    CHECK(parse(&b, &a, err, sizeof err) == -1);
    CHECK(strstr(err, "sub-format") != NULL);
}

/* The bytes are refused: status -1, no samples, one line naming the
   cause (needle). */
static void check_refused(const bytes *b, const char *name, const char *needle)
{
    wav_audio a;
    char err[256] = "";
    int status = wav_read_buffer(b->data, b->len, &a, err, sizeof err);
    int ok = status == -1 && a.samples == NULL && strchr(err, '\n') == NULL &&
             strstr(err, needle) != NULL;
    CHECK(ok);
    if (!ok)
        printf("  case '%s': status %d, message '%s'\n", name, status, err);
    if (status == 0)
        wav_free(&a);
}

/* Every malformed file fails with a message of one line naming the cause. */
static void test_malformed_files(void)
{
    const unsigned char pcm[4] = {1, 2, 3, 4}, pcm16[16] = {0};
    struct { const char *name, *needle; } cases[] = {
        {"empty", "not a WAV"}, {"not riff", "not a WAV"}, {"12-bit", "12-bit"},
        {"3 channels", "3 channels"}, {"rate 0", "sample rate"}, {"bad block align", "block align"},
        {"odd data", "whole number"}, {"empty data", "no samples"}, {"riff too long", "truncated"},
        {"data too long", "truncated"}, {"no data", "no \"data\""}, {"alaw", "format tag"},
        {"nan float", "finite"}, {"data first", "before"}, {"two fmt", "second"},
        {"short fmt", "16 at least"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bytes b;
        make_wav(&b, 1, 1, 8000, 16, pcm, sizeof pcm, 0);
        switch (i) {
        case 0: b.len = 0; break;
        case 1: memcpy(b.data, "RIFX", 4); break;
        case 2: make_wav(&b, 1, 1, 8000, 12, pcm, sizeof pcm, 0); break;
        case 3: make_wav(&b, 1, 3, 8000, 16, pcm, 0, 0); break;
        case 4: make_wav(&b, 1, 1, 0, 16, pcm, sizeof pcm, 0); break;
        case 5: b.data[32] = 4; break;           /* block align 4 for mono 16-bit */
        case 6: make_wav(&b, 1, 1, 8000, 16, pcm, 3, 0); break;
        case 7: make_wav(&b, 1, 1, 8000, 16, pcm, 0, 0); break;
        case 8: b.len -= 1; break;               /* the RIFF size exceeds the file */
        case 9: b.data[40] = 200; break;         /* the data size exceeds the RIFF */
        case 10: b.len = 36; b.data[4] = 28; break;
        case 11: make_wav(&b, 6, 1, 8000, 16, pcm, sizeof pcm, 0); break;
        case 12: {
            unsigned char nan[4] = {0, 0, 0xc0, 0x7f};
            make_wav(&b, 3, 1, 8000, 32, nan, 4, 0);
            break;
        }
        case 13: memcpy(b.data + 12, "data", 4); memcpy(b.data + 36, "fmt ", 4); break;
        case 14: make_wav(&b, 1, 1, 8000, 16, pcm16, 16, 0); memcpy(b.data + 36, "fmt ", 4); break;
        case 15: b.data[16] = 14; memcpy(b.data + 34, "data", 4); break;
        }
        check_refused(&b, cases[i].name, cases[i].needle);
    }
}

/* Every prefix of a valid file fails cleanly (no read past the end). */
static void test_every_truncation_fails(void)
{
    const unsigned char pcm[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    bytes b;
    make_wav(&b, 1, 2, 8000, 16, pcm, sizeof pcm, 1);
    for (size_t len = 0; len < b.len; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */
        memcpy(copy, b.data, len);
        wav_audio a;
        char err[256];
        CHECK(wav_read_buffer(copy, len, &a, err, sizeof err) == -1);
        free(copy);
    }
}

/* ------------------------------------------------------- streamed files */

static void set_u32(bytes *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->data[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

/* Where the size of the "data" chunk of a make_wav file is. */
static size_t data_size_at(const bytes *b)
{
    size_t at = 12;
    while (memcmp(b->data + at, "data", 4) != 0)
        at++;
    return at + 4;
}

/* The sizes streaming writers leave in the header of a 16-bit mono file of
   four frames: every frame is read, and the audio says how the sizes
   disagreed with the file. */
static void test_streamed_sizes_are_read(void)
{
    const unsigned char pcm[8] = {0x00, 0x00, 0x00, 0x40, 0x00, 0xc0, 0xff, 0x7f};
    const int64_t TOO_LARGE_BY_8 = -1; /* the RIFF size: the file's length, not length - 8 */
    struct {
        const char *name;
        int64_t riff;
        uint32_t data;
        wav_streamed kind;
    } cases[] = {
        {"espeak-ng --stdout", 0x7ffff024, 0x7ffff000, WAV_STREAMED_DATA},
        {"0xFFFFFFFF (ffmpeg to a pipe)", 0xffffffff, 0xffffffff, WAV_STREAMED_DATA},
        {"zero sizes", 0, 0, WAV_STREAMED_DATA},
        {"the sizes of no frames", 36, 0, WAV_STREAMED_DATA},
        {"placeholder data, RIFF past the end", TOO_LARGE_BY_8, 0xffffffff, WAV_STREAMED_DATA},
        {"placeholder RIFF, exact data", 0xffffffff, 8, WAV_STREAMED_RIFF},
        {"zero RIFF, exact data", 0, 8, WAV_STREAMED_RIFF},
        {"RIFF 8 bytes too large", TOO_LARGE_BY_8, 8, WAV_STREAMED_RIFF}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bytes b;
        make_wav(&b, 1, 1, 8000, 16, pcm, sizeof pcm, 0);
        uint64_t riff = cases[i].riff == TOO_LARGE_BY_8 ? b.len : (uint64_t)cases[i].riff;
        set_u32(&b, 4, (uint32_t)riff);
        set_u32(&b, data_size_at(&b), cases[i].data);
        wav_audio a;
        char err[256] = "";
        int status = parse(&b, &a, err, sizeof err);
        bool data_kind = cases[i].kind == WAV_STREAMED_DATA;
        int ok = status == 0 && a.frames == 4 && a.channels == 1 && a.rate == 8000 &&
                 a.samples[0] == 0.0f && a.samples[1] == 0.5f && a.samples[2] == -0.5f &&
                 a.samples[3] == 32767.0f / 32768.0f && a.streamed == cases[i].kind &&
                 a.declared_bytes == (data_kind ? cases[i].data : riff + 8) &&
                 a.present_bytes == (data_kind ? sizeof pcm : b.len);
        CHECK(ok);
        if (!ok)
            printf("  case '%s': status %d, %zu frames, streamed %d, declared %llu, present "
                   "%llu, message '%s'\n", cases[i].name, status, a.frames, (int)a.streamed,
                   (unsigned long long)a.declared_bytes, (unsigned long long)a.present_bytes,
                   err);
        wav_free(&a);
    }
}

/* A placeholder "data" size in a file whose RIFF size is exact (it fits
   the file) is no streamed file: a writer that went back to fill in the
   RIFF size could fill in the data's, and the data could end anywhere
   before the RIFF's end, a LIST chunk after it. Refused as truncated, as
   any "data" size beyond the RIFF's end, never read past the RIFF end
   (wav.h: bytes after the RIFF chunk are ignored) nor into a chunk after
   the data. */
static void test_placeholder_data_in_exact_riff_is_refused(void)
{
    const unsigned char pcm[8] = {0x00, 0x00, 0x00, 0x40, 0x00, 0xc0, 0xff, 0x7f};
    const char *names[] = {"data 0xFFFFFFFF, 128 bytes after the RIFF",
                           "data 0x80000000, a LIST chunk after the data",
                           "data 0xFFFFFFFF, the data last", "data 0x7FFFF000, the data last"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        bytes b;
        make_wav(&b, 1, 1, 8000, 16, pcm, sizeof pcm, 0);
        uint32_t data = i == 1 ? 0x80000000u : i == 3 ? 0x7ffff000u : 0xffffffffu;
        set_u32(&b, data_size_at(&b), data);
        if (i == 0) { /* the RIFF size stays the file's without them */
            memset(b.data + b.len, 0x55, 128);
            b.len += 128;
        } else if (i == 1) {
            put(&b, "LIST", 4);
            put_u32(&b, 4);
            put(&b, "INFO", 4);
            set_u32(&b, 4, (uint32_t)(b.len - 8));
        }
        check_refused(&b, names[i], "truncated: chunk \"data\" at byte 36 says");
        wav_audio a;
        char err[256] = "";
        wav_read_buffer(b.data, b.len, &a, err, sizeof err);
        wav_free(&a);
        char want[128];
        snprintf(want, sizeof want, "says %u bytes, %d remain in the RIFF chunk", (unsigned)data,
                 i == 1 ? 8 + 12 : 8);
        CHECK(strstr(err, want) != NULL);
        if (!strstr(err, want))
            printf("  case '%s': message '%s'\n", names[i], err);
    }
}

/* A streamed stereo 24-bit file, with a LIST chunk before "fmt ", cut off
   in the middle of its third frame: the two whole frames are read. */
static void test_streamed_partial_frame_is_dropped(void)
{
    const unsigned char s24[16] = {0x00, 0x00, 0xc0, 0x00, 0x00, 0x20,  /* -0.5, 0.25 */
                                   0x00, 0x00, 0x40, 0x00, 0x00, 0x00,  /* 0.5, 0 */
                                   0x00, 0x00, 0x40, 0x00};             /* 0.5, a third */
    bytes b;
    make_wav(&b, 1, 2, 44100, 24, s24, sizeof s24, 1);
    set_u32(&b, 4, 0xffffffff);
    set_u32(&b, data_size_at(&b), 0xffffffff);
    wav_audio a;
    char err[256] = "";
    CHECK(parse(&b, &a, err, sizeof err) == 0);
    CHECK(a.frames == 2 && a.channels == 2 && a.bits == 24);
    CHECK(a.streamed == WAV_STREAMED_DATA && a.declared_bytes == 0xffffffff &&
          a.present_bytes == sizeof s24);
    CHECK(a.samples && a.samples[0] == -0.5f && a.samples[1] == 0.25f && a.samples[2] == 0.5f &&
          a.samples[3] == 0.0f);
    wav_free(&a);
}

/* An 8-bit chunk of odd size is followed by a pad byte, which the RIFF
   size counts; at the end of the file, writers leave it out. Not a
   streamed file: every size is right. */
static void test_missing_final_pad_byte(void)
{
    const unsigned char u8[3] = {0, 128, 192};
    bytes b;
    make_wav(&b, 1, 1, 8000, 8, u8, sizeof u8, 1);
    set_u32(&b, 4, (uint32_t)(b.len - 8 + 1));
    wav_audio a;
    char err[256] = "";
    int status = parse(&b, &a, err, sizeof err);
    CHECK(status == 0);
    if (status)
        printf("  message '%s'\n", err);
    CHECK(a.frames == 3 && a.streamed == WAV_WHOLE);
    CHECK(a.samples && a.samples[0] == -1.0f && a.samples[1] == 0.0f && a.samples[2] == 0.5f);
    wav_free(&a);
}

/* Streamed files that are broken anyway fail with one line naming why. */
static void test_broken_streamed_files(void)
{
    const unsigned char pcm[4] = {1, 2, 3, 4};
    struct { const char *name, *needle; } cases[] = {
        {"placeholder data, no bytes", "no samples"},
        {"placeholder data, 3 bytes of a 4-byte frame", "less than one whole"},
        {"data before fmt", "before"},
        {"no data chunk", "no \"data\""},
        {"no fmt chunk", "no \"fmt \""},
        {"cut short: data size no placeholder", "truncated"},
        {"LIST past the end", "truncated"},
        {"empty data, then a LIST chunk", "no samples"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bytes b;
        make_wav(&b, 1, 2, 8000, 16, pcm, sizeof pcm, 0);
        set_u32(&b, 4, 0x7ffff024);
        set_u32(&b, 40, 0x7ffff000);
        switch (i) {
        case 0: b.len = 44; break;
        case 1: b.len = 47; break;
        case 2: memcpy(b.data + 12, "data", 4); memcpy(b.data + 36, "fmt ", 4); break;
        case 3: b.len = 36; break;
        case 4: memcpy(b.data + 12, "LIST", 4); b.len = 36; break;
        case 5: set_u32(&b, 40, 8); break;
        case 6: memcpy(b.data + 36, "LIST", 4); break;
        case 7: /* a real empty "data" chunk (the RIFF size is the file's), a LIST after it */
            make_wav(&b, 1, 2, 8000, 16, pcm, 0, 0);
            put(&b, "LIST", 4);
            put_u32(&b, 4);
            put(&b, "INFO", 4);
            set_u32(&b, 4, (uint32_t)(b.len - 8));
            break;
        }
        check_refused(&b, cases[i].name, cases[i].needle);
    }
}

/* Every prefix of a streamed file (espeak-ng's sizes, stereo 16-bit)
   either fails cleanly or reads exactly the whole frames it holds. */
static void test_every_prefix_of_a_streamed_file(void)
{
    const unsigned char pcm[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    bytes b;
    make_wav(&b, 1, 2, 8000, 16, pcm, sizeof pcm, 1);
    set_u32(&b, 4, 0x7ffff024);
    set_u32(&b, data_size_at(&b), 0x7ffff000);
    size_t header = b.len - sizeof pcm;
    for (size_t len = 0; len <= b.len; len++) {
        unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */
        memcpy(copy, b.data, len);
        wav_audio a;
        char err[256] = "";
        int status = wav_read_buffer(copy, len, &a, err, sizeof err);
        size_t frames = len >= header ? (len - header) / 4 : 0;
        if (frames > 0)
            CHECK(status == 0 && a.frames == frames && a.streamed == WAV_STREAMED_DATA &&
                  a.present_bytes == len - header);
        else
            CHECK(status == -1 && a.samples == NULL && strchr(err, '\n') == NULL);
        wav_free(&a);
        free(copy);
    }
}

static void test_write_read_round_trip(void)
{
    char dir[] = "/tmp/test_wav_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/x.wav", dir);
    float samples[6] = {-1.0f, 1.0f, 0.5f, -0.25f, 0.0f, 2.0f /* clamped */};
    struct { wav_encoding enc; unsigned bits; double tol; } cases[] = {
        {WAV_PCM, 8, 1.0 / 128}, {WAV_PCM, 16, 1.0 / 32768}, {WAV_PCM, 24, 1.0 / 8388608},
        {WAV_PCM, 32, 1e-7}, {WAV_FLOAT, 32, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wav_audio out = {.encoding = cases[i].enc, .bits = cases[i].bits, .channels = 2,
                         .rate = 22050, .frames = 3, .samples = samples}, in;
        char err[256];
        CHECK(wav_write(path, &out, err, sizeof err) == 0);
        CHECK(wav_read(path, &in, err, sizeof err) == 0);
        CHECK(in.frames == 3 && in.channels == 2 && in.rate == 22050 &&
              in.bits == cases[i].bits && in.encoding == cases[i].enc);
        for (size_t k = 0; in.samples && k < 6; k++) {
            double want = samples[k] > 1 ? 1 : samples[k];
            /* +1 is not representable in PCM: the largest sample is 1 - 2^-(bits-1). */
            double tol = cases[i].tol + (cases[i].enc == WAV_PCM && want == 1 ? cases[i].tol : 0);
            CHECK_NEAR(in.samples[k], want, tol);
        }
        CHECK(in.streamed == WAV_WHOLE);
        wav_free(&in);
    }
    unlink(path);
    rmdir(dir);
}

static void test_read_errors_name_the_cause(void)
{
    wav_audio a;
    char err[256];
    CHECK(wav_read("/nonexistent/x.wav", &a, err, sizeof err) == -1);
    CHECK(strstr(err, "cannot open") != NULL);
    wav_audio none = {.encoding = WAV_PCM, .bits = 16, .channels = 1, .rate = 8000};
    CHECK(wav_write("/tmp/never.wav", &none, err, sizeof err) == -1);
}

/* ------------------------------------------- devices and pipes */

static void read_wav_in_child(void *path, char *msg, size_t cap)
{
    wav_audio a;
    if (wav_read(path, &a, msg, cap) == 0) {
        snprintf(msg, cap, "read %zu frames", a.frames);
        wav_free(&a);
    }
}

/* /dev/zero is refused by its first bytes, under a 128 MiB limit (issue
   19: it was read to 1 GiB first); a streamed file through a pipe (as
   espeak-ng --stdout writes it, sizes 0x7ffff000) is read to its end. */
static void test_devices_and_pipes(void)
{
    char msg[512];
    CHECK(run_with_memory_limit((size_t)128 << 20, read_wav_in_child, "/dev/zero", msg,
                                sizeof msg) == 0);
    CHECK(strcmp(msg, "not a WAV file (no RIFF/WAVE header)") == 0);
    CHECK(run_with_memory_limit((size_t)128 << 20, read_wav_in_child, "/dev/null", msg,
                                sizeof msg) == 0);
    CHECK(strcmp(msg, "not a WAV file (no RIFF/WAVE header)") == 0);
    const unsigned char pcm[8] = {0x00, 0x00, 0x00, 0x40, 0x00, 0xc0, 0xff, 0x7f};
    bytes b;
    make_wav(&b, 1, 1, 8000, 16, pcm, sizeof pcm, 0);
    set_u32(&b, 4, 0x7ffff024);
    set_u32(&b, data_size_at(&b), 0x7ffff000);
    byte_pipe p;
    CHECK(open_pipe(&p, b.data, b.len) == 0);
    wav_audio a;
    CHECK(wav_read(p.path, &a, msg, sizeof msg) == 0);
    close_pipe(&p);
    CHECK(a.frames == 4 && a.streamed == WAV_STREAMED_DATA);
    wav_free(&a);
}

int main(void)
{
    RUN(test_pcm16_mono);
    RUN(test_every_pcm_width_and_float);
    RUN(test_extensible_format);
    RUN(test_malformed_files);
    RUN(test_every_truncation_fails);
    RUN(test_streamed_sizes_are_read);
    RUN(test_streamed_partial_frame_is_dropped);
    RUN(test_placeholder_data_in_exact_riff_is_refused);
    RUN(test_missing_final_pad_byte);
    RUN(test_broken_streamed_files);
    RUN(test_every_prefix_of_a_streamed_file);
    RUN(test_write_read_round_trip);
    RUN(test_read_errors_name_the_cause);
    RUN(test_devices_and_pipes);
    return check_summary();
}
