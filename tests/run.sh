#!/bin/sh
# run.sh - runs test programs and counts their results.
# Each argument is an executable that prints "ok NAME", "FAIL NAME" or
# "SKIP NAME" lines. A program that exits non-zero without printing a FAIL
# line (a crash, a sanitizer report) counts as one failure.
# The last line is "N passed, N failed" (", N skipped" when any were).
passed=0 failed=0 skipped=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
for test in "$@"; do
    label=$(echo "$test" | sed 's|^build/||; s|^tests/||')
    case "$test" in
        *.sh) sh "$test" > "$log" 2>&1 ;;
        *) "$test" > "$log" 2>&1 ;;
    esac
    rc=$?
    sed "s|^\(ok\|FAIL\|SKIP\) |\1 $label: |" "$log"
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^SKIP ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $label: exited with status $rc"
        f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
