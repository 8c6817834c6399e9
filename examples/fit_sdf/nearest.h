/* nearest.h - nearest-neighbour queries among 3-D points (a uniform grid
   of buckets), and the two measures fit_sdf reports between a mesh and
   the points it was fitted to: the Chamfer distance and the normal
   consistency. */
#ifndef EXAMPLES_NEAREST_H
#define EXAMPLES_NEAREST_H

#include "io/pointcloud.h"

#include <stddef.h>

typedef struct nn_grid {
    const float *points;  /* [count][3], not owned */
    size_t count;
    double lo[3], cell;   /* grid origin and bucket size */
    size_t dims[3];
    size_t *start;        /* [cells + 1]: bucket b holds order[start[b] .. start[b+1]) */
    size_t *order;        /* [count] */
} nn_grid;

/* Builds the buckets over points (count > 0, finite). 0, or -1 when out
   of memory. */
int nn_grid_build(nn_grid *g, const float *points, size_t count);
void nn_grid_free(nn_grid *g);

/* The index of the point nearest to q (exact, ties to any), and its
   squared distance in *dist2. */
size_t nn_grid_nearest(const nn_grid *g, const float q[3], double *dist2);

typedef struct shape_distance {
    double chamfer;             /* mean of the two directions' mean distances */
    double a_to_b, b_to_a;      /* mean distance from each point of a to b, and back */
    double normal_consistency;  /* mean of the two directions' mean |n . n_nearest| */
} shape_distance;

/* Compares two oriented point sets (e.g. points sampled on an extracted
   mesh, and the input points): for every point of each, the nearest point
   of the other. Distances are in the points' units. 0, or -1 when out
   of memory or a set is empty. */
int shape_compare(const oriented_points *a, const oriented_points *b, shape_distance *out);

/* The length of the diagonal of the axis-aligned bounding box of points. */
double points_bbox_diagonal(const oriented_points *p);

#endif
