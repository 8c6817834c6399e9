/* gemm_bench.c - GFLOP/s of siren__gemm against OpenBLAS sgemm on the
   shapes of a SIREN 2 -> 256 x4 -> 1 (DESIGN.md: one product per layer
   forward, two backward), median over repeats.

   siren__gemm is hidden in the library, so its sources are compiled in:

     gcc -std=c11 -O2 -Iinclude -Isrc bench/gemm_bench.c src/gemm*.c \
         -o build/gemm_bench -lopenblas -lpthread -lm
     env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./build/gemm_bench [columns] [repeats] [portable]

   columns: N = channels * points (default 65536; the largest job is
   5 * 65536), repeats: timed runs per measurement (default 7). The env -u
   lets OpenBLAS pick its own kernels for this CPU; "portable" measures
   siren__gemm's portable C kernel set instead of the dispatched one. Columns are printed for
   siren__gemm on one thread (the dispatched kernel set), OpenBLAS on one
   and on two threads, the ratio of the single-thread numbers, and
   siren__gemm on two threads (C split in two halves by hand, by columns,
   or by rows for the weight gradient, as the thread pool will). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "gemm_kernels.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

typedef struct shape {
    const char *name;
    bool trans_a, trans_b;
    size_t m, n, k;         /* n or k may be "columns", set in main */
    float beta;
    bool split_rows;        /* two threads split C by rows, not columns */
} shape;

typedef struct operands {
    const float *a, *b;
    float *c;
    size_t lda, ldb, ldc;
} operands;

typedef struct part {
    const shape *s;
    operands op;
    size_t m, n;
} part;

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *random_matrix(size_t count)
{
    float *x = malloc(count * sizeof *x);
    if (!x) {
        fprintf(stderr, "gemm_bench: out of memory\n");
        exit(1);
    }
    unsigned long long state = count;
    for (size_t i = 0; i < count; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((double)(state >> 40) / (double)(1ULL << 24)) - 0.5f;
    }
    return x;
}

static void run_siren(const shape *s, const operands *op, size_t m, size_t n)
{
    float *pack = malloc(siren__gemm_pack_floats() * sizeof *pack);
    if (!pack) {
        fprintf(stderr, "gemm_bench: out of memory\n");
        exit(1);
    }
    siren__gemm(s->trans_a, s->trans_b, m, n, s->k, 1.0f, op->a, op->lda, op->b, op->ldb,
                s->beta, op->c, op->ldc, pack);
    free(pack);
}

static void run_openblas(const shape *s, const operands *op)
{
    cblas_sgemm(CblasRowMajor, s->trans_a ? CblasTrans : CblasNoTrans,
                s->trans_b ? CblasTrans : CblasNoTrans, (int)s->m, (int)s->n, (int)s->k, 1.0f,
                op->a, (int)op->lda, op->b, (int)op->ldb, s->beta, op->c, (int)op->ldc);
}

static int run_part(void *arg)
{
    part *p = arg;
    run_siren(p->s, &p->op, p->m, p->n);
    return 0;
}

/* siren__gemm on two threads: the second half of C's columns (rows) and
   the matching columns of op(B) (rows of op(A)) on a new thread. */
