/*
 * consumer_mpi.c - a program that uses only an installed libsiren_mpi:
 * built by tests/scripts/mpi.sh with the C compiler and nothing but `pkg-config
 * --cflags --libs siren-mpi`, run under mpirun. Every rank adds its slabs
 * of a one-slab-per-unit vector; rank 0 prints "consumer_mpi ok" when the
 * sum is right on every rank.
 */
#include <siren_mpi.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    siren_mpi *sm = NULL;
    int status = siren_mpi_create(MPI_COMM_WORLD, 3, 5, 0, &sm);
    size_t first = 0, end = 0;
    if (status == SIREN_OK)
        status = siren_mpi_slabs(sm, &first, &end);
    for (size_t s = first; status == SIREN_OK && s < end; s++) {
        float g[3] = {1.0f, (float)s, 0.5f};
        status = siren_mpi_add(sm, s, g, NULL);
    }
    float sum[3] = {0};
    if (status == SIREN_OK)
        status = siren_mpi_reduce(sm, sum, NULL);
    int good = status == SIREN_OK && sum[0] == 5.0f && sum[1] == 10.0f && sum[2] == 2.5f;
    status = siren_mpi_agree(sm, good ? 0 : 1, siren_mpi_status_string(status));
    if (siren_mpi_rank(sm) == 0)
        printf(status == 0 ? "consumer_mpi ok\n" : "consumer_mpi: %s\n",
               siren_mpi_failed_message(sm));
    siren_mpi_free(sm);
    MPI_Finalize();
    return status == 0 ? 0 : 1;
}
