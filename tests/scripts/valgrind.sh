#!/bin/sh
# valgrind.sh - the quick C tests under valgrind memcheck: no invalid
# read or write, no use of uninitialised memory in a branch, no leak
# (definite or indirect), in the plain -O2 build that users link (the
# sanitizer build of make check instruments the code; this checks the
# real binaries). Workspaces run 2 threads (SIREN_NUM_THREADS=2) so the
# pool is checked too. One "ok"/"FAIL" line per program (tests/run.sh);
# SKIP when valgrind is not installed. About a minute on one core.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
cd "$root" || exit 1
make=${MAKE:-make}
programs="net errors jets backward adam model_file checkpoint instances alloc_failures"

if ! command -v valgrind > /dev/null 2>&1; then
    echo "SKIP valgrind: not installed (Debian package valgrind)"
    exit 0
fi
bins=""
for p in $programs; do
    bins="$bins build/tests/lib/test_$p"
done
if ! $make -s $bins > /dev/null 2>&1; then
    echo "FAIL valgrind_build: $make $bins"
    exit 1
fi

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
status=0
for p in $programs; do
    start=$(date +%s)
    SIREN_NUM_THREADS=2 valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --track-fds=no --quiet "build/tests/lib/test_$p" > "$log" 2>&1
    rc=$?
    seconds=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ] && ! grep -q '^FAIL' "$log"; then
        echo "ok valgrind_test_$p (${seconds}s, $(grep -c '^ok ' "$log") tests, 0 errors)"
    else
        echo "FAIL valgrind_test_$p (exit status $rc)"
        grep -v '^ok ' "$log" | sed 's/^/  /' | head -40
        status=1
    fi
done
exit $status
