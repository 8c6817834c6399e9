/* timing.h - what the benchmarks share: a monotonic clock in seconds and
   medians. Static inline, header only (each benchmark is one file). */
#ifndef SIREN_BENCH_TIMING_H
#define SIREN_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

static inline double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of the whole process (all its threads): on a machine shared
   with other work, a 1-thread run's CPU time is what its wall time would
   be on an idle machine, near enough (page faults included). */
static inline double cpu_seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of t[0..n), n > 0 (t is sorted in place). */
static inline double median_of(double *t, size_t n)
{
    qsort(t, n, sizeof *t, compare_doubles);
    return t[n / 2];
}

#endif
