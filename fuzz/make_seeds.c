/* make_seeds.c - writes the seed corpora of the harnesses into
 * fuzz/corpus/<harness>/ (run from the repository root: `make -f
 * fuzz/fuzz.mk fuzz-seeds`). The seeds are committed; this program is how
 * they were made, so they can be remade after a format change.
 *
 *   model_load       model files of tiny nets (every architecture option)
 *   checkpoint_load  checkpoints of tiny nets after a few Adam steps
 *   api              programs for fuzz_api.c, one per kind of operation
 *   pnm              small PGM/PPM images, ASCII and binary, 8 and 16 bit
 *   wav              small WAVE files of every format the reader takes
 *   shape            .xyz, PLY (ASCII, binary) and OBJ files, each after
 *                    the byte that tells fuzz_shape.c the format
 */
#define _POSIX_C_SOURCE 200809L
#include "siren.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "fuzz/corpus/%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void make_dir(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "fuzz/corpus/%s", name);
    mkdir("fuzz/corpus", 0777);
    mkdir(path, 0777);
}

/* ----------------------------------------------------------- model files */

typedef struct arch {
    const char *name;
    uint32_t in, out, hidden, layers;
    float first_omega, hidden_omega;
    int linear;
} arch;

static const arch archs[] = {
    {"in1_out1_w4_l0", 1, 1, 4, 0, 30.0f, 30.0f, 1},
    {"in2_out1_w8_l1", 2, 1, 8, 1, 30.0f, 30.0f, 1},
    {"in3_out2_w5_l2", 3, 2, 5, 2, 10.0f, 20.0f, 1},
    {"in2_out3_w3_l1_sine_last", 2, 3, 3, 1, 30.0f, 30.0f, 0},
    {"in1_out1_w1_l3", 1, 1, 1, 3, 1.0f, 0.5f, 1},
};

static siren_net *make_net(const arch *a, uint64_t seed)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = a->in;
    cfg.out_features = a->out;
    cfg.hidden_features = a->hidden;
    cfg.hidden_layers = a->layers;
    cfg.first_omega = a->first_omega;
    cfg.hidden_omega = a->hidden_omega;
    cfg.outermost_linear = a->linear;
    siren_net *net = NULL;
    if (siren_net_create(&cfg, &net) != SIREN_OK || siren_net_init(net, seed) != SIREN_OK) {
        fprintf(stderr, "make_seeds: cannot create %s\n", a->name);
        exit(1);
    }
    return net;
}

static void save_model(const siren_net *net, const char *name)
{
    size_t len = 0;
    siren_net_save_buffer(net, NULL, 0, &len);
    unsigned char *buf = malloc(len);
    if (siren_net_save_buffer(net, buf, len, &len) != SIREN_OK)
        exit(1);
    write_file("model_load", name, buf, len);
    free(buf);
}

static void model_seeds(void)
{
    make_dir("model_load");
    char name[128];
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        siren_net *net = make_net(&archs[i], i);
        snprintf(name, sizeof name, "%s.siren", archs[i].name);
        save_model(net, name);
        siren_net_free(net);
    }
    /* Parameters that are not finite load as they are. */
    siren_net *net = make_net(&archs[0], 7);
    siren_net_params(net)[0] = NAN;
    siren_net_params(net)[1] = INFINITY;
    save_model(net, "nonfinite_params.siren");
    siren_net_free(net);
}

/* ----------------------------------------------------------- checkpoints */

static void checkpoint_seeds(void)
{
    make_dir("checkpoint_load");
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        siren_net *net = make_net(&archs[i], 10 + i);
        siren_adam_config cfg;
        siren_adam_config_default(&cfg);
        cfg.lr = 1e-3f;
        cfg.weight_decay = i % 2 ? 0.01f : 0.0f;
        cfg.clip_grad_norm = i % 3 == 2 ? 1.0f : 0.0f;
        siren_adam *opt = NULL;
        if (siren_adam_create(net, &cfg, &opt) != SIREN_OK)
            exit(1);
        size_t n = siren_net_param_count(net);
        for (size_t step = 0; step < i + 1; step++) {
            float *g = siren_net_grads(net);
            for (size_t k = 0; k < n; k++)
                g[k] = sinf((float)(k + 3 * step));
            if (siren_adam_step(opt, net) != SIREN_OK)
                exit(1);
        }
        size_t len = 0;
        siren_checkpoint_save_buffer(net, opt, NULL, 0, &len);
        unsigned char *buf = malloc(len);
        if (siren_checkpoint_save_buffer(net, opt, buf, len, &len) != SIREN_OK)
            exit(1);
        char name[128];
        snprintf(name, sizeof name, "%s.ckpt", archs[i].name);
        write_file("checkpoint_load", name, buf, len);
        free(buf);
        siren_adam_free(opt);
        siren_net_free(net);
    }
}

