/* model_format.h - the framing the model and checkpoint files share
 * (docs/FORMAT.md): a preamble (magic, format version, flags), the
 * architecture block, float32 arrays of param_count values each, and a
 * CRC-32 of everything before it. Implemented in model_file.c; private to
 * the library.
 */
#ifndef SIREN_MODEL_FORMAT_H
#define SIREN_MODEL_FORMAT_H

#include "file_io.h"
#include "internal.h"

/* The format version this library writes, and the newest it reads. */
#define SIREN_FORMAT_VERSION 1u

enum {
    SIREN_MAGIC_BYTES = 8,
    SIREN_PREAMBLE_BYTES = 16,     /* magic, u32 version, u32 flags */
    SIREN_ARCH_BYTES = 36,         /* 7 four-byte fields and a u64 count */
    SIREN_CRC_BYTES = 4
};

/* Size in bytes of a file with header_bytes of fixed fields, `arrays`
   float32 arrays of param_count values and the CRC; false on overflow. */
bool siren__format_size(size_t header_bytes, size_t arrays, size_t param_count,
                        size_t *size);

/* The save_buffer contract: INVALID_ARGUMENT when len is NULL; when buf is
   NULL or cap < needed, *len = needed and TOO_LARGE; else SIREN_OK. */
int siren__check_capacity(size_t needed, const void *buf, size_t cap, size_t *len);

/* Writes the preamble and net's architecture block; returns p advanced. */
uint8_t *siren__put_header(uint8_t *p, const char *magic, const siren_net *net);

/* Reads and checks the preamble and architecture block. On SIREN_OK, *cfg
   is a valid architecture (size set) with *param_count parameters. FORMAT:
   wrong magic, truncated, reserved flags set, version 0, a field out of
   range; VERSION: a version newer than SIREN_FORMAT_VERSION. */
int siren__read_header(siren_reader *r, const char *magic, siren_config *cfg,
                       size_t *param_count);

/* After the fixed fields: checks that exactly `arrays` arrays of
   param_count floats and the CRC remain, and that the CRC matches. */
int siren__check_body(const siren_reader *r, size_t arrays, size_t param_count);

/* Stores the CRC-32 of [start, end) at end; returns end advanced. */
uint8_t *siren__put_crc(const uint8_t *start, uint8_t *end);

#endif /* SIREN_MODEL_FORMAT_H */
