/*
 * siren_mpi.h - libsiren_mpi, data-parallel training of SIRENs over MPI.
 *
 * This header is the whole interface of the companion library and its
 * manual; docs/SCALING.md says how to run on a cluster. libsiren itself
 * needs nothing but C11: this library is separate (libsiren_mpi.so.1,
 * pkg-config siren-mpi, `make MPI=1`), built with mpicc, and uses only
 * libsiren's public interface.
 *
 * The idea. A training step's loss is a sum over a batch of points. Every
 * process (rank) holds the same network and optimiser; the batch is cut
 * into `slabs` fixed pieces, numbered 0..slabs-1, whose sizes the program
 * chooses once and never from the process count. Each rank computes the
 * gradient of each of its slabs from zero (siren_net_zero_grad, then
 * siren_forward and siren_backward on that slab), hands it to
 * siren_mpi_add, and siren_mpi_reduce gives every rank the sum
 *
 *     g = ((((0 + g_0) + g_1) + g_2) + ... + g_{slabs-1})
 *
 * in float, left to right in slab order, whatever the number of ranks:
 * the ranks pass the running sum along a chain in rank order (rank r
 * receives the sum of the slabs before its own, adds its own slabs in
 * order and passes it on, segment by segment of the vector so that the
 * ranks work at once), and the last rank broadcasts the result. Every
 * rank then takes the same siren_adam_step on the same bits. Since
 * libsiren's results do not depend on the thread count either, the
 * parameters after N steps are bit-identical for any number of processes
 * and threads per process (on nodes that run the same build on CPUs that
 * take the same matrix-product kernels; see docs/SCALING.md).
 *
 * MPI_Allreduce is not used for the gradient: the standard fixes neither
 * the order of its additions nor that it be the same on every rank.
 *
 * Note: a program that adds its chunks' gradients in place (siren_backward
 * chunk after chunk with no zeroing between them) rounds differently from
 * the slab fold above; a program that wants the same bits with and without
 * MPI computes every slab from zero in both cases (docs/SCALING.md).
 *
 * Conventions, as in siren.h:
 *  - Functions that can fail return int: SIREN_OK (0), a negative
 *    siren_status of siren.h, or one of the SIREN_MPI_ERR_ codes below;
 *    siren_mpi_status_string names them all. On failure no output argument
 *    is written.
 *  - The library never prints, never aborts and never exits. It calls MPI
 *    only from the thread that calls it; libsiren's worker threads never
 *    call MPI, so MPI_THREAD_FUNNELED suffices (MPI_Init_thread); the
 *    program initialises and finalises MPI itself.
 *  - Collective functions (marked so) must be called by every rank of the
 *    communicator, in the same order. Each returns the same value on every
 *    rank: a failure on one rank (a file rank 0 cannot write, a slab not
 *    added, memory) is agreed on, so that every rank can stop at the same
 *    point, and siren_mpi_failed_rank and _message say where and what.
 *    The exception is SIREN_MPI_ERR_COMM (below), seen only by the rank
 *    whose MPI call failed. Only a NULL `sm` returns at once, with
 *    SIREN_ERR_INVALID_ARGUMENT, without communicating.
 *  - MPI errors: the library's communicator is a duplicate of the one
 *    given to siren_mpi_create and keeps its error handler. With MPI's
 *    default, MPI_ERRORS_ARE_FATAL, a failed MPI call (a peer that died)
 *    ends the whole job, which is also what mpirun does when a rank is
 *    killed; with MPI_ERRORS_RETURN set on the communicator before
 *    siren_mpi_create, the call returns SIREN_MPI_ERR_COMM instead.
 *  - One siren_mpi is used by one thread at a time. *_free accepts NULL.
 *
 * Copyright (c) 2026 the libsiren authors. MIT licence, see LICENSE.
 */
#ifndef SIREN_MPI_H
#define SIREN_MPI_H

#include <mpi.h>
#include <stddef.h>

#include "siren.h"

#ifndef SIREN_MPI_API
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define SIREN_MPI_API __attribute__((visibility("default")))
#  else
#    define SIREN_MPI_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The version of the library linked: the libsiren version it was built
   with (SIREN_VERSION_NUMBER of that tree). */
SIREN_MPI_API unsigned siren_mpi_version_number(void);

/* Status codes of this library, beside siren.h's. */
enum {
    SIREN_MPI_ERR_COMM     = -100, /* an MPI call failed (only with MPI_ERRORS_RETURN) */
    SIREN_MPI_ERR_DIVERGED = -101  /* siren_mpi_check_identical: a rank's values differ */
};

