/* loss.h - the SIREN paper's SDF loss of one point and its derivatives
   (the reference's loss_functions.sdf). With M = 2N points a step (N on
   the surface, N uniform in [-1, 1]^3), each term a mean over all M:

       3e3 |f|                      on the surface
       1e2 exp(-100 |f|)            off the surface
       1e2 (1 - cos(grad f, n))     on the surface
       5e1 | |grad f| - 1 |         everywhere

   siren_backward takes the loss's derivatives with respect to f and
   grad f (DESIGN.md, "Training: reverse mode through the jets"):

       d/df       3e3 sign(f) / M                   (surface)
                  -1e4 sign(f) exp(-100 |f|) / M    (off the surface)
       d/dgrad f  -1e2 (n - cos g^) / (|g| M)       (surface; g^ = g / |g|)
                  5e1 sign(|g| - 1) g^ / M          (everywhere) */
#ifndef FIT_SDF_LOSS_H
#define FIT_SDF_LOSS_H

/* A step's sums over its points so far. */
typedef struct step_stats {
    double loss, angle_sum;  /* angle: between grad f and the normal, degrees */
} step_stats;

/* Adds the loss of one point to s: its value f and gradient g[3] from
   the network, normal its unit normal (a surface point) or NULL (a
   uniform one), M the number of points the means run over. Writes the
   derivatives of that loss with respect to f and g to *adj_f and
   adj_g[3]. */
void sdf_point_loss(const float *g, const float *normal, double f, double M, step_stats *s,
                    float *adj_f, float *adj_g);

#endif
