/* test_gemm.c - siren__gemm, C = alpha op(A) op(B) + beta C, against a
   double-precision naive product: every transpose combination, shapes
   from 1 x 1 x 1 to several K blocks and odd sizes around every blocking
   constant, alpha and beta in {0, 1, -0.5}, row strides wider than the
   rows, NaN in C when beta == 0, the BLAS rule for alpha == 0, and the
   determinism the thread pool relies on: C computed in blocks of rows or
   columns of any width is bit-identical to C computed in one call.
   Every check runs through each kernel set this CPU has (the portable
   one always). */
#include "check.h"
#include "gemm_kernels.h"

#include <float.h>
#include <stdint.h>
#include <threads.h>

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static float uniform(void) /* [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) * 0x1p-52 - 1.0);
}

static float *random_floats(size_t count)
{
    float *x = malloc((count ? count : 1) * sizeof *x);
    for (size_t i = 0; i < count; i++)
        x[i] = uniform();
    return x;
}

/* ---------------------------------------------------------- a problem */

#define SENTINEL 12345.0f   /* in C's padding, which must stay untouched */

typedef struct problem {
    bool trans_a, trans_b;
    size_t m, n, k;
    float alpha, beta;
    size_t pad;             /* extra elements per row of A, B and C */
    float *a, *b, *c0;      /* c0: C before the call */
    size_t lda, ldb, ldc;
} problem;

static problem make_problem(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                            float alpha, float beta, size_t pad)
{
    problem p = {trans_a, trans_b, m, n, k, alpha, beta, pad, NULL, NULL, NULL, 0, 0, 0};
    size_t a_rows = trans_a ? k : m, b_rows = trans_b ? n : k;
    p.lda = (trans_a ? m : k) + pad;
    p.ldb = (trans_b ? k : n) + pad;
    p.ldc = n + pad;
    p.a = random_floats(a_rows * p.lda);
    p.b = random_floats(b_rows * p.ldb);
    p.c0 = random_floats(m * p.ldc);
    for (size_t i = 0; i < m; i++)          /* C's padding: a sentinel */
        for (size_t j = n; j < p.ldc; j++)
            p.c0[i * p.ldc + j] = SENTINEL;
    return p;
}

static void free_problem(problem *p)
{
    free(p->a);
    free(p->b);
    free(p->c0);
}

static double a_at(const problem *p, size_t i, size_t q)
{
    return p->trans_a ? p->a[q * p->lda + i] : p->a[i * p->lda + q];
}

static double b_at(const problem *p, size_t q, size_t j)
{
    return p->trans_b ? p->b[j * p->ldb + q] : p->b[q * p->ldb + j];
}

/* siren__gemm with packing scratch of its own, deliberately one float off
   a 64-byte line (siren__gemm aligns its buffers itself). */
static void gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, float alpha,
                 const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                 size_t ldc)
{
    float *pack = malloc((siren__gemm_pack_floats() + 1) * sizeof *pack);
    siren__gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pack + 1);
    free(pack);
}

/* C through siren__gemm, into a fresh copy of c0 (NaN instead when beta
   is 0: C must then not be read). */
static float *run(const problem *p)
{
    float *c = malloc(p->m * p->ldc * sizeof *c);
    for (size_t i = 0; i < p->m * p->ldc; i++)
        c[i] = p->beta == 0.0f && p->c0[i] != SENTINEL ? NAN : p->c0[i];
    gemm(p->trans_a, p->trans_b, p->m, p->n, p->k, p->alpha, p->a, p->lda, p->b,
                p->ldb, p->beta, c, p->ldc);
    return c;
}

/* Compares c with the double product; the bound is the classic one for a
   sum of k products, (k + 2) eps sum |a||b|, doubled for margin. Returns
   the number of bad elements (NaN included). */
