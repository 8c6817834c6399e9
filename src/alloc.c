/* alloc.c - the one place the library allocates: every block goes through
   the allocator of the object it belongs to (siren.h, "allocators"), so a
   caller can give each object its own memory, and the tests can make any
   single allocation fail (tests/lib/test_alloc_failures.c). */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A zero-byte request gets one byte, so that NULL always means failure. */
void *siren__alloc(const siren_allocator *alloc, size_t size)
{
    if (size == 0)
        size = 1;
    if (alloc && alloc->alloc)
        return alloc->alloc(alloc->user, size);
    return malloc(size);
}

void *siren__calloc(const siren_allocator *alloc, size_t count, size_t size)
{
    size_t bytes;
    if (!siren__mul_size(count, size, &bytes))
        return NULL;
    void *p = siren__alloc(alloc, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void siren__free(const siren_allocator *alloc, void *ptr)
{
    if (!ptr)
        return;
    /* A file function that failed frees its buffers on the way out, and
       errno must still say why it failed (siren.h): neither free nor a
       caller's allocator may change it. */
    int saved_errno = errno;
    if (alloc && alloc->free)
        alloc->free(alloc->user, ptr);
    else
        free(ptr);
    errno = saved_errno;
}

bool siren__allocator_copy(const siren_allocator *alloc, siren_allocator *out)
{
    if (!alloc) {
        memset(out, 0, sizeof *out);
        return true;
    }
    if (!alloc->alloc || !alloc->free)
        return false;
    *out = *alloc;
    return true;
}
