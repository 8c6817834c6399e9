/* hypernet.c - learning a space of SIRENs: a set encoder and a ReLU
   hypernetwork map a few known pixels of a face to all the parameters of
   a SIREN, which then paints the whole face (Sitzmann et al. 2020,
   section 4.4, "Learning a space of implicit functions").

   Data: the 100 faces of the LFW subset that scikit-image ships, made by
   examples/hypernet_data/convert_lfw.py into one PGM of faces stacked top
   to bottom. The first --train faces train the model, the rest are held
   out. Each training step takes a batch of faces (each mirrored and its
   contrast and brightness jittered at random), gives each a random number
   of random known pixels (the context, as the reference's
   train_sparsity_range), and minimises

       mean (f(p) - v(p))^2 over every pixel + 0.1 mean(z^2) + 100 mean(theta^2)

   with Adam and the reference's gradient clip at norm 1.

   Then, on the held-out faces, for 10, 100 and 300 random context pixels
   and for the top half of the image, it measures the inpainting error of
   the hypernetwork and of two baselines on the same contexts: the mean
   training face, and a SIREN fitted to the context pixels alone. The
   hypernetwork's face comes from the code the encoder reads from the
   known pixels, refined on those pixels by a few Adam steps through the
   frozen hypernetwork (test-time code refinement, as auto-decoders such
   as DeepSDF infer their codes); the paper's single forward pass
   ("onepass") and, not the paper's method, the fitted SIREN started from
   the generated one ("tuned") are reported beside it. The
   error is the reference's (test_neural_process.py): the mean squared
   error over all pixels of the image, on the [0, 1] scale, prediction
   clipped to [0, 1]. An image grid shows, per held-out face, the truth,
   the mean face, and for each context the known pixels and the faces
   each method makes. docs/HYPERNET.md has the setting and the numbers.

   This file is the program: its options and the main flow. The rest is
   in examples/hypernet/, one concern per file:
     model.h          the model and its maths (model.c, forward.c,
                      backward.c, code_gradient.c, model_file.c, with
                      dense.c, passes.h), adam.h, random.h
     faces.h          the data set, its contexts and the error measure
     trainer.h        the training loop
     evaluate.h       the held-out evaluation, with contexts.h,
                      baselines.h and refine.h (the code refinement and
                      the oracle)
     grid.h           the output image */
#define _POSIX_C_SOURCE 200809L
#include "fit/args.h"
#include "fit/distributed.h"
#include "fit/messages.h"
#include "fit/options.h"
#include "io/files.h"
#include "siren.h"

#include "hypernet/evaluate.h"
#include "hypernet/faces.h"
#include "hypernet/grid.h"
#include "hypernet/model.h"
#include "hypernet/trainer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *faces;
    long steps, batch, train, context_min, context_max, chunk, threads;
    long width, depth, latent, encoder_width, encoder_layers, hyper_width;
    long baseline_steps, draws, grid_faces, zoom, refine_steps, oracle_steps;
    double lr, baseline_lr, clip, output_scale, latent_weight, param_weight, jitter;
    double refine_lr;
    bool no_flip;
    const char *encoder;
    uint64_t seed;
    const char *out, *save, *load;
    const char *format_name;  /* --format */
    image_format format;      /* from format_name */
} options;

static const char DESCRIPTION[] =
    "Trains a set encoder and a hypernetwork that turn a few known pixels of a face\n"
    "into a SIREN of the whole face (SIREN paper, section 4.4), on the faces of\n"
    "FACES (an image: one face below the other, square; make them with\n"
    "examples/hypernet_data/convert_lfw.py). The first --train faces train, the\n"
    "others are held out.\n"
    "\n"
    "Then reports the held-out inpainting error for 10, 100 and 300 random known\n"
    "pixels and for the top half of each face, beside two baselines on the same\n"
    "known pixels: the mean training face, and a SIREN of the generated architecture\n"
    "fitted to the known pixels alone (--baseline-steps Adam steps). The\n"
    "hypernetwork's face (mse_*) is made from the code the encoder reads from the\n"
    "known pixels, refined by --refine-steps Adam steps on those pixels through the\n"
    "frozen hypernetwork (0: the paper's single forward pass). Also reported: that\n"
    "single pass (\"onepass\") and, not the paper's method, the baseline's fit\n"
    "started from the one-pass SIREN (\"tuned\"). Error: mean squared error over all\n"
    "pixels on the [0, 1] scale, predictions clipped to [0, 1], averaged over the\n"
    "held-out faces and --draws random contexts each. Writes PREFIX_grid.png (.pgm\n"
    "with --format pnm): per held-out face the truth, the mean face, then for each\n"
    "context the known pixels (white elsewhere), the hypernetwork's face, the\n"
    "one-pass face and the fitted SIREN's. The last line is\n"
    "  result: mse_10=... mse_100=... mse_300=... mse_half=... meanface_10=...\n"
    "          siren_10=... onepass_10=... tuned_10=... beats_baselines=0|1 ...\n"
    "          refine_steps=N ... steps=N ...\n"
    "(one line). See docs/HYPERNET.md.";

