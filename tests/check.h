/* check.h - the tests' tiny harness. A test file defines test functions
   and a main that calls RUN(fn) for each, then returns check_summary().
   Each test prints "ok NAME" or "FAIL NAME"; tests/run.sh counts them. */
#ifndef SIREN_TEST_CHECK_H
#define SIREN_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_now; /* failed checks in the running test */
static int check_tests_failed;

static void check_report(int ok, const char *what, const char *file, int line)
{
    if (ok)
        return;
    if (check_failures_now < 10)
        printf("  check failed at %s:%d: %s\n", file, line, what);
    check_failures_now++;
}

/* A check that can fail: prints the expression and where when it does. */
#define CHECK(cond) check_report((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
/* Equality of two status codes, printing both on failure. */
#define CHECK_STATUS(got, want)                                               \
    do {                                                                      \
        int got_ = (got), want_ = (want);                                     \
        if (got_ != want_ && check_failures_now < 10)                         \
            printf("  status %d, want %d: ", got_, want_);                    \
        check_report(got_ == want_, #got " == " #want, __FILE__, __LINE__);   \
    } while (0)
/* |got - want| <= tol, printing the numbers on failure. */
#define CHECK_NEAR(got, want, tol)                                            \
    do {                                                                      \
        double got_ = (got), want_ = (want), tol_ = (tol);                    \
        int ok_ = fabs(got_ - want_) <= tol_;                                 \
        if (!ok_ && check_failures_now < 10)                                  \
            printf("  %.9g vs %.9g (tol %.3g): ", got_, want_, tol_);         \
        check_report(ok_, #got " ~ " #want, __FILE__, __LINE__);              \
    } while (0)

static void check_run(const char *name, void (*test)(void))
{
    check_failures_now = 0;
    test();
    if (check_failures_now == 0) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s (%d failed checks)\n", name, check_failures_now);
        check_tests_failed++;
    }
    fflush(stdout);
}

#define RUN(test) check_run(#test, test)

static int check_summary(void)
{
    return check_tests_failed ? 1 : 0;
}

#endif
