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
   mask or another output.

   This file is the program: its options and the main flow. The rest is
   in examples/poisson_edit/, one concern per file:
     field.h     the images, the weight m and the blended target field
     train.h     the trainer and its step
     report.h    the measurements and the result line's keys
     outputs.h   naming, checking and writing the output files
     errors.h    the one-line error messages */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "fitting.h"
#include "siren.h"

#include "poisson_edit/errors.h"
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

#define PROGRAM POISSON_EDIT_PROGRAM

/* ------------------------------------------------------------- options */

typedef struct options {
    scene_request scene;  /* BACKGROUND SOURCE, --region, --mask, --size, --alpha */
    output_names files;   /* --out, --save, --log */
    long steps, width, depth, chunk, threads;
    double lr, first_omega, hidden_omega;
    uint64_t seed;
    fit_resume_options ckpt;
} options;

static const char DESCRIPTION[] =
    "Composes SOURCE into BACKGROUND (PGM/PPM) seamlessly: fits a SIREN f(row,\n"
    "column) whose gradient matches G = (1 - alpha m) G1 + alpha m G2, with G1, G2\n"
    "the images' Sobel gradients per pixel (as in poisson) and m the region: 1\n"
    "inside --region, or the --mask image (white 1, black 0, grey in between),\n"
    "else 0. BACKGROUND is resized to --size on its longer side; SOURCE and the\n"
    "mask are resized to the same width and height (place the source on a canvas\n"
    "of the background's shape first). The region must lie inside the resized\n"
    "background: one that reaches beyond it is refused, not clipped. Grey and\n"
    "colour images mix (grey is repeated in three channels).\n"
    "\n"
    "Without --region or --mask, m is 1 everywhere and alpha 0.5, the reference's\n"
    "experiment (the average of both fields). The composite is known up to a\n"
    "constant per channel, fitted by least squares to the background where\n"
    "alpha m = 0 (there the field is the background's: with --alpha 0, every\n"
    "pixel); where that is fewer than 2 pixels (no --region or --mask, a region\n"
    "covering the image, a mask with at most one black pixel), to the pixel blend\n"
    "(1 - alpha m) BACKGROUND + alpha m SOURCE over every pixel instead.\n"
    "\n"
    "Writes PREFIX_composite.pgm (.ppm for colour), PREFIX_naive.pgm (that pixel\n"
    "blend, with its seams), PREFIX_grad.pgm (the network's gradient magnitude),\n"
    "PREFIX_target_grad.pgm (the field's) and the model PREFIX.siren. The result\n"
    "line reports (PSNR on [0, 1] values, as fit_image; none over a single pixel,\n"
    "where a fitted constant leaves no error to measure):\n"
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
    "output.";

enum { OPTION_COUNT = 20 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[2];
    arg_spec spec;
} command_line;

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.scene = {.size = 256, .alpha = NAN}, .files = {.out = "out/poisson_edit"},
                   .steps = 500, .width = cfg.hidden_features, .depth = cfg.hidden_layers,
                   .chunk = 8192, .lr = adam.lr, .first_omega = cfg.first_omega,
                   .hidden_omega = cfg.hidden_omega};
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

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    scene_request *in = &o->scene;
    arg_option table[] = {
        ARG_STRING("region", &in->region, "X,Y,W,H",
                   "paste the source's gradients in this rectangle (pixels of the\n"
                   "resized background: column, row, width, height)"),
        ARG_STRING("mask", &in->mask, "MASK.pgm", "per-pixel weight m of the source"),
        ARG_DOUBLE("alpha", &in->alpha, 0, 1, "A",
                   "weight of the source where m = 1, 0 to 1\n"
                   "[1 with --region or --mask, 0.5 without]"),
        ARG_LONG("size", &in->size, 0, 4096, "N", "longer side of the composite; 0: as read"),
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation"),
        ARG_LONG("chunk", &o->chunk, 1, 1000000000, "N",
                 "points per forward/backward call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_STRING("out", &o->files.out, "PREFIX", "output prefix (makes directories)"),
        ARG_STRING("save", &o->files.save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("log", &o->files.log, "FILE",
                   "write step,loss,field_rmse_x1000,seconds of every step as CSV\n"
                   "(the field's RMS error before the step, times 1000)"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] BACKGROUND SOURCE", DESCRIPTION, cl->table,
                          OPTION_COUNT, cl->positional, 2, 2, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    in->background = cl->positional[0];
    in->source = cl->positional[1];
    if (in->region && in->mask)
        return args_error(PROGRAM, "--region and --mask: give one of them");
    if (in->region && !parse_region(in->region, in->rect))
        return args_error(PROGRAM, "--region: expected X,Y,W,H (W and H positive), got '%s'",
                          in->region);
    if (isnan(in->alpha)) /* unset */
        in->alpha = in->region || in->mask ? 1.0 : 0.5;
    return -1;
}

/* ---------------------------------------------------------------- main */

/* Loads the scene, checks the outputs, trains (new or resumed), then
   measures and writes. */
static int run(const options *o, const arg_spec *spec)
{
    const scene_request *in = &o->scene;
    scene s;
    if (scene_load(in, &s))
        return 1;
    fit_model m = {0};
    outputs paths = {{0}};
    fit_run stats = {0, 0, 0};
    quality q = {0};
    FILE *log = NULL;
    fit_arch arch = {2, (long)s.channels, o->width, o->depth, o->first_omega,
                     o->hidden_omega, o->lr, 0, o->seed};
    train_settings train = {o->steps, o->chunk, o->threads, &o->ckpt};
    int status = outputs_plan(&o->files, in, &o->ckpt, s.channels, &paths); /* before training */
    if (status == 0)
        status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->files.log, "field_rmse_x1000",
                              siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fprintf(stderr, "%s: %s + %s, %zux%zu, %zu channel%s, alpha %g; %zu parameters\n",
                PROGRAM, in->background, in->source, s.width, s.height, s.channels,
                s.channels > 1 ? "s" : "", in->alpha, siren_net_param_count(m.net));
        status = edit_train(&train, &s, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->files.log, log, status);
    if (status == 0)
        status = outputs_write(&s, &paths, m.net, (size_t)o->chunk, (size_t)o->threads, &q);
    if (status == 0)
        print_result(&q, &stats, &s);
    outputs_free(&paths);
    fit_model_free(&m);
    scene_free(&s);
    return fit_exit_status(status);
}

int main(int argc, char **argv)
{
    command_line cl;
    default_options(&cl.o);
    int status = parse_command_line(&cl, argc, argv);
    if (status >= 0)
        return status;
    return run(&cl.o, &cl.spec);
}
