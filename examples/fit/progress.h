/* progress.h - a training progress line on stderr, shared by the example
   programs: step, loss, a quality metric (PSNR, SNR ...), steps per second
   and the estimated time left.

   On a terminal the line is rewritten in place (carriage return) at most
   ten times a second; otherwise (a log file, a pipe) a plain line is
   printed for the first step, then at most every PROGRESS_PLAIN_SECONDS,
   and for the last step, so logs stay short and readable. */
#ifndef EXAMPLES_PROGRESS_H
#define EXAMPLES_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROGRESS_PLAIN_SECONDS 5.0

typedef struct progress {
    FILE *stream;
    bool in_place;          /* stream is a terminal */
    const char *metric;     /* e.g. "PSNR" */
    const char *unit;       /* e.g. "dB" */
    uint64_t first_step;    /* steps done before this run (a resume) */
    uint64_t total_steps;
    double start;           /* progress_clock() at progress_start */
    double last_print;
    size_t last_width;      /* of the line on screen, to blank it out */
} progress;

/* Monotonic wall-clock seconds, for timing. */
double progress_clock(void);

/* Starts timing a run that goes from step first_step to total_steps. */
void progress_start(progress *p, uint64_t first_step, uint64_t total_steps,
                    const char *metric, const char *unit);
/* Reports that `step` steps are done, with the loss and metric of the
   last one. Prints only when due (see above). */
void progress_update(progress *p, uint64_t step, double loss, double metric);
/* Ends the in-place line (a newline), so later messages start clean. */
void progress_finish(progress *p);

/* "45s", "3m05s", "2h07m": a duration for people. */
void progress_format_duration(double seconds, char *buf, size_t len);

#endif
