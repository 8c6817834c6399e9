#!/bin/sh
# example_video.sh - examples/fit_video end to end: a synthetic video made
# here (a bright disc moving right and a dark square moving down over a
# ramp, 8 frames of 32x32) fitted from random pixel samples above a mean
# PSNR bar; frames found by pattern and by directory, colour frames, bad
# input refused with one line on stderr and exit status 1, never a crash,
# --resume continuing a --checkpoint bit for bit (the random batches
# included), and Ctrl-C still writing the outputs (exit status 130).
# Prints "ok NAME" / "FAIL NAME" lines (tests/run.sh counts them).
#
# The network is narrower than the default (128 wide instead of 1024) and
# the batch larger than 0.38% of the pixels, so that the test takes seconds.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/fit_video"
# Measured, seeds 0-1: mean PSNR 37.8-38.8 dB (the video's mean value
# alone scores 13.7 dB).
PSNR_BAR=32

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail fit_video_built "$bin is missing (make examples)"
    exit 1
fi

field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# make_video DIR FRAMES SIZE KIND FIRST: moving shapes as DIR/NNN.pgm (ASCII
# P2) or DIR/NNN.ppm (P3, KIND ppm), numbered from FIRST.
make_video() {
    mkdir -p "$1"
    awk -v dir="$1" -v frames="$2" -v n="$3" -v kind="$4" -v first="$5" 'BEGIN {
        for (f = 0; f < frames; f++) {
            file = sprintf("%s/%03d.%s", dir, f + first, kind)
            printf "%s\n%d %d\n255\n", kind == "ppm" ? "P3" : "P2", n, n > file
            cx = n * (0.25 + 0.5 * f / frames); cy = n * 0.4; r = n * 0.18
            sx = n * 0.6; sy = n * (0.1 + 0.4 * f / frames); s = n * 0.25
            for (y = 0; y < n; y++) {
                line = ""
                for (x = 0; x < n; x++) {
                    v = int(40 + 100 * x / n)
                    if ((x - cx) ^ 2 + (y - cy) ^ 2 < r * r) v = 230
                    if (x >= sx && x < sx + s && y >= sy && y < sy + s) v = 20
                    line = line (kind == "ppm" ? sprintf("%d %d %d ", v, 255 - v, 128) : sprintf("%d ", v))
                }
                print line > file
            }
            close(file)
        }
    }'
}

# ------------------------------------------------------------ the fit
make_video "$tmp/grey" 8 32 pgm 0
out="$tmp/fit/run"
"$bin" "$tmp/grey/%03d.pgm" --width 128 --steps 200 --batch 2048 --seed 0 --out "$out" \
    > "$tmp/fit.out" 2> "$tmp/fit.err"
rc=$?
last=$(tail -n 1 "$tmp/fit.out")
psnr=$(field psnr_db "$last")
if [ "$rc" -eq 0 ] && [ -n "$psnr" ] && awk "BEGIN { exit !($psnr >= $PSNR_BAR) }"; then
    ok "fit_video_psnr_above_$PSNR_BAR"
    echo "  $last"
else
    fail fit_video_psnr "exit $rc, last line: $last" "$(tail -n 3 "$tmp/fit.err")"
fi
case "$last" in
    "result: psnr_db="*" steps=200 "*" batch=2048 frames=8 width=32 height=32") ok fit_video_result_line ;;
    *) fail fit_video_result_line "last stdout line: $last" ;;
esac
header=$(printf 'P5\n32 32\n255\n')
msgs=""
for f in 0000 0001 0007; do
    [ "$(head -c 13 "${out}_$f.pgm" 2>/dev/null)" = "$header" ] || msgs="$msgs ${out}_$f.pgm"
done
[ -e "${out}_0008.pgm" ] && msgs="$msgs ${out}_0008.pgm (one too many)"
[ -s "$out.siren" ] || msgs="$msgs $out.siren"
if [ -z "$msgs" ]; then ok fit_video_frames_written; else fail fit_video_frames_written "$msgs"; fi

# The default batch is 0.38% of all pixels, as the reference's.
"$bin" "$tmp/grey/%03d.pgm" --width 16 --depth 1 --steps 2 --out "$tmp/d/x" > "$tmp/d.out" 2>&1
case "$(tail -n 1 "$tmp/d.out")" in
    *" batch=31 "*) ok fit_video_default_sample_fraction ;;
    *) fail fit_video_default_sample_fraction "$(tail -n 1 "$tmp/d.out")" ;;
esac

