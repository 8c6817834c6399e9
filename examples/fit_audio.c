/* fit_audio.c - fits a SIREN f(t) to a sound: the audio experiment of the
   SIREN paper (Sitzmann et al. 2020, section 4.1 and supplement; the
   reference's explore_siren.ipynb "Fitting an audio signal").

   The reference's setup is the default: time t = linspace(-1, 1, frames),
   amplitudes divided by their largest magnitude, 5 linear layers of 256
   with the first omega raised to 3000 (a second of audio holds thousands
   of oscillations, where an image holds tens), the others 30, Adam 1e-4,
   every sample in every step, mean squared error. (The reference's script
   train_audio.py gets the same first-layer frequencies from omega 30 on
   t in [-100, 100].) One step (DESIGN.md, "Training"):

       zero the gradients
       for each chunk of samples:
           y = siren_forward(chunk)              value only
           adjoint = 2 (y - a) / (N C)           N frames, C channels
           siren_backward(adjoint)
       siren_adam_step

   Stereo is fitted as two outputs of one network (--mono averages the
   channels first, as the reference's script does).

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one; as
   every step sees every sample, a resumed run is bit for bit the run it
   continues. --log writes a CSV line per step (appended to by a resumed
   run). No output may be the input WAV or another output: that is checked
   before training.

   A WAV written to a pipe (espeak-ng --stdout) has placeholders for its
   sizes; wav.c reads its frames up to the end of the file, and a note
   says so. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "files.h"
#include "fitting.h"
#include "image.h"
#include "siren.h"
#include "training.h"
#include "wav.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "fit_audio"

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *wav, *out, *save, *log;
    long steps, width, depth, chunk, threads;
    double lr, first_omega, hidden_omega;
    uint64_t seed;
    fit_resume_options ckpt;
    bool mono;
} options;

static const char DESCRIPTION[] =
    "Fits a SIREN f(t) -> amplitude to a WAV file (PCM 8, 16, 24 or 32 bit, or 32-bit\n"
    "float; mono or stereo; any rate) with the reference's setup: t runs over\n"
    "linspace(-1, 1, frames), amplitudes are divided by their largest magnitude,\n"
    "5 layers of 256, first omega 3000, Adam 1e-4, every sample in every step (the\n"
    "reference trains 1000 steps). Writes the reconstruction PREFIX.wav and the model\n"
    "PREFIX.siren. The WAV has the input's rate, loudness and sample format, and its\n"
    "channels (one with --mono); a WAVE_FORMAT_EXTENSIBLE input is written with the\n"
    "plain format tag, so 24 valid bits in 32 come back as plain 32-bit PCM.\n"
    "\n"
    "snr_db is 10 log10(sum a^2 / sum (f - a)^2) over every sample and channel.\n"
    "\n"
    "A WAV written to a pipe (espeak-ng --stdout, ffmpeg to stdout) has\n"
    "placeholders for its sizes: its frames are read up to the end of the file,\n"
    "with a note saying so.\n"
    "\n"
    "--resume continues a --checkpoint file up to --steps steps in all; the\n"
    "architecture and optimiser come from the checkpoint (give the same sound and\n"
    "--mono for an exact continuation). Ctrl-C stops after the current step and\n"
    "still writes every output.";

enum { OPTION_COUNT = 17 };

typedef struct command_line {
    options o;
    arg_option table[OPTION_COUNT];
    const char *positional[1];
    arg_spec spec;
} command_line;

static void default_options(options *o)
{
    siren_config cfg;
    siren_adam_config adam;
    siren_config_default(&cfg);
    siren_adam_config_default(&adam);
    *o = (options){.out = "out/fit_audio", .steps = 1000, .width = cfg.hidden_features,
                   .depth = cfg.hidden_layers, .chunk = 16384, .lr = adam.lr,
                   .first_omega = 3000.0, .hidden_omega = cfg.hidden_omega};
}

static int parse_command_line(command_line *cl, int argc, char **argv)
{
    options *o = &cl->o;
    arg_option table[] = {
        ARG_LONG("steps", &o->steps, 0, 1000000000, "N", "training steps in all"),
        ARG_DOUBLE_POSITIVE("lr", &o->lr, "X", "Adam learning rate"),
        ARG_LONG("width", &o->width, 1, 65536, "N", "hidden features per layer"),
        ARG_LONG("depth", &o->depth, 0, 1000, "N",
                 "hidden layers after the first (N+2 layers in all)"),
        ARG_DOUBLE_POSITIVE("first-omega", &o->first_omega, "W", "omega of the first layer"),
        ARG_DOUBLE_POSITIVE("hidden-omega", &o->hidden_omega, "W",
                            "omega of the other sine layers"),
        ARG_U64("seed", &o->seed, "S", "seed of the initialisation"),
        ARG_FLAG("mono", &o->mono, "average the channels into one (the reference's script)"),
        ARG_LONG("chunk", &o->chunk, 1, 1000000000, "N",
                 "samples per forward/backward call (memory)"),
        ARG_LONG("threads", &o->threads, 0, 256, "N",
                 "threads; 0: SIREN_NUM_THREADS or every CPU"),
        ARG_STRING("out", &o->out, "PREFIX", "output prefix (makes directories)"),
        ARG_STRING("save", &o->save, "FILE", "model file [PREFIX.siren]"),
        FIT_RESUME_OPTIONS(&o->ckpt),
        ARG_STRING("log", &o->log, "FILE", "write step,loss,snr_db,seconds of every step as CSV"),
    };
    _Static_assert(sizeof table / sizeof *table == OPTION_COUNT, "OPTION_COUNT");
    memcpy(cl->table, table, sizeof table);
    cl->spec = (arg_spec){PROGRAM, "[options] SOUND.wav", DESCRIPTION, cl->table,
                          OPTION_COUNT, cl->positional, 1, 1, 0};
    int status = args_parse(&cl->spec, argc, argv);
    if (status != ARGS_OK)
        return status == ARGS_HELP ? 0 : 1;
    o->wav = cl->positional[0];
    return -1;
}

/* ---------------------------------------------------------------- data */

