// consumer.cpp - a C++17 program on the installed siren.h, built with
// -Wall -Wextra -pedantic -Werror by tests/scripts/consumers.sh (pkg-config) and
// by CMakeLists.txt (find_package). It wraps the C handles in
// std::unique_ptr, fits f(x, y) = x y - y^2 / 2 on a 16 x 16 grid and
// checks the fit's value and gradient at a point between the grid points
// (exact: 0.04 and (y, x - y) = (0.2, 0.1); the Laplacian, exactly -1, is
// printed). The last line is "consumer++ ok" on success.
#include <siren.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct NetFree { void operator()(siren_net *p) const { siren_net_free(p); } };
struct WorkspaceFree { void operator()(siren_workspace *p) const { siren_workspace_free(p); } };
struct AdamFree { void operator()(siren_adam *p) const { siren_adam_free(p); } };
using Net = std::unique_ptr<siren_net, NetFree>;
using Workspace = std::unique_ptr<siren_workspace, WorkspaceFree>;
using Adam = std::unique_ptr<siren_adam, AdamFree>;

void check(int status, const char *what)
{
    if (status != SIREN_OK)
        throw std::runtime_error(std::string(what) + ": " + siren_status_string(status));
}

Net make_net()
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 32;
    cfg.hidden_layers = 1;
    cfg.first_omega = 5.0f;
    siren_net *raw = nullptr;
    check(siren_net_create(&cfg, &raw), "siren_net_create");
    Net net(raw);
    check(siren_net_init(net.get(), 7), "siren_net_init");
    return net;
}

template <class Handle, class Create>
Handle make(Create create, const char *what)
{
    typename Handle::pointer raw = nullptr;
    check(create(&raw), what);
    return Handle(raw);
}

}  // namespace

int main()
try {
    constexpr std::size_t side = 16, n = side * side;
    std::vector<float> x(2 * n), target(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float u = -1.0f + 2.0f * static_cast<float>(i / side) / (side - 1);
        const float v = -1.0f + 2.0f * static_cast<float>(i % side) / (side - 1);
        x[2 * i] = u;
        x[2 * i + 1] = v;
        target[i] = u * v - 0.5f * v * v;
    }
    Net net = make_net();
    auto ws = make<Workspace>([&](siren_workspace **out) {
        return siren_workspace_create(net.get(), n, SIREN_VALUE, out);
    }, "siren_workspace_create");
    siren_adam_config acfg;
    siren_adam_config_default(&acfg);
    acfg.lr = 1e-3f;
    auto opt = make<Adam>([&](siren_adam **out) {
        return siren_adam_create(net.get(), &acfg, out);
    }, "siren_adam_create");

    std::vector<float> y(n), dy(n);
    float first = 0.0f, mse = 0.0f;
    for (int step = 0; step < 400; ++step) {
        siren_net_zero_grad(net.get());
        const siren_jet out{y.data(), nullptr, nullptr, nullptr};
        check(siren_forward(net.get(), ws.get(), n, x.data(), &out), "siren_forward");
        mse = 0.0f;
        for (std::size_t i = 0; i < n; ++i) {
            const float r = y[i] - target[i];
            mse += r * r / n;
            dy[i] = 2.0f * r / n;
        }
        if (step == 0) first = mse;
        const siren_jet adjoint{dy.data(), nullptr, nullptr, nullptr};
        check(siren_backward(net.get(), ws.get(), &adjoint), "siren_backward");
        check(siren_adam_step(opt.get(), net.get()), "siren_adam_step");
    }

    auto probe = make<Workspace>([&](siren_workspace **out) {
        return siren_workspace_create(net.get(), 1, SIREN_VALUE | SIREN_GRADIENT | SIREN_LAPLACIAN, out);
    }, "siren_workspace_create");
    const float at[2] = {0.3f, 0.2f};
    float value = 0.0f, gradient[2] = {}, laplacian = 0.0f;
    const siren_jet out{&value, gradient, &laplacian, nullptr};
    check(siren_eval(net.get(), probe.get(), 1, at, &out), "siren_eval");
    const auto [gx, gy] = gradient;
    std::printf("libsiren %s (C++17): mse %.3g -> %.3g; at (0.3, 0.2): f %.4f (0.0400), "
                "grad (%.3f, %.3f) (0.200, 0.100), laplacian %.3f (-1)\n",
                siren_version_string(), first, mse, value, gx, gy, laplacian);
    const bool fitted = mse < 1e-3f * first && std::fabs(value - 0.04f) < 0.02f &&
                        std::fabs(gx - 0.2f) < 0.1f && std::fabs(gy - 0.1f) < 0.1f;
    if (!fitted) {
        std::fprintf(stderr, "consumer++: the fit is off\n");
        return 1;
    }
    std::printf("consumer++ ok\n");
    return 0;
} catch (const std::exception &error) {
    std::fprintf(stderr, "consumer++: %s\n", error.what());
    return 1;
}
