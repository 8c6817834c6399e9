/* test_small_stack.c - the library runs on a thread with a small stack
   (musl gives new threads 128 KiB): the matrix products keep their
   packing buffers in the workspace, not on the stack. POSIX threads here,
   only to choose the stack size (C11 threads cannot). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "reference.h"

#include <pthread.h>

enum { SMALL_STACK = 128 * 1024 };

typedef struct train_job {
    size_t threads;
    int status;
    float grad_sum;
} train_job;

/* A forward and backward of a 64-wide net with the gradient and Laplacian
   (jets), then with the value and gradient (reverse mode), from the thread
   this runs on, with `threads` threads in the workspace
   (its pool threads are the library's own). */
static void *train_once(void *arg)
{
    train_job *job = arg;
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 64;
    siren_net *net = NULL;
    siren_workspace *ws = NULL;
    enum { N = 200 };
    static _Thread_local float x[2 * N], value[N], gradient[2 * N], laplacian[N];
    unsigned long long seed = 5;
    for (size_t i = 0; i < 2 * N; i++)
        x[i] = (float)ref_uniform(&seed, -1, 1);
    job->status = siren_net_create(&cfg, &net);
    if (job->status == SIREN_OK)
        job->status = siren_net_init(net, 3);
    if (job->status == SIREN_OK)
        job->status = siren_workspace_create(net, N, SIREN_VALUE | SIREN_GRADIENT |
                                                         SIREN_LAPLACIAN, &ws);
    if (job->status == SIREN_OK)
        job->status = siren_workspace_set_threads(ws, job->threads);
    siren_jet out = {value, gradient, laplacian, NULL};
    if (job->status == SIREN_OK)
        job->status = siren_forward(net, ws, N, x, &out);
    if (job->status == SIREN_OK) {
        siren_net_zero_grad(net);
        job->status = siren_backward(net, ws, &out); /* any adjoints will do */
    }
    siren_jet first_order = {value, gradient, NULL, NULL}; /* the reverse-mode path */
    if (job->status == SIREN_OK)
        job->status = siren_forward(net, ws, N, x, &first_order);
    if (job->status == SIREN_OK)
        job->status = siren_backward(net, ws, &first_order);
    job->grad_sum = 0.0f;
    for (size_t i = 0; job->status == SIREN_OK && i < siren_net_param_count(net); i++)
        job->grad_sum += fabsf(siren_net_grads(net)[i]);
    siren_workspace_free(ws);
    siren_net_free(net);
    return NULL;
}

static void run_on_small_stack(size_t threads)
{
    pthread_attr_t attr;
    pthread_t thread;
    train_job job = {threads, -1, 0.0f};
    CHECK(pthread_attr_init(&attr) == 0);
    CHECK(pthread_attr_setstacksize(&attr, SMALL_STACK) == 0);
    CHECK(pthread_create(&thread, &attr, train_once, &job) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    pthread_attr_destroy(&attr);
    CHECK_STATUS(job.status, SIREN_OK);
    CHECK(isfinite(job.grad_sum) && job.grad_sum > 0.0f);
}

static void test_training_on_a_small_stack(void)
{
    run_on_small_stack(1);
    run_on_small_stack(2);
}

int main(void)
{
    RUN(test_training_on_a_small_stack);
    return check_summary();
}
