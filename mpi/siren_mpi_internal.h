/* siren_mpi_internal.h - definitions shared by libsiren_mpi's source files; not
 * installed.
 */
#ifndef SIREN_MPI_INTERNAL_H
#define SIREN_MPI_INTERNAL_H

#include "siren_mpi.h"

#include <stdbool.h>
#include <stddef.h>

/* Floats per message of the chain, and per piece of a broadcast: small
   enough that the ranks of the chain overlap (rank r + 1 adds segment k
   while rank r adds segment k + 1), large enough that a message's latency
   is small beside its transfer (64 KiB: 52 us at 10 Gbit/s). */
enum { SIREN_MPI__SEGMENT = 16384 };
/* Segments of the chain in flight per rank (posted receives, and sends
   not yet completed). */
enum { SIREN_MPI__WINDOW = 8 };

struct siren_mpi {
    MPI_Comm comm;          /* a duplicate of the caller's */
    int rank, size;
    size_t node_ranks;
    size_t count, slabs, values;
    size_t first, end;      /* the slabs this rank owns */

    /* this step */
    size_t added;           /* slabs added, from first */
    int add_status;         /* the first failed add's status, else SIREN_OK */
    float *running;         /* [count] rank 0's sum so far; else the received sum */
    float *stored;          /* [end - first][count] the slabs, ranks > 0 only */
    double *own_values;     /* [end - first][values] */
    double *all_values;     /* [slabs][values] gathered */
    int *value_counts, *value_offsets; /* [size] for MPI_Allgatherv */

    /* the failure of the last collective call */
    int failed_rank, failed_status;
    char failed_message[SIREN_MPI_MESSAGE_MAX];
};

/* The slabs rank r owns of `slabs` over `size` ranks: [first, end). */
void siren_mpi__slab_range(size_t slabs, int size, int rank, size_t *first, size_t *end);

/* SIREN_OK, or SIREN_MPI_ERR_COMM for an MPI return code that is not
   MPI_SUCCESS. */
int siren_mpi__check(int mpi_status);

/* MPI_Bcast of count elements of type from root, in pieces whose count
   fits an int (mpi/broadcast.c). */
int siren_mpi__broadcast(siren_mpi *sm, void *buffer, size_t count, MPI_Datatype type, int root);

/* siren_mpi_agree with the status's name as the message. */
int siren_mpi__agree_status(siren_mpi *sm, int status);

/* Forgets the step's slabs: ready for the next siren_mpi_add of slab
   first. */
void siren_mpi__reset_step(siren_mpi *sm);

#endif
