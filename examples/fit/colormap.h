/* colormap.h - signed fields as colour images for people: a diverging
   map, blue for negative, white for zero, red for positive, as the SIREN
   paper shows wave fields. */
#ifndef EXAMPLES_COLORMAP_H
#define EXAMPLES_COLORMAP_H

#include <stddef.h>

/* Writes values [height][width] (row 0 at the top) as an 8-bit colour
   image (PNG for a path ending in .png, else PPM: image_write), v
   mapped to blue (v <= -scale) .. white (0) .. red (v >= scale). NaN is
   black. 0, or -1 with a message in err. */
int colormap_write_signed(const char *path, size_t width, size_t height, const float *values,
                          double scale, char *err, size_t errlen);

/* The q-quantile (0..1) of |values| over the entries where mask is
   non-zero (mask NULL: all), for a display scale that a few extreme
   values do not set; 0 when there are none. -1 when out of memory. */
double colormap_abs_quantile(const float *values, const unsigned char *mask, size_t n, double q);

#endif
