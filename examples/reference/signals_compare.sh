#!/bin/sh
# signals_compare.sh - the measurements of docs/RESULTS.md (the signal tasks): each
# signal example (poisson, poisson_edit, fit_audio, fit_video) and its
# PyTorch reference (signals_reference.py) on the same inputs, made here,
# one run after another, with --threads 2 / torch.set_num_threads(2).
#
#     make examples && sh examples/reference/signals_compare.sh [WORKDIR]
#
# Needs Debian's python3-torch, python3-numpy, python3-scipy, python3-pil
# and espeak-ng. Takes about an hour on the 2-core reference machine, most
# of it PyTorch's reverse-over-reverse Laplacian. Prints each run's
# `result:` line and the load average after it.
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
work=${1:-out/signals_compare}
mkdir -p "$work/out" "$work/vid16" || exit 1
cd "$work" || exit 1
B="$root/bin"
P="/usr/bin/python3 $root/examples/reference/signals_reference.py"

# ----------------------------------------------------------- the inputs
# data/camera.pgm resized once with Pillow (so both sides fit the same
# pixels: the C programs get --size 0).
/usr/bin/python3 - "$root/data/camera.pgm" <<'EOF' || exit 1
import sys
from PIL import Image
im = Image.open(sys.argv[1])
for n in (64, 256):
    im.resize((n, n), Image.BILINEAR).save("camera%d.pgm" % n)
EOF
# Concentric rings, the source pasted by poisson_edit.
awk -v n=64 'BEGIN {
    printf "P2\n%d %d\n255\n", n, n
    for (y = 0; y < n; y++) {
        line = ""
        for (x = 0; x < n; x++)
            line = line sprintf("%d ", 200 + 40 * sin(sqrt((x - n / 2) ^ 2 + (y - n / 2) ^ 2) * 0.6))
        print line
    }
}' > rings64.pgm
# 16 frames of 64x64: a bright disc moving right, a dark square moving
# down, over a ramp.
awk -v frames=16 -v n=64 'BEGIN {
    for (f = 0; f < frames; f++) {
        file = sprintf("vid16/%03d.pgm", f)
        printf "P2\n%d %d\n255\n", n, n > file
        cx = n * (0.25 + 0.5 * f / frames); cy = n * 0.4; r = n * 0.18
        sx = n * 0.6; sy = n * (0.1 + 0.4 * f / frames); s = n * 0.25
        for (y = 0; y < n; y++) {
            line = ""
            for (x = 0; x < n; x++) {
                v = 40 + 100 * x / n
                if ((x - cx) ^ 2 + (y - cy) ^ 2 < r * r) v = 230
                if (x >= sx && x < sx + s && y >= sy && y < sy + s) v = 20
                line = line sprintf("%d ", v)
            }
            print line > file
        }
        close(file)
    }
}'
# Speech: 1.05 s at 22050 Hz (23082 frames), 16-bit mono, from espeak-ng 1.51.
espeak-ng -w speech.wav "one two three" || exit 1

# ------------------------------------------------------------- the runs
run() {
    name=$1
    shift
    echo "== $name: $*"
    "$@" 2> /dev/null | grep '^result:'
    echo "   $(uptime | sed 's/.*load/load/')"
}
run siren_poisson_grad $B/poisson camera64.pgm --size 0 --steps 200 --threads 2 --out out/sg
run torch_poisson_grad $P poisson camera64.pgm --steps 200 --out out/tg
run siren_poisson_lap $B/poisson camera64.pgm --size 0 --supervise laplacian --steps 200 --threads 2 --out out/sl
run torch_poisson_lap $P poisson camera64.pgm --supervise laplacian --steps 200 --out out/tl
for seed in 1 2; do
    run siren_poisson_lap_seed$seed $B/poisson camera64.pgm --size 0 --supervise laplacian --steps 200 --threads 2 --seed $seed --out out/sl$seed
done
run siren_edit $B/poisson_edit camera64.pgm rings64.pgm --size 0 --region 20,8,24,24 --steps 200 --threads 2 --out out/se
run torch_edit $P edit camera64.pgm rings64.pgm --region 20,8,24,24 --steps 200 --out out/te
run siren_audio $B/fit_audio speech.wav --steps 500 --threads 2 --out out/sa
run torch_audio $P audio speech.wav --steps 500
run siren_audio_1000 $B/fit_audio speech.wav --steps 1000 --threads 1 --out out/sa1000
run torch_audio_1000 $P audio speech.wav --steps 1000 --threads 1 --out out/ta1000
run siren_video $B/fit_video 'vid16/%03d.pgm' --steps 1000 --threads 2 --out out/sv
run torch_video $P video 'vid16/%03d.pgm' --steps 1000
run siren_video_b4096 $B/fit_video 'vid16/%03d.pgm' --width 256 --batch 4096 --steps 500 --threads 2 --out out/sv2
run torch_video_b4096 $P video 'vid16/%03d.pgm' --width 256 --batch 4096 --steps 500
# Seconds per step at the reference's full size (256x256, 5 x 256).
run siren_poisson_grad_256 $B/poisson camera256.pgm --size 0 --steps 3 --threads 2 --out out/sg256
run siren_poisson_lap_256 $B/poisson camera256.pgm --size 0 --supervise laplacian --steps 3 --threads 2 --out out/sl256
run torch_poisson_grad_256 $P poisson camera256.pgm --steps 2
run torch_poisson_lap_256 $P poisson camera256.pgm --supervise laplacian --steps 1
