/* bench_saves.c - what a durable save costs (issue 19, item 5;
 * docs/SECURITY.md): median times of siren_net_save and
 * siren_checkpoint_save of the reference SIREN (2 -> 256 x 4 -> 1:
 * 794 KB and 2.4 MB files), which flush the file and its directory, against
 * the same bytes written to the same directory with fopen/fwrite/fclose
 * and rename, without the flushes; and of a 68 KB model file (the size of
 * one picture of a 256x256 run) both ways. One line per case, "key=value" pairs.
 *
 *   make bench-saves                    (in out/bench_saves)
 *   bin/bench_saves DIR [REPEATS]       (DIR on the disk to measure)
 */
#define _POSIX_C_SOURCE 200809L
#include "siren.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The bytes, written plainly and renamed into place: no flushes. */
static int plain_write(const char *path, const void *data, size_t len)
{
    char temp[4200];
    snprintf(temp, sizeof temp, "%s.plain", path);
    FILE *f = fopen(temp, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(temp, path) == 0 ? 0 : -1;
}

typedef int (*save_fn)(const siren_net *net, const siren_adam *opt, const char *path);

static int save_model(const siren_net *net, const siren_adam *opt, const char *path)
{
    (void)opt;
    return siren_net_save(net, path);
}

static int save_checkpoint(const siren_net *net, const siren_adam *opt, const char *path)
{
    return siren_checkpoint_save(net, opt, path);
}

/* Median ms of `repeats` library saves, and of plain writes of its bytes. */
static void measure(const char *name, save_fn save, const siren_net *net, const siren_adam *opt,
                    const char *dir, int repeats)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    double *durable = malloc((size_t)repeats * sizeof *durable);
    double *plain = malloc((size_t)repeats * sizeof *plain);
    size_t len = 0;
    if (save(net, opt, path) != SIREN_OK) {
        fprintf(stderr, "bench_saves: cannot save to %s\n", path);
        exit(1);
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *bytes = NULL;
    if (f && fstat(fileno(f), &st) == 0) {
        len = (size_t)st.st_size;
        bytes = malloc(len);
        if (bytes && fread(bytes, 1, len, f) != len)
            len = 0;
    }
    if (f)
        fclose(f);
    for (int r = 0; r < repeats; r++) {
        double t0 = seconds_now();
        save(net, opt, path);
        double t1 = seconds_now();
        plain_write(path, bytes, len);
        double t2 = seconds_now();
        durable[r] = t1 - t0;
        plain[r] = t2 - t1;
    }
    printf("file=%s bytes=%zu durable_ms=%.2f plain_ms=%.2f\n", name, len,
           1e3 * median_of(durable, (size_t)repeats), 1e3 * median_of(plain, (size_t)repeats));
    free(bytes);
    free(durable);
    free(plain);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "out/bench_saves";
    int repeats = argc > 2 ? atoi(argv[2]) : 21;
    if (repeats < 1)
        repeats = 1;
    mkdir(dir, 0755);
    siren_config cfg;
    siren_config_default(&cfg);
    siren_adam_config adam;
    siren_adam_config_default(&adam);
    siren_net *net = NULL, *small = NULL;
    siren_adam *opt = NULL;
    siren_config small_cfg = cfg; /* 68 KB of model file: about one 256x256 picture */
    small_cfg.hidden_features = 128;
    small_cfg.hidden_layers = 1;
    if (siren_net_create(&cfg, &net) || siren_net_init(net, 1) ||
        siren_adam_create(net, &adam, &opt) || siren_net_create(&small_cfg, &small) ||
        siren_net_init(small, 1)) {
        fprintf(stderr, "bench_saves: cannot make the networks\n");
        return 1;
    }
    printf("directory=%s repeats=%d; medians\n", dir, repeats);
    measure("small.siren", save_model, small, NULL, dir, repeats);
    measure("reference.siren", save_model, net, NULL, dir, repeats);
    measure("reference.ckpt", save_checkpoint, net, opt, dir, repeats);
    siren_adam_free(opt);
    siren_net_free(small);
    siren_net_free(net);
    return 0;
}