static size_t count_wrong(const problem *p, const float *c)
{
    size_t wrong = 0;
    for (size_t i = 0; i < p->m; i++) {
        for (size_t j = 0; j < p->n; j++) {
            double sum = 0, magnitude = 0;
            for (size_t q = 0; q < p->k; q++) {
                double product = a_at(p, i, q) * b_at(p, q, j);
                sum += product;
                magnitude += fabs(product);
            }
            double c_old = p->c0[i * p->ldc + j];
            double want = p->alpha * sum + (p->beta == 0.0f ? 0.0 : p->beta * c_old);
            double scale = fabs(p->alpha) * magnitude + fabs(p->beta * c_old);
            double tol = 2.0 * (double)(p->k + 2) * FLT_EPSILON * scale + 1e-30;
            double got = c[i * p->ldc + j];
            if (!(fabs(got - want) <= tol)) {
                if (wrong == 0)
                    printf("  %s %c%c %zux%zux%zu alpha %g beta %g pad %zu: C[%zu][%zu] = %.9g,"
                           " want %.9g (tol %.3g)\n",
                           siren__gemm_kernel()->name, p->trans_a ? 'T' : 'N',
                           p->trans_b ? 'T' : 'N', p->m, p->n, p->k, (double)p->alpha,
                           (double)p->beta, p->pad, i, j, got, want, tol);
                wrong++;
            }
        }
        for (size_t j = p->n; j < p->ldc; j++)
            if (c[i * p->ldc + j] != SENTINEL)
                wrong++;
    }
    return wrong;
}

/* ------------------------------------------------------- kernel sets */

static const siren_gemm_path all_paths[] = {SIREN__GEMM_AUTO, SIREN__GEMM_PORTABLE,
                                            SIREN__GEMM_AVX2, SIREN__GEMM_AVX512};
enum { PATH_COUNT = sizeof all_paths / sizeof all_paths[0] };

/* Runs check() under every kernel set the CPU has; returns how many. */
static int for_each_path(void (*check)(void))
{
    int ran = 0;
    for (size_t i = 0; i < PATH_COUNT; i++) {
        if (!siren__gemm_use_path(all_paths[i]))
            continue;
        check();
        ran++;
    }
    siren__gemm_use_path(SIREN__GEMM_AUTO);
    return ran;
}

static void test_paths_can_be_chosen(void)
{
    CHECK(siren__gemm_use_path(SIREN__GEMM_PORTABLE));
    CHECK(strcmp(siren__gemm_kernel()->name, "portable") == 0);
    siren__gemm_use_portable(false);
    const siren_gemm_kernel *best = siren__gemm_kernel();
    CHECK(best != NULL);
    siren__gemm_use_portable(true);
    CHECK(siren__gemm_kernel() == &siren__gemm_portable);
    siren__gemm_use_portable(false);
    CHECK(siren__gemm_kernel() == best);
#ifdef SIREN__GEMM_X86
    /* AVX-512 is offered only where AVX2 is too. */
    if (siren__gemm_use_path(SIREN__GEMM_AVX512)) {
        CHECK(siren__gemm_kernel() == &siren__gemm_avx512);
        CHECK(siren__gemm_use_path(SIREN__GEMM_AVX2));
    }
    if (siren__gemm_use_path(SIREN__GEMM_AVX2))
        CHECK(siren__gemm_kernel() == &siren__gemm_avx2);
#else
    CHECK(!siren__gemm_use_path(SIREN__GEMM_AVX2));
    CHECK(!siren__gemm_use_path(SIREN__GEMM_AVX512));
#endif
    siren__gemm_use_path(SIREN__GEMM_AUTO);
    CHECK(siren__gemm_kernel() == best);
    printf("  kernel set: %s\n", best->name);
}

/* ------------------------------------------------------------ accuracy */

/* m, n, k around every constant: the tile (6 x 16, 4 x 8, 6 x 32), MC
   (48), NC (192), KC (256), primes, and the network's shapes in small. */
static const size_t shapes[][3] = {
    {1, 1, 1},    {7, 13, 29},  {6, 16, 256},  {5, 15, 255},  {13, 17, 257}, {1, 300, 3},
    {300, 1, 5},  {2, 193, 10}, {49, 50, 70},  {48, 192, 8},  {37, 200, 513}, {64, 64, 64},
    {3, 64, 300}, {64, 3, 64},  {97, 385, 31}, {1, 33, 600},  {8, 8, 1},
};
enum { SHAPE_COUNT = sizeof shapes / sizeof shapes[0] };

static const float scalars[][2] = { /* alpha, beta */
    {1.0f, 0.0f}, {-0.5f, 1.0f}, {1.0f, -0.5f}, {-0.5f, -0.5f}, {1.0f, 1.0f},
};
enum { SCALAR_COUNT = sizeof scalars / sizeof scalars[0] };

