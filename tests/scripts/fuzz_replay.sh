#!/bin/sh
# fuzz_replay.sh - every committed fuzzing input, replayed without
# libFuzzer: each harness in fuzz/ is built with gcc, ASan and UBSan and a
# plain main() (fuzz/replay_main.c), and run on its seed corpus
# fuzz/corpus/NAME/ and its crash regressions fuzz/regressions/NAME/.
# So CI checks the corpora, and every crash ever found stays fixed, with no
# clang. Prints "ok NAME" / "FAIL NAME" lines (tests/run.sh).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
cc=${REPLAY_CC:-gcc}
out="$root/build/fuzz-replay"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
flags="-std=c11 -O1 -g $san -Wall -Wextra -Wpedantic -Werror -I$root/include -I$root/src -I$root/fuzz"
mkdir -p "$out" || exit 1
log="$out/log.txt"

# The library and the examples' readers as make check's sanitizer build
# has them (build/san/libsiren.a, build/san/examples/libio.a).
make=${MAKE:-make}
libs="build/san/examples/libio.a build/san/libsiren.a"
if ! (cd "$root" && $make -s $libs) > "$log" 2>&1; then
    echo "FAIL fuzz_replay_build: $make $libs"
    sed 's/^/  /' "$log" | tail -20
    exit 1
fi
objs=""
for lib in $libs; do objs="$objs $root/$lib"; done
# the image library libio.a's codec needs (examples/image_lib.mk)
image_libs=$(cd "$root" && $make -s print-image-libs) || exit 1

status=0
for harness in "$root"/fuzz/fuzz_*.c; do
    name=$(basename "$harness" .c)
    short=${name#fuzz_}
    if ! $cc $flags -I"$root/examples/io" "$harness" "$root/fuzz/replay_main.c" $objs \
            -o "$out/$name" $image_libs -lm -lpthread > "$log" 2>&1; then
        echo "FAIL fuzz_replay_$short: does not build"
        sed 's/^/  /' "$log" | head -20
        status=1
        continue
    fi
    dirs=""
    for d in "$root/fuzz/corpus/$short" "$root/fuzz/regressions/$short"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    if [ -z "$dirs" ]; then
        echo "FAIL fuzz_replay_$short: no corpus in fuzz/corpus/$short"
        status=1
        continue
    fi
    # detect_leaks: a leak on any input fails the replay.
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
            "$out/$name" $dirs > "$log" 2>&1; then
        echo "ok fuzz_replay_$short ($(tail -1 "$log"))"
    else
        echo "FAIL fuzz_replay_$short"
        # The last input named is the one that failed.
        grep -v '^replay: ' "$log" | sed 's/^/  /' | head -30
        grep '^replay: ' "$log" | tail -1 | sed 's/^/  failing /'
        status=1
    fi
done
exit $status
