/* chunk_jets.c - a slab's jets and adjoints (chunk_jets.h). */
#include "chunk_jets.h"

#include "messages.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One quantity's buffer: `floats` floats per point when asked for. */
static float *quantity(unsigned what, unsigned which, size_t chunk, size_t floats, bool *failed)
{
    if (!(what & which))
        return NULL;
    float *p = calloc(chunk * floats, sizeof *p);
    *failed |= p == NULL;
    return p;
}

static siren_jet jet_buffers(size_t chunk, size_t inputs, size_t outputs, unsigned what,
                             bool *failed)
{
    siren_jet j;
    j.value = quantity(what, SIREN_VALUE, chunk, outputs, failed);
    j.gradient = quantity(what, SIREN_GRADIENT, chunk, outputs * inputs, failed);
    j.laplacian = quantity(what, SIREN_LAPLACIAN, chunk, outputs, failed);
    j.hessian_diag = quantity(what, SIREN_HESSIAN_DIAG, chunk, outputs * inputs, failed);
    return j;
}

int fit_chunk_jets_init(fit_chunk_jets *j, size_t chunk, size_t inputs, size_t outputs,
                        unsigned what)
{
    bool failed = false;
    j->out = jet_buffers(chunk, inputs, outputs, what, &failed);
    j->adjoint = jet_buffers(chunk, inputs, outputs, what, &failed);
    return failed ? fit_error("out of memory for the training buffers") : 0;
}

static void free_jet(siren_jet *j)
{
    free(j->value);
    free(j->gradient);
    free(j->laplacian);
    free(j->hessian_diag);
    memset(j, 0, sizeof *j);
}

void fit_chunk_jets_free(fit_chunk_jets *j)
{
    free_jet(&j->out);
    free_jet(&j->adjoint);
}
