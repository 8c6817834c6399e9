/* options.h - the options every training program has, written once: their
   values in one struct, fit_options, and their rows for an option table
   (args.h). A program lists the rows among its own, in the order its
   --help shows them:

       typedef struct options {
           const char *image;
           long size;
           fit_options fit;
       } options;

       arg_option table[] = {
           ARG_LONG("size", &o.size, 0, 4096, "N", "longer side of the fitted image"),
           FIT_STEPS_OPTION(&o.fit),
           FIT_LR_OPTION(&o.fit),
           FIT_NETWORK_OPTIONS(&o.fit),
           FIT_SEED_OPTION(&o.fit, "seed of the initialisation"),
           FIT_CHUNK_OPTION(&o.fit, 1000000000, "points per forward/backward call (memory)"),
           FIT_THREADS_OPTION(&o.fit),
           FIT_OUT_OPTION(&o.fit),
           FIT_SAVE_OPTION(&o.fit),
           FIT_RESUME_OPTIONS(&o.fit),
           FIT_LOG_OPTION(&o.fit, "write step,loss,psnr_db,seconds of every step as CSV"),
       };

   fit_options_default gives the library's defaults (siren_config_default,
   siren_adam_config_default); fit_arch_of turns the values into the
   network fitting.h makes. */
#ifndef EXAMPLES_FIT_OPTIONS_H
#define EXAMPLES_FIT_OPTIONS_H

#include "args.h"
#include "fitting.h"
#include "io/image_file.h"

#include <stdint.h>

typedef struct fit_options {
    long steps;                  /* --steps: in all, a resumed run's included */
    double lr;                   /* --lr */
    fit_lr_decay decay;          /* --lr-end, --lr-decay-steps */
    double clip;                 /* --clip: gradient norm clipping, 0: off */
    long width, depth;           /* --width, --depth */
    double first_omega, hidden_omega;
    uint64_t seed;               /* --seed */
    long chunk, threads;         /* --chunk, --threads (0: the library's default) */
    const char *out;             /* --out PREFIX */
    const char *save;            /* --save: the model file, NULL for PREFIX.siren */
    const char *log;             /* --log: NULL for none */
    fit_resume_options ckpt;     /* --checkpoint, --checkpoint-every, --resume */
    const char *format_name;     /* --format: png or pnm */
    image_format format;         /* from format_name, by fit_options_check */
} fit_options;

/* The library's architecture and learning rate, seed 0, no clipping, no
   decay, no files but out, which the program gives (it holds the pointer);
   steps and chunk 0: the program sets its own; images in PNG when the
   build writes it, else PGM/PPM (image_format_default). */
void fit_options_default(fit_options *f, const char *out);

/* The checks of the shared options that args_parse cannot make: sets
   f->format from --format. 0, or 1 after a message. */
int fit_options_check(fit_options *f);

/* --format's default: png when the build writes PNG, else pnm. */
void fit_format_default(const char **name, image_format *format);

/* The format a --format value names into *format (image_format_from_name).
   0, or 1 after a message. */
int fit_format_check(const char *name, image_format *format);

/* The network of in -> out features the options describe. */
fit_arch fit_arch_of(const fit_options *f, long in_features, long out_features);

/* The model file's path, malloc'd (NULL when out of memory): --save, or
   PREFIX.siren. */
char *fit_model_path(const fit_options *f);

/* The path of an output image of `channels` channels, malloc'd (NULL when
   out of memory): PREFIX, suffix, and the extension of --format
   (image_extension), e.g. "out/fit_image" "_recon" ".png". */
char *fit_image_path(const fit_options *f, const char *suffix, size_t channels);

/* The rows. */
#define FIT_STEPS_OPTION(f) \
    ARG_LONG("steps", &(f)->steps, 0, 1000000000, "N", "training steps in all")
#define FIT_LR_OPTION(f) ARG_DOUBLE_POSITIVE("lr", &(f)->lr, "X", "Adam learning rate")
/* --lr-end and --lr-decay-steps (fit_lr_decay, fitting.h). */
#define FIT_LR_DECAY_OPTIONS(f)                                                   \
    ARG_DOUBLE("lr-end", &(f)->decay.lr_end, 0, 1, "X",                           \
               "decay the rate exponentially to X at the last step; 0: constant"), \
    ARG_LONG("lr-decay-steps", &(f)->decay.decay_steps, 0, 1000000000, "N",      \
             "reach --lr-end at step N instead (keeps a resumed run exact)")
#define FIT_CLIP_OPTION(f) \
    ARG_DOUBLE("clip", &(f)->clip, 0, 1e30, "X", "gradient norm clipping; 0: off")
/* --width, --depth, --first-omega, --hidden-omega. */
#define FIT_NETWORK_OPTIONS(f)                                                     \
    ARG_LONG("width", &(f)->width, 1, 65536, "N", "hidden features per layer"),    \
    ARG_LONG("depth", &(f)->depth, 0, 1000, "N",                                   \
             "hidden layers after the first (N+2 layers in all)"),                 \
    ARG_DOUBLE_POSITIVE("first-omega", &(f)->first_omega, "W",                     \
                        "omega of the first layer"),                               \
    ARG_DOUBLE_POSITIVE("hidden-omega", &(f)->hidden_omega, "W",                   \
                        "omega of the other sine layers")
/* help: what the seed also draws, e.g. "seed of the initialisation". */
#define FIT_SEED_OPTION(f, help) ARG_U64("seed", &(f)->seed, "S", help)
/* max: the most points per call; help: what they are, e.g. "points per
   forward/backward call (memory)". */
#define FIT_CHUNK_OPTION(f, max, help) ARG_LONG("chunk", &(f)->chunk, 1, max, "N", help)
#define FIT_THREADS_OPTION(f)                      \
    ARG_LONG("threads", &(f)->threads, 0, 256, "N", \
             "threads; 0: SIREN_NUM_THREADS or every CPU")
#define FIT_OUT_OPTION(f) \
    ARG_STRING("out", &(f)->out, "PREFIX", "output prefix (makes directories)")
#define FIT_SAVE_OPTION(f) ARG_STRING("save", &(f)->save, "FILE", "model file [PREFIX.siren]")
/* --checkpoint, --checkpoint-every, --resume, and --max-workspace-mib
   (fit_max_workspace_mib, fitting.h), the limit a resumed network's size
   makes matter. */
#define FIT_RESUME_OPTIONS(f)                                                       \
    ARG_STRING("checkpoint", &(f)->ckpt.checkpoint, "FILE",                         \
               "training checkpoint written at the end"),                           \
    ARG_LONG("checkpoint-every", &(f)->ckpt.checkpoint_every, 0, 1000000000, "N",   \
             "also checkpoint every N steps; 0: at the end only"),                  \
    ARG_STRING("resume", &(f)->ckpt.resume, "FILE", "continue from this checkpoint"), \
    ARG_LONG("max-workspace-mib", &fit_max_workspace_mib, 1, 16777216, "MIB",       \
             "refuse a training workspace larger than this")
/* help: the columns, e.g. "write step,loss,psnr_db,seconds of every step as CSV". */
#define FIT_LOG_OPTION(f, help) ARG_STRING("log", &(f)->log, "FILE", help)
/* --format, of the programs that write images. */
#define FIT_FORMAT_OPTION(f) \
    ARG_STRING("format", &(f)->format_name, "F", "output images: png or pnm (PGM/PPM)")

#endif
