/* gemm.c - the matrix product behind every layer (DESIGN.md: one product
   W H per layer forward, Z' H^T and W^T Z' backward):
   C = alpha op(A) op(B) + beta C, row-major.

   Cache-blocked and packed, GotoBLAS style (see gemm_kernels.h): a block
   of op(B), up to SIREN__GEMM_NC columns x KC, is packed once and stays in
   L2 while op(A) is packed SIREN__GEMM_MC rows at a time and swept past it
   by the micro-kernel. No blocking choice changes the result
   (gemm_kernels.h, "Determinism"), so C may be split between threads any
   way. The kernel set (AVX-512, AVX2+FMA or portable C) is chosen once,
   from the CPU. Nothing is allocated: the packing buffers are the
   caller's scratch (about 520 KiB, siren__gemm_pack_floats). */
#include "gemm_kernels.h"
#include "threads_shim.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ dispatch */

static siren_once detect_once = SIREN_ONCE_INIT;
static const siren_gemm_kernel *detected_kernel; /* written once, in detect */
static atomic_int forced_path;                    /* a siren_gemm_path */

static void detect(void)
{
    detected_kernel = &siren__gemm_portable;
#ifdef SIREN__GEMM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
        __builtin_cpu_supports("fma"))
        detected_kernel = &siren__gemm_avx512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        detected_kernel = &siren__gemm_avx2;
#endif
}

static bool path_supported(siren_gemm_path path)
{
    siren__call_once(&detect_once, detect);
    switch (path) {
    case SIREN__GEMM_AUTO:
    case SIREN__GEMM_PORTABLE:
        return true;
#ifdef SIREN__GEMM_X86
    case SIREN__GEMM_AVX2:
        return detected_kernel == &siren__gemm_avx2 || detected_kernel == &siren__gemm_avx512;
    case SIREN__GEMM_AVX512:
        return detected_kernel == &siren__gemm_avx512;
#endif
    default:
        return false;
    }
}

bool siren__gemm_use_path(siren_gemm_path path)
{
    if (!path_supported(path))
        return false;
    atomic_store(&forced_path, (int)path);
    return true;
}

void siren__gemm_use_portable(bool portable)
{
    siren__gemm_use_path(portable ? SIREN__GEMM_PORTABLE : SIREN__GEMM_AUTO);
}

const siren_gemm_kernel *siren__gemm_kernel(void)
{
    siren__call_once(&detect_once, detect);
    switch ((siren_gemm_path)atomic_load(&forced_path)) {
    case SIREN__GEMM_PORTABLE:
        return &siren__gemm_portable;
#ifdef SIREN__GEMM_X86
    case SIREN__GEMM_AVX2:
        return &siren__gemm_avx2;
    case SIREN__GEMM_AVX512:
        return &siren__gemm_avx512;
#endif
    default:
        return detected_kernel;
    }
}

/* ------------------------------------------------------- the operands */

/* An operand seen as the columns of a depth x count matrix: x(p, j), as
   the packers take it. op(B) is its own column view; op(A) is seen
   through op(A)^T, so its rows are the columns. */
typedef struct operand_view {
    const float *data;
    size_t ld;
    bool transpose;     /* x(p, j) = data[j * ld + p], else data[p * ld + j] */
} operand_view;

