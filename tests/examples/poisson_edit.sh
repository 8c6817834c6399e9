#!/bin/sh
# poisson_edit.sh - examples/poisson_edit end to end: a
# procedurally drawn source (rings, made here) pasted into data/camera.pgm
# at 40x40 through its gradients. The composite must follow the
# background outside the rectangle and the source (up to a constant)
# inside, and its gradient must match the blended field far better than
# the naive cut-and-paste, whose seams do not. Also the mask and
# reference (average) modes and which keys the result line has in each
# (never nan or inf: no PSNR over a single pixel, none against the source
# with --alpha 0), mixed grey and colour, --save and --log (appended on
# --resume), bad input refused with one line on stderr and exit status 1
# (outputs over inputs or over one another, a region reaching beyond the
# image, numbers beyond single precision), --resume continuing a
# --checkpoint bit for bit, and Ctrl-C still writing the outputs (exit
# status 130). Prints "ok NAME" / "FAIL NAME".
#
# The network is narrower than the default (128 wide, 2 hidden layers) so
# that the test takes seconds.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/poisson_edit"
image="$root/data/camera.pgm"
# Measured, seeds 0-1, 200 steps: outside 21.7-22.1 dB, inside 20.2 dB,
# grad_rmse 0.0046-0.0057 against the naive paste's 0.097 (ratio 0.05-0.06).
OUTSIDE_BAR=18
INSIDE_BAR=16
FIELD_RATIO_BAR=0.2

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail poisson_edit_built "$bin is missing (make examples)"
    exit 1
fi
pnm_outputs

# The names of a result line's keys, in order, one space after each.
keys() { echo "$1" | tr ' ' '\n' | sed -n 's/=.*//p' | tr '\n' ' '; }

# Concentric rings, brighter than the background: a source to paste.
awk -v n=40 'BEGIN {
    printf "P2\n%d %d\n255\n", n, n
    for (y = 0; y < n; y++) {
        line = ""
        for (x = 0; x < n; x++) {
            r = sqrt((x - n / 2) ^ 2 + (y - n / 2) ^ 2)
            line = line sprintf("%d ", 200 + 40 * sin(r * 0.9))
        }
        print line
    }
}' > "$tmp/rings.pgm"
# A disc mask, white inside.
awk -v n=40 'BEGIN {
    printf "P2\n%d %d\n255\n", n, n
    for (y = 0; y < n; y++) {
        line = ""
        for (x = 0; x < n; x++)
            line = line (((x - 20) ^ 2 + (y - 14) ^ 2 < 64) ? "255 " : "0 ")
        print line
    }
}' > "$tmp/mask.pgm"
# Masks of one colour: every pixel pasted (white), none (black).
for colour in white:255 black:0; do
    awk -v n=40 -v v="${colour#*:}" 'BEGIN {
        printf "P2\n%d %d\n255\n", n, n
        for (i = 0; i < n * n; i++) print v
    }' > "$tmp/${colour%:*}.pgm"
done
# Masks of one colour but for K pixels of the other (the first K in
# reading order): NAME COLOUR OTHER K.
for spec in one_black:255:0:1 two_black:255:0:2 one_white:0:255:1; do
    IFS=: read -r name colour other count <<EOF2
$spec
EOF2
    awk -v n=40 -v v="$colour" -v o="$other" -v k="$count" 'BEGIN {
        printf "P2\n%d %d\n255\n", n, n
        for (i = 0; i < n * n; i++) print (i < k ? o : v)
    }' > "$tmp/$name.pgm"
done

# --------------------------------------------------------- the region
out="$tmp/r/run"
"$bin" "$image" "$tmp/rings.pgm" --size 40 --region 12,6,16,16 --width 128 --depth 2 \
    --steps 200 --seed 0 --out "$out" > "$tmp/r.out" 2> "$tmp/r.err"
rc=$?
last=$(tail -n 1 "$tmp/r.out")
outside=$(field psnr_outside_db "$last")
inside=$(field psnr_inside_db "$last")
grad=$(field grad_rmse "$last")
naive=$(field naive_grad_rmse "$last")
if [ "$rc" -eq 0 ] && [ -n "$outside" ] && [ -n "$inside" ] && [ -n "$grad" ] && [ -n "$naive" ] &&
   awk "BEGIN { exit !($outside >= $OUTSIDE_BAR && $inside >= $INSIDE_BAR) }"; then
    ok "poisson_edit_follows_both_images_above_${OUTSIDE_BAR}_${INSIDE_BAR}"
    echo "  $last"
