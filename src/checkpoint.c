/* checkpoint.c - training checkpoints: a network's parameters with the
   Adam optimiser's configuration, step count and moments, so that training
   resumes bit-identically (docs/FORMAT.md). Same framing as model files
   (model_format.h), its own magic. */
#include "model_format.h"

#include <string.h>

static const char checkpoint_magic[SIREN_MAGIC_BYTES] = {'S', 'I', 'R', 'E', 'N', 'c', 'k', 'p'};

enum {
    ADAM_CONFIG_BYTES = 24, /* lr, beta1, beta2, eps, weight_decay, clip_grad_norm */
    STEP_BYTES = 8,
    CHECKPOINT_HEADER_BYTES =
        SIREN_PREAMBLE_BYTES + SIREN_ARCH_BYTES + ADAM_CONFIG_BYTES + STEP_BYTES,
    CHECKPOINT_ARRAYS = 3 /* params, m, v */
};
_Static_assert(CHECKPOINT_HEADER_BYTES <= SIREN_FILE_HEAD_MAX, "siren__read_file's header");

static bool checkpoint_size(const siren_net *net, size_t *size)
{
    return siren__format_size(CHECKPOINT_HEADER_BYTES, CHECKPOINT_ARRAYS, net->param_count,
                              size);
}

/* An optimiser may only be saved with a network it can step. */
static bool optimiser_fits(const siren_net *net, const siren_adam *opt)
{
    return opt->param_count == net->param_count &&
           siren__same_architecture(&opt->arch, &net->cfg);
}

static uint8_t *put_adam_config(uint8_t *p, const siren_adam_config *cfg)
{
    p = siren__put_f32(p, cfg->lr);
    p = siren__put_f32(p, cfg->beta1);
    p = siren__put_f32(p, cfg->beta2);
    p = siren__put_f32(p, cfg->eps);
    p = siren__put_f32(p, cfg->weight_decay);
    return siren__put_f32(p, cfg->clip_grad_norm);
}

int siren_checkpoint_save_buffer(const siren_net *net, const siren_adam *opt, void *buf,
                                 size_t cap, size_t *len)
{
    size_t needed;
    if (!net || !opt || !len)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!optimiser_fits(net, opt))
        return SIREN_ERR_STATE;
    if (!checkpoint_size(net, &needed))
        needed = SIZE_MAX; /* more than any buffer can hold */
    int status = siren__check_capacity(needed, buf, cap, len);
    if (status != SIREN_OK)
        return status;
    uint8_t *start = buf;
    uint8_t *p = siren__put_header(start, checkpoint_magic, net);
    p = put_adam_config(p, &opt->cfg);
    p = siren__put_u64(p, opt->step);
    p = siren__put_f32_array(p, net->params, net->param_count);
    p = siren__put_f32_array(p, opt->m, net->param_count);
    p = siren__put_f32_array(p, opt->v, net->param_count);
    siren__put_crc(start, p);
    *len = needed;
    return SIREN_OK;
}

/* The optimiser fields; their values are checked by siren_adam_create. */
static bool read_adam_state(siren_reader *r, siren_adam_config *cfg, uint64_t *step)
{
    siren_adam_config_default(cfg);
    return siren__read_f32(r, &cfg->lr) && siren__read_f32(r, &cfg->beta1) &&
           siren__read_f32(r, &cfg->beta2) && siren__read_f32(r, &cfg->eps) &&
           siren__read_f32(r, &cfg->weight_decay) && siren__read_f32(r, &cfg->clip_grad_norm) &&
           siren__read_u64(r, step);
}

/* Everything in the file is checked (sizes, CRC) before this runs. An
   optimiser configuration that siren_adam_create refuses can only come from
   the file, so INVALID_ARGUMENT is reported as FORMAT. */
static int create_objects(siren_reader *r, const siren_config *arch,
                          const siren_adam_config *adam_cfg, uint64_t step,
                          const siren_allocator *alloc, siren_net **net_out,
                          siren_adam **opt_out)
{
    siren_net *net = NULL;
    siren_adam *opt = NULL;
    int status = siren_net_create_with_allocator(arch, alloc, &net);
    if (status != SIREN_OK)
        return status;
    status = siren_adam_create(net, adam_cfg, &opt);
    if (status != SIREN_OK) {
        siren_net_free(net);
        return status == SIREN_ERR_INVALID_ARGUMENT ? SIREN_ERR_FORMAT : status;
    }
    size_t n = net->param_count;
    /* The length was checked: these reads cannot fail. */
    (void)siren__read_f32_array(r, net->params, n);
    (void)siren__read_f32_array(r, opt->m, n);
    (void)siren__read_f32_array(r, opt->v, n);
    opt->step = step;
    *net_out = net;
    *opt_out = opt;
    return SIREN_OK;
}

