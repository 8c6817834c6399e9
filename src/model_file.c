/* model_file.c - model files: a network's architecture and parameters,
   little-endian, with a magic, a format version and a CRC-32 (DESIGN.md,
   "Model file format"; the layout is specified in docs/FORMAT.md). Also
   the framing the checkpoint files share (model_format.h). */
#include "model_format.h"

#include <float.h>
#include <string.h>

/* Floats are stored as their bits: the host must use IEEE-754 binary32. */
_Static_assert(sizeof(float) == 4 && FLT_MANT_DIG == 24 && FLT_MAX_EXP == 128,
               "libsiren's file formats need IEEE-754 single precision floats");

static const char model_magic[SIREN_MAGIC_BYTES] = {'S', 'I', 'R', 'E', 'N', 'n', 'e', 't'};
/* Preamble and architecture block; the parameters follow. */
enum { MODEL_HEADER_BYTES = SIREN_PREAMBLE_BYTES + SIREN_ARCH_BYTES };
_Static_assert(MODEL_HEADER_BYTES <= SIREN_FILE_HEAD_MAX, "siren__read_file's header");

/* ------------------------------------------------- framing, shared parts */

bool siren__format_size(size_t header_bytes, size_t arrays, size_t param_count, size_t *size)
{
    size_t floats, bytes, body;
    return siren__mul_size(arrays, param_count, &floats) &&
           siren__mul_size(floats, sizeof(float), &bytes) &&
           siren__add_size(header_bytes, bytes, &body) &&
           siren__add_size(body, SIREN_CRC_BYTES, size);
}

int siren__check_capacity(size_t needed, const void *buf, size_t cap, size_t *len)
{
    if (!len)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!buf || cap < needed) {
        *len = needed;
        return SIREN_ERR_TOO_LARGE;
    }
    return SIREN_OK;
}

uint8_t *siren__put_header(uint8_t *p, const char *magic, const siren_net *net)
{
    const siren_config *cfg = &net->cfg;
    memcpy(p, magic, SIREN_MAGIC_BYTES);
    p = siren__put_u32(p + SIREN_MAGIC_BYTES, SIREN_FORMAT_VERSION);
    p = siren__put_u32(p, 0); /* flags: none defined in version 1 */
    p = siren__put_u32(p, cfg->in_features);
    p = siren__put_u32(p, cfg->out_features);
    p = siren__put_u32(p, cfg->hidden_features);
    p = siren__put_u32(p, cfg->hidden_layers);
    p = siren__put_f32(p, cfg->first_omega);
    p = siren__put_f32(p, cfg->hidden_omega);
    p = siren__put_u32(p, cfg->outermost_linear ? 1u : 0u);
    return siren__put_u64(p, (uint64_t)net->param_count);
}

/* Magic, then the version, before anything else: a newer file may have a
   different layout after it, and must be reported as VERSION, not FORMAT. */
static int read_preamble(siren_reader *r, const char *magic)
{
    char got[SIREN_MAGIC_BYTES];
    uint32_t version, flags;
    if (!siren__read_bytes(r, got, sizeof got) || memcmp(got, magic, sizeof got) != 0)
        return SIREN_ERR_FORMAT;
    if (!siren__read_u32(r, &version))
        return SIREN_ERR_FORMAT;
    if (version > SIREN_FORMAT_VERSION)
        return SIREN_ERR_VERSION;
    if (version != SIREN_FORMAT_VERSION)
        return SIREN_ERR_FORMAT;
    if (!siren__read_u32(r, &flags) || flags != 0)
        return SIREN_ERR_FORMAT;
    return SIREN_OK;
}

/* Every architecture a file may declare is one siren_net_create accepts
   and whose parameter count matches the declared one. A file beyond
   SIREN_MAX_PARAMS is FORMAT, not TOO_LARGE: the library never writes one. */
static int read_architecture(siren_reader *r, siren_config *cfg, size_t *param_count)
{
    uint32_t linear;
    uint64_t declared;
    siren_config_default(cfg);
    bool complete = siren__read_u32(r, &cfg->in_features) &&
                    siren__read_u32(r, &cfg->out_features) &&
                    siren__read_u32(r, &cfg->hidden_features) &&
                    siren__read_u32(r, &cfg->hidden_layers) &&
                    siren__read_f32(r, &cfg->first_omega) &&
                    siren__read_f32(r, &cfg->hidden_omega) &&
                    siren__read_u32(r, &linear) && siren__read_u64(r, &declared);
    if (!complete || linear > 1)
        return SIREN_ERR_FORMAT;
    cfg->outermost_linear = (int32_t)linear;
    size_t implied;
    if (siren__config_check(cfg, &implied) != SIREN_OK || declared != (uint64_t)implied)
        return SIREN_ERR_FORMAT;
    *param_count = implied;
    return SIREN_OK;
}