else
    fail poisson_edit_follows_both_images "exit $rc, last line: $last" "$(tail -n 3 "$tmp/r.err")"
fi
if [ -n "$grad" ] && [ -n "$naive" ] && awk "BEGIN { exit !($grad <= $FIELD_RATIO_BAR * $naive) }"
then
    ok poisson_edit_no_seam
else
    fail poisson_edit_no_seam "grad_rmse $grad, naive_grad_rmse $naive"
fi
case "$last" in
    "result: psnr_outside_db="*" steps=200 seconds="*" width=40 height=40") ok poisson_edit_result_line ;;
    *) fail poisson_edit_result_line "last stdout line: $last" ;;
esac
msgs=""
for name in composite naive grad target_grad; do
    [ "$(head -c 2 "${out}_$name.pgm" 2>/dev/null)" = P5 ] || msgs="$msgs ${out}_$name.pgm"
done
[ -s "$out.siren" ] || msgs="$msgs $out.siren"
if [ -z "$msgs" ]; then ok poisson_edit_outputs_written; else fail poisson_edit_outputs_written "missing:$msgs"; fi

# ------------------------------------------------ mask, average, colour
"$bin" "$image" "$tmp/rings.pgm" --size 40 --mask "$tmp/mask.pgm" --width 32 --depth 1 \
    --steps 20 --out "$tmp/m/run" > "$tmp/m.out" 2> "$tmp/m.err"
last=$(tail -n 1 "$tmp/m.out")
case "$last" in
    "result: psnr_outside_db="[0-9]*" psnr_inside_db="[0-9]*) ok poisson_edit_mask ;;
    *) fail poisson_edit_mask "last line: $last" "$(tail -n 2 "$tmp/m.err")" ;;
esac
# Which keys the result line has (the help lists them): with fewer than 2
# pixels of alpha m = 0 (no region: the reference's average of both
# fields; a region covering the image; a white mask; a mask with one black
# pixel) the composite is aligned to the pixel blend, psnr_blend_db, and
# there is no outside to report (nor a seam, where alpha m is the same
# everywhere); with m = 0 everywhere (a black mask) nothing is inside, nor
# with m = 1 at one pixel only (a constant fitted to one pixel matches it
# exactly: an inf PSNR that says nothing), nor with alpha 0 (the source
# has no weight). No key is ever nan or inf.
check_keys() {
    name=$1 want=$2
    shift 2
    "$bin" "$image" "$tmp/rings.pgm" --size 40 --width 32 --depth 1 --steps 20 --threads 1 \
        "$@" --out "$tmp/k_$name/run" > "$tmp/k_$name.out" 2> "$tmp/k_$name.err"
    rc=$?
    last=$(tail -n 1 "$tmp/k_$name.out")
    case "$last" in *nan*|*inf*) bad=1 ;; *) bad=0 ;; esac
    if [ "$rc" -eq 0 ] && [ "$bad" -eq 0 ] && [ "$(keys "$last")" = "$want" ]; then
        ok "poisson_edit_result_keys_$name"
    else
        fail "poisson_edit_result_keys_$name" "exit $rc, want keys: $want" "last line: $last" \
            "$(tail -n 1 "$tmp/k_$name.err")"
    fi
}
times="steps seconds seconds_per_step width height "
check_keys reference_average "psnr_blend_db grad_rmse $times"
check_keys whole_image_region "psnr_blend_db grad_rmse $times" --region 0,0,40,40
check_keys white_mask "psnr_blend_db grad_rmse $times" --mask "$tmp/white.pgm"
check_keys black_mask "psnr_outside_db grad_rmse $times" --mask "$tmp/black.pgm"
check_keys region "psnr_outside_db psnr_inside_db grad_rmse naive_grad_rmse $times" \
    --region 12,6,16,16
check_keys region_alpha_half "psnr_outside_db psnr_inside_db grad_rmse naive_grad_rmse $times" \
    --region 12,6,16,16 --alpha 0.5
