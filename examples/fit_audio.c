/* fit_audio.c - fits a SIREN f(t) to a sound: the audio experiment of the
   SIREN paper (Sitzmann et al. 2020, section 4.1 and supplement; the
   reference's explore_siren.ipynb "Fitting an audio signal").

   The reference's setup is the default: time t = linspace(-1, 1, frames),
   amplitudes divided by their largest magnitude, 5 linear layers of 256
   with the first omega raised to 3000 (a second of audio holds thousands
   of oscillations, where an image holds tens), the others 30, Adam 1e-4,
   every sample in every step, mean squared error (fit/mse.h's step, over
   chunks of --chunk samples). (The reference's script train_audio.py
   gets the same first-layer frequencies from omega 30 on t in
   [-100, 100].)

   Stereo is fitted as two outputs of one network (--mono averages the
   channels first, as the reference's script does).

   Training runs through fit_train (fitting.h): a progress line, Ctrl-C
   stops after the current step and still writes the outputs, --checkpoint
   saves the network and optimiser, and --resume continues from one; as
   every step sees every sample, a resumed run is bit for bit the run it
   continues. --log writes a CSV line per step (appended to by a resumed
   run). No output may be the input WAV or another output: that is checked
   before training. Launched by mpirun, the ranks share each step's slabs
   of --chunk samples and rank 0 writes the outputs, the same bits as one
   process (fit/distributed.h).

   A WAV written to a pipe (espeak-ng --stdout) has placeholders for its
   sizes; wav.c reads its frames up to the end of the file, and a note
   says so. */
#define _POSIX_C_SOURCE 200809L
#include "fit/distributed.h"
#include "fit/fitting.h"
#include "fit/image.h"
#include "fit/mse.h"
#include "fit/options.h"
#include "fit/training.h"
#include "io/files.h"
#include "io/wav.h"
#include "siren.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- options */

typedef struct options {
    const char *wav;
    bool mono;
    fit_options fit;
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
    "still writes every output.\n"
    "\n"
    "Under mpirun -np N the N processes share each step, and rank 0 writes what one\n"
    "process would, bit for bit; kill -USR1 on mpirun stops them after the current\n"
    "step, as Ctrl-C does one process (docs/SCALING.md).";

static void default_options(options *o)
{
    *o = (options){.mono = false};
    fit_options_default(&o->fit, "out/fit_audio");
    o->fit.steps = 1000;
    o->fit.chunk = 16384;
    o->fit.first_omega = 3000.0;
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
        char less[64] = "";
        if (partial > 0)
            snprintf(less, sizeof less, ", less a partial frame of %llu byte%s", partial,
                     partial == 1 ? "" : "s");
        fit_note("%s: the \"data\" chunk's size field says %llu bytes, but %llu follow its "
                 "header (a streamed WAV); reading %zu frame%s up to the end of the file%s",
                 path, declared, present, a->frames, a->frames == 1 ? "" : "s", less);
    } else if (a->streamed == WAV_STREAMED_RIFF) {
        /* declared_bytes is the size field + 8, present_bytes the file's
           length: both count the 8 bytes of "RIFF" and the field. */
        fit_note("%s: the RIFF chunk's size field says %llu bytes, but %llu follow it (a "
                 "streamed WAV); reading its chunks up to the end of the file", path,
                 declared - 8, present - 8);
    }
}

