#!/bin/sh
# blas_build.sh - the optional CBLAS build (`make BLAS=openblas`): in a
# copy of the tree, the library builds with the matrix products done by
# OpenBLAS and links it; the numerical tests pass against it (the jets and
# parameter gradients against the double-precision reference, to the same
# tolerances as the default build); its jets and parameter gradients match
# the default build's to float tolerance; an installed BLAS build tells
# pkg-config and CMake users to link OpenBLAS; an unknown BLAS is refused
# with one clear line. Skipped when pkg-config has no openblas (.ci/run
# installs libopenblas-dev). Prints "ok NAME" / "FAIL NAME" / "SKIP NAME".
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
make=${MAKE:-make}
if ! pkg-config --exists openblas 2>/dev/null; then
    echo "SKIP blas_build (pkg-config has no openblas: apt-get install libopenblas-dev)"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$root/tests/report.sh"

tree="$tmp/tree"
mkdir "$tree"
(cd "$root" && cp -r Makefile src include tests pkgconfig cmake fuzz mpi examples "$tree/") || exit 1
rm -rf "$tree/build" "$tree/lib"
# Not test_threads nor test_gemm: they assert that any split of a product
# between threads gives the same bits, which the library's own kernels
# guarantee and a BLAS does not (docs/PERFORMANCE.md, "With a BLAS").
TESTS="test_jets test_backward test_adam test_instances"
targets=""
for t in $TESTS; do targets="$targets build/tests/lib/$t"; done
if $make -s -C "$tree" BLAS=openblas all $targets > "$tmp/build.log" 2>&1; then
    ok blas_build_compiles
else
    fail blas_build_compiles "$(tail -5 "$tmp/build.log")"
    exit 1
fi
if nm "$tree/lib/libsiren.a" 2>/dev/null | grep -q ' U cblas_sgemm' &&
    ldd "$tree/lib/libsiren.so" | grep -q openblas; then
    ok blas_build_links_openblas
else
    fail blas_build_links_openblas "libsiren does not call cblas_sgemm / need libopenblas"
fi

for t in $TESTS; do
    if OPENBLAS_NUM_THREADS=1 "$tree/build/tests/lib/$t" > "$tmp/$t.log" 2>&1; then
        ok "blas_build_$t ($(grep -c '^ok' "$tmp/$t.log") checks)"
    else
        fail "blas_build_$t" "$(grep -v '^ok' "$tmp/$t.log" | head -8)"
    fi
done

# The same numbers as the default build, to float tolerance: the largest
# difference relative to the largest magnitude of each kind of number.
cc=${CC:-cc}
for build in default blas; do
    lib="$root/lib/libsiren.a" libs="-lm -lpthread"
    [ $build = blas ] && lib="$tree/lib/libsiren.a" libs="$libs $(pkg-config --libs openblas)"
    "$cc" -std=c11 -I"$root/include" "$root/tests/tools/jet_dump.c" "$lib" $libs \
        -o "$tmp/dump_$build" 2>> "$tmp/cc.log" &&
        OPENBLAS_NUM_THREADS=1 "$tmp/dump_$build" > "$tmp/$build.txt" || break
done
verdict=$(paste "$tmp/default.txt" "$tmp/blas.txt" 2>/dev/null | awk '
    function abs(v) { return v < 0 ? -v : v }
    { kind = NR <= 1200 ? (NR - 1) % 4 : 4
      d = abs($1 - $2); if (d > diff[kind]) diff[kind] = d
      if (abs($1) > big[kind]) big[kind] = abs($1) }
    END { if (NR < 1201) { print "bad"; exit }
          worst = 0
          for (k = 0; k <= 4; k++) { r = diff[k] / big[k]; if (r > worst) worst = r }
          printf "%s %.2g\n", worst <= 1e-4 ? "ok" : "bad", worst }')
case "$verdict" in
    ok*) ok "blas_build_matches_default_build (largest relative difference ${verdict#ok })" ;;
    *) fail blas_build_matches_default_build "$verdict" "$(head -3 "$tmp/cc.log")" ;;
esac

# Installed: pkg-config --static and the CMake package name OpenBLAS.
if $make -s -C "$tree" BLAS=openblas install PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1 &&
    PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --static --libs siren |
        grep -q -- -lopenblas &&
    grep -q 'Threads::Threads;.*-lopenblas' "$tmp/prefix/lib/cmake/siren/sirenConfig.cmake"; then
    ok blas_build_install_names_openblas
else
    fail blas_build_install_names_openblas "$(tail -3 "$tmp/install.log")" \
        "$(PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" pkg-config --static --libs siren 2>&1)"
fi

# An unknown BLAS: one line, no build.
if $make -s -C "$tree" BLAS=no-such-blas all > "$tmp/bad.log" 2>&1; then
    fail blas_build_refuses_unknown_blas "make BLAS=no-such-blas succeeded"
elif grep -q 'BLAS=no-such-blas: pkg-config does not know it' "$tmp/bad.log"; then
    ok blas_build_refuses_unknown_blas
else
    fail blas_build_refuses_unknown_blas "$(head -3 "$tmp/bad.log")"
fi
