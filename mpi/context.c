/* context.c - a siren_mpi: the duplicated communicator, the slabs each rank
   owns, the reduction's buffers, and a thread count for the rank. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "siren_mpi_internal.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

void siren_mpi__slab_range(size_t slabs, int size, int rank, size_t *first, size_t *end)
{
    size_t each = slabs / (size_t)size, extra = slabs % (size_t)size, r = (size_t)rank;
    *first = r * each + (r < extra ? r : extra);
    *end = *first + each + (r < extra ? 1 : 0);
}

/* a * b, or SIZE_MAX when it would overflow. */
static size_t product(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* INVALID_ARGUMENT unless count, slabs and values are the same on every
   rank: the maxima of each and of its complement, in one allreduce. */
static int check_same_sizes(siren_mpi *sm, size_t count, size_t slabs, size_t values)
{
    uint64_t mine[6] = {count, slabs, values, ~(uint64_t)count, ~(uint64_t)slabs,
                        ~(uint64_t)values};
    uint64_t most[6];
    int status = siren_mpi__check(
        MPI_Allreduce(mine, most, 6, MPI_UINT64_T, MPI_MAX, sm->comm));
    for (int i = 0; status == SIREN_OK && i < 3; i++)
        if (most[i] != ~most[i + 3])
            status = SIREN_ERR_INVALID_ARGUMENT;
    return status;
}

static int count_node_ranks(siren_mpi *sm)
{
    MPI_Comm node;
    int status = siren_mpi__check(
        MPI_Comm_split_type(sm->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    if (status != SIREN_OK)
        return status;
    int size = 1;
    status = siren_mpi__check(MPI_Comm_size(node, &size));
    sm->node_ranks = (size_t)size;
    MPI_Comm_free(&node);
    return status;
}

/* The values' counts and offsets for MPI_Allgatherv: rank r's slabs'
   values. slabs * values fits in an int (checked). */
static void value_layout(siren_mpi *sm)
{
    for (int r = 0; r < sm->size; r++) {
        size_t first, end;
        siren_mpi__slab_range(sm->slabs, sm->size, r, &first, &end);
        sm->value_counts[r] = (int)((end - first) * sm->values);
        sm->value_offsets[r] = (int)(first * sm->values);
    }
}

static int allocate_buffers(siren_mpi *sm)
{
    size_t own = sm->end - sm->first;
    size_t stored = sm->rank == 0 ? 0 : product(own, sm->count);
    if (product(sm->slabs, sm->values) > INT_MAX || product(stored, sizeof(float)) == SIZE_MAX ||
        product(sm->count, sizeof(float)) == SIZE_MAX)
        return SIREN_ERR_TOO_LARGE;
    sm->running = malloc(sm->count * sizeof(float));
    sm->stored = stored ? malloc(stored * sizeof(float)) : NULL;
    sm->value_counts = malloc((size_t)sm->size * sizeof(int));
    sm->value_offsets = malloc((size_t)sm->size * sizeof(int));
    if (sm->values) {
        sm->own_values = own ? malloc(own * sm->values * sizeof(double)) : NULL;
        sm->all_values = malloc(sm->slabs * sm->values * sizeof(double));
    }
    if (!sm->running || (stored && !sm->stored) || !sm->value_counts || !sm->value_offsets ||
        (sm->values && ((own && !sm->own_values) || !sm->all_values)))
        return SIREN_ERR_OUT_OF_MEMORY;
    value_layout(sm);
    return SIREN_OK;
}

static void free_buffers(siren_mpi *sm)
{
    free(sm->running);
    free(sm->stored);
    free(sm->own_values);
    free(sm->all_values);
    free(sm->value_counts);
    free(sm->value_offsets);
}

/* Everything after the duplicate: each step's failure agreed, so that all
   ranks leave by the same path. */
static int set_up(siren_mpi *sm, size_t count, size_t slabs, size_t values)
{
    int status = siren_mpi__check(MPI_Comm_rank(sm->comm, &sm->rank));
    if (status == SIREN_OK)
        status = siren_mpi__check(MPI_Comm_size(sm->comm, &sm->size));
    if (status != SIREN_OK)
        return status;
    sm->failed_rank = -1;
    int local = count == 0 || slabs == 0 ? SIREN_ERR_INVALID_ARGUMENT : SIREN_OK;
    status = siren_mpi__agree_status(sm, local);
    if (status == SIREN_OK)
        status = siren_mpi__agree_status(sm, check_same_sizes(sm, count, slabs, values));
    if (status != SIREN_OK)
        return status;
    sm->count = count;
    sm->slabs = slabs;
    sm->values = values;
    siren_mpi__slab_range(slabs, sm->size, sm->rank, &sm->first, &sm->end);
    status = count_node_ranks(sm);
    if (status == SIREN_OK)
        status = siren_mpi__agree_status(sm, allocate_buffers(sm));
    if (status == SIREN_OK)
        siren_mpi__reset_step(sm);
    return status;
}

int siren_mpi_create(MPI_Comm comm, size_t count, size_t slabs, size_t values, siren_mpi **out)
{
    if (!out || comm == MPI_COMM_NULL)
        return SIREN_ERR_INVALID_ARGUMENT;
    int initialised = 0, finalised = 0;
    MPI_Initialized(&initialised);
    MPI_Finalized(&finalised);
    if (!initialised || finalised)
        return SIREN_ERR_STATE;
    siren_mpi *sm = calloc(1, sizeof *sm);
    /* The duplicate is collective: every rank makes it, even one short of
       memory, which then says so through the duplicate. */
    MPI_Comm dup = MPI_COMM_NULL;
    int status = siren_mpi__check(MPI_Comm_dup(comm, &dup));
    if (status != SIREN_OK) {
        free(sm);
        return status;
    }
    if (!sm) {
        siren_mpi fallback = {.comm = dup};
        if (MPI_Comm_rank(dup, &fallback.rank) == MPI_SUCCESS &&
            MPI_Comm_size(dup, &fallback.size) == MPI_SUCCESS)
            status = siren_mpi__agree_status(&fallback, SIREN_ERR_OUT_OF_MEMORY);
        MPI_Comm_free(&dup);
        return status != SIREN_OK ? status : SIREN_ERR_OUT_OF_MEMORY;
    }
    sm->comm = dup;
    status = set_up(sm, count, slabs, values);
    if (status != SIREN_OK) {
        siren_mpi_free(sm);
        return status;
    }
    *out = sm;
    return SIREN_OK;
}

void siren_mpi_free(siren_mpi *sm)
{
    if (!sm)
        return;
    free_buffers(sm);
    if (sm->comm != MPI_COMM_NULL)
        MPI_Comm_free(&sm->comm);
    free(sm);
}

int siren_mpi_rank(const siren_mpi *sm)
{
    return sm ? sm->rank : -1;
}

int siren_mpi_size(const siren_mpi *sm)
{
    return sm ? sm->size : 0;
}

int siren_mpi_slabs(const siren_mpi *sm, size_t *first, size_t *end)
{
    if (!sm || !first || !end)
        return SIREN_ERR_INVALID_ARGUMENT;
    *first = sm->first;
    *end = sm->end;
    return SIREN_OK;
}

size_t siren_mpi_node_ranks(const siren_mpi *sm)
{
    return sm ? sm->node_ranks : 0;
}

/* ---------------------------------------------------- threads per rank */

enum { MAX_THREADS = 256 }; /* siren_workspace_set_threads' limit */

/* SIREN_NUM_THREADS read as siren.h documents it, or 0 when it is not set
   to a positive decimal integer. */
static size_t threads_from_environment(void)
{
    const char *env = getenv("SIREN_NUM_THREADS");
    if (!env || *env < '0' || *env > '9') /* strtoul would take "-1" and " 2" */
        return 0;
    char *end;
    unsigned long n = strtoul(env, &end, 10);
    if (*end != '\0' || n == 0)
        return 0;
    return n < MAX_THREADS ? (size_t)n : MAX_THREADS;
}

static size_t online_cpus(void)
{
#ifdef _SC_NPROCESSORS_ONLN
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0)
        return (size_t)cpus;
#endif
    return 1;
}

/* The CPUs this process may run on, or 0 when unknown. */
static size_t bound_cpus(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return (size_t)CPU_COUNT(&set);
#endif
    return 0;
}

size_t siren_mpi_default_threads(const siren_mpi *sm)
{
    if (!sm)
        return 0;
    size_t threads = threads_from_environment();
    if (threads)
        return threads;
    size_t online = online_cpus(), bound = bound_cpus();
    if (bound > 0 && bound < online)
        threads = bound;
    else
        threads = online / (sm->node_ranks ? sm->node_ranks : 1);
    if (threads == 0)
        threads = 1;
    return threads < MAX_THREADS ? threads : MAX_THREADS;
}
