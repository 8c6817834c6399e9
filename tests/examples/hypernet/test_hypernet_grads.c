/* test_hypernet_grads.c - the maths of examples/hypernet (set encoder,
   hypernetwork, loss, Adam; examples/hypernet/model.h): the gradients of
   every parameter block against central finite differences of the loss,
   prediction consistent with the loss, the SIREN chunking not changing a
   gradient bit, and the optimiser's step against hand-computed values.
   The test links the program's archive (build/examples/libhypernet.a);
   passes.h gives the encoder's passes, checked on their own. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */
#include "check.h"

#include <unistd.h>

#include "hypernet/adam.h"
#include "hypernet/model.h"
#include "hypernet/passes.h"
#include "hypernet/random.h"

#define FACES 3
#define POINTS 7

/* A small model and a batch: 3 faces with 2, 3 and 5 context rows. */
typedef struct fixture {
    hn_model model;
    hn_work work;
    size_t start[FACES + 1];
    float context[10 * 3];
    float coords[POINTS * 2];
    float targets[FACES * POINTS];
    hn_batch batch;
} fixture;

static hn_config small_config(void)
{
    hn_config cfg;
    hn_config_default(&cfg);
    cfg.encoder_width = 6;
    cfg.encoder_layers = 3;
    cfg.latent = 5;
    cfg.hyper_width = 9;
    /* larger than the example's 1e-2 so every output weight matters */
    cfg.output_scale = 0.3f;
    cfg.siren.hidden_features = 8;
    cfg.siren.hidden_layers = 1;
    return cfg;
}

