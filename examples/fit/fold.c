/* fold.c - a training step over fixed slabs, summed in slab order, on one
   process or over MPI (fold.h). */
#include "fold.h"

#include "distributed.h"
#include "messages.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef FIT_MPI
#include "siren_mpi.h"
#endif

size_t fit_slab_count(size_t points, size_t chunk)
{
    return chunk ? (points + chunk - 1) / chunk : 0;
}

void fit_slab_range(size_t slab, size_t points, size_t chunk, size_t *first, size_t *count)
{
    *first = slab * chunk;
    size_t left = points > *first ? points - *first : 0;
    *count = left < chunk ? left : chunk;
}

/* -------------------------------------------------------- one process */

static int start_alone(fit_fold *f)
{
    f->sum = malloc(f->count * sizeof *f->sum);
    if (!f->sum)
        return fit_error("out of memory for the gradient sum");
    return 0;
}

static int sum_alone(fit_fold *f, fit_model *m, fit_slab_fn *slab, void *ctx, double *totals)
{
    float *grads = siren_net_grads(m->net);
    memset(f->sum, 0, f->count * sizeof *f->sum);
    for (size_t v = 0; v < f->values; v++)
        totals[v] = 0.0;
    for (size_t s = 0; s < f->slabs; s++) {
        siren_net_zero_grad(m->net);
        int status = slab(ctx, m, s, f->parts);
        if (status)
            return status;
        for (size_t i = 0; i < f->count; i++)
            f->sum[i] += grads[i];
        for (size_t v = 0; v < f->values; v++)
            totals[v] += f->parts[v];
    }
    memcpy(grads, f->sum, f->count * sizeof *grads);
    return 0;
}

/* ------------------------------------------------------------ over MPI */

#ifdef FIT_MPI
/* Rank r's slabs, as libsiren_mpi shares them (siren_mpi_create): S / P
   each, the first S % P ranks one more. */
static void rank_slabs(size_t slabs, int size, int rank, size_t *first, size_t *end)
{
    size_t each = slabs / (size_t)size, extra = slabs % (size_t)size, r = (size_t)rank;
    *first = r * each + (r < extra ? r : extra);
    *end = *first + each + (r < extra ? 1 : 0);
}

/* Rank 0 says how the slabs are shared, and when some rank has none. */
static void describe(const fit_fold *f)
{
    size_t ranks = (size_t)fit_dist_size(), most = (f->slabs + ranks - 1) / ranks;
    fit_say("%zu process%s; %zu slab%s a step, %zu on the busiest rank", ranks,
            ranks == 1 ? "" : "es", f->slabs, f->slabs == 1 ? "" : "s", most);
    if (f->slabs < ranks)
        fit_note("%zu of the %zu ranks have no slab and only pass the sum on (a smaller "
                 "--chunk makes more slabs)", ranks - f->slabs, ranks);
}

static int start_mpi(fit_fold *f)
{
    siren_mpi *sm = NULL;
    int status = siren_mpi_create(fit_dist_comm(), f->count, f->slabs, f->values, &sm);
    if (status != SIREN_OK) { /* agreed: the same on every rank */
        if (fit_dist_root())
            fit_error("sharing the step's slabs between the ranks: %s%s",
                      siren_mpi_status_string(status),
                      status == SIREN_ERR_INVALID_ARGUMENT
                          ? " (the ranks' networks or slabs differ: the same options on every "
                            "rank?)"
                          : "");
        return 1;
    }
    f->mpi = sm;
    siren_mpi_slabs(sm, &f->first, &f->end);
    describe(f);
    return 0;
}

