/* distributed.c - the training programs on several processes (see
   distributed.h). Each function is the one-process behaviour unless the
   program runs over MPI (dist.active), which only a build with FIT_MPI
   (mpicc, libsiren_mpi) started by an MPI launcher does. */
#define _POSIX_C_SOURCE 200809L
#include "distributed.h"

#include "messages.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef FIT_MPI
#include "siren_mpi.h"

#include <fcntl.h>
#include <unistd.h>
#endif

static struct {
    bool active;
    int rank, size;
#ifdef FIT_MPI
    MPI_Comm comm;       /* a duplicate of MPI_COMM_WORLD: the finish's barrier */
    siren_mpi *control;  /* agreements, the checkpoint, threads (no gradient) */
#endif
} dist = {.active = false, .rank = 0, .size = 1};

/* ---------------------------------------------- the launcher's environment */

/* A positive decimal number in the environment variable, or 0. */
static long env_count(const char *name)
{
    const char *text = getenv(name);
    if (!text || *text < '0' || *text > '9')
        return 0;
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    return *end == '\0' && errno == 0 && n > 0 ? n : 0;
}

long fit_dist_launcher_size(void)
{
    long size = env_count("OMPI_COMM_WORLD_SIZE");
    if (size == 0)
        size = env_count("PMI_SIZE");
    if (size == 0 && (getenv("PMIX_RANK") || getenv("PMI_RANK")))
        size = -1;
    return size;
}

long fit_dist_launcher_rank(void)
{
    static const char *const names[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *text = getenv(names[i]);
        if (text && *text >= '0' && *text <= '9')
            return strtol(text, NULL, 10);
    }
    return -1;
}

/* The program's name for the messages before args_parse names it. */
static void name_from_argv(char **argv)
{
    const char *name = argv && argv[0] ? argv[0] : "";
    const char *slash = strrchr(name, '/');
    program_name_set(slash ? slash + 1 : name);
}

/* ------------------------------------------------------------ over MPI */

#ifdef FIT_MPI
/* Every rank but 0 prints nothing: errors go to rank 0 through the
   agreements, and standard output (the result lines, --help) nowhere. */
static void quiet_unless_root(void)
{
    if (dist.rank == 0)
        return;
    messages_quiet();
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) { /* else stdout stays: only --help would print there */
        fflush(stdout);
        dup2(null, STDOUT_FILENO);
        close(null);
    }
}

/* MPI set up: 0, or 1 (on every rank) after a message. */
static int start_mpi(int *argc, char ***argv, long announced)
{
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &dist.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &dist.size);
    if (dist.size == 1 && announced > 1) {
        /* Each process is an MPI job of its own: all would do everything. */
        if (fit_dist_launcher_rank() <= 0)
            fit_error("the launcher started %ld processes, but MPI sees this one only (a "
                      "launcher of another MPI than this build's? srun: --mpi=pmix)",
                      announced);
        return 1;
    }
    if (provided < MPI_THREAD_FUNNELED) { /* the same on every rank */
        if (dist.rank == 0)
            fit_error("this MPI offers no MPI_THREAD_FUNNELED");
        return 1;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &dist.comm);
    dist.active = true;
    quiet_unless_root();
    int status = siren_mpi_create(MPI_COMM_WORLD, 1, 1, 0, &dist.control);
    if (status != SIREN_OK) {
        dist.active = false;
        if (dist.rank == 0)
            fit_library_error("MPI", status);
        return 1;
    }
    return 0;
}

static void stop_mpi(void)
{
    siren_mpi_free(dist.control);
    if (dist.comm != MPI_COMM_NULL)
        MPI_Comm_free(&dist.comm);
    dist.active = false;
    MPI_Finalize();
}

MPI_Comm fit_dist_comm(void)
{
    return dist.active ? dist.comm : MPI_COMM_NULL;
}

