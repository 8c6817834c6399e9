/* jet_eval.c - evaluation with forward-mode jets (DESIGN.md, "Input
   derivatives"): siren_eval and siren_eval_instances. Nothing is kept for
   a backward pass, so each thread takes its points in tiles small enough
   that a tile's jets stay in the caches from one layer to the next, and
   each layer after the first is one matrix product over all channels of
   the tile (layer_jets.c). The value and gradient of a one-output network
   go by reverse mode instead, as in siren_forward (eval_reverse.c). */
#include "internal.h"
#include "thread_pool.h"

/* A tile's jets, channels x widest layer x points, take at most this many
   floats (1 MiB; two such buffers per thread) unless one sine block of
   points needs more. With 1 MiB Z and S stay in the caches (512 KiB L2
   and a 32 MiB L3 on the machine measured, docs/PERFORMANCE.md). */
enum { EVAL_TILE_FLOATS = 1 << 18 };

/* A BLAS may round a product of another width differently: there one
   tile per thread keeps the products those of the taped pass (the same
   bits as siren_forward), at the cost of the caches. */
#ifdef SIREN_USE_CBLAS
enum { EVAL_IN_TILES = 0 };
#else
enum { EVAL_IN_TILES = 1 };
#endif

/* Points per tile: EVAL_TILE_FLOATS' worth, a multiple of the grain. */
static size_t tile_points(size_t per_point)
{
    if (!EVAL_IN_TILES)
        return SIZE_MAX;
    size_t points = EVAL_TILE_FLOATS / per_point / SIREN__POINT_GRAIN * SIREN__POINT_GRAIN;
    return points > SIREN__POINT_GRAIN ? points : SIREN__POINT_GRAIN;
}

/* Whether this call's value and gradient go by reverse mode: as in
   siren_forward, and only in tiles (the whole range's tape would not fit
   the buffers). */
static bool eval_by_reverse_mode(const siren_net *net, siren_jet_kind kind)
{
    return EVAL_IN_TILES && siren__reverse_gradient_applies(net, kind);
}

/* A jets tile of tile_points(q) points, q <= per_point, takes at most
   max(EVAL_TILE_FLOATS, grain q) floats, a reverse-mode tile (q the
   reverse mode's floats per point) as much, and neither more than the
   call's points: max_points q. */
size_t siren__eval_region_floats(const siren_net *net, unsigned what, size_t per_point,
                                 size_t max_points)
{
    if (!EVAL_IN_TILES)
        return 0;
    size_t q = per_point, grain_floats, all_points;
    /* the test switch aside: a workspace may outlive a change of it */
    bool reverse_may_apply = (what & SIREN_GRADIENT) && siren__reverse_gradient_fits(net);
    if (reverse_may_apply && siren__eval_reverse_floats(net) > q)
        q = siren__eval_reverse_floats(net);
    if (!siren__mul_size(q, SIREN__POINT_GRAIN, &grain_floats))
        grain_floats = SIZE_MAX;
    if (!siren__mul_size(q, max_points, &all_points))
        all_points = SIZE_MAX;
    size_t tile = grain_floats > EVAL_TILE_FLOATS ? grain_floats : EVAL_TILE_FLOATS;
    return tile < all_points ? tile : all_points;
}

/* Points per reverse-mode tile in a region: a multiple of the grain when
   the region holds that many (it holds every point of a call otherwise). */
static size_t reverse_tile_points(const siren_workspace *ws, const siren_net *net)
{
    size_t points = ws->eval_region / siren__eval_reverse_floats(net);
    return points >= SIREN__POINT_GRAIN ? points / SIREN__POINT_GRAIN * SIREN__POINT_GRAIN
                                        : points;
}

/* One instance's evaluation, shared by the threads of the pool. */
typedef struct eval_job {
    const siren_net *net;
    const float *params;
    const float *x;
    siren_workspace *ws;
    siren_jet_kind kind;
    siren_jet out;              /* this instance's outputs */
    size_t per_point;           /* floats of a point's jets in the widest layer */
    bool reverse;               /* value and gradient by reverse mode */
} eval_job;

/* Every layer for the m points of one tile (x: their coordinates), the
   jets in z and s, [row][channel][m], which alternate; the outputs go to
   out. */
static void eval_tile(const eval_job *job, const float *x, size_t m, float *ping, float *pong,
                      const siren_jet *out, float *pack)
{
    const siren_net *net = job->net;
    const float *input = NULL;
    siren_jet_shape shape = siren__layer_shape(job->ws, job->kind, 1, m);
    for (size_t l = 0; l < net->layer_count; l++) {
        const siren_layer *layer = &net->layers[l];
        float *z = l % 2 == 0 ? ping : pong;
        shape.rows = layer->out;
        if (l == 0 && siren__first_sine_layer_fuses(net, shape.dims)) {
            siren__first_sine_layer_jets(net, job->params, x, &shape, z, 0, m);
            input = z;
            continue;
        }
        if (l == 0)
            siren__first_layer_jets(net, job->params, x, &shape, z, 0, m);
        else /* a sine layer's bias is added in the sine's pass */
            siren__linear_layer_tile(net, job->params, l, input, &shape, z, !layer->is_sine,
                                     pack);
        if (layer->is_sine)
            siren__sine_jet(&shape, layer->omega, l > 0 ? job->params + layer->bias_offset : NULL,
                            z, z, NULL, NULL);
        input = z;
    }
    siren__jet_scatter(input, &shape, out);
}

