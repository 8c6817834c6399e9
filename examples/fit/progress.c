/* progress.c - the training progress line (see progress.h). */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double progress_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_format_duration(double seconds, char *buf, size_t len)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, len, "--");
        return;
    }
    long s = lround(seconds);
    if (s < 60)
        snprintf(buf, len, "%lds", s);
    else if (s < 3600)
        snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(buf, len, "%ldh%02ldm", s / 3600, s / 60 % 60);
}

void progress_start(progress *p, uint64_t first_step, uint64_t total_steps,
                    const char *metric, const char *unit)
{
    memset(p, 0, sizeof *p);
    p->stream = stderr;
    p->in_place = isatty(fileno(stderr)) != 0;
    p->metric = metric;
    p->unit = unit;
    p->first_step = first_step;
    p->total_steps = total_steps;
    p->start = progress_clock();
    p->last_print = -1e300;
}

static bool is_due(const progress *p, uint64_t step, double now)
{
    if (step >= p->total_steps || step == p->first_step + 1)
        return true;
    double interval = p->in_place ? 0.1 : PROGRESS_PLAIN_SECONDS;
    return now - p->last_print >= interval;
}

void progress_update(progress *p, uint64_t step, double loss, double metric)
{
    double now = progress_clock();
    if (!is_due(p, step, now))
        return;
    double elapsed = now - p->start;
    double done = (double)(step - p->first_step);
    double rate = elapsed > 0 ? done / elapsed : 0;
    char eta[32], line[200];
    progress_format_duration(rate > 0 ? (double)(p->total_steps - step) / rate : -1, eta,
                             sizeof eta);
    int width = snprintf(line, sizeof line,
                         "step %llu/%llu  loss %.6g  %s %.2f%s%s  %.3g steps/s  ETA %s",
                         (unsigned long long)step, (unsigned long long)p->total_steps, loss,
                         p->metric, metric, *p->unit ? " " : "", p->unit, rate, eta);
    if (width < 0)
        return;
    if (p->in_place) {
        size_t shown = (size_t)width < sizeof line ? (size_t)width : sizeof line - 1;
        int pad = p->last_width > shown ? (int)(p->last_width - shown) : 0;
        fprintf(p->stream, "\r%s%*s", line, pad, "");
        p->last_width = shown;
    } else {
        fprintf(p->stream, "%s\n", line);
    }
    fflush(p->stream);
    p->last_print = now;
}

void progress_finish(progress *p)
{
    if (p->in_place && p->last_width > 0) {
        fputc('\n', p->stream);
        fflush(p->stream);
        p->last_width = 0;
    }
}