typedef struct clip {
    wav_audio audio;   /* as read (samples freed after loading) */
    size_t frames, channels;
    double scale;      /* largest magnitude: amplitudes are samples / scale */
    float *times;      /* [frames] */
    float *targets;    /* [frames][channels] */
} clip;

static void clip_free(clip *c)
{
    wav_free(&c->audio);
    free(c->times);
    free(c->targets);
}

/* A note when the WAV's sizes were a streaming writer's placeholders
   (wav.h, "Streamed files"): the size field as written, the bytes that
   follow it in the file, and what was read instead. One line each. */
static void note_streamed(const char *path, const wav_audio *a)
{
    unsigned long long declared = a->declared_bytes, present = a->present_bytes;
    if (a->streamed == WAV_STREAMED_DATA) {
        unsigned long long read = (unsigned long long)a->frames * a->channels * (a->bits / 8);
        unsigned long long partial = present - read;
        fprintf(stderr, "%s: note: %s: the \"data\" chunk's size field says %llu bytes, but %llu "
                "follow its header (a streamed WAV); reading %zu frame%s up to the end of the "
                "file", PROGRAM, path, declared, present, a->frames, a->frames == 1 ? "" : "s");
        if (partial > 0)
            fprintf(stderr, ", less a partial frame of %llu byte%s", partial,
                    partial == 1 ? "" : "s");
        fputc('\n', stderr);
    } else if (a->streamed == WAV_STREAMED_RIFF) {
        /* declared_bytes is the size field + 8, present_bytes the file's
           length: both count the 8 bytes of "RIFF" and the field. */
        fprintf(stderr, "%s: note: %s: the RIFF chunk's size field says %llu bytes, but %llu "
                "follow it (a streamed WAV); reading its chunks up to the end of the file\n",
                PROGRAM, path, declared - 8, present - 8);
    }
}

