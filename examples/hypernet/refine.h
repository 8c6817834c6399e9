/* refine.h - test-time code refinement in the hypernet evaluation: each
   held-out face's code, as the encoder reads it from the known pixels,
   optimised by Adam through the frozen hypernetwork on those pixels
   (hn_code_loss_and_grad, as auto-decoders such as DeepSDF infer their
   codes). The face is still a SIREN the hypernetwork generates. Also the
   oracle diagnostic: the codes fitted to every pixel of each face, the
   best the decoder can draw. */
#ifndef HYPERNET_REFINE_H
#define HYPERNET_REFINE_H

#include "contexts.h"
#include "evaluate.h"
#include "faces.h"
#include "model.h"

/* The encoder's codes of the faces of c, refined by cfg->refine_steps
   steps on their known pixels, and the faces the hypernetwork makes from
   them: out[faces][pixels]. w must fit c's faces and every pixel. 0, or
   1 after a one-line message. */
int refine_predict(const eval_config *cfg, const hn_model *m, const faces *d, hn_work *w,
                   const context_set *c, float *out);

/* The decoder's floor: each face's code fitted by cfg->oracle_steps
   steps to all of its pixels, starting from the encoder's code of c (the
   faces of c are faces first, first + 1, ... of d); *mse is the error of
   the faces made from those codes, averaged over the faces. 0, or 1
   after a one-line message. */
int refine_oracle_error(const eval_config *cfg, const hn_model *m, const faces *d, hn_work *w,
                        const context_set *c, size_t first, double *mse);

#endif
