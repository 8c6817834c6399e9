/* fuzz_alloc.h - a counting allocator for the harnesses: it can make one
 * allocation fail, and counts live blocks and bad frees, so that a
 * harness can check that a failed call gave back everything it took. */
#ifndef SIREN_FUZZ_ALLOC_H
#define SIREN_FUZZ_ALLOC_H

#include "siren.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

typedef struct fuzz_counter {
    size_t calls;       /* allocations attempted */
    size_t fail_at;     /* this call number returns NULL; 0: none */
    size_t failures;    /* allocations refused so far */
    size_t live;        /* blocks not yet freed */
    size_t bad_frees;   /* frees of blocks that are not live blocks of ours */
} fuzz_counter;

typedef struct fuzz_block {
    alignas(max_align_t) unsigned long long tag;
} fuzz_block;
enum { FUZZ_LIVE = 0x4c495645, FUZZ_DEAD = 0x44454144 };

static inline void *fuzz_alloc(void *user, size_t size)
{
    fuzz_counter *c = user;
    c->calls++;
    if (c->calls == c->fail_at) {
        c->failures++;
        return NULL;
    }
    fuzz_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->tag = FUZZ_LIVE;
    c->live++;
    return b + 1;
}

static inline void fuzz_free(void *user, void *ptr)
{
    fuzz_counter *c = user;
    fuzz_block *b = (fuzz_block *)ptr - 1;
    if (!ptr || b->tag != FUZZ_LIVE) {
        c->bad_frees++;
        return;
    }
    b->tag = FUZZ_DEAD;
    c->live--;
    free(b);
}

/* An allocator over *c that refuses allocation number fail_at (0: none). */
static inline siren_allocator fuzz_counting_allocator(fuzz_counter *c, size_t fail_at)
{
    c->calls = c->failures = c->live = c->bad_frees = 0;
    c->fail_at = fail_at;
    siren_allocator a = {fuzz_alloc, fuzz_free, c};
    return a;
}

#endif