static void check_all_shapes(void)
{
    for (size_t s = 0; s < SHAPE_COUNT; s++) {
        for (int t = 0; t < 4; t++) {
            /* Each shape and transpose pair gets two scalar pairs and a
               padding, in turn, so every combination is covered. */
            for (size_t v = 0; v < 2; v++) {
                const float *ab = scalars[(s + t + v * 2) % SCALAR_COUNT];
                size_t pad = (s + (size_t)t + v) % 3 == 0 ? 0 : 3 + v;
                problem p = make_problem(t & 1, t & 2, shapes[s][0], shapes[s][1],
                                         shapes[s][2], ab[0], ab[1], pad);
                float *c = run(&p);
                CHECK(count_wrong(&p, c) == 0);
                free(c);
                free_problem(&p);
            }
        }
    }
}

static void test_matches_double_product(void)
{
    CHECK(for_each_path(check_all_shapes) >= 2);
}

/* The SIREN shapes themselves: 256 features, a few hundred columns. */
static void check_layer_shapes(void)
{
    size_t w = 256, cols = 300;
    problem shapes_[] = {
        make_problem(false, false, w, cols, w, 30.0f, 0.0f, 0),  /* Z = w W S */
        make_problem(false, true, w, w, cols, 30.0f, 1.0f, 0),   /* W' += w Z' S^T */
        make_problem(true, false, w, cols, w, 30.0f, 0.0f, 0),   /* S' = w W^T Z' */
        make_problem(false, false, 1, cols, w, 1.0f, 0.0f, 0),   /* the output layer */
        make_problem(true, false, w, cols, 1, 1.0f, 0.0f, 0),    /* its input adjoint */
    };
    for (size_t i = 0; i < sizeof shapes_ / sizeof shapes_[0]; i++) {
        float *c = run(&shapes_[i]);
        CHECK(count_wrong(&shapes_[i], c) == 0);
        free(c);
        free_problem(&shapes_[i]);
    }
}

static void test_layer_shapes(void)
{
    CHECK(for_each_path(check_layer_shapes) >= 2);
}

/* A long K (many K blocks, as in a weight gradient over many points). */
static void check_long_k(void)
{
    problem p = make_problem(false, true, 3, 20, 5000, 1.0f, 1.0f, 1);
    float *c = run(&p);
    CHECK(count_wrong(&p, c) == 0);
    free(c);
    free_problem(&p);
}

static void test_long_k(void)
{
    CHECK(for_each_path(check_long_k) >= 2);
}

/* -------------------------------------------------------- special cases */

/* beta == 0 with NaN in C (run() fills it so): no NaN may come out. */
static void check_beta_zero_ignores_nan(void)
{
    problem p = make_problem(false, false, 9, 40, 17, 1.0f, 0.0f, 2);
    float *c = run(&p);
    size_t nans = 0;
    for (size_t i = 0; i < p.m; i++)
        for (size_t j = 0; j < p.n; j++)
            nans += isnan(c[i * p.ldc + j]) ? 1 : 0;
    CHECK(nans == 0);
    CHECK(count_wrong(&p, c) == 0);
    free(c);
    free_problem(&p);
}

static void test_beta_zero_ignores_nan(void)
{
    CHECK(for_each_path(check_beta_zero_ignores_nan) >= 2);
}

