/* weight_gradient.c - the weight gradient of a layer, W' += w Z' S^T, a
   sum over every point and channel (the product's depth K), shared between
   threads by depth.

   Split by rows of W', every thread would pack all of S; split by depth,
   each thread packs only its part of both operands. The depth is cut into
   slabs of a fixed size that never depends on the thread count: each slab's
   product goes to its own partial matrix, and W' gets the partials added
   in slab order, row by row. So the sums are the same whatever the number
   of threads, and each operand is read once. */
#include "internal.h"
#include "thread_pool.h"

static size_t slab_count(size_t depth)
{
    return (depth + SIREN__WEIGHT_SLAB - 1) / SIREN__WEIGHT_SLAB;
}

static float *partial(const siren_weight_gradient *g, size_t slab)
{
    return g->ws->slab_partials + slab * g->rows * g->cols;
}

/* The partial products of slabs [begin, end). */
static void slab_products(void *ctx, size_t part, size_t begin, size_t end)
{
    const siren_weight_gradient *g = ctx;
    for (size_t slab = begin; slab < end; slab++) {
        size_t first = slab * SIREN__WEIGHT_SLAB;
        size_t depth = g->depth - first < SIREN__WEIGHT_SLAB ? g->depth - first
                                                             : SIREN__WEIGHT_SLAB;
        siren__gemm(false, true, g->rows, g->cols, depth, g->alpha, g->a + first, g->lda,
                    g->b + first, g->ldb, 0.0f, partial(g, slab), g->cols,
                    siren__workspace_pack(g->ws, part));
    }
}

void siren__weight_gradient_slabs(const siren_weight_gradient *g)
{
    siren__pool_for(g->ws->pool, slab_count(g->depth), 1, slab_products, (void *)g);
}

void siren__weight_gradient_add(const siren_weight_gradient *g, size_t begin, size_t end)
{
    size_t slabs = slab_count(g->depth);
    for (size_t r = begin; r < end; r++) {
        float *w = g->w + r * g->ldw;
        for (size_t slab = 0; slab < slabs; slab++) {
            const float *p = partial(g, slab) + r * g->cols;
            for (size_t c = 0; c < g->cols; c++)
                w[c] += p[c];
        }
    }
}
