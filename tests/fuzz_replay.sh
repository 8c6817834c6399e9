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
mkdir -p "$out/obj" || exit 1
log="$out/log.txt"

# The library, built here so that the script does not depend on make's
# state (same flags as the sanitizer build of make check).
objs=""
for src in "$root"/src/*.c; do
    obj="$out/obj/$(basename "$src" .c).o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
       [ -n "$(find "$root/src" "$root/include" -name '*.h' -newer "$obj")" ]; then
        if ! $cc -std=c11 -O1 -g $san -I"$root/include" -I"$root/src" -c "$src" -o "$obj" \
                > "$log" 2>&1; then
            echo "FAIL fuzz_replay_build: $src"
            sed 's/^/  /' "$log" | head -20
            exit 1
        fi
    fi
    objs="$objs $obj"
done

# the readers' shared helpers (examples/common/files.h, error_message.h)
helpers="$root/examples/common/files.c $root/examples/common/error_message.c"
status=0
for harness in "$root"/fuzz/fuzz_*.c; do
    name=$(basename "$harness" .c)
    short=${name#fuzz_}
    extra=""
    case $short in
    pnm) extra="-I$root/examples/common $root/examples/common/pnm.c $helpers" ;;
    wav) extra="-I$root/examples/common $root/examples/common/wav.c $helpers" ;;
    shape) extra="-I$root/examples/common $root/examples/common/pointcloud.c
                  $root/examples/common/ply.c $root/examples/common/shape_text.c $helpers" ;;
    esac
    if ! $cc $flags "$harness" "$root/fuzz/replay_main.c" $extra $objs -o "$out/$name" \
            -lm -lpthread > "$log" 2>&1; then
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
