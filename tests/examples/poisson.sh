#!/bin/sh
# poisson.sh - examples/poisson end to end: data/camera.pgm at
# 32x32 reconstructed from its gradient alone (sharp: a PSNR bar) and from
# its Laplacian alone (recognisable: clearly above the mean-image and
# best-plane baselines the program reports), valid output images, bad
# input refused with one line on stderr and exit status 1, never a crash,
# --resume continuing a --checkpoint bit for bit, and Ctrl-C still writing
# the outputs (exit status 130).
# Prints "ok NAME" / "FAIL NAME" lines (tests/run.sh counts them).
#
# The network is narrower than the default (128 wide, 2 hidden layers) so
# that the test takes seconds; the default is the reference's 256x256.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/poisson"
image="$root/data/camera.pgm"
SMALL="--size 32 --width 128 --depth 2 --steps 300"
# Measured, seeds 0-1: gradient 29.0-29.2 dB (the mean image scores
# 11.4 dB); Laplacian 14.6-14.7 dB after the affine alignment (best plane
# alone 13.65 dB), 15.5-15.7 dB after the harmonic one.
GRADIENT_BAR=25
LAPLACIAN_OVER_MEAN=2.4
LAPLACIAN_OVER_PLANE=0.5

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail poisson_built "$bin is missing (make examples)"
    exit 1
fi
pnm_outputs


# check_pgm FILE WIDTH HEIGHT: a binary 8-bit PGM of that size.
check_pgm() {
    header=$(printf 'P5\n%s %s\n255\n' "$2" "$3")
    [ -f "$1" ] || { echo "$1 missing"; return 1; }
    [ "$(head -c $(( ${#header} + 1 )) "$1")" = "$header" ] || { echo "$1: bad header"; return 1; }
    [ "$(wc -c < "$1")" -eq $(( ${#header} + 1 + $2 * $3 )) ] || { echo "$1: bad size"; return 1; }
}

# ------------------------------------------------------------ gradient
out="$tmp/g/run"
"$bin" "$image" $SMALL --seed 0 --out "$out" > "$tmp/g.out" 2> "$tmp/g.err"
rc=$?
last=$(tail -n 1 "$tmp/g.out")
psnr=$(field psnr_db "$last")
if [ "$rc" -eq 0 ] && [ -n "$psnr" ] && awk "BEGIN { exit !($psnr >= $GRADIENT_BAR) }"; then
    ok "poisson_gradient_psnr_above_$GRADIENT_BAR"
    echo "  $last"
else
    fail poisson_gradient_psnr "exit $rc, last line: $last" "$(tail -n 3 "$tmp/g.err")"
fi
case "$last" in
    "result: psnr_db="*" alignment=constant mean_image_db="*" supervise=gradient steps=300 "*)
        ok poisson_gradient_result_line ;;
    *) fail poisson_gradient_result_line "last stdout line: $last" ;;
esac
msgs=""
for name in recon grad laplacian target_grad target_laplacian; do
    m=$(check_pgm "${out}_$name.pgm" 32 32) || msgs="$msgs $m"
done
[ -s "$out.siren" ] || msgs="$msgs $out.siren missing"
if [ -z "$msgs" ]; then ok poisson_outputs_valid; else fail poisson_outputs_valid "$msgs"; fi

# ----------------------------------------------------------- Laplacian
"$bin" "$image" $SMALL --seed 0 --supervise laplacian --out "$tmp/l/run" \
    > "$tmp/l.out" 2> "$tmp/l.err"
rc=$?
last=$(tail -n 1 "$tmp/l.out")
psnr=$(field psnr_db "$last")
mean=$(field mean_image_db "$last")
plane=$(field plane_db "$last")
harmonic=$(field harmonic_db "$last")
if [ "$rc" -eq 0 ] && [ -n "$psnr" ] && [ -n "$mean" ] && [ -n "$plane" ] && [ -n "$harmonic" ] &&
   awk "BEGIN { exit !($psnr >= $mean + $LAPLACIAN_OVER_MEAN && $psnr >= $plane + $LAPLACIAN_OVER_PLANE \
                      && $harmonic >= $psnr) }"; then
    ok poisson_laplacian_above_baselines
    echo "  $last"
else
    fail poisson_laplacian_above_baselines "exit $rc, last line: $last" "$(tail -n 3 "$tmp/l.err")"
fi
case "$last" in
    *" alignment=affine "*" supervise=laplacian "*) ok poisson_laplacian_result_line ;;
    *) fail poisson_laplacian_result_line "last stdout line: $last" ;;
esac

# A colour image (a 16-bit ASCII PPM made here) gives a PPM reconstruction.
{
    printf 'P3\n# an 8x6 ramp\n8 6\n65535\n'
    for y in 0 1 2 3 4 5; do
        for x in 0 1 2 3 4 5 6 7; do printf '%d %d %d\n' $((x * 8000)) $((y * 10000)) 30000; done
    done
} > "$tmp/rgb.ppm"
if "$bin" "$tmp/rgb.ppm" --size 0 --width 16 --depth 1 --steps 5 --out "$tmp/rgb/x" \
        > "$tmp/rgb.out" 2> "$tmp/rgb.err" &&
   [ "$(head -c 11 "$tmp/rgb/x_recon.ppm")" = "$(printf 'P6\n8 6\n255')" ]; then
    ok poisson_rgb_16bit_ascii
else
    fail poisson_rgb_16bit_ascii "$(cat "$tmp/rgb.err")"
fi


