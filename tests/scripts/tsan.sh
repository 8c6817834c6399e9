#!/bin/sh
# tsan.sh - the library and its threaded tests under ThreadSanitizer.
#
# Builds every src/*.c and the tests below with -fsanitize=thread into
# build/tsan/ and runs them; any TSan report fails. The build defines
# SIREN_USE_PTHREADS: glibc's thrd_create calls its own pthread_create
# directly, out of TSan's reach, and TSan then crashes on the new
# thread's first access (src/threads_shim.h). The library and the tests
# take their threads from that shim, so the TSan build runs the same code
# on POSIX threads.
#
# First a deliberately racy program proves that this build does detect
# races: a TSan run that could not see anything would pass for nothing.
# Prints "ok NAME" / "FAIL NAME" / "SKIP NAME" lines (tests/run.sh).
#
#   TSAN_CC=clang sh tests/scripts/tsan.sh      another compiler (default gcc)
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
cc=${TSAN_CC:-gcc}
out="$root/build/tsan"
tests="test_threads test_alloc_failures test_instances"
flags="-std=c11 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -DSIREN_USE_PTHREADS \
-I$root/include -I$root/src"
mkdir -p "$out/obj" || exit 1
log="$out/log.txt"

# Is there a TSan runtime at all?
printf 'int main(void){return 0;}\n' > "$out/probe.c"
if ! $cc -fsanitize=thread "$out/probe.c" -o "$out/probe" > "$log" 2>&1 || ! "$out/probe"; then
    echo "SKIP tsan: $cc cannot build or run -fsanitize=thread programs"
    exit 0
fi

# 1. The detector works: two threads increment one counter unlocked.
cat > "$out/race.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#include "threads_shim.h"
static volatile long counter;
static SIREN_THREAD_RESULT bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++)
        counter = counter + 1;
    return SIREN_THREAD_DONE;
}
int main(void)
{
    siren_thread a, b;
    if (!siren__thread_start(&a, bump, 0) || !siren__thread_start(&b, bump, 0))
        return 2;
    siren__thread_join(a);
    siren__thread_join(b);
    return 0;
}
EOF
if $cc $flags "$out/race.c" -o "$out/race" -lpthread > "$log" 2>&1 &&
   ! TSAN_OPTIONS="exitcode=66" "$out/race" > "$log" 2>&1 &&
   grep -q "WARNING: ThreadSanitizer: data race" "$log"; then
    echo "ok tsan_detects_a_planted_race"
else
    echo "FAIL tsan_detects_a_planted_race"
    sed 's/^/  /' "$log" | head -20
    exit 1
fi

# 2. The library.
objs=""
for src in "$root"/src/*.c; do
    obj="$out/obj/$(basename "$src" .c).o"
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find "$root/src" "$root/include" -name '*.h' -newer "$obj")" ]; then
        if ! $cc $flags -c "$src" -o "$obj" > "$log" 2>&1; then
            echo "FAIL tsan_build: $src"
            sed 's/^/  /' "$log" | head -20
            exit 1
        fi
    fi
    objs="$objs $obj"
done

# 3. The tests: every one must pass and TSan must say nothing.
status=0
for t in $tests; do
    bin="$out/$t"
    if ! $cc $flags -I"$root/tests" -I"$root/tests/lib" "$root/tests/lib/$t.c" $objs -o "$bin" -lm -lpthread > "$log" 2>&1; then
        echo "FAIL tsan_build: tests/lib/$t.c"
        sed 's/^/  /' "$log" | head -20
        status=1
        continue
    fi
    # halt_on_error: the first report ends the run with exit code 66.
    TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" SIREN_NUM_THREADS=3 \
        "$bin" > "$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! grep -q "ThreadSanitizer" "$log" && ! grep -q "^FAIL" "$log"; then
        echo "ok tsan_$t ($(grep -c '^ok ' "$log") tests, no reports)"
    else
        echo "FAIL tsan_$t (exit status $rc)"
        grep -v '^ok ' "$log" | sed 's/^/  /' | head -40
        status=1
    fi
done
exit $status
