/* file_io.c - the bounded reader over untrusted bytes and the whole-file
   reads under the model and checkpoint files (docs/FORMAT.md); the
   writes are in atomic_write.c. C11 plus POSIX (open, read, fstat). */
#define _POSIX_C_SOURCE 200809L

#include "file_io.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------- bounded reader */

void siren__reader_init(siren_reader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
}

size_t siren__reader_remaining(const siren_reader *r)
{
    return r->len - r->pos;
}

bool siren__read_bytes(siren_reader *r, void *dst, size_t n)
{
    if (n > siren__reader_remaining(r))
        return false;
    if (n > 0)
        memcpy(dst, r->data + r->pos, n);
    r->pos += n;
    return true;
}

bool siren__read_u32(siren_reader *r, uint32_t *v)
{
    if (siren__reader_remaining(r) < 4)
        return false;
    *v = siren__get_u32(r->data + r->pos);
    r->pos += 4;
    return true;
}

bool siren__read_u64(siren_reader *r, uint64_t *v)
{
    if (siren__reader_remaining(r) < 8)
        return false;
    *v = siren__get_u64(r->data + r->pos);
    r->pos += 8;
    return true;
}

bool siren__read_f32(siren_reader *r, float *v)
{
    uint32_t bits;
    if (!siren__read_u32(r, &bits))
        return false;
    *v = siren__f32_from_bits(bits);
    return true;
}

bool siren__read_f32_array(siren_reader *r, float *dst, size_t n)
{
    /* Divide rather than multiply: 4 * n may overflow, remaining / 4 not. */
    if (n > siren__reader_remaining(r) / 4)
        return false;
    const uint8_t *p = r->data + r->pos;
    for (size_t i = 0; i < n; i++)
        dst[i] = siren__f32_from_bits(siren__get_u32(p + 4 * i));
    r->pos += 4 * n;
    return true;
}

/* -------------------------------------------------------------- file read */

/* The first buffer for a file whose size is unknown (a pipe, a device):
   it doubles as the bytes arrive, up to the length the header gave. */
enum { STREAM_FIRST_BYTES = 1 << 16 };

/* Reads up to n bytes into dst, fewer only at the end of the file.
   *got: the bytes read. False on a read error (errno says which). */
static bool read_up_to(int fd, uint8_t *dst, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t done = read(fd, dst + *got, n - *got);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0)
            return false;
        if (done == 0)
            break;
        *got += (size_t)done;
    }
    return true;
}

/* A block of `bigger` bytes holding the first `used` bytes of *buf, which
   is freed. The allocator has no realloc: allocate, copy, free. */
static bool grow(const siren_allocator *alloc, uint8_t **buf, size_t used, size_t bigger)
{
    uint8_t *grown = siren__alloc(alloc, bigger);
    if (!grown)
        return false;
    memcpy(grown, *buf, used);
    siren__free(alloc, *buf);
    *buf = grown;
    return true;
}

/* The rest of a file of `expected` bytes whose first head_len bytes are
   in head: into a buffer of exactly `expected` bytes when the size is
   known (known_size, a regular file), else one that doubles while the
   bytes arrive, never beyond expected + 1. *len: the bytes read, at most
   expected + 1 (one more than expected shows that something follows). */
static int read_body(int fd, const uint8_t *head, size_t head_len, size_t expected,
                     bool known_size, const siren_allocator *alloc, uint8_t **data,
                     size_t *len)
{
    size_t limit = expected + 1; /* expected < SIZE_MAX: a size_t file length */
    size_t cap = known_size ? expected : (limit < STREAM_FIRST_BYTES ? limit : STREAM_FIRST_BYTES);
    if (cap < head_len)
        cap = head_len;
    uint8_t *buf = siren__alloc(alloc, cap ? cap : 1);
    if (!buf)
        return SIREN_ERR_OUT_OF_MEMORY;
    memcpy(buf, head, head_len);
    size_t used = head_len, got = 0;
    int status = SIREN_OK;
    for (;;) {
        if (!read_up_to(fd, buf + used, cap - used, &got)) {
            status = SIREN_ERR_IO;
            break;
        }
        used += got;
        if (used < cap || cap == limit)
            break; /* the end of the file, or one byte past the expected length */
        if (known_size) { /* a byte more than the size said: the file grew */
            uint8_t extra;
            if (!read_up_to(fd, &extra, 1, &got))
                status = SIREN_ERR_IO;
            used += got;
            break;
        }
        size_t bigger = cap <= limit / 2 ? 2 * cap : limit;
        if (!grow(alloc, &buf, used, bigger)) {
            status = SIREN_ERR_OUT_OF_MEMORY;
            break;
        }
        cap = bigger;
    }
    if (status != SIREN_OK) {
        int saved = errno;
        siren__free(alloc, buf);
        errno = saved;
        return status;
    }
    *data = buf;
    *len = used;
    return SIREN_OK;
}

/* The header's length, and what it says the whole file's length is. */
static int read_header(int fd, size_t head_bytes, siren_file_length_fn length_of,
                       uint8_t *head, size_t *head_len, size_t *expected)
{
    if (!read_up_to(fd, head, head_bytes, head_len))
        return SIREN_ERR_IO;
    return length_of(head, *head_len, expected);
}

int siren__read_file(const char *path, size_t head_bytes, siren_file_length_fn length_of,
                     const siren_allocator *alloc, uint8_t **data, size_t *len)
{
    uint8_t head[SIREN_FILE_HEAD_MAX];
    if (head_bytes > sizeof head)
        return SIREN_ERR_INVALID_ARGUMENT;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SIREN_ERR_IO;
    size_t head_len = 0, expected = 0, got = 0;
    struct stat st;
    int status = read_header(fd, head_bytes, length_of, head, &head_len, &expected);
    bool known_size = status == SIREN_OK && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    /* A regular file of another length is refused unread. */
    if (known_size && (uintmax_t)st.st_size != (uintmax_t)expected)
        status = SIREN_ERR_FORMAT;
    uint8_t *buf = NULL;
    if (status == SIREN_OK)
        status = read_body(fd, head, head_len, expected, known_size, alloc, &buf, &got);
    if (status == SIREN_OK && got != expected) { /* cut short, or more follows */
        siren__free(alloc, buf);
        status = SIREN_ERR_FORMAT;
    }
    int saved = errno;
    close(fd); /* nothing was written: a close error cannot lose data */
    errno = saved;
    if (status != SIREN_OK)
        return status;
    *data = buf;
    *len = got;
    return SIREN_OK;
}
