/* chunk_jets.h - the buffers a trainer whose loss reads derivatives
   (fit_sdf, helmholtz, wave) needs for one slab of `chunk` points: the jets siren_forward writes
   (value, gradient, and the Laplacian or the Hessian diagonal) and their
   adjoints for siren_backward, in siren_jet's layouts (include/siren.h:
   value [point][output], gradient [point][output][input], Laplacian
   [point][output], Hessian diagonal [point][output][input]). */
#ifndef EXAMPLES_FIT_CHUNK_JETS_H
#define EXAMPLES_FIT_CHUNK_JETS_H

#include "siren.h"

#include <stddef.h>

typedef struct fit_chunk_jets {
    siren_jet out;      /* what siren_forward writes; NULL where not asked */
    siren_jet adjoint;  /* the same shapes, for siren_backward */
} fit_chunk_jets;

/* Buffers for `chunk` points of the quantities in `what` (SIREN_VALUE,
   SIREN_GRADIENT, SIREN_LAPLACIAN, SIREN_HESSIAN_DIAG) of a network of
   `inputs` inputs and `outputs` outputs. 0, or 1 after a message
   (fit_chunk_jets_free either way). */
int fit_chunk_jets_init(fit_chunk_jets *j, size_t chunk, size_t inputs, size_t outputs,
                        unsigned what);
void fit_chunk_jets_free(fit_chunk_jets *j);

#endif
