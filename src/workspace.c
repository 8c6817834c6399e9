/* workspace.c - the scratch memory of evaluation and training. Everything
   siren_eval, siren_forward and siren_backward touch is allocated here,
   once, sized for max_points and the largest jet the workspace serves. */
#include "internal.h"
#include "thread_pool.h"

#include <math.h>
#include <string.h>

#define KNOWN_QUANTITIES (SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN | SIREN_HESSIAN_DIAG)

/* Floats of each buffer a workspace needs, in the order it allocates them. */
typedef struct workspace_plan {
    size_t layer_floats;        /* each layer buffer: one segment's jets in
                                   the widest layer */
    size_t layer_buffers;       /* how many of those: with a tape 3 (ping,
                                   pong, activation), and 2 more when
                                   derivative jets recompute layer 0 and
                                   sin, cos (first_jets, trig_scratch); 2
                                   for an evaluation without tiles; else 0 */
    size_t eval_region;         /* siren_eval's tile regions, two per
                                   thread (0: no tiles, ping and pong) */
    size_t trig_slot;           /* the tape's slot of sin z0 */
    bool keeps_trig;            /* siren__tapes_trig */
    size_t partial_floats;      /* weight-gradient partials (with a tape) */
    size_t total_bytes;         /* everything, tape included */
} workspace_plan;

/* The weight gradient's partial products: one max_width x max_width
   matrix per slab. */
static bool slab_partial_floats(const siren_net *net, size_t *floats)
{
    size_t square;
    return siren__mul_size(net->max_width, net->max_width, &square) &&
           siren__mul_size(SIREN__WEIGHT_SLABS, square, floats);
}

/* One segment's jets (siren__segment_points) in the widest layer, the
   most over the jet kinds up to max_kind; no more than max_points'. */
static bool segment_floats(const siren_net *net, size_t max_points, siren_jet_kind max_kind,
                           size_t *floats)
{
    *floats = 0;
    for (int k = JET_VALUE; k <= (int)max_kind; k++) {
        size_t points = siren__segment_points(net, (siren_jet_kind)k), per_point, f;
        if (points > max_points)
            points = max_points;
        if (!siren__mul_size(siren__jet_channels((siren_jet_kind)k, net->cfg.in_features),
                             net->max_width, &per_point) ||
            !siren__mul_size(points, per_point, &f))
            return false;
        if (f > *floats)
            *floats = f;
    }
    return true;
}

/* The tape's slots (of rows x max_points floats) for layer l: a value-only
   pass's z0, the reverse-mode gradient's g and A when it may apply, sin
   z0 and cos z0 at trig_slot; derivative jets' Z after layer 0, and of
   layer 0 too when the tape keeps sin and cos (then below trig_slot).
   jet_forward.c says what the tape keeps. */
static size_t tape_slots(siren_jet_kind max_kind, size_t channels, size_t trig_slot,
                         bool keeps_trig, size_t l)
{
    size_t values = trig_slot + 2;
    size_t jets = max_kind != JET_VALUE && (l > 0 || keeps_trig) ? channels : 0;
    return values > jets ? values : jets;
}

/* Derivative jets keep sin z0 and cos z0 (and layer 0's jets) on the tape
   when max_points fit one segment: the tape is then at most one
   segment's, and the pass a few percent faster than recomputing them
   (docs/PERFORMANCE.md, "Memory"). The same bits either way. */
static bool keeps_trig_for(const siren_net *net, size_t max_points, siren_jet_kind max_kind)
{
    return max_points <= siren__segment_points(net, max_kind);
}

static size_t trig_slot_for(const siren_net *net, unsigned what, size_t channels,
                            bool keeps_trig)
{
    /* the test switch aside: a workspace may outlive a change of it */
    bool reverse_may_apply = (what & SIREN_GRADIENT) && siren__reverse_gradient_fits(net);
    size_t slot = reverse_may_apply ? 1 + SIREN__TAPE_SLOT_A : 1;
    return keeps_trig && channels > slot ? channels : slot;
}

