#!/bin/sh
# file_safety.sh - the example programs' files under the attacks of
# issue 19 (docs/SECURITY.md, "The example programs' files"):
#   - a device as input is refused by its first bytes, fast;
#   - hypernet refuses an output that is its input, and its --save is
#     atomic (killed by SIGXFSZ mid-save, the old model stays whole);
#   - every output keeps the mode of the file it replaces (0600 stays
#     0600), new files get 0644 less the umask at most, and temporary
#     files that a killed save left are removed by the next save;
#   - every output is flushed, renamed, and its directory flushed, in that
#     order (a preload library logs the calls);
#   - the model is written before the pictures (a file size limit that the
#     model passes over leaves the old set whole) and a full disk is named
#     as such (a small tmpfs, when this machine lets us mount one);
#   - a checkpoint's architecture obeys the program's --width/--depth
#     limits, and the training workspace the --max-workspace-mib budget.
# Prints "ok NAME" / "FAIL NAME" / "SKIP NAME" lines (tests/run.sh).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
fit="$root/bin/fit_image"
hyper="$root/bin/hypernet"
image="$root/data/camera.pgm"
cc=${CC:-cc}
SMALL="--size 16 --width 16 --depth 1 --render 16 --steps 3"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

for b in "$fit" "$hyper"; do
    [ -x "$b" ] || { fail file_safety_built "$b is missing (make examples)"; exit 1; }
done
# The checks below name the images PGM: the programs run with --format pnm.
bin=$fit && pnm_outputs && fit=$bin
bin=$hyper && pnm_outputs && hyper=$bin
"$cc" -std=c11 -I"$root/include" "$root/tests/tools/make_checkpoint.c" "$root/lib/libsiren.a" \
    -lm -lpthread -o "$tmp/make_checkpoint" 2> "$tmp/cc.log" &&
"$cc" -std=c11 -shared -fPIC "$root/tests/tools/fsync_log.c" -o "$tmp/fsync_log.so" -ldl \
    2>> "$tmp/cc.log" || { fail file_safety_tools "$(head -5 "$tmp/cc.log")"; exit 1; }

mode() { stat -c %a "$1"; }

# ------------------------------------------------------------- inputs
# /dev/zero as the image: refused by its header (it was read to 1 GiB
# first), in well under the time that takes.
start=$(date +%s)
timeout 20 "$fit" /dev/zero $SMALL --out "$tmp/z/x" > /dev/null 2> "$tmp/zero.err"
rc=$?
if [ "$rc" -eq 1 ] && [ $(( $(date +%s) - start )) -lt 5 ] &&
   grep -q '^fit_image: /dev/zero: not a \(.*, \)\?PGM or PPM image' "$tmp/zero.err"; then
    ok fit_image_refuses_dev_zero_by_its_header
else
    fail fit_image_refuses_dev_zero_by_its_header "exit $rc" "$(cat "$tmp/zero.err")"
fi

# ------------------------------------------------------------ hypernet
# Four random 8x8 "faces" stacked: enough for the checks, which come
# before any real work.
awk 'BEGIN { printf "P5\n8 32\n255\n"; x = 7; for (i = 0; i < 256; i++) {
    x = (x * 16807) % 2147483647; printf "%c", 32 + x % 200 } }' > faces.pgm
HSMALL="--train 2 --steps 3 --batch 2 --width 8 --depth 1 --latent 8 --encoder-width 8
        --hyper-width 8 --context-min 2 --context-max 10 --baseline-steps 2 --refine-steps 2
        --draws 1 --grid-faces 1"
cp faces.pgm faces.keep
# shellcheck disable=SC2086
"$hyper" faces.pgm $HSMALL --save faces.pgm --out "$tmp/h/x" > /dev/null 2> "$tmp/h.err"
rc=$?
if [ "$rc" -eq 1 ] && cmp -s faces.pgm faces.keep &&
   grep -q "^hypernet: 'faces.pgm' would overwrite the input 'faces.pgm'$" "$tmp/h.err"; then
    ok hypernet_refuses_to_save_over_its_input
else
    fail hypernet_refuses_to_save_over_its_input "exit $rc" "$(cat "$tmp/h.err")"
fi
# shellcheck disable=SC2086
"$hyper" faces.pgm $HSMALL --save "$tmp/h/model" --out "$tmp/h/faces" > /dev/null 2>&1
"$hyper" faces.pgm $HSMALL --out "$tmp/h/x" --save "$tmp/h/x_grid.pgm" > /dev/null 2> "$tmp/h.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "is named for two outputs" "$tmp/h.err"; then
    ok hypernet_refuses_one_file_for_two_outputs
else
    fail hypernet_refuses_one_file_for_two_outputs "exit $rc" "$(cat "$tmp/h.err")"