static int sum_mpi(fit_fold *f, fit_model *m, fit_slab_fn *slab, void *ctx, double *totals)
{
    siren_mpi *sm = f->mpi;
    float *grads = siren_net_grads(m->net);
    int local = 0;
    for (size_t s = f->first; local == 0 && s < f->end; s++) {
        siren_net_zero_grad(m->net);
        local = slab(ctx, m, s, f->parts);
        int added = local == 0 ? siren_mpi_add(sm, s, grads, f->parts) : SIREN_OK;
        if (added != SIREN_OK)
            local = fit_library_error("adding a slab to the sum", added);
    }
    int status = fit_dist_agree(local);
    if (status)
        return status;
    status = siren_mpi_reduce(sm, grads, totals);
    if (status != SIREN_OK) {
        if (fit_dist_root())
            fit_error("the gradient sum: rank %d: %s", siren_mpi_failed_rank(sm),
                      siren_mpi_failed_message(sm));
        return 1;
    }
    return 0;
}
#endif

/* ---------------------------------------------------------------- steps */

/* The first step's set-up: the sizes, the buffers, over MPI the share of
   the slabs. 0, or 1 after a message (agreed over MPI). */
static int start(fit_fold *f, const fit_model *m, size_t slabs, size_t values)
{
    f->slabs = slabs;
    f->values = values;
    f->count = siren_net_param_count(m->net);
    f->first = 0;
    f->end = slabs;
    f->parts = malloc((values ? values : 1) * sizeof *f->parts);
    int status = f->parts ? 0 : fit_error("out of memory for the step's values");
    if (slabs == 0 && status == 0)
        status = fit_error("a step of no slab");
#ifdef FIT_MPI
    if (fit_dist_active()) {
        status = fit_dist_agree(status);
        if (status == 0)
            status = start_mpi(f);
        f->started = status == 0;
        return status;
    }
#endif
    if (status == 0)
        status = start_alone(f);
    f->started = status == 0;
    return status;
}

int fit_fold_step(fit_fold *f, fit_model *m, size_t slabs, size_t values, fit_slab_fn *slab,
                  void *ctx, double *totals)
{
    int status = f->started ? 0 : start(f, m, slabs, values);
    if (status == 0 && (slabs != f->slabs || values != f->values))
        status = fit_error("a step of %zu slabs and %zu values after one of %zu and %zu", slabs,
                           values, f->slabs, f->values);
    if (status)
        return status;
#ifdef FIT_MPI
    if (f->mpi)
        status = sum_mpi(f, m, slab, ctx, totals);
    else
#endif
        status = sum_alone(f, m, slab, ctx, totals);
    return status ? status : fit_adam_step(m->net, m->opt);
}

int fit_fold_gather(fit_fold *f, float *rows, size_t row_floats, size_t points, size_t chunk)
{
#ifdef FIT_MPI
    if (!f->mpi)
        return 0;
    int size = fit_dist_size(), rank = fit_dist_rank();
    int *counts = malloc((size_t)size * sizeof *counts);
    int *offsets = malloc((size_t)size * sizeof *offsets);
    int status = counts && offsets ? 0 : fit_error("out of memory");
    if (status == 0 && (points > (size_t)INT_MAX / (row_floats ? row_floats : 1)))
        status = fit_error("more than %d values to gather", INT_MAX);
    for (int r = 0; status == 0 && r < size; r++) { /* rank r's points [from, to) */
        size_t first, end;
        rank_slabs(f->slabs, size, r, &first, &end);
        size_t from = first * chunk < points ? first * chunk : points;
        size_t to = end * chunk < points ? end * chunk : points;
        offsets[r] = (int)(from * row_floats);
        counts[r] = (int)((to - from) * row_floats);
    }
    status = fit_dist_agree(status);
    if (status == 0)
        MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : rows + offsets[rank], counts[rank], MPI_FLOAT,
                    rows, counts, offsets, MPI_FLOAT, 0, fit_dist_comm());
    free(counts);
    free(offsets);
    return status;
#else
    (void)f, (void)rows, (void)row_floats, (void)points, (void)chunk;
    return 0;
#endif
}

void fit_fold_free(fit_fold *f)
{
#ifdef FIT_MPI
    siren_mpi_free(f->mpi);
#endif
    free(f->sum);
    free(f->parts);
    memset(f, 0, sizeof *f);
}