/* A short English description of any status of siren.h or of this header,
   e.g. "invalid argument". Never NULL. */
SIREN_MPI_API const char *siren_mpi_status_string(int status);

typedef struct siren_mpi siren_mpi; /* opaque: a communicator and a reduction's buffers */

/* --------------------------------------------------------------- set-up */

/* Collective. Prepares the reduction of vectors of `count` floats (the
 * parameter count, siren_net_param_count, for a network's gradients) over
 * `slabs` slabs per step, with `values` doubles per slab summed beside them
 * (the loss, a metric; 0 for none). count, slabs and values must be the
 * same on every rank. Rank r owns the slabs [first, end) of
 * siren_mpi_slabs: consecutive, as even as they can be (slabs / size, the
 * first slabs % size ranks one more); with more ranks than slabs some
 * ranks own none and only pass the sum on.
 *
 * Memory per rank: count floats, plus, on every rank but 0, count floats
 * for each slab it owns (its slabs' gradients wait there for the running
 * sum): 794 KB a slab for the reference network, 2 -> 256 x 4 -> 1.
 *
 * Returned at once on this rank, without communicating: STATE when MPI
 * is not initialised (or already finalised), INVALID_ARGUMENT for out NULL
 * or comm MPI_COMM_NULL. Agreed on every rank: INVALID_ARGUMENT when count
 * or slabs is 0 or count, slabs or values differ between ranks; TOO_LARGE
 * when slabs * values exceeds INT_MAX or a byte size would overflow;
 * OUT_OF_MEMORY. *out is set only on success. */
SIREN_MPI_API int siren_mpi_create(MPI_Comm comm, size_t count, size_t slabs, size_t values,
                                   siren_mpi **out);
/* Collective (it frees a duplicated communicator): call it on every rank,
   before MPI_Finalize. */
SIREN_MPI_API void siren_mpi_free(siren_mpi *sm);

/* This rank's number in the communicator (-1 for NULL), and the number of
   ranks (0 for NULL). Rank 0 is the one that writes files and prints. */
SIREN_MPI_API int siren_mpi_rank(const siren_mpi *sm);
SIREN_MPI_API int siren_mpi_size(const siren_mpi *sm);

/* The slabs this rank owns: [*first, *end), possibly empty.
   INVALID_ARGUMENT for NULL. */
SIREN_MPI_API int siren_mpi_slabs(const siren_mpi *sm, size_t *first, size_t *end);

/* The number of ranks of the communicator on this rank's node (sharing its
   memory); 0 for NULL. */
SIREN_MPI_API size_t siren_mpi_node_ranks(const siren_mpi *sm);

/* A thread count for this rank's workspaces (siren_workspace_set_threads):
 * SIREN_NUM_THREADS when it is set as siren.h reads it (digits only,
 * above 256 counts as 256); else, when the launcher bound this process to
 * fewer CPUs than the node has online (mpirun --bind-to core, --map-by
 * ...:PE=N), the number of CPUs it is bound to; else the node's online
 * CPUs divided by siren_mpi_node_ranks, at least 1. So two ranks on a
 * 2-core node take one thread each instead of two each. 0 for NULL. */
SIREN_MPI_API size_t siren_mpi_default_threads(const siren_mpi *sm);

/* ---------------------------------------------------- the gradient sum */

/* Not collective. Hands over slab `slab`'s gradient, `count` floats
 * computed from zero, and its `values` doubles (NULL when values is 0).
 * A rank adds each slab it owns exactly once per step, in increasing
 * order, then calls siren_mpi_reduce. The data are copied (rank 0 adds
 * them into its running sum at once): grads may be overwritten as soon as
 * this returns, e.g. by the next slab's backward pass.
 * INVALID_ARGUMENT: sm or grads NULL, or values NULL while values > 0.
 * STATE: slab is not the next slab this rank owns. An error here also
 * makes this step's siren_mpi_reduce return STATE on every rank. NaN or
 * infinite gradients are passed on: the sum is then not finite, and
 * siren_adam_step refuses the step on every rank alike. */
SIREN_MPI_API int siren_mpi_add(siren_mpi *sm, size_t slab, const float *grads,
                                const double *values);