fi
# Killed by SIGXFSZ while writing (a 1-block file size limit): the model
# of the first run must still be there, whole (it was truncated in place).
cp "$tmp/h/model" "$tmp/h/model.keep"
# (the inner shell waits for the program and says it was killed, quietly)
# shellcheck disable=SC2086
sh -c 'ulimit -f 1; "$0" "$@"' "$hyper" faces.pgm $HSMALL --seed 9 --save "$tmp/h/model" \
    --out "$tmp/h/y" > /dev/null 2>&1
rc=$?
if [ "$rc" -gt 128 ] && [ -s "$tmp/h/model" ] && cmp -s "$tmp/h/model" "$tmp/h/model.keep"; then
    ok hypernet_save_killed_midway_keeps_the_old_model
else
    fail hypernet_save_killed_midway_keeps_the_old_model "exit $rc" \
        "$(ls -l "$tmp/h")"
fi
# the next save removes what the killed one left
# shellcheck disable=SC2086
"$hyper" faces.pgm $HSMALL --save "$tmp/h/model" --out "$tmp/h/z" > /dev/null 2>&1
if [ -z "$(ls "$tmp/h" | grep 'model\.tmp-')" ]; then
    ok hypernet_next_save_removes_the_killed_save_s_file
else
    fail hypernet_next_save_removes_the_killed_save_s_file "$(ls "$tmp/h")"
fi

# --------------------------------------------------------- permissions
p="$tmp/perm"
"$fit" "$image" $SMALL --out "$p/x" --checkpoint "$p/x.ckpt" > /dev/null 2>&1
chmod 600 "$p/x.siren" "$p/x.ckpt" "$p/x_recon.pgm"
chmod 640 "$p/x_grad.pgm"
echo stale > "$p/x.siren.tmp-999999-AbCd01"
echo stale > "$p/x_recon.pgm.tmp-999999-AbCd02"
"$fit" "$image" $SMALL --out "$p/x" --checkpoint "$p/x.ckpt" --resume "$p/x.ckpt" \
    --steps 5 > /dev/null 2> "$tmp/perm.err"
rc=$?
modes="$(mode "$p/x.siren") $(mode "$p/x.ckpt") $(mode "$p/x_recon.pgm") $(mode "$p/x_grad.pgm")"
if [ "$rc" -eq 0 ] && [ "$modes" = "600 600 600 640" ]; then
    ok fit_image_outputs_keep_their_modes
else
    fail fit_image_outputs_keep_their_modes "exit $rc, modes $modes (want 600 600 600 640)" \
        "$(cat "$tmp/perm.err")"
fi
if [ -z "$(ls "$p" | grep '\.tmp-')" ]; then
    ok fit_image_removes_abandoned_temporary_files
else
    fail fit_image_removes_abandoned_temporary_files "$(ls "$p")"
fi
( umask 0; exec "$fit" "$image" $SMALL --out "$tmp/new/x" --checkpoint "$tmp/new/x.ckpt" ) \
    > /dev/null 2>&1
modes="$(mode "$tmp/new/x.siren") $(mode "$tmp/new/x.ckpt") $(mode "$tmp/new/x_recon.pgm")"
if [ "$modes" = "644 644 644" ]; then
    ok fit_image_new_files_0644_under_umask_0
else
    fail fit_image_new_files_0644_under_umask_0 "modes $modes"
fi

# -------------------------------------------------------------- fsync
# Each output: its temporary file flushed, then renamed, then its
# directory flushed.
rm -f "$tmp/fsync.log"
FSYNC_LOG="$tmp/fsync.log" LD_PRELOAD="$tmp/fsync_log.so" \
    "$fit" "$image" $SMALL --out "$tmp/fs/x" --checkpoint "$tmp/fs/x.ckpt" > /dev/null 2>&1
msgs=""
for f in x.ckpt x.siren x_recon.pgm x_grad.pgm x_laplacian.pgm; do
    flushed=$(grep -n "^fsync file $tmp/fs/$f\.tmp-" "$tmp/fsync.log" | head -n 1 | cut -d: -f1)
    renamed=$(grep -n "^rename $f\.tmp-[^ ]* $f\$" "$tmp/fsync.log" | head -n 1 | cut -d: -f1)
    next=$(sed -n "$((${renamed:-0} + 1))p" "$tmp/fsync.log")
    if [ -z "$flushed" ] || [ -z "$renamed" ] || [ "$flushed" -ge "$renamed" ] ||
       [ "$next" != "fsync dir $tmp/fs" ]; then
        msgs="$msgs $f: flushed at '$flushed', renamed at '$renamed', then '$next';"
    fi
done
if [ -z "$msgs" ]; then
    ok fit_image_outputs_flushed_renamed_directory_flushed
else
    fail fit_image_outputs_flushed_renamed_directory_flushed "$msgs" "$(head -20 "$tmp/fsync.log")"
fi

