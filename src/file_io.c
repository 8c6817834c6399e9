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

enum { UNKNOWN_SIZE_GUESS = 1 << 16 };

/* The first buffer size: a regular file's size plus one byte, so that the
   end of the file shows up in the first pass; a guess for pipes and other
   files whose size is unknown. FORMAT when the file is longer than max_len. */
static int first_capacity(FILE *f, size_t max_len, size_t *cap)
{
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0) {
        if ((uintmax_t)st.st_size > max_len)
            return SIREN_ERR_FORMAT;
        *cap = (size_t)st.st_size + 1;
    } else {
        *cap = max_len < UNKNOWN_SIZE_GUESS ? max_len + 1 : UNKNOWN_SIZE_GUESS;
    }
    return SIREN_OK;
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

/* Reads f to its end into a buffer of cap bytes that doubles while it
   fills up, never beyond max_len + 1 bytes. */
static int read_to_end(FILE *f, size_t max_len, size_t cap, const siren_allocator *alloc,
                       uint8_t **data, size_t *len)
{
    uint8_t *buf = siren__alloc(alloc, cap);
    if (!buf)
        return SIREN_ERR_OUT_OF_MEMORY;
    size_t used = 0;
    int status = SIREN_OK;
    for (;;) {
        used += fread(buf + used, 1, cap - used, f);
        if (used < cap)
            break; /* end of file or an error */
        if (used > max_len) {
            status = SIREN_ERR_FORMAT;
            break;
        }
        size_t bigger = cap <= (max_len + 1) / 2 ? 2 * cap : max_len + 1;
        if (!grow(alloc, &buf, used, bigger)) {
            status = SIREN_ERR_OUT_OF_MEMORY;
            break;
        }
        cap = bigger;
    }
    if (status == SIREN_OK && ferror(f))
        status = SIREN_ERR_IO; /* errno: read()'s reason (siren__free keeps it) */
    if (status != SIREN_OK) {
        siren__free(alloc, buf);
        return status;
    }
    *data = buf;
    *len = used;
    return SIREN_OK;
}

int siren__read_file(const char *path, size_t max_len, const siren_allocator *alloc,
                     uint8_t **data, size_t *len)
{
    if (max_len == SIZE_MAX)
        max_len--; /* room for the byte that proves the end was reached */
    FILE *f = fopen(path, "rb");
    if (!f)
        return SIREN_ERR_IO; /* errno: fopen's reason */
    size_t cap = 0;
    int status = first_capacity(f, max_len, &cap);
    if (status == SIREN_OK)
        status = read_to_end(f, max_len, cap, alloc, data, len);
    int read_errno = errno;
    fclose(f); /* nothing was written: a close error cannot lose data */
    errno = read_errno; /* and it must not hide why the read failed */
    return status;
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
        if (done == 0)
            errno = EIO; /* no progress and no reason given: say so */
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
    int first_errno = errno;
    bool closed = close(fd) == 0;
    if (!ok)
        errno = first_errno; /* the first failure is the reason */
    return closed && ok;
}

int siren__write_file_atomic(const char *path, const void *data, size_t len,
                             const siren_allocator *alloc)
{
    size_t temp_size;
    if (!siren__add_size(strlen(path), sizeof temp_infix + TEMP_RANDOM_CHARS, &temp_size)) {
        errno = ENAMETOOLONG;
        return SIREN_ERR_IO;
    }
    char *temp_path = siren__alloc(alloc, temp_size);
    if (!temp_path)
        return SIREN_ERR_OUT_OF_MEMORY;
    int status = SIREN_ERR_IO;
    int fd = create_temp_file(path, temp_path);
    if (fd >= 0) {
        if (write_sync_close(fd, data, len) && rename(temp_path, path) == 0) {
            status = SIREN_OK;
        } else {
            int write_errno = errno;
            unlink(temp_path);
            errno = write_errno; /* why the write failed, not the clean-up */
        }
    }
    siren__free(alloc, temp_path); /* keeps errno */
    return status;
}
