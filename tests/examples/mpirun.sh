#!/bin/sh
# mpirun.sh - the eight training programs launched by mpirun
# (examples/fit/distributed.h, docs/SCALING.md), on tiny problems:
#   - each one's files (images, sound, mesh, model, checkpoint, log but its
#     seconds column) and result line (but its timings) are byte for byte
#     the same with 1, 2 and 3 processes (at 1, the default and 2 threads
#     per process) as started directly at 2 threads;
#   - a run checkpointed under 2 processes and resumed under 3 is the
#     uninterrupted run of one process, for random batches (fit_image
#     --batch) and points drawn each step (helmholtz);
#   - bad input on one rank (a node without the image): one message naming
#     the rank, exit status 1, no output written, and the checkpoint the
#     job would have resumed from untouched;
#   - a rank killed with SIGKILL (rank 1 of 3, rank 0 of 2) while the job
#     checkpoints every step: mpirun ends the job within seconds, no
#     process is left, and the last checkpoint loads and resumes;
#   - SIGUSR1 to mpirun stops every rank after the same step: the outputs
#     are written once, the exit status is 130.
# A build without MPI (MPI=0) refusing mpirun -np 2 is checked by
# tests/scripts/image_libs.sh. SKIP lines without mpirun or without an MPI
# build of the examples. Prints "ok NAME" / "FAIL NAME" lines.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin"
python=${PYTHON:-python3}
image="$root/data/camera.pgm"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "$root/tests/report.sh"

if ! command -v mpirun > /dev/null 2>&1; then
    echo "SKIP mpirun_examples (no mpirun: apt-get install openmpi-bin libopenmpi-dev)"
    exit 0
fi
for p in fit_image poisson poisson_edit fit_audio fit_video fit_sdf helmholtz wave; do
    if [ ! -x "$bin/$p" ]; then
        fail mpirun_examples_built "$bin/$p is missing (make examples)"
        exit 1
    fi
done
if ! nm -D "$bin/fit_image" 2> /dev/null | grep -q ' U MPI_Init_thread'; then
    echo "SKIP mpirun_examples (the examples were built without MPI: make MPI=1)"
    exit 0
fi
# As root (CI), Open MPI wants to be told; 3 processes on 2 cores too.
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
mpi() { np=$1; shift; timeout 120 $MPIRUN -np "$np" "$@"; }

# ---------------------------------------------------------------- inputs
cd "$tmp" || exit 1
# Rings, 20x20, for poisson_edit's source.
awk 'BEGIN { n = 20; printf "P2\n%d %d\n255\n", n, n
    for (y = 0; y < n; y++) for (x = 0; x < n; x++)
        printf "%d\n", 128 + 100 * sin(sqrt((x - 9) ^ 2 + (y - 11) ^ 2))
}' > rings.pgm
# A chirp, 5000 frames of 16-bit stereo at 8000 Hz.
"$python" - chirp.wav <<'EOF'
import math, struct, sys
n, rate = 5000, 8000
data = b"".join(struct.pack("<hh", int(2e4 * math.sin(1e-4 * i * i)), int(9e3 * math.sin(0.3 * i)))
                for i in range(n))
fmt = struct.pack("<HHIIHH", 1, 2, rate, rate * 4, 4, 16)
body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
open(sys.argv[1], "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
EOF
# Four 12x12 frames: a disc moving over a ramp.
mkdir -p video
awk 'BEGIN { n = 12; for (f = 0; f < 4; f++) {
        file = sprintf("video/%03d.pgm", f); printf "P2\n%d %d\n255\n", n, n > file
        for (y = 0; y < n; y++) for (x = 0; x < n; x++)
            printf "%d\n", ((x - 3 - 2 * f) ^ 2 + (y - 6) ^ 2 < 9) ? 230 : 10 * x > file
        close(file) } }'
# A torus of 2000 oriented points.
awk 'BEGIN { srand(1); pi = 3.14159265358979
    for (i = 0; i < 2000; i++) {
        u = 2 * pi * rand(); v = 2 * pi * rand()
        printf "%.6f %.6f %.6f %.6f %.6f %.6f\n", (1 + 0.4 * cos(v)) * cos(u),
            (1 + 0.4 * cos(v)) * sin(u), 0.4 * sin(v), cos(v) * cos(u), cos(v) * sin(u), sin(v)
    } }' > torus.xyz