static void run_siren_2(const shape *s, const operands *op)
{
    part first = {s, *op, s->m, s->n}, second = first;
    if (s->split_rows ? s->m < 16 : s->n < 32) {
        run_part(&first);
        return;
    }
    if (s->split_rows) {
        size_t half = (s->m / 2 + 7) / 8 * 8;
        first.m = half;
        second.m = s->m - half;
        second.op.a = s->trans_a ? op->a + half : op->a + half * op->lda;
        second.op.c = op->c + half * op->ldc;
    } else {
        size_t half = (s->n / 2 + 15) / 16 * 16;
        first.n = half;
        second.n = s->n - half;
        second.op.b = s->trans_b ? op->b + half * op->ldb : op->b + half;
        second.op.c = op->c + half;
    }
    thrd_t thread;
    if (thrd_create(&thread, run_part, &second) != thrd_success) {
        fprintf(stderr, "gemm_bench: thrd_create failed\n");
        exit(1);
    }
    run_part(&first);
    thrd_join(thread, NULL);
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

enum { SIREN_1, OPENBLAS_1, OPENBLAS_2, SIREN_2, CONTENDERS };

static void run_one(int who, const shape *s, const operands *op)
{
    if (who == SIREN_1) {
        run_siren(s, op, s->m, s->n);
    } else if (who == SIREN_2) {
        run_siren_2(s, op);
    } else {
        openblas_set_num_threads(who == OPENBLAS_1 ? 1 : 2);
        run_openblas(s, op);
    }
}

/* Median GFLOP/s of each contender over `repeats` rounds, after a
   warm-up round. The contenders take turns within a round, so a machine
   shared with other work slows them alike. */
static void measure(const shape *s, const operands *op, int repeats, double gflops[CONTENDERS])
{
    double times[CONTENDERS][64];
    for (int r = -1; r < repeats; r++) {
        for (int who = 0; who < CONTENDERS; who++) {
            double start = seconds();
            run_one(who, s, op);
            if (r >= 0)
                times[who][r] = seconds() - start;
        }
    }
    for (int who = 0; who < CONTENDERS; who++) {
        qsort(times[who], (size_t)repeats, sizeof times[who][0], compare_doubles);
        gflops[who] = 2.0 * (double)s->m * (double)s->n * (double)s->k /
                      times[who][repeats / 2] * 1e-9;
    }
}

int main(int argc, char **argv)
{
    size_t columns = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 65536;
    int repeats = argc > 2 ? atoi(argv[2]) : 7;
    if (columns == 0 || repeats < 1 || repeats > 64) {
        fprintf(stderr, "usage: gemm_bench [columns > 0] [repeats 1..64] [portable]\n");
        return 2;
    }
    if (argc > 3 && strcmp(argv[3], "portable") == 0)
        siren__gemm_use_portable(true);
    size_t w = 256, out = 3;
    shape shapes[] = {
        {"forward     Z = W S", false, false, w, columns, w, 0.0f, false},
        {"weight grad W' += Z' S^T", false, true, w, w, columns, 1.0f, true},
        {"input adj   H' = W^T Z'", true, false, w, columns, w, 0.0f, false},
        {"out fwd     y = W S (3 rows)", false, false, out, columns, w, 0.0f, false},
        {"out wgrad   W' += Y' S^T", false, true, out, w, columns, 1.0f, true},
        {"out adj     H' = W^T Y' (k=3)", true, false, w, columns, out, 0.0f, false},
    };
    float *weights = random_matrix(w * w), *grads = random_matrix(w * w);
    float *s_mat = random_matrix(w * columns), *z_mat = random_matrix(w * columns);
    printf("gemm_bench: N = %zu columns, median of %d, siren kernel set %s\n", columns,
           repeats, siren__gemm_kernel()->name);
    printf("%-44s %10s %10s %10s %8s %10s\n", "shape (m x n x k)", "siren 1T", "OpenBLAS1T",
           "OpenBLAS2T", "siren/OB", "siren 2T");
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const shape *s = &shapes[i];
        operands op;
        if (!s->trans_b) {         /* forward and input adjoint: B and C are jets */
            op = (operands){weights, z_mat, s_mat, s->trans_a ? w : s->k, columns, columns};
        } else {                   /* weight gradient: A and B are jets, C is W' */
            op = (operands){z_mat, s_mat, grads, columns, columns, w};
        }
        double g[CONTENDERS];
        measure(s, &op, repeats, g);
        char label[80];
        snprintf(label, sizeof label, "%s %zux%zux%zu", s->name, s->m, s->n, s->k);
        printf("%-44s %10.1f %10.1f %10.1f %7.0f%% %10.1f\n", label, g[SIREN_1],
               g[OPENBLAS_1], g[OPENBLAS_2], 100.0 * g[SIREN_1] / g[OPENBLAS_1], g[SIREN_2]);
        fflush(stdout);
    }
    free(weights);
    free(grads);
    free(s_mat);
    free(z_mat);
    return 0;
}
