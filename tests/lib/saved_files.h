/* saved_files.h - what the tests of saved files (test_model_file.c,
   test_checkpoint.c) share: the format's CRC-32 computed from its
   definition, a fixed pseudo-random sequence, the status a flipped header
   bit must give, and scratch directories under /tmp. */
#ifndef SIREN_TESTS_SAVED_FILES_H
#define SIREN_TESTS_SAVED_FILES_H

#include "check.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* CRC-32 one bit at a time, straight from the definition (reflected
   polynomial 0xEDB88320), to check the library's table-driven one. */
static inline uint32_t crc32_bitwise(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc & 1u) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
    }
    return ~crc;
}

static inline void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A file's last four bytes: the CRC-32 of all before them. */
static inline void fix_crc(unsigned char *file, size_t len)
{
    put_le32(file + len - 4, crc32_bitwise(file, len - 4));
}

/* xorshift32: each test file's fixed seed gives the same "random" bytes
   and flips on every run. */
static inline uint32_t next_rand(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* What loading a file with header bit `bit` flipped returns: both formats
   start with an 8-byte magic and a 4-byte version (docs/FORMAT.md); a
   version's lowest bit makes version 0, which is malformed, not future. */
static inline int expected_flip_status(size_t bit)
{
    size_t byte = bit / 8;
    if (byte < 8 || byte >= 12)
        return SIREN_ERR_FORMAT;
    return bit == 64 ? SIREN_ERR_FORMAT : SIREN_ERR_VERSION;
}

/* A new directory /tmp/siren-test-WHAT-XXXXXX in dir (64 bytes). */
static inline void make_temp_dir(char *dir, const char *what)
{
    CHECK(snprintf(dir, 64, "/tmp/siren-test-%s-XXXXXX", what) < 64);
    CHECK(mkdtemp(dir) != NULL);
}

static inline void join(char *out, size_t cap, const char *dir, const char *name)
{
    CHECK(snprintf(out, cap, "%s/%s", dir, name) < (int)cap);
}

/* Names in dir that contain s (left-over temporary files: ".tmp-"). */
static inline int count_names_containing(const char *dir, const char *s)
{
    int count = 0;
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        count += strstr(e->d_name, s) != NULL;
    closedir(d);
    return count;
}

/* Removes dir and what the tests put in it (files and empty directories). */
static inline void remove_temp_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[512];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        join(path, sizeof path, dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    CHECK(rmdir(dir) == 0);
}

#endif
