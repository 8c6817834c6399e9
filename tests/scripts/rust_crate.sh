#!/bin/sh
# rust_crate.sh - the Rust crate (bindings/rust):
#   - `cargo test --offline` (one ok/FAIL line per Rust test, the layout
#     checks against include/siren.h among them) and the fit example, with
#     the library compiled from src/ by build.rs (the default);
#   - a new crate made with `cargo new` outside the checkout, depending on
#     bindings/rust by path, `cargo run` with no environment variable but
#     PATH and HOME: it builds (offline: the crate has no dependencies) and
#     runs, with libsiren linked in statically;
#   - the feature `system`: build.rs finds an installed copy through
#     pkg-config alone and links it dynamically.
# The crate is tested in a copy of bindings/rust, src/ and include/ in a
# temporary directory, so that no Cargo.lock or target/ lands in the tree.
# Needs cargo, rustc and a C compiler (.ci/run installs them); without
# cargo it prints SKIP lines and a notice.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
make=${MAKE:-make}
cargo=${CARGO:-cargo}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! command -v "$cargo" > /dev/null 2>&1; then
    echo "!!!!!! rust_crate.sh: no cargo (Debian: apt-get install cargo). The Rust crate is NOT tested." >&2
    echo "SKIP rust cargo test (no cargo)"
    echo "SKIP rust the fit example (no cargo)"
    echo "SKIP rust an external crate cargo runs with no environment (no cargo)"
    echo "SKIP rust the feature system finds an installed libsiren with pkg-config (no cargo)"
    exit 0
fi

mkdir -p "$tmp/repo/bindings" && cp -R "$root/bindings/rust" "$tmp/repo/bindings/" &&
    cp -R "$root/src" "$root/include" "$tmp/repo/" &&
    rm -rf "$tmp/repo/bindings/rust/target" "$tmp/repo/bindings/rust/Cargo.lock"
crate="$tmp/repo/bindings/rust"
export CARGO_TARGET_DIR="$tmp/target"
unset SIREN_LIB_DIR SIREN_INCLUDE_DIR SIREN_STATIC

# cargo test: "test NAME ... ok|FAILED|ignored" under "Running tests/FILE.rs (...)".
(cd "$crate" && "$cargo" test --offline 2>&1) > "$tmp/log" 2>&1
status=$?
awk '
    /^ *Running / { target = $2; sub(/^.*\//, "", target); sub(/\.rs$/, "", target) }
    /^test .* \.\.\. / {
        name = $2; result = $NF
        if (result == "ok") print "ok rust " target "::" name
        else if (result == "ignored") print "SKIP rust " target "::" name
        else print "FAIL rust " target "::" name
    }' "$tmp/log" > "$tmp/results"
cat "$tmp/results"
if grep -q '^FAIL' "$tmp/results" || [ $status -ne 0 ] || ! grep -q '^ok' "$tmp/results"; then
    echo "FAIL rust cargo test --offline (exit status $status)"
    grep -v '^test .* \.\.\. ok$' "$tmp/log" | sed 's/^/  /' | tail -40
fi

# The example: fits, then evaluates between the grid points.
(cd "$crate" && "$cargo" run --offline --quiet --example fit) > "$tmp/log" 2>&1
if grep -q '^step 200  mse [0-9.]*e-[5-9]' "$tmp/log" && grep -q '^  laplacian' "$tmp/log"; then
    echo "ok rust the fit example fits (mse below 1e-4) and evaluates"
else
    echo "FAIL rust the fit example fits (mse below 1e-4) and evaluates"
    sed 's/^/  /' "$tmp/log" | tail -20
fi

# A user's crate, outside the checkout, with nothing set: cargo new, a
# path dependency, cargo run. The program links libsiren statically.
mkdir "$tmp/user" && cat > "$tmp/main.rs" <<'RS'
use siren::{Config, Net, Quantities, Workspace};

fn main() -> Result<(), siren::Error> {
    let net = Net::with_seed(&Config { hidden_features: 16, hidden_layers: 1, ..Config::default() }, 3)?;
    let mut ws = Workspace::new(&net, 2, Quantities::ALL)?;
    let out = ws.evaluate(&net, &[0.0, 0.0, 0.5, -0.25], Quantities::VALUE | Quantities::LAPLACIAN)?;
    let empty = ws.evaluate(&net, &[], Quantities::VALUE)?;
    println!("libsiren {}: {} parameters, laplacian {:?}, {} values for no points",
             siren::version(), net.param_count(), out.laplacian.unwrap(), empty.value.unwrap().len());
    Ok(())
}
RS
(cd "$tmp/user" && env -i PATH="$PATH" HOME="$HOME" "$cargo" new --quiet app &&
     printf 'siren = { path = "%s" }\n' "$root/bindings/rust" >> app/Cargo.toml &&
     cp "$tmp/main.rs" app/src/main.rs &&
     cd app && env -i PATH="$PATH" HOME="$HOME" "$cargo" run) > "$tmp/log" 2>&1
if grep -q '^libsiren 1\.[0-9.]*: 337 parameters, laplacian \[.*\], 0 values for no points$' "$tmp/log" &&
   ! readelf -d "$tmp/user/app/target/debug/app" | grep -q 'NEEDED.*libsiren' &&
   [ ! -e "$root/bindings/rust/Cargo.lock" ]; then
    echo "ok rust an external crate (cargo new, path dependency) cargo runs with no environment"
else
    echo "FAIL rust an external crate (cargo new, path dependency) cargo runs with no environment"
    sed 's/^/  /' "$tmp/log" | tail -20
fi

# The feature `system`: an installed copy, found by build.rs through pkg-config alone.
prefix="$tmp/prefix"
if $make -s -C "$root" install PREFIX="$prefix" > "$tmp/log" 2>&1 &&
   (cd "$crate" && PKG_CONFIG_PATH="$prefix/lib/pkgconfig" \
        "$cargo" build --offline --quiet --features system --example fit) >> "$tmp/log" 2>&1 &&
   readelf -d "$tmp/target/debug/examples/fit" | grep -q 'NEEDED.*libsiren\.so\.1' &&
   readelf -d "$tmp/target/debug/examples/fit" | grep -q "R.*PATH.*$prefix/lib" &&
   "$tmp/target/debug/examples/fit" >> "$tmp/log" 2>&1; then
    echo "ok rust the feature system finds an installed libsiren with pkg-config"
else
    echo "FAIL rust the feature system finds an installed libsiren with pkg-config"
    sed 's/^/  /' "$tmp/log" | tail -20
fi
