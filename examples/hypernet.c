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

   with Adam and the reference's gradient clip at norm 1
   (examples/hypernet_model.h has the maths).

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
   each method makes. docs/HYPERNET.md has the setting and the numbers. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "image.h"
#include "pnm.h"
#include "progress.h"
#include "siren.h"

#define HYPERNET_MODEL_IMPLEMENTATION
#include "hypernet_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "hypernet"
/* Evaluation contexts come from this seed, not --seed, so that every run
   and every method sees the same known pixels. */
#define EVAL_SEED 20200617u

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
} options;

static const char DESCRIPTION[] =
    "Trains a set encoder and a hypernetwork that turn a few known pixels of a face\n"
    "into a SIREN of the whole face (SIREN paper, section 4.4), on the faces of\n"
    "FACES.pgm (one face below the other, square; make them with\n"
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
    "held-out faces and --draws random contexts each. Writes PREFIX_grid.pgm: per\n"
    "held-out face the truth, the mean face, then for each context the known pixels\n"
    "(white elsewhere), the hypernetwork's face, the one-pass face and the fitted\n"
    "SIREN's. The last line is\n"
    "  result: mse_10=... mse_100=... mse_300=... mse_half=... meanface_10=...\n"
    "          siren_10=... onepass_10=... tuned_10=... beats_baselines=0|1 ...\n"
    "          refine_steps=N ... steps=N ...\n"
    "(one line). See docs/HYPERNET.md.";

enum { OPTION_COUNT = 33 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[1];
    arg_spec spec;
} command_line;

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_LONG("steps", &o->steps, 0, 100000000, "N", "training steps"),
        ARG_LONG("batch", &o->batch, 1, 100000, "N", "faces per step"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_DOUBLE("clip", &o->clip, 0, 1e30, "X", "gradient norm clip; 0: off"),
        ARG_LONG("train", &o->train, 1, 100000, "N", "training faces (the first N)"),
        ARG_LONG("context-min", &o->context_min, 1, 1000000, "K",
                 "fewest known pixels of a training face"),
        ARG_LONG("context-max", &o->context_max, 1, 1000000, "K",
                 "most known pixels of a training face"),
        ARG_FLAG("no-flip", &o->no_flip, "do not mirror training faces at random"),
        ARG_DOUBLE("jitter", &o->jitter, 0, 1, "X",
                   "random contrast 1 +- X and brightness +- X of training faces"),
        ARG_LONG("width", &o->width, 1, 4096, "N", "hidden features of the generated SIREN"),
        ARG_LONG("depth", &o->depth, 0, 20, "N", "hidden layers of the SIREN after the first"),
        ARG_LONG("latent", &o->latent, 1, 4096, "N", "features of the latent code z"),
        ARG_LONG("encoder-width", &o->encoder_width, 1, 4096, "N",
                 "hidden features of the set encoder"),
        ARG_LONG("encoder-layers", &o->encoder_layers, 1, HN_MAX_ENCODER_LAYERS, "N",
                 "linear layers of the set encoder"),
        ARG_STRING("encoder", &o->encoder, "relu|sine", "activation of the set encoder"),
        ARG_LONG("hyper-width", &o->hyper_width, 1, 4096, "N",
                 "hidden features of each tensor's hypernetwork"),
        ARG_DOUBLE_POSITIVE("output-scale", &o->output_scale, "X",
                            "scale of the hypernetwork's initial output weights"),
        ARG_DOUBLE("latent-weight", &o->latent_weight, 0, 1e30, "X",
                   "weight of mean(z^2) in the loss"),
        ARG_DOUBLE("param-weight", &o->param_weight, 0, 1e30, "X",
                   "weight of mean(theta^2) in the loss"),
        ARG_LONG("refine-steps", &o->refine_steps, 0, 1000000, "N",
                 "Adam steps refining a held-out code on the known pixels; 0: one pass"),
        ARG_DOUBLE_POSITIVE("refine-lr", &o->refine_lr, "X", "learning rate of that refinement"),
        ARG_LONG("oracle-steps", &o->oracle_steps, 0, 1000000, "N",
                 "diagnostic: steps fitting each code to all pixels (oracle=); 0: off"),
        ARG_STRING("save", &o->save, "FILE", "write the trained model to FILE"),
        ARG_STRING("load", &o->load, "FILE",
                   "read a model saved with the same architecture options; no training"),
        ARG_LONG("baseline-steps", &o->baseline_steps, 0, 1000000, "N",
                 "Adam steps of the SIREN fitted to the context alone"),
        ARG_DOUBLE_POSITIVE("baseline-lr", &o->baseline_lr, "X",
                            "learning rate of that SIREN"),
        ARG_LONG("draws", &o->draws, 1, 1000, "N", "random contexts per held-out face"),
        ARG_LONG("grid-faces", &o->grid_faces, 0, 1000, "N", "held-out faces in the grid"),
        ARG_LONG("zoom", &o->zoom, 1, 16, "N", "pixel size of the grid image"),
        ARG_LONG("chunk", &o->chunk, 1, 100000, "N", "faces per SIREN call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads of the SIREN passes; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation and the training batches"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] FACES.pgm", DESCRIPTION, cl->table, OPTION_COUNT,
                          cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->faces = cl->positional[0];
    if (strcmp(o->encoder, "relu") != 0 && strcmp(o->encoder, "sine") != 0)
        return args_error(PROGRAM, "--encoder: expected relu or sine, got '%s'", o->encoder);
    if (o->context_min > o->context_max)
        return args_error(PROGRAM, "--context-min %ld is above --context-max %ld",
                          o->context_min, o->context_max);
    return -1;
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
}