/* Collective. Writes the slab-order sum of every slab's gradient (see the
 * top of this header) into sum, `count` floats (siren_net_grads(net) to
 * follow with siren_adam_step), and the slab-order sums of the values into
 * value_sums (`values` doubles; NULL when values is 0), on every rank; then
 * forgets the step's slabs, ready for the next step. The sum and the value
 * sums are bit-identical on every rank and for every number of ranks.
 * Cost: an allreduce of one int (every rank says it is ready); then each
 * rank waits for the one before it, adds its slabs into the running sum
 * segment by segment (64 KiB) as they arrive and sends them on, so the
 * chain takes about one pass over the vector plus a segment's time per
 * rank; then one broadcast of the vector, and an allgather of the values.
 * STATE, on every rank and with sum and value_sums untouched, when any
 * rank did not add all of its slabs (or an add failed). INVALID_ARGUMENT
 * (agreed likewise) when sum, or value_sums with values > 0, is NULL on
 * some rank. */
SIREN_MPI_API int siren_mpi_reduce(siren_mpi *sm, float *sum, double *value_sums);

/* ------------------------------------------------------------- failures */

/* Collective. Every rank says whether it failed: status 0 for success, any
 * other int for a failure (a siren_status, or the program's own code),
 * with an optional one-line message (NULL: none; cut at
 * SIREN_MPI_MESSAGE_MAX - 1 bytes). Returns 0 on every rank when every
 * rank passed 0; otherwise, on every rank, the status of the lowest
 * failing rank, whose number, status and message siren_mpi_failed_rank,
 * _status and _message then give. Rank 0 prints them, every rank stops:
 *
 *     int status = siren_mpi_agree(sm, load_ok ? 0 : 1, load_error);
 *     if (status) {
 *         if (siren_mpi_rank(sm) == 0)
 *             fprintf(stderr, "prog: rank %d: %s\n", siren_mpi_failed_rank(sm),
 *                     siren_mpi_failed_message(sm));
 *         ...free, MPI_Finalize, exit 1 on every rank
 *     }
 *
 * The other collective functions agree on their own failures the same
 * way, with the status's name as the message. */
SIREN_MPI_API int siren_mpi_agree(siren_mpi *sm, int status, const char *message);
#define SIREN_MPI_MESSAGE_MAX 512

/* The failure of the last collective call on sm: the lowest failing rank
   (-1 when that call succeeded, or for NULL), its status (0 then) and its
   message ("" then; never NULL; owned by sm, valid until the next
   collective call on sm). */
SIREN_MPI_API int siren_mpi_failed_rank(const siren_mpi *sm);
SIREN_MPI_API int siren_mpi_failed_status(const siren_mpi *sm);
SIREN_MPI_API const char *siren_mpi_failed_message(const siren_mpi *sm);

/* ------------------------------------------ files, from rank 0 for all */

/* Collective. Rank 0 writes the checkpoint or model file with
   siren_checkpoint_save / siren_net_save (atomically: a temporary file
   renamed over path, so a job killed meanwhile leaves the previous file
   whole); the other ranks wait and need not pass net, opt or path (NULL
   is fine). Returns rank 0's status on every rank (IO, ...). */
SIREN_MPI_API int siren_mpi_checkpoint_save(siren_mpi *sm, const siren_net *net,
                                            const siren_adam *opt, const char *path);
SIREN_MPI_API int siren_mpi_net_save(siren_mpi *sm, const siren_net *net, const char *path);

/* Collective: resuming. Rank 0 reads the checkpoint at path (the other
 * ranks' path is not used; it may be NULL), checks it as
 * siren_checkpoint_load does and broadcasts it; every rank then creates
 * its own network and optimiser from the same bytes, so that all start
 * from identical parameters, moments and step count and only rank 0 reads
 * the file system. *net and *opt are set on every rank on success, on no
 * rank on failure: rank 0's status (IO, FORMAT, VERSION, ...) or a rank's
 * OUT_OF_MEMORY, agreed. */
SIREN_MPI_API int siren_mpi_checkpoint_load(siren_mpi *sm, const char *path, siren_net **net,
                                            siren_adam **opt);

/* Collective. Rank 0's `count` floats are copied into `values` on every
   other rank (e.g. parameters that rank 0 alone initialised or loaded).
   count must be the same on every rank (else INVALID_ARGUMENT, agreed, and
   nothing is written); values may be NULL only when count is 0. */
SIREN_MPI_API int siren_mpi_broadcast(siren_mpi *sm, float *values, size_t count);

/* Collective. Checks that `values` (count floats) are bit-identical on
   every rank, e.g. the parameters at a checkpoint: SIREN_OK, or
   SIREN_MPI_ERR_DIVERGED on every rank, siren_mpi_failed_rank naming the
   lowest rank whose values differ from rank 0's. Costs one broadcast of
   the vector. INVALID_ARGUMENT as siren_mpi_broadcast. */
SIREN_MPI_API int siren_mpi_check_identical(siren_mpi *sm, const float *values, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* SIREN_MPI_H */