int siren_checkpoint_load_buffer_with_allocator(const void *buf, size_t len,
                                                const siren_allocator *alloc, siren_net **net,
                                                siren_adam **opt)
{
    siren_allocator checked; /* an incomplete allocator is refused before any work */
    if (!buf || !net || !opt || !siren__allocator_copy(alloc, &checked))
        return SIREN_ERR_INVALID_ARGUMENT;
    siren_reader r;
    siren_config arch;
    siren_adam_config adam_cfg;
    uint64_t step = 0;
    size_t param_count = 0;
    siren__reader_init(&r, buf, len);
    int status = siren__read_header(&r, checkpoint_magic, &arch, &param_count);
    if (status != SIREN_OK)
        return status;
    if (!read_adam_state(&r, &adam_cfg, &step))
        return SIREN_ERR_FORMAT;
    status = siren__check_body(&r, CHECKPOINT_ARRAYS, param_count);
    if (status != SIREN_OK)
        return status;
    return create_objects(&r, &arch, &adam_cfg, step, alloc, net, opt);
}

int siren_checkpoint_load_buffer(const void *buf, size_t len, siren_net **net, siren_adam **opt)
{
    return siren_checkpoint_load_buffer_with_allocator(buf, len, NULL, net, opt);
}

int siren_checkpoint_save(const siren_net *net, const siren_adam *opt, const char *path)
{
    size_t len;
    if (!net || !opt || !path)
        return SIREN_ERR_INVALID_ARGUMENT;
    if (!optimiser_fits(net, opt))
        return SIREN_ERR_STATE;
    if (!checkpoint_size(net, &len))
        return SIREN_ERR_TOO_LARGE;
    uint8_t *buf = siren__alloc(&net->allocator, len);
    if (!buf)
        return SIREN_ERR_OUT_OF_MEMORY;
    int status = siren_checkpoint_save_buffer(net, opt, buf, len, &len);
    if (status == SIREN_OK)
        status = siren__write_file_atomic(path, buf, len, &net->allocator);
    siren__free(&net->allocator, buf);
    return status;
}

/* siren__read_file's look at the header: the length of the checkpoint
   its architecture implies. The optimiser's fields are read (they must be
   there) but checked only by the full load. */
static int checkpoint_length(const uint8_t *head, size_t head_len, size_t *length)
{
    siren_reader r;
    siren_config arch;
    siren_adam_config adam_cfg;
    uint64_t step;
    size_t param_count;
    siren__reader_init(&r, head, head_len);
    int status = siren__read_header(&r, checkpoint_magic, &arch, &param_count);
    if (status != SIREN_OK)
        return status;
    if (!read_adam_state(&r, &adam_cfg, &step))
        return SIREN_ERR_FORMAT;
    return siren__format_size(r.pos, CHECKPOINT_ARRAYS, param_count, length)
               ? SIREN_OK
               : SIREN_ERR_TOO_LARGE;
}

int siren_checkpoint_load_with_allocator(const char *path, const siren_allocator *alloc,
                                         siren_net **net, siren_adam **opt)
{
    uint8_t *data = NULL;
    size_t len = 0;
    siren_allocator checked; /* an incomplete allocator is refused before any work */
    if (!path || !net || !opt || !siren__allocator_copy(alloc, &checked))
        return SIREN_ERR_INVALID_ARGUMENT;
    int status =
        siren__read_file(path, CHECKPOINT_HEADER_BYTES, checkpoint_length, alloc, &data, &len);
    if (status != SIREN_OK)
        return status;
    status = siren_checkpoint_load_buffer_with_allocator(data, len, alloc, net, opt);
    siren__free(alloc, data);
    return status;
}

int siren_checkpoint_load(const char *path, siren_net **net, siren_adam **opt)
{
    return siren_checkpoint_load_with_allocator(path, NULL, net, opt);
}