# Each program's run: a network of 16, a few steps, slabs of --chunk
# points that the 3 processes share unevenly, every output in PNM. The
# slabs are large enough (a product depth of points times jet channels
# above 2048) that libsiren adds a slab's weight gradient in pieces: a
# one-process loop adding the slabs' backward passes into the same
# gradients would round differently (fit/fold.h), and the comparison with
# the run started directly tells.
NET="--width 16 --depth 1 --steps 3 --format pnm"
args_fit_image="$image --size 80 --chunk 2100 --log out/log.csv $NET"
args_poisson="$image --size 40 --supervise laplacian --chunk 700 --log out/log.csv $NET"
args_poisson_edit="$image rings.pgm --size 20 --region 4,4,8,8 --chunk 64 --log out/log.csv $NET"
args_fit_audio="chirp.wav --chunk 2100 --log out/log.csv --width 16 --depth 1 --steps 3"
args_fit_video="video --batch 5000 --chunk 2100 --log out/log.csv $NET"
args_fit_sdf="torus.xyz --batch 100 --chunk 40 --resolution 16 --eval-points 500 --picture 16 $NET"
args_helmholtz="--points 1200 --source-points 30 --chunk 500 --grid 16 --sigma 0.0025 --k 10 $NET"
args_wave="--points 1200 --source-points 50 --chunk 500 --grid 16 --times 0.2 --variance 0.01 \
--amplitude 1 $NET"

# untimed FILE: a program's standard output without its timings.
untimed() { sed -E 's/ (seconds|seconds_per_step|train_seconds|mesh_seconds)=[0-9.]+//g' "$1"; }
# same_outputs A B: the runs in directories A and B wrote the same files
# under out/, byte for byte (a CSV log but for its seconds column), and
# the same standard output (A/stdout) but for timings. Prints what differs.
same_outputs() {
    (cd "$1/out" && find . -type f | sort) > "$tmp/files.a"
    (cd "$2/out" && find . -type f | sort) > "$tmp/files.b"
    cmp -s "$tmp/files.a" "$tmp/files.b" || { echo "files: $(tr '\n' ' ' < "$tmp/files.b")"; return 1; }
    differ=""
    while read -r f; do
        case "$f" in
            *.csv) [ "$(cut -d, -f1-3 "$1/out/$f")" = "$(cut -d, -f1-3 "$2/out/$f")" ] ||
                       differ="$differ $f" ;;
            *) cmp -s "$1/out/$f" "$2/out/$f" || differ="$differ $f" ;;
        esac
    done < "$tmp/files.a"
    [ "$(untimed "$1/stdout")" = "$(untimed "$2/stdout")" ] || differ="$differ stdout"
    [ -z "$differ" ] || { echo "differ:$differ"; return 1; }
}

# in_dir DIR PROGRAM ARGS...: runs in DIR (made, with links to the inputs)
# with out/ for its outputs, its standard output in DIR/stdout and its
# errors in DIR/stderr.
in_dir() {
    dir=$1
    shift
    mkdir -p "$dir"
    for f in rings.pgm chirp.wav video torus.xyz; do ln -sf "$tmp/$f" "$dir/$f"; done
    (cd "$dir" && "$@" > stdout 2> stderr)
}

# ----------------------------------------------- the same bits, every program
for p in fit_image poisson poisson_edit fit_audio fit_video fit_sdf helmholtz wave; do
    eval "args=\$args_$p"
    d="$tmp/$p"
    in_dir "$d/alone" "$bin/$p" $args --threads 2 --checkpoint out/c.ckpt --out out/x ||
        fail "mpirun_${p}_alone" "$(tail -2 "$d/alone/stderr")"
    why=""
    for np in 1 2 3; do
        case $np in 1) threads="--threads 1" ;; 2) threads="" ;; 3) threads="--threads 2" ;; esac
        in_dir "$d/np$np" mpi $np "$bin/$p" $args $threads --checkpoint out/c.ckpt --out out/x
        rc=$?
        [ $rc -eq 0 ] || why="$why np$np: exit $rc: $(grep "^$p: " "$d/np$np/stderr" | tail -1);"
        m=$(same_outputs "$d/alone" "$d/np$np") || why="$why np$np: $m;"
    done
    if [ -z "$why" ]; then
        ok "mpirun_${p}_same_bits_with_1_2_3_processes"
    else
        fail "mpirun_${p}_same_bits_with_1_2_3_processes" "$why"
    fi
