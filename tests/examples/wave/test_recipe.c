/* test_recipe.c - the wave example's own pieces (examples/wave/): the
   collocation points (the reference's scheme, the front and the normal
   near-pulse points: where they lie, how many, their spread) and the
   output scale folded into a model (it changes what the network computes
   by exactly that factor). */
#include "check.h"
#include "wave/sampling.h"
#include "wave/scaling.h"

#include <math.h>
#include <string.h>

#include <stdbool.h>

enum { P = 40000, S = 5000 };

static float txy[P * 3], initial[P];

static wave_sampling reference_sampling(void)
{
    wave_sampling s = {P, S, 0.25, 0, 0, 0.05, 1, {0.02, 5e-4, 0, 0}};
    return s;
}

static double distance(const float *p, const wave_sampling *s)
{
    return hypot(p[1] - s->pulse.x0, p[2] - s->pulse.y0);
}

/* Every point in [0, span] x [-1, 1]^2, with the initial value exactly at
   the points whose time is 0. */
static void check_common(const wave_sampling *s, double span)
{
    size_t bad_box = 0, bad_initial = 0;
    for (size_t i = 0; i < s->points; i++) {
        const float *p = txy + 3 * i;
        if (!(p[0] >= 0 && p[0] <= span && fabsf(p[1]) <= 1 && fabsf(p[2]) <= 1))
            bad_box++;
        bool at_zero = p[0] == 0;
        if (at_zero != (initial[i] == initial[i]) ||
            (at_zero && fabs(initial[i] - wave_pulse_value(&s->pulse, p[1], p[2])) > 1e-9))
            bad_initial++;
    }
    CHECK(bad_box == 0);
    CHECK(bad_initial == 0);
}

/* The reference's scheme: P - 2S uniform in [0, T] x [-1, 1]^2, S at
   t = 0 uniform in the square, S at t = 0 uniform in the disc. */
static void test_reference_scheme(void)
{
    wave_sampling s = reference_sampling();
    rng r = rng_seeded(3, 7);
    double span = 0.3, t_sum = 0, square_r2 = 0, disc_r2 = 0;
    wave_sample(&s, &r, span, txy, initial);
    check_common(&s, span);
    size_t timed = P - 2 * S, outside_disc = 0, timed_at_zero = 0;
    for (size_t i = 0; i < P; i++) {
        const float *p = txy + 3 * i;
        double d = distance(p, &s);
        if (i < timed) {
            t_sum += p[0];
            timed_at_zero += p[0] == 0;
        } else if (i < P - S) {
            CHECK(p[0] == 0);
            square_r2 += d * d;
        } else {
            CHECK(p[0] == 0);
            outside_disc += d > 0.25;
            disc_r2 += d * d;
        }
    }
    CHECK(timed_at_zero == 0);
    CHECK(outside_disc == 0);
    CHECK_NEAR(t_sum / (double)timed, span / 2, 0.01 * span);
    /* E|x|^2: 2/3 uniform in the square, R^2 / 2 uniform in the disc. */
    CHECK_NEAR(square_r2 / S, 2.0 / 3, 0.02);
    CHECK_NEAR(disc_r2 / S, 0.25 * 0.25 / 2, 0.001);
}

/* Front points: at distance c t + w z from the centre; where c t is many
   w, the offsets have mean 0 and standard deviation w. Their count is
   the fraction of the timed points, and the uniform ones come first. */
static void test_front_points(void)
{
    wave_sampling s = reference_sampling();
    s.front_fraction = 0.6;
    s.front_width = 0.02;
    s.c = 1.5;
    s.pulse.x0 = 0.1;
    s.pulse.y0 = -0.05;
    size_t timed = P - 2 * S, front = wave_sample_front_count(&s);
    CHECK(front == (size_t)(0.6 * timed + 0.5));
    rng r = rng_seeded(11, 0);
    double span = 0.4;
    wave_sample(&s, &r, span, txy, initial);
    check_common(&s, span);
    double sum = 0, sum2 = 0, t_sum = 0;
    size_t n = 0;
    for (size_t i = timed - front; i < timed; i++) {
        const float *p = txy + 3 * i;
        t_sum += p[0];
        if (s.c * p[0] < 8 * s.front_width)
            continue;
        double off = distance(p, &s) - s.c * p[0];
        sum += off;
        sum2 += off * off;
        n++;
    }
    double mean = sum / (double)n, sd = sqrt(sum2 / (double)n - mean * mean);
    CHECK(n > front / 2);
    CHECK_NEAR(mean, 0, 0.001);
    CHECK_NEAR(sd, s.front_width, 0.02 * s.front_width);
    CHECK_NEAR(t_sum / (double)front, span / 2, 0.01 * span);
    /* The uniform timed points spread over the square: E|x|^2 = 2/3. */
    double r2 = 0;
    for (size_t i = 0; i < timed - front; i++)
        r2 += txy[3 * i + 1] * txy[3 * i + 1] + txy[3 * i + 2] * txy[3 * i + 2];
    CHECK_NEAR(r2 / (double)(timed - front), 2.0 / 3, 0.02);
}

