/* broadcast.c - broadcasts of any length (MPI counts are ints), used for
   the gradient sum and the checkpoint's bytes too; rank 0's floats to
   every rank; and the check that every rank holds the same bits (the
   parameters, say: ranks whose CPUs take different matrix-product kernels
   would drift apart). The check broadcasts rank 0's vector a segment at a
   time and each rank compares it with its own, so it needs a segment of
   memory, not a vector. */
#include "siren_mpi_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Agreed INVALID_ARGUMENT unless count is rank 0's everywhere and values
   is given wherever count > 0. */
static int check_arguments(siren_mpi *sm, const float *values, size_t count)
{
    uint64_t root = count;
    int status = siren_mpi__check(MPI_Bcast(&root, 1, MPI_UINT64_T, 0, sm->comm));
    if (status != SIREN_OK)
        return status;
    bool good = root == count && (count == 0 || values);
    return siren_mpi__agree_status(sm, good ? SIREN_OK : SIREN_ERR_INVALID_ARGUMENT);
}

int siren_mpi__broadcast(siren_mpi *sm, void *buffer, size_t count, MPI_Datatype type, int root)
{
    enum { PIECE = 1 << 28 }; /* elements a call: an int, and at most 2 GiB of floats */
    int size = 0;
    int status = siren_mpi__check(MPI_Type_size(type, &size));
    for (size_t at = 0; status == SIREN_OK && at < count; at += PIECE) {
        size_t n = count - at < PIECE ? count - at : PIECE;
        status = siren_mpi__check(
            MPI_Bcast((char *)buffer + at * (size_t)size, (int)n, type, root, sm->comm));
    }
    return status;
}

int siren_mpi_broadcast(siren_mpi *sm, float *values, size_t count)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = check_arguments(sm, values, count);
    if (status == SIREN_OK)
        status = siren_mpi__broadcast(sm, values, count, MPI_FLOAT, 0);
    return status;
}

/* Rank 0's values, segment by segment, compared on every other rank with
   its own: *differs is set when any bit differs. */
static int compare_segments(siren_mpi *sm, const float *values, size_t count, float *segment,
                            bool *differs)
{
    int status = SIREN_OK;
    for (size_t at = 0; status == SIREN_OK && at < count; at += SIREN_MPI__SEGMENT) {
        size_t n = count - at < SIREN_MPI__SEGMENT ? count - at : SIREN_MPI__SEGMENT;
        /* rank 0 sends its own values, which MPI_Bcast only reads */
        float *buffer = sm->rank == 0 ? (float *)(uintptr_t)(values + at) : segment;
        status = siren_mpi__broadcast(sm, buffer, n, MPI_FLOAT, 0);
        if (status == SIREN_OK && sm->rank != 0 &&
            memcmp(segment, values + at, n * sizeof *segment) != 0)
            *differs = true;
    }
    return status;
}

int siren_mpi_check_identical(siren_mpi *sm, const float *values, size_t count)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = check_arguments(sm, values, count);
    if (status != SIREN_OK)
        return status;
    float *segment = NULL;
    int local = SIREN_OK;
    if (sm->rank != 0) {
        segment = malloc(SIREN_MPI__SEGMENT * sizeof *segment);
        local = segment ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    }
    status = siren_mpi__agree_status(sm, local);
    bool differs = false;
    if (status == SIREN_OK)
        status = compare_segments(sm, values, count, segment, &differs);
    free(segment);
    if (status == SIREN_OK)
        status = siren_mpi__agree_status(sm, differs ? SIREN_MPI_ERR_DIVERGED : SIREN_OK);
    return status;
}