/* ---------------------------------------------------------------- data */

/* Square grey faces, values in [-1, 1] (the reference's normalisation). */
typedef struct faces {
    size_t side, pixels, count;
    float *values;   /* [count][pixels], row-major */
    float *grid;     /* [pixels][2]: (row, column) coordinates in [-1, 1] */
} faces;

static void faces_free(faces *d)
{
    free(d->values);
    free(d->grid);
    d->values = d->grid = NULL;
}

static int load_faces(const options *o, faces *d)
{
    char err[256];
    pnm_image img;
    if (pnm_read(o->faces, &img, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->faces, err);
    size_t side = img.width;
    if (img.channels != 1 || img.height % side != 0 || img.height / side < 2) {
        pnm_free(&img);
        return args_error(PROGRAM, "%s: expected grey square faces stacked vertically "
                          "(width W, height a multiple of W, at least 2 faces), got %zux%zu "
                          "with %zu channel(s)", o->faces, img.width, img.height,
                          img.channels);
    }
    *d = (faces){side, side * side, img.height / side, img.data, image_grid(side, side)};
    if (!d->grid) {
        faces_free(d);
        return args_error(PROGRAM, "out of memory");
    }
    for (size_t i = 0; i < d->count * d->pixels; i++)
        d->values[i] = 2.0f * d->values[i] - 1.0f;
    if ((size_t)o->train >= d->count) {
        size_t count = d->count;
        faces_free(d);
        return args_error(PROGRAM, "--train %ld leaves no held-out face (%s has %zu)",
                          o->train, o->faces, count);
    }
    return 0;
}

/* The known pixels of one face: (row, column, value) rows. `order` is a
   scratch permutation of the pixel indices. k == pixels / 2 rounded to
   whole rows with `half` set: the top half of the face. */
static void pick_context(const faces *d, const float *face, size_t k, bool half,
                         uint64_t *rng, size_t *order, float *rows)
{
    for (size_t i = 0; i < d->pixels; i++)
        order[i] = i;
    for (size_t i = 0; i < k; i++) {
        if (!half) { /* partial Fisher-Yates: k distinct pixels */
            size_t j = i + (size_t)(hn_random_next(rng) % (d->pixels - i));
            size_t pick = order[j];
            order[j] = order[i];
            order[i] = pick;
        }
        size_t p = order[i];
        rows[3 * i] = d->grid[2 * p];
        rows[3 * i + 1] = d->grid[2 * p + 1];
        rows[3 * i + 2] = face[p];
    }
}

/* A face, mirrored left to right when asked (a face's mirror image is
   a face: the augmentation doubles the 80 training faces). */
static void copy_face(const faces *d, size_t index, bool mirror, float *out)
{
    const float *face = d->values + index * d->pixels;
    for (size_t r = 0; r < d->side; r++)
        for (size_t c = 0; c < d->side; c++)
            out[r * d->side + c] = face[r * d->side + (mirror ? d->side - 1 - c : c)];
}

/* Contrast and brightness changed at random, v -> a v + b with
   a in [1 - x, 1 + x], b in [-x, x], clipped to [-1, 1]: faces under other
   lighting, so that the model reads the context instead of recognising
   one of its few training faces. */
static void jitter_face(const faces *d, float x, uint64_t *rng, float *face)
{
    float a = 1.0f + x * (float)(2.0 * hn_random_uniform(rng) - 1.0);
    float b = x * (float)(2.0 * hn_random_uniform(rng) - 1.0);
    for (size_t p = 0; p < d->pixels; p++)
        face[p] = fminf(1.0f, fmaxf(-1.0f, a * face[p] + b));
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const faces *data;
    size_t batch, train;
    uint64_t rng;
    size_t *deck, deck_left;  /* the training faces in shuffled order, epoch by epoch */
    size_t *order;            /* [pixels] */
    size_t *start;            /* [batch + 1] */
    float *context;           /* [batch * context_max][3] */
    float *targets;           /* [batch][pixels] */
    hn_work work;
} trainer;

static void trainer_free(trainer *t)
{
    free(t->deck);
    free(t->order);
    free(t->start);
    free(t->context);
    free(t->targets);
    hn_work_free(&t->work);
}

static int library_error(const char *what, int status)
{
    return args_error(PROGRAM, "%s: %s", what, siren_status_string(status));
}

static int trainer_init(trainer *t, const options *o, const faces *d, const hn_model *m)
{
    memset(t, 0, sizeof *t);
    t->data = d;
    t->train = (size_t)o->train;
    t->batch = (size_t)o->batch < t->train ? (size_t)o->batch : t->train;
    t->rng = o->seed * 0x9e3779b97f4a7c15u + 1;
    size_t kmax = (size_t)o->context_max < d->pixels ? (size_t)o->context_max : d->pixels;
    t->deck = malloc(t->train * sizeof *t->deck);
    t->order = malloc(d->pixels * sizeof *t->order);
    t->start = malloc((t->batch + 1) * sizeof *t->start);
    t->context = malloc(t->batch * kmax * 3 * sizeof *t->context);
    t->targets = malloc(t->batch * d->pixels * sizeof *t->targets);
    if (!t->deck || !t->order || !t->start || !t->context || !t->targets)
        return args_error(PROGRAM, "out of memory for the training batch");
    int status = hn_work_create(m, t->batch, t->batch * kmax, d->pixels, (size_t)o->chunk,
                                (size_t)o->threads, &t->work);
    return status == SIREN_OK ? 0 : library_error("training buffers", status);
}

static size_t next_face(trainer *t)
{
    if (t->deck_left == 0) { /* a new epoch: shuffle */
        for (size_t i = 0; i < t->train; i++)
            t->deck[i] = i;
        for (size_t i = t->train; i > 1; i--) {
            size_t j = (size_t)(hn_random_next(&t->rng) % i), swap = t->deck[i - 1];
            t->deck[i - 1] = t->deck[j];
            t->deck[j] = swap;
        }
        t->deck_left = t->train;
    }
    return t->deck[--t->deck_left];
}

/* The batch of one step: faces (mirrored at random), each with a context
   size drawn uniformly from [context_min, context_max]. */
static hn_batch make_batch(trainer *t, const options *o)
{
    const faces *d = t->data;
    size_t kmin = (size_t)o->context_min < d->pixels ? (size_t)o->context_min : d->pixels;
    size_t kmax = (size_t)o->context_max < d->pixels ? (size_t)o->context_max : d->pixels;
    t->start[0] = 0;
    for (size_t f = 0; f < t->batch; f++) {
        bool mirror = !o->no_flip && (hn_random_next(&t->rng) & 1);
        float *face = t->targets + f * d->pixels;
        copy_face(d, next_face(t), mirror, face);
        if (o->jitter > 0)
            jitter_face(d, (float)o->jitter, &t->rng, face);
        size_t k = kmin + (size_t)(hn_random_next(&t->rng) % (kmax - kmin + 1));
        pick_context(d, face, k, false, &t->rng, t->order, t->context + 3 * t->start[f]);
        t->start[f + 1] = t->start[f] + k;
    }
    return (hn_batch){t->batch, t->start, t->context, d->pixels, d->grid, t->targets};
}

static double psnr_from_mse(double mse)
{
    return 10.0 * log10(4.0 / mse); /* values span [-1, 1] */
}

typedef struct run_stats {
    uint64_t steps;
    double seconds;
    hn_loss last;
} run_stats;

static int train(const options *o, const faces *d, hn_model *m, run_stats *stats)
{
    trainer t;
    hn_adam opt = {0};
    int status = trainer_init(&t, o, d, m);
    if (status == 0 && hn_adam_create(m->count, (float)o->lr, (float)o->clip, &opt) != SIREN_OK)
        status = args_error(PROGRAM, "out of memory for Adam");
    progress bar;
    progress_start(&bar, 0, (uint64_t)o->steps, "PSNR", "dB");
    uint64_t step = 0;
    while (status == 0 && step < (uint64_t)o->steps) {
        hn_batch batch = make_batch(&t, o);
        int rc = hn_loss_and_grad(m, &t.work, &batch, &stats->last);
        if (rc != SIREN_OK) {
            status = library_error("training step", rc);
            break;
        }
        double norm = hn_adam_step(&opt, m->params, m->grads);
        if (!isfinite(norm)) {
            status = args_error(PROGRAM, "step %llu: the gradient is not finite (lower --lr)",
                                (unsigned long long)step + 1);
            break;
        }
        step++;
        progress_update(&bar, step, stats->last.total, psnr_from_mse(stats->last.image));
    }
    progress_finish(&bar);
    stats->steps = step;
    stats->seconds = progress_clock() - bar.start;
    hn_adam_free(&opt);
    trainer_free(&t);
    return status;
}

/* ---------------------------------------------------------- evaluation */

enum { SETTINGS = 4 };
static const size_t SETTING_PIXELS[SETTINGS] = {10, 100, 300, 0}; /* 0: the top half */
static const char *const SETTING_NAMES[SETTINGS] = {"10", "100", "300", "half"};

/* HYPERNET is the example's method: the encoder's code, refined on the
   known pixels through the frozen hypernetwork (--refine-steps; without
   it, the same as ONE_PASS), and the SIREN the hypernetwork makes from
   it. ONE_PASS is the paper's single forward pass. TUNED is not the
   paper's method: the one-pass SIREN's weights fitted to the known pixels
   like the SIREN_FIT baseline, reported to show what the learnt prior is
   worth as an initialisation. */
enum { HYPERNET, MEAN_FACE, SIREN_FIT, ONE_PASS, TUNED, METHODS };
static const char *const METHOD_KEYS[METHODS] = {"mse", "meanface", "siren", "onepass",
                                                 "tuned"};

/* The known pixels of every held-out face for one setting and draw. */
typedef struct context_set {
    size_t faces, k;          /* every face has k known pixels */
    size_t *start;            /* [faces + 1] */
    float *rows;              /* [faces * k][3] */
} context_set;

static void context_set_free(context_set *c)
{
    free(c->start);
    free(c->rows);
}

static size_t setting_size(const faces *d, int s)
{
    size_t k = SETTING_PIXELS[s] ? SETTING_PIXELS[s] : (d->side / 2) * d->side;
    return k < d->pixels ? k : d->pixels;
}

static size_t largest_setting(const faces *d)
{
    size_t k = 0;
    for (int s = 0; s < SETTINGS; s++)
        k = setting_size(d, s) > k ? setting_size(d, s) : k;
    return k;
}

static int make_context_set(const faces *d, size_t first, size_t count, int s, size_t draw,
                            context_set *c)
{
    size_t k = setting_size(d, s);
    *c = (context_set){count, k, malloc((count + 1) * sizeof(size_t)),
                       malloc(count * k * 3 * sizeof(float))};
    size_t *order = malloc(d->pixels * sizeof *order);
    if (!c->start || !c->rows || !order) {
        free(order);
        context_set_free(c);
        return args_error(PROGRAM, "out of memory for the evaluation contexts");
    }
    for (size_t f = 0; f <= count; f++)
        c->start[f] = f * k;
    for (size_t f = 0; f < count; f++) {
        uint64_t rng = EVAL_SEED ^ ((first + f) * 0x100000001b3u) ^ ((uint64_t)s << 40) ^
                       ((uint64_t)draw << 48);
        pick_context(d, d->values + (first + f) * d->pixels, k, SETTING_PIXELS[s] == 0, &rng,
                     order, c->rows + f * k * 3);
    }
    free(order);
    return 0;
}

/* Mean squared error on the [0, 1] scale of a prediction clipped to
   [0, 1], both given on the [-1, 1] scale, over n pixels. */
static double image_mse(size_t n, const float *predicted, const float *truth)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double p = fmin(1.0, fmax(0.0, 0.5 * ((double)predicted[i] + 1.0)));
        double t = 0.5 * ((double)truth[i] + 1.0);
        sum += (p - t) * (p - t);
    }
    return sum / (double)n;
}

