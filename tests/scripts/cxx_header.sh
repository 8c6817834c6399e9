#!/bin/sh
# cxx_header.sh - siren.h compiles as C++11 with every warning an error,
# and a C++ program links against the static library and calls it.
root=${SIREN_ROOT:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/use.cpp" <<'CPP'
#include "siren.h"
#include <cstdio>
#include <vector>

int main()
{
    siren_config cfg;
    siren_config_default(&cfg);
    cfg.hidden_features = 16;
    siren_net *net = nullptr;
    if (siren_net_create(&cfg, &net) != SIREN_OK || siren_net_init(net, 1) != SIREN_OK)
        return 1;
    siren_workspace *ws = nullptr;
    if (siren_workspace_create(net, 2, SIREN_VALUE | SIREN_GRADIENT, &ws) != SIREN_OK)
        return 1;
    std::vector<float> x = {0.1f, 0.2f, -0.3f, 0.4f}, v(2), g(4);
    siren_jet out = {v.data(), g.data(), nullptr, nullptr};
    int status = siren_eval(net, ws, 2, x.data(), &out);
    std::printf("%s %s\n", siren_version_string(), siren_status_string(status));
    siren_workspace_free(ws);
    siren_net_free(net);
    return status == SIREN_OK ? 0 : 1;
}
CPP
for std in c++11 c++17; do
    if ${CXX:-g++} -std=$std -Wall -Wextra -pedantic -Werror -I"$root/include" "$tmp/use.cpp" \
           -o "$tmp/use" "$root/lib/libsiren.a" -lm -lpthread > "$tmp/log" 2>&1 &&
       "$tmp/use" > "$tmp/out" 2>&1 && grep -q "^1.0.0 ok$" "$tmp/out"; then
        echo "ok siren.h compiles and links as $std"
    else
        echo "FAIL siren.h compiles and links as $std"
        sed 's/^/  /' "$tmp/log" "$tmp/out" 2>/dev/null | head -20
    fi
done
