#!/bin/sh
# rust_crate.sh - the Rust crate (bindings/rust): `cargo test --offline`
# against the built library (one ok/FAIL line per Rust test, the layout
# checks against include/siren.h among them), the fit example, and build.rs
# finding an installed copy through pkg-config alone. The crate is copied to
# a temporary directory so that no Cargo.lock or target/ lands in the tree.
# Needs cargo and rustc (Debian's: .ci/run installs them); without cargo it
# prints SKIP lines and a notice.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
make=${MAKE:-make}
cargo=${CARGO:-cargo}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! command -v "$cargo" > /dev/null 2>&1; then
    echo "!!!!!! rust_crate.sh: no cargo (Debian: apt-get install cargo). The Rust crate is NOT tested." >&2
    echo "SKIP rust cargo test (no cargo)"
    echo "SKIP rust the fit example (no cargo)"
    echo "SKIP rust build.rs finds an installed libsiren with pkg-config (no cargo)"
    exit 0
fi

mkdir "$tmp/crate" && cp -R "$root/bindings/rust/." "$tmp/crate/" &&
    rm -rf "$tmp/crate/target" "$tmp/crate/Cargo.lock"
export CARGO_TARGET_DIR="$tmp/target"
libdir=$(dirname "${SIREN_LIBRARY:-$root/lib/libsiren.so.1.0.0}")

# cargo test: "test NAME ... ok|FAILED|ignored" under "Running tests/FILE.rs (...)".
(cd "$tmp/crate" && SIREN_LIB_DIR="$libdir" SIREN_INCLUDE_DIR="$root/include" \
     "$cargo" test --offline 2>&1) > "$tmp/log" 2>&1
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
(cd "$tmp/crate" && SIREN_LIB_DIR="$libdir" SIREN_INCLUDE_DIR="$root/include" \
     "$cargo" run --offline --quiet --example fit) > "$tmp/log" 2>&1
if grep -q '^step 200  mse [0-9.]*e-[5-9]' "$tmp/log" && grep -q '^  laplacian' "$tmp/log"; then
    echo "ok rust the fit example fits (mse below 1e-4) and evaluates"
else
    echo "FAIL rust the fit example fits (mse below 1e-4) and evaluates"
    sed 's/^/  /' "$tmp/log" | tail -20
fi

# An installed copy, found by build.rs through pkg-config alone.
prefix="$tmp/prefix"
if $make -s -C "$root" install PREFIX="$prefix" > "$tmp/log" 2>&1 &&
   (cd "$tmp/crate" && env -u SIREN_LIB_DIR -u SIREN_INCLUDE_DIR \
        PKG_CONFIG_PATH="$prefix/lib/pkgconfig" "$cargo" build --offline --quiet --example fit) \
        >> "$tmp/log" 2>&1 &&
   readelf -d "$tmp/target/debug/examples/fit" | grep -q "R.*PATH.*$prefix/lib" &&
   "$tmp/target/debug/examples/fit" >> "$tmp/log" 2>&1; then
    echo "ok rust build.rs finds an installed libsiren with pkg-config"
else
    echo "FAIL rust build.rs finds an installed libsiren with pkg-config"
    sed 's/^/  /' "$tmp/log" | tail -20
fi
