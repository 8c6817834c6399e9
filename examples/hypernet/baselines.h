/* baselines.h - what the hypernet evaluation compares the hypernetwork
   with: the mean training face, and a SIREN of the generated
   architecture fitted to each face's known pixels alone (the paper's
   image fitting, given only the context). */
#ifndef HYPERNET_BASELINES_H
#define HYPERNET_BASELINES_H

#include "contexts.h"
#include "evaluate.h"
#include "faces.h"
#include "model.h"

/* The mean of the first `train` faces, [pixels] on the [-1, 1] scale;
   NULL when out of memory. */
float *baseline_mean_face(const faces *d, size_t train);

/* A SIREN of the generated architecture per face of c, fitted to its
   known pixels alone: every face at once through the instances API, each
   instance with its own sine initialisation (or, with `start`, the
   parameters the hypernetwork generated, [faces][P]), and Adam on each
   face's own mean squared error (Adam is per parameter, so this is
   exactly fitting each face on its own). out[f] is the fitted face on
   every pixel. 0, or 1 after a one-line message. */
int baseline_fit_siren(const eval_config *cfg, const hn_model *m, const faces *d,
                       const context_set *c, const float *start, float *out);

#endif
