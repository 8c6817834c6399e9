/* evaluate.h - the hypernet example's measurement on the held-out faces:
   for each context setting (contexts.h) and draw, the inpainting error
   of the hypernetwork (its code refined on the known pixels, refine.h),
   of its single forward pass, of the two baselines (baselines.h: the mean
   training face, a SIREN fitted to the known pixels alone) and of that
   fit started from the generated SIREN; and what the output grid shows. */
#ifndef HYPERNET_EVALUATE_H
#define HYPERNET_EVALUATE_H

#include "contexts.h"
#include "faces.h"
#include "model.h"

#include <stdint.h>

/* The evaluation settings (the program's options of the same names). */
typedef struct eval_config {
    long train;                    /* faces train .. count - 1 are held out */
    long draws;                    /* random contexts per face and setting */
    long chunk, threads;           /* faces per SIREN call; threads (0: default) */
    long baseline_steps;           /* Adam steps of the SIREN fit */
    double baseline_lr;
    long refine_steps;             /* Adam steps refining a code; 0: one pass */
    double refine_lr;
    long oracle_steps;             /* the oracle diagnostic; 0: off */
    uint64_t seed;                 /* of the SIREN fit's initialisation */
} eval_config;

/* HYPERNET is the example's method: the encoder's code, refined on the
   known pixels through the frozen hypernetwork (--refine-steps; without
   it, the same as ONE_PASS), and the SIREN the hypernetwork makes from
   it. ONE_PASS is the paper's single forward pass. TUNED is not the
   paper's method: the one-pass SIREN's weights fitted to the known pixels
   like the SIREN_FIT baseline, reported to show what the learnt prior is
   worth as an initialisation. */
enum { HYPERNET, MEAN_FACE, SIREN_FIT, ONE_PASS, TUNED, METHODS };
/* The methods' keys in the result line: "mse", "meanface", ... */
extern const char *const METHOD_KEYS[METHODS];

/* The errors, and what the grid shows: the first draw of every setting,
   per method, for the held-out faces. */
typedef struct evaluation {
    size_t first, count;                     /* held-out faces */
    double mse[METHODS][SETTINGS];
    double oracle;                           /* --oracle-steps > 0 */
    float *mean_face;                        /* [pixels], [-1, 1] */
    float *shown[SETTINGS][METHODS];         /* [count][pixels], draw 0 */
    context_set shown_context[SETTINGS];     /* draw 0 */
    double seconds;
} evaluation;

/* Every method on every setting and draw, with a line on stderr per
   setting. 0, or 1 after a one-line message; free *e either way. */
int evaluate(const eval_config *cfg, const hn_model *m, const faces *d, evaluation *e);
void evaluation_free(evaluation *e);

/* 1 when `method` has a lower error than both baselines at every
   setting, else 0. */
int evaluation_beats_baselines(const evaluation *e, int method);

#endif
