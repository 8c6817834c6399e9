#!/bin/sh
# wave.sh - examples/wave end to end: short runs at a small size match
# the program's own finite-difference solution below an error bound (and
# the initial condition much more closely), write valid frames, montage
# and model, resume from a checkpoint bit for bit, give the same model
# with 1 and 2 threads, --paper sets the reference's settings, and bad
# input is refused with one line on stderr and exit status 1. Prints
# "ok NAME" / "FAIL NAME" lines.
#
# Two problems. The reference's (the narrow pulse 0.02 high, up to
# t = 0.4) with the program's recipe (its defaults: the output scale, the
# front sampling, the decaying rate) at a small size: a network 64 wide,
# 2000 points, 3000 steps. And, with the reference's settings (--paper), a
# wider pulse (variance 0.01, height 1) up to t = 0.25, with more of the
# points at t = 0 near it, for a small network (64 wide, first omega 10).
# The full runs are in docs/RESULTS.md.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/wave"
# The recipe at a small size, measured after 3000 steps (seeds 0-4):
# rel_error 0.288, 0.298, 0.308, 0.417, 0.321 (25 s each at 1 thread);
# with --paper instead of the recipe the same size scores 1.88 (seed 0).
RECIPE_BAR=0.55
RECIPE_SMALL="--width 64 --points 2000 --source-points 500 --lr 5e-4 --lr-end 5e-5"
# Measured after 500 steps (seeds 0-4): rel_error 0.33-0.39 over the five
# frames, 0.05-0.08 at t = 0; an untrained network scores about 1 or more.
ERROR_BAR=0.55
INITIAL_BAR=0.15
# After 150 steps of pretraining alone (seeds 0-4): t = 0 error 0.086-0.115.
PRETRAIN_BAR=0.15
SMALL="--paper --points 2000 --source-points 900 --source-radius 0.3 --variance 0.01 --amplitude 1 \
--t-max 0.25 --ramp-steps 400 --width 64 --depth 2 --first-omega 10 --lr 3e-4"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail wave_built "$bin is missing (make examples)"
    exit 1
fi
pnm_outputs

# The recipe on the reference's problem.
"$bin" $RECIPE_SMALL --steps 3000 --grid 64 --out recipe/w > recipe.out 2> recipe.err
rc=$?
last=$(tail -n 1 recipe.out)
err=$(field rel_error "$last")
if [ "$rc" -eq 0 ] && [ -n "$err" ] && awk "BEGIN { exit !($err < $RECIPE_BAR) }"; then
    ok "wave_recipe_rel_error_below_$RECIPE_BAR"
    echo "  rel_error=$err"
else
    fail wave_recipe_rel_error "exit $rc, last line: $last" "$(tail -n 3 recipe.err)"
fi

"$bin" $SMALL --steps 500 --seed 0 --grid 61 --out fit/w > fit.out 2> fit.err
rc=$?
last=$(tail -n 1 fit.out)
err=$(field rel_error "$last")
initial=$(sed -n 's/^wave: t = 0: relative error //p' fit.err)
if [ "$rc" -eq 0 ] && [ -n "$err" ] && awk "BEGIN { exit !($err < $ERROR_BAR) }"; then
    ok "wave_rel_error_below_$ERROR_BAR"
    echo "  rel_error=$err"
else
    fail wave_rel_error "exit $rc, last line: $last" "$(tail -n 3 fit.err)"
fi
if [ -n "$initial" ] && awk "BEGIN { exit !($initial < $INITIAL_BAR) }"; then
    ok "wave_initial_condition_below_$INITIAL_BAR"
    echo "  t=0: $initial"
else
    fail wave_initial_condition "t = 0 error '$initial'"
fi
case "$last" in
    "result: rel_error="*" steps=500 seconds="*" t_max=0.25 points=2000") ok wave_result_line ;;
    *) fail wave_result_line "last stdout line: $last" ;;
esac
# Five frames of 61 x 61 (every second node of a grid with h = 1/60), each
# a P6 PPM for the network and one for the reference, and the model.
msgs=""
for t in 0.000 0.062 0.125 0.188 0.250; do
    for kind in "" _fd; do
        f="fit/w_t$t$kind.ppm"
        [ -f "$f" ] && [ "$(head -c 13 "$f")" = "$(printf 'P6\n61 61\n255\n')" ] &&
            [ "$(wc -c < "$f")" -eq $((13 + 61 * 61 * 3)) ] || msgs="$msgs $f"
    done
done
# The montage: five pairs of 61 x 61 with gaps of 4 (321 x 126).
f=fit/w_montage.ppm
[ -f "$f" ] && [ "$(head -c 15 "$f")" = "$(printf 'P6\n321 126\n255\n')" ] &&
    [ "$(wc -c < "$f")" -eq $((15 + 321 * 126 * 3)) ] || msgs="$msgs $f"
[ -s fit/w.siren ] || msgs="$msgs fit/w.siren"
if [ -z "$msgs" ]; then ok wave_outputs_valid; else fail wave_outputs_valid "bad or missing:$msgs"; fi

# The reference's own problem runs too (the narrow pulse up to t = 0.4).
if "$bin" --steps 2 --points 500 --source-points 50 --width 16 --depth 1 --grid 32 \
       --times 0,0.4 --out ref/w > ref.out 2> ref.err &&
   tail -n 1 ref.out | grep -q '^result: rel_error=.* t_max=0.4 points=500$'; then
    ok wave_reference_problem_runs
else
    fail wave_reference_problem_runs "$(tail -n 2 ref.err)"
fi