/* ------------------------------------------------------- api programs */

/* The byte code of fuzz_api.c: see create_net, create_workspace and the
   op_* functions there. Floats are one byte: (b - 100) / 50 for b < 200,
   240 + i for the special value i (240 NaN, 242 +inf). */
typedef struct program {
    unsigned char bytes[1024];
    size_t len;
} program;

static void emit(program *p, int count, ...)
{
    va_list ap;
    va_start(ap, count);
    for (int i = 0; i < count; i++)
        p->bytes[p->len++] = (unsigned char)va_arg(ap, int);
    va_end(ap);
}

enum { OP_EVAL = 0, OP_FORWARD, OP_BACKWARD, OP_ADAM, OP_ZERO, OP_THREADS, OP_POKE,
       OP_WEIGHTS, OP_INSTANCES, OP_ROUND_TRIP };
enum { F_NAN = 240, F_INF = 242, F_ZERO = 100, F_HALF = 125, F_ONE = 150, F_MHALF = 75 };

/* fail byte, in-1, out-1, hidden-1, layers, omega codes, linear, seed;
   then the workspace: what byte (low 4 bits quantities; 0x10 eval-only),
   max_points - 1. */
static void header(program *p, int fail, int in, int out, int hidden, int layers, int what,
                   int max_points)
{
    p->len = 0;
    emit(p, 10, fail, in - 1, out - 1, hidden - 1, layers, 0, 0, 1, 42, what);
    emit(p, 1, max_points - 1);
}

/* n points of `dims` tame coordinates, asking for `asked`. */
static void points(program *p, int n, int asked, int dims, int special)
{
    emit(p, 2, n, asked);
    /* n == 0 still reads one point (fuzz_api.c, take_call). */
    for (int i = 0; i < (n ? n : 1) * dims; i++)
        emit(p, 1, i == 1 && special ? special : 60 + (i * 37) % 80);
}

static void save_program(const program *p, const char *name)
{
    write_file("api", name, p->bytes, p->len);
}

