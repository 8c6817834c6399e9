#!/bin/sh
# unseen_inputs.sh - the signal examples (poisson, poisson_edit, fit_video,
# fit_audio) on inputs the project was never tuned on: scikit-image's sample
# photographs (Debian's python3-skimage: coins, chelsea the cat, the
# astronaut), a camera pan over the cat photograph, the animated GIF of the
# same package, and a new espeak-ng sentence. The rows of docs/RESULTS.md
# "On inputs the project never saw".
#
#     make examples && sh examples/reference/unseen_inputs.sh [WORKDIR]
#
# One thread per run, one run after another; about 25 minutes on the 2-core
# reference machine, most of it the two audio runs. Prints each run's
# `result:` line.
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
work=${1:-out/unseen_inputs}
mkdir -p "$work/out" "$work/pan" "$work/gif" || exit 1
cd "$work" || exit 1
B="$root/bin"

# ----------------------------------------------------------- the inputs
# The photographs as PGM/PPM at their own size (the programs resize them);
# 16 frames of 64x64 panning diagonally over the cat (a 128x128 window
# moving 8 pixels right and 3 down per frame, halved); the 24 frames of the
# 14x25 GIF.
/usr/bin/python3 - <<'EOF' || exit 1
import os
import skimage
from PIL import Image, ImageSequence
data = os.path.join(os.path.dirname(skimage.__file__), "data")
for name, mode in (("coins", "L"), ("chelsea", "RGB"), ("astronaut", "RGB")):
    Image.open(os.path.join(data, name + ".png")).convert(mode).save(
        name + (".pgm" if mode == "L" else ".ppm"))
cat = Image.open("chelsea.ppm").convert("L")
for i in range(16):
    x, y = 40 + 8 * i, 60 + 3 * i
    cat.crop((x, y, x + 128, y + 128)).resize((64, 64), Image.BILINEAR).save(
        "pan/%03d.pgm" % i)
gif = Image.open(os.path.join(data, "no_time_for_that_tiny.gif"))
for i, frame in enumerate(ImageSequence.Iterator(gif)):
    frame.convert("L").save("gif/%03d.pgm" % i)
EOF
# Speech: 1.72 s at 22050 Hz (37986 frames), 16-bit mono, espeak-ng 1.51.
espeak-ng -w fox.wav -s 150 "the quick brown fox" || exit 1

# ------------------------------------------------------------- the runs
run() {
    echo "== $*"
    "$@" 2> /dev/null | grep '^result:'
}
T="--threads 1"
run $B/poisson coins.pgm --size 64 --steps 200 $T --out out/coins_grad
run $B/poisson coins.pgm --size 64 --supervise laplacian --steps 200 $T --out out/coins_lap
run $B/poisson chelsea.ppm --size 64 --steps 200 $T --out out/chelsea_grad
run $B/poisson_edit astronaut.ppm chelsea.ppm --size 64 --region 24,8,24,20 --steps 200 $T \
    --out out/edit
run $B/fit_video 'pan/%03d.pgm' --width 256 --batch 4096 --steps 500 $T --out out/pan
run $B/fit_video 'gif/%03d.pgm' --width 256 --batch 4096 --steps 500 $T --out out/gif
run $B/fit_audio fox.wav --steps 500 $T --out out/fox
run $B/fit_audio fox.wav --steps 1000 $T --out out/fox1000
