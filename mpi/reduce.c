/* reduce.c - the gradient sum in slab order, the same bits for any number
   of ranks (siren_mpi.h, "The idea").

   The sum is the left fold over slabs, ((0 + g_0) + g_1) + ..., in float.
   Rank 0 folds its slabs as they are added. Every other rank keeps its
   slabs until the running sum of all slabs before its own arrives from the
   rank before it, adds its slabs into it in order and sends it on: a chain
   in rank order, so the additions are the single process's, one for one.
   The chain runs segment by segment (SIREN_MPI__SEGMENT floats), with a
   window of receives posted ahead and sends in flight, so that rank r adds
   segment k while rank r - 1 adds segment k + 1. The last rank receives
   straight into the caller's output and broadcasts it. The values (loss,
   metrics) are few: every rank gathers all slabs' values and folds them
   itself, in slab order. */
#include "siren_mpi_internal.h"

#include <string.h>

enum { TAG_CHAIN = 1 };

void siren_mpi__reset_step(siren_mpi *sm)
{
    sm->added = 0;
    sm->add_status = SIREN_OK;
    if (sm->rank == 0)
        memset(sm->running, 0, sm->count * sizeof *sm->running);
}

/* ----------------------------------------------------------------- add */

int siren_mpi_add(siren_mpi *sm, size_t slab, const float *grads, const double *values)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = SIREN_OK;
    if (!grads || (sm->values && !values))
        status = SIREN_ERR_INVALID_ARGUMENT;
    else if (slab != sm->first + sm->added || slab >= sm->end)
        status = SIREN_ERR_STATE;
    if (status != SIREN_OK) {
        if (sm->add_status == SIREN_OK)
            sm->add_status = status;
        return status;
    }
    if (sm->rank == 0) {
        for (size_t i = 0; i < sm->count; i++)
            sm->running[i] += grads[i];
    } else {
        memcpy(sm->stored + sm->added * sm->count, grads, sm->count * sizeof *grads);
    }
    if (sm->values)
        memcpy(sm->own_values + sm->added * sm->values, values, sm->values * sizeof *values);
    sm->added++;
    return SIREN_OK;
}

/* --------------------------------------------------------------- chain */

typedef struct segment {
    size_t offset, length;
} segment;

static size_t segment_count(const siren_mpi *sm)
{
    return (sm->count + SIREN_MPI__SEGMENT - 1) / SIREN_MPI__SEGMENT;
}

static segment segment_at(const siren_mpi *sm, size_t k)
{
    size_t offset = k * SIREN_MPI__SEGMENT, left = sm->count - offset;
    return (segment){offset, left < SIREN_MPI__SEGMENT ? left : SIREN_MPI__SEGMENT};
}

/* Requests in flight, one slot per segment k % WINDOW. */
typedef struct window {
    MPI_Request receive[SIREN_MPI__WINDOW], send[SIREN_MPI__WINDOW];
} window;

static int post_receive(siren_mpi *sm, window *w, float *into, size_t k)
{
    segment s = segment_at(sm, k);
    return siren_mpi__check(MPI_Irecv(into + s.offset, (int)s.length, MPI_FLOAT, sm->rank - 1,
                                      TAG_CHAIN, sm->comm, &w->receive[k % SIREN_MPI__WINDOW]));
}

/* Sends segment k of `from` to the next rank, once the send that used its
   slot before has completed. */
static int post_send(siren_mpi *sm, window *w, const float *from, size_t k)
{
    MPI_Request *slot = &w->send[k % SIREN_MPI__WINDOW];
    int status = siren_mpi__check(MPI_Wait(slot, MPI_STATUS_IGNORE));
    segment s = segment_at(sm, k);
    if (status == SIREN_OK)
        status = siren_mpi__check(MPI_Isend(from + s.offset, (int)s.length, MPI_FLOAT,
                                            sm->rank + 1, TAG_CHAIN, sm->comm, slot));
    return status;
}

/* Adds this rank's slabs, in order, into segment s of sum. */
static void add_own_slabs(const siren_mpi *sm, float *sum, segment s)
{
    float *out = sum + s.offset;
    for (size_t j = 0; j < sm->end - sm->first; j++) {
        const float *g = sm->stored + j * sm->count + s.offset;
        for (size_t i = 0; i < s.length; i++)
            out[i] += g[i];
    }
}

