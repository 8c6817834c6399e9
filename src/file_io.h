/* file_io.h - byte-level helpers of the model and checkpoint files
 * (docs/FORMAT.md): little-endian encoding by explicit shifts, so files do
 * not depend on the host's byte order or struct layout; a bounded reader
 * that never reads past the end of untrusted input; whole-file reads and
 * atomic whole-file writes. Private to the library.
 */
#ifndef SIREN_FILE_IO_H
#define SIREN_FILE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "siren.h"

/* ------------------------------------------------- little-endian encoding */

/* Each put writes its value at p and returns p advanced past it. The
   caller has checked that the room is there (the writers compute the exact
   file size first). */
static inline uint8_t *siren__put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

static inline uint8_t *siren__put_u64(uint8_t *p, uint64_t v)
{
    siren__put_u32(p, (uint32_t)v);
    return siren__put_u32(p + 4, (uint32_t)(v >> 32));
}

/* A float is stored as its IEEE-754 binary32 bit pattern (NaN payloads and
   signed zeros survive a round trip). */
static inline uint32_t siren__f32_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline float siren__f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint8_t *siren__put_f32(uint8_t *p, float v)
{
    return siren__put_u32(p, siren__f32_bits(v));
}

static inline uint8_t *siren__put_f32_array(uint8_t *p, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p = siren__put_f32(p, v[i]);
    return p;
}

static inline uint32_t siren__get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t siren__get_u64(const uint8_t *p)
{
    return (uint64_t)siren__get_u32(p) | (uint64_t)siren__get_u32(p + 4) << 32;
}

/* ---------------------------------------------------------- bounded reader */

/* A cursor over untrusted bytes. Every read checks the remaining length
   first; a read that does not fit returns false and leaves the cursor and
   the destination unchanged. */
typedef struct siren_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
} siren_reader;

void siren__reader_init(siren_reader *r, const void *data, size_t len);
size_t siren__reader_remaining(const siren_reader *r);
bool siren__read_bytes(siren_reader *r, void *dst, size_t n);
bool siren__read_u32(siren_reader *r, uint32_t *v);
bool siren__read_u64(siren_reader *r, uint64_t *v);
bool siren__read_f32(siren_reader *r, float *v);
/* n floats into dst; false (nothing read) when fewer than 4n bytes remain. */
bool siren__read_f32_array(siren_reader *r, float *dst, size_t n);

/* ------------------------------------------------------------ whole files */

/* What a file's fixed header (head_len bytes at head, fewer than asked
   when the file is that short) says about the whole file: SIREN_OK and
   its exact length in *length, or the status that refuses the file
   (FORMAT, VERSION; TOO_LARGE when the length does not fit in a size_t). */
typedef int (*siren_file_length_fn)(const uint8_t *head, size_t head_len, size_t *length);

/* The most head_bytes siren__read_file takes (the header is read onto
   the stack). */
#define SIREN_FILE_HEAD_MAX 128

/* Reads the file at path without trusting it: first head_bytes (its fixed
   header), which length_of checks and turns into the file's exact length;
   then the rest of exactly that length, and one byte more to see whether
   anything follows. Nothing else is read and nothing is allocated until
   the header has passed: a device or a file of another format costs
   head_bytes. A regular file whose size differs from the length is
   refused unread; from a pipe or a device the buffer doubles as bytes
   arrive, so memory stays below twice what came, and never above the
   length + 1.
   On SIREN_OK, *data (from alloc; free it with siren__free(alloc, ...))
   holds exactly *len = the length bytes. Errors: length_of's status;
   FORMAT when the file is shorter or longer than its header says; IO when
   the file cannot be opened or read (errno says why); OUT_OF_MEMORY. */
int siren__read_file(const char *path, size_t head_bytes, siren_file_length_fn length_of,
                     const siren_allocator *alloc, uint8_t **data, size_t *len);

/* Replaces the file at path by the len bytes at data, atomically
   (src/atomic_write.c): the bytes go to a new file "NAME.tmp-PID-XXXXXX"
   in the same directory, locked while it is written, which gets the
   permission bits of the file it replaces (a new target gets 0644 less
   the umask; the temporary file is 0600 until then), is flushed to the
   device and renamed over path; then the directory is flushed. Before
   that, temporary files of earlier saves of path by processes that died
   are removed. On any failure the temporary file is removed and path is
   left as it was. Returns SIREN_OK, SIREN_ERR_IO (errno says why:
   ENOSPC, EACCES...) or SIREN_ERR_OUT_OF_MEMORY (the names are allocated
   from alloc, one block). */
int siren__write_file_atomic(const char *path, const void *data, size_t len,
                             const siren_allocator *alloc);

#endif /* SIREN_FILE_IO_H */
