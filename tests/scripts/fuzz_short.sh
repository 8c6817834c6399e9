#!/bin/sh
# fuzz_short.sh - a short libFuzzer run of every harness (FUZZ_SECONDS,
# default 10 s each), as CI's smoke test of the fuzzers: they build, they
# start from the committed corpus, and a few hundred thousand mutations
# find nothing. The long runs are `make fuzz FUZZ_SECONDS=N` (figures in
# docs/SECURITY.md). Prints SKIP when clang or its fuzzer runtime
# (Debian: libclang-rt-14-dev) is missing; "ok NAME" / "FAIL NAME" lines.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
cd "$root" || exit 1
seconds=${FUZZ_SECONDS:-10}
fuzz_cc=${FUZZ_CC:-clang}
make=${MAKE:-make}

probe=$(mktemp -d) || exit 1
trap 'rm -rf "$probe"' EXIT
cat > "$probe/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
EOF
if ! "$fuzz_cc" -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" \
        > "$probe/log" 2>&1 || ! "$probe/probe" -runs=1 > "$probe/log" 2>&1; then
    echo "SKIP fuzz_short: $fuzz_cc cannot build libFuzzer programs (install clang and libclang-rt-14-dev)"
    exit 0
fi

if ! $make -s -f fuzz/fuzz.mk fuzz-build FUZZ_CC="$fuzz_cc" > "$probe/log" 2>&1; then
    echo "FAIL fuzz_short_build"
    sed 's/^/  /' "$probe/log" | tail -20
    exit 1
fi
status=0
sh fuzz/run.sh "$seconds" model_load checkpoint_load api pnm wav shape image > "$probe/log" 2>&1 || status=1
while IFS= read -r line; do
    name=${line%%:*}
    case $line in
    *"no crash") echo "ok ${name}_${seconds}s (${line#*: })" ;;
    *) echo "FAIL ${name}_${seconds}s: ${line#*: }" ;;
    esac
done < "$probe/log"
exit $status