/* Rank 0: its sum is complete; it is sent segment by segment. */
static int chain_first(siren_mpi *sm, window *w)
{
    int status = SIREN_OK;
    for (size_t k = 0; status == SIREN_OK && k < segment_count(sm); k++)
        status = post_send(sm, w, sm->running, k);
    return status;
}

/* Ranks after 0: receive, add, pass on (the last rank keeps it). */
static int chain_next(siren_mpi *sm, window *w, float *sum)
{
    bool last = sm->rank == sm->size - 1;
    float *into = last ? sum : sm->running;
    size_t segments = segment_count(sm);
    int status = SIREN_OK;
    for (size_t k = 0; status == SIREN_OK && k < segments && k < SIREN_MPI__WINDOW; k++)
        status = post_receive(sm, w, into, k);
    for (size_t k = 0; status == SIREN_OK && k < segments; k++) {
        status = siren_mpi__check(MPI_Wait(&w->receive[k % SIREN_MPI__WINDOW], MPI_STATUS_IGNORE));
        if (status != SIREN_OK)
            break;
        add_own_slabs(sm, into, segment_at(sm, k));
        if (!last)
            status = post_send(sm, w, into, k);
        if (status == SIREN_OK && k + SIREN_MPI__WINDOW < segments)
            status = post_receive(sm, w, into, k + SIREN_MPI__WINDOW);
    }
    return status;
}

static int finish_sends(window *w)
{
    return siren_mpi__check(MPI_Waitall(SIREN_MPI__WINDOW, w->send, MPI_STATUSES_IGNORE));
}

static int sum_gradients(siren_mpi *sm, float *sum)
{
    if (sm->size == 1) {
        memcpy(sum, sm->running, sm->count * sizeof *sum);
        return SIREN_OK;
    }
    window w;
    for (size_t i = 0; i < SIREN_MPI__WINDOW; i++)
        w.receive[i] = w.send[i] = MPI_REQUEST_NULL;
    int status = sm->rank == 0 ? chain_first(sm, &w) : chain_next(sm, &w, sum);
    int sent = finish_sends(&w);
    if (status == SIREN_OK)
        status = sent;
    if (status == SIREN_OK)
        status = siren_mpi__broadcast(sm, sum, sm->count, MPI_FLOAT, sm->size - 1);
    return status;
}

/* -------------------------------------------------------------- values */

static int sum_values(siren_mpi *sm, double *value_sums)
{
    int status = siren_mpi__check(
        MPI_Allgatherv(sm->own_values, sm->value_counts[sm->rank], MPI_DOUBLE, sm->all_values,
                       sm->value_counts, sm->value_offsets, MPI_DOUBLE, sm->comm));
    if (status != SIREN_OK)
        return status;
    for (size_t v = 0; v < sm->values; v++) {
        double total = 0.0;
        for (size_t slab = 0; slab < sm->slabs; slab++)
            total += sm->all_values[slab * sm->values + v];
        value_sums[v] = total;
    }
    return SIREN_OK;
}

/* -------------------------------------------------------------- reduce */

/* What this rank brings to the step: its adds, and the outputs. */
static int local_state(const siren_mpi *sm, const float *sum, const double *value_sums)
{
    if (!sum || (sm->values && !value_sums))
        return SIREN_ERR_INVALID_ARGUMENT;
    if (sm->add_status != SIREN_OK || sm->added != sm->end - sm->first)
        return SIREN_ERR_STATE;
    return SIREN_OK;
}

int siren_mpi_reduce(siren_mpi *sm, float *sum, double *value_sums)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    /* Agreed first, so that no rank adds into half-filled buffers or
       writes outputs on a failed step: one allreduce of an int. */
    int status = siren_mpi__agree_status(sm, local_state(sm, sum, value_sums));
    if (status == SIREN_OK)
        status = sum_gradients(sm, sum);
    if (status == SIREN_OK && sm->values)
        status = sum_values(sm, value_sums);
    siren_mpi__reset_step(sm);
    return status;
}
