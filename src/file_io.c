/* file_io.c - the bounded reader over untrusted bytes, whole-file reads
   and atomic whole-file writes under the model and checkpoint files
   (docs/FORMAT.md). C11 plus POSIX (open, fsync, rename, unlink). */
#define _POSIX_C_SOURCE 200809L

#include "file_io.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
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

/* ------------------------------------------------------------- file write */

enum { TEMP_NAME_TRIES = 64, TEMP_RANDOM_CHARS = 6 };
static const char temp_infix[] = ".tmp-";
/* Writes larger than this go in several calls (Linux caps one write()). */
static const size_t max_write_chunk = (size_t)1 << 30;

/* A seed that differs between processes, threads (each has its own stack,
   and `unique` is on it) and calls. The O_EXCL open below is what makes a
   name safe; the seed only makes collisions rare. */
static uint64_t temp_name_seed(const void *unique, unsigned attempt)
{
    struct timespec now = {0, 0};
    timespec_get(&now, TIME_UTC);
    uint64_t seed = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    seed ^= (uint64_t)getpid() << 32;
    seed ^= (uint64_t)(uintptr_t)unique;
    return seed + attempt;
}

static void fill_random_chars(char *dst, siren_rng *rng)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int i = 0; i < TEMP_RANDOM_CHARS; i++)
        dst[i] = alphabet[siren__rng_next(rng) % (sizeof alphabet - 1)];
}

/* Creates a new file named path + ".tmp-" + 6 random characters and
   returns its descriptor, or -1. Not mkstemp: that creates files with mode
   0600, and a saved model should get the permissions any new file of the
   user gets (0666 less the umask). O_EXCL makes the name ours alone. */
static int create_temp_file(const char *path, char *temp_path)
{
    size_t path_len = strlen(path);
    memcpy(temp_path, path, path_len);
    memcpy(temp_path + path_len, temp_infix, sizeof temp_infix - 1);
    char *random_part = temp_path + path_len + sizeof temp_infix - 1;
    random_part[TEMP_RANDOM_CHARS] = '\0';
    siren_rng rng;
    for (unsigned attempt = 0; attempt < TEMP_NAME_TRIES; attempt++) {
        siren__rng_seed(&rng, temp_name_seed(&rng, attempt));
        fill_random_chars(random_part, &rng);
        int fd = open(temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n < max_write_chunk ? n : max_write_chunk;
        ssize_t done = write(fd, p, chunk);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return false;
        p += done;
        n -= (size_t)done;
    }
    return true;
}

/* Writes, flushes to the device and closes. The flush comes before the
   rename so that after a crash path holds either the old file or all of the
   new one (EINVAL: the file system cannot sync, there is nothing to wait
   for). close() can report a delayed write error (NFS): it counts. */
static bool write_sync_close(int fd, const void *data, size_t len)
{
    bool ok = write_all(fd, data, len);
    ok = ok && (fsync(fd) == 0 || errno == EINVAL);
    return close(fd) == 0 && ok;
}

int siren__write_file_atomic(const char *path, const void *data, size_t len,
                             const siren_allocator *alloc)
{
    size_t temp_size;
    if (!siren__add_size(strlen(path), sizeof temp_infix + TEMP_RANDOM_CHARS, &temp_size))
        return SIREN_ERR_IO;
    char *temp_path = siren__alloc(alloc, temp_size);
    if (!temp_path)
        return SIREN_ERR_OUT_OF_MEMORY;
    int status = SIREN_ERR_IO;
    int fd = create_temp_file(path, temp_path);
    if (fd >= 0) {
        if (write_sync_close(fd, data, len) && rename(temp_path, path) == 0)
            status = SIREN_OK;
        else
            unlink(temp_path);
    }
    siren__free(alloc, temp_path);
    return status;
}