/* What args_parse cannot check. 0, or 1 after a message. */
static int check_options(options *o)
{
    if (fit_format_check(o->format_name, &o->format))
        return 1;
    if (strcmp(o->encoder, "relu") != 0 && strcmp(o->encoder, "sine") != 0)
        return fit_error("--encoder: expected relu or sine, got '%s'", o->encoder);
    if (o->context_min > o->context_max)
        return fit_error("--context-min %ld is above --context-max %ld", o->context_min,
                         o->context_max);
    return 0;
}

static void default_options(options *o)
{
    hn_config cfg;
    hn_config_default(&cfg);
    *o = (options){.steps = 2000, .batch = 32, .train = 80, .context_min = 10,
                   .context_max = 300, .chunk = 16, .threads = 0,
                   .width = cfg.siren.hidden_features, .depth = cfg.siren.hidden_layers,
                   .latent = (long)cfg.latent, .encoder_width = (long)cfg.encoder_width,
                   .encoder_layers = (long)cfg.encoder_layers,
                   .hyper_width = (long)cfg.hyper_width, .baseline_steps = 500, .draws = 2,
                   .grid_faces = 8, .zoom = 2, .lr = 3e-4, .jitter = 0.2, .baseline_lr = 1e-4,
                   .clip = 1.0,
                   .output_scale = cfg.output_scale, .latent_weight = cfg.latent_weight,
                   .param_weight = cfg.param_weight, .no_flip = false, .seed = 0,
                   .encoder = "relu", .out = "out/hypernet",
                   .refine_steps = 100, .refine_lr = 1e-2, .oracle_steps = 0, .save = NULL,
                   .load = NULL};
    fit_format_default(&o->format_name, &o->format);
}

/* ------------------------------------------------- settings of each part */

/* The parts in examples/hypernet/ take their own settings, not the
   command line: these copy them from the options. */

static train_config train_config_of(const options *o)
{
    return (train_config){.steps = o->steps, .batch = o->batch, .train = o->train,
                          .context_min = o->context_min, .context_max = o->context_max,
                          .chunk = o->chunk, .threads = o->threads, .lr = o->lr,
                          .clip = o->clip, .jitter = o->jitter, .no_flip = o->no_flip,
                          .seed = o->seed};
}

static eval_config eval_config_of(const options *o)
{
    return (eval_config){.train = o->train, .draws = o->draws, .chunk = o->chunk,
                         .threads = o->threads, .baseline_steps = o->baseline_steps,
                         .baseline_lr = o->baseline_lr, .refine_steps = o->refine_steps,
                         .refine_lr = o->refine_lr, .oracle_steps = o->oracle_steps,
                         .seed = o->seed};
}

static hn_config model_config_of(const options *o)
{
    hn_config cfg;
    hn_config_default(&cfg);
    cfg.encoder_width = (size_t)o->encoder_width;
    cfg.encoder_layers = (size_t)o->encoder_layers;
    cfg.encoder_sine = strcmp(o->encoder, "sine") == 0;
    cfg.latent = (size_t)o->latent;
    cfg.hyper_width = (size_t)o->hyper_width;
    cfg.output_scale = (float)o->output_scale;
    cfg.latent_weight = (float)o->latent_weight;
    cfg.param_weight = (float)o->param_weight;
    cfg.siren.hidden_features = (uint32_t)o->width;
    cfg.siren.hidden_layers = (uint32_t)o->depth;
    return cfg;
}

/* ------------------------------------------------------------- outputs */

