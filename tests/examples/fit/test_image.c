/* test_image.c - image geometry of the examples (examples/fit/image.c):
   area-average resampling (block means, channels apart), Pillow-style
   bilinear resampling, sizes keeping the aspect ratio, and the
   torch-compatible linspace grid. */
#include "fit/image.h"
#include "io/pnm.h"

#include "check.h"

#include <math.h>
#include <stdlib.h>

static void test_resample_block_means(void)
{
    pnm_image src, dst;
    char err[128];
    CHECK(pnm_alloc(&src, 4, 4, 1, err, sizeof err) == 0);
    for (int i = 0; i < 16; i++)
        src.data[i] = (float)i;
    CHECK(image_resample(&src, 2, 2, IMAGE_AREA, &dst, err, sizeof err) == 0);
    float want[4] = {2.5f, 4.5f, 10.5f, 12.5f}; /* means of the 2x2 blocks */
    for (int i = 0; i < 4 && dst.data; i++)
        CHECK_NEAR(dst.data[i], want[i], 1e-6);
    pnm_free(&dst);
    /* 4 -> 3 columns of one row: thirds that cover 4/3 pixels each. */
    CHECK(image_resample(&src, 3, 1, IMAGE_AREA, &dst, err, sizeof err) == 0);
    if (dst.data) { /* the column means of src are 6, 7, 8, 9 */
        CHECK_NEAR(dst.data[0], (6 + 7 / 3.0) / (4 / 3.0), 1e-5);
        CHECK_NEAR(dst.data[1], (7 * 2 / 3.0 + 8 * 2 / 3.0) / (4 / 3.0), 1e-5);
        CHECK_NEAR(dst.data[2], (8 / 3.0 + 9) / (4 / 3.0), 1e-5);
    }
    pnm_free(&dst);
    pnm_free(&src);
}

/* Pillow's bilinear shrink by 2: weights 1 3 3 1 (/8) inside, 3 3 1 (/7)
   at the left border, 1 3 3 (/7) at the right one. */
static void test_resample_bilinear_like_pillow(void)
{
    pnm_image src, dst;
    char err[128];
    CHECK(pnm_alloc(&src, 8, 1, 1, err, sizeof err) == 0);
    for (int i = 0; i < 8; i++)
        src.data[i] = (float)(i * i);
    CHECK(image_resample(&src, 4, 1, IMAGE_BILINEAR, &dst, err, sizeof err) == 0);
    if (dst.data) {
        CHECK_NEAR(dst.data[0], (3 * 0 + 3 * 1 + 4) / 7.0, 1e-5);
        CHECK_NEAR(dst.data[1], (1 + 3 * 4 + 3 * 9 + 16) / 8.0, 1e-5);
        CHECK_NEAR(dst.data[2], (9 + 3 * 16 + 3 * 25 + 36) / 8.0, 1e-5);
        CHECK_NEAR(dst.data[3], (25 + 3 * 36 + 3 * 49) / 7.0, 1e-5);
    }
    pnm_free(&dst);
    /* Enlarging by 2 interpolates: 0.25/0.75 between neighbours. */
    CHECK(image_resample(&src, 16, 1, IMAGE_BILINEAR, &dst, err, sizeof err) == 0);
    if (dst.data) {
        CHECK_NEAR(dst.data[0], 0.0, 1e-6);           /* border: clamped */
        CHECK_NEAR(dst.data[3], 0.75 * 1 + 0.25 * 4, 1e-5);
        CHECK_NEAR(dst.data[4], 0.25 * 1 + 0.75 * 4, 1e-5);
    }
    pnm_free(&dst);
    pnm_free(&src);
}

static void test_resample_rgb_keeps_channels_apart(void)
{
    pnm_image src, dst;
    char err[128];
    CHECK(pnm_alloc(&src, 2, 2, 3, err, sizeof err) == 0);
    for (int i = 0; i < 4; i++) {
        src.data[3 * i] = 1.0f;
        src.data[3 * i + 1] = 0.0f;
        src.data[3 * i + 2] = (float)i;
    }
    CHECK(image_resample(&src, 1, 1, IMAGE_AREA, &dst, err, sizeof err) == 0);
    if (dst.data) {
        CHECK_NEAR(dst.data[0], 1.0, 1e-7);
        CHECK_NEAR(dst.data[1], 0.0, 0);
        CHECK_NEAR(dst.data[2], 1.5, 1e-7);
    }
    pnm_free(&dst);
    pnm_free(&src);
}

static void test_fit_size_keeps_aspect(void)
{
    size_t w, h;
    image_fit_size(512, 256, 256, &w, &h);
    CHECK(w == 256 && h == 128);
    image_fit_size(300, 900, 90, &w, &h);
    CHECK(w == 30 && h == 90);
    image_fit_size(1000, 1, 10, &w, &h);
    CHECK(w == 10 && h == 1);
    image_fit_size(640, 480, 0, &w, &h);
    CHECK(w == 640 && h == 480);
}

static void test_linspace_and_grid(void)
{
    float v[100];
    image_linspace(5, v);
    float want[5] = {-1.0f, -0.5f, 0.0f, 0.5f, 1.0f};
    CHECK(memcmp(v, want, sizeof want) == 0);
    /* 100 points: a size where counting up all the way would round
       differently from torch's two halves. */
    image_linspace(100, v);
    CHECK(v[0] == -1.0f && v[99] == 1.0f);
    int symmetric = 1;
    for (int i = 0; i < 100; i++)
        symmetric &= v[i] == -v[99 - i];
    CHECK(symmetric);
    /* torch.linspace's float32 formula: -1 + step * i up to the middle,
       1 - step * (n - 1 - i) after it. */
    float step = 2.0f / 99.0f;
    int as_torch = 1;
    for (int i = 0; i < 100; i++)
        as_torch &= v[i] == (i < 50 ? -1.0f + step * (float)i : 1.0f - step * (float)(99 - i));
    CHECK(as_torch);
    float *grid = image_grid(3, 2); /* 3 columns, 2 rows */
    CHECK(grid != NULL);
    if (grid) { /* pixel (row 1, column 2) is point 5: (rows[1], cols[2]) */
        CHECK(grid[10] == 1.0f && grid[11] == 1.0f);
        CHECK(grid[2] == -1.0f && grid[3] == 0.0f); /* (row 0, column 1) */
    }
    free(grid);
}

int main(void)
{
    RUN(test_resample_block_means);
    RUN(test_resample_bilinear_like_pillow);
    RUN(test_resample_rgb_keeps_channels_apart);
    RUN(test_fit_size_keeps_aspect);
    RUN(test_linspace_and_grid);
    return check_summary();
}