/* A SIREN of the generated architecture per held-out face, fitted to its
   known pixels alone: every face at once through the instances API, each
   instance with its own sine initialisation (or, with `start`, the
   parameters the hypernetwork generated), and Adam on each face's own
   mean squared error (Adam is per parameter, so this is exactly fitting
   each face on its own). out[f] is the fitted face on every pixel. */
static int fit_siren_baseline(const options *o, const hn_model *m, const faces *d,
                              const context_set *c, const float *start, float *out)
{
    size_t F = c->faces, k = c->k, P = m->siren_params, pixels = d->pixels;
    size_t max_points = F * (k > pixels ? k : pixels);
    float *params = malloc(F * P * sizeof *params), *grads = malloc(F * P * sizeof *grads);
    float *x = malloc(max_points * 2 * sizeof *x), *values = malloc(F * k * sizeof *values);
    float *adjoint = malloc(F * k * sizeof *adjoint);
    siren_workspace *ws = NULL;
    hn_adam opt = {0};
    int status = params && grads && x && values && adjoint ? SIREN_OK : SIREN_ERR_OUT_OF_MEMORY;
    if (status == SIREN_OK)
        status = siren_workspace_create(m->siren, max_points, SIREN_VALUE, &ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
    if (status == SIREN_OK)
        status = hn_adam_create(F * P, (float)o->baseline_lr, 0.0f, &opt);
    siren_net *init = NULL;
    if (status == SIREN_OK)
        status = siren_net_create(&m->cfg.siren, &init);
    for (size_t f = 0; status == SIREN_OK && f < F; f++) {
        status = siren_net_init(init, o->seed + 1000 + f);
        memcpy(params + f * P, start ? start + f * P : siren_net_params(init),
               P * sizeof *params);
    }
    siren_net_free(init);
    for (size_t i = 0; i < F * k; i++) {
        x[2 * i] = c->rows[3 * i];
        x[2 * i + 1] = c->rows[3 * i + 1];
    }
    for (long step = 0; status == SIREN_OK && step < o->baseline_steps; step++) {
        siren_jet jet = {.value = values}, adj = {.value = adjoint};
        status = siren_forward_instances(m->siren, ws, F, params, k, x, &jet);
        for (size_t i = 0; i < F * k; i++)
            adjoint[i] = 2.0f * (values[i] - c->rows[3 * i + 2]) / (float)k;
        memset(grads, 0, F * P * sizeof *grads);
        if (status == SIREN_OK)
            status = siren_backward_instances(m->siren, ws, &adj, grads);
        if (status == SIREN_OK)
            hn_adam_step(&opt, params, grads);
    }
    for (size_t f = 0; f < F; f++)
        memcpy(x + f * pixels * 2, d->grid, pixels * 2 * sizeof *x);
    siren_jet jet = {.value = out};
    if (status == SIREN_OK)
        status = siren_eval_instances(m->siren, ws, F, params, pixels, x, &jet);
    hn_adam_free(&opt);
    siren_workspace_free(ws);
    free(params);
    free(grads);
    free(x);
    free(values);
    free(adjoint);
    return status == SIREN_OK ? 0 : library_error("fitting the SIREN baseline", status);
}

/* Test-time code refinement: each face's code z[F][latent] (in and out)
   optimised by Adam through the frozen hypernetwork on the face's own k
   points (hn_code_loss_and_grad). The output is still a SIREN the
   hypernetwork generates from a code. */
static int refine_codes(const options *o, const hn_model *m, hn_work *w, size_t F, size_t k,
                        const float *points, const float *targets, long steps, float *z)
{
    size_t n = F * m->cfg.latent;
    float *dz = malloc(n * sizeof *dz);
    hn_adam opt = {0};
    int status = dz ? hn_adam_create(n, (float)o->refine_lr, 0.0f, &opt) : SIREN_ERR_OUT_OF_MEMORY;
    for (long step = 0; status == SIREN_OK && step < steps; step++) {
        double loss = 0.0;
        status = hn_code_loss_and_grad(m, w, F, z, k, points, targets, &loss, dz);
        if (status == SIREN_OK)
            hn_adam_step(&opt, z, dz);
    }
    hn_adam_free(&opt);
    free(dz);
    return status == SIREN_OK ? 0 : library_error("refining the codes", status);
}

/* The encoder's codes of a context set, refined on its known pixels, and
   the faces the hypernetwork makes from them: out[F][pixels]. */
static int predict_refined(const options *o, const hn_model *m, const faces *d, hn_work *w,
                           const context_set *c, float *out)
{
    size_t F = c->faces, k = c->k;
    float *z = malloc(F * m->cfg.latent * sizeof *z);
    float *points = malloc(F * k * 2 * sizeof *points), *targets = malloc(F * k * sizeof *targets);
    if (!z || !points || !targets) {
        free(z);
        free(points);
        free(targets);
        return args_error(PROGRAM, "out of memory for the code refinement");
    }
    for (size_t i = 0; i < F * k; i++) {
        points[2 * i] = c->rows[3 * i];
        points[2 * i + 1] = c->rows[3 * i + 1];
        targets[i] = c->rows[3 * i + 2];
    }
    hn_batch batch = {F, c->start, c->rows, d->pixels, d->grid, NULL};
    int rc = hn_encode_batch(m, w, &batch, z), status = 0;
    if (rc != SIREN_OK)
        status = library_error("encoding the contexts", rc);
    if (status == 0)
        status = refine_codes(o, m, w, F, k, points, targets, o->refine_steps, z);
    if (status == 0 && (rc = hn_predict_from_codes(m, w, F, z, d->pixels, d->grid, out)))
        status = library_error("prediction from the refined codes", rc);
    free(z);
    free(points);
    free(targets);
    return status;
}

/* The decoder's floor (diagnostic): each held-out face's code fitted to
   all of its pixels, starting from the encoder's code of `c`; the error
   of the faces made from those codes, averaged over the faces. */
static int oracle_error(const options *o, const hn_model *m, const faces *d, hn_work *w,
                        const context_set *c, double *mse)
{
    size_t F = c->faces, n = d->pixels;
    float *z = malloc(F * m->cfg.latent * sizeof *z), *points = malloc(F * n * 2 * sizeof(float));
    float *out = malloc(F * n * sizeof *out);
    const float *truth = d->values + (size_t)o->train * n;
    int status = z && points && out ? 0 : args_error(PROGRAM, "out of memory for the oracle");
    for (size_t f = 0; status == 0 && f < F; f++)
        memcpy(points + f * n * 2, d->grid, n * 2 * sizeof *points);
    hn_batch batch = {F, c->start, c->rows, n, d->grid, NULL};
    if (status == 0 && hn_encode_batch(m, w, &batch, z) != SIREN_OK)
        status = args_error(PROGRAM, "encoding the contexts failed");
    if (status == 0)
        status = refine_codes(o, m, w, F, n, points, truth, o->oracle_steps, z);
    if (status == 0 && hn_predict_from_codes(m, w, F, z, n, d->grid, out) != SIREN_OK)
        status = args_error(PROGRAM, "prediction from the oracle codes failed");
    *mse = 0.0;
    for (size_t f = 0; status == 0 && f < F; f++)
        *mse += image_mse(n, out + f * n, truth + f * n) / (double)F;
    free(z);
    free(points);
    free(out);
    return status;
}

/* What the evaluation keeps for the grid: the first draw of every
   setting, per method, for the held-out faces. */
typedef struct evaluation {
    size_t first, count;                     /* held-out faces */
    double mse[METHODS][SETTINGS];
    double oracle;                           /* --oracle-steps > 0 */
    float *mean_face;                        /* [pixels], [-1, 1] */
    float *shown[SETTINGS][METHODS];         /* [count][pixels], draw 0 */
    context_set shown_context[SETTINGS];     /* draw 0 */
    double seconds;
} evaluation;

static void evaluation_free(evaluation *e)
{
    free(e->mean_face);
    for (int s = 0; s < SETTINGS; s++) {
        for (int k = 0; k < METHODS; k++)
            free(e->shown[s][k]);
        context_set_free(&e->shown_context[s]);
    }
}

static int compute_mean_face(const faces *d, size_t train, evaluation *e)
{
    e->mean_face = calloc(d->pixels, sizeof *e->mean_face);
    if (!e->mean_face)
        return args_error(PROGRAM, "out of memory");
    for (size_t f = 0; f < train; f++)
        for (size_t p = 0; p < d->pixels; p++)
            e->mean_face[p] += d->values[f * d->pixels + p] / (float)train;
    return 0;
}

/* The oracle codes start from the encoder's codes of 300 known pixels. */
enum { ORACLE_SETTING = 2 };

/* Every method on one context set; adds each face's error into sums and,
   for draw 0, keeps the predictions. */
static int evaluate_set(const options *o, const hn_model *m, const faces *d, hn_work *w,
                        int s, size_t draw, evaluation *e, double sums[METHODS])
{
    context_set c;
    if (make_context_set(d, e->first, e->count, s, draw, &c))
        return 1;
    size_t n = e->count * d->pixels;
    float *pred[METHODS];
    for (int k = 0; k < METHODS; k++)
        pred[k] = malloc(n * sizeof(float));
    int status = 0;
    for (int k = 0; k < METHODS; k++)
        if (!pred[k])
            status = 1;
    if (status)
        status = args_error(PROGRAM, "out of memory");
    hn_batch batch = {c.faces, c.start, c.rows, d->pixels, d->grid, NULL};
    int rc = status ? SIREN_OK : hn_predict(m, w, &batch, pred[ONE_PASS]);
    if (rc != SIREN_OK)
        status = library_error("hypernetwork prediction", rc);
    for (size_t f = 0; status == 0 && f < e->count; f++)
        memcpy(pred[MEAN_FACE] + f * d->pixels, e->mean_face, d->pixels * sizeof(float));
    if (status == 0)
        status = fit_siren_baseline(o, m, d, &c, NULL, pred[SIREN_FIT]);
    if (status == 0) /* hn_predict left each face's generated SIREN in w->theta */
        status = fit_siren_baseline(o, m, d, &c, w->theta, pred[TUNED]);
    if (status == 0 && o->refine_steps > 0) /* after TUNED: this overwrites w->theta */
        status = predict_refined(o, m, d, w, &c, pred[HYPERNET]);
    else if (status == 0)
        memcpy(pred[HYPERNET], pred[ONE_PASS], n * sizeof(float));
    if (status == 0 && o->oracle_steps > 0 && s == ORACLE_SETTING && draw == 0)
        status = oracle_error(o, m, d, w, &c, &e->oracle);
    for (int k = 0; status == 0 && k < METHODS; k++)
        for (size_t f = 0; f < e->count; f++)
            sums[k] += image_mse(d->pixels, pred[k] + f * d->pixels,
                                 d->values + (e->first + f) * d->pixels);
    if (status == 0 && draw == 0) {
        for (int k = 0; k < METHODS; k++) {
            e->shown[s][k] = pred[k];
            pred[k] = NULL;
        }
        e->shown_context[s] = c;
    } else {
        context_set_free(&c);
    }
    for (int k = 0; k < METHODS; k++)
        free(pred[k]);
    return status;
}

static int evaluate(const options *o, const hn_model *m, const faces *d, evaluation *e)
{
    double start = progress_clock();
    memset(e, 0, sizeof *e);
    e->first = (size_t)o->train;
    e->count = d->count - e->first;
    int status = compute_mean_face(d, (size_t)o->train, e);
    hn_work w = {0};
    if (status == 0) {
        int rc = hn_work_create(m, e->count, e->count * largest_setting(d), d->pixels,
                                (size_t)o->chunk, (size_t)o->threads, &w);
        if (rc != SIREN_OK)
            status = library_error("evaluation buffers", rc);
    }
    for (int s = 0; status == 0 && s < SETTINGS; s++) {
        double sums[METHODS] = {0};
        for (size_t draw = 0; status == 0 && draw < (size_t)o->draws; draw++)
            status = evaluate_set(o, m, d, &w, s, draw, e, sums);
        for (int k = 0; k < METHODS; k++)
            e->mse[k][s] = sums[k] / ((double)e->count * (double)o->draws);
        if (status == 0)
            fprintf(stderr, "%s: evaluated %s known pixels\n", PROGRAM, SETTING_NAMES[s]);
    }
    hn_work_free(&w);
    e->seconds = progress_clock() - start;
    return status;
}

/* ------------------------------------------------------------- outputs */

/* One cell of the grid: a face (values in [-1, 1]) at column `col`. */
static void put_face(pnm_image *img, const faces *d, size_t row, size_t col, size_t zoom,
                     const float *face)
{
    size_t cell = (d->side + 2) * zoom;
    for (size_t y = 0; y < d->side * zoom; y++)
        for (size_t x = 0; x < d->side * zoom; x++) {
            size_t p = (y / zoom) * d->side + x / zoom;
            img->data[(row * cell + zoom + y) * img->width + col * cell + zoom + x] =
                0.5f * (face[p] + 1.0f);
        }
}

/* The known pixels of one face on white. */
static void context_image(const faces *d, const context_set *c, size_t f, float *out)
{
    for (size_t p = 0; p < d->pixels; p++)
        out[p] = 1.0f;
    for (size_t i = c->start[f]; i < c->start[f + 1]; i++) {
        const float *row = c->rows + 3 * i;
        /* invert the coordinate grid: linspace(-1, 1, side) */
        size_t r = (size_t)lround((row[0] + 1.0) * 0.5 * (double)(d->side - 1));
        size_t col = (size_t)lround((row[1] + 1.0) * 0.5 * (double)(d->side - 1));
        out[r * d->side + col] = row[2];
    }
}

static int write_grid(const options *o, const faces *d, const evaluation *e, const char *path)
{
    size_t rows = (size_t)o->grid_faces < e->count ? (size_t)o->grid_faces : e->count;
    if (rows == 0)
        return 0;
    size_t zoom = (size_t)o->zoom, cell = (d->side + 2) * zoom;
    size_t columns = 2 + SETTINGS * 4;
    pnm_image img;
    char err[512];
    float *scratch = malloc(d->pixels * sizeof *scratch);
    if (!scratch || pnm_alloc(&img, columns * cell, rows * cell, 1, err, sizeof err)) {
        free(scratch);
        return args_error(PROGRAM, "out of memory for the grid image");
    }
    for (size_t i = 0; i < img.width * img.height; i++)
        img.data[i] = 0.5f; /* grey between the cells */
    for (size_t f = 0; f < rows; f++) {
        put_face(&img, d, f, 0, zoom, d->values + (e->first + f) * d->pixels);
        put_face(&img, d, f, 1, zoom, e->mean_face);
        for (int s = 0; s < SETTINGS; s++) {
            size_t col = 2 + 4 * (size_t)s;
            context_image(d, &e->shown_context[s], f, scratch);
            put_face(&img, d, f, col, zoom, scratch);
            put_face(&img, d, f, col + 1, zoom, e->shown[s][HYPERNET] + f * d->pixels);
            put_face(&img, d, f, col + 2, zoom, e->shown[s][ONE_PASS] + f * d->pixels);
            put_face(&img, d, f, col + 3, zoom, e->shown[s][SIREN_FIT] + f * d->pixels);
        }
    }
    int status = pnm_write(path, &img, 8, err, sizeof err);
    pnm_free(&img);
    free(scratch);
    return status ? args_error(PROGRAM, "%s: %s", path, err) : 0;
}

/* 1 when `method` has a lower error than both baselines at every context. */
static int beats_baselines(const evaluation *e, int method)
{
    int beats = 1;
    for (int s = 0; s < SETTINGS; s++)
        beats &= e->mse[method][s] < e->mse[MEAN_FACE][s] &&
                 e->mse[method][s] < e->mse[SIREN_FIT][s];
    return beats;
}

static void print_results(const options *o, const evaluation *e, const run_stats *stats)
{
    printf("held-out inpainting MSE ([0, 1] scale, all pixels; %zu faces x %ld draw%s)\n",
           e->count, o->draws, o->draws > 1 ? "s" : "");
    printf("%-8s %12s %12s %12s %12s %16s\n", "context", "hypernet", "mean face", "SIREN fit",
           "one pass", "hypernet+tuning");
    for (int s = 0; s < SETTINGS; s++)
        printf("%-8s %12.5f %12.5f %12.5f %12.5f %16.5f\n", SETTING_NAMES[s],
               e->mse[HYPERNET][s], e->mse[MEAN_FACE][s], e->mse[SIREN_FIT][s],
               e->mse[ONE_PASS][s], e->mse[TUNED][s]);
    printf("result:");
    for (int k = 0; k < METHODS; k++)
        for (int s = 0; s < SETTINGS; s++)
            printf(" %s_%s=%.5f", METHOD_KEYS[k], SETTING_NAMES[s], e->mse[k][s]);
    printf(" beats_baselines=%d onepass_beats_baselines=%d tuned_beats_baselines=%d "
           "refine_steps=%ld", beats_baselines(e, HYPERNET), beats_baselines(e, ONE_PASS),
           beats_baselines(e, TUNED), o->refine_steps);
    if (o->oracle_steps > 0)
        printf(" oracle=%.5f", e->oracle);
    printf(" train_image_mse=%.5f steps=%llu seconds=%.1f eval_seconds=%.1f\n",
           stats->last.image, (unsigned long long)stats->steps, stats->seconds, e->seconds);
}

/* ---------------------------------------------------------------- main */

static int create_model(const options *o, hn_model *m)
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
    int status = hn_model_create(&cfg, m);
    if (status != SIREN_OK)
        return library_error("cannot create the model", status);
    hn_model_init(m, o->seed);
    return 0;
}