# Sets of one pixel: no PSNR measured on them (it was inf), two are enough.
check_keys one_pixel_region "psnr_outside_db grad_rmse naive_grad_rmse $times" --region 15,15,1,1
check_keys two_pixel_region "psnr_outside_db psnr_inside_db grad_rmse naive_grad_rmse $times" \
    --region 15,15,2,1
check_keys one_black_pixel "psnr_blend_db psnr_inside_db grad_rmse naive_grad_rmse $times" \
    --mask "$tmp/one_black.pgm"
check_keys two_black_pixels "psnr_outside_db psnr_inside_db grad_rmse naive_grad_rmse $times" \
    --mask "$tmp/two_black.pgm"
check_keys one_white_pixel "psnr_outside_db grad_rmse naive_grad_rmse $times" \
    --mask "$tmp/one_white.pgm"
# alpha 0: the field is the background's everywhere, so the composite is
# measured against it everywhere (psnr_outside_db), and not against the
# source (no psnr_inside_db) nor for seams (alpha m is 0 everywhere).
check_keys region_alpha_0 "psnr_outside_db grad_rmse $times" --region 12,6,16,16 --alpha 0
# psnr_blend_db is what it says: the PSNR between the two images written,
# the aligned composite and the pixel blend (PREFIX_naive.pgm), measured
# here from their 8-bit pixels (40x40: the files' last 1600 bytes).
pixels() { od -An -v -tu1 "$1" | tr -s ' ' '\n' | sed '/^$/d' | tail -n 1600; }
# images_psnr DIR: the PSNR between DIR's run_composite.pgm and run_naive.pgm.
images_psnr() {
    pixels "$1/run_composite.pgm" > "$tmp/composite.txt"
    pixels "$1/run_naive.pgm" > "$tmp/naive.txt"
    paste "$tmp/composite.txt" "$tmp/naive.txt" |
        awk '{ d = ($1 - $2) / 255; s += d * d; n++ }
             END { if (n == 1600 && s > 0) printf "%.3f", 10 * log(n / s) / log(10) }'
}
measured=$(images_psnr "$tmp/k_reference_average")
blend=$(field psnr_blend_db "$(tail -n 1 "$tmp/k_reference_average.out")")
if [ -n "$measured" ] && [ -n "$blend" ] &&
   awk "BEGIN { d = $measured - $blend; exit !(d < 0.2 && d > -0.2) }"; then
    ok poisson_edit_blend_psnr_is_against_the_blend
else
    fail poisson_edit_blend_psnr_is_against_the_blend "reported $blend dB, the images' $measured dB"
fi
# With alpha 0 psnr_outside_db is over every pixel, the region's too: the
# PSNR between the aligned composite and the background, which is the
# pixel blend written (PREFIX_naive.pgm) when alpha is 0.
measured=$(images_psnr "$tmp/k_region_alpha_0")
outside=$(field psnr_outside_db "$(tail -n 1 "$tmp/k_region_alpha_0.out")")
if [ -n "$measured" ] && [ -n "$outside" ] &&
   awk "BEGIN { d = $measured - $outside; exit !(d < 0.2 && d > -0.2) }"; then
    ok poisson_edit_alpha_0_outside_is_every_pixel
else
    fail poisson_edit_alpha_0_outside_is_every_pixel "reported $outside dB, the images' $measured dB"
fi
# The progress line: single words apart, no empty unit leaving three spaces.
if grep -q '^step 20/20  loss [^ ]*  field RMSE [0-9.]* x 1e-3  ' "$tmp/k_region.err" &&
   ! grep '^step ' "$tmp/k_region.err" | grep -q '   '; then
    ok poisson_edit_progress_line
else
    fail poisson_edit_progress_line "$(grep '^step ' "$tmp/k_region.err" | tail -n 1)"
fi
{
    printf 'P3\n8 6\n255\n'
    for y in 0 1 2 3 4 5; do
        for x in 0 1 2 3 4 5 6 7; do printf '%d %d %d\n' $((x * 30)) $((y * 40)) 90; done
    done
} > "$tmp/rgb.ppm"
if "$bin" "$tmp/rgb.ppm" "$tmp/rings.pgm" --size 0 --region 2,2,3,3 --width 16 --depth 1 \
        --steps 5 --out "$tmp/c/x" > "$tmp/c.out" 2> "$tmp/c.err" &&
   [ "$(head -c 11 "$tmp/c/x_composite.ppm")" = "$(printf 'P6\n8 6\n255')" ]; then
    ok poisson_edit_colour_and_grey_mix
