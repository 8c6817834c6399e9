/* faces.h - the hypernet example's data set: square grey faces stacked
   top to bottom in one PGM (examples/hypernet_data/convert_lfw.py makes
   them from the LFW subset of scikit-image), their pixel grid, the known
   pixels of a face (a context), and the error the evaluation measures. */
#ifndef HYPERNET_FACES_H
#define HYPERNET_FACES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Square grey faces, values in [-1, 1] (the reference's normalisation). */
typedef struct faces {
    size_t side, pixels, count;
    float *values;   /* [count][pixels], row-major */
    float *grid;     /* [pixels][2]: (row, column) coordinates in [-1, 1] */
} faces;

/* Reads the faces of the PGM at `path`, checking that the first `train`
   of them leave at least one held out. 0, or 1 after a one-line message
   on stderr. */
int faces_load(const char *path, long train, faces *d);
void faces_free(faces *d);

/* The known pixels of one face: k (row, column, value) rows, the
   coordinates from d->grid. Random distinct pixels drawn from *rng, or,
   with `half` set, the first k pixels in row order (k = pixels / 2
   rounded to whole rows: the top half of the face). `order` is scratch
   for a permutation of the pixel indices, [pixels]. */
void faces_pick_context(const faces *d, const float *face, size_t k, bool half,
                        uint64_t *rng, size_t *order, float *rows);

/* The reference's inpainting error (test_neural_process.py): the mean
   squared error over n pixels on the [0, 1] scale, of a prediction
   clipped to [0, 1], both given on the [-1, 1] scale. */
double faces_inpainting_mse(size_t n, const float *predicted, const float *truth);

#endif
