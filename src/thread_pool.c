/* thread_pool.c - a pool of C11 threads owned by a workspace. Threads are
   created once, with the pool, and wait on a condition variable between
   calls. A parallel loop hands each thread one contiguous range of rows;
   how the rows are split never changes what is computed for a row, so the
   results are bit-identical for any thread count. */
#define _POSIX_C_SOURCE 200809L /* sysconf */
#include "thread_pool.h"

#include <stdlib.h>
#include <threads.h>
#include <unistd.h>

struct siren_pool {
    size_t threads;             /* workers + the calling thread */
    thrd_t *workers;
    size_t started;             /* workers actually running */
    mtx_t lock;
    cnd_t wake, done;
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
        pool->fn(pool->ctx, begin, end);
}

typedef struct worker_start {
    siren_pool *pool;
    size_t part;
} worker_start;

static int worker_main(void *arg)
{
    worker_start *start = arg;
    siren_pool *pool = start->pool;
    size_t part = start->part;
    free(start);
    uint64_t seen = 0;
    mtx_lock(&pool->lock);
    for (;;) {
        while (!pool->stopping && pool->generation == seen)
            cnd_wait(&pool->wake, &pool->lock);
        if (pool->stopping)
            break;
        seen = pool->generation;
        mtx_unlock(&pool->lock);
        run_part(pool, part);
        mtx_lock(&pool->lock);
        if (--pool->pending == 0)
            cnd_signal(&pool->done);
    }
    mtx_unlock(&pool->lock);
    return 0;
}

static bool start_worker(siren_pool *pool, size_t part)
{
    worker_start *start = malloc(sizeof *start);
    if (!start)
        return false;
    start->pool = pool;
    start->part = part;
    if (thrd_create(&pool->workers[part - 1], worker_main, start) != thrd_success) {
        free(start);
        return false;
    }
    return true;
}

static bool init_sync(siren_pool *pool)
{
    if (mtx_init(&pool->lock, mtx_plain) != thrd_success)
        return false;
    if (cnd_init(&pool->wake) != thrd_success) {
        mtx_destroy(&pool->lock);
        return false;
    }
    if (cnd_init(&pool->done) != thrd_success) {
        cnd_destroy(&pool->wake);
        mtx_destroy(&pool->lock);
        return false;
    }
    return true;
}

int siren__pool_create(size_t threads, siren_pool **out)
{
    if (threads == 0 || threads > SIREN__MAX_THREADS)
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return SIREN_ERR_OUT_OF_MEMORY;
    pool->threads = threads;
    if (threads > 1) {
        pool->workers = calloc(threads - 1, sizeof *pool->workers);
        if (!pool->workers || !init_sync(pool)) {
            free(pool->workers);
            free(pool);
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
        mtx_lock(&pool->lock);
        pool->stopping = true;
        cnd_broadcast(&pool->wake);
        mtx_unlock(&pool->lock);
        for (size_t i = 0; i < pool->started; i++)
            thrd_join(pool->workers[i], NULL);
        cnd_destroy(&pool->wake);
        cnd_destroy(&pool->done);
        mtx_destroy(&pool->lock);
    }
    free(pool->workers);
    free(pool);
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
        fn(ctx, 0, count);
        return;
    }
    mtx_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->count = count;
    pool->grain = grain;
    pool->pending = pool->threads - 1;
    pool->generation++;
    cnd_broadcast(&pool->wake);
    mtx_unlock(&pool->lock);
    run_part(pool, 0);
    mtx_lock(&pool->lock);
    while (pool->pending > 0)
        cnd_wait(&pool->done, &pool->lock);
    mtx_unlock(&pool->lock);
}

size_t siren__default_threads(void)
{
    const char *env = getenv("SIREN_NUM_THREADS");
    if (env && *env) {
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
