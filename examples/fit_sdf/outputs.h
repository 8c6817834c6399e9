/* outputs.h - fit_sdf's output files: their names, the check that each
   can be written (before any work, not after training), and the transform
   file that says how the model's coordinates relate to the input's. (The
   picture is picture.h's, the mesh's file io/pointcloud.h's.) */
#ifndef FIT_SDF_OUTPUTS_H
#define FIT_SDF_OUTPUTS_H

#include "shape_geometry.h"

#include <stddef.h>

typedef struct outputs {
    char *mesh, *model, *transform;  /* PREFIX.ply, --save or PREFIX.siren, PREFIX.transform */
    char *picture;                   /* PREFIX.png (or .pgm: picture_ext) */
} outputs;

/* The names of the outputs of prefix (save: the model's, or NULL for
   PREFIX.siren; picture_ext: the picture's extension) into *p, which
   starts zeroed. 0, or 1 after a message; outputs_free either way. */
int outputs_name(const char *prefix, const char *save, const char *picture_ext, outputs *p);

/* Checks that each of the n paths can be written (files_check_writable,
   which makes the directories); NULL entries are skipped. 0, or 1 after
   a one-line message. */
int outputs_check_writable(const char *const *paths, size_t n);

/* Writes the transform file: "offset X Y Z" and "scale S" lines after a
   comment. 0, or 1 after a message. */
int write_transform(const char *path, const shape_transform *t);

void outputs_free(outputs *p);

#endif
