/* distributed.h - the training programs launched by mpirun: the same
   program on P processes (ranks) trains one network, and every rank ends
   with the parameters, and rank 0 writes the outputs, that one process
   would have, bit for bit (docs/SCALING.md). The step itself is fold.h's:
   each rank computes its share of the batch's fixed slabs, and their
   gradients are summed in slab order.

   The two builds. With FIT_MPI defined (the Makefile compiles this file
   and fold.c with mpicc and links libsiren_mpi when it finds mpicc:
   MPI=auto, the default, or MPI=1; MPI=0 turns it off), a program that an
   MPI launcher started (fit_dist_launcher_size) initialises MPI and works
   with the other ranks; started on its own it is one process and never
   touches MPI. Without FIT_MPI, a program started by mpirun as one of
   several processes refuses to run, with one message, instead of each
   process doing the whole job. Every function below is the plain
   one-process behaviour when the program is one process.

   What a training program does (fit_image.c is an example):

       int main(int argc, char **argv)
       {
           return fit_dist_main(argc, argv, fit_image_main);   every rank
       }

   - inputs: every rank reads them (a file system shared by the nodes, or
     the same files on each), then status = fit_dist_agree(status), so
     that one rank that cannot read its copy stops every rank;
   - outputs: rank 0 alone (fit_dist_root) checks, then writes them; the
     check's status is agreed too;
   - fit_model_start, fit_log_open, fit_train, fit_exit_status (fitting.h)
     are collective: every rank calls them at the same point. A checkpoint
     to resume from is read by rank 0 alone and its bytes shared; the log,
     the progress line and the checkpoints are rank 0's; Ctrl-C or SIGUSR1
     on any rank stops every rank after the same step;
   - after training, rank 0 alone evaluates and writes the outputs while
     the others wait without using the CPU, and fit_exit_status gives
     every rank rank 0's status.

   Collective functions (marked so) are called by every rank in the same
   order; a rank that returns early without calling one (an error not
   agreed on) would leave the others waiting. Every rank but 0 is quiet
   (messages.h): it prints nothing, and its standard output is
   /dev/null. */
#ifndef EXAMPLES_FIT_DISTRIBUTED_H
#define EXAMPLES_FIT_DISTRIBUTED_H

#include "siren.h"

#include <stdbool.h>
#include <stddef.h>

/* A program's main, run by fit_dist_main on every rank. */
typedef int fit_program_fn(int argc, char **argv);

/* Runs program(argc, argv) and returns its exit status. Under an MPI
   launcher (and with FIT_MPI): initialises MPI (MPI_THREAD_FUNNELED:
   libsiren's worker threads never call MPI), makes every rank but 0
   quiet, runs the program on every rank, then finalises MPI. Refuses (exit
   status 1, one message from the launcher's rank 0) a build without
   FIT_MPI launched as several processes, and an MPI build whose launcher
   announced several processes while MPI sees one (a launcher of another
   MPI). */
int fit_dist_main(int argc, char **argv, fit_program_fn *program);

/* Runs program(argc, argv) as one process, for a program that does not
   train over MPI (hypernet): started by a launcher as one of several
   processes it refuses (exit status 1, one message from the launcher's
   rank 0) instead of each process doing the whole job and writing the
   same outputs. Never touches MPI. */
int fit_dist_single_main(int argc, char **argv, fit_program_fn *program);

/* The number of processes an MPI launcher announced in the environment:
   Open MPI's OMPI_COMM_WORLD_SIZE, or PMI_SIZE (MPICH's and Intel MPI's
   launchers, srun --mpi=pmi2); -1 when only PMIX_RANK or PMI_RANK says
   that a launcher started the process (srun --mpi=pmix); 0 when none did.
   fit_dist_launcher_rank: this process's number from OMPI_COMM_WORLD_RANK,
   PMI_RANK or PMIX_RANK, or -1. Both read the environment only. */
long fit_dist_launcher_size(void);
long fit_dist_launcher_rank(void);

/* This process's rank and the number of ranks: 0 and 1 for one process. */
int fit_dist_rank(void);
int fit_dist_size(void);
/* True on rank 0, the rank that reads the checkpoint, prints and writes
   the outputs (always for one process). */
bool fit_dist_root(void);
/* True when the program runs on ranks over MPI (even on one). */
bool fit_dist_active(void);

/* Collective. Every rank passes its status (0 for success); returns 0 on
   every rank when every status was 0, else, on every rank, the status of
   the lowest failing rank. When that rank is not 0, rank 0 prints its
   last error (messages_kept_error) as "NAME: rank R: message": one
   message for the job, rank 0's own having been printed when it failed. */
int fit_dist_agree(int status);

/* Collective. True on every rank when flag is true on any. */
bool fit_dist_any(bool flag);

/* Collective, the last one of a program (fit_exit_status calls it): rank
   0 passes the status of its outputs, the others wait for it without
   using the CPU (a ready rank polls every millisecond instead of
   spinning, so rank 0's threads keep the node's cores) and every rank
   returns fit_dist_agree's status. */
int fit_dist_finish(int status);

/* The threads of a training workspace: `requested` when above 0; else,
   over MPI, siren_mpi_default_threads (SIREN_NUM_THREADS, or the CPUs the
   launcher bound the rank to, or the node's CPUs shared by its ranks);
   else 0, the library's default (SIREN_NUM_THREADS or every CPU). */
long fit_dist_threads(long requested);

/* Collective. A checkpoint to resume from: read by rank 0 alone
   (siren_checkpoint_load's checks), its bytes broadcast, every rank's
   network and optimiser made from them (siren_mpi_checkpoint_load). A
   siren_status, the same on every rank; *net and *opt are set on success
   only. */
int fit_dist_checkpoint_load(const char *path, siren_net **net, siren_adam **opt);

/* Collective. Checks that `bytes` bytes at data (an input as this rank
   read it: the image, the samples) are the same on every rank as on rank
   0, by a 64-bit hash: 0, or 1 on every rank after rank 0 printed "NAME:
   rank R: WHAT differs from rank 0's copy". */
int fit_dist_same(const void *data, size_t bytes, const char *what);

#ifdef FIT_MPI
#include <mpi.h>
/* The communicator of the ranks (a duplicate of MPI_COMM_WORLD), for
   fold.c; MPI_COMM_NULL for one process. */
MPI_Comm fit_dist_comm(void);
#endif

#endif
