# report.sh - sourced by the shell tests: the result lines tests/run.sh
# counts. ok NAME prints "ok NAME"; fail NAME [LINE...] prints "FAIL NAME"
# and each LINE indented below it, and returns (the caller goes on). Also
# the checks the training examples share (errors, resume, Ctrl-C), below.
ok() { echo "ok $1"; }
fail() {
    echo "FAIL $1"
    shift
    for line in "$@"; do echo "  $line"; done
}

# The checks below run the program "$bin" of the sourcing test, write below
# its "$tmp", and name their results after the program.

# field NAME LINE: the value of key NAME in a result line.
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# expect_error NAME ARGS...: "$bin" refuses ARGS: exit status 1 (not a
# signal), exactly one line on stderr, starting "PROGRAM: ", within 30
# seconds; the result is PROGRAM_rejects_NAME.
expect_error() {
    program=$(basename "$bin")
    name="${program}_rejects_$1"
    shift
    timeout 30 "$bin" "$@" > "$tmp/bad.out" 2> "$tmp/bad.err"
    rc=$?
    lines=$(wc -l < "$tmp/bad.err")
    case "$(head -n 1 "$tmp/bad.err")" in "$program":*) prefixed=1 ;; *) prefixed=0 ;; esac
    if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && [ "$prefixed" -eq 1 ]; then
        ok "$name"
    else
        fail "$name" "exit $rc, $lines stderr lines:" "$(head -n 5 "$tmp/bad.err")"
    fi
}

# pnm_outputs: from here on "$bin" writes its images as PGM/PPM (--format
# pnm, through a wrapper of the same name in $tmp), for the checks that
# read their bytes; the PNG outputs are checked by fit_image.sh and
# tests/scripts/image_libs.sh.
pnm_outputs() {
    mkdir -p "$tmp/pnm-bin" || return 1
    wrapper="$tmp/pnm-bin/$(basename "$bin")"
    printf '#!/bin/sh\nexec "%s" --format pnm "$@"\n' "$bin" > "$wrapper" && chmod +x "$wrapper" &&
        bin=$wrapper
}

# check_resume_exact NAME K ARGS...: 2K steps in one run (checkpointing
# every 4 steps on the way), and K steps with a checkpoint then a new
# process resumed from it up to 2K, give the same model bit for bit; the
# resumed run starts at step K+1 and its result line counts 2K steps; the
# first K steps alone give another model.
check_resume_exact() {
    name="$(basename "$bin")_resume_is_exact_$1" k=$2
    shift 2
    d="$tmp/$name"
    "$bin" "$@" --steps $((2 * k)) --checkpoint "$d/a.ckpt" --checkpoint-every 4 \
        --out "$d/a" > "$d.log" 2>&1 &&
    "$bin" "$@" --steps "$k" --checkpoint "$d/k.ckpt" --out "$d/b" >> "$d.log" 2>&1 &&
    "$bin" "$@" --steps $((2 * k)) --resume "$d/k.ckpt" --out "$d/c" > "$d.out" 2> "$d.err"
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$d/a.siren" "$d/c.siren" && ! cmp -s "$d/a.siren" "$d/b.siren" &&
       [ "$(grep -m 1 '^step ' "$d.err" | cut -d ' ' -f 2)" = "$((k + 1))/$((2 * k))" ] &&
       grep -q "^result: .* steps=$((2 * k)) " "$d.out"; then
        ok "$name"
    else
        fail "$name" "exit $rc" "$(tail -n 2 "$d.log")" "$(tail -n 2 "$d.err")"
    fi
}

# check_ctrl_c ARGS...: SIGINT (Ctrl-C) once the first step is done stops
# training after the current step; the outputs (PREFIX.siren among them)
# and the result line are still written, and the exit status is 130.
check_ctrl_c() {
    name="$(basename "$bin")_ctrl_c_writes_outputs_exit_130"
    "$bin" "$@" --steps 100000000 --out "$tmp/int/x" > "$tmp/int.out" 2> "$tmp/int.err" &
    pid=$!
    i=0
    while [ $i -lt 300 ] && ! grep -q '^step 1/' "$tmp/int.err" 2> /dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -INT $pid
    wait $pid
    rc=$?
    if [ "$rc" -eq 130 ] && grep -q '^result: ' "$tmp/int.out" && [ -s "$tmp/int/x.siren" ] &&
       grep -q 'interrupted after step' "$tmp/int.err"; then
        ok "$name"
    else
        fail "$name" "exit $rc" "$(tail -n 2 "$tmp/int.err")"
    fi
}