static int plan_workspace(const siren_net *net, size_t max_points, unsigned what,
                          workspace_plan *plan)
{
    if (!net || max_points == 0 || (what & KNOWN_QUANTITIES) == 0 ||
        (what & ~(unsigned)(KNOWN_QUANTITIES | SIREN_EVAL_ONLY)) != 0)
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_jet_kind max_kind = siren__jet_kind_for(what);
    size_t channels = siren__jet_channels(max_kind, net->cfg.in_features);
    size_t floats, total;
    plan->partial_floats = 0;
    plan->keeps_trig = keeps_trig_for(net, max_points, max_kind);
    plan->trig_slot = trig_slot_for(net, what, channels, plan->keeps_trig);
    if (!segment_floats(net, max_points, max_kind, &plan->layer_floats))
        return SIREN_ERR_TOO_LARGE;
    bool tape = !(what & SIREN_EVAL_ONLY);
    plan->eval_region = siren__eval_region_floats(net, what, channels * net->max_width,
                                                  max_points);
    /* the layer buffers with a tape or without tiles (the two for
       recomputing layer 0 only when derivative jets may need them: values
       always keep sin and cos on the tape); the tiles' two regions per
       thread of the default count */
    bool recomputes = !plan->keeps_trig && max_kind != JET_VALUE;
    plan->layer_buffers = tape ? (recomputes ? 5 : 3) : plan->eval_region > 0 ? 0 : 2;
    size_t tiles;
    if (!siren__mul_size(plan->layer_floats, plan->layer_buffers, &total) ||
        !siren__mul_size(plan->eval_region, 2 * siren__default_threads(), &tiles) ||
        !siren__add_size(total, tiles, &total))
        return SIREN_ERR_TOO_LARGE;
    for (size_t l = 0; tape && l < net->layer_count; l++) {
        size_t slot;
        if (!siren__mul_size(tape_slots(max_kind, channels, plan->trig_slot, plan->keeps_trig, l),
                             max_points, &slot) ||
            !siren__mul_size(slot, net->layers[l].out, &floats) ||
            !siren__add_size(total, floats, &total))
            return SIREN_ERR_TOO_LARGE;
    }
    if (tape && (!siren__mul_size(max_points, net->cfg.in_features, &floats) ||
                 !siren__add_size(total, floats, &total) ||
                 !slab_partial_floats(net, &plan->partial_floats) ||
                 !siren__add_size(total, plan->partial_floats, &total)))
        return SIREN_ERR_TOO_LARGE;
    /* the matrix products' packing scratch, per thread of the default count */
    if (!siren__mul_size(siren__default_threads(), siren__gemm_pack_floats(), &floats) ||
        !siren__add_size(total, floats, &total))
        return SIREN_ERR_TOO_LARGE;
    if (!siren__add_size(total, net->cfg.in_features, &total) ||
        !siren__mul_size(total, sizeof(float), &plan->total_bytes))
        return SIREN_ERR_TOO_LARGE;
    return SIREN_OK;
}

int siren_workspace_bytes(const siren_net *net, size_t max_points, unsigned what,
                          size_t *bytes)
{
    workspace_plan plan;
    if (!bytes)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = plan_workspace(net, max_points, what, &plan);
    if (status == SIREN_OK)
        *bytes = plan.total_bytes;
    return status;
}

static bool allocate_tape(siren_workspace *ws, const siren_net *net)
{
    const siren_allocator *alloc = &ws->allocator;
    size_t channels = siren__jet_channels(ws->max_kind, net->cfg.in_features);
    ws->tape_x = siren__alloc(alloc, ws->max_points * net->cfg.in_features * sizeof(float));
    ws->tape = siren__calloc(alloc, net->layer_count, sizeof *ws->tape);
    if (!ws->tape_x || !ws->tape)
        return false;
    for (size_t l = 0; l < net->layer_count; l++) {
        size_t slots = tape_slots(ws->max_kind, channels, ws->trig_slot, ws->tape_keeps_trig, l);
        ws->tape[l] = siren__alloc(alloc, slots * ws->max_points * net->layers[l].out *
                                              sizeof(float));
        if (!ws->tape[l])
            return false;
    }
    return true;
}

