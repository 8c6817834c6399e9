/* poisson_edit.c - seamless image composition by fitting a SIREN to a
   blend of two images' gradient fields: the Poisson image editing
   experiment of the SIREN paper (Sitzmann et al. 2020, section 4.1 and
   supplement section 3; the reference's train_poisson_gradcomp_img.py,
   after Perez, Gangnet and Blake, "Poisson image editing", 2003).

   With G1, G2 the per-pixel Sobel gradients of the background and the
   source (stencil.h) and m a per-pixel weight (1 inside a pasted
   rectangle or where a mask image is white, else 0), the target field is

       G = (1 - alpha m) G1 + alpha m G2

   and the network u(row, column) minimises, over every pixel,

       L = 1/(B C) sum |s * grad u - G|^2,   s_k = 2/(N_k - 1)

   with adjoint 2 s_k (s_k u_k - G_k) / (B C) of its gradient output (as in
   examples/poisson.c). The source's edges arrive in the background without
   its absolute brightness: the composite has no seam. Without --region or
   --mask, m is 1 everywhere and alpha 0.5: the reference's experiment, the
   average of the two fields. The composite is known up to a constant per
   channel, fitted by least squares to the background where alpha m is 0
   (or, where that is fewer than 2 pixels, to the pixel-wise blend over
   every pixel). A PSNR is reported only over a set of 2 pixels or more: a
   constant fitted to one pixel matches it exactly, whatever the
   composite.

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one; as
   every step sees every pixel, a resumed run is bit for bit the run it
   continues (and --log appends to its log). The outputs are checked
   before any work (fit_check_outputs): none may overwrite an image, the
   mask or another output. Launched by mpirun, the ranks share each step's
   slabs and rank 0 writes the outputs, the same bits as one process
   (fit/distributed.h).

   This file is the program: its options and the main flow. The rest is
   in examples/poisson_edit/, one concern per file:
     field.h     the images, the weight m and the blended target field
     train.h     the trainer and its step
     report.h    the measurements and the result line's keys
     outputs.h   naming, checking and writing the output files */
#define _POSIX_C_SOURCE 200809L
#include "fit/args.h"
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/options.h"
#include "siren.h"

#include "poisson_edit/field.h"
#include "poisson_edit/outputs.h"
#include "poisson_edit/report.h"
#include "poisson_edit/train.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    scene_request scene;  /* BACKGROUND SOURCE, --region, --mask, --size, --alpha */
    fit_options fit;
} options;

static const char DESCRIPTION[] =
    "Composes SOURCE into BACKGROUND (images: PGM/PPM, or PNG when the build has\n"
    "libpng or stb) seamlessly: fits a SIREN f(row, column) whose gradient matches\n"
    "G = (1 - alpha m) G1 + alpha m G2, with G1, G2 the images' Sobel gradients per\n"
    "pixel (as in poisson) and m the region: 1 inside --region, or the --mask image\n"
    "(white 1, black 0, grey in between), else 0. BACKGROUND is resized to --size\n"
    "on its longer side; SOURCE and the mask are resized to the same width and\n"
    "height (place the source on a canvas of the background's shape first). The\n"
    "region must lie inside the resized background: one that reaches beyond it is\n"
    "refused, not clipped. Grey and colour images mix (grey is repeated in three\n"
    "channels).\n"
    "\n"
    "Without --region or --mask, m is 1 everywhere and alpha 0.5, the reference's\n"
    "experiment (the average of both fields). The composite is known up to a\n"
    "constant per channel, fitted by least squares to the background where\n"
    "alpha m = 0 (there the field is the background's: with --alpha 0, every\n"
    "pixel); where that is fewer than 2 pixels (no --region or --mask, a region\n"
    "covering the image, a mask with at most one black pixel), to the pixel blend\n"
    "(1 - alpha m) BACKGROUND + alpha m SOURCE over every pixel instead.\n"
    "\n"
    "Writes PREFIX_composite.png, PREFIX_naive.png (that pixel blend, with its\n"
    "seams), PREFIX_grad.png (the network's gradient magnitude) and\n"
    "PREFIX_target_grad.png (the field's), or with --format pnm .pgm files (.ppm for\n"
    "colour), and the model PREFIX.siren. The result line reports (PSNR on [0, 1]\n"
    "values, as fit_image; none over a single pixel, where a fitted constant leaves\n"
    "no error to measure):\n"
    "  psnr_outside_db  when alpha m is 0 at 2 pixels or more: the composite\n"
    "                   against the background there;\n"
    "  psnr_blend_db    instead when alpha m is 0 at fewer than 2 pixels: the\n"
    "                   composite against the pixel blend, over every pixel;\n"
    "  psnr_inside_db   when alpha is above 0 and m is 1 at 2 pixels or more, but\n"
    "                   not everywhere: the composite against the source plus its\n"
    "                   best constant where m = 1 (with alpha 0 the source has no\n"
    "                   weight: the composite follows the background there too);\n"
    "  grad_rmse        always: the RMS error of the network's gradient per pixel\n"
    "                   against the field, on [-1, 1] values;\n"
    "  naive_grad_rmse  when alpha m differs between pixels: the same for the\n"
    "                   pixel blend's Sobel gradients, its seams (where alpha m is\n"
    "                   the same everywhere, the blend's gradients are the field).\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same images,\n"
    "--size, --region or --mask, and --alpha for an exact continuation), and\n"
    "--log appends to the log of the run it continues. No output may be an input\n"
    "or another output. Ctrl-C stops after the current step and still writes every\n"
    "output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.scene = {.size = 256, .alpha = NAN}};
    fit_options_default(&o->fit, "out/poisson_edit");
    o->fit.steps = 500;
    o->fit.chunk = 8192;
}

