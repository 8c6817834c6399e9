/* thread_pool.c - a pool of threads owned by a workspace (C11 threads,
   through threads_shim.h). Threads are created once, with the pool, and
   wait on a condition variable between calls. A parallel loop hands each
   thread one contiguous range of rows; how the rows are split never changes
   what is computed for a row, so the results are bit-identical for any
   thread count. All of the pool's memory is allocated by the creating
   thread with the workspace's allocator: workers never allocate. */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include "thread_pool.h"
#include "threads_shim.h"

#include <stdlib.h>
#include <unistd.h>

/* What a worker needs to start: its pool and which part it computes. */
typedef struct worker_start {
    siren_pool *pool;
    size_t part;
} worker_start;

struct siren_pool {
    siren_allocator allocator;  /* the workspace's */
    size_t threads;             /* workers + the calling thread */
    siren_thread *workers;      /* [threads - 1] */
    worker_start *starts;       /* [threads - 1] */
    size_t started;             /* workers actually running */
    siren_mutex lock;
    siren_cond wake, done;
    /* The current job, read by workers under the lock. */
    uint64_t generation;        /* bumped for every job */
    siren_range_fn fn;
    void *ctx;
    size_t count, grain;
    size_t pending;             /* workers still busy with the job */
    bool stopping;
};

/* The rows of part `part` of `parts`, each part a whole number of grains. */
static void part_range(size_t count, size_t grain, size_t parts, size_t part, size_t *begin,
                       size_t *end)
{
    size_t grains = (count + grain - 1) / grain;
    size_t first = grains * part / parts, last = grains * (part + 1) / parts;
    *begin = first * grain < count ? first * grain : count;
    *end = last * grain < count ? last * grain : count;
}

static void run_part(siren_pool *pool, size_t part)
{
    size_t begin, end;
    part_range(pool->count, pool->grain, pool->threads, part, &begin, &end);
    if (begin < end)
        pool->fn(pool->ctx, part, begin, end);
}

static SIREN_THREAD_RESULT worker_main(void *arg)
{
    const worker_start *start = arg;
    siren_pool *pool = start->pool;
    size_t part = start->part;
    uint64_t seen = 0;
    siren__mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stopping && pool->generation == seen)
            siren__cond_wait(&pool->wake, &pool->lock);
        if (pool->stopping)
            break;
        seen = pool->generation;
        siren__mutex_unlock(&pool->lock);
        run_part(pool, part);
        siren__mutex_lock(&pool->lock);
        if (--pool->pending == 0)
            siren__cond_signal(&pool->done);
    }
    siren__mutex_unlock(&pool->lock);
    return SIREN_THREAD_DONE;
}

static bool start_worker(siren_pool *pool, size_t part)
{
    worker_start *start = &pool->starts[part - 1];
    start->pool = pool;
    start->part = part;
    return siren__thread_start(&pool->workers[part - 1], worker_main, start);
}

static bool init_sync(siren_pool *pool)
{
    if (!siren__mutex_init(&pool->lock))
        return false;
    if (!siren__cond_init(&pool->wake)) {
        siren__mutex_destroy(&pool->lock);
        return false;
    }
    if (!siren__cond_init(&pool->done)) {
        siren__cond_destroy(&pool->wake);
        siren__mutex_destroy(&pool->lock);
        return false;
    }
    return true;
}

static void free_memory(siren_pool *pool)
{
    siren_allocator alloc = pool->allocator;
    siren__free(&alloc, pool->workers);
    siren__free(&alloc, pool->starts);
    siren__free(&alloc, pool);
}

int siren__pool_create(size_t threads, const siren_allocator *alloc, siren_pool **out)
{
    if (threads == 0 || threads > SIREN__MAX_THREADS)
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_pool *pool = siren__calloc(alloc, 1, sizeof *pool);
    if (!pool)
        return SIREN_ERR_OUT_OF_MEMORY;
    if (alloc)
        pool->allocator = *alloc;
    pool->threads = threads;
    if (threads > 1) {
        pool->workers = siren__calloc(alloc, threads - 1, sizeof *pool->workers);
        pool->starts = siren__calloc(alloc, threads - 1, sizeof *pool->starts);
        if (!pool->workers || !pool->starts || !init_sync(pool)) {
            free_memory(pool);
            return SIREN_ERR_OUT_OF_MEMORY;
        }
        while (pool->started + 1 < threads && start_worker(pool, pool->started + 1))
            pool->started++;
        if (pool->started + 1 < threads) {
            siren__pool_free(pool);
            return SIREN_ERR_OUT_OF_MEMORY;
        }
    }
    *out = pool;
    return SIREN_OK;
}

void siren__pool_free(siren_pool *pool)
{
    if (!pool)
        return;
    if (pool->threads > 1) {
        siren__mutex_lock(&pool->lock);
        pool->stopping = true;
        siren__cond_broadcast(&pool->wake);
        siren__mutex_unlock(&pool->lock);
        for (size_t i = 0; i < pool->started; i++)
            siren__thread_join(pool->workers[i]);
        siren__cond_destroy(&pool->wake);
        siren__cond_destroy(&pool->done);
        siren__mutex_destroy(&pool->lock);
    }
    free_memory(pool);
}

size_t siren__pool_threads(const siren_pool *pool)
{
    return pool ? pool->threads : 1;
}

void siren__pool_for(siren_pool *pool, size_t count, size_t grain, siren_range_fn fn, void *ctx)
{
    if (count == 0)
        return;
    if (grain == 0)
        grain = 1;
    /* Too little work to share, or no workers: run here, as one range. */
    if (!pool || pool->threads == 1 || count <= grain) {
        fn(ctx, 0, 0, count);
        return;
    }
    siren__mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    pool->grain = grain;
    pool->pending = pool->threads - 1;
    pool->generation++;
    siren__cond_broadcast(&pool->wake);
    siren__mutex_unlock(&pool->lock);
    run_part(pool, 0);
    siren__mutex_lock(&pool->lock);
    while (pool->pending > 0)
        siren__cond_wait(&pool->done, &pool->lock);
    siren__mutex_unlock(&pool->lock);
}

size_t siren__default_threads(void)
{
    const char *env = getenv("SIREN_NUM_THREADS");
    if (env && *env >= '0' && *env <= '9') { /* strtoul would take "-1" and " 2" */
        char *end;
        unsigned long n = strtoul(env, &end, 10);
        if (*end == '\0' && n > 0)
            return n < SIREN__MAX_THREADS ? (size_t)n : SIREN__MAX_THREADS;
    }
#ifdef _SC_NPROCESSORS_ONLN
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0)
        return cpus < SIREN__MAX_THREADS ? (size_t)cpus : SIREN__MAX_THREADS;
#endif
    return 1;
}
