/* threads_shim.h - the few thread primitives the pool needs, as C11
 * <threads.h> (the default, DESIGN.md) or, when SIREN_USE_PTHREADS is
 * defined, as POSIX threads.
 *
 * Why two: glibc implements thrd_create inside libc by calling its own
 * pthread_create directly, so ThreadSanitizer's interceptor of
 * pthread_create never sees the new thread and TSan crashes in its first
 * memory access (glibc 2.36 with GCC 12 or clang 14). The TSan build
 * (tests/scripts/tsan.sh) defines SIREN_USE_PTHREADS; every other build uses C11
 * threads. The two mappings are line-for-line the same calls.
 *
 * The same holds for call_once (glibc's runs pthread_once internally): code
 * that initialises something once uses siren__call_once.
 *
 * Private to the library (src/thread_pool.c) and to tests that need
 * threads under TSan; static inline, nothing exported.
 */
#ifndef SIREN_THREADS_SHIM_H
#define SIREN_THREADS_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#ifdef SIREN_USE_PTHREADS

#include <pthread.h>

typedef pthread_t siren_thread;
typedef pthread_mutex_t siren_mutex;
typedef pthread_cond_t siren_cond;
/* A thread's entry point: SIREN_THREAD_RESULT fn(void *arg), returning
   SIREN_THREAD_DONE. */
typedef void *SIREN_THREAD_RESULT;
#define SIREN_THREAD_DONE NULL

static inline bool siren__thread_start(siren_thread *t, SIREN_THREAD_RESULT (*fn)(void *),
                                       void *arg)
{
    return pthread_create(t, NULL, fn, arg) == 0;
}
static inline void siren__thread_join(siren_thread t) { pthread_join(t, NULL); }
static inline bool siren__mutex_init(siren_mutex *m) { return pthread_mutex_init(m, NULL) == 0; }
static inline void siren__mutex_destroy(siren_mutex *m) { pthread_mutex_destroy(m); }
static inline void siren__mutex_lock(siren_mutex *m) { pthread_mutex_lock(m); }
static inline void siren__mutex_unlock(siren_mutex *m) { pthread_mutex_unlock(m); }
static inline bool siren__cond_init(siren_cond *c) { return pthread_cond_init(c, NULL) == 0; }
static inline void siren__cond_destroy(siren_cond *c) { pthread_cond_destroy(c); }
static inline void siren__cond_wait(siren_cond *c, siren_mutex *m) { pthread_cond_wait(c, m); }
static inline void siren__cond_signal(siren_cond *c) { pthread_cond_signal(c); }
static inline void siren__cond_broadcast(siren_cond *c) { pthread_cond_broadcast(c); }

/* One-time initialisation (kernel dispatch): TSan must see it too, or every
   thread that reads what the initialiser wrote looks like a race. */
typedef pthread_once_t siren_once;
#define SIREN_ONCE_INIT PTHREAD_ONCE_INIT
static inline void siren__call_once(siren_once *once, void (*fn)(void)) { pthread_once(once, fn); }

#else

#include <threads.h>

typedef thrd_t siren_thread;
typedef mtx_t siren_mutex;
typedef cnd_t siren_cond;
typedef int SIREN_THREAD_RESULT;
#define SIREN_THREAD_DONE 0

static inline bool siren__thread_start(siren_thread *t, SIREN_THREAD_RESULT (*fn)(void *),
                                       void *arg)
{
    return thrd_create(t, fn, arg) == thrd_success;
}
static inline void siren__thread_join(siren_thread t) { thrd_join(t, NULL); }
static inline bool siren__mutex_init(siren_mutex *m) { return mtx_init(m, mtx_plain) == thrd_success; }
static inline void siren__mutex_destroy(siren_mutex *m) { mtx_destroy(m); }
static inline void siren__mutex_lock(siren_mutex *m) { mtx_lock(m); }
static inline void siren__mutex_unlock(siren_mutex *m) { mtx_unlock(m); }
static inline bool siren__cond_init(siren_cond *c) { return cnd_init(c) == thrd_success; }
static inline void siren__cond_destroy(siren_cond *c) { cnd_destroy(c); }
static inline void siren__cond_wait(siren_cond *c, siren_mutex *m) { cnd_wait(c, m); }
static inline void siren__cond_signal(siren_cond *c) { cnd_signal(c); }
static inline void siren__cond_broadcast(siren_cond *c) { cnd_broadcast(c); }

typedef once_flag siren_once;
#define SIREN_ONCE_INIT ONCE_FLAG_INIT
static inline void siren__call_once(siren_once *once, void (*fn)(void)) { call_once(once, fn); }

#endif

#endif /* SIREN_THREADS_SHIM_H */