int siren_workspace_create(const siren_net *net, size_t max_points, unsigned what,
                           siren_workspace **out)
{
    workspace_plan plan;
    if (!out)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = plan_workspace(net, max_points, what, &plan);
    if (status != SIREN_OK)
        return status;
    siren_workspace *ws = siren__calloc(&net->allocator, 1, sizeof *ws);
    if (!ws)
        return SIREN_ERR_OUT_OF_MEMORY;
    ws->allocator = net->allocator;
    const siren_allocator *alloc = &ws->allocator;
    ws->cfg = net->cfg;
    ws->max_points = max_points;
    ws->what = what & KNOWN_QUANTITIES;
    ws->has_tape = !(what & SIREN_EVAL_ONLY);
    ws->max_kind = siren__jet_kind_for(what);
    ws->trig_slot = plan.trig_slot;
    ws->tape_keeps_trig = plan.keeps_trig;
    ws->layer_count = net->layer_count;
    ws->eval_region = plan.eval_region;
    size_t layer_bytes = plan.layer_floats * sizeof(float);
    bool ok = (ws->laplacian_weights =
                   siren__alloc(alloc, net->cfg.in_features * sizeof(float))) &&
              /* the tiles' regions: siren_workspace_set_threads */
              (plan.layer_buffers < 2 ||
               ((ws->ping = siren__alloc(alloc, layer_bytes)) &&
                (ws->pong = siren__alloc(alloc, layer_bytes))));
    if (ok && ws->has_tape)
        ok = (ws->activation = siren__alloc(alloc, layer_bytes)) &&
             (plan.layer_buffers < 5 ||
              ((ws->first_jets = siren__alloc(alloc, layer_bytes)) &&
               (ws->trig_scratch = siren__alloc(alloc, layer_bytes)))) &&
             (ws->slab_partials = siren__alloc(alloc, plan.partial_floats * sizeof(float))) &&
             allocate_tape(ws, net);
    if (!ok) {
        siren_workspace_free(ws);
        return SIREN_ERR_OUT_OF_MEMORY;
    }
    siren_workspace_set_laplacian_weights(ws, NULL, net->cfg.in_features);
    status = siren_workspace_set_threads(ws, siren__default_threads());
    if (status != SIREN_OK) {
        siren_workspace_free(ws);
        return status;
    }
    *out = ws;
    return SIREN_OK;
}

void siren_workspace_free(siren_workspace *ws)
{
    if (!ws)
        return;
    /* A copy: the struct that holds the allocator is freed last. */
    siren_allocator alloc = ws->allocator;
    siren__pool_free(ws->pool);
    if (ws->tape)
        for (size_t l = 0; l < ws->layer_count; l++)
            siren__free(&alloc, ws->tape[l]);
    siren__free(&alloc, ws->tape);
    siren__free(&alloc, ws->tape_x);
    siren__free(&alloc, ws->activation);
    siren__free(&alloc, ws->first_jets);
    siren__free(&alloc, ws->trig_scratch);
    siren__free(&alloc, ws->slab_partials);
    siren__free(&alloc, ws->ping);
    siren__free(&alloc, ws->pong);
    siren__free(&alloc, ws->tile_ping);
    siren__free(&alloc, ws->tile_pong);
    siren__free(&alloc, ws->laplacian_weights);
    siren__free(&alloc, ws->gemm_pack);
    siren__free(&alloc, ws);
}

