/* contexts.c - the evaluation's known pixels of the held-out faces
   (contexts.h). */
#include "contexts.h"

#include "fit/messages.h"

#include <stdint.h>
#include <stdlib.h>

/* The contexts come from this seed, not --seed, so that every run and
   every method sees the same known pixels. */
#define EVAL_SEED 20200617u

static const size_t SETTING_PIXELS[SETTINGS] = {10, 100, 300, 0}; /* 0: the top half */
const char *const SETTING_NAMES[SETTINGS] = {"10", "100", "300", "half"};

void context_set_free(context_set *c)
{
    free(c->start);
    free(c->rows);
}

/* The known pixels per face of setting s, at most every pixel. */
static size_t setting_size(const faces *d, int s)
{
    size_t k = SETTING_PIXELS[s] ? SETTING_PIXELS[s] : (d->side / 2) * d->side;
    return k < d->pixels ? k : d->pixels;
}

size_t context_largest_setting(const faces *d)
{
    size_t k = 0;
    for (int s = 0; s < SETTINGS; s++)
        k = setting_size(d, s) > k ? setting_size(d, s) : k;
    return k;
}

int context_set_make(const faces *d, size_t first, size_t count, int s, size_t draw,
                     context_set *c)
{
    size_t k = setting_size(d, s);
    *c = (context_set){count, k, malloc((count + 1) * sizeof(size_t)),
                       malloc(count * k * 3 * sizeof(float))};
    size_t *order = malloc(d->pixels * sizeof *order);
    if (!c->start || !c->rows || !order) {
        free(order);
        context_set_free(c);
        return fit_error("out of memory for the evaluation contexts");
    }
    for (size_t f = 0; f <= count; f++)
        c->start[f] = f * k;
    for (size_t f = 0; f < count; f++) {
        uint64_t rng = EVAL_SEED ^ ((first + f) * 0x100000001b3u) ^ ((uint64_t)s << 40) ^
                       ((uint64_t)draw << 48);
        faces_pick_context(d, d->values + (first + f) * d->pixels, k, SETTING_PIXELS[s] == 0,
                           &rng, order, c->rows + f * k * 3);
    }
    free(order);
    return 0;
}