/* Where a thread's tiles live: its own regions (tile_ping, tile_pong),
   or, without tiles, the part of ping and pong that would hold its
   points' jets. */
static float *thread_tiles(const eval_job *job, bool first_buffer, size_t part, size_t begin)
{
    const siren_workspace *ws = job->ws;
    if (ws->eval_region > 0)
        return (first_buffer ? ws->tile_ping : ws->tile_pong) + part * ws->eval_region;
    return (first_buffer ? ws->ping : ws->pong) + begin * job->per_point;
}

/* Points [begin, end) of the instance, tile by tile. */
static void eval_points(void *ctx, size_t part, size_t begin, size_t end)
{
    const eval_job *job = ctx;
    const siren_net *net = job->net;
    size_t dims = net->cfg.in_features;
    size_t tile = job->reverse ? reverse_tile_points(job->ws, net) : tile_points(job->per_point);
    float *ping = thread_tiles(job, true, part, begin), *pong = thread_tiles(job, false, part, begin);
    float *pack = siren__workspace_pack(job->ws, part);
    for (size_t first = begin, m; first < end; first += m) {
        m = end - first < tile ? end - first : tile;
        siren_jet out = siren__jet_points(&job->out, &net->cfg, first);
        const float *x = job->x + first * dims;
        if (job->reverse)
            siren__eval_tile_reverse(net, job->params, job->ws, x, m, ping, pong, &out, pack);
        else
            eval_tile(job, x, m, ping, pong, &out, pack);
    }
}

int siren__check_eval_call(const siren_net *net, const siren_workspace *ws, size_t instances,
                           const float *params, size_t n, const float *x, const siren_jet *out,
                           siren_jet_kind *kind)
{
    size_t total;
    /* No points is a call that does nothing (as in BLAS and numpy): x and
       params are then never read, so they may be NULL. */
    bool empty = n == 0 || instances == 0;
    if (!net || !ws || !out || (!empty && (!params || !x)))
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!siren__mul_size(instances, n, &total) || total > ws->max_points)
        return SIREN_ERR_TOO_LARGE;
    if (!siren__same_architecture(&net->cfg, &ws->cfg))
        return SIREN_ERR_STATE;
    unsigned asked = siren__jet_quantities(out);
    if ((asked & ~ws->what) != 0)
        return SIREN_ERR_STATE;
    *kind = siren__jet_kind_for(asked);
    return SIREN_OK;
}

static int eval_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                          const float *params, size_t n, const float *x, const siren_jet *out)
{
    siren_jet_kind kind;
    int status = siren__check_eval_call(net, ws, instances, params, n, x, out, &kind);
    if (status != SIREN_OK || n == 0 || instances == 0)
        return status;
    size_t dims = net->cfg.in_features;
    size_t per_point = siren__jet_channels(kind, dims) * net->max_width;
    bool small = siren__small_batch_applies(net, kind, n);
    /* Without tiles, the points go in the taped pass's segments (its
       buffers hold one), with its products. */
    size_t size = EVAL_IN_TILES || small ? n : siren__segment_points(net, kind);
    for (siren_segment seg = {0, 0, 0, 0}; siren__next_segment(&seg, instances, n, size);) {
        eval_job job = {net, params + seg.instance * net->param_count, x + seg.first * dims, ws,
                        kind, siren__jet_points(out, &net->cfg, seg.first), per_point,
                        !small && eval_by_reverse_mode(net, kind)};
        if (small) /* on this thread, in its first tiles (src/small_batch.c) */
            siren__small_batch_eval(net, job.params, ws, kind, n, job.x, &job.out,
                                    thread_tiles(&job, true, 0, 0),
                                    thread_tiles(&job, false, 0, 0));
        else
            siren__pool_for(ws->pool, seg.n, SIREN__POINT_GRAIN, eval_points, &job);
    }
    return SIREN_OK;
}

int siren_eval(const siren_net *net, siren_workspace *ws, size_t n, const float *x,
               const siren_jet *out)
{
    return eval_instances(net, ws, 1, net ? net->params : NULL, n, x, out);
}

int siren_eval_instances(const siren_net *net, siren_workspace *ws, size_t instances,
                         const float *params, size_t n, const float *x, const siren_jet *out)
{
    return eval_instances(net, ws, instances, params, n, x, out);
}
