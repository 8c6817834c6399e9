/* thread_pool.h - the workspace's pool of threads (src/thread_pool.c). */
#ifndef SIREN_THREAD_POOL_H
#define SIREN_THREAD_POOL_H

#include "internal.h"

/* More threads than this are refused (and SIREN_NUM_THREADS is capped). */
#define SIREN__MAX_THREADS 256

typedef struct siren_pool siren_pool;

/* Work on rows [begin, end) of a parallel loop, by part `part` of the
   loop (0 .. threads - 1: which of the workspace's per-thread scratch
   buffers it may use). */
typedef void (*siren_range_fn)(void *ctx, size_t part, size_t begin, size_t end);

/* A pool of `threads` threads, the caller of siren__pool_for included
   (threads - 1 are created), its memory from alloc (NULL: malloc).
   INVALID_ARGUMENT, OUT_OF_MEMORY (also when a thread cannot be created). */
int siren__pool_create(size_t threads, const siren_allocator *alloc, siren_pool **out);
void siren__pool_free(siren_pool *pool);
size_t siren__pool_threads(const siren_pool *pool);

/* Calls fn on contiguous ranges covering [0, count), one per thread, each
   range a multiple of `grain` rows (but the last), and returns when all
   are done. pool NULL runs fn(ctx, 0, count) on the caller. Not
   reentrant: one loop at a time per pool. */
void siren__pool_for(siren_pool *pool, size_t count, size_t grain, siren_range_fn fn, void *ctx);

/* SIREN_NUM_THREADS when it is a positive integer, else the online CPUs
   (capped at SIREN__MAX_THREADS), else 1. */
size_t siren__default_threads(void);

#endif