static void api_seeds(void)
{
    make_dir("api");
    program p;
    /* eval of every quantity, then with 2 threads. */
    header(&p, 0, 2, 1, 8, 1, 0x0f, 8);
    emit(&p, 1, OP_EVAL);
    points(&p, 6, 15, 2, 0);
    emit(&p, 2, OP_THREADS, 2);
    emit(&p, 1, OP_EVAL);
    points(&p, 8, 15, 2, 0);
    save_program(&p, "eval_all_threads");
    /* a NaN and an infinite coordinate among finite ones. */
    header(&p, 0, 3, 2, 6, 2, 0x0f, 8);
    emit(&p, 1, OP_EVAL);
    points(&p, 5, 15, 3, F_NAN);
    emit(&p, 1, OP_EVAL);
    points(&p, 5, 3, 3, F_INF);
    save_program(&p, "eval_nonfinite_points");
    /* training: forward, backward, Adam, three times, then a round trip. */
    header(&p, 0, 2, 1, 8, 1, 0x03, 4);
    emit(&p, 3, OP_ADAM, F_ONE, 0);
    for (int step = 0; step < 3; step++) {
        emit(&p, 1, OP_ZERO);
        emit(&p, 1, OP_FORWARD);
        points(&p, 4, 1, 2, 0);
        emit(&p, 2, OP_BACKWARD, 1);
        emit(&p, 4, F_HALF, F_MHALF, F_ONE, F_HALF);
        emit(&p, 1, OP_ADAM);
    }
    emit(&p, 1, OP_ROUND_TRIP);
    save_program(&p, "train_round_trip");
    /* a NaN adjoint: Adam must refuse the step. */
    header(&p, 0, 1, 1, 4, 0, 0x0f, 4);
    emit(&p, 3, OP_ADAM, F_ONE, 3);
    emit(&p, 1, OP_FORWARD);
    points(&p, 2, 15, 1, 0);
    emit(&p, 2, OP_BACKWARD, 15);
    for (int i = 0; i < 8; i++)
        emit(&p, 1, i == 3 ? F_NAN : F_HALF);
    emit(&p, 1, OP_ADAM);
    save_program(&p, "nonfinite_adjoint");
    /* backward without forward, eval-only workspace, forward refused. */
    header(&p, 0, 2, 2, 3, 0, 0x13, 4);
    emit(&p, 2, OP_BACKWARD, 1);
    emit(&p, 1, OP_FORWARD);
    points(&p, 2, 1, 2, 0);
    emit(&p, 1, OP_EVAL);
    points(&p, 2, 3, 2, 0);
    save_program(&p, "eval_only_states");
    /* too many points, zero points, quantity not served. */
    header(&p, 0, 2, 1, 4, 1, 0x01, 2);
    emit(&p, 1, OP_EVAL);
    points(&p, 3, 1, 2, 0);
    emit(&p, 1, OP_EVAL);
    points(&p, 0, 1, 2, 0);
    emit(&p, 1, OP_EVAL);
    points(&p, 1, 4, 2, 0);
    save_program(&p, "eval_errors");
    /* Laplacian weights (wave operator), Hessian, pokes, instances. */
    header(&p, 0, 3, 1, 5, 1, 0x0c, 6);
    emit(&p, 5, OP_WEIGHTS, 0, F_ONE, 50, 50);
    emit(&p, 1, OP_EVAL);
    points(&p, 3, 12, 3, 0);
    emit(&p, 3, OP_POKE, 3, F_NAN);
    emit(&p, 1, OP_EVAL);
    points(&p, 3, 12, 3, 0);
    emit(&p, 2, OP_INSTANCES, 1);
    points(&p, 3, 4, 3, 0);
    save_program(&p, "weights_pokes_instances");
    /* allocation failures: the 3rd (in net create) and the 16th (in the
       pool of set_threads: the net takes 4, the workspace 10). */
    header(&p, 218, 2, 1, 4, 1, 0x03, 4);
    emit(&p, 1, OP_EVAL);
    points(&p, 2, 3, 2, 0);
    save_program(&p, "alloc_fail_3");
    header(&p, 231, 2, 1, 4, 1, 0x03, 4);
    emit(&p, 2, OP_THREADS, 3);
    emit(&p, 3, OP_ADAM, F_ONE, 0);
    emit(&p, 1, OP_EVAL);
    points(&p, 2, 3, 2, 0);
    save_program(&p, "alloc_fail_16");
    /* an omega that is not valid, a raw float omega. */
    p.len = 0;
    emit(&p, 10, 0, 1, 0, 3, 1, 6, 240, 0, 1, 0);
    save_program(&p, "omega_nan");
}

/* ------------------------------------------------------------- images */

static void pnm_seeds(void)
{
    make_dir("pnm");
    static const char p2[] = "P2\n# a comment\n3 2\n255\n0 128 255\n 10 20 30\n";
    write_file("pnm", "ascii_grey.pgm", p2, sizeof p2 - 1);
    static const char p3[] = "P3 2 1 15 0 7 15 15 0 3\n";
    write_file("pnm", "ascii_rgb.ppm", p3, sizeof p3 - 1);
    unsigned char p5[11 + 12];
    memcpy(p5, "P5\n4 3\n255\n", 11);
    for (int i = 0; i < 12; i++)
        p5[11 + i] = (unsigned char)(i * 21);
    write_file("pnm", "binary_grey.pgm", p5, sizeof p5);
    unsigned char p6[11 + 12];
    memcpy(p6, "P6\n2 2\n255\n", 11);
    for (int i = 0; i < 12; i++)
        p6[11 + i] = (unsigned char)(255 - i * 20);
    write_file("pnm", "binary_rgb.ppm", p6, sizeof p6);
    unsigned char p5_16[13 + 8];
    memcpy(p5_16, "P5\n2 2\n65535\n", 13);
    for (int i = 0; i < 8; i++)
        p5_16[13 + i] = (unsigned char)(i * 37);
    write_file("pnm", "binary_grey16.pgm", p5_16, sizeof p5_16);
    unsigned char p6_16[14 + 6];
    memcpy(p6_16, "P6 1 1 1000\n#c\n", 14);
    memcpy(p6_16 + 14, "\x03\xe8\x00\x00\x01\xf4", 6);
    write_file("pnm", "binary_rgb16.ppm", p6_16, sizeof p6_16);
    static const char p1bit[] = "P5 1 1 1\n\x01";
    write_file("pnm", "maxval1.pgm", p1bit, sizeof p1bit - 1);
}