/* The errors as a table, a row per context setting, a column per method. */
static void print_table(const options *o, const evaluation *e)
{
    printf("held-out inpainting MSE ([0, 1] scale, all pixels; %zu faces x %ld draw%s)\n",
           e->count, o->draws, o->draws > 1 ? "s" : "");
    printf("%-8s %12s %12s %12s %12s %16s\n", "context", "hypernet", "mean face", "SIREN fit",
           "one pass", "hypernet+tuning");
    for (int s = 0; s < SETTINGS; s++)
        printf("%-8s %12.5f %12.5f %12.5f %12.5f %16.5f\n", SETTING_NAMES[s],
               e->mse[HYPERNET][s], e->mse[MEAN_FACE][s], e->mse[SIREN_FIT][s],
               e->mse[ONE_PASS][s], e->mse[TUNED][s]);
}

/* The last line, "result: mse_10=... steps=N ...", which scripts read. */
static void print_result_line(const options *o, const evaluation *e, const run_stats *stats)
{
    printf("result:");
    for (int k = 0; k < METHODS; k++)
        for (int s = 0; s < SETTINGS; s++)
            printf(" %s_%s=%.5f", METHOD_KEYS[k], SETTING_NAMES[s], e->mse[k][s]);
    printf(" beats_baselines=%d onepass_beats_baselines=%d tuned_beats_baselines=%d "
           "refine_steps=%ld", evaluation_beats_baselines(e, HYPERNET),
           evaluation_beats_baselines(e, ONE_PASS), evaluation_beats_baselines(e, TUNED),
           o->refine_steps);
    if (o->oracle_steps > 0)
        printf(" oracle=%.5f", e->oracle);
    printf(" train_image_mse=%.5f steps=%llu seconds=%.1f eval_seconds=%.1f\n",
           stats->last.image, (unsigned long long)stats->steps, stats->seconds, e->seconds);
}

/* ---------------------------------------------------------------- main */

static int create_model(const options *o, hn_model *m)
{
    hn_config cfg = model_config_of(o);
    int status = hn_model_create(&cfg, m);
    if (status != SIREN_OK)
        return fit_library_error("cannot create the model", status);
    hn_model_init(m, o->seed);
    return 0;
}

static int load_model(const options *o, hn_model *m)
{
    char err[512];
    if (hn_model_load(m, o->load, err, sizeof err))
        return fit_error("%s", err);
    return 0;
}

/* The faces read, the output files checked (before training, not after:
   writable, and neither an input nor each other, issue 19: `--save
   FACES.pgm` replaced the faces) and the model made or loaded. 0, or 1
   after a message. */
static int prepare(const options *o, const char *grid, faces *d, hn_model *m)
{
    int status = faces_load(o->faces, o->train, d);
    const char *outputs[] = {grid, o->save}, *inputs[] = {o->faces, o->load};
    if (status == 0)
        status = fit_check_outputs(outputs, 2, inputs, 2, NULL);
    if (status == 0)
        status = create_model(o, m);
    if (status == 0 && o->load)
        status = load_model(o, m);
    return status;
}

/* Trains the model unless it was loaded, and saves it when asked. */
static int train_and_save(const options *o, const faces *d, hn_model *m, run_stats *stats)
{
    fit_say("%zu faces of %zux%zu (%ld train, %zu held out); SIREN 2-%ld"
            "x%ld-1 with %zu parameters made by a model of %zu parameters", d->count, d->side, d->side, o->train, d->count - (size_t)o->train, o->width,
            o->depth + 1, m->siren_params, m->count);
    train_config cfg = train_config_of(o);
    int status = o->load ? 0 : train_model(&cfg, d, m, stats);
    char err[512];
    if (status == 0 && o->save && hn_model_save(m, o->save, err, sizeof err))
        status = fit_error("%s", err);
    return status;
}

static int run(const options *o)
{
    faces d = {0};
    hn_model m = {0};
    run_stats stats = {0};
    evaluation e = {0};
    eval_config eval = eval_config_of(o);
    char *prefix = files_join(o->out, "_grid");
    char *grid = prefix ? files_join(prefix, image_extension(o->format, 1)) : NULL;
    free(prefix);
    int status = grid ? 0 : fit_error("out of memory");
    if (status == 0)
        status = prepare(o, grid, &d, &m);
    if (status == 0)
        status = train_and_save(o, &d, &m, &stats);
    if (status == 0)
        status = evaluate(&eval, &m, &d, &e);
    if (status == 0)
        status = grid_write(grid, &d, &e, o->grid_faces, o->zoom);
    if (status == 0) {
        if (o->grid_faces > 0)
            printf("wrote %s\n", grid);
        print_table(o, &e);
        print_result_line(o, &e, &stats);
    }
    evaluation_free(&e);
    hn_model_free(&m);
    faces_free(&d);
    free(grid);
    return status ? 1 : 0;
}