# A directory of colour frames numbered from 1, and %d without a width.
make_video "$tmp/colour" 3 12 ppm 1
"$bin" "$tmp/colour" --width 16 --depth 1 --steps 3 --out "$tmp/c/x" > "$tmp/c.out" 2> "$tmp/c.err"
rc=$?
if [ "$rc" -eq 0 ] && [ -f "$tmp/c/x_0002.ppm" ] && [ ! -e "$tmp/c/x_0003.ppm" ] &&
   tail -n 1 "$tmp/c.out" | grep -q ' frames=3 width=12 height=12$'; then
    ok fit_video_directory_of_colour_frames
else
    fail fit_video_directory_of_colour_frames "exit $rc" "$(tail -n 2 "$tmp/c.err")"
fi
mkdir -p "$tmp/plain"
cp "$tmp/colour/001.ppm" "$tmp/plain/f1.ppm"
cp "$tmp/colour/002.ppm" "$tmp/plain/f2.ppm"
if "$bin" "$tmp/plain/f%d.ppm" --width 8 --depth 1 --steps 1 --out "$tmp/p/x" > "$tmp/p.out" 2>&1 &&
   tail -n 1 "$tmp/p.out" | grep -q ' frames=2 '; then
    ok fit_video_plain_percent_d
else
    fail fit_video_plain_percent_d "$(tail -n 2 "$tmp/p.out")"
fi

# ------------------------------------------------------- bad input
expect_error() {
    name=$1
    shift
    timeout 30 "$bin" "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
    rc=$?
    lines=$(wc -l < "$tmp/bad.err")
    case "$(head -n 1 "$tmp/bad.err")" in fit_video:*) prefixed=1 ;; *) prefixed=0 ;; esac
    if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && [ "$prefixed" -eq 1 ]; then
        ok "fit_video_rejects_$name"
    else
        fail "fit_video_rejects_$name" "exit $rc, $lines stderr lines:" "$(head -n 5 "$tmp/bad.err")"
    fi
}
mkdir -p "$tmp/mixed" "$tmp/sizes" "$tmp/broken" "$tmp/empty"
cp "$tmp/grey/000.pgm" "$tmp/mixed/000.pgm"
cp "$tmp/colour/001.ppm" "$tmp/mixed/001.ppm"
cp "$tmp/grey/000.pgm" "$tmp/sizes/000.pgm"
printf 'P5\n3 3\n255\nabcdefghi' > "$tmp/sizes/001.pgm"
cp "$tmp/grey/000.pgm" "$tmp/broken/000.pgm"
printf 'P5\n32 32\n255\nabc' > "$tmp/broken/001.pgm"
: > "$tmp/a_file"
expect_error no_such_frames "$tmp/none/%03d.pgm"
expect_error empty_directory "$tmp/empty"
expect_error no_conversion "$tmp/grey/000.pgm"
expect_error two_conversions "$tmp/grey/%03d_%d.pgm"
expect_error bad_conversion "$tmp/grey/%03s.pgm"
expect_error grey_and_colour "$tmp/mixed"
expect_error different_sizes "$tmp/sizes" --size 0
expect_error truncated_frame "$tmp/broken"
expect_error unwritable_out "$tmp/grey/%03d.pgm" --steps 100000000 --out "$tmp/a_file/x"
expect_error bad_sample_frac "$tmp/grey/%03d.pgm" --sample-frac 2
expect_error bad_steps "$tmp/grey/%03d.pgm" --steps x
expect_error no_input --steps 1
expect_error missing_checkpoint "$tmp/grey/%03d.pgm" --resume "$tmp/none.ckpt"
expect_error unwritable_checkpoint "$tmp/grey/%03d.pgm" --steps 100000000 \
    --checkpoint "$tmp/a_file/c.ckpt"

if "$bin" --help > "$tmp/help.out" 2>&1 && grep -q -- '--steps' "$tmp/help.out" &&
   grep -q -- '--seed' "$tmp/help.out" && grep -q -- '--out' "$tmp/help.out" &&
   grep -q -- '--threads' "$tmp/help.out"; then
    ok fit_video_help
else
    fail fit_video_help "$(head -n 3 "$tmp/help.out")"
fi

# ---------------------------------------------------------- resume
# Random batches: a resumed run must draw those of the steps it continues.
check_resume_exact random_batch 12 "$tmp/grey/%03d.pgm" --width 32 --depth 1 --batch 300 \
    --chunk 128 --seed 6
check_ctrl_c "$tmp/grey/%03d.pgm" --width 32 --depth 1 --batch 300
exit 0