done

# ----------------------------------------------------------------- resume
# 2 steps under 2 processes with a checkpoint, resumed in place under 3 up
# to 4 steps, against 4 steps of one process: random batches (fit_image
# --batch) and points drawn each step (helmholtz).
R="--width 16 --depth 1 --format pnm"
resume_fit_image="$image --size 40 --batch 700 --chunk 300 --log out/log.csv $R"
resume_helmholtz="--points 1200 --source-points 30 --chunk 500 --grid 16 --sigma 0.0025 --k 10 $R"
for p in fit_image helmholtz; do
    eval "args=\$resume_$p"
    d="$tmp/resume_$p"
    in_dir "$d/whole" "$bin/$p" $args --steps 4 --checkpoint out/c.ckpt --out out/x
    in_dir "$d/parts" mpi 2 "$bin/$p" $args --steps 2 --checkpoint out/c.ckpt --out out/x &&
        in_dir "$d/parts" mpi 3 "$bin/$p" $args --steps 4 --resume out/c.ckpt \
            --checkpoint out/c.ckpt --out out/x
    rc=$?
    if [ $rc -eq 0 ] && m=$(same_outputs "$d/whole" "$d/parts") &&
       grep -q '^result: .* steps=4 ' "$d/parts/stdout"; then
        ok "mpirun_${p}_resumed_under_another_process_count_is_the_whole_run"
    else
        fail "mpirun_${p}_resumed_under_another_process_count_is_the_whole_run" "exit $rc $m" \
            "$(grep "^$p: " "$d/parts/stderr" | tail -2)"
    fi
done

# ------------------------------------------------------ bad input on a rank
# Rank 2 (then rank 0) is given an image that is not there, as on a node
# without the file (mpirun's MPMD form: other arguments for some ranks).
d="$tmp/bad"
mkdir -p "$d"
cp "$tmp/resume_fit_image/whole/out/c.ckpt" "$d/c.ckpt" && cp "$d/c.ckpt" "$d/c.ckpt.before"
B="--size 40 --batch 700 --chunk 300 $R --steps 6 --resume c.ckpt --checkpoint c.ckpt --out out/x"
for victim in 2 0; do
    if [ $victim -eq 2 ]; then
        set -- -np 2 "$bin/fit_image" "$image" $B : -np 1 "$bin/fit_image" missing.pgm $B
    else
        set -- -np 1 "$bin/fit_image" missing.pgm $B : -np 2 "$bin/fit_image" "$image" $B
    fi
    (cd "$d" && timeout 120 $MPIRUN "$@" > stdout 2> stderr)
    rc=$?
    said=$(grep '^fit_image: ' "$d/stderr")
    case $victim in
        2) want="fit_image: rank 2: missing.pgm: " ;;
        0) want="fit_image: missing.pgm: " ;;
    esac
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ "$(echo "$said" | wc -l)" -eq 1 ] &&
       case "$said" in "$want"*) true ;; *) false ;; esac &&
       cmp -s "$d/c.ckpt" "$d/c.ckpt.before" && [ ! -e "$d/out" ] && [ ! -s "$d/stdout" ]; then
        ok "mpirun_bad_input_on_rank_${victim}_stops_every_rank_with_one_message"
    else
        fail "mpirun_bad_input_on_rank_${victim}_stops_every_rank_with_one_message" "exit $rc" \
            "said: $said" "$(ls "$d")"
    fi
done