static int hypernet_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    arg_option table[] = {
        ARG_LONG("steps", &o.steps, 0, 100000000, "N", "training steps"),
        ARG_LONG("batch", &o.batch, 1, 100000, "N", "faces per step"),
        ARG_DOUBLE_POSITIVE("lr", &o.lr, "X", "Adam learning rate"),
        ARG_DOUBLE("clip", &o.clip, 0, 1e30, "X", "gradient norm clip; 0: off"),
        ARG_LONG("train", &o.train, 1, 100000, "N", "training faces (the first N)"),
        ARG_LONG("context-min", &o.context_min, 1, 1000000, "K",
                 "fewest known pixels of a training face"),
        ARG_LONG("context-max", &o.context_max, 1, 1000000, "K",
                 "most known pixels of a training face"),
        ARG_FLAG("no-flip", &o.no_flip, "do not mirror training faces at random"),
        ARG_DOUBLE("jitter", &o.jitter, 0, 1, "X",
                   "random contrast 1 +- X and brightness +- X of training faces"),
        ARG_LONG("width", &o.width, 1, 4096, "N", "hidden features of the generated SIREN"),
        ARG_LONG("depth", &o.depth, 0, 20, "N", "hidden layers of the SIREN after the first"),
        ARG_LONG("latent", &o.latent, 1, 4096, "N", "features of the latent code z"),
        ARG_LONG("encoder-width", &o.encoder_width, 1, 4096, "N",
                 "hidden features of the set encoder"),
        ARG_LONG("encoder-layers", &o.encoder_layers, 1, HN_MAX_ENCODER_LAYERS, "N",
                 "linear layers of the set encoder"),
        ARG_STRING("encoder", &o.encoder, "relu|sine", "activation of the set encoder"),
        ARG_LONG("hyper-width", &o.hyper_width, 1, 4096, "N",
                 "hidden features of each tensor's hypernetwork"),
        ARG_DOUBLE_POSITIVE("output-scale", &o.output_scale, "X",
                            "scale of the hypernetwork's initial output weights"),
        ARG_DOUBLE("latent-weight", &o.latent_weight, 0, 1e30, "X",
                   "weight of mean(z^2) in the loss"),
        ARG_DOUBLE("param-weight", &o.param_weight, 0, 1e30, "X",
                   "weight of mean(theta^2) in the loss"),
        ARG_LONG("refine-steps", &o.refine_steps, 0, 1000000, "N",
                 "Adam steps refining a held-out code on the known pixels; 0: one pass"),
        ARG_DOUBLE_POSITIVE("refine-lr", &o.refine_lr, "X", "learning rate of that refinement"),
        ARG_LONG("oracle-steps", &o.oracle_steps, 0, 1000000, "N",
                 "diagnostic: steps fitting each code to all pixels (oracle=); 0: off"),
        ARG_STRING("save", &o.save, "FILE", "write the trained model to FILE"),
        ARG_STRING("load", &o.load, "FILE",
                   "read a model saved with the same architecture options; no training"),
        ARG_LONG("baseline-steps", &o.baseline_steps, 0, 1000000, "N",
                 "Adam steps of the SIREN fitted to the context alone"),
        ARG_DOUBLE_POSITIVE("baseline-lr", &o.baseline_lr, "X",
                            "learning rate of that SIREN"),
        ARG_LONG("draws", &o.draws, 1, 1000, "N", "random contexts per held-out face"),
        ARG_LONG("grid-faces", &o.grid_faces, 0, 1000, "N", "held-out faces in the grid"),
        ARG_LONG("zoom", &o.zoom, 1, 16, "N", "pixel size of the grid image"),
        ARG_LONG("chunk", &o.chunk, 1, 100000, "N", "faces per SIREN call (memory)"),
        ARG_LONG("threads", &o.threads, 0, 256, "N",
                 "threads of the SIREN passes; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_U64("seed", &o.seed, "S", "seed of the initialisation and the training batches"),
        ARG_STRING("out", &o.out, "PREFIX", "output prefix (makes directories)"),
        FIT_FORMAT_OPTION(&o),
    };
    arg_spec spec = {"hypernet", "[options] FACES", DESCRIPTION, table, ARG_COUNT(table),
                     &o.faces, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    if (parsed != ARGS_OK)
        return args_exit_status(parsed);
    return check_options(&o) ? 1 : run(&o);
}

int main(int argc, char **argv)
{
    return fit_dist_single_main(argc, argv, hypernet_main); /* one process only */
}