# --pretrain-steps: the first steps fit the initial condition alone (every
# point at t = 0), so after them the t = 0 frame is close, and the model is
# not the one trained with the curriculum from the first step.
"$bin" $SMALL --steps 151 --pretrain-steps 150 --grid 31 --times 0 --out pre/w \
    > pre.out 2> pre.err
"$bin" $SMALL --steps 151 --grid 31 --times 0 --out nopre/w > nopre.out 2> nopre.err
pre=$(sed -n 's/^wave: t = 0: relative error //p' pre.err)
if [ -n "$pre" ] && awk "BEGIN { exit !($pre < $PRETRAIN_BAR) }" &&
   [ -s pre/w.siren ] && [ -s nopre/w.siren ] && ! cmp -s pre/w.siren nopre/w.siren; then
    ok "wave_pretraining_fits_t0_below_$PRETRAIN_BAR"
    echo "  t=0: $pre"
else
    fail wave_pretraining "t = 0 error '$pre'" "$(tail -n 2 pre.err)"
fi

# Resuming is exact, with a constant learning rate and with --lr-end (the
# rate is a function of the step, tests/report.sh); the decay changes the
# model.
WAVE_FAST="$SMALL --points 400 --source-points 100 --grid 16 --times 0.25"
check_resume_exact constant_lr 6 $WAVE_FAST
check_resume_exact decaying_lr 6 $WAVE_FAST --lr-end 1e-5 --lr-decay-steps 12
# and with the recipe (front points, output scale: the checkpoint holds the
# unscaled network, the model file the scaled one).
check_resume_exact recipe 6 --width 16 --points 400 --source-points 100 --grid 16 --times 0.4 \
    --lr-decay-steps 12 --ramp-steps 3
if cmp -s "$tmp/wave_resume_is_exact_constant_lr/a.siren" \
          "$tmp/wave_resume_is_exact_decaying_lr/a.siren"; then
    fail wave_lr_end_changes_training "--lr-end 1e-5 gave the constant-rate model"
else
    ok wave_lr_end_changes_training
fi

"$bin" $SMALL --points 400 --source-points 100 --steps 4 --grid 16 --times 0.25 --threads 1 --out t1/x > /dev/null 2>&1
"$bin" $SMALL --points 400 --source-points 100 --steps 4 --grid 16 --times 0.25 --threads 2 --out t2/x > /dev/null 2>&1
if [ -s t1/x.siren ] && cmp -s t1/x.siren t2/x.siren; then
    ok wave_same_model_with_1_and_2_threads
else
    fail wave_same_model_with_1_and_2_threads
fi
TINY="--width 16 --points 400 --source-points 100 --steps 4 --grid 16 --times 0.4"
"$bin" $TINY --threads 1 --out r1/x > /dev/null 2>&1
"$bin" $TINY --threads 2 --out r2/x > /dev/null 2>&1
if [ -s r1/x.siren ] && cmp -s r1/x.siren r2/x.siren; then
    ok wave_recipe_same_model_with_1_and_2_threads
else
    fail wave_recipe_same_model_with_1_and_2_threads
fi

# --paper is the reference's settings (those given stay), and they differ
# from the recipe's.
"$bin" $TINY --paper --out p1/x > /dev/null 2>&1
"$bin" $TINY --lr 2e-5 --lr-end 0 --ramp-fraction 1 --output-scale 1 --source-spread 0 \
    --front-fraction 0 --out p2/x > /dev/null 2>&1
if [ -s p1/x.siren ] && cmp -s p1/x.siren p2/x.siren && ! cmp -s p1/x.siren r1/x.siren; then
    ok wave_paper_is_the_reference_settings
else
    fail wave_paper_is_the_reference_settings
fi
# Each part of the recipe changes the training (the front points, the
# normal source points, the output scale, the curriculum).
for part in "--front-fraction 0" "--source-spread 0" "--output-scale 1" "--ramp-fraction 1"; do
    name=$(echo "$part" | sed 's/^--//; s/ .*//')
    "$bin" $TINY $part --out "part_$name/x" > /dev/null 2>&1
    if [ -s "part_$name/x.siren" ] && ! cmp -s "part_$name/x.siren" r1/x.siren; then
        ok "wave_recipe_part_${name}_changes_training"
    else
        fail "wave_recipe_part_${name}_changes_training"
    fi
done

: > a_file
expect_error times_not_increasing --times 0.2,0.1
expect_error time_beyond_t_max --times 0,0.5
expect_error time_not_a_number --times 0,abc
expect_error times_trailing_comma --times 0.1,
expect_error negative_time --times -0.1
expect_error too_few_points --points 100 --source-points 50
expect_error zero_speed --c 0
expect_error negative_ramp --ramp-steps -5
expect_error pretrain_not_before_the_end --steps 100 --pretrain-steps 100
expect_error courant_too_large --courant 0.9
expect_error unknown_option --velocity 3
expect_error positional_argument extra.txt
expect_error unwritable_out --steps 100000000 --out a_file/sub/x
expect_error missing_checkpoint --resume none.ckpt
expect_error disc_and_normal_source --source-radius 0.2 --source-spread 0.05
expect_error front_width_zero --front-width 0
expect_error front_fraction_above_1 --front-fraction 1.5

if "$bin" --help > help.out 2>&1 && grep -q -- '--steps' help.out && grep -q -- '--seed' help.out &&
   grep -q -- '--out' help.out && grep -q -- '--threads' help.out &&
   grep -q -- '--paper' help.out && grep -q 'linear' help.out; then
    ok wave_help
else
    fail wave_help "$(head -n 3 help.out)"
fi
exit 0
