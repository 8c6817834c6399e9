#!/bin/sh
# fit_video.sh - examples/fit_video end to end: a synthetic video made
# here (a bright disc moving right and a dark square moving down over a
# ramp, 8 frames of 32x32) fitted from random pixel samples above a mean
# PSNR bar; frames found by pattern and by directory, colour frames, bad
# input refused with one line on stderr and exit status 1, never a crash,
# and that line naming the right sizes; frames in a directory in numeric
# order (regular files only, hidden names skipped), a gap in a numbered
# sequence noted, one starting above 1 refused naming its first frame; no output over an input or
# another output; --log appended on --resume; --resume continuing a
# --checkpoint bit for bit (the random batches included), and Ctrl-C still
# writing the outputs (exit status 130).
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
pnm_outputs


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

expect_error space_padded_conversion "$tmp/grey/%3d.pgm" --steps 100000000 --width 8 --threads 1
expect_error log_is_checkpoint "$tmp/grey/%03d.pgm" --steps 100000000 \
    --checkpoint "$tmp/same.ckpt" --log "$tmp/same.ckpt"
expect_error unwritable_log "$tmp/grey/%03d.pgm" --steps 100000000 --log "$tmp/a_file/l.csv"

# said NAME TEXT: the error line of the last expect_error says TEXT.
said() {
    if grep -q -F -- "$2" "$tmp/bad.err"; then
        ok "fit_video_says_$1"
    else
        fail "fit_video_says_$1" "want '$2' in:" "$(head -n 2 "$tmp/bad.err")"
    fi
}

# make_pgm FILE W H: a binary PGM of W x H, every sample 100.
make_pgm() {
    { printf 'P5\n%d %d\n255\n' "$2" "$3"; head -c $(($2 * $3)) /dev/zero | tr '\0' 'd'; } > "$1"
}

# A frame of another size names its own size, not 0x0 (it used to be
# freed before the message printed it); so does the sample limit.
mkdir -p "$tmp/sizes2" "$tmp/huge"
cp "$tmp/grey/"*.pgm "$tmp/sizes2/"
make_pgm "$tmp/sizes2/005.pgm" 30 32
expect_error frame_of_another_size "$tmp/sizes2/%03d.pgm"
said frame_size "sizes2/005.pgm: 30x32, the first frame is 32x32"
# 300 frames of 1000x1000 are 3e8 samples, above 2^28: the limit is met at
# the first frame (the others need only exist).
make_pgm "$tmp/huge/000.pgm" 1000 1000
i=1
while [ $i -lt 300 ]; do : > "$tmp/huge/$(printf %03d $i).pgm"; i=$((i + 1)); done
expect_error too_many_samples "$tmp/huge/%03d.pgm"
said sample_limit_size "300 frames of 1000x1000 are too many samples"
rm -rf "$tmp/huge"

# Directory mode: numbers in names in numeric order (0 1 2 ... 10 11, not
# 0 1 10 11 2), seen by which of two odd-sized frames (2 and 10) is met
# first; upper-case suffixes are frames too.
mkdir -p "$tmp/natural" "$tmp/upper"
i=0
while [ $i -lt 12 ]; do cp "$tmp/grey/00$((i % 8)).pgm" "$tmp/natural/f$i.pgm"; i=$((i + 1)); done
make_pgm "$tmp/natural/f2.pgm" 30 32
make_pgm "$tmp/natural/f10.pgm" 30 32
expect_error odd_frame_in_natural_order "$tmp/natural"
said natural_order "natural/f2.pgm: 30x32"
cp "$tmp/grey/000.pgm" "$tmp/upper/000.PGM"
cp "$tmp/grey/001.pgm" "$tmp/upper/001.Pgm"
cp "$tmp/grey/002.pgm" "$tmp/upper/002.pnm"
"$bin" "$tmp/upper" --width 8 --depth 1 --steps 1 --threads 1 --out "$tmp/u/x" > "$tmp/u.out" 2>&1
case "$(tail -n 1 "$tmp/u.out")" in
    "result: "*" frames=3 "*) ok fit_video_upper_case_suffixes ;;
    *) fail fit_video_upper_case_suffixes "$(tail -n 2 "$tmp/u.out")" ;;
esac

