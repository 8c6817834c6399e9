/* fitting.c - networks and optimisers for the field-solving examples
   (see fitting.h). */
#define _POSIX_C_SOURCE 200809L
#include "fitting.h"
#include "distributed.h"
#include "io/files.h"
#include "interrupt.h"
#include "progress.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fit_model_free(fit_model *m)
{
    siren_adam_free(m->opt);
    siren_net_free(m->net);
    m->opt = NULL;
    m->net = NULL;
}

int fit_model_create(const fit_arch *a, fit_model *m)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = (uint32_t)a->in_features;
    cfg.out_features = (uint32_t)a->out_features;
    cfg.hidden_features = (uint32_t)a->width;
    cfg.hidden_layers = (uint32_t)a->depth;
    cfg.first_omega = (float)a->first_omega;
    cfg.hidden_omega = (float)a->hidden_omega;
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    adam.lr = (float)a->lr;
    adam.clip_grad_norm = (float)a->clip;
    int status = siren_net_create(&cfg, &m->net);
    if (status == SIREN_OK)
        status = siren_net_init(m->net, a->seed);
    if (status == SIREN_OK)
        status = siren_adam_create(m->net, &adam, &m->opt);
    if (status != SIREN_OK) {
        fit_model_free(m);
        return fit_library_error("cannot create the network", status);
    }
    return 0;
}

/* The library's IO status does not say why a file cannot be read; the C
   library does (asked on rank 0 only, the rank that read the file: the
   others' messages are not printed, distributed.h). */
static const char *why_unreadable(const char *path, int status)
{
    if (status != SIREN_ERR_IO || !fit_dist_root())
        return siren_status_string(status);
    FILE *f = fopen(path, "rb");
    if (!f)
        return strerror(errno);
    fclose(f);
    return siren_status_string(status);
}

static int check_shape(const char *path, const fit_arch *a, fit_model *m)
{
    siren_config cfg;
    siren_net_config(m->net, &cfg);
    if ((long)cfg.in_features == a->in_features && (long)cfg.out_features == a->out_features)
        return 0;
    int rc = fit_error("%s: the network maps %u inputs to %u outputs, this program "
                       "needs %ld to %ld", path, cfg.in_features, cfg.out_features,
                       a->in_features, a->out_features);
    fit_model_free(m);
    return rc;
}

/* A network from a file must keep within the limits the program puts on
   --width and --depth (issue 19: a 1.2 MB checkpoint of 50,000 layers
   made fit_image --resume take 2.4 GB): the file is an input, as
   untrusted as the command line. */
static int check_limits(const char *path, const arg_spec *spec, fit_model *m)
{
    siren_config cfg;
    siren_net_config(m->net, &cfg);
    const struct {
        const char *option, *what;
        uint32_t value;
    } sizes[] = {{"width", "hidden features per layer", cfg.hidden_features},
                 {"depth", "hidden layers after the first", cfg.hidden_layers}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        const arg_option *o = args_option(spec, sizes[i].option);
        if (o && ((double)sizes[i].value < o->min || (double)sizes[i].value > o->max)) {
            int rc = fit_error("%s: the network has %u %s, outside --%s's range "
                               "%.0f to %.0f", path, (unsigned)sizes[i].value, sizes[i].what,
                               sizes[i].option, o->min, o->max);
            fit_model_free(m);
            return rc;
        }
    }
    return 0;
}

