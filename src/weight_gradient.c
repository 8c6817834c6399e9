/* weight_gradient.c - the weight gradient of a layer, W' += w Z' S^T, a
   sum over every point and channel (the product's depth K), shared between
   threads by depth.

   Split by rows of W', every thread would pack all of S; split by depth,
   each thread packs only its part of both operands. The depth is cut into
   at most SIREN__WEIGHT_SLABS slabs whose size depends on the depth alone,
   never on the thread count (a multiple of 256, the product's K block, and
   at least SLAB_MIN so small products stay whole): each slab's product
   goes to its own partial matrix, and W' gets the partials added in slab
   order, row by row. So the sums are the same whatever the number of
   threads, and each operand is read once. */
#include "internal.h"
#include "thread_pool.h"

enum { SLAB_UNIT = 256, SLAB_MIN = 2048 };

static size_t slab_depth(size_t depth)
{
    size_t per_slab = (depth + SIREN__WEIGHT_SLABS - 1) / SIREN__WEIGHT_SLABS;
    per_slab = (per_slab + SLAB_UNIT - 1) / SLAB_UNIT * SLAB_UNIT;
    return per_slab > SLAB_MIN ? per_slab : SLAB_MIN;
}

static size_t slab_count(size_t depth)
{
    return (depth + slab_depth(depth) - 1) / slab_depth(depth);
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
        size_t size = slab_depth(g->depth), first = slab * size;
        size_t depth = g->depth - first < size ? g->depth - first : size;
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
