#!/bin/sh
# poisson_torch.sh - bin/poisson against the PyTorch reference
# (examples/reference/signals_reference.py) from the same initialisation:
# PyTorch initialises the network and writes it as a libsiren step-0
# checkpoint (--init-checkpoint), bin/poisson resumes from it, and both
# write every step's loss and aligned PSNR (--log). Over 15 steps of the
# gradient-supervised and the Laplacian-supervised problem on a 24x20 image
# the project never saw (drawn here), the two curves must agree to 1e-3 dB
# and 1e-4 relative loss: the C example's stencils, scales, loss and
# alignment are the reference's, step by step. Also checks the --log file's
# shape. SKIP when /usr/bin/python3 lacks torch or scipy.
# Prints "ok NAME" / "FAIL NAME" / "SKIP NAME" lines (tests/run.sh counts them).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/poisson"
python=${PYTHON:-/usr/bin/python3}
reference="$root/examples/reference/signals_reference.py"
STEPS=15
NET="--width 32 --depth 1"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail poisson_torch_built "$bin is missing (make examples)"
    exit 1
fi
if ! "$python" -c "import torch, scipy, numpy" 2> /dev/null; then
    echo "SKIP poisson_torch_same_init ($python lacks torch, scipy or numpy)"
    exit 0
fi

# A 24x20 8-bit image: a tilted ramp, a bright disc and a dark bar.
awk 'BEGIN {
    w = 24; h = 20
    printf "P2\n%d %d\n255\n", w, h
    for (y = 0; y < h; y++) {
        line = ""
        for (x = 0; x < w; x++) {
            v = 60 + 4 * x + 2 * y
            if ((x - 8) ^ 2 + (y - 9) ^ 2 < 25) v = 220
            if (x >= 15 && x < 19 && y >= 3 && y < 16) v = 30
            line = line sprintf("%d ", v)
        }
        print line
    }
}' > image.pgm

# compare NAME: the largest PSNR and relative loss differences of the two
# logs, and whether both have STEPS rows after the header.
compare() {
    awk -F, -v steps=$STEPS 'NR == FNR { if (FNR > 1) { loss[FNR] = $2; psnr[FNR] = $3 }; n1 = FNR; next }
        FNR > 1 {
            d = $3 - psnr[FNR]; if (d < 0) d = -d; if (d > dp) dp = d
            r = ($2 - loss[FNR]) / loss[FNR]; if (r < 0) r = -r; if (r > dl) dl = r
        }
        END {
            ok = n1 == steps + 1 && FNR == steps + 1 && dp < 1e-3 && dl < 1e-4
            printf "%s rows %d/%d psnr_diff %.3g loss_rel_diff %.3g\n", ok ? "same" : "differ", n1 - 1, FNR - 1, dp, dl
        }' "$1.torch.csv" "$1.siren.csv"
}

for supervise in gradient laplacian; do
    name="poisson_torch_same_init_$supervise"
    "$python" "$reference" poisson image.pgm --supervise $supervise --steps $STEPS $NET \
        --threads 1 --init-checkpoint $supervise.ckpt --log $supervise.torch.csv \
        > $supervise.torch.out 2> $supervise.torch.err &&
    "$bin" image.pgm --size 0 --supervise $supervise --steps $STEPS --threads 1 \
        --resume $supervise.ckpt --log $supervise.siren.csv --out out/$supervise \
        > $supervise.out 2> $supervise.err
    rc=$?
    verdict=$(compare $supervise 2>&1)
    case "$rc $verdict" in
        "0 same "*) ok "$name" ;;
        *) fail "$name" "exit $rc: $verdict" "$(tail -n 2 $supervise.torch.err $supervise.err)" ;;
    esac
done

# The log: a header and one line per step, steps counted from 1.
if [ "$(head -n 1 gradient.siren.csv)" = "step,loss,psnr_db,seconds" ] &&
   [ "$(tail -n 1 gradient.siren.csv | cut -d , -f 1)" = "$STEPS" ]; then
    ok poisson_log_rows
else
    fail poisson_log_rows "$(head -n 2 gradient.siren.csv)" "$(tail -n 1 gradient.siren.csv)"
fi
