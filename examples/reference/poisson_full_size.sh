#!/bin/sh
# poisson_full_size.sh - the Poisson problems at the reference's own size
# (256x256, 5 x 256, Adam 1e-4, all 65536 pixels every step), libsiren and
# PyTorch from ONE initialisation: signals_reference.py initialises the
# network (torch seed 0) and writes it as a libsiren step-0 checkpoint
# (--init-checkpoint), bin/poisson resumes from it. PyTorch runs the first
# TORCH_GRAD_STEPS (300) gradient and TORCH_LAP_STEPS (50) Laplacian steps,
# what this 2-core machine affords at 6 and 24 s a step; libsiren runs the
# reference's 10000 of each. Both write every step's loss and aligned PSNR
# (--log), the rows of docs/RESULTS.md "Poisson at the reference's size";
# compare_logs.py prints the curves side by side at the end.
#
#     make examples && sh examples/reference/poisson_full_size.sh [WORKDIR]
#
# About 4.5 + 8.5 hours for libsiren and 1 hour for PyTorch on the 2-core
# machine, 2 threads each, one run after another. Interrupted, it picks up
# where it stopped when run again: libsiren checkpoints every 100 steps and
# appends to its log; a finished run is marked in WORKDIR/runs.log.
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
work=${1:-out/poisson_full_size}
mkdir -p "$work/out" || exit 1
cd "$work" || exit 1
B="$root/bin"
P="/usr/bin/python3 $root/examples/reference/signals_reference.py"
TORCH_GRAD_STEPS=${TORCH_GRAD_STEPS:-300}
TORCH_LAP_STEPS=${TORCH_LAP_STEPS:-50}
STEPS=${STEPS:-10000}

# data/camera.pgm resized once with Pillow, so both sides fit the same pixels.
[ -f camera256.pgm ] || /usr/bin/python3 -c "
from PIL import Image
Image.open('$root/data/camera.pgm').resize((256, 256), Image.BILINEAR).save('camera256.pgm')
" || exit 1

stamp() { echo "== $(date -u +%FT%TZ) $*" >> runs.log; }
finished() { grep -q "^result:.* run=$1\$" runs.log 2> /dev/null; }
record() { # NAME STATUS OUTPUT
    stamp "$1 exit $2"
    [ "$2" -eq 0 ] && grep '^result:' "$3" | sed "s/\$/ run=$1/" | tee -a runs.log
}
torch_run() { # NAME STEPS INIT [options]
    name=$1 steps=$2 init=$3
    shift 3
    finished "$name" && return 0
    stamp "$name start"
    $P poisson camera256.pgm --steps "$steps" --threads 2 --init-checkpoint "$init" \
        --log "$name.csv" --out "out/$name" "$@" > "$name.out" 2> "$name.err"
    record "$name" $? "$name.out"
}
siren_run() { # NAME STEPS INIT [options]
    name=$1 steps=$2 from=$3
    shift 3
    finished "$name" && return 0
    [ -f "$name.ckpt" ] && from=$name.ckpt
    stamp "$name start from $from"
    "$B/poisson" camera256.pgm --size 0 --steps "$steps" --threads 2 --chunk 16384 \
        --resume "$from" --checkpoint "$name.ckpt" --checkpoint-every 100 \
        --log "$name.csv" --out "out/$name" "$@" > "$name.out" 2>> "$name.err"
    record "$name" $? "$name.out"
}
torch_run torch_gradient "$TORCH_GRAD_STEPS" init_gradient.ckpt
torch_run torch_laplacian "$TORCH_LAP_STEPS" init_laplacian.ckpt --supervise laplacian
siren_run siren_laplacian_short "$TORCH_LAP_STEPS" init_laplacian.ckpt --supervise laplacian
siren_run siren_gradient "$STEPS" init_gradient.ckpt
siren_run siren_laplacian "$STEPS" init_laplacian.ckpt --supervise laplacian
stamp done

# The two sides' curves over the steps both ran.
C="/usr/bin/python3 $root/examples/reference/compare_logs.py"
echo "== gradient"
$C torch_gradient.csv siren_gradient.csv --every 50
echo "== Laplacian"
$C torch_laplacian.csv siren_laplacian_short.csv --every 10