static int load_clip(const options *o, clip *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    if (wav_read(o->wav, &c->audio, err, sizeof err))
        return fit_error("%s: %s", o->wav, err);
    wav_audio *a = &c->audio;
    note_streamed(o->wav, a);
    c->frames = a->frames;
    c->channels = o->mono ? 1 : a->channels;
    c->times = malloc(c->frames * sizeof *c->times);
    c->targets = malloc(c->frames * c->channels * sizeof *c->targets);
    if (!c->times || !c->targets) {
        clip_free(c);
        return fit_error("out of memory for %zu frames", c->frames);
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
        return fit_error("%s: the sound is silent (every sample is 0)", o->wav);
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
    fit_mse mse;
} trainer;

static int trainer_init(trainer *t, const options *o, const clip *c, const siren_net *net)
{
    t->c = c;
    return fit_mse_init(&t->mse, net, c->frames, (size_t)o->fit.chunk, (size_t)o->fit.threads);
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

/* fit_train's step: every sample (whatever the step), and the SNR of the
   step's outputs (summed over the slabs, fit/mse.h). */
static int audio_step(void *ctx, fit_model *m, uint64_t step, double *loss, double *metric)
{
    (void)step;
    trainer *t = ctx;
    return fit_mse_step(&t->mse, m, t->c->times, 1, t->c->targets, loss, metric);
}

static int train(const options *o, const clip *c, fit_model *m, FILE *log, fit_run *run)
{
    trainer t;
    int status = fit_dist_agree(trainer_init(&t, o, c, m->net));
    const fit_options *f = &o->fit;
    fit_schedule plan = {(uint64_t)f->steps, f->ckpt.checkpoint, f->ckpt.checkpoint_every,
                         "SNR", "dB", log, 0, {0, 0}};
    if (status == 0)
        status = fit_train(&plan, m, audio_step, &t, run);
    fit_mse_free(&t.mse);
    return status;
}

/* ------------------------------------------------------------- outputs */

/* The network on every frame, after training. */
static int evaluate(const options *o, const clip *c, const siren_net *net, float *values)
{
    siren_workspace *ws = NULL;
    size_t chunk = (size_t)o->fit.chunk < c->frames ? (size_t)o->fit.chunk : c->frames;
    int status = siren_workspace_create(net, chunk, SIREN_VALUE | SIREN_EVAL_ONLY, &ws);
    if (status == SIREN_OK && o->fit.threads > 0)
        status = siren_workspace_set_threads(ws, (size_t)o->fit.threads);
    for (size_t first = 0; status == SIREN_OK && first < c->frames; first += chunk) {
        siren_jet out = {.value = values + first * c->channels};
        status = siren_eval(net, ws, c->frames - first < chunk ? c->frames - first : chunk,
                            c->times + first, &out);
    }
    siren_workspace_free(ws);
    return status == SIREN_OK ? 0 : fit_library_error("evaluating the fit", status);
}

/* The model first: if the disk fills up after it, the training is kept
   and only the sound, which it can make again, is missing. */
static int write_outputs(const clip *c, const char *wav_path, const char *model_path,
                         const siren_net *net, const float *values)
{
    if (fit_net_save(net, model_path))
        return 1;
    size_t n = c->frames * c->channels;
    wav_audio out = c->audio;
    out.channels = (unsigned)c->channels;
    out.frames = c->frames;
    out.samples = malloc(n * sizeof *out.samples);
    if (!out.samples)
        return fit_error("out of memory");
    for (size_t i = 0; i < n; i++)
        out.samples[i] = (float)(values[i] * c->scale); /* back to the input's loudness */
    char err[256];
    int status = wav_write(wav_path, &out, err, sizeof err);
    free(out.samples);
    if (status)
        return fit_error("%s: %s", wav_path, err);
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
    p->wav = files_join(o->fit.out, ".wav");
    p->model = fit_model_path(&o->fit);
    if (!p->wav || !p->model)
        return fit_error("out of memory");
    const char *all[] = {p->wav, p->model, o->fit.log};
    return fit_check_outputs(all, sizeof all / sizeof *all, &o->wav, 1, &o->fit.ckpt);
}

/* After training, on rank 0: the network on every frame, the outputs,
   the result line. */
static int finish(const options *o, const clip *c, const siren_net *net, const outputs *paths,
                  const fit_run *stats)
{
    float *values = malloc(c->frames * c->channels * sizeof *values);
    int status = values ? evaluate(o, c, net, values) : fit_error("out of memory");
    if (status == 0)
        status = write_outputs(c, paths->wav, paths->model, net, values);
    if (status == 0)
        printf("result: snr_db=%.2f steps=%llu seconds=%.1f seconds_per_step=%.3f frames=%zu "
               "rate=%u channels=%zu\n",
               snr_db(c, values), (unsigned long long)stats->last_step, stats->seconds,
               fit_seconds_per_step(stats), c->frames, (unsigned)c->audio.rate, c->channels);
    free(values);
    return status;
}

static int run(const options *o, const arg_spec *spec)
{
    clip c;
    int loaded = load_clip(o, &c); /* on every rank */
    if (fit_dist_agree(loaded)) {
        if (loaded == 0)
            clip_free(&c);
        return 1;
    }
    fit_model m = {0};
    outputs paths = {0};
    fit_run stats = {0, 0, 0};
    fit_arch arch = fit_arch_of(&o->fit, 1, (long)c.channels);
    int status = fit_dist_same(c.targets, c.frames * c.channels * sizeof *c.targets, o->wav);
    if (status == 0)
        status = fit_model_start(o->fit.ckpt.resume, &arch, spec, &m);
    FILE *log = NULL;
    if (status == 0) /* unwritable outputs fail now, not after training */
        status = fit_dist_agree(fit_dist_root() ? plan_outputs(o, &paths) : 0);
    if (status == 0)
        status = fit_log_open(o->fit.log, "snr_db", siren_adam_step_count(m.opt), &log);
    if (status == 0) {
        fit_say("%s, %zu frame%s at %u Hz (%.2f s), %zu channel%s; %zu parameters", o->wav,
                c.frames, c.frames != 1 ? "s" : "", (unsigned)c.audio.rate,
                (double)c.frames / c.audio.rate, c.channels, c.channels > 1 ? "s" : "",
                siren_net_param_count(m.net));
        status = train(o, &c, &m, log, &stats);
    }
    status = fit_log_close(o->fit.log, log, status);
    if (status == 0 && fit_dist_root())
        status = finish(o, &c, m.net, &paths, &stats);
    outputs_free(&paths);
    fit_model_free(&m);
    clip_free(&c);
    return fit_exit_status(status);
}

static int fit_audio_main(int argc, char **argv)
{
    options o;
    default_options(&o);
    fit_options *f = &o.fit;
    arg_option table[] = {
        FIT_STEPS_OPTION(f),
        FIT_LR_OPTION(f),
        FIT_NETWORK_OPTIONS(f),
        FIT_SEED_OPTION(f, "seed of the initialisation"),
        ARG_FLAG("mono", &o.mono, "average the channels into one (the reference's script)"),
        FIT_CHUNK_OPTION(f, 1000000000, "samples per forward/backward call (memory)"),
        FIT_THREADS_OPTION(f),
        FIT_OUT_OPTION(f),
        FIT_SAVE_OPTION(f),
        FIT_RESUME_OPTIONS(f),
        FIT_LOG_OPTION(f, "write step,loss,snr_db,seconds of every step as CSV"),
    };
    arg_spec spec = {"fit_audio", "[options] SOUND.wav", DESCRIPTION, table, ARG_COUNT(table),
                     &o.wav, 1, 1, 0};
    int parsed = args_parse(&spec, argc, argv);
    return parsed == ARGS_OK ? run(&o, &spec) : args_exit_status(parsed);
}

int main(int argc, char **argv)
{
    return fit_dist_main(argc, argv, fit_audio_main); /* on every rank under mpirun */
}