int siren__read_header(siren_reader *r, const char *magic, siren_config *cfg,
                       size_t *param_count)
{
    int status = read_preamble(r, magic);
    if (status != SIREN_OK)
        return status;
    return read_architecture(r, cfg, param_count);
}

/* Sizes are compared with the real length before anything is allocated or
   read: a corrupt count can neither make us allocate nor read past the end. */
int siren__check_body(const siren_reader *r, size_t arrays, size_t param_count)
{
    size_t expected;
    if (!siren__format_size(r->pos, arrays, param_count, &expected) || r->len != expected)
        return SIREN_ERR_FORMAT;
    size_t covered = r->len - SIREN_CRC_BYTES;
    uint32_t stored = siren__get_u32(r->data + covered);
    if (siren__crc32(0, r->data, covered) != stored)
        return SIREN_ERR_FORMAT;
    return SIREN_OK;
}

uint8_t *siren__put_crc(const uint8_t *start, uint8_t *end)
{
    return siren__put_u32(end, siren__crc32(0, start, (size_t)(end - start)));
}

/* ------------------------------------------------------------ model files */

/* The size of net's model file; false when it does not fit in a size_t
   (possible only where size_t has 32 bits). */
static bool model_file_size(const siren_net *net, size_t *size)
{
    return siren__format_size(MODEL_HEADER_BYTES, 1, net->param_count, size);
}

int siren_net_save_buffer(const siren_net *net, void *buf, size_t cap, size_t *len)
{
    size_t needed;
    if (!net || !len)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!model_file_size(net, &needed))
        needed = SIZE_MAX; /* more than any buffer can hold */
    int status = siren__check_capacity(needed, buf, cap, len);
    if (status != SIREN_OK)
        return status;
    uint8_t *start = buf;
    uint8_t *p = siren__put_header(start, model_magic, net);
    p = siren__put_f32_array(p, net->params, net->param_count);
    siren__put_crc(start, p);
    *len = needed;
    return SIREN_OK;
}

int siren_net_load_buffer_with_allocator(const void *buf, size_t len,
                                         const siren_allocator *alloc, siren_net **out)
{
    siren_allocator checked; /* an incomplete allocator is refused before any work */
    if (!buf || !out || !siren__allocator_copy(alloc, &checked))
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_reader r;
    siren_config cfg;
    size_t param_count = 0;
    siren__reader_init(&r, buf, len);
    int status = siren__read_header(&r, model_magic, &cfg, &param_count);
    if (status == SIREN_OK)
        status = siren__check_body(&r, 1, param_count);
    siren_net *net = NULL;
    if (status == SIREN_OK)
        status = siren_net_create_with_allocator(&cfg, alloc, &net);
    if (status != SIREN_OK)
        return status;
    (void)siren__read_f32_array(&r, net->params, param_count); /* fits: checked above */
    *out = net;
    return SIREN_OK;
}

int siren_net_load_buffer(const void *buf, size_t len, siren_net **out)
{
    return siren_net_load_buffer_with_allocator(buf, len, NULL, out);
}

int siren_net_save(const siren_net *net, const char *path)
{
    size_t len;
    if (!net || !path)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!model_file_size(net, &len))
        return SIREN_ERR_TOO_LARGE;
    uint8_t *buf = siren__alloc(&net->allocator, len);
    if (!buf)
        return SIREN_ERR_OUT_OF_MEMORY;
    int status = siren_net_save_buffer(net, buf, len, &len);
    if (status == SIREN_OK)
        status = siren__write_file_atomic(path, buf, len, &net->allocator);
    siren__free(&net->allocator, buf);
    return status;
}

/* siren__read_file's look at the header: the length of the model file
   its architecture implies. */
static int model_file_length(const uint8_t *head, size_t head_len, size_t *length)
{
    siren_reader r;
    siren_config cfg;
    size_t param_count;
    siren__reader_init(&r, head, head_len);
    int status = siren__read_header(&r, model_magic, &cfg, &param_count);
    if (status != SIREN_OK)
        return status;
    return siren__format_size(r.pos, 1, param_count, length) ? SIREN_OK : SIREN_ERR_TOO_LARGE;
}

int siren_net_load_with_allocator(const char *path, const siren_allocator *alloc,
                                  siren_net **out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    siren_allocator checked; /* an incomplete allocator is refused before any work */
    if (!path || !out || !siren__allocator_copy(alloc, &checked))
        return SIREN_ERR_INVALID_ARGUMENT;
    int status = siren__read_file(path, MODEL_HEADER_BYTES, model_file_length, alloc, &data, &len);
    if (status != SIREN_OK)
        return status;
    status = siren_net_load_buffer_with_allocator(data, len, alloc, out);
    siren__free(alloc, data);
    return status;
}

int siren_net_load(const char *path, siren_net **out)
{
    return siren_net_load_with_allocator(path, NULL, out);
}