static void make_fixture_with(fixture *f, size_t chunk_faces, bool sine_encoder)
{
    hn_config cfg = small_config();
    cfg.encoder_sine = sine_encoder;
    CHECK_STATUS(hn_model_create(&cfg, &f->model), SIREN_OK);
    hn_model_init(&f->model, 7);
    uint64_t rng = 11;
    size_t sizes[FACES] = {2, 3, 5};
    f->start[0] = 0;
    for (size_t i = 0; i < FACES; i++)
        f->start[i + 1] = f->start[i] + sizes[i];
    for (size_t i = 0; i < f->start[FACES] * 3; i++)
        f->context[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
    for (size_t i = 0; i < POINTS * 2; i++)
        f->coords[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
    for (size_t i = 0; i < FACES * POINTS; i++)
        f->targets[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
    f->batch = (hn_batch){FACES, f->start, f->context, POINTS, f->coords, f->targets};
    CHECK_STATUS(hn_work_create(&f->model, FACES, f->start[FACES], POINTS, chunk_faces, 1,
                                &f->work),
                 SIREN_OK);
}

static void make_fixture(fixture *f, size_t chunk_faces)
{
    make_fixture_with(f, chunk_faces, false);
}

static void free_fixture(fixture *f)
{
    hn_work_free(&f->work);
    hn_model_free(&f->model);
}

static double total_loss(fixture *f)
{
    hn_loss loss;
    CHECK_STATUS(hn_loss_and_grad(&f->model, &f->work, &f->batch, &loss), SIREN_OK);
    return loss.total;
}

static double central_difference(fixture *f, size_t i, float h)
{
    float *p = &f->model.params[i], saved = *p;
    *p = saved + h;
    double up = total_loss(f);
    *p = saved - h;
    double down = total_loss(f);
    *p = saved;
    return (up - down) / (2.0 * (double)h);
}

/* The derivative of the loss in parameter i by central differences with
   Richardson extrapolation (the sine layers with omega 30 curve fast, so
   a plain difference needs a step too small for float), against the
   analytic gradient. Returns whether they agree. */
static int agrees_with_difference(fixture *f, size_t i, const float *grads)
{
    float h = 1e-3f;
    double fd = (4.0 * central_difference(f, i, h / 2) - central_difference(f, i, h)) / 3.0;
    double g = grads[i];
    int ok = fabs(fd - g) <= 1e-2 * fabs(fd) + 1e-3;
    if (!ok)
        printf("  param %zu: analytic %.7g, difference %.7g\n", i, g, fd);
    return ok;
}

/* Every block: the encoder layers, the hidden layer, each tensor's
   output layer, weights and biases, a few entries each. */
static void check_gradients(bool sine_encoder)
{
    fixture f;
    make_fixture_with(&f, FACES, sine_encoder);
    total_loss(&f);
    size_t count = f.model.count;
    float *grads = malloc(count * sizeof *grads);
    memcpy(grads, f.model.grads, count * sizeof *grads);
    hn_dense blocks[HN_MAX_ENCODER_LAYERS + 1 + HN_MAX_TENSORS];
    size_t nblocks = 0;
    for (size_t l = 0; l < f.model.cfg.encoder_layers; l++)
        blocks[nblocks++] = f.model.encoder[l];
    blocks[nblocks++] = f.model.hidden;
    for (size_t t = 0; t < f.model.tensor_count; t++)
        blocks[nblocks++] = f.model.tensors[t].output;
    uint64_t rng = 3;
    int checked = 0, agreed = 0, nonzero = 0;
    for (size_t k = 0; k < nblocks; k++) {
        const hn_dense *d = &blocks[k];
        for (int probe = 0; probe < 4; probe++) {
            size_t i = probe < 3 ? d->weight + hn_random_next(&rng) % (d->in * d->out)
                                 : d->bias + hn_random_next(&rng) % d->out;
            checked++;
            agreed += agrees_with_difference(&f, i, grads);
            nonzero += grads[i] != 0.0f;
        }
    }
    CHECK(agreed == checked);
    /* most probes must carry signal, or the comparison proves nothing */
    CHECK(nonzero >= checked * 3 / 4);
    free(grads);
    free_fixture(&f);
}

static void test_gradients_match_finite_differences(void)
{
    check_gradients(false);
}

/* The set encoder alone, under the linear loss sum(c * z) with fixed
   random c: the sine encoder (sin(30 x) in every layer) curves too fast
   for float differences through the whole model, so its backward pass is
   checked on its own, for both activations. */
static double encoder_loss(fixture *f, const float *c)
{
    hn_encode(&f->model, &f->work, &f->batch);
    double sum = 0;
    for (size_t i = 0; i < FACES * f->model.cfg.latent; i++)
        sum += (double)c[i] * f->work.z[i];
    return sum;
}

static void check_encoder_gradients(bool sine_encoder)
{
    fixture f;
    make_fixture_with(&f, FACES, sine_encoder);
    size_t L = f.model.cfg.latent;
    float c[FACES * 5];
    CHECK(L == 5);
    uint64_t rng = 5;
    for (size_t i = 0; i < FACES * L; i++)
        c[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
    encoder_loss(&f, c);
    memcpy(f.work.dz, c, sizeof c);
    memset(f.model.grads, 0, f.model.count * sizeof(float));
    hn_transpose_weights(&f.model, &f.work);
    hn_encode_backward(&f.model, &f.work, &f.batch);
    int checked = 0, agreed = 0;
    for (size_t l = 0; l < f.model.cfg.encoder_layers; l++) {
        const hn_dense *d = &f.model.encoder[l];
        for (size_t i = d->weight; i < d->bias + d->out; i++) {
            float *p = &f.model.params[i], saved = *p, h = 1e-3f;
            double diff[2];
            for (int half = 0; half < 2; half++) {
                float step = half ? h / 2 : h;
                *p = saved + step;
                double up = encoder_loss(&f, c);
                *p = saved - step;
                diff[half] = (up - encoder_loss(&f, c)) / (2.0 * (double)step);
                *p = saved;
            }
            double fd = (4.0 * diff[1] - diff[0]) / 3.0, g = f.model.grads[i];
            int ok = fabs(fd - g) <= 1e-2 * fabs(fd) + 1e-3;
            if (!ok && checked - agreed < 5)
                printf("  encoder param %zu: analytic %.7g, difference %.7g\n", i, g, fd);
            checked++;
            agreed += ok;
        }
    }
    CHECK(checked > 0 && agreed == checked);
    free_fixture(&f);
}

static void test_encoder_gradients_relu(void)
{
    check_encoder_gradients(false);
}

static void test_encoder_gradients_sine(void)
{
    check_encoder_gradients(true);
}

/* The regularisers alone: with the targets equal to the prediction the
   image term vanishes, and the loss parts match their definitions. */
static void test_loss_parts(void)
{
    fixture f;
    make_fixture(&f, FACES);
    float predicted[FACES * POINTS];
    CHECK_STATUS(hn_predict(&f.model, &f.work, &f.batch, predicted), SIREN_OK);
    memcpy(f.targets, predicted, sizeof predicted);
    hn_loss loss;
    CHECK_STATUS(hn_loss_and_grad(&f.model, &f.work, &f.batch, &loss), SIREN_OK);
    CHECK(loss.image < 1e-12);
    double zz = 0, tt = 0;
    size_t L = f.model.cfg.latent, P = f.model.siren_params;
    for (size_t i = 0; i < FACES * L; i++)
        zz += (double)f.work.z[i] * f.work.z[i];
    for (size_t i = 0; i < FACES * P; i++)
        tt += (double)f.work.theta[i] * f.work.theta[i];
    CHECK_NEAR(loss.latent, zz / (double)(FACES * L), 1e-9);
    CHECK_NEAR(loss.params, tt / (double)(FACES * P), 1e-9);
    CHECK_NEAR(loss.total, 0.1 * loss.latent + 100.0 * loss.params, 1e-7);
    CHECK(loss.latent > 0 && loss.params > 0);
    free_fixture(&f);
}

/* A face's prediction depends on its own context only, and the image
   term of the loss is the mean squared error of hn_predict. */
static void test_predict_matches_loss(void)
{
    fixture f;
    make_fixture(&f, FACES);
    float predicted[FACES * POINTS];
    CHECK_STATUS(hn_predict(&f.model, &f.work, &f.batch, predicted), SIREN_OK);
    double sse = 0;
    for (size_t i = 0; i < FACES * POINTS; i++)
        sse += ((double)predicted[i] - f.targets[i]) * ((double)predicted[i] - f.targets[i]);
    hn_loss loss;
    CHECK_STATUS(hn_loss_and_grad(&f.model, &f.work, &f.batch, &loss), SIREN_OK);
    CHECK_NEAR(loss.image, sse / (FACES * POINTS), 1e-6);
    /* face 2 alone, with its own context rows */
    size_t start[2] = {0, f.start[3] - f.start[2]};
    hn_batch one = {1, start, f.context + f.start[2] * 3, POINTS, f.coords, NULL};
    float alone[POINTS];
    CHECK_STATUS(hn_predict(&f.model, &f.work, &one, alone), SIREN_OK);
    CHECK(memcmp(alone, predicted + 2 * POINTS, sizeof alone) == 0);
    /* moving a context pixel of face 0 changes face 0 only */
    f.context[0] += 0.5f;
    float moved[FACES * POINTS];
    CHECK_STATUS(hn_predict(&f.model, &f.work, &f.batch, moved), SIREN_OK);
    CHECK(memcmp(moved, predicted, POINTS * sizeof(float)) != 0);
    CHECK(memcmp(moved + POINTS, predicted + POINTS, 2 * POINTS * sizeof(float)) == 0);
    free_fixture(&f);
}

/* One face per SIREN call or all at once: the same gradients, bit for bit. */
static void test_chunking_changes_nothing(void)
{
    fixture a, b;
    make_fixture(&a, FACES);
    make_fixture(&b, 1);
    hn_loss la, lb;
    CHECK_STATUS(hn_loss_and_grad(&a.model, &a.work, &a.batch, &la), SIREN_OK);
    CHECK_STATUS(hn_loss_and_grad(&b.model, &b.work, &b.batch, &lb), SIREN_OK);
    CHECK(la.total == lb.total);
    CHECK(memcmp(a.model.grads, b.model.grads, a.model.count * sizeof(float)) == 0);
    free_fixture(&a);
    free_fixture(&b);
}

static void test_bad_batches_are_refused(void)
{
    fixture f;
    make_fixture(&f, FACES);
    hn_loss loss;
    size_t empty[FACES + 1] = {0, 2, 2, 5}; /* face 1 has no context */
    hn_batch bad = f.batch;
    bad.context_start = empty;
    CHECK_STATUS(hn_loss_and_grad(&f.model, &f.work, &bad, &loss), SIREN_ERR_INVALID_ARGUMENT);
    bad = f.batch;
    bad.points = POINTS + 1;
    CHECK_STATUS(hn_loss_and_grad(&f.model, &f.work, &bad, &loss), SIREN_ERR_INVALID_ARGUMENT);
    bad = f.batch;
    bad.targets = NULL;
    CHECK_STATUS(hn_loss_and_grad(&f.model, &f.work, &bad, &loss), SIREN_ERR_INVALID_ARGUMENT);
    hn_config cfg = small_config();
    cfg.encoder_layers = 0;
    hn_model m;
    CHECK_STATUS(hn_model_create(&cfg, &m), SIREN_ERR_INVALID_ARGUMENT);
    free_fixture(&f);
}

/* Adam's first steps by hand (torch.optim.Adam), and the clip. */
static void test_adam_steps(void)
{
    hn_adam opt;
    CHECK_STATUS(hn_adam_create(2, 0.1f, 0.0f, &opt), SIREN_OK);
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, -4.0f};
    hn_adam_step(&opt, p, g);
    /* step 1: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) */
    CHECK_NEAR(p[0], 1.0 - 0.1, 1e-6);
    CHECK_NEAR(p[1], -2.0 + 0.1, 1e-6);
    float g2[2] = {1.0f, 0.0f};
    hn_adam_step(&opt, p, g2);
    /* step 2, entry 0: m = 0.9*0.05 + 0.1, v = 0.999*0.00025 + 0.001 */
    double m = (0.9 * 0.05 + 0.1) / (1 - 0.81), v = (0.999 * 0.00025 + 0.001) / (1 - 0.998001);
    CHECK_NEAR(p[0], 0.9 - 0.1 * m / (sqrt(v) + 1e-8), 1e-6);
    hn_adam_free(&opt);
    CHECK_STATUS(hn_adam_create(2, 0.1f, 1.0f, &opt), SIREN_OK);
    float g3[2] = {3.0f, 4.0f};
    double norm = hn_adam_step(&opt, p, g3);
    CHECK_NEAR(norm, 5.0, 1e-9);
    CHECK_NEAR(g3[0], 3.0 / (5.0 + 1e-6), 1e-6); /* scaled in place */
    CHECK_NEAR(g3[1], 4.0 / (5.0 + 1e-6), 1e-6);
    hn_adam_free(&opt);
}

/* Test-time code refinement: d loss / d z through the frozen
   hypernetwork (hn_code_loss_and_grad), each face on its own K points,
   against central differences in every code entry. */
#define K 4

typedef struct code_fixture {
    fixture base;
    float z[FACES * 5], points[FACES * K * 2], targets[FACES * K];
} code_fixture;

static void make_code_fixture(code_fixture *c)
{
    make_fixture(&c->base, FACES);
    CHECK_STATUS(hn_encode_batch(&c->base.model, &c->base.work, &c->base.batch, c->z), SIREN_OK);
    uint64_t rng = 13;
    for (size_t i = 0; i < FACES * K * 2; i++)
        c->points[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
    for (size_t i = 0; i < FACES * K; i++)
        c->targets[i] = (float)(2.0 * hn_random_uniform(&rng) - 1.0);
}

static double code_loss(code_fixture *c, float *dz)
{
    double loss = 0;
    CHECK_STATUS(hn_code_loss_and_grad(&c->base.model, &c->base.work, FACES, c->z, K, c->points,
                                       c->targets, &loss, dz),
                 SIREN_OK);
    return loss;
}

static void test_code_gradients_match_finite_differences(void)
{
    code_fixture c;
    make_code_fixture(&c);
    size_t L = c.base.model.cfg.latent;
    float dz[FACES * 5], scratch[FACES * 5];
    CHECK(L == 5);
    code_loss(&c, dz);
    int checked = 0, agreed = 0, nonzero = 0;
    for (size_t i = 0; i < FACES * L; i++) {
        float saved = c.z[i], h = 1e-3f;
        double diff[2];
        for (int half = 0; half < 2; half++) {
            float step = half ? h / 2 : h;
            c.z[i] = saved + step;
            double up = code_loss(&c, scratch);
            c.z[i] = saved - step;
            diff[half] = (up - code_loss(&c, scratch)) / (2.0 * (double)step);
            c.z[i] = saved;
        }
        double fd = (4.0 * diff[1] - diff[0]) / 3.0;
        int ok = fabs(fd - dz[i]) <= 1e-2 * fabs(fd) + 1e-3;
        if (!ok)
            printf("  code entry %zu: analytic %.7g, difference %.7g\n", i, dz[i], fd);
        checked++;
        agreed += ok;
        nonzero += dz[i] != 0.0f;
    }
    CHECK(agreed == checked);
    CHECK(nonzero >= checked * 3 / 4);
    free_fixture(&c.base);
}

/* The code loss is the sum of each face's own loss: its parts by their
   definitions, a face's gradient blind to another face's points, and the
   model's parameters and gradients untouched. */
static void test_code_loss_is_per_face(void)
{
    code_fixture c;
    make_code_fixture(&c);
    hn_model *m = &c.base.model;
    size_t L = m->cfg.latent, P = m->siren_params;
    float *params = malloc(m->count * sizeof *params), *grads = malloc(m->count * sizeof *grads);
    memcpy(params, m->params, m->count * sizeof *params);
    memcpy(grads, m->grads, m->count * sizeof *grads);
    float dz[FACES * 5], moved_dz[FACES * 5];
    double loss = code_loss(&c, dz);
    /* the loss by its definition, from the SIRENs left in w->theta */
    float values[K];
    double want = 0;
    for (size_t f = 0; f < FACES; f++) {
        siren_jet jet = {.value = values};
        CHECK_STATUS(siren_eval_instances(m->siren, c.base.work.ws, 1, c.base.work.theta + f * P,
                                          K, c.points + f * K * 2, &jet),
                     SIREN_OK);
        double sse = 0, zz = 0, tt = 0;
        for (size_t i = 0; i < K; i++)
            sse += ((double)values[i] - c.targets[f * K + i]) *
                   ((double)values[i] - c.targets[f * K + i]);
        for (size_t j = 0; j < L; j++)
            zz += (double)c.z[f * L + j] * c.z[f * L + j];
        for (size_t j = 0; j < P; j++)
            tt += (double)c.base.work.theta[f * P + j] * c.base.work.theta[f * P + j];
        want += sse / K + 0.1 * zz / (double)L + 100.0 * tt / (double)P;
    }
    CHECK_NEAR(loss, want, 1e-5 * want);
    c.points[0] += 0.3f; /* a point of face 0 */
    c.targets[K] += 0.5f; /* a target of face 1 */
    code_loss(&c, moved_dz);
    CHECK(memcmp(moved_dz, dz, L * sizeof(float)) != 0);
    CHECK(memcmp(moved_dz + L, dz + L, L * sizeof(float)) != 0);
    CHECK(memcmp(moved_dz + 2 * L, dz + 2 * L, L * sizeof(float)) == 0);
    CHECK(memcmp(params, m->params, m->count * sizeof *params) == 0);
    CHECK(memcmp(grads, m->grads, m->count * sizeof *grads) == 0);
    CHECK_STATUS(hn_code_loss_and_grad(m, &c.base.work, FACES, c.z, POINTS + 1, c.points,
                                       c.targets, &loss, dz),
                 SIREN_ERR_INVALID_ARGUMENT);
    free(params);
    free(grads);
    free_fixture(&c.base);
}

/* The encoder's codes through hn_predict_from_codes give hn_predict's
   faces, bit for bit; and a few Adam steps on the code loss lower it. */
static void test_prediction_from_codes(void)
{
    code_fixture c;
    make_code_fixture(&c);
    float direct[FACES * POINTS], from_codes[FACES * POINTS];
    CHECK_STATUS(hn_predict(&c.base.model, &c.base.work, &c.base.batch, direct), SIREN_OK);
    CHECK_STATUS(hn_predict_from_codes(&c.base.model, &c.base.work, FACES, c.z, POINTS,
                                       c.base.coords, from_codes),
                 SIREN_OK);
    CHECK(memcmp(direct, from_codes, sizeof direct) == 0);
    hn_adam opt;
    CHECK_STATUS(hn_adam_create(FACES * 5, 1e-2f, 0.0f, &opt), SIREN_OK);
    float dz[FACES * 5];
    double first = code_loss(&c, dz), last = first;
    for (int step = 0; step < 20; step++) {
        hn_adam_step(&opt, c.z, dz);
        last = code_loss(&c, dz);
    }
    CHECK(last < 0.9 * first);
    hn_adam_free(&opt);
    free_fixture(&c.base);
}

/* Saved and loaded: the same parameters; a damaged file or another
   architecture refused with a message. */
static void test_model_file_round_trip(void)
{
    fixture a, b;
    make_fixture(&a, FACES);
    make_fixture(&b, FACES);
    hn_model_init(&b.model, 99);
    char path[] = "/tmp/test_hypernet_model_XXXXXX", err[256];
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(hn_model_save(&a.model, path, err, sizeof err) == 0);
    CHECK(hn_model_load(&b.model, path, err, sizeof err) == 0);
    CHECK(memcmp(a.model.params, b.model.params, a.model.count * sizeof(float)) == 0);
    FILE *f = fopen(path, "r+b"); /* flip one byte of the parameters */
    if (f) {
        fseek(f, 20, SEEK_SET);
        int byte = fgetc(f);
        fseek(f, 20, SEEK_SET);
        fputc(byte ^ 0x40, f);
        fclose(f);
    }
    err[0] = '\0';
    CHECK(hn_model_load(&b.model, path, err, sizeof err) == -1 && strstr(err, "checksum"));
    CHECK(hn_model_save(&a.model, path, err, sizeof err) == 0);
    hn_config cfg = small_config();
    cfg.hyper_width = 10;
    hn_model other;
    CHECK_STATUS(hn_model_create(&cfg, &other), SIREN_OK);
    CHECK(hn_model_load(&other, path, err, sizeof err) == -1 && strstr(err, "count"));
    hn_model_free(&other);
    remove(path);
    CHECK(hn_model_load(&b.model, path, err, sizeof err) == -1);
    free_fixture(&a);
    free_fixture(&b);
}

int main(void)
{
    RUN(test_gradients_match_finite_differences);
    RUN(test_encoder_gradients_relu);
    RUN(test_encoder_gradients_sine);
    RUN(test_loss_parts);
    RUN(test_predict_matches_loss);
    RUN(test_chunking_changes_nothing);
    RUN(test_bad_batches_are_refused);
    RUN(test_adam_steps);
    RUN(test_code_gradients_match_finite_differences);
    RUN(test_code_loss_is_per_face);
    RUN(test_prediction_from_codes);
    RUN(test_model_file_round_trip);
    return check_summary();
}