int siren_workspace_set_laplacian_weights(siren_workspace *ws, const float *weights,
                                          size_t count)
{
    if (!ws || (weights && count != ws->cfg.in_features) ||
        (!weights && count != 0 && count != ws->cfg.in_features))
        return SIREN_ERR_INVALID_ARGUMENT;
    for (size_t k = 0; weights && k < count; k++)
        if (!isfinite(weights[k]))
            return SIREN_ERR_INVALID_ARGUMENT;
    for (size_t k = 0; k < ws->cfg.in_features; k++)
        ws->laplacian_weights[k] = weights ? weights[k] : 1.0f;
    ws->taped_net = NULL; /* a backward pass would mix the old and new weights */
    return SIREN_OK;
}

/* The per-thread scratch of a workspace, for `threads` threads. */
typedef struct thread_scratch {
    float *pack;                /* the products' packing buffers */
    float *ping, *pong;         /* siren_eval's tile regions */
} thread_scratch;

static void free_thread_scratch(const siren_allocator *alloc, thread_scratch *t)
{
    siren__free(alloc, t->pack);
    siren__free(alloc, t->ping);
    siren__free(alloc, t->pong);
}

/* Allocates the per-thread scratch the workspace lacks for `threads`
   threads into *grown (members NULL where it has enough). false: out of
   memory, nothing allocated. */
static bool allocate_thread_scratch(const siren_workspace *ws, size_t threads,
                                    thread_scratch *grown)
{
    *grown = (thread_scratch){NULL, NULL, NULL};
    size_t bytes;
    bool ok = true;
    if (threads > ws->pack_threads)
        ok = siren__mul_size(threads, siren__gemm_pack_floats() * sizeof(float), &bytes) &&
             (grown->pack = siren__alloc(&ws->allocator, bytes));
    if (ok && ws->eval_region > 0 && threads > ws->region_threads)
        ok = siren__mul_size(threads, ws->eval_region * sizeof(float), &bytes) &&
             (grown->ping = siren__alloc(&ws->allocator, bytes)) &&
             (grown->pong = siren__alloc(&ws->allocator, bytes));
    if (!ok)
        free_thread_scratch(&ws->allocator, grown);
    return ok;
}

/* Puts the grown scratch in place of the workspace's, freeing that. */
static void install_thread_scratch(siren_workspace *ws, size_t threads,
                                   const thread_scratch *grown)
{
    if (grown->pack) {
        siren__free(&ws->allocator, ws->gemm_pack);
        ws->gemm_pack = grown->pack;
        ws->pack_threads = threads;
    }
    if (grown->ping) {
        siren__free(&ws->allocator, ws->tile_ping);
        siren__free(&ws->allocator, ws->tile_pong);
        ws->tile_ping = grown->ping;
        ws->tile_pong = grown->pong;
        ws->region_threads = threads;
    }
}

int siren_workspace_set_threads(siren_workspace *ws, size_t threads)
{
    if (!ws || threads == 0 || threads > SIREN__MAX_THREADS)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (threads == ws->threads)
        return SIREN_OK;
    /* The per-thread scratch only grows: fewer threads never allocate
       scratch, and one thread (no pool) allocates nothing, so going back
       to one thread cannot fail. */
    thread_scratch grown;
    if (!allocate_thread_scratch(ws, threads, &grown))
        return SIREN_ERR_OUT_OF_MEMORY;
    siren_pool *pool = NULL;
    if (threads > 1) {
        int status = siren__pool_create(threads, &ws->allocator, &pool);
        if (status != SIREN_OK) {
            free_thread_scratch(&ws->allocator, &grown);
            return status;
        }
    }
    siren__pool_free(ws->pool);
    install_thread_scratch(ws, threads, &grown);
    ws->pool = pool;
    ws->threads = threads;
    return SIREN_OK;
}

float *siren__workspace_pack(const siren_workspace *ws, size_t part)
{
    return ws->gemm_pack + part * siren__gemm_pack_floats();
}

size_t siren_workspace_threads(const siren_workspace *ws)
{
    return ws ? ws->threads : 0;
}
