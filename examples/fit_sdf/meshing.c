/* meshing.c - marching cubes through the network (meshing.h): the field
   is the network's value, evaluated in batches of the chunk size, with a
   note on stderr every 10 seconds of a long extraction. */
#include "meshing.h"

#include "fit/messages.h"
#include "fit/progress.h"
#include "mesh.h"

#include <stdio.h>

typedef struct field_eval {
    const siren_net *net;
    siren_workspace *ws;
    size_t done;                   /* field values so far */
    double last_note;              /* progress_clock() of the last note */
    int status;                    /* of the last siren_eval */
} field_eval;

/* The network's value at n points, in calls of at most the workspace's
   size (the extractor's batch is the chunk). */
static int network_field(void *user, size_t n, const float *xyz, float *values)
{
    field_eval *e = user;
    siren_jet out = {.value = values};
    e->status = siren_eval(e->net, e->ws, n, xyz, &out);
    e->done += n;
    double now = progress_clock();
    if (now - e->last_note > 10) {
        fit_say("marching cubes: %zu field values so far", e->done);
        e->last_note = now;
    }
    return e->status;
}

static int create_eval_workspace(const meshing_config *cfg, field_eval *e)
{
    int status = siren_workspace_create(e->net, (size_t)cfg->chunk,
                                        SIREN_VALUE | SIREN_EVAL_ONLY, &e->ws);
    if (status == SIREN_OK && cfg->threads > 0)
        status = siren_workspace_set_threads(e->ws, (size_t)cfg->threads);
    if (status != SIREN_OK)
        return fit_library_error("cannot create the meshing workspace",
                                 status);
    return 0;
}

int extract_mesh(const meshing_config *cfg, const siren_net *net,
                 const shape_transform *transform, tri_mesh *mesh)
{
    field_eval e = {.net = net, .last_note = progress_clock()};
    if (create_eval_workspace(cfg, &e))
        return 1;
    mc_options mc = mc_default_options();
    mc.resolution = (size_t)cfg->resolution;
    mc.batch = (size_t)cfg->chunk;
    mc.band = cfg->band;
    mc_stats st;
    char err[256];
    int rc = mc_extract(&mc, network_field, &e, mesh, &st, err, sizeof err);
    siren_workspace_free(e.ws);
    if (rc)
        return e.status ? fit_library_error("marching cubes", e.status)
                        : fit_error("marching cubes: %s", err);
    fit_say("marching cubes at %ld^3: %zu vertices, %zu triangles (%.1f%% of the "
            "grid evaluated)", cfg->resolution, mesh->vertex_count,
            mesh->triangle_count, 100.0 * (double)st.evaluated / (double)st.grid_points);
    /* Back into the input's units. */
    shape_transform_invert(transform, mesh->vertices, mesh->vertex_count);
    return 0;
}