# ---------------------------------------------------------- model first
# A file size limit the pictures pass under and the model does not (16
# blocks: 8 KiB or more; the model of a 64-wide net is 34 KB), SIGXFSZ
# ignored so that the write fails with EFBIG: the model fails first, and
# the pictures of the earlier run stay (before: new pictures beside the
# old model, and the training lost).
o="$tmp/first"
"$fit" "$image" --size 16 --width 64 --depth 2 --render 16 --steps 2 --out "$o/x" > /dev/null 2>&1
cp "$o/x_recon.pgm" "$tmp/recon.keep"
cp "$o/x.siren" "$tmp/model.keep"
( trap '' XFSZ; ulimit -f 16; exec "$fit" "$image" --size 16 --width 64 --depth 2 --render 16 \
    --steps 4 --out "$o/x" ) > /dev/null 2> "$tmp/first.err"
rc=$?
if [ "$rc" -eq 1 ] && cmp -s "$o/x_recon.pgm" "$tmp/recon.keep" &&
   cmp -s "$o/x.siren" "$tmp/model.keep" &&
   grep -q "^fit_image: $o/x.siren: cannot write: File too large$" "$tmp/first.err"; then
    ok fit_image_writes_the_model_first
else
    fail fit_image_writes_the_model_first "exit $rc" "$(cat "$tmp/first.err")"
fi

# A full disk: a 64 KiB tmpfs in a private mount namespace (SKIP where the
# machine does not allow one); the model of a 128-wide net is 134 KB.
mkdir -p "$tmp/full"
if unshare -rm sh -c 'mount -t tmpfs -o size=64k none "$1"' sh "$tmp/full" > /dev/null 2>&1; then
    unshare -rm sh -c 'mount -t tmpfs -o size=64k none "$1" && exec "$2" "$3" --size 16 \
        --width 128 --depth 2 --render 16 --steps 2 --out "$1/x"' sh "$tmp/full" "$fit" "$image" \
        > /dev/null 2> "$tmp/full.err"
    rc=$?
    if [ "$rc" -eq 1 ] &&
       grep -q "^fit_image: $tmp/full/x.siren: cannot write: No space left on device\$" \
           "$tmp/full.err"; then
        ok fit_image_says_no_space_left_on_device
    else
        fail fit_image_says_no_space_left_on_device "exit $rc" "$(cat "$tmp/full.err")"
    fi
else
    echo "SKIP fit_image_says_no_space_left_on_device (cannot mount a small tmpfs here)"
fi

# ------------------------------------------------- resumed architectures
# A valid 1.2 MB checkpoint of 50,000 layers of width 1: refused by
# --depth's limit (before: fit_image --resume took 2.4 GB at --size 64).
"$tmp/make_checkpoint" 2 1 1 50000 deep.ckpt
timeout 60 "$fit" "$image" --size 64 --steps 1 --resume deep.ckpt --out "$tmp/d/x" \
    > /dev/null 2> "$tmp/deep.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l < "$tmp/deep.err")" -eq 1 ] &&
   grep -q "^fit_image: deep.ckpt: the network has 50000 hidden layers after the first, outside --depth's range 0 to 1000$" \
       "$tmp/deep.err"; then
    ok fit_image_resume_obeys_depth_limit
else
    fail fit_image_resume_obeys_depth_limit "exit $rc" "$(head -3 "$tmp/deep.err")"
fi
# Within the limits, but 64 wide and 1000 deep at 16384 points: 12 GiB of
# workspace, above the default budget of 4096 MiB.
"$tmp/make_checkpoint" 2 1 64 1000 wide.ckpt
timeout 60 "$fit" "$image" --size 128 --steps 1 --resume wide.ckpt --out "$tmp/d/y" \
    > /dev/null 2> "$tmp/wide.err"
rc=$?
if [ "$rc" -eq 1 ] && tail -n 1 "$tmp/wide.err" |
   grep -q "^fit_image: the training workspace would take [0-9]* MiB, more than --max-workspace-mib 4096 (lower --chunk, or raise the limit)$"; then
    ok fit_image_workspace_budget_refuses_a_large_resume
else
    fail fit_image_workspace_budget_refuses_a_large_resume "exit $rc" "$(head -3 "$tmp/wide.err")"
fi
# The budget is the option's: 1 MiB refuses the small run, 64 lets it be.
"$fit" "$image" $SMALL --max-workspace-mib 1 --out "$tmp/b/x" > /dev/null 2> "$tmp/b1.err"
rc1=$?
"$fit" "$image" $SMALL --max-workspace-mib 64 --out "$tmp/b/x" > /dev/null 2> "$tmp/b2.err"
rc2=$?
if [ "$rc1" -eq 1 ] && grep -q "more than --max-workspace-mib 1 " "$tmp/b1.err" && [ "$rc2" -eq 0 ]; then
    ok fit_image_max_workspace_mib_option
else
    fail fit_image_max_workspace_mib_option "exits $rc1 $rc2" "$(cat "$tmp/b1.err" "$tmp/b2.err")"
fi
exit 0
