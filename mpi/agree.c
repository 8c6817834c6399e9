/* agree.c - agreeing on failures: every rank says whether it failed, and
   every rank learns the lowest failing rank's status and message, so that
   all of them stop at the same point with one message. Also the status
   names and the version. */
#include "siren_mpi_internal.h"

#include <string.h>

unsigned siren_mpi_version_number(void)
{
    return SIREN_VERSION_NUMBER;
}

const char *siren_mpi_status_string(int status)
{
    switch (status) {
    case SIREN_MPI_ERR_COMM: return "an MPI call failed";
    case SIREN_MPI_ERR_DIVERGED: return "values differ between ranks";
    default: return siren_status_string(status);
    }
}

int siren_mpi__check(int mpi_status)
{
    return mpi_status == MPI_SUCCESS ? SIREN_OK : SIREN_MPI_ERR_COMM;
}

static void clear_failure(siren_mpi *sm)
{
    sm->failed_rank = -1;
    sm->failed_status = 0;
    sm->failed_message[0] = '\0';
}

/* The failing rank's status and message, as it packs them for the
   broadcast: the status's bytes, then the message, NUL-terminated. */
typedef struct failure_packet {
    int status;
    char message[SIREN_MPI_MESSAGE_MAX];
} failure_packet;

static void pack_failure(failure_packet *p, int status, const char *message)
{
    memset(p, 0, sizeof *p);
    p->status = status;
    if (message) {
        size_t len = strlen(message);
        if (len > sizeof p->message - 1)
            len = sizeof p->message - 1;
        memcpy(p->message, message, len);
    }
}

int siren_mpi_agree(siren_mpi *sm, int status, const char *message)
{
    if (!sm)
        return SIREN_ERR_INVALID_ARGUMENT;
    clear_failure(sm);
    /* The lowest failing rank, or size when none failed: one allreduce of
       an int when all is well. */
    int mine = status != 0 ? sm->rank : sm->size, lowest = sm->size;
    int comm = siren_mpi__check(MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, sm->comm));
    if (comm != SIREN_OK)
        return comm;
    if (lowest == sm->size)
        return SIREN_OK;
    failure_packet packet;
    pack_failure(&packet, status, message);
    comm = siren_mpi__check(MPI_Bcast(&packet, (int)sizeof packet, MPI_BYTE, lowest, sm->comm));
    if (comm != SIREN_OK)
        return comm;
    packet.message[sizeof packet.message - 1] = '\0';
    sm->failed_rank = lowest;
    sm->failed_status = packet.status;
    memcpy(sm->failed_message, packet.message, sizeof sm->failed_message);
    return packet.status;
}

int siren_mpi__agree_status(siren_mpi *sm, int status)
{
    return siren_mpi_agree(sm, status, status != SIREN_OK ? siren_mpi_status_string(status) : NULL);
}

int siren_mpi_failed_rank(const siren_mpi *sm)
{
    return sm ? sm->failed_rank : -1;
}

int siren_mpi_failed_status(const siren_mpi *sm)
{
    return sm ? sm->failed_status : 0;
}

const char *siren_mpi_failed_message(const siren_mpi *sm)
{
    return sm ? sm->failed_message : "";
}
