#!/bin/sh
# minimal.sh - the programs of examples/minimal/ (built by make examples
# with -Iinclude alone, so they need nothing but <siren.h> and the C
# library) run and do what they say: derivatives prints the jets of two
# points, fit_signal's error falls below a bar, save_load gets the same
# bits back from the file and fails with one line and status 1 when it
# cannot write. Prints "ok NAME" / "FAIL NAME" lines (tests/run.sh).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/minimal"
# Measured: fit_signal ends at 1.4e-7 (its error at step 50 is 5.5e-5,
# the signal's variance 0.16).
FIT_BAR=1e-5

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

for p in derivatives fit_signal save_load; do
    if [ ! -x "$bin/$p" ]; then
        fail "minimal_${p}_built" "$bin/$p is missing (make examples)"
        exit 1
    fi
done

if "$bin/derivatives" > d.out 2> d.err && [ "$(grep -c '^f = .* grad = (.*) *lap = ' d.out)" -eq 2 ] &&
   [ ! -s d.err ]; then
    ok minimal_derivatives
else
    fail minimal_derivatives "$(cat d.out d.err)"
fi

"$bin/fit_signal" > f.out 2> f.err
rc=$?
last=$(tail -n 1 f.out | sed -n 's/^step 300  mean squared error //p')
first=$(head -n 1 f.out | sed -n 's/^step  50  mean squared error //p')
if [ "$rc" -eq 0 ] && [ -n "$last" ] && [ -n "$first" ] &&
   awk "BEGIN { exit !($last < $FIT_BAR && $last < $first) }"; then
    ok "minimal_fit_signal_below_$FIT_BAR"
    echo "  error at step 300: $last"
else
    fail minimal_fit_signal "exit $rc" "$(cat f.out f.err)"
fi

if "$bin/save_load" "$tmp/m.siren" > s.out 2> s.err && [ "$(tail -n 1 s.out)" = identical ] &&
   [ -s "$tmp/m.siren" ]; then
    ok minimal_save_load_same_bits
else
    fail minimal_save_load_same_bits "$(cat s.out s.err)"
fi
"$bin/save_load" "$tmp/no-such-dir/m.siren" > e.out 2> e.err
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l < e.err)" -eq 1 ] && grep -q '^save_load: ' e.err; then
    ok minimal_save_load_reports_an_unwritable_file
else
    fail minimal_save_load_reports_an_unwritable_file "exit $rc" "$(cat e.err)"
fi
exit 0