# ----------------------------------------------------------- a killed rank
# in_background DIR NP ARGS...: fit_image under mpirun in DIR, in the
# background; job is mpirun's process id.
in_background() {
    dir=$1 np=$2
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && exec $MPIRUN -np "$np" "$bin/fit_image" "$image" "$@" > stdout 2> stderr) &
    job=$!
}
# wait_for FILE [PATTERN]: until FILE exists (and holds PATTERN), at most
# 60 s.
wait_for() {
    i=0
    while [ $i -lt 600 ] && ! grep -q "${2:-}" "$1" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
}
# rank_pid JOB R: the process of rank R among mpirun JOB's children.
rank_pid() {
    for p in $(ps -o pid= --ppid "$1"); do
        tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" &&
            echo "$p"
    done
}
# running PID: whether the process runs (a zombie, finished but not yet
# waited for, does not).
running() {
    state=$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ]
}
# finished JOB SECONDS: waits for JOB, killing it after SECONDS; its status.
finished() {
    i=0
    while running "$1" && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$1" 2> /dev/null
    wait "$1"
}
K="--size 40 --chunk 300 $R --steps 100000000 --checkpoint c.ckpt --checkpoint-every 1 --out out/x"
for case in "3 1" "2 0"; do
    set -- $case
    np=$1 victim=$2 d="$tmp/kill_${np}_$victim"
    in_background "$d" "$np" $K
    wait_for "$d/c.ckpt" # then a few steps more, each checkpointed
    sleep 0.3
    ranks=$(for r in $(seq 0 $((np - 1))); do rank_pid $job $r; done)
    start=$(date +%s)
    kill -9 $(rank_pid $job "$victim") 2> /dev/null
    finished $job 60
    rc=$?
    seconds=$(($(date +%s) - start))
    sleep 0.5
    left=""
    for p in $ranks; do running "$p" && left="$left $p"; done
    # The checkpoint loads: resumed under 2 processes with --steps 1, it
    # is past the end and the outputs are written at its step.
    in_dir "$d/after" mpi 2 "$bin/fit_image" "$image" --size 40 --chunk 300 $R --steps 1 \
        --resume ../c.ckpt --out out/x
    resumed=$?
    step=$(sed -n 's/^result: .* steps=\([0-9]*\) .*/\1/p' "$d/after/stdout")
    name="mpirun_killed_rank_${victim}_of_${np}_ends_the_job_checkpoint_whole"
    if [ $rc -ne 0 ] && [ $seconds -lt 30 ] && [ ${#ranks} -gt 0 ] && [ -z "$left" ] &&
       [ $resumed -eq 0 ] && [ -n "$step" ] && [ "$step" -ge 2 ]; then
        ok "$name"
        echo "  ended ${seconds}s after the kill, checkpoint at step $step"
    else
        fail "$name" "exit $rc after ${seconds}s, ranks:$ranks, left:$left, resumed $resumed at $step" \
            "$(grep '^fit_image' "$d/after/stderr" | tail -1)"
    fi
done

# ----------------------------------------------------------------- SIGUSR1
d="$tmp/usr1"
in_background "$d" 3 --size 40 --chunk 300 $R --steps 100000000 --checkpoint c.ckpt \
    --log out/log.csv --out out/x
wait_for "$d/stderr" '^step 1/'
kill -USR1 $job
finished $job 60
rc=$?
step=$(sed -n 's/^fit_image: interrupted after step \([0-9]*\);.*/\1/p' "$d/stderr")
if [ $rc -eq 130 ] && [ "$(grep -c 'interrupted after step' "$d/stderr")" -eq 1 ] &&
   [ -n "$step" ] && grep -q "^result: .* steps=$step " "$d/stdout" &&
   [ "$(grep -c '^result: ' "$d/stdout")" -eq 1 ] && [ -s "$d/out/x.siren" ] &&
   [ "$(tail -n +2 "$d/out/log.csv" | wc -l)" -eq "$step" ]; then
    ok mpirun_sigusr1_stops_every_rank_after_the_same_step_exit_130
else
    fail mpirun_sigusr1_stops_every_rank_after_the_same_step_exit_130 "exit $rc, step $step" \
        "$(grep '^fit_image' "$d/stderr" | tail -2)"
fi

# ------------------------------------------- a program of one process only
# hypernet does not train over MPI: as one of several processes it refuses
# with one message, before reading anything, instead of every process
# doing the whole job and writing the same outputs.
d="$tmp/hypernet"
mkdir -p "$d"
mpi 2 "$bin/hypernet" "$image" --steps 1 --out "$d/x" \
    > "$d/stdout" 2> "$d/stderr"
rc=$?
said=$(grep '^hypernet: ' "$d/stderr")
if [ $rc -ne 0 ] && [ "$(echo "$said" | wc -l)" -eq 1 ] && [ -z "$(ls "$d" | grep -v std)" ] &&
   echo "$said" | grep -q 'started as one of 2 processes (mpirun -np 2?), but this program trains on one process only'; then
    ok mpirun_np_2_of_hypernet_refused_with_one_message
else
    fail mpirun_np_2_of_hypernet_refused_with_one_message "exit $rc" "$said"
fi