int fit_model_resume(const char *path, const fit_arch *a, const arg_spec *spec, fit_model *m)
{
    int status = fit_dist_checkpoint_load(path, &m->net, &m->opt); /* rank 0 reads it */
    if (status != SIREN_OK)
        return fit_error("%s: cannot resume: %s", path, why_unreadable(path, status));
    if (check_shape(path, a, m) || check_limits(path, spec, m))
        return 1;
    const char *fixed[] = {"width", "depth", "first-omega", "hidden-omega", "clip"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (args_given(spec, fixed[i]))
            fit_note("--%s is ignored with --resume (the checkpoint has it)", fixed[i]);
    if (args_given(spec, "lr") && (status = siren_adam_set_lr(m->opt, (float)a->lr))) {
        fit_model_free(m);
        return fit_library_error("--lr", status);
    }
    return 0;
}

int fit_model_load(const char *path, const fit_arch *a, const arg_spec *spec, fit_model *m)
{
    int status = siren_net_load(path, &m->net);
    if (status != SIREN_OK)
        return fit_error("%s: cannot load the model: %s", path,
                         why_unreadable(path, status));
    return check_shape(path, a, m) || check_limits(path, spec, m);
}

long fit_max_workspace_mib = FIT_MAX_WORKSPACE_MIB;

int fit_training_workspace(const siren_net *net, size_t max_points, unsigned what, long threads,
                           siren_workspace **ws)
{
    size_t bytes = 0, mib = (size_t)1 << 20, limit = (size_t)fit_max_workspace_mib;
    size_t budget = limit <= SIZE_MAX / mib ? limit * mib : SIZE_MAX;
    int status = siren_workspace_bytes(net, max_points, what, &bytes);
    if (status == SIREN_OK && bytes > budget)
        return fit_error("the training workspace would take %zu MiB, more than "
                         "--max-workspace-mib %ld (lower --chunk, or raise the limit)",
                         (bytes + mib - 1) / mib, fit_max_workspace_mib);
    if (status == SIREN_OK)
        status = siren_workspace_create(net, max_points, what, ws);
    threads = fit_dist_threads(threads); /* over MPI: the rank's share of the node */
    if (status == SIREN_OK && threads > 0)
        status = siren_workspace_set_threads(*ws, (size_t)threads);
    if (status != SIREN_OK)
        return fit_library_error("cannot create the training workspace", status);
    return 0;
}

/* The model file of net (opt NULL) or the checkpoint of net and opt into
   buf, or its size into *len (TOO_LARGE when buf is NULL). */
static int save_buffer(const siren_net *net, const siren_adam *opt, void *buf, size_t cap,
                       size_t *len)
{
    return opt ? siren_checkpoint_save_buffer(net, opt, buf, cap, len)
               : siren_net_save_buffer(net, buf, cap, len);
}

/* That file in memory, then through files_write_atomic: the examples'
   outputs all go through that one function (files.h). */
static int write_training_file(const siren_net *net, const siren_adam *opt, const char *path)
{
    size_t len = 0;
    int status = save_buffer(net, opt, NULL, 0, &len);
    unsigned char *buf = status == SIREN_ERR_TOO_LARGE ? malloc(len) : NULL;
    if (buf)
        status = save_buffer(net, opt, buf, len, &len);
    else if (status == SIREN_ERR_TOO_LARGE)
        status = SIREN_ERR_OUT_OF_MEMORY;
    char err[512];
    int rc = 0;
    if (status != SIREN_OK)
        rc = fit_error("%s: cannot write the %s: %s", path,
                       opt ? "checkpoint" : "model", siren_status_string(status));
    else if (files_write_bytes(path, buf, len, err, sizeof err))
        rc = fit_error("%s: %s", path, err);
    free(buf);
    return rc;
}

int fit_model_checkpoint(const fit_model *m, const char *path)
{
    return fit_dist_agree(fit_dist_root() ? write_training_file(m->net, m->opt, path) : 0);
}

int fit_net_save(const siren_net *net, const char *path)
{
    return write_training_file(net, NULL, path);
}

int fit_model_save(const fit_model *m, const char *path)
{
    return fit_net_save(m->net, path);
}

int fit_adam_step(siren_net *net, siren_adam *opt)
{
    uint64_t step = siren_adam_step_count(opt);
    int status = siren_adam_step(opt, net);
    if (status == SIREN_ERR_NONFINITE) {
        fit_say("step %llu: the gradients are NaN or infinite (is the learning rate or an "
                "omega too large?); training stopped with the parameters after step %llu",
                (unsigned long long)step + 1, (unsigned long long)step);
        return FIT_NONFINITE;
    }
    return status == SIREN_OK ? 0 : fit_library_error("Adam step", status);
}

int fit_keep_last_good(const fit_model *m, const char *checkpoint)
{
    if (!checkpoint)
        return FIT_NONFINITE;
    if (fit_model_checkpoint(m, checkpoint))
        return 1;
    fit_say("%s holds them (step %llu)", checkpoint,
            (unsigned long long)siren_adam_step_count(m->opt));
    return FIT_NONFINITE;
}

static int set_scheduled_lr(const fit_schedule *s, fit_model *m, uint64_t step)
{
    double span = s->decay.decay_steps > 0 ? (double)s->decay.decay_steps : (double)s->steps;
    double done = span > 0 && (double)step < span ? (double)step / span : 1.0;
    double lr = s->lr * pow(s->decay.lr_end / s->lr, done);
    int status = siren_adam_set_lr(m->opt, (float)lr);
    return status == SIREN_OK ? 0 : fit_library_error("learning rate", status);
}

static bool checkpoint_due(const fit_schedule *s, uint64_t step)
{
    return s->checkpoint && s->checkpoint_every > 0 &&
           step % (uint64_t)s->checkpoint_every == 0 && step < s->steps;
}

int fit_check_outputs(const char *const *outputs, size_t n_out, const char *const *inputs,
                      size_t n_in, const fit_resume_options *ckpt)
{
    const char **outs = malloc((n_out + 1) * sizeof *outs);
    const char **ins = malloc((n_in + 1) * sizeof *ins);
    char err[512];
    int status = outs && ins ? 0 : fit_error("out of memory");
    if (status == 0) {
        memcpy(outs, outputs, n_out * sizeof *outs);
        memcpy(ins, inputs, n_in * sizeof *ins);
        outs[n_out] = ckpt ? ckpt->checkpoint : NULL;
        /* the checkpoint alone may replace the file it resumes from */
        bool in_place = ckpt && ckpt->resume && ckpt->checkpoint &&
                        files_same(ckpt->resume, ckpt->checkpoint);
        ins[n_in] = ckpt && !in_place ? ckpt->resume : NULL;
    }
    for (size_t i = 0; status == 0 && i <= n_out; i++) /* makes the directories */
        if (outs[i] && files_check_writable(outs[i], err, sizeof err))
            status = fit_error("%s", err);
    if (status == 0 && files_check_distinct(outs, n_out + 1, ins, n_in + 1, err, sizeof err))
        status = fit_error("%s", err);
    free(outs);
    free(ins);
    return status;
}

/* The rows of a log up to step `last` (and its header, which must be
   `header`), without a row cut short by a killed run: what a run resumed
   from the checkpoint of step `last` continues. */
typedef struct log_rows {
    const char *header;
    uint64_t last;
    const unsigned char *data;
    size_t len;
} log_rows;

static int write_log_rows(FILE *f, const void *ctx)
{
    const log_rows *r = ctx;
    size_t pos = 0, header_len = strlen(r->header);
    while (pos < r->len) {
        const unsigned char *nl = memchr(r->data + pos, '\n', r->len - pos);
        if (!nl)
            break; /* a row the killed run did not finish */
        size_t line = (size_t)(nl - (r->data + pos)) + 1;
        if (pos == 0 && (line != header_len + 1 || memcmp(r->data, r->header, header_len))) {
            errno = EINVAL; /* not this program's log */
            return -1;
        }
        bool keep = pos == 0 || strtoull((const char *)r->data + pos, NULL, 10) <= r->last;
        if (keep && fwrite(r->data + pos, 1, line, f) != line)
            return -1;
        pos += line;
    }
    return 0;
}

/* Keeps the rows of an existing log up to from_step (log_rows). */
static int trim_log(const char *path, const char *header, uint64_t from_step)
{
    unsigned char *data = NULL;
    size_t len = 0;
    char err[512];
    if (files_read_all(path, (size_t)1 << 30, &data, &len, err, sizeof err))
        return fit_error("%s: cannot read the log: %s", path, err);
    log_rows rows = {header, from_step, data, len};
    int rc = files_write_atomic(path, write_log_rows, &rows, err, sizeof err);
    free(data);
    if (rc && errno == EINVAL)
        return fit_error("%s: not a log of this program (its first line is not "
                         "'%s'); give another --log", path, header);
    return rc ? fit_error("%s: cannot write the log: %s", path, err) : 0;
}

/* fit_log_open on one rank (rank 0). */
static int open_log(const char *path, const char *metric_column, uint64_t from_step, FILE **log)
{
    char err[256], header[128];
    snprintf(header, sizeof header, "step,loss,%s,seconds", metric_column);
    if (files_make_parent_dirs(path, err, sizeof err))
        return fit_error("%s: cannot write the log: %s", path, err);
    struct stat st;
    bool append = from_step > 0 && stat(path, &st) == 0 && st.st_size > 0;
    if (append && trim_log(path, header, from_step))
        return 1;
    if (!(*log = fopen(path, append ? "a" : "w")))
        return fit_error("%s: cannot write the log: %s", path, strerror(errno));
    if (!append)
        fprintf(*log, "%s\n", header);
    return 0;
}

int fit_log_open(const char *path, const char *metric_column, uint64_t from_step, FILE **log)
{
    *log = NULL;
    if (!path)
        return 0;
    return fit_dist_agree(fit_dist_root() ? open_log(path, metric_column, from_step, log) : 0);
}

int fit_log_close(const char *path, FILE *log, int status)
{
    if (log && fclose(log) != 0 && status == 0)
        status = fit_error("%s: cannot write the log", path);
    return status;
}

/* The progress line, on rank 0 only. */
static void show_progress(progress *bar, uint64_t step, double loss, double metric)
{
    if (fit_dist_root())
        progress_update(bar, step, loss, metric);
}

int fit_train(const fit_schedule *s, fit_model *m, fit_step_fn *step_fn, void *ctx,
              fit_run *run)
{
    uint64_t step = siren_adam_step_count(m->opt);
    run->first_step = step;
    if (step > s->steps)
        fit_note("the checkpoint is at step %llu, beyond --steps %llu", (unsigned long long)step,
                 (unsigned long long)s->steps);
    progress bar;
    progress_start(&bar, step, s->steps, s->metric, s->unit);
    interrupt_catch();
    int status = 0;
    /* A signal on any rank stops every rank after the same step. */
    bool stop = fit_dist_any(interrupt_requested());
    while (status == 0 && step < s->steps && !stop) {
        double loss = 0, metric = 0;
        if (s->decay.lr_end > 0 && (status = set_scheduled_lr(s, m, step)) != 0)
            break;
        if ((status = step_fn(ctx, m, step, &loss, &metric)) != 0)
            break;
        step++;
        show_progress(&bar, step, loss, metric);
        if (s->log)
            fprintf(s->log, "%llu,%.9g,%.6f,%.6f\n", (unsigned long long)step, loss, metric,
                    progress_clock() - bar.start);
        if (checkpoint_due(s, step)) {
            if (s->log) /* the rows up to a checkpoint are on disk before it */
                fflush(s->log);
            status = fit_model_checkpoint(m, s->checkpoint);
        }
        if (status == 0)
            stop = fit_dist_any(interrupt_requested());
    }
    interrupt_release();
    if (fit_dist_root())
        progress_finish(&bar);
    run->last_step = step;
    run->seconds = progress_clock() - bar.start;
    if (stop) {
        interrupt_request(); /* on the ranks that got no signal too */
        fit_say("interrupted after step %llu; writing the outputs", (unsigned long long)step);
    }
    if (status == FIT_NONFINITE)
        return fit_keep_last_good(m, s->checkpoint);
    if (status == 0 && s->checkpoint)
        status = fit_model_checkpoint(m, s->checkpoint);
    return status;
}

int fit_model_start(const char *resume, const fit_arch *a, const arg_spec *spec, fit_model *m)
{
    if (args_given(spec, "checkpoint-every") && !args_given(spec, "checkpoint"))
        return fit_error("--checkpoint-every needs --checkpoint FILE to write to");
    /* resuming is collective (rank 0 reads the file); creating is not */
    int status = resume ? fit_model_resume(resume, a, spec, m) : fit_model_create(a, m);
    return fit_dist_agree(status);
}

double fit_seconds_per_step(const fit_run *run)
{
    uint64_t steps = run->last_step - run->first_step;
    return steps ? run->seconds / (double)steps : 0.0;
}

int fit_exit_status(int status)
{
    if (fit_dist_finish(status)) /* over MPI: rank 0's status, on every rank */
        return 1;
    return interrupt_requested() ? 130 : 0;
}