int fit_dist_main(int argc, char **argv, fit_program_fn *program)
{
    name_from_argv(argv);
    long announced = fit_dist_launcher_size();
    if (announced == 0)
        return program(argc, argv);
    dist.comm = MPI_COMM_NULL;
    int rc = start_mpi(&argc, &argv, announced);
    if (rc == 0)
        rc = program(argc, argv);
    stop_mpi();
    return rc;
}
#else
int fit_dist_main(int argc, char **argv, fit_program_fn *program)
{
    name_from_argv(argv);
    long announced = fit_dist_launcher_size();
    if (announced > 1) {
        if (fit_dist_launcher_rank() <= 0)
            fit_error("started as one of %ld processes (mpirun -np %ld?), but this build "
                      "has no MPI: each would do the whole job; rebuild with MPI (make MPI=1; "
                      "Debian: libopenmpi-dev) or run one process (docs/SCALING.md)",
                      announced, announced);
        return 1;
    }
    return program(argc, argv);
}
#endif

int fit_dist_single_main(int argc, char **argv, fit_program_fn *program)
{
    name_from_argv(argv);
    long announced = fit_dist_launcher_size();
    if (announced > 1) {
        if (fit_dist_launcher_rank() <= 0)
            fit_error("started as one of %ld processes (mpirun -np %ld?), but this program "
                      "trains on one process only: each would do the whole job; run it "
                      "as one process", announced, announced);
        return 1;
    }
    return program(argc, argv);
}

/* ------------------------------------------------------------ the ranks */

int fit_dist_rank(void)
{
    return dist.rank;
}

int fit_dist_size(void)
{
    return dist.size;
}

bool fit_dist_root(void)
{
    return dist.rank == 0;
}

bool fit_dist_active(void)
{
    return dist.active;
}

int fit_dist_agree(int status)
{
#ifdef FIT_MPI
    if (dist.active) {
        const char *kept = messages_kept_error();
        int agreed = siren_mpi_agree(dist.control, status, status ? kept : NULL);
        int failed = siren_mpi_failed_rank(dist.control);
        if (agreed != 0 && dist.rank == 0 && failed > 0) {
            const char *message = siren_mpi_failed_message(dist.control);
            fit_error("rank %d: %s", failed, *message ? message : "failed");
        }
        messages_forget();
        return agreed == 0 ? 0 : failed >= 0 ? agreed : 1; /* an MPI failure: 1 */
    }
#endif
    return status;
}

bool fit_dist_any(bool flag)
{
#ifdef FIT_MPI
    if (dist.active) {
        int mine = flag ? 1 : 0, any = 0;
        MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, dist.comm);
        return any != 0;
    }
#endif
    return flag;
}

int fit_dist_finish(int status)
{
#ifdef FIT_MPI
    if (dist.active) {
        MPI_Request barrier;
        MPI_Ibarrier(dist.comm, &barrier);
        int done = 0;
        struct timespec millisecond = {0, 1000000};
        while (MPI_Test(&barrier, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
            nanosleep(&millisecond, NULL);
        return fit_dist_agree(status);
    }
#endif
    return status;
}

long fit_dist_threads(long requested)
{
    if (requested > 0)
        return requested;
#ifdef FIT_MPI
    if (dist.active)
        return (long)siren_mpi_default_threads(dist.control);
#endif
    return 0;
}

int fit_dist_checkpoint_load(const char *path, siren_net **net, siren_adam **opt)
{
#ifdef FIT_MPI
    if (dist.active)
        return siren_mpi_checkpoint_load(dist.control, path, net, opt);
#endif
    return siren_checkpoint_load(path, net, opt);
}

/* ------------------------------------------------- the same inputs */

#ifdef FIT_MPI
/* A 64-bit hash of the bytes (FNV-1a's constants, eight bytes a round). */
static uint64_t hash_bytes(const void *data, size_t bytes)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325u;
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, sizeof word);
        h = (h ^ word) * 0x100000001b3u;
        h ^= h >> 29;
    }
    for (; i < bytes; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h ^ (uint64_t)bytes;
}
#endif

int fit_dist_same(const void *data, size_t bytes, const char *what)
{
#ifdef FIT_MPI
    if (dist.active) {
        uint64_t mine = hash_bytes(data, bytes), root = mine;
        MPI_Bcast(&root, 1, MPI_UINT64_T, 0, dist.comm);
        int status = 0;
        if (mine != root)
            status = fit_error("%s differs from rank 0's copy (another version of the "
                               "file on this node?)", what);
        return fit_dist_agree(status);
    }
#endif
    (void)data;
    (void)bytes;
    (void)what;
    return 0;
}
