/* jet_layout.c - how jets are laid out in the workspace, and the moves
   between that layout ([rows][channels][points]) and the public one
   ([points][out][...], siren_jet); the segments a call's points go
   through forward and backward in, and where a segment's jets are on the
   tape (internal.h). */
#include "internal.h"

#include <stdatomic.h>

size_t siren__jet_channels(siren_jet_kind kind, size_t dims)
{
    switch (kind) {
    case JET_VALUE: return 1;
    case JET_GRADIENT: return 1 + dims;
    case JET_LAPLACIAN: return 2 + dims;
    case JET_HESSIAN: return 1 + 2 * dims;
    }
    return 1;
}

siren_jet_kind siren__jet_kind_for(unsigned what)
{
    if (what & SIREN_HESSIAN_DIAG)
        return JET_HESSIAN;
    if (what & SIREN_LAPLACIAN)
        return JET_LAPLACIAN;
    if (what & SIREN_GRADIENT)
        return JET_GRADIENT;
    return JET_VALUE;
}

unsigned siren__jet_quantities(const siren_jet *jet)
{
    return (jet->value ? (unsigned)SIREN_VALUE : 0u) |
           (jet->gradient ? (unsigned)SIREN_GRADIENT : 0u) |
           (jet->laplacian ? (unsigned)SIREN_LAPLACIAN : 0u) |
           (jet->hessian_diag ? (unsigned)SIREN_HESSIAN_DIAG : 0u);
}

/* Copies channel `first + k` of every row, k < count, to
   out[p][row][k] (the public [n][out][count] layout). */
static void scatter_channels(const float *y, const siren_jet_shape *shape,
                             size_t first, size_t count, float *out)
{
    size_t rows = shape->rows;
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < count; k++) {
            const float *channel = y + r * shape->row_stride + (first + k) * shape->ld;
            for (size_t p = 0; p < shape->n; p++)
                out[(p * rows + r) * count + k] = channel[p];
        }
}

/* The Laplacian from the Hessian diagonal: sum_k c_k y_kk. */
static void scatter_weighted_laplacian(const float *y, const siren_jet_shape *shape,
                                       float *out)
{
    size_t dims = shape->dims;
    for (size_t r = 0; r < shape->rows; r++) {
        const float *row = y + r * shape->row_stride;
        for (size_t p = 0; p < shape->n; p++) {
            float sum = 0.0f;
            for (size_t k = 0; k < dims; k++)
                sum += shape->weights[k] * row[(1 + dims + k) * shape->ld + p];
            out[p * shape->rows + r] = sum;
        }
    }
}

void siren__jet_scatter(const float *y, const siren_jet_shape *shape, const siren_jet *out)
{
    size_t dims = shape->dims;
    if (out->value)
        scatter_channels(y, shape, 0, 1, out->value);
    if (out->gradient)
        scatter_channels(y, shape, 1, dims, out->gradient);
    if (out->hessian_diag)
        scatter_channels(y, shape, 1 + dims, dims, out->hessian_diag);
    if (out->laplacian) {
        if (shape->kind == JET_HESSIAN)
            scatter_weighted_laplacian(y, shape, out->laplacian);
        else
            scatter_channels(y, shape, 1 + dims, 1, out->laplacian);
    }
}

siren_jet siren__jet_points(const siren_jet *jet, const siren_config *cfg, size_t first)
{
    size_t per_point = cfg->out_features, per_dims = per_point * cfg->in_features;
    siren_jet part = *jet;
    if (part.value) part.value += first * per_point;
    if (part.gradient) part.gradient += first * per_dims;
    if (part.laplacian) part.laplacian += first * per_point;
    if (part.hessian_diag) part.hessian_diag += first * per_dims;
    return part;
}

siren_jet siren__jet_instance(const siren_jet *jet, const siren_config *cfg, size_t n, size_t i)
{
    return siren__jet_points(jet, cfg, i * n);
}

/* A segment's jets take about this many floats (64 MiB) in the widest
   layer: 16,384 points of a 256-wide layer's Laplacian jets, 65,536 of
   its values. Few enough that the workspace's buffers stay small beside
   the tape of a large call. Smaller segments cost time: a 1-thread
   Laplacian step of 16,384 points took 4% longer in segments of 8,192
   and 6% in segments of 4,096 (CPU time, interleaved runs, 2026-12-07). */
enum { SEGMENT_FLOATS = 1 << 24 };

static atomic_size_t segment_floats_for_tests; /* 0: SEGMENT_FLOATS */

void siren__set_segment_floats(size_t floats)
{
    atomic_store(&segment_floats_for_tests, floats);
}

size_t siren__segment_points(const siren_net *net, siren_jet_kind kind)
{
    size_t floats = atomic_load(&segment_floats_for_tests);
    size_t per_point = siren__jet_channels(kind, net->cfg.in_features) * net->max_width;
    size_t points = (floats ? floats : SEGMENT_FLOATS) / per_point / SIREN__POINT_GRAIN *
                    SIREN__POINT_GRAIN;
    return points > SIREN__POINT_GRAIN ? points : SIREN__POINT_GRAIN;
}

bool siren__next_segment(siren_segment *seg, size_t instances, size_t n, size_t size)
{
    if (n == 0)
        return false;
    seg->offset += seg->n;
    if (seg->offset >= n) {
        seg->instance++;
        seg->offset = 0;
    }
    if (seg->instance >= instances)
        return false;
    seg->n = n - seg->offset < size ? n - seg->offset : size;
    seg->first = seg->instance * n + seg->offset;
    return true;
}

bool siren__tapes_trig(const siren_workspace *ws, siren_jet_kind kind)
{
    return kind == JET_VALUE || ws->tape_keeps_trig;
}

float *siren__tape_jets(const siren_workspace *ws, size_t l, size_t rows, size_t channels,
                        size_t first)
{
    return ws->tape[l] + first * rows * channels;
}

float *siren__tape_slot(const siren_workspace *ws, size_t l, size_t slot, size_t rows,
                        size_t first)
{
    return ws->tape[l] + (slot * ws->max_points + first) * rows;
}

float *siren__trig_tape(const siren_workspace *ws, size_t l, size_t rows, size_t first)
{
    return ws->tape[l] + (ws->trig_slot * ws->max_points + 2 * first) * rows;
}
