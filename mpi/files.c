/* files.c - files written and read by rank 0 alone, for every rank: the
   checkpoint and model saves (libsiren's own atomic writers), and a resume
   in which rank 0 reads and checks the checkpoint and broadcasts its bytes,
   so that every rank builds its network and optimiser from the same ones
   and only one process touches the file system. */
#include "siren_mpi_internal.h"

#include <stdint.h>
#include <stdlib.h>

int siren_mpi_checkpoint_save(siren_mpi *sm, const siren_net *net, const siren_adam *opt,
                              const char *path)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = sm->rank == 0 ? siren_checkpoint_save(net, opt, path) : SIREN_OK;
    return siren_mpi__agree_status(sm, status);
}

int siren_mpi_net_save(siren_mpi *sm, const siren_net *net, const char *path)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = sm->rank == 0 ? siren_net_save(net, path) : SIREN_OK;
    return siren_mpi__agree_status(sm, status);
}

/* Rank 0: the checkpoint at path, checked by libsiren's reader, then
   written back to a buffer (the format is exact: the same bytes load to
   the same objects). */
static int read_checkpoint(const char *path, unsigned char **bytes, size_t *len)
{
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_checkpoint_load(path, &net, &opt);
    if (status == SIREN_OK) {
        status = siren_checkpoint_save_buffer(net, opt, NULL, 0, len);
        if (status == SIREN_ERR_TOO_LARGE) /* the size query's answer */
            status = SIREN_OK;
    }
    if (status == SIREN_OK) {
        *bytes = malloc(*len);
        status = *bytes ? siren_checkpoint_save_buffer(net, opt, *bytes, *len, len)
                        : SIREN_ERR_OUT_OF_MEMORY;
    }
    siren_adam_free(opt);
    siren_net_free(net);
    return status;
}

/* Every rank: the buffer's length from rank 0, then the buffer. */
static int share_checkpoint(siren_mpi *sm, unsigned char **bytes, size_t *len)
{
    uint64_t length = *len;
    int status = siren_mpi__check(MPI_Bcast(&length, 1, MPI_UINT64_T, 0, sm->comm));
    if (status != SIREN_OK)
        return status;
    int local = SIREN_OK;
    if (sm->rank != 0) {
        *len = length > SIZE_MAX ? 0 : (size_t)length;
        *bytes = length > SIZE_MAX ? NULL : malloc(*len);
        local = *bytes ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    }
    status = siren_mpi__agree_status(sm, local);
    if (status == SIREN_OK)
        status = siren_mpi__broadcast(sm, *bytes, *len, MPI_BYTE, 0);
    return status;
}

int siren_mpi_checkpoint_load(siren_mpi *sm, const char *path, siren_net **net,
                              siren_adam **opt)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int local = !net || !opt ? SIREN_ERR_INVALID_ARGUMENT : SIREN_OK;
    if (local == SIREN_OK && sm->rank == 0)
        local = read_checkpoint(path, &bytes, &len);
    int status = siren_mpi__agree_status(sm, local);
    if (status == SIREN_OK)
        status = share_checkpoint(sm, &bytes, &len);
    siren_net *my_net = NULL;
    siren_adam *my_opt = NULL;
    if (status == SIREN_OK)
        status = siren_mpi__agree_status(
            sm, siren_checkpoint_load_buffer(bytes, len, &my_net, &my_opt));
    free(bytes);
    if (status != SIREN_OK) {
        siren_adam_free(my_opt);
        siren_net_free(my_net);
        return status;
    }
    *net = my_net;
    *opt = my_opt;
    return SIREN_OK;
}
