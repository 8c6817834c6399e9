/* status.c - version numbers and status names. */
#include "internal.h"

unsigned siren_version_number(void)
{
    return SIREN_VERSION_NUMBER;
}

const char *siren_version_string(void)
{
    return SIREN_VERSION_STRING;
}

const char *siren_status_string(int status)
{
    switch (status) {
    case SIREN_OK: return "ok";
    case SIREN_ERR_INVALID_ARGUMENT: return "invalid argument";
    case SIREN_ERR_OUT_OF_MEMORY: return "out of memory";
    case SIREN_ERR_TOO_LARGE: return "too large";
    case SIREN_ERR_IO: return "input/output error";
    case SIREN_ERR_FORMAT: return "not a valid libsiren file (wrong magic, truncated or corrupt)";
    case SIREN_ERR_VERSION: return "file from a newer format version";
    case SIREN_ERR_STATE: return "wrong state (no forward pass, or another network)";
    case SIREN_ERR_NONFINITE: return "NaN or infinite values";
    default: return "unknown status";
    }
}
