/* wav.c - RIFF WAVE reading and writing (see wav.h). */
#include "wav.h"
#include "error_message.h"
#include "files.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wav_free(wav_audio *audio)
{
    if (audio) {
        free(audio->samples);
        audio->samples = NULL;
        audio->frames = 0;
    }
}

/* ------------------------------------------------------------- reading */

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A chunk id for messages: printable characters as they are, others as
   '?', so a message stays one line. */
static void chunk_name(const unsigned char *id, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = id[i] >= 0x20 && id[i] < 0x7f ? (char)id[i] : '?';
    out[4] = '\0';
}

/* The tail every standard KSDATAFORMAT_SUBTYPE GUID shares after its
   first two bytes (the format tag). */
static const unsigned char GUID_TAIL[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                            0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

/* The format tag, resolving WAVE_FORMAT_EXTENSIBLE to its sub-format. */
static int format_tag(const unsigned char *fmt, uint32_t size, unsigned bits, uint32_t *tag,
                      char *err, size_t errlen)
{
    *tag = le16(fmt);
    if (*tag != 0xFFFE)
        return 0;
    if (size < 40 || le16(fmt + 16) < 22)
        return error_message(err, errlen, "WAVE_FORMAT_EXTENSIBLE \"fmt \" chunk of %u bytes, "
                    "expected 40", (unsigned)size);
    unsigned valid = (unsigned)le16(fmt + 18);
    if (valid == 0 || valid > bits)
        return error_message(err, errlen, "%u valid bits in %u-bit samples", valid, bits);
    if (memcmp(fmt + 26, GUID_TAIL, sizeof GUID_TAIL) != 0)
        return error_message(err, errlen, "unknown WAVE_FORMAT_EXTENSIBLE sub-format");
    *tag = le16(fmt + 24);
    return 0;
}

/* Parses and checks the "fmt " chunk into audio. */
static int parse_format(const unsigned char *fmt, uint32_t size, wav_audio *audio, char *err,
                        size_t errlen)
{
    if (size < 16)
        return error_message(err, errlen, "\"fmt \" chunk of %u bytes, expected 16 at least",
                    (unsigned)size);
    uint32_t channels = le16(fmt + 2), rate = le32(fmt + 4), byte_rate = le32(fmt + 8);
    uint32_t block_align = le16(fmt + 12), bits = le16(fmt + 14), tag;
    if (format_tag(fmt, size, bits, &tag, err, errlen))
        return -1;
    if (tag == WAV_PCM) {
        if (bits != 8 && bits != 16 && bits != 24 && bits != 32)
            return error_message(err, errlen, "%u-bit PCM is not supported (8, 16, 24 or 32)",
                        (unsigned)bits);
    } else if (tag == WAV_FLOAT) {
        if (bits != 32)
            return error_message(err, errlen, "%u-bit float is not supported (32 only)",
                        (unsigned)bits);
    } else {
        return error_message(err, errlen, "format tag 0x%04x is not supported (PCM or float only)",
                    (unsigned)tag);
    }
    if (channels != 1 && channels != 2)
        return error_message(err, errlen, "%u channels: only mono and stereo are supported",
                    (unsigned)channels);
    if (rate == 0 || rate > WAV_MAX_RATE)
        return error_message(err, errlen, "sample rate %u Hz out of range (1 to %u)", (unsigned)rate,
                    WAV_MAX_RATE);
    if (block_align != channels * bits / 8)
        return error_message(err, errlen, "block align %u, expected %u for %u x %u bits",
                    (unsigned)block_align, (unsigned)(channels * bits / 8),
                    (unsigned)channels, (unsigned)bits);
    if (byte_rate != (uint64_t)rate * block_align)
        return error_message(err, errlen, "byte rate %u, expected %llu", (unsigned)byte_rate,
                    (unsigned long long)rate * block_align);
    audio->encoding = tag == WAV_PCM ? WAV_PCM : WAV_FLOAT;
    audio->bits = bits;
    audio->channels = channels;
    audio->rate = rate;
    return 0;
}

/* One sample at p, scaled as wav.h says. */
static float decode_sample(const unsigned char *p, const wav_audio *audio)
{
    switch (audio->encoding == WAV_FLOAT ? 0 : audio->bits) {
    case 0: {
        uint32_t u = le32(p);
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    case 8: return (float)((int)p[0] - 128) / 128.0f;
    case 16: return (float)(int16_t)le16(p) / 32768.0f;
    case 24: {
        int32_t v = (int32_t)(le32((const unsigned char[4]){0, p[0], p[1], p[2]}));
        return (float)((double)(v / 256) / 8388608.0);
    }
    default: return (float)((double)(int32_t)le32(p) / 2147483648.0);
    }
}

/* Decodes `frames` frames at data into audio->samples. */
static int decode_frames(const unsigned char *data, size_t frames, wav_audio *audio, char *err,
                         size_t errlen)
{
    size_t count = frames * audio->channels;
    if (count > WAV_MAX_SAMPLES)
        return error_message(err, errlen, "%zu samples, more than the %zu accepted", count,
                    WAV_MAX_SAMPLES);
    float *samples = malloc(count * sizeof *samples);
    if (!samples)
        return error_message(err, errlen, "out of memory for %zu samples", count);
    size_t bytes = audio->bits / 8;
    for (size_t i = 0; i < count; i++) {
        samples[i] = decode_sample(data + i * bytes, audio);
        if (!isfinite(samples[i])) {
            free(samples);
            return error_message(err, errlen, "sample %zu is not a finite number", i);
        }
    }
    audio->samples = samples;
    audio->frames = frames;
    return 0;
}

/* A "data" chunk whose size is to be believed: `size` bytes, whole frames. */
static int decode_data(const unsigned char *data, uint32_t size, wav_audio *audio, char *err,
                       size_t errlen)
{
    size_t frame_bytes = audio->channels * audio->bits / 8;
    if (size == 0)
        return error_message(err, errlen, "no samples: the \"data\" chunk is empty");
    if (size % frame_bytes != 0)
        return error_message(err, errlen, "\"data\" chunk of %u bytes is not a whole number of "
                    "%zu-byte frames", (unsigned)size, frame_bytes);
    return decode_frames(data, size / frame_bytes, audio, err, errlen);
}

/* A streamed "data" chunk: the `present` bytes up to the end of the file,
   of which the whole frames are read. */
static int decode_streamed_data(const unsigned char *data, uint32_t declared, size_t present,
                                wav_audio *audio, char *err, size_t errlen)
{
    size_t frame_bytes = audio->channels * audio->bits / 8;
    if (present == 0)
        return error_message(err, errlen, "no samples: the \"data\" chunk (its size a "
                    "placeholder, %u) is empty", (unsigned)declared);
    if (present < frame_bytes)
        return error_message(err, errlen, "the \"data\" chunk (its size a placeholder, %u) holds "
                    "%zu bytes, less than one whole %zu-byte frame", (unsigned)declared, present,
                    frame_bytes);
    audio->streamed = WAV_STREAMED_DATA;
    audio->declared_bytes = declared;
    audio->present_bytes = present;
    return decode_frames(data, present / frame_bytes, audio, err, errlen);
}

/* A size a streaming writer leaves in place of one it cannot know yet
   (wav.h, "Streamed files"); 0 is one too, but only where the file says so. */
static bool placeholder_size(uint64_t size)
{
    return size > WAV_MAX_FILE_BYTES;
}

/* The file and the extent of its RIFF chunk. */
typedef struct riff_file {
    const unsigned char *buf;
    size_t len;       /* of the file */
    size_t end;       /* of the chunks walked: the RIFF's, or the file's when it is not known */
    uint64_t riff_end; /* what the RIFF size says: its value + 8 */
    bool riff_placeholder; /* the RIFF size is below 4 (too small even for "WAVE": 0 is a
                              streaming writer's placeholder) or a placeholder */
    bool riff_unknown;     /* that, or it runs past the end of the file */
} riff_file;

/* Whether a "data" chunk at pos that says 0 bytes is a streaming writer's
   placeholder: bytes follow it in the file, and the RIFF size is one too,
   or ends right after this chunk's header (the size of a file of no
   frames, written before the first). */
static bool zero_is_placeholder(const riff_file *f, size_t pos)
{
    return f->len - pos > 8 && (f->riff_placeholder || f->end == pos + 8);
}

/* Whether the "data" chunk at pos, of `size` bytes by its header, is a
   streaming writer's: the data runs to the end of the file. A large
   placeholder counts only where the RIFF size is unknown too: a writer
   that went back to fill in the RIFF size could fill in the data's, and
   within a RIFF size that fits the file the data could end anywhere
   before the RIFF's end (a LIST chunk may follow it), while reading on to
   the end of the file would take bytes after the RIFF chunk. */
static bool streamed_data(const riff_file *f, size_t pos, uint32_t size)
{
    if (size == 0)
        return zero_is_placeholder(f, pos);
    return placeholder_size(size) && f->riff_unknown;
}

/* The "data" chunk at pos, of `size` bytes by its header. */
static int parse_data(const riff_file *f, size_t pos, uint32_t size, wav_audio *audio, char *err,
                      size_t errlen)
{
    const unsigned char *body = f->buf + pos + 8;
    size_t to_end = f->end - pos - 8, to_eof = f->len - pos - 8;
    if (streamed_data(f, pos, size))
        return decode_streamed_data(body, size, to_eof, audio, err, errlen);
    if (size > to_end)
        return error_message(err, errlen, "truncated: chunk \"data\" at byte %zu says %u bytes, "
                    "%zu remain%s", pos, (unsigned)size, to_end,
                    f->riff_unknown ? "" : " in the RIFF chunk");
    if (decode_data(body, size, audio, err, errlen))
        return -1;
    if (f->riff_unknown) {
        audio->streamed = WAV_STREAMED_RIFF;
        audio->declared_bytes = f->riff_end;
        audio->present_bytes = f->len;
    }
    return 0;
}

/* Walks the chunks of the RIFF body [12, f->end) for "fmt " and "data". */
static int parse_chunks(const riff_file *f, wav_audio *audio, char *err, size_t errlen)
{
    bool have_format = false;
    size_t pos = 12;
    while (pos < f->end) {
        if (f->end - pos < 8)
            return error_message(err, errlen, "truncated chunk header at byte %zu", pos);
        const unsigned char *id = f->buf + pos;
        uint32_t size = le32(f->buf + pos + 4);
        if (memcmp(id, "data", 4) == 0) {
            if (!have_format)
                return error_message(err, errlen, "\"data\" chunk before the \"fmt \" chunk");
            return parse_data(f, pos, size, audio, err, errlen);
        }
        char name[5];
        chunk_name(id, name);
        if (size > f->end - pos - 8)
            return error_message(err, errlen, "truncated: chunk \"%s\" at byte %zu says %u bytes, "
                        "%zu remain", name, pos, (unsigned)size, f->end - pos - 8);
        if (memcmp(id, "fmt ", 4) == 0) {
            if (have_format)
                return error_message(err, errlen, "a second \"fmt \" chunk at byte %zu", pos);
            if (parse_format(f->buf + pos + 8, size, audio, err, errlen))
                return -1;
            have_format = true;
        }
        /* Next chunk: the body, and the pad byte after an odd size. */
        pos += 8 + (size_t)size + (size & 1u);
    }
    return error_message(err, errlen, have_format ? "no \"data\" chunk" : "no \"fmt \" chunk");
}

int wav_read_buffer(const unsigned char *buf, size_t len, wav_audio *audio, char *err,
                    size_t errlen)
{
    memset(audio, 0, sizeof *audio);
    if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return error_message(err, errlen, len < 12 && len > 0 && memcmp(buf, "RIFF", len < 4 ? len : 4) == 0
                                     ? "truncated RIFF header"
                                     : "not a WAV file (no RIFF/WAVE header)");
    riff_file f = {buf, len, len, (uint64_t)le32(buf + 4) + 8, false, false};
    f.riff_placeholder = f.riff_end < 12 || placeholder_size(f.riff_end - 8);
    /* A RIFF size one byte past the file is a final pad byte left out. */
    f.riff_unknown = f.riff_placeholder || f.riff_end > len + 1;
    if (!f.riff_unknown && f.riff_end < len)
        f.end = (size_t)f.riff_end;
    if (parse_chunks(&f, audio, err, errlen)) {
        wav_free(audio);
        memset(audio, 0, sizeof *audio);
        return -1;
    }
    return 0;
}

/* files_read_checked's look at the first bytes: a RIFF/WAVE header, or
   the file is refused there (a device, a file of another kind). The rest
   is read to the end of the file: a streamed file's sizes do not say
   where its data ends (wav.h, "Streamed files"). */
static int check_head(const unsigned char *head, size_t len, bool at_end, size_t *total,
                      const void *ctx, char *err, size_t errlen)
{
    (void)ctx;
    (void)at_end;
    if (len < 12 || memcmp(head, "RIFF", 4) != 0 || memcmp(head + 8, "WAVE", 4) != 0) {
        wav_audio none; /* wav_read_buffer's message for such a start */
        return wav_read_buffer(head, len, &none, err, errlen);
    }
    *total = SIZE_MAX;
    return 0;
}

int wav_read(const char *path, wav_audio *audio, char *err, size_t errlen)
{
    unsigned char *data = NULL;
    size_t len = 0;
    memset(audio, 0, sizeof *audio);
    if (files_read_checked(path, WAV_HEAD_BYTES, check_head, NULL, WAV_MAX_FILE_BYTES, &data,
                           &len, err, errlen))
        return -1;
    int status = wav_read_buffer(data, len, audio, err, errlen);
    free(data);
    return status;
}

/* ------------------------------------------------------------- writing */

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8 & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

/* v in [-1, 1] (clamped; NaN is 0) as a bits-bit integer sample. */
static void encode_sample(float v, const wav_audio *audio, unsigned char *p)
{
    if (!(v >= -1.0f))
        v = v != v ? 0.0f : -1.0f;
    if (v > 1.0f)
        v = 1.0f;
    if (audio->encoding == WAV_FLOAT) {
        uint32_t u;
        memcpy(&u, &v, sizeof u);
        put32(p, u);
        return;
    }
    double full = ldexp(1.0, (int)audio->bits - 1);
    double q = floor((double)v * full + 0.5);
    if (q > full - 1)
        q = full - 1;
    if (q < -full)
        q = -full;
    int64_t i = (int64_t)q;
    if (audio->bits == 8) {
        p[0] = (unsigned char)(i + 128);
        return;
    }
    uint32_t u = (uint32_t)(int32_t)i;
    for (unsigned b = 0; b < audio->bits / 8; b++)
        p[b] = (unsigned char)(u >> (8 * b) & 0xff);
}

/* The header: RIFF, "fmt " (18 bytes with cbSize 0 for float), a "fact"
   chunk for float, and the "data" chunk header. Returns its length. */
static size_t make_header(const wav_audio *audio, uint32_t data_bytes, unsigned char *h)
{
    bool is_float = audio->encoding == WAV_FLOAT;
    uint32_t fmt_size = is_float ? 18 : 16, block = audio->channels * audio->bits / 8;
    size_t len = 12 + 8 + fmt_size + (is_float ? 12 : 0) + 8;
    memcpy(h, "RIFF", 4);
    put32(h + 4, (uint32_t)(len - 8) + data_bytes + (data_bytes & 1u));
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, fmt_size);
    put16(h + 20, (uint32_t)audio->encoding);
    put16(h + 22, audio->channels);
    put32(h + 24, audio->rate);
    put32(h + 28, audio->rate * block);
    put16(h + 32, block);
    put16(h + 34, audio->bits);
    unsigned char *p = h + 36;
    if (is_float) {
        put16(p, 0);
        memcpy(p + 2, "fact", 4);
        put32(p + 6, 4);
        put32(p + 10, (uint32_t)audio->frames);
        p += 14;
    }
    memcpy(p, "data", 4);
    put32(p + 4, data_bytes);
    return len;
}

static bool writable_format(const wav_audio *audio)
{
    bool bits_ok = audio->encoding == WAV_FLOAT
                       ? audio->bits == 32
                       : audio->encoding == WAV_PCM &&
                             (audio->bits == 8 || audio->bits == 16 || audio->bits == 24 ||
                              audio->bits == 32);
    return bits_ok && (audio->channels == 1 || audio->channels == 2) && audio->rate > 0 &&
           audio->rate <= WAV_MAX_RATE && audio->samples && audio->frames > 0 &&
           audio->frames * audio->channels <= WAV_MAX_SAMPLES;
}

static int write_body(FILE *f, const wav_audio *audio)
{
    size_t count = audio->frames * audio->channels, bytes = audio->bits / 8;
    unsigned char header[64], block[4096];
    uint32_t data_bytes = (uint32_t)(count * bytes);
    size_t header_len = make_header(audio, data_bytes, header);
    if (fwrite(header, 1, header_len, f) != header_len)
        return -1;
    size_t per_block = sizeof block / bytes;
    for (size_t first = 0; first < count; first += per_block) {
        size_t n = count - first < per_block ? count - first : per_block;
        for (size_t i = 0; i < n; i++)
            encode_sample(audio->samples[first + i], audio, block + i * bytes);
        if (fwrite(block, bytes, n, f) != n)
            return -1;
    }
    if ((data_bytes & 1u) && fputc(0, f) == EOF)
        return -1;
    return fflush(f) == 0 ? 0 : -1;
}

/* write_body for files_write_atomic. */
static int write_wav(FILE *f, const void *audio)
{
    return write_body(f, audio);
}

int wav_write(const char *path, const wav_audio *audio, char *err, size_t errlen)
{
    if (!audio || !writable_format(audio))
        return error_message(err, errlen,
                             "no audio to write, or a format that cannot be written");
    return files_write_atomic(path, write_wav, audio, err, errlen);
}