else
    fail poisson_edit_colour_and_grey_mix "$(cat "$tmp/c.err")"
fi

# ------------------------------------------------------- bad input
# expect_error NAME ARGS...: refused with one line; expect_error_saying
# NAME TEXT ARGS...: and that line contains TEXT.
expect_error() {
    name=$1 want=
    shift
    refused "$@"
}
expect_error_saying() {
    name=$1 want=$2
    shift 2
    refused "$@"
}
refused() {
    timeout 30 "$bin" "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
    rc=$?
    lines=$(wc -l < "$tmp/bad.err")
    case "$(head -n 1 "$tmp/bad.err")" in poisson_edit:*) prefixed=1 ;; *) prefixed=0 ;; esac
    if [ -n "$want" ] && ! grep -qF -- "$want" "$tmp/bad.err"; then prefixed=0; fi
    if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && [ "$prefixed" -eq 1 ]; then
        ok "poisson_edit_rejects_$name"
    else
        fail "poisson_edit_rejects_$name" "exit $rc, $lines stderr lines:" "$(head -n 5 "$tmp/bad.err")"
    fi
}
head -c 3000 /dev/urandom > "$tmp/garbage.pgm"
: > "$tmp/a_file"
src="$tmp/rings.pgm"
expect_error missing_background "$tmp/none.pgm" "$src"
expect_error missing_source "$image" "$tmp/none.pgm"
expect_error garbage_source "$image" "$tmp/garbage.pgm"
expect_error missing_mask "$image" "$src" --mask "$tmp/none.pgm"
expect_error one_image "$image"
expect_error three_images "$image" "$src" "$src"
expect_error bad_region "$image" "$src" --region 1,2,3
expect_error empty_region "$image" "$src" --region 1,2,0,4
expect_error region_outside "$image" "$src" --size 40 --region 50,2,4,4
# Partly inside: refused too, not clipped (the help says so).
small="--size 40 --width 8 --depth 1 --steps 1 --threads 1"
expect_error_saying region_partly_outside "--region 30,30,20,20 does not lie inside the 40x40" \
    "$image" "$src" $small --region 30,30,20,20 --out "$tmp/po/x"
expect_error_saying region_one_pixel_too_wide "does not lie inside" \
    "$image" "$src" $small --region 0,0,41,40 --out "$tmp/po/x"
# Numbers that float (the library's precision) cannot hold.
expect_error_saying lr_beyond_single_precision "--lr: '1e39' is beyond single precision" \
    "$image" "$src" $small --lr 1e39 --out "$tmp/fl/x"
expect_error_saying lr_below_single_precision "--lr: '1e-50' is below single precision" \
    "$image" "$src" $small --lr 1e-50 --out "$tmp/fl/x"
expect_error_saying omega_beyond_single_precision "--first-omega: '1e39' is beyond" \
    "$image" "$src" $small --first-omega 1e39 --out "$tmp/fl/x"
expect_error region_and_mask "$image" "$src" --region 1,2,3,4 --mask "$tmp/mask.pgm"
expect_error bad_alpha "$image" "$src" --alpha 2
expect_error unwritable_out "$image" "$src" --size 40 --steps 100000000 --out "$tmp/a_file/x"
expect_error bad_steps "$image" "$src" --steps -1
expect_error missing_checkpoint "$image" "$src" --resume "$tmp/none.ckpt"
expect_error unwritable_checkpoint "$image" "$src" --size 40 --steps 100000000 \
    --checkpoint "$tmp/a_file/c.ckpt"
expect_error unwritable_save "$image" "$src" --size 40 --steps 100000000 --save "$tmp/a_file/m.siren"
expect_error unwritable_log "$image" "$src" --size 40 --steps 100000000 --log "$tmp/a_file/l.csv"
# Outputs never overwrite an input (background, source, mask) or one another.
cp "$image" "$tmp/input.pgm"
cp "$src" "$tmp/source.pgm"
cp "$tmp/mask.pgm" "$tmp/m.pgm"
cp "$image" "$tmp/bg_composite.pgm"
input="$tmp/input.pgm"
long="--size 40 --steps 100000000 --threads 1"
expect_error_saying save_over_background "would overwrite the input" "$input" "$src" $long --save "$input"
expect_error_saying log_over_source "would overwrite the input" "$image" "$tmp/source.pgm" $long \
    --log "$tmp/source.pgm"
