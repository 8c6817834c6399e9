#!/bin/sh
# nonfinite.sh - when training diverges the example programs stop
# with a clear message and keep the last good parameters (issue 8). A
# learning rate of 1e37 makes the first Adam step move the weights by about
# lr / (1 - beta1) = 1e38, the second forward pass overflows to infinity,
# and the gradients of step 2 are NaN: siren_adam_step refuses them
# (SIREN_ERR_NONFINITE). (With 1e38 the first step itself would overflow
# and be refused.)
# Each program must then exit with status 1 and one message naming the
# step, write no result line and no outputs, and leave in its --checkpoint
# file a checkpoint that loads, holds step 1, and has finite parameters.
# Prints "ok NAME" / "FAIL NAME" lines (tests/run.sh counts them).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
cc=${CC:-cc}
image="$root/data/camera.pgm"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$root/tests/report.sh"

"$cc" -std=c11 -I"$root/include" "$root/tests/tools/checkpoint_info.c" "$root/lib/libsiren.a" \
    -lm -lpthread -o "$tmp/check" 2> "$tmp/cc.log" ||
    { fail nonfinite_checker "$(head -5 "$tmp/cc.log")"; exit 1; }

# A small oriented point cloud for fit_sdf: points on the unit sphere.
awk 'BEGIN { for (i = 0; i < 200; i++) { z = -1 + 2 * (i + 0.5) / 200; r = sqrt(1 - z * z);
             a = i * 2.399963; x = r * cos(a); y = r * sin(a);
             printf "%.6f %.6f %.6f %.6f %.6f %.6f\n", x, y, z, x, y, z } }' > "$tmp/sphere.xyz"

# expect_stop NAME CHECKPOINT COMMAND...: runs the command, which
# must diverge at step 2.
expect_stop() {
    name=$1 ckpt=$2
    shift 2
    "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    rc=$?
    msg=$(grep -c 'step 2: the gradients are NaN or infinite' "$tmp/$name.err")
    if [ "$rc" -eq 1 ] && [ "$msg" -eq 1 ] && ! grep -q '^result:' "$tmp/$name.out"; then
        ok "${name}_stops_on_nonfinite_gradients"
    else
        fail "${name}_stops_on_nonfinite_gradients" "exit $rc" "$(tail -3 "$tmp/$name.err")"
    fi
    if ls "$tmp/$name"_out* > /dev/null 2>&1; then
        fail "${name}_writes_no_outputs" "$(ls "$tmp/$name"_out*)"
    else
        ok "${name}_writes_no_outputs"
    fi
    info=$("$tmp/check" "$ckpt")
    if [ "$info" = "1 1" ] && grep -q "holds them (step 1)" "$tmp/$name.err"; then
        ok "${name}_keeps_last_good_checkpoint"
    else
        fail "${name}_keeps_last_good_checkpoint" "checkpoint: $info" "$(tail -2 "$tmp/$name.err")"
    fi
}

expect_stop fit_image "$tmp/image.ckpt" "$root/bin/fit_image" "$image" --size 16 --width 16 \
    --depth 1 --steps 5 --lr 1e37 --threads 1 --checkpoint "$tmp/image.ckpt" \
    --out "$tmp/fit_image_out"
expect_stop fit_sdf "$tmp/sdf.ckpt" "$root/bin/fit_sdf" "$tmp/sphere.xyz" --width 16 --depth 1 \
    --batch 64 --steps 5 --lr 1e37 --threads 1 --resolution 8 --checkpoint "$tmp/sdf.ckpt" \
    --out "$tmp/fit_sdf_out"
expect_stop poisson "$tmp/poisson.ckpt" "$root/bin/poisson" "$image" --size 16 --width 16 \
    --depth 1 --steps 5 --lr 1e37 --threads 1 --checkpoint "$tmp/poisson.ckpt" \
    --out "$tmp/poisson_out"