/* alpha == 0 or k == 0: C = beta C, and (BLAS rule) A and B not read. */
static void check_alpha_or_k_zero(void)
{
    float a[6] = {NAN, NAN, NAN, NAN, NAN, NAN}, b[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    float c[6] = {1, 2, 3, 4, 5, 6};
    gemm(false, false, 2, 3, 1, 0.0f, a, 1, b, 3, -0.5f, c, 3);
    CHECK(c[0] == -0.5f && c[5] == -3.0f);
    gemm(true, true, 2, 3, 0, 1.0f, a, 2, b, 1, 0.0f, c, 3);
    CHECK(c[0] == 0.0f && c[5] == 0.0f);
    c[4] = NAN;
    gemm(false, false, 2, 3, 2, 0.0f, a, 2, b, 3, 0.0f, c, 3);
    CHECK(c[4] == 0.0f);
    gemm(false, false, 0, 3, 2, 1.0f, a, 2, b, 3, 0.0f, c, 3); /* nothing */
    gemm(false, false, 2, 0, 2, 1.0f, a, 2, b, 3, 0.0f, c, 3);
    CHECK(c[1] == 0.0f);
}

static void test_alpha_or_k_zero(void)
{
    CHECK(for_each_path(check_alpha_or_k_zero) >= 2);
}

/* ---------------------------------------------------------- determinism */

/* C computed in one call, then in blocks of `width` columns (or rows),
   each block a separate call on a sub-matrix: the same bits. */
static bool blocks_match(const problem *p, const float *whole, size_t width, bool by_rows)
{
    float *c = malloc(p->m * p->ldc * sizeof *c);
    memcpy(c, p->c0, p->m * p->ldc * sizeof *c);
    size_t total = by_rows ? p->m : p->n;
    for (size_t start = 0; start < total; start += width) {
        size_t size = total - start < width ? total - start : width;
        const float *a = p->a, *b = p->b;
        float *c_block = c;
        if (by_rows) {
            a += p->trans_a ? start : start * p->lda;
            c_block += start * p->ldc;
        } else {
            b += p->trans_b ? start * p->ldb : start;
            c_block += start;
        }
        gemm(p->trans_a, p->trans_b, by_rows ? size : p->m, by_rows ? p->n : size, p->k,
                    p->alpha, a, p->lda, b, p->ldb, p->beta, c_block, p->ldc);
    }
    bool same = memcmp(c, whole, p->m * p->ldc * sizeof *c) == 0;
    free(c);
    return same;
}

static void check_blocks_bit_identical(void)
{
    static const size_t widths[] = {1, 5, 16, 17, 48, 100, 193};
    for (int t = 0; t < 4; t++) {
        /* K = 600: three K blocks; beta 1 so C is read and accumulated. */
        problem p = make_problem(t & 1, t & 2, 61, 230, 600, -0.5f, 1.0f, 1);
        float *whole = malloc(p.m * p.ldc * sizeof *whole);
        memcpy(whole, p.c0, p.m * p.ldc * sizeof *whole);
        gemm(p.trans_a, p.trans_b, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb,
                    p.beta, whole, p.ldc);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            CHECK(blocks_match(&p, whole, widths[w], false));
            CHECK(blocks_match(&p, whole, widths[w], true));
        }
        CHECK(count_wrong(&p, whole) == 0);
        free(whole);
        free_problem(&p);
    }
}

static void test_blocks_bit_identical(void)
{
    CHECK(for_each_path(check_blocks_bit_identical) >= 2);
}

/* Two threads at once, each on half of C's columns (the first call of the
   process may be among them: the dispatch is initialised once, safely),
   give the bits of one call. */
typedef struct half_job {
    const problem *p;
    float *c;
    size_t start, size;
} half_job;

static int run_half(void *arg)
{
    const half_job *h = arg;
    const problem *p = h->p;
    const float *b = p->b + (p->trans_b ? h->start * p->ldb : h->start);
    gemm(p->trans_a, p->trans_b, p->m, h->size, p->k, p->alpha, p->a, p->lda, b, p->ldb,
                p->beta, h->c + h->start, p->ldc);
    return 0;
}

static void test_threads_bit_identical(void)
{
    problem p = make_problem(false, false, 70, 400, 300, 1.0f, 0.0f, 0);
    float *c = malloc(p.m * p.ldc * sizeof *c);
    half_job halves[2] = {{&p, c, 0, 208}, {&p, c, 208, 192}};
    thrd_t thread;
    CHECK(thrd_create(&thread, run_half, &halves[1]) == thrd_success);
    run_half(&halves[0]);
    thrd_join(thread, NULL);
    float *whole = run(&p);
    CHECK(memcmp(c, whole, p.m * p.ldc * sizeof *c) == 0);
    CHECK(count_wrong(&p, c) == 0);
    free(c);
    free(whole);
    free_problem(&p);
}

int main(void)
{
    RUN(test_threads_bit_identical); /* first: races the dispatch set-up */
    RUN(test_paths_can_be_chosen);
    RUN(test_matches_double_product);
    RUN(test_layer_shapes);
    RUN(test_long_k);
    RUN(test_beta_zero_ignores_nan);
    RUN(test_alpha_or_k_zero);
    RUN(test_blocks_bit_identical);
    return check_summary();
}
