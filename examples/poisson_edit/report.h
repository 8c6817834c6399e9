/* report.h - how poisson_edit measures its composite and which keys its
   result line has: PSNRs after fitting a constant per channel (the
   composite is known up to one), never over fewer than 2 pixels, and
   the RMS errors of the network's and the pixel blend's gradients
   against the target field (the program's DESCRIPTION lists the keys). */
#ifndef POISSON_EDIT_REPORT_H
#define POISSON_EDIT_REPORT_H

#include "field.h"
#include "fit/fitting.h"
#include "fit/render.h"
#include "siren.h"

#include <stdbool.h>
#include <stddef.h>

/* What the result line reports; which keys appear depends on m. */
typedef struct quality {
    bool outside;        /* alpha m is 0 at 2 pixels or more: psnr_outside_db, else
                            psnr_blend_db */
    bool inside;         /* alpha > 0, m is 1 at 2 pixels or more, not everywhere:
                            psnr_inside_db */
    bool seams;          /* alpha m differs between pixels: naive_grad_rmse */
    double psnr_aligned; /* against the background where alpha m = 0, else the blend */
    double psnr_inside, grad_rmse, naive_grad_rmse;
} quality;

/* Decides q's keys, aligns the composite (r->values) by a constant per
   channel, to the background where alpha m = 0 or else to the pixel
   blend (naive, scene_pixel_blend), and measures every key but
   grad_rmse. scratch: s->count floats. 0, or 1 after a one-line message. */
int quality_measure(const scene *s, const rendering *r, const float *naive, float *scratch,
                    quality *q);

/* grad_rmse: the RMS over pixels, channels and axes of the network's
   gradient per pixel against the target field, evaluated chunk pixels
   at a time on threads threads (0: the library's default). 0, or 1 after
   a one-line message. */
int quality_field_error(const scene *s, const siren_net *net, size_t chunk, size_t threads,
                        double *rmse);

/* The result line on stdout: only the keys that mean something for this
   m, then the steps and times of the run. */
void print_result(const quality *q, const fit_run *stats, const scene *s);

#endif