/* "X,Y,W,H" in pixels of the resized background, W and H positive. */
static bool parse_region(const char *text, long rect[4])
{
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p < '0' || *p > '9')
            return false;
        rect[i] = strtol(p, &end, 10);
        if (rect[i] < 0 || rect[i] > 100000 || (i < 3 && *end != ',') || (i == 3 && *end))
            return false;
        p = end + 1;
    }
    return rect[2] > 0 && rect[3] > 0;
}

/* What args_parse cannot check, and --alpha's default. 0, or 1 after a
   message. */
static int check_options(options *o)
{
    scene_request *in = &o->scene;
    if (fit_options_check(&o->fit))
        return 1;
    if (in->region && in->mask)
        return fit_error("--region and --mask: give one of them");
    if (in->region && !parse_region(in->region, in->rect))
        return fit_error("--region: expected X,Y,W,H (W and H positive), got '%s'",
                         in->region);
    if (isnan(in->alpha)) /* unset */
        in->alpha = in->region || in->mask ? 1.0 : 0.5;
    return 0;
}

/* ---------------------------------------------------------------- main */

/* Loads the scene, checks the outputs, trains (new or resumed), then
   measures and writes. */
static int run(const options *o, const arg_spec *spec)
{
    const scene_request *in = &o->scene;
    scene s;
    int loaded = scene_load(in, &s); /* on every rank */
    if (fit_dist_agree(loaded)) {
        if (loaded == 0)
            scene_free(&s);
        return 1;
    }
    fit_model m = {0};
    outputs paths = {{0}};
    fit_run stats = {0, 0, 0};
    quality q = {0};
    FILE *log = NULL;
    fit_arch arch = fit_arch_of(&o->fit, 2, (long)s.channels);
    int status = fit_dist_same(s.field, s.count * s.channels * 2 * sizeof *s.field,
                               "the target field of the images");
    if (status == 0) /* before training */
        status = fit_dist_agree(fit_dist_root() ? outputs_plan(&o->fit, in, s.channels, &paths)
                                                : 0);
    if (status == 0)
        status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    if (status == 0)
        status = fit_log_open(o->fit.log, "field_rmse_x1000", siren_adam_step_count(m.opt),
                              &log);
    if (status == 0) {
        fit_say("%s + %s, %zux%zu, %zu channel%s, alpha %g; %zu parameters", in->background,
                in->source, s.width, s.height, s.channels,
                s.channels > 1 ? "s" : "", in->alpha, siren_net_param_count(m.net));
        status = edit_train(&o->fit, &s, &m, log, &stats);
    }
    status = fit_log_close(o->fit.log, log, status);
    bool writes = fit_dist_root(); /* rank 0 alone measures and writes */
    if (status == 0 && writes)
        status = outputs_write(&s, &paths, m.net, (size_t)o->fit.chunk, (size_t)o->fit.threads, &q);
    if (status == 0 && writes)
        print_result(&q, &stats, &s);
    outputs_free(&paths);
    fit_model_free(&m);
    scene_free(&s);
    return fit_exit_status(status);
}

static int poisson_edit_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    scene_request *in = &o.scene;
    fit_options *f = &o.fit;
    arg_option table[] = {
        ARG_STRING("region", &in->region, "X,Y,W,H",
                   "paste the source's gradients in this rectangle (pixels of the\n"
                   "resized background: column, row, width, height)"),
        ARG_STRING("mask", &in->mask, "MASK", "per-pixel weight m of the source (an image)"),
        ARG_DOUBLE("alpha", &in->alpha, 0, 1, "A",
                   "weight of the source where m = 1, 0 to 1\n"
                   "[1 with --region or --mask, 0.5 without]"),
        ARG_LONG("size", &in->size, 0, 4096, "N", "longer side of the composite; 0: as read"),
        FIT_STEPS_OPTION(f),
        FIT_LR_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation"),
        FIT_CHUNK_OPTION(f, 1000000000, "points per forward/backward call (memory)"),
        FIT_THREADS_OPTION(f),
        FIT_OUT_OPTION(f),
        FIT_FORMAT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        FIT_LOG_OPTION(f, "write step,loss,field_rmse_x1000,seconds of every step as CSV\n"
                          "(the field's RMS error before the step, times 1000)"),
    };
    const char *images[2];
    arg_spec spec = {"poisson_edit", "[options] BACKGROUND SOURCE", DESCRIPTION, table,
                     ARG_COUNT(table), images, 2, 2, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    in->background = images[0];
    in->source = images[1];
    return check_options(&o) ? 1 : run(&o, &spec);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, poisson_edit_main); /* on every rank under mpirun */
}