# A directory's frames are its regular files not starting with '.': a
# subdirectory named like a frame, a dangling link and macOS's "._" file
# beside a frame (the suffix, but no image) are skipped, not fatal; a link
# to a frame is one.
mkdir -p "$tmp/junk/sub.pgm"
cp "$tmp/grey/000.pgm" "$tmp/grey/001.pgm" "$tmp/junk/"
printf 'Mac OS X        ATTR' > "$tmp/junk/._000.pgm"
ln -s "$tmp/grey/002.pgm" "$tmp/junk/002.pgm"
ln -s "$tmp/nowhere.pgm" "$tmp/junk/003.pgm"
"$bin" "$tmp/junk" --width 8 --depth 1 --steps 1 --threads 1 --out "$tmp/j/x" \
    > "$tmp/junk.out" 2> "$tmp/junk.err"
rc=$?
if [ "$rc" -eq 0 ] && tail -n 1 "$tmp/junk.out" | grep -q ' frames=3 '; then
    ok fit_video_directory_skips_what_is_no_frame
else
    fail fit_video_directory_skips_what_is_no_frame "exit $rc" "$(tail -n 2 "$tmp/junk.err")"
fi

# A numbered sequence that starts above 1 is refused, naming its first file.
mkdir -p "$tmp/late"
for i in 2 3 4 5; do cp "$tmp/grey/00$i.pgm" "$tmp/late/"; done
expect_error sequence_from_2 "$tmp/late/%03d.pgm"
said first_frame_of_a_late_sequence "the first is $tmp/late/002.pgm; give frames numbered from 0 or 1"

# A gap in a numbered sequence ends it, as documented, but a frame just
# after the gap gets one note naming the missing frame; a frame far after
# it (beyond the 16 numbers probed) and a sequence without a gap none.
mkdir -p "$tmp/gap" "$tmp/far"
cp "$tmp/grey/"*.pgm "$tmp/gap/"
rm "$tmp/gap/003.pgm"
"$bin" "$tmp/gap/%03d.pgm" --width 8 --depth 1 --steps 1 --threads 1 --out "$tmp/g/x" \
    > "$tmp/gap.out" 2> "$tmp/gap.err"
rc=$?
note=$(grep 'note' "$tmp/gap.err")
if [ "$rc" -eq 0 ] && tail -n 1 "$tmp/gap.out" | grep -q ' frames=3 ' &&
   [ "$(grep -c 'note' "$tmp/gap.err")" -eq 1 ] &&
   echo "$note" | grep -q "^fit_video: note: .*gap/003.pgm.* 3 frames" &&
   [ ! -e "$tmp/g/x_0003.pgm" ]; then
    ok fit_video_gap_noted_once
else
    fail fit_video_gap_noted_once "exit $rc, note: $note" "$(tail -n 1 "$tmp/gap.out")"
fi
cp "$tmp/grey/000.pgm" "$tmp/grey/001.pgm" "$tmp/grey/002.pgm" "$tmp/far/"
cp "$tmp/grey/003.pgm" "$tmp/far/020.pgm"
"$bin" "$tmp/far/%03d.pgm" --width 8 --depth 1 --steps 1 --threads 1 --out "$tmp/g/y" \
    > "$tmp/far.out" 2> "$tmp/far.err"
rc=$?
if [ "$rc" -eq 0 ] && tail -n 1 "$tmp/far.out" | grep -q ' frames=3 ' &&
   ! grep -q 'note' "$tmp/far.err" "$tmp/fit.err"; then
    ok fit_video_no_note_without_a_near_gap
else
    fail fit_video_no_note_without_a_near_gap "exit $rc" "$(grep note "$tmp/far.err" "$tmp/fit.err")"
fi

# No output may overwrite an input frame or another output: refused in one
# line before any training, the inputs untouched.
mkdir -p "$tmp/ow"
for i in 0 1 2; do cp "$tmp/grey/00$i.pgm" "$tmp/ow/v_000$i.pgm"; done
expect_error output_frame_over_input "$tmp/ow/v_%04d.pgm" --steps 100000000 --out "$tmp/ow/./v" \
    --width 8 --threads 1
said output_frame_over_input "would overwrite the input"
if cmp -s "$tmp/ow/v_0000.pgm" "$tmp/grey/000.pgm" && [ ! -e "$tmp/ow/v.siren" ]; then
    ok fit_video_inputs_untouched
else
    fail fit_video_inputs_untouched "$tmp/ow changed: $(ls "$tmp/ow" | tr '\n' ' ')"
fi
expect_error model_over_input "$tmp/grey/%03d.pgm" --steps 100000000 --save "$tmp/grey/001.pgm" \
    --width 8 --threads 1
