/* field.h - what poisson_edit fits: the background and the source, the
   weight m of the source per pixel (1 inside a --region, the --mask
   image's brightness, or 1 everywhere) and the blended target field

       G = (1 - alpha m) G1 + alpha m G2

   of their Sobel gradients G1, G2 per pixel (stencil.h). */
#ifndef POISSON_EDIT_FIELD_H
#define POISSON_EDIT_FIELD_H

#include <stdbool.h>
#include <stddef.h>

/* What to load: the program's positional arguments and the options of
   the same names. */
typedef struct scene_request {
    const char *background, *source;  /* PGM/PPM files */
    const char *region;               /* NULL, or --region as given (for messages) */
    const char *mask;                 /* NULL, or a PGM/PPM file */
    long rect[4];                     /* the region parsed: x, y, w, h */
    long size;                        /* longer side of the background; 0: as read */
    double alpha;                     /* the source's weight where m = 1 */
} scene_request;

typedef struct scene {
    size_t width, height, channels, count;
    double alpha;
    float *background, *source;  /* [count][C] in [-1, 1] */
    float *weight;               /* [count]: m */
    float *field;                /* [count][C][2]: the target gradients per pixel */
    float *coords;               /* [count][2] */
    float step[2];               /* pixel step of (row, column) */
} scene;

/* Loads the images (the source and the mask resized to the background's
   shape, grey made colour when the other image is), makes m and the
   target field. 0, or 1 after a one-line message (s then holds nothing
   to free: scene_load has freed it). */
int scene_load(const scene_request *r, scene *s);
void scene_free(scene *s);

/* Whether the composite should follow the background at pixel p: where
   the source has no weight, alpha m = 0 (every pixel with alpha 0). */
bool scene_background_only(const scene *s, size_t p);

/* The pixel-wise blend (1 - alpha m) background + alpha m source:
   [count][C] values in out. */
void scene_pixel_blend(const scene *s, float *out);

/* The target field's magnitude per pixel (RMS over channels): [count]
   values in mag. */
void scene_field_magnitude(const scene *s, float *mag);

#endif
