/* montage.h - the wave example's frames in one picture: the network's
   frames in a row above the finite-difference reference's, at increasing
   times from left to right, each pair on its own colour scale (the pulse
   spreads and weakens as it travels), with white gaps between them. */
#ifndef WAVE_MONTAGE_H
#define WAVE_MONTAGE_H

#include <stddef.h>

enum { WAVE_MONTAGE_GAP = 4 }; /* pixels between the frames */

/* The picture's size for `count` frames of side x side. */
size_t wave_montage_width(size_t side, size_t count);
size_t wave_montage_height(size_t side);

/* Writes the picture to path (PNG for .png, else PPM: colormap.h): frame k
   of net and of fd ([count][side * side], row 0 at the top) divided by
   scales[k] (> 0), so that each pair spans blue (-scales[k]) to red
   (+scales[k]). 0, or -1 with a message in err. */
int wave_montage_write(const char *path, size_t side, size_t count, const float *net,
                       const float *fd, const double *scales, char *err, size_t errlen);

#endif