said model_over_input "would overwrite the input"
expect_error log_over_output_frame "$tmp/grey/%03d.pgm" --steps 100000000 --out "$tmp/o2/x" \
    --log "$tmp/o2/x_0001.pgm"
said log_over_output_frame "is named for two outputs"

# --log: a header and a line per step; a resumed run appends to it, a new
# run starts it again.
log="$tmp/logs/run.csv"
lg() { "$bin" "$tmp/grey/%03d.pgm" --width 8 --depth 1 --batch 64 --threads 1 --log "$log" "$@"; }
if lg --steps 3 --checkpoint "$tmp/lg.ckpt" --out "$tmp/lg/a" > /dev/null 2>&1 &&
   lg --steps 5 --resume "$tmp/lg.ckpt" --out "$tmp/lg/b" > /dev/null 2>&1 &&
   [ "$(head -n 1 "$log")" = "step,loss,psnr_db,seconds" ] &&
   [ "$(cut -d , -f 1 "$log" | tr '\n' ' ')" = "step 1 2 3 4 5 " ]; then
    ok fit_video_log_appends_on_resume
else
    fail fit_video_log_appends_on_resume "$(cut -d , -f 1 "$log" 2>&1 | tr '\n' ' ')"
fi
if lg --steps 2 --out "$tmp/lg/c" > /dev/null 2>&1 &&
   [ "$(cut -d , -f 1 "$log" | tr '\n' ' ')" = "step 1 2 " ]; then
    ok fit_video_log_restarts
else
    fail fit_video_log_restarts "$(cut -d , -f 1 "$log" 2>&1 | tr '\n' ' ')"
fi

# One frame is "1 frame"; after training a line says the frames are being
# evaluated (at width 1024 that takes a while); --batch with --sample-frac
# gets a note that it wins.
mkdir -p "$tmp/one"
cp "$tmp/grey/000.pgm" "$tmp/one/"
"$bin" "$tmp/one" --width 8 --depth 1 --steps 1 --threads 1 --out "$tmp/one/o/x" \
    > "$tmp/one.out" 2> "$tmp/one.err"
if grep -q ', 1 frame of 32x32, ' "$tmp/one.err" && grep -q '^wrote 1 frame ' "$tmp/one.out" &&
   ! grep -q '1 frames' "$tmp/one.err" "$tmp/one.out"; then
    ok fit_video_one_frame_singular
else
    fail fit_video_one_frame_singular "$(head -n 1 "$tmp/one.err")" "$(head -n 1 "$tmp/one.out")"
fi
last_step=$(grep -n '^step ' "$tmp/fit.err" | tail -n 1 | cut -d : -f 1)
evaluating=$(grep -n '^fit_video: evaluating 8 frames of 32x32' "$tmp/fit.err" | cut -d : -f 1)
if [ -n "$last_step" ] && [ -n "$evaluating" ] && [ "$evaluating" -gt "$last_step" ]; then
    ok fit_video_says_it_evaluates
else
    fail fit_video_says_it_evaluates "$(tail -n 3 "$tmp/fit.err")"
fi
"$bin" "$tmp/one" --width 8 --depth 1 --steps 1 --threads 1 --batch 10 --sample-frac 0.5 \
    --out "$tmp/one/o/y" > "$tmp/both.out" 2> "$tmp/both.err"
if grep -q '^fit_video: note: --batch 10 overrides --sample-frac' "$tmp/both.err" &&
   grep -q ' batch=10 ' "$tmp/both.out"; then
    ok fit_video_batch_overrides_sample_frac_noted
else
    fail fit_video_batch_overrides_sample_frac_noted "$(head -n 2 "$tmp/both.err")"
fi

if "$bin" --help > "$tmp/help.out" 2>&1 && grep -q -- '--steps' "$tmp/help.out" &&
   grep -q -- '--seed' "$tmp/help.out" && grep -q -- '--out' "$tmp/help.out" &&
   grep -q -- '--threads' "$tmp/help.out" && grep -q -- '--log' "$tmp/help.out" &&
   grep -q 'min_frame_psnr_db' "$tmp/help.out" &&
   grep -q 'overrides --sample-frac' "$tmp/help.out" &&
   grep -q 'numeric order' "$tmp/help.out" && grep -q '%3d' "$tmp/help.out" &&
   grep -q "starting with '.', subdirectories and dangling links are skipped" "$tmp/help.out"; then
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