static int load_clip(const options *o, clip *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    if (wav_read(o->wav, &c->audio, err, sizeof err))
        return args_error(PROGRAM, "%s: %s", o->wav, err);
    wav_audio *a = &c->audio;
    note_streamed(o->wav, a);
    c->frames = a->frames;
    c->channels = o->mono ? 1 : a->channels;
    c->times = malloc(c->frames * sizeof *c->times);
    c->targets = malloc(c->frames * c->channels * sizeof *c->targets);
    if (!c->times || !c->targets) {
        clip_free(c);
        return args_error(PROGRAM, "out of memory for %zu frames", c->frames);
    }
    image_linspace(c->frames, c->times);
    double peak = 0;
    for (size_t f = 0; f < c->frames; f++)
        for (size_t ch = 0; ch < c->channels; ch++) {
            double v = o->mono && a->channels == 2
                           ? 0.5 * ((double)a->samples[2 * f] + a->samples[2 * f + 1])
                           : a->samples[f * a->channels + ch];
            c->targets[f * c->channels + ch] = (float)v;
            peak = fabs(v) > peak ? fabs(v) : peak;
        }
    if (!(peak > 0)) {
        clip_free(c);
        return args_error(PROGRAM, "%s: the sound is silent (every sample is 0)", o->wav);
    }
    c->scale = peak;
    for (size_t i = 0; i < c->frames * c->channels; i++)
        c->targets[i] = (float)(c->targets[i] / peak);
    wav_free(a); /* the format fields stay: the output is written like it */
    return 0;
}

/* ------------------------------------------------------------ training */

typedef struct trainer {
    const clip *c;
    size_t chunk;
    siren_workspace *ws;
    float *values;  /* [frames][C]: the whole clip's outputs of the step */
    float *adjoint; /* [chunk][C] */
} trainer;

static void trainer_free(trainer *t)
{
    siren_workspace_free(t->ws);
    free(t->values);
    free(t->adjoint);
}

static int trainer_init(trainer *t, const options *o, const clip *c, const siren_net *net)
{
    memset(t, 0, sizeof *t);
    t->c = c;
    t->chunk = (size_t)o->chunk < c->frames ? (size_t)o->chunk : c->frames;
    if (fit_training_workspace(PROGRAM, net, t->chunk, SIREN_VALUE, o->threads, &t->ws))
        return 1;
    t->values = malloc(c->frames * c->channels * sizeof *t->values);
    t->adjoint = malloc(t->chunk * c->channels * sizeof *t->adjoint);
    if (!t->values || !t->adjoint)
        return args_error(PROGRAM, "out of memory for the training buffers");
    return 0;
}

/* 10 log10(signal energy / error energy) of values against the clip. */
static double snr_db(const clip *c, const float *values)
{
    double signal = 0, noise = 0;
    for (size_t i = 0; i < c->frames * c->channels; i++) {
        double d = (double)values[i] - c->targets[i];
        signal += (double)c->targets[i] * c->targets[i];
        noise += d * d;
    }
    return 10.0 * log10(signal / noise);
}

/* One Adam step on every sample; *loss is the mean squared error before
   it, t->values the outputs. */
static int train_step(trainer *t, fit_model *m, double *loss)
{
    const clip *c = t->c;
    size_t ch = c->channels;
    float scale = (float)(2.0 / ((double)c->frames * (double)ch));
    double sum = 0;
    siren_net_zero_grad(m->net);
    for (size_t first = 0; first < c->frames; first += t->chunk) {
        size_t n = c->frames - first < t->chunk ? c->frames - first : t->chunk;
        float *values = t->values + first * ch;
        siren_jet out = {.value = values}, adj = {.value = t->adjoint};
        int status = siren_forward(m->net, t->ws, n, c->times + first, &out);
        for (size_t i = 0; status == SIREN_OK && i < n * ch; i++) {
            float diff = values[i] - c->targets[first * ch + i];
            sum += (double)diff * diff;
            t->adjoint[i] = scale * diff;
        }
        if (status == SIREN_OK)
            status = siren_backward(m->net, t->ws, &adj);
        if (status != SIREN_OK)
            return fit_library_error(PROGRAM, "training step", status);
    }
    int status = fit_adam_step(PROGRAM, m->net, m->opt);
    if (status)
        return status;
    *loss = sum / ((double)c->frames * (double)ch);
    return 0;
}

/* fit_train's step: every sample (whatever the step), and the SNR of the
   step's outputs. */
static int audio_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    trainer *t = ctx;
    int status = train_step(t, m, loss);
    if (status == 0)
        *metric = snr_db(t->c, t->values);
    return status;
}