expect_error_saying checkpoint_over_mask "would overwrite the input" "$image" "$src" $long \
    --mask "$tmp/m.pgm" --checkpoint "$tmp/m.pgm"
expect_error_saying composite_over_background "would overwrite the input" \
    "$tmp/bg_composite.pgm" "$src" $long --out "$tmp/bg"
expect_error_saying log_is_checkpoint "is named for two outputs" "$image" "$src" $long \
    --checkpoint "$tmp/c.ckpt" --log "$tmp/c.ckpt"
expect_error_saying save_is_an_image_output "is named for two outputs" "$image" "$src" $long \
    --out "$tmp/o/x" --save "$tmp/o/x_grad.pgm"
if cmp -s "$image" "$input" && cmp -s "$src" "$tmp/source.pgm" && cmp -s "$tmp/mask.pgm" "$tmp/m.pgm" &&
   cmp -s "$image" "$tmp/bg_composite.pgm"; then
    ok poisson_edit_inputs_untouched
else
    fail poisson_edit_inputs_untouched
fi

if "$bin" --help > "$tmp/help.out" 2>&1 && grep -q -- '--steps' "$tmp/help.out" &&
   grep -q -- '--seed' "$tmp/help.out" && grep -q -- '--out' "$tmp/help.out" &&
   grep -q -- '--threads' "$tmp/help.out" && grep -q -- '--region' "$tmp/help.out" &&
   grep -q -- '--save' "$tmp/help.out" && grep -q -- '--log' "$tmp/help.out" &&
   grep -q '\[1 with --region or --mask, 0.5 without\]' "$tmp/help.out" &&
   ! grep -q '\[-1\]' "$tmp/help.out" && grep -q 'refused, not clipped' "$tmp/help.out"; then
    ok poisson_edit_help
else
    fail poisson_edit_help "$(head -n 3 "$tmp/help.out")"
fi

# ---------------------------------------------------------- --save, --log
# --save names the model instead of PREFIX.siren; --log has a header and a
# line per step, and a resumed run appends to it; --save may not replace
# the checkpoint resumed from (the checkpoint itself may).
if "$bin" "$image" "$src" --size 16 --width 8 --depth 1 --steps 3 --threads 1 \
       --checkpoint "$tmp/log.ckpt" --log "$tmp/logs/run.csv" --save "$tmp/models/a.siren" \
       --out "$tmp/log/a" > "$tmp/log.out" 2>&1 &&
   [ -s "$tmp/models/a.siren" ] && [ ! -e "$tmp/log/a.siren" ] &&
   grep -q "^wrote .* and $tmp/models/a.siren\$" "$tmp/log.out"; then
    ok poisson_edit_save
else
    fail poisson_edit_save "$(tail -n 2 "$tmp/log.out")"
fi
if "$bin" "$image" "$src" --size 16 --steps 5 --threads 1 --resume "$tmp/log.ckpt" \
       --checkpoint "$tmp/log.ckpt" --log "$tmp/logs/run.csv" --out "$tmp/log/b" \
       > "$tmp/log.out" 2>&1 &&
   [ "$(head -n 1 "$tmp/logs/run.csv")" = "step,loss,field_rmse_x1000,seconds" ] &&
   [ "$(cut -d , -f 1 "$tmp/logs/run.csv" | tr '\n' ' ')" = "step 1 2 3 4 5 " ]; then
    ok poisson_edit_log_appends_on_resume
else
    fail poisson_edit_log_appends_on_resume "$(tail -n 2 "$tmp/log.out")" \
        "$(cut -d , -f 1 "$tmp/logs/run.csv" 2>&1 | tr '\n' ' ')"
fi
expect_error_saying save_over_resumed_checkpoint "would overwrite the input" "$image" "$src" \
    --size 16 --steps 100000000 --resume "$tmp/log.ckpt" --save "$tmp/log.ckpt"

# ---------------------------------------------------------- resume
check_resume_exact region 12 "$image" "$tmp/rings.pgm" --size 40 --region 12,6,16,16 --width 32 \
    --depth 1 --seed 1 --chunk 500
check_ctrl_c "$image" "$tmp/rings.pgm" --size 40 --width 32 --depth 1
exit 0