/* Normal near-pulse points: mean at the pulse, the given spread per axis. */
static void test_normal_source_points(void)
{
    wave_sampling s = reference_sampling();
    s.source_radius = 0;
    s.source_spread = 0.05;
    s.pulse.x0 = -0.2;
    rng r = rng_seeded(9, 1);
    wave_sample(&s, &r, 0.1, txy, initial);
    check_common(&s, 0.1);
    double mx = 0, my = 0, vx = 0, vy = 0;
    for (size_t i = P - S; i < P; i++) {
        double x = txy[3 * i + 1] - s.pulse.x0, y = txy[3 * i + 2];
        CHECK(txy[3 * i] == 0);
        mx += x;
        my += y;
        vx += x * x;
        vy += y * y;
    }
    CHECK_NEAR(mx / S, 0, 0.003);
    CHECK_NEAR(my / S, 0, 0.003);
    CHECK_NEAR(sqrt(vx / S), 0.05, 0.002);
    CHECK_NEAR(sqrt(vy / S), 0.05, 0.002);
}

/* A generator in the same state draws the same points; the time span 0
   (pretraining) puts every point at t = 0, each with its initial value. */
static void test_deterministic_and_span_zero(void)
{
    static float again[P * 3], initial_again[P];
    wave_sampling s = reference_sampling();
    s.front_fraction = 0.5;
    rng a = rng_seeded(1, 42), b = rng_seeded(1, 42);
    wave_sample(&s, &a, 0.2, txy, initial);
    wave_sample(&s, &b, 0.2, again, initial_again);
    CHECK(memcmp(txy, again, sizeof txy) == 0);
    rng c = rng_seeded(1, 43);
    wave_sample(&s, &c, 0, txy, initial);
    check_common(&s, 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < P; i++)
        nonzero += txy[3 * i] != 0;
    CHECK(nonzero == 0);
}

/* ------------------------------------------------------------- scaling */

static siren_net *small_net(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 3;
    cfg.hidden_features = 24;
    cfg.hidden_layers = 2;
    siren_net *net = NULL;
    if (siren_net_create(&cfg, &net) != SIREN_OK || siren_net_init(net, 4) != SIREN_OK)
        return NULL;
    return net;
}

enum { N_EVAL = 64 };

static void eval(siren_net *net, const float *x, float *out)
{
    siren_workspace *ws = NULL;
    CHECK_STATUS(siren_workspace_create(net, N_EVAL, SIREN_VALUE | SIREN_EVAL_ONLY, &ws),
                 SIREN_OK);
    siren_jet jet = {.value = out};
    CHECK_STATUS(siren_eval(net, ws, N_EVAL, x, &jet), SIREN_OK);
    siren_workspace_free(ws);
}

static void random_inputs(float *x, uint64_t seed)
{
    rng r = rng_seeded(seed, 0);
    for (size_t i = 0; i < 3 * N_EVAL; i++)
        x[i] = (float)rng_range(&r, -1, 1);
}

/* k times the last layer computes k times the output (up to float
   rounding of the products). */
static void test_output_scale(void)
{
    siren_net *net = small_net();
    CHECK(net != NULL);
    if (!net)
        return;
    float x[3 * N_EVAL], before[N_EVAL], after[N_EVAL];
    random_inputs(x, 1);
    eval(net, x, before);
    CHECK_STATUS(wave_scale_output(net, 0.02), SIREN_OK);
    eval(net, x, after);
    double worst = 0, largest = 0;
    for (size_t i = 0; i < N_EVAL; i++) {
        worst = fmax(worst, fabs(after[i] - 0.02 * before[i]));
        largest = fmax(largest, fabs(0.02 * before[i]));
    }
    CHECK(largest > 1e-3);
    CHECK(worst <= 1e-6 * largest);
    /* k = 1 changes nothing at all. */
    CHECK_STATUS(wave_scale_output(net, 1), SIREN_OK);
    eval(net, x, before);
    CHECK(memcmp(before, after, sizeof after) == 0);
    siren_net_free(net);
}

/* A network whose last layer is a sine cannot be scaled by folding. */
static void test_output_scale_needs_linear_last_layer(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.in_features = 3;
    cfg.hidden_features = 8;
    cfg.outermost_linear = 0;
    siren_net *net = NULL;
    CHECK_STATUS(siren_net_create(&cfg, &net), SIREN_OK);
    CHECK_STATUS(wave_scale_output(net, 2), SIREN_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(wave_scale_output(net, 1), SIREN_OK);
    siren_net_free(net);
}

int main(void)
{
    RUN(test_reference_scheme);
    RUN(test_front_points);
    RUN(test_normal_source_points);
    RUN(test_deterministic_and_span_zero);
    RUN(test_output_scale);
    RUN(test_output_scale_needs_linear_last_layer);
    return check_summary();
}