static int load_model(const options *o, hn_model *m)
{
    char err[512];
    if (hn_model_load(m, o->load, err, sizeof err))
        return args_error(PROGRAM, "%s", err);
    return 0;
}

static int run(const options *o)
{
    faces d = {0};
    hn_model m = {0};
    run_stats stats = {0};
    evaluation e = {0};
    char *grid = files_join(o->out, "_grid.pgm");
    char err[512];
    int status = grid ? 0 : args_error(PROGRAM, "out of memory");
    if (status == 0)
        status = load_faces(o, &d);
    if (status == 0 && files_check_writable(grid, err, sizeof err))
        status = args_error(PROGRAM, "%s", err);
    if (status == 0 && o->save && files_check_writable(o->save, err, sizeof err))
        status = args_error(PROGRAM, "%s", err); /* before training, not after */
    if (status == 0)
        status = create_model(o, &m);
    if (status == 0 && o->load)
        status = load_model(o, &m);
    if (status == 0) {
        fprintf(stderr, "%s: %zu faces of %zux%zu (%ld train, %zu held out); SIREN 2-%ld"
                "x%ld-1 with %zu parameters made by a model of %zu parameters\n", PROGRAM,
                d.count, d.side, d.side, o->train, d.count - (size_t)o->train, o->width,
                o->depth + 1, m.siren_params, m.count);
        if (!o->load)
            status = train(o, &d, &m, &stats);
    }
    if (status == 0 && o->save && hn_model_save(&m, o->save, err, sizeof err))
        status = args_error(PROGRAM, "%s", err);
    if (status == 0)
        status = evaluate(o, &m, &d, &e);
    if (status == 0)
        status = write_grid(o, &d, &e, grid);
    if (status == 0) {
        if (o->grid_faces > 0)
            printf("wrote %s\n", grid);
        print_results(o, &e, &stats);
    }
    evaluation_free(&e);
    hn_model_free(&m);
    faces_free(&d);
    free(grid);
    return status ? 1 : 0;
}

int main(int argc, char **argv)
{
    command_line cl;
    default_options(&cl.o);
    int status = parse_command_line(&cl, argc, argv);
    if (status >= 0)
        return status;
    return run(&cl.o);
}
