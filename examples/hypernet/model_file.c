/* model_file.c - the hypernet model's parameters to a file and back
   (hn_model_save, hn_model_load; the format is in model.h): a magic, the
   parameter count and a checksum, so that another file, another
   architecture or a damaged file is refused with a message. */
#include "model.h"

#include "io/files.h"

#include <stdio.h>
#include <string.h>

/* 32-bit FNV-1a of the bytes: the file's checksum. */
static uint32_t hn_fnv1a(const void *data, size_t bytes)
{
    const unsigned char *p = data;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < bytes; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static const char HN_FILE_MAGIC[8] = {'H', 'N', 'M', 'O', 'D', 'E', 'L', '1'};

/* files_write_atomic's writer: magic, count, parameters, checksum. */
static int write_model(FILE *f, const void *ctx)
{
    const hn_model *m = ctx;
    uint64_t count = m->count;
    uint32_t sum = hn_fnv1a(m->params, m->count * sizeof *m->params);
    bool ok = fwrite(HN_FILE_MAGIC, sizeof HN_FILE_MAGIC, 1, f) == 1 &&
              fwrite(&count, sizeof count, 1, f) == 1 &&
              fwrite(m->params, sizeof *m->params, m->count, f) == m->count &&
              fwrite(&sum, sizeof sum, 1, f) == 1;
    return ok ? 0 : -1;
}

/* Atomic (issue 19: written in place, a save cut short left the previous
   model truncated): files_write_atomic, as every output of the examples. */
int hn_model_save(const hn_model *m, const char *path, char *err, size_t errlen)
{
    char why[256];
    if (files_write_atomic(path, write_model, m, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    return 0;
}

/* The parameters from an open model file into m->params: NULL, or what
   is wrong with the file. */
static const char *hn_read_parameters(hn_model *m, FILE *f)
{
    char magic[sizeof HN_FILE_MAGIC];
    uint64_t count = 0;
    uint32_t sum = 0;
    if (fread(magic, sizeof magic, 1, f) != 1 || memcmp(magic, HN_FILE_MAGIC, sizeof magic))
        return "not a hypernet model file";
    if (fread(&count, sizeof count, 1, f) != 1 || count != m->count)
        return "its parameter count differs from this architecture's (same options?)";
    if (fread(m->params, sizeof *m->params, m->count, f) != m->count ||
        fread(&sum, sizeof sum, 1, f) != 1)
        return "truncated";
    if (sum != hn_fnv1a(m->params, m->count * sizeof *m->params))
        return "checksum mismatch";
    return NULL;
}

int hn_model_load(hn_model *m, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    const char *problem = hn_read_parameters(m, f);
    fclose(f);
    if (problem)
        snprintf(err, errlen, "%s: %s", path, problem);
    return problem ? -1 : 0;
}