/* ---------------------------------------------------------------- audio */

typedef struct bytes {
    unsigned char data[512];
    size_t len;
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_le(bytes *b, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        b->data[b->len++] = (unsigned char)(v >> (8 * i));
}

/* A WAVE file: fmt (plain tag, or WAVE_FORMAT_EXTENSIBLE around it), an
   optional LIST chunk of odd size (with its pad byte), then `frames`
   frames of a ramp. Returns where the "data" chunk's size is. */
static size_t wav_build(bytes *b, unsigned tag, unsigned channels, unsigned bits,
                        unsigned frames, int extensible, int list)
{
    unsigned block = channels * bits / 8, data_bytes = frames * block;
    unsigned fmt_size = extensible ? 40 : tag == 3 ? 18 : 16;
    put(b, "RIFF", 4);
    size_t riff_size_at = b->len;
    put_le(b, 0, 4);
    put(b, "WAVEfmt ", 8);
    put_le(b, fmt_size, 4);
    put_le(b, extensible ? 0xFFFEu : tag, 2);
    put_le(b, channels, 2);
    put_le(b, 8000, 4);
    put_le(b, 8000 * block, 4);
    put_le(b, block, 2);
    put_le(b, bits, 2);
    if (extensible) {
        put_le(b, 22, 2);
        put_le(b, bits, 2);
        put_le(b, channels == 2 ? 3 : 4, 4);
        put_le(b, tag, 4); /* the sub-format GUID: tag, then the fixed tail */
        put(b, "\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71", 12);
    } else if (tag == 3) {
        put_le(b, 0, 2);
    }
    if (list) {
        put(b, "LIST", 4);
        put_le(b, 5, 4);
        put(b, "INFO!\0", 6); /* 5 bytes and the pad */
    }
    put(b, "data", 4);
    size_t data_size_at = b->len;
    put_le(b, data_bytes, 4);
    for (unsigned i = 0; i < frames * channels; i++) {
        if (tag == 3) {
            float f = (float)i / (float)(frames * channels) - 0.5f;
            uint32_t u;
            memcpy(&u, &f, 4);
            put_le(b, u, 4);
        } else {
            put_le(b, i * 0x01234567u, (int)bits / 8);
        }
    }
    uint32_t riff = (uint32_t)(b->len - 8);
    for (int i = 0; i < 4; i++)
        b->data[riff_size_at + (size_t)i] = (unsigned char)(riff >> (8 * i));
    return data_size_at;
}

static void wav_seed(const char *name, unsigned tag, unsigned channels, unsigned bits,
                     unsigned frames, int extensible, int list)
{
    bytes b = {{0}, 0};
    wav_build(&b, tag, channels, bits, frames, extensible, list);
    write_file("wav", name, b.data, b.len);
}

static void set_le32(bytes *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->data[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

/* A PCM file as a streaming writer leaves it (wav.h, "Streamed files"):
   the RIFF and "data" sizes replaced, `partial` bytes of one more frame
   at the end. */
static void wav_streamed_seed(const char *name, unsigned channels, unsigned bits,
                              unsigned frames, uint32_t riff, uint32_t data, unsigned partial)
{
    bytes b = {{0}, 0};
    size_t data_size_at = wav_build(&b, 1, channels, bits, frames, 0, 0);
    for (unsigned i = 0; i < partial; i++)
        put_le(&b, 0x5a, 1);
    set_le32(&b, 4, riff);
    set_le32(&b, data_size_at, data);
    write_file("wav", name, b.data, b.len);
}

static void wav_seeds(void)
{
    make_dir("wav");
    wav_seed("pcm16_mono.wav", 1, 1, 16, 8, 0, 0);
    wav_seed("pcm8_stereo.wav", 1, 2, 8, 6, 0, 0);
    wav_seed("pcm24_mono_list.wav", 1, 1, 24, 5, 0, 1);
    wav_seed("pcm32_stereo.wav", 1, 2, 32, 3, 0, 0);
    wav_seed("float32_mono.wav", 3, 1, 32, 6, 0, 0);
    wav_seed("extensible_pcm16_stereo.wav", 1, 2, 16, 4, 1, 0);
    wav_seed("extensible_float_mono.wav", 3, 1, 32, 4, 1, 1);
    wav_streamed_seed("streamed_espeak_pcm16_mono.wav", 1, 16, 6, 0x7ffff024, 0x7ffff000, 0);
    wav_streamed_seed("streamed_ffmpeg_pcm24_stereo_partial.wav", 2, 24, 3, 0xffffffff,
                      0xffffffff, 4);
    wav_streamed_seed("streamed_zero_sizes_pcm8_mono.wav", 1, 8, 5, 0, 0, 0);
    wav_streamed_seed("riff_8_too_large_pcm16_stereo.wav", 2, 16, 3, 44 + 12 - 8 + 8, 12, 0);
    /* 5 bytes of 8-bit data, its pad byte counted by the RIFF size but left out */
    wav_streamed_seed("pcm8_odd_missing_pad.wav", 1, 8, 5, 44 + 5 - 8 + 1, 5, 0);
}

/* --------------------------------------------------------------- shapes */

/* The first byte selects the format in fuzz_shape.c: 0 unknown (PLY by its
   magic), 1 xyz, 2 PLY, 3 OBJ. */
static void shape_seed(const char *name, int format, const void *text, size_t len)
{
    bytes b = {{0}, 0};
    b.data[b.len++] = (unsigned char)format;
    put(&b, text, len);
    write_file("shape", name, b.data, b.len);
}

#define SHAPE_TEXT(name, format, text) shape_seed(name, format, text, sizeof text - 1)

static void shape_seeds(void)
{
    make_dir("shape");
    SHAPE_TEXT("points.xyz", 1,
               "# x y z nx ny nz\n0 0 1 0 0 1\n\n1 0 0 2 0 0\n0 -1 0 0 -3 0\n");
    SHAPE_TEXT("points_ascii.ply", 2,
               "ply\nformat ascii 1.0\ncomment c\nelement vertex 2\nproperty float x\n"
               "property float y\nproperty float z\nproperty float nx\nproperty float ny\n"
               "property float nz\nend_header\n0 0 1 0 0 1\n1 0 0 1 0 0\n");
    SHAPE_TEXT("tetrahedron_ascii.ply", 0,
               "ply\nformat ascii 1.0\nelement vertex 4\nproperty double x\n"
               "property double y\nproperty double z\nproperty uchar red\n"
               "element face 4\nproperty list uchar int vertex_indices\nend_header\n"
               "0 0 0 1\n1 0 0 2\n0 1 0 3\n0 0 1 4\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n");
    /* Binary: 3 vertices of float x, y, z and one face (uchar count, int indices). */
    bytes ply = {{0}, 0};
    static const char head[] = "ply\nformat binary_little_endian 1.0\nelement vertex 3\n"
                               "property float x\nproperty float y\nproperty float z\n"
                               "element face 1\nproperty list uchar int vertex_index\n"
                               "end_header\n";
    put(&ply, head, sizeof head - 1);
    static const float v[9] = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    for (int i = 0; i < 9; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_le(&ply, u, 4);
    }
    ply.data[ply.len++] = 3;
    for (uint32_t i = 0; i < 3; i++)
        put_le(&ply, i, 4);
    shape_seed("triangle_binary.ply", 2, ply.data, ply.len);
    SHAPE_TEXT("quad_fan.obj", 3,
               "# a square and a triangle\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\n"
               "vt 0 0\nf 1/1/1 2/1/1 3/1/1 4/1/1\nf -4//1 -3//1 -1//1\ng group\ns off\n");
}

int main(void)
{
    model_seeds();
    checkpoint_seeds();
    api_seeds();
    pnm_seeds();
    wav_seeds();
    shape_seeds();
    return 0;
}