head -c 3000 /dev/urandom > "$tmp/garbage.pgm"
printf 'P5\n2 2\n255\nabcd' > "$tmp/tiny.pgm"
printf 'P5\n64 64\n255\n0123456789' > "$tmp/truncated.pgm"
: > "$tmp/a_file"
expect_error missing_file "$tmp/does-not-exist.pgm"
expect_error garbage_file "$tmp/garbage.pgm"
expect_error truncated_data "$tmp/truncated.pgm"
expect_error too_small "$tmp/tiny.pgm" --size 0
expect_error directory_as_image "$tmp"
expect_error bad_supervise "$image" --supervise hessian
expect_error unwritable_out "$image" --size 32 --steps 100000000 --out "$tmp/a_file/sub/x"
expect_error unwritable_save "$image" --size 32 --steps 100000000 --save "$tmp/a_file/m.siren"
expect_error bad_steps "$image" --steps abc
expect_error unknown_option "$image" --no-such-option 3
expect_error no_image --steps 10
expect_error missing_checkpoint "$image" --resume "$tmp/none.ckpt"
expect_error unwritable_checkpoint "$image" --size 32 --steps 100000000 \
    --checkpoint "$tmp/a_file/c.ckpt"
expect_error checkpoint_every_alone "$image" --size 32 --checkpoint-every 5
expect_error unwritable_log "$image" --size 32 --steps 100000000 --log "$tmp/a_file/l.csv"
# Outputs never overwrite the input or one another.
cp "$image" "$tmp/input.pgm"
expect_error save_over_input "$tmp/input.pgm" --size 32 --steps 100000000 --save "$tmp/input.pgm"
expect_error log_is_checkpoint "$image" --size 32 --steps 100000000 --checkpoint "$tmp/c.ckpt" \
    --log "$tmp/c.ckpt"
expect_error two_spellings_of_one_new_output "$image" --size 32 --steps 100000000 \
    --out "$tmp/sp/a" --log "$tmp/sp//a.siren"
if cmp -s "$image" "$tmp/input.pgm"; then ok poisson_input_untouched; else fail poisson_input_untouched; fi

# Only the checkpoint may be the file a run resumes from.
"$bin" "$image" --size 16 --width 8 --depth 1 --steps 2 --checkpoint "$tmp/r.ckpt" \
    --out "$tmp/r/a" > /dev/null 2>&1
expect_error log_over_resumed_checkpoint "$image" --size 16 --steps 100000000 \
    --resume "$tmp/r.ckpt" --log "$tmp/r.ckpt"
if "$bin" "$image" --size 16 --steps 3 --resume "$tmp/r.ckpt" --checkpoint "$tmp/r.ckpt" \
       --out "$tmp/r/b" > /dev/null 2>&1; then
    ok poisson_checkpoint_replaces_resumed_one
else
    fail poisson_checkpoint_replaces_resumed_one
fi

# --log: a header and a line per step; a resumed run appends to it.
if "$bin" "$image" --size 16 --width 8 --depth 1 --steps 3 --checkpoint "$tmp/log.ckpt" \
       --log "$tmp/logs/run.csv" --out "$tmp/log/a" > /dev/null 2>&1 &&
   "$bin" "$image" --size 16 --steps 5 --resume "$tmp/log.ckpt" --log "$tmp/logs/run.csv" \
       --out "$tmp/log/b" > /dev/null 2>&1 &&
   [ "$(cut -d , -f 1 "$tmp/logs/run.csv" | tr '\n' ' ')" = "step 1 2 3 4 5 " ]; then
    ok poisson_log_appends_on_resume
else
    fail poisson_log_appends_on_resume "$(cut -d , -f 1 "$tmp/logs/run.csv" 2>&1 | tr '\n' ' ')"
fi
# A run killed after its checkpoint of step 3 left rows up to step 4 and
# half of step 5: resumed from step 3, the log keeps steps 1-3 and goes on.
head -n 4 "$tmp/logs/run.csv" > "$tmp/logs/killed.csv"
printf '4,0.5,10.0,0.1\n5,0.4' >> "$tmp/logs/killed.csv"
if "$bin" "$image" --size 16 --steps 5 --resume "$tmp/log.ckpt" --log "$tmp/logs/killed.csv" \
       --out "$tmp/log/c" > /dev/null 2>&1 &&
   [ "$(cut -d , -f 1 "$tmp/logs/killed.csv" | tr '\n' ' ')" = "step 1 2 3 4 5 " ] &&
   [ "$(awk -F , 'NF != 4' "$tmp/logs/killed.csv" | wc -l)" -eq 0 ]; then
    ok poisson_log_resumes_after_a_kill
else
    fail poisson_log_resumes_after_a_kill "$(tr '\n' ' ' < "$tmp/logs/killed.csv")"
fi
printf 'step,loss,snr_db,seconds\n1,0.5,3.0,0.1\n' > "$tmp/logs/other.csv"
expect_error log_of_another_kind "$image" --size 16 --steps 100000000 --resume "$tmp/log.ckpt" \
    --log "$tmp/logs/other.csv"

if "$bin" --help > "$tmp/help.out" 2>&1 && grep -q -- '--steps' "$tmp/help.out" &&
   grep -q -- '--seed' "$tmp/help.out" && grep -q -- '--out' "$tmp/help.out" &&
   grep -q -- '--threads' "$tmp/help.out" && grep -q -- '--supervise' "$tmp/help.out"; then
    ok poisson_help
else
    fail poisson_help "$(head -n 3 "$tmp/help.out")"
fi

# ---------------------------------------------------------- resume
check_resume_exact gradient 12 "$image" --size 32 --width 32 --depth 1 --seed 1
check_resume_exact laplacian 12 "$image" --size 32 --width 32 --depth 1 --seed 2 --chunk 300 \
    --supervise laplacian
check_ctrl_c "$image" --size 32 --width 32 --depth 1
exit 0