static const float *view_at(const operand_view *x, size_t p, size_t j)
{
    return x->transpose ? x->data + j * x->ld + p : x->data + p * x->ld + j;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Splits `total` into the fewest blocks of at most `cap`, of nearly equal
   sizes rounded up to a multiple of `unit`: fewer ragged edge tiles. */
static size_t block_size(size_t total, size_t cap, size_t unit)
{
    size_t blocks = (total + cap - 1) / cap;
    size_t size = (total + blocks - 1) / blocks;
    size = (size + unit - 1) / unit * unit;
    return min_size(size, cap);
}

/* -------------------------------------------------------- the product */

typedef struct gemm_job {
    const siren_gemm_kernel *kernel;
    operand_view a, b;      /* op(A)^T and op(B), both depth x count */
    size_t m, n, k;
    float alpha, beta;
    float *c;
    size_t ldc;
    float *a_pack, *b_pack; /* packing buffers */
    size_t mc_block, nc_block;
} gemm_job;

/* One MR x NR tile of C, rows x cols of it inside C. Partial tiles go
   through a full-size copy so the kernel, and the order of its sums, is
   the same for every tile (gemm_kernels.h). */
static void run_tile(const gemm_job *job, size_t kc, const float *a_panel, const float *b_panel,
                     float *c, size_t rows, size_t cols, float beta)
{
    const siren_gemm_kernel *kernel = job->kernel;
    if (rows == kernel->mr && cols == kernel->nr) {
        kernel->micro(kc, a_panel, b_panel, c, job->ldc, job->alpha, beta);
        return;
    }
    _Alignas(64) float tile[SIREN__GEMM_MR_MAX * SIREN__GEMM_NR_MAX];
    size_t nr = kernel->nr;
    if (beta != 0.0f) { /* the kernel reads the whole tile: no garbage */
        memset(tile, 0, sizeof tile);
        for (size_t i = 0; i < rows; i++)
            memcpy(tile + i * nr, c + i * job->ldc, cols * sizeof *c);
    }
    kernel->micro(kc, a_panel, b_panel, tile, nr, job->alpha, beta);
    for (size_t i = 0; i < rows; i++)
        memcpy(c + i * job->ldc, tile + i * nr, cols * sizeof *c);
}

/* C[i0 : i0 + mc, j0 : j0 + nc] from the packed rows of op(A) and columns
   of op(B) of one K block: each A panel (in L1) meets every B panel (from
   L2), along rows of C. */
static void macro_kernel(const gemm_job *job, const float *a_block, size_t i0, size_t mc,
                         size_t j0, size_t nc, size_t kc, float beta)
{
    size_t mr = job->kernel->mr, nr = job->kernel->nr;
    for (size_t i = 0; i < mc; i += mr) {
        const float *a_panel = a_block + i * kc;
        float *c_row = job->c + (i0 + i) * job->ldc + j0;
        for (size_t j = 0; j < nc; j += nr)
            run_tile(job, kc, a_panel, job->b_pack + j * kc, c_row + j, min_size(mr, mc - i),
                     min_size(nr, nc - j), beta);
    }
}

/* For each block of nc_block columns of op(B) and each K block, the B
   block is packed once and stays in L2 while op(A) is packed mc_block
   rows at a time and multiplied with it. A large, mostly DRAM-resident
   operand is thus read once when it is B (the jets in a forward pass) and
   n / nc_block times when it is A (Z' in the weight gradient: once for
   n = 256 with NC = 256). A small op(A) of one K block is packed in the
   first column block only and kept (SIREN__GEMM_A_KEPT_ROWS): the packed
   panels are the same for every column block. */
static void gemm_blocked(const gemm_job *job)
{
    const siren_gemm_kernel *kernel = job->kernel;
    bool keep_a = job->k <= SIREN__GEMM_KC && job->m <= SIREN__GEMM_A_KEPT_ROWS;
    for (size_t j0 = 0; j0 < job->n; j0 += job->nc_block) {
        size_t nc = min_size(job->nc_block, job->n - j0);
        for (size_t p0 = 0; p0 < job->k; p0 += SIREN__GEMM_KC) {
            size_t kc = min_size(SIREN__GEMM_KC, job->k - p0);
            float beta = p0 == 0 ? job->beta : 1.0f;
            kernel->pack(kernel->nr, job->b.transpose, nc, kc, view_at(&job->b, p0, j0),
                         job->b.ld, job->b_pack);
            for (size_t i0 = 0; i0 < job->m; i0 += job->mc_block) {
                size_t mc = min_size(job->mc_block, job->m - i0);
                float *a_block = keep_a ? job->a_pack + i0 * kc : job->a_pack;
                if (!keep_a || j0 == 0)
                    kernel->pack(kernel->mr, job->a.transpose, mc, kc,
                                 view_at(&job->a, p0, i0), job->a.ld, a_block);
                macro_kernel(job, a_block, i0, mc, j0, nc, kc, beta);
            }
        }
    }
}

/* C = beta C without reading C when beta == 0: the whole product when
   alpha or K is zero (as in BLAS, A and B are then not read). */
static void scale_c(size_t m, size_t n, float beta, float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (beta == 0.0f)
            memset(row, 0, n * sizeof *row);
        else if (beta != 1.0f)
            for (size_t j = 0; j < n; j++)
                row[j] *= beta;
    }
}

/* The B buffer is rounded up to whole 64-byte lines so the A buffer
   after it is aligned too. */
static size_t b_pack_floats(void)
{
    size_t align = SIREN__GEMM_ALIGN_FLOATS;
    return (SIREN__GEMM_B_FLOATS + align - 1) / align * align;
}

size_t siren__gemm_pack_floats(void)
{
    return SIREN__GEMM_ALIGN_FLOATS + b_pack_floats() + SIREN__GEMM_A_FLOATS;
}

void siren__gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                 float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb,
                 float beta, float *c, size_t ldc, float *pack)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
#ifdef SIREN_USE_CBLAS
    if ((siren_gemm_path)atomic_load(&forced_path) == SIREN__GEMM_AUTO &&
        siren__gemm_cblas(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
#endif
    uintptr_t line = SIREN__GEMM_ALIGN_FLOATS * sizeof(float);
    float *b_pack = pack + (line - (uintptr_t)pack % line) % line / sizeof(float);
    float *a_pack = b_pack + b_pack_floats();
    const siren_gemm_kernel *kernel = siren__gemm_kernel();
    /* op(A)^T is A read the other way: its columns are the rows of op(A). */
    gemm_job job = {
        .kernel = kernel,
        .a = {a, lda, !trans_a},
        .b = {b, ldb, trans_b},
        .m = m, .n = n, .k = k,
        .alpha = alpha, .beta = beta,
        .c = c, .ldc = ldc,
        .a_pack = a_pack, .b_pack = b_pack,
        .mc_block = SIREN__GEMM_MC / kernel->mr * kernel->mr,
        .nc_block = block_size(n, SIREN__GEMM_NC / kernel->nr * kernel->nr, kernel->nr),
    };
    gemm_blocked(&job);
}