static int train(const options *o, const clip *c, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = trainer_init(&t, o, c, m->net);
    fit_schedule plan = {(uint64_t)o->steps, o->ckpt.checkpoint, o->ckpt.checkpoint_every,
                         "SNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(PROGRAM, &plan, m, audio_step, &t, run);
    trainer_free(&t);
    return status;
}

/* ------------------------------------------------------------- outputs */

/* The network on every frame, after training. */
static int evaluate(const options *o, const clip *c, const siren_net *net, float *values)
{
    siren_workspace *ws = NULL;
    size_t chunk = (size_t)o->chunk < c->frames ? (size_t)o->chunk : c->frames;
    int status = siren_workspace_create(net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->threads);
    for (size_t first = 0; status == SIREN_OK && first < c->frames; first += chunk) {
        siren_jet out = {.value = values + first * c->channels};
        status = siren_eval(net, ws, c->frames - first < chunk ? c->frames - first : chunk,
                            c->times + first, &out);
    }
    siren_workspace_free(ws);
    return status == SIREN_OK ? 0 : fit_library_error(PROGRAM, "evaluating the fit", status);
}

/* The model first: if the disk fills up after it, the training is kept
   and only the sound, which it can make again, is missing. */
static int write_outputs(const clip *c, const char *wav_path, const char *model_path,
                         const siren_net *net, const float *values)
{
    if (fit_net_save(PROGRAM, net, model_path))
        return 1;
    size_t n = c->frames * c->channels;
    wav_audio out = c->audio;
    out.channels = (unsigned)c->channels;
    out.frames = c->frames;
    out.samples = malloc(n * sizeof *out.samples);
    if (!out.samples)
        return args_error(PROGRAM, "out of memory");
    for (size_t i = 0; i < n; i++)
        out.samples[i] = (float)(values[i] * c->scale); /* back to the input's loudness */
    char err[256];
    int status = wav_write(wav_path, &out, err, sizeof err);
    free(out.samples);
    if (status)
        return args_error(PROGRAM, "%s: %s", wav_path, err);
    printf("wrote %s and %s\n", wav_path, model_path);
    return 0;
}

/* ---------------------------------------------------------------- main */

/* The output files. */
typedef struct outputs {
    char *wav, *model;
} outputs;

static void outputs_free(outputs *p)
{
    free(p->wav);
    free(p->model);
}

/* Names the outputs and checks, before any training, that none would
   overwrite the input or another output and that each can be written
   (making the directories). */
static int plan_outputs(const options *o, outputs *p)
{
    p->wav = files_join(o->out, ".wav");
    p->model = o->save ? files_join(o->save, "") : files_join(o->out, ".siren");
    if (!p->wav || !p->model)
        return args_error(PROGRAM, "out of memory");
    const char *all[] = {p->wav, p->model, o->log};
    return fit_check_outputs(PROGRAM, all, sizeof all / sizeof *all, &o->wav, 1, &o->ckpt);
}

static int run(const options *o, const arg_spec *spec)
{
    clip c;
    if (load_clip(o, &c))
        return 1;
    fit_model m = {0};
    outputs paths = {0};
    fit_run stats = {0, 0, 0};
    float *values = NULL;
    fit_arch arch = {1, (long)c.channels, o->width, o->depth, o->first_omega,
                     o->hidden_omega, o->lr, 0, o->seed};
    int status = fit_model_start(PROGRAM, o->ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = plan_outputs(o, &paths);
    if (status == 0)
        status = fit_log_open(PROGRAM, o->log, "snr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fprintf(stderr, "%s: %s, %zu frame%s at %u Hz (%.2f s), %zu channel%s; %zu parameters\n",
                PROGRAM, o->wav, c.frames, c.frames != 1 ? "s" : "", (unsigned)c.audio.rate,
                (double)c.frames / c.audio.rate, c.channels, c.channels > 1 ? "s" : "",
                siren_net_param_count(m.net));
        status = train(o, &c, &m, log, &stats);
    }
    status = fit_log_close(PROGRAM, o->log, log, status);
    if (status == 0 && !(values = malloc(c.frames * c.channels * sizeof *values)))
        status = args_error(PROGRAM, "out of memory");
    if (status == 0)
        status = evaluate(o, &c, m.net, values);
    if (status == 0)
        status = write_outputs(&c, paths.wav, paths.model, m.net, values);
    if (status == 0)
        printf("result: snr_db=%.2f steps=%llu seconds=%.1f seconds_per_step=%.3f frames=%zu "
               "rate=%u channels=%zu\n",
               snr_db(&c, values), (unsigned long long)stats.last_step, stats.seconds,
               fit_seconds_per_step(&stats), c.frames, (unsigned)c.audio.rate, c.channels);
    free(values);
    outputs_free(&paths);
    fit_model_free(&m);
    clip_free(&c);
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
