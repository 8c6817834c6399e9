/* wav.h - reading and writing RIFF WAVE audio files, for the example
   programs.

   Read: PCM with 8 (unsigned), 16, 24 or 32 (signed, little-endian) bits
   per sample, and IEEE float with 32 bits, under the plain format tags
   (1, 3) or WAVE_FORMAT_EXTENSIBLE (0xFFFE, whose sub-format must be PCM
   or float); mono or stereo; any sample rate from 1 Hz to WAV_MAX_RATE.
   Parsing is strict, and every failure is a one-line message: chunks
   must fit the RIFF size, "fmt " must come before "data" and appear once,
   block align and byte rate must agree with the format, the data must be
   a whole number of frames and not empty, float samples must be finite.
   Other chunks (LIST, fact, ...) are skipped; a chunk of odd size is
   followed by a pad byte (which may be missing at the very end of the
   file). Bytes after the RIFF chunk are ignored.

   Streamed files. A writer that writes to a pipe (espeak-ng --stdout,
   ffmpeg to stdout) cannot go back to fill in the sizes once it knows
   them, and leaves placeholders: 0, or a size no file read here can have
   (more than WAV_MAX_FILE_BYTES, such as 0x7FFFF000 or 0xFFFFFFFF).
   These files are read, and audio->streamed says so:
     - a RIFF size that is a placeholder or runs past the end of the file:
       the chunks are walked up to the end of the file instead;
     - a "data" size that is a placeholder where the RIFF size is one
       too or runs past the end of the file: the data runs to the end of
       the file (so it is the last chunk), and its whole frames are read;
       a partial frame at the very end is dropped, less than one whole
       frame is an error. A "data" size of 0 is a placeholder only when
       bytes follow it and the RIFF size is a placeholder too or ends
       right after this chunk's header (the sizes of a file of no frames,
       written before the first).
   Where the RIFF size fits the file, a "data" size above
   WAV_MAX_FILE_BYTES is no placeholder: a writer that went back to fill
   in the RIFF size could fill in the data's, and the data could end
   anywhere before the RIFF's end (a LIST chunk after it). A "data" size
   that is no placeholder but runs past the RIFF's or the file's end is an
   error, "truncated: ..." (a file cut short).
   A RIFF size one byte past the end of the file is a final pad byte left
   out, not a streamed file.

   Samples come back as floats, interleaved [frames][channels]: integers
   divided by 2^(bits-1) (8-bit: (v - 128) / 128), so in [-1, 1) exactly
   for 8, 16 and 24 bits; for 32 bits the quotient is rounded to float,
   and the largest samples (2^31 - 64 and up) round to 1.0. Floats as
   stored.

   Write: the same formats (plain tags; float gets the fmt extension size
   and a fact chunk), to a temporary file beside the target that is
   renamed over it. Samples are clamped to [-1, 1] and rounded. The valid
   bits of WAVE_FORMAT_EXTENSIBLE are not kept: audio read from a file of
   24 valid bits in 32 is written as plain 32-bit PCM. */
#ifndef EXAMPLES_WAV_H
#define EXAMPLES_WAV_H

#include <stddef.h>
#include <stdint.h>

typedef enum wav_encoding {
    WAV_PCM = 1,   /* integer samples */
    WAV_FLOAT = 3  /* IEEE float */
} wav_encoding;

/* Whether the header's sizes described the file (see "Streamed files"). */
typedef enum wav_streamed {
    WAV_WHOLE = 0,       /* they did */
    WAV_STREAMED_DATA,   /* the "data" size was a placeholder: every whole frame up to the
                            end of the file was read */
    WAV_STREAMED_RIFF    /* the "data" chunk was whole, but the RIFF size was a placeholder
                            or ran past the end of the file */
} wav_streamed;

typedef struct wav_audio {
    wav_encoding encoding;
    unsigned bits;          /* per sample: 8, 16, 24, 32 (PCM) or 32 (float) */
    unsigned channels;      /* 1 or 2 */
    uint32_t rate;          /* frames per second */
    size_t frames;
    float *samples;         /* [frames][channels] */
    /* Set by the reader (see "Streamed files" above; both sizes 0 for
       WAV_WHOLE); ignored by wav_write. */
    wav_streamed streamed;
    uint64_t declared_bytes; /* the size the header gives: the data chunk's, or the RIFF's + 8 */
    uint64_t present_bytes;  /* what the file holds: from the data chunk's first byte to the
                                end of the file, or the file's length */
} wav_audio;

/* The most samples (frames * channels) accepted: 2^28 (1 GiB of floats). */
#define WAV_MAX_SAMPLES ((size_t)1 << 28)
/* The highest sample rate accepted. */
#define WAV_MAX_RATE 10000000u
/* Files larger than this are refused unread. */
#define WAV_MAX_FILE_BYTES ((size_t)1 << 30)
/* wav_read reads this much first, and nothing more unless it starts with
   a RIFF/WAVE header: a device or a file of another kind costs this. The
   rest is then read to the end of the file (at most WAV_MAX_FILE_BYTES),
   as a streamed file needs. */
#define WAV_HEAD_BYTES 65536

/* Error messages go to err (at most errlen bytes, always terminated)
   without the file name or a newline. Functions return 0, or -1 (then
   *audio is empty: samples NULL). */
int wav_read(const char *path, wav_audio *audio, char *err, size_t errlen);
/* Parses a whole file held in memory (the entry point of the fuzz
   harness: never reads outside buf[0 .. len-1]). */
int wav_read_buffer(const unsigned char *buf, size_t len, wav_audio *audio, char *err,
                    size_t errlen);
void wav_free(wav_audio *audio);

/* Writes audio->frames frames of audio->samples with its encoding, bits,
   channels and rate. */
int wav_write(const char *path, const wav_audio *audio, char *err, size_t errlen);

#endif
