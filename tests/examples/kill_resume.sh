#!/bin/sh
# kill_resume.sh - crash safety of training: bin/fit_image is
# killed with SIGKILL at random moments while it checkpoints every step,
# then resumed from its checkpoint, several times. After every kill the
# checkpoint must load (siren_checkpoint_load) and its step count must
# never go back; the last run must finish, and its model must be
# bit-identical to the one of an uninterrupted run: a crash costs time,
# never the training. Temporary files of a save cut short may be left
# beside the checkpoint (the library cannot remove them after SIGKILL);
# they are counted, and must never be what the checkpoint path names.
#
# The delays come from /dev/urandom; KILL_SEED=N (or the seed printed on
# a failure) replays a sequence. Prints "ok NAME" / "FAIL NAME" lines.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/fit_image"
image="$root/data/camera.pgm"
cc=${CC:-cc}
KILLS=${KILLS:-6}
STEPS=600
# Tiny and full batch (exact resume); one fsync'd checkpoint per step makes
# a kill land inside a save most of the time.
FIT="--size 24 --width 32 --depth 2 --steps $STEPS --seed 3 --threads 1"

tmp=$(mktemp -d) || exit 1
trap 'kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pid=""

ok() { echo "ok $1"; }
fail() {
    echo "FAIL $1"
    shift
    for line in "$@"; do echo "  $line"; done
    exit 1
}

[ -x "$bin" ] || fail kill_resume_built "$bin is missing (make examples)"
[ -f "$root/lib/libsiren.a" ] || fail kill_resume_built "lib/libsiren.a is missing (make)"

# The checker: loads a checkpoint, prints its step count (and 1 if its
# parameters are finite).
"$cc" -std=c11 -I"$root/include" "$root/tests/tools/checkpoint_info.c" "$root/lib/libsiren.a" \
    -lm -lpthread -o "$tmp/check" 2> "$tmp/cc.log" ||
    fail kill_resume_checker "$(head -5 "$tmp/cc.log")"

# Reproducible random delays in [0.15, 1) s: a seed, then the Park-Miller
# generator (exact in awk's doubles; awk's own srand differs between awks).
seed=${KILL_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
delays=$(awk -v seed="$seed" -v n="$KILLS" 'BEGIN {
    x = seed % 2147483646 + 1
    for (i = 0; i < n; i++) {
        x = (x * 16807) % 2147483647
        printf "%.2f ", 0.15 + 0.85 * x / 2147483647
    }
}')

# The uninterrupted run.
"$bin" "$image" $FIT --out "$tmp/ref/fit" > "$tmp/ref.log" 2>&1 ||
    fail kill_resume_reference "$(tail -3 "$tmp/ref.log")"

ckpt="$tmp/run/train.ckpt"
mkdir -p "$tmp/run"
last_step=0 kills=0
for delay in $delays; do
    resume=""
    [ -f "$ckpt" ] && resume="--resume $ckpt"
    "$bin" "$image" $FIT $resume --checkpoint "$ckpt" --checkpoint-every 1 \
        --out "$tmp/run/fit" > "$tmp/run.log" 2>&1 &
    pid=$!
    sleep "$delay"
    if ! kill -9 "$pid" 2>/dev/null; then
        wait "$pid"
        pid=""
        break # it finished before the kill: fine, the final run checks the rest
    fi
    wait "$pid" 2>/dev/null
    pid=""
    kills=$((kills + 1))
    [ -f "$ckpt" ] || continue # killed before the first save
    info=$("$tmp/check" "$ckpt") ||
        fail kill_resume_checkpoint_loads "after kill $kills (delay ${delay}s, KILL_SEED=$seed): $info"
    step=${info%% *}
    [ "$step" -ge "$last_step" ] ||
        fail kill_resume_steps_monotone "step $step after $last_step (KILL_SEED=$seed)"
    last_step=$step
done
left=$(ls "$tmp/run" | grep -c 'train.ckpt.tmp-')
ok "kill_resume_checkpoint_loads_after_each_kill ($kills kills at ${delays}s, last at step $last_step, $left cut a save short; KILL_SEED=$seed)"

# The last run finishes, and loses nothing.
resume=""
[ -f "$ckpt" ] && resume="--resume $ckpt"
"$bin" "$image" $FIT $resume --checkpoint "$ckpt" --out "$tmp/run/fit" > "$tmp/run.log" 2>&1 ||
    fail kill_resume_finishes "exit status $? (KILL_SEED=$seed)" "$(tail -3 "$tmp/run.log")"
info=$("$tmp/check" "$ckpt") || fail kill_resume_finishes "final checkpoint: $info"
step=${info%% *}
[ "$step" -eq "$STEPS" ] || fail kill_resume_finishes "final checkpoint at step $step, want $STEPS"
ok kill_resume_finishes
if cmp -s "$tmp/ref/fit.siren" "$tmp/run/fit.siren"; then
    ok kill_resume_model_equals_uninterrupted_run
else
    fail kill_resume_model_equals_uninterrupted_run "KILL_SEED=$seed"
fi
