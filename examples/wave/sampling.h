/* sampling.h - the wave example's collocation points: where each step
   evaluates the loss.

   The reference's scheme (dataio.WaveSource) draws, of P points, S at
   t = 0 in a disc around the pulse, S at t = 0 uniform in [-1, 1]^2 and
   the other P - 2S uniform in [0, T] x [-1, 1]^2, T the curriculum's
   time span. With the reference's narrow pulse (standard deviation 0.022)
   uniform points land on the pulse, and later on the ring that it sends
   out, a few dozen times a step. Importance sampling puts more of them
   there, using what the problem states: the pulse's centre and width,
   and the speed c at which the disturbance spreads (it stays within
   |x - x0| <= c t plus a few widths; in 2-D a weaker wake trails the
   front inside that disc):

   - front points: a fraction of the P - 2S points, at a uniform time t in
     [0, T], a uniform angle, and a distance c t + w z from the pulse's
     centre (z standard normal, reflected at 0), on the expanding front;
   - the S near-pulse points at t = 0: uniform in a disc (the reference's)
     or, with a Gaussian spread, normal around the pulse.

   Every point keeps the loss term it has in the reference: the residual
   everywhere, the initial conditions at t = 0. Sampling changes which
   points the sum runs over, not the loss per point. With the front
   fraction 0 and the disc the points are the reference's, bit for bit. */
#ifndef WAVE_SAMPLING_H
#define WAVE_SAMPLING_H

#include "fit/rng.h"
#include "pde/wave_fd.h"

#include <stddef.h>

typedef struct wave_sampling {
    size_t points;          /* P */
    size_t source_points;   /* S: 2S of the P lie at t = 0 */
    double source_radius;   /* > 0: the S near-pulse points are uniform in this disc */
    double source_spread;   /* > 0 (and radius 0): normal, this standard deviation per axis */
    double front_fraction;  /* of the P - 2S timed points, on the front */
    double front_width;     /* w: standard deviation across the front */
    double c;               /* the wave speed */
    wave_pulse pulse;       /* the initial condition (centre, width, height) */
} wave_sampling;

/* Draws the points for one step with the time span [0, span]: txy
   [points][3] as (t, x, y); initial[i] = u0(x, y) at the points with
   t == 0, NaN at the others (the reference constrains exactly the points
   whose time is 0). The order: uniform timed points, front points, S
   uniform at t = 0, S near the pulse. */
void wave_sample(const wave_sampling *s, rng *r, double span, float *txy, float *initial);

/* The number of front points among the timed ones (the fraction of them,
   rounded to the nearest). */
size_t wave_sample_front_count(const wave_sampling *s);

#endif
