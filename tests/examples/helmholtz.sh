#!/bin/sh
# helmholtz.sh - examples/helmholtz end to end: a short run at a
# small size matches the analytic field below an error bound, writes valid
# images and a model, resumes from a checkpoint bit for bit, gives the same
# model with 1 and 2 threads, and refuses bad input with one line on
# stderr and exit status 1. Prints "ok NAME" / "FAIL NAME" lines.
#
# The short run is not the reference's problem: k = 10 and a wider source
# (variance 0.0025) that a small network (64 wide, first omega 10) shapes
# in seconds; the exact solution includes the source's width (its factor
# exp(-k^2 sigma / 2) = 0.88) and leaves out r < 0.2, where the Gaussian
# lives. The reference setting is in docs/RESULTS.md.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/helmholtz"
# Measured after 500 steps: rel_error 0.24-0.39 (seeds 0-4); an untrained
# network scores about 1.
ERROR_BAR=0.55
SMALL="--points 3000 --source-points 300 --sigma 0.0025 --k 10 --exclude 0.2 --width 64 \
--depth 2 --first-omega 10 --lr 3e-4"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail helmholtz_built "$bin is missing (make examples)"
    exit 1
fi
pnm_outputs

# check_pnm FILE MAGIC WIDTH HEIGHT CHANNELS: the exact binary file.
check_pnm() {
    header=$(printf '%s\n%s %s\n255\n' "$2" "$3" "$4")
    want_size=$(( ${#header} + 1 + $3 * $4 * $5 ))
    [ -f "$1" ] || { echo "$1 missing"; return 1; }
    size=$(wc -c < "$1")
    [ "$(head -c $(( ${#header} + 1 )) "$1")" = "$header" ] || { echo "$1: bad header"; return 1; }
    [ "$size" -eq "$want_size" ] || { echo "$1: $size bytes, want $want_size"; return 1; }
}

"$bin" $SMALL --steps 500 --seed 0 --grid 100 --out fit/h > fit.out 2> fit.err
rc=$?
last=$(tail -n 1 fit.out)
err=$(field rel_error "$last")
if [ "$rc" -eq 0 ] && [ -n "$err" ] && awk "BEGIN { exit !($err < $ERROR_BAR) }"; then
    ok "helmholtz_rel_error_below_$ERROR_BAR"
    echo "  rel_error=$err"
else
    fail helmholtz_rel_error "exit $rc, last line: $last" "$(tail -n 3 fit.err)"
fi
case "$last" in
    "result: rel_error="*" steps=500 seconds="*) ok helmholtz_result_line ;;
    *) fail helmholtz_result_line "last stdout line: $last" ;;
esac
msgs=""
for name in real imag exact_real exact_imag; do
    m=$(check_pnm "fit/h_$name.ppm" P6 100 100 3) || msgs="$msgs $m"
done
m=$(check_pnm fit/h_error.pgm P5 100 100 1) || msgs="$msgs $m"
[ -s fit/h.siren ] || msgs="$msgs fit/h.siren missing"
if [ -z "$msgs" ]; then ok helmholtz_outputs_valid; else fail helmholtz_outputs_valid "$msgs"; fi

# The reference's own problem runs too (k = 20, the narrow source).
if "$bin" --steps 2 --points 500 --width 32 --depth 1 --grid 40 --out ref/h > ref.out 2> ref.err &&
   tail -n 1 ref.out | grep -q '^result: rel_error=.* k=20 points=500$'; then
    ok helmholtz_reference_problem_runs
else
    fail helmholtz_reference_problem_runs "$(tail -n 2 ref.err)"
fi

# Resuming is exact (tests/report.sh), with a constant and with a decaying
# learning rate.
HELM_FAST="$SMALL --points 600 --source-points 50 --grid 20"
check_resume_exact constant_lr 6 $HELM_FAST
check_resume_exact decaying_lr 6 $HELM_FAST --lr-end 1e-5 --lr-decay-steps 12

"$bin" $SMALL --points 600 --source-points 50 --steps 4 --grid 20 --threads 1 --out t1/x > /dev/null 2>&1
"$bin" $SMALL --points 600 --source-points 50 --steps 4 --grid 20 --threads 2 --out t2/x > /dev/null 2>&1
if [ -s t1/x.siren ] && cmp -s t1/x.siren t2/x.siren; then
    ok helmholtz_same_model_with_1_and_2_threads
else
    fail helmholtz_same_model_with_1_and_2_threads
fi

: > a_file
printf 'not a checkpoint' > junk.ckpt
# A checkpoint of a network with 3 inputs (a wave's) does not fit.
"$root/bin/wave" --steps 1 --points 300 --source-points 10 --width 8 --depth 0 --grid 16 \
    --checkpoint wave.ckpt --out w/x > /dev/null 2>&1
expect_error negative_k --k -20
expect_error zero_points --points 0
expect_error source_points_not_fewer --points 100 --source-points 100
expect_error pml_too_wide --pml-width 1
expect_error bad_steps --steps 1e3
expect_error unknown_option --frequency 3
expect_error positional_argument extra.txt
expect_error unwritable_out --steps 100000000 --out a_file/sub/x
expect_error missing_checkpoint --resume none.ckpt
expect_error corrupt_checkpoint --resume junk.ckpt
expect_error wrong_network_shape --resume wave.ckpt

if "$bin" --help > help.out 2>&1 && grep -q -- '--steps' help.out && grep -q -- '--seed' help.out &&
   grep -q -- '--out' help.out && grep -q -- '--threads' help.out; then
    ok helmholtz_help
else
    fail helmholtz_help "$(head -n 3 help.out)"
fi
exit 0
