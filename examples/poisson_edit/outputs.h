/* outputs.h - poisson_edit's output files: PREFIX_composite.pgm (.ppm
   for colour), PREFIX_naive.pgm (the pixel blend), PREFIX_grad.pgm (the
   network's gradient magnitude), PREFIX_target_grad.pgm (the field's)
   and the model PREFIX.siren (or --save): named and checked before any
   work, written after training. */
#ifndef POISSON_EDIT_OUTPUTS_H
#define POISSON_EDIT_OUTPUTS_H

#include "field.h"
#include "fit/fitting.h"
#include "fit/options.h"
#include "report.h"
#include "siren.h"

#include <stddef.h>

enum { OUT_COMPOSITE, OUT_NAIVE, OUT_GRAD, OUT_TARGET_GRAD, OUT_MODEL, OUT_COUNT };

typedef struct outputs {
    char *path[OUT_COUNT];
} outputs;

/* Names the outputs (p, for outputs_free) after f's --out, --save and
   --log and checks, before any work, that none is an input (the images,
   the mask) or another output (the log and f's checkpoint included), and
   that each can be written (making the directories). The checkpoint may
   replace the one the run resumes from (a run continued in place); no
   other output may. 0, or 1 after a one-line message. */
int outputs_plan(const fit_options *f, const scene_request *inputs, size_t channels,
                 outputs *p);
void outputs_free(outputs *p);

/* Renders the network (chunk pixels at a time, on threads threads, 0:
   the library's default), measures the composite (q: every key,
   report.h) and writes every output, then a "wrote" line on stdout. 0,
   or 1 after a one-line message. */
int outputs_write(const scene *s, const outputs *paths, const siren_net *net, size_t chunk,
                  size_t threads, quality *q);

#endif
