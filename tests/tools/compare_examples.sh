#!/bin/sh
# compare_examples.sh - runs every example program of two builds on the
# same set of command lines and compares what they do, byte for byte: the
# exit status of each command, stdout and stderr, and every file written.
# It proves that a change of the examples' code keeps their behaviour.
#
#   sh tests/tools/compare_examples.sh OLD_BIN NEW_BIN [WORK_DIR]
#
# OLD_BIN and NEW_BIN are the bin/ directories of the two builds (e.g. one
# of a clean checkout of main in /tmp). NEW_ARGS, when set, is put before
# the arguments of every run of NEW_BIN's programs but --help runs (e.g.
# NEW_ARGS="--format pnm" to select the old output format in a build whose
# default changed); NEW_ARGS_PROGRAMS, when set, limits it to the programs
# it names (space-separated), and NEW_ARGS_NAME, when set, replaces it for
# program NAME (e.g. NEW_ARGS_fit_sdf="--picture 0"). ONLY, when set, is a shell pattern: only the cases
# whose names match it run (e.g. ONLY='image_*'). WORK_DIR (default: a
# temporary directory, removed at the end) keeps the runs for inspection.
#
# Compared as they are: exit statuses, files (images, models, checkpoints,
# meshes, sounds, transforms). Compared after removing what depends on the
# clock: the "seconds" fields of result lines (seconds=, seconds_per_step=,
# train_seconds=, ...), the rate and ETA of progress lines, and the seconds
# column of --log CSV files. The runs are short (a few training steps on
# small inputs) so that no progress line falls due on the clock alone.
#
# Prints one line per case ("same NAME" or "DIFF NAME" with the first
# differences) and a summary "N cases, M commands, F files compared: K
# differ"; the exit status is 0 when nothing differs. Needs /usr/bin/python3
# (with numpy) to make the test sound, and python3-skimage for the faces of
# hypernet (its cases are skipped without them).
old_bin=$(cd "$1" && pwd) || exit 2
new_bin=$(cd "$2" && pwd) || exit 2
root=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
python=${PYTHON:-/usr/bin/python3}
if [ -n "$3" ]; then
    work=$3
    rm -rf "$work" && mkdir -p "$work" || exit 2
else
    work=$(mktemp -d) || exit 2
    trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
in="$work/inputs"
mkdir -p "$in"

# ---------------------------------------------------------------- inputs
cp "$root/data/camera.pgm" "$in/camera.pgm"
# A 16-bit ASCII PPM, 6x4.
{
    printf 'P3\n# a 6x4 gradient\n6 4\n65535\n'
    for y in 0 1 2 3; do
        for x in 0 1 2 3 4 5; do printf '%d %d %d\n' $((x * 10000)) $((y * 20000)) 30000; done
    done
} > "$in/rgb.ppm"
# A source for poisson_edit: the camera mirrored, and a mask.
"$python" - "$in" <<'EOF' || exit 2
import sys, numpy as np
d = sys.argv[1]
def read_pgm(path):
    data = open(path, "rb").read()
    parts = data.split(maxsplit=4)
    w, h = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][:w * h], np.uint8).reshape(h, w)
def write_pgm(path, img):
    h, w = img.shape
    open(path, "wb").write(b"P5\n%d %d\n255\n" % (w, h) + img.astype(np.uint8).tobytes())
cam = read_pgm(d + "/camera.pgm")
write_pgm(d + "/mirror.pgm", cam[:, ::-1])
mask = np.zeros(cam.shape, np.uint8)
mask[100:300, 150:350] = 255
write_pgm(d + "/mask.pgm", mask)
# Sounds: a chirp, 16-bit mono; a stereo 8-bit pair of tones; a float one.
def write_wav(path, samples, rate, fmt, bits):
    frames, channels = samples.shape
    if fmt == 3:
        body = samples.astype("<f4").tobytes()
    elif bits == 8:
        body = np.clip(np.round(samples * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    else:
        body = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2").tobytes()
    block = channels * bits // 8
    fmt_chunk = (b"fmt " + (16).to_bytes(4, "little") + fmt.to_bytes(2, "little") +
                 channels.to_bytes(2, "little") + rate.to_bytes(4, "little") +
                 (rate * block).to_bytes(4, "little") + block.to_bytes(2, "little") +
                 bits.to_bytes(2, "little"))
    data_chunk = b"data" + len(body).to_bytes(4, "little") + body
    riff = b"WAVE" + fmt_chunk + data_chunk
    open(path, "wb").write(b"RIFF" + len(riff).to_bytes(4, "little") + riff)
t = np.arange(2000) / 8000.0
write_wav(d + "/chirp.wav", (0.6 * np.sin(2 * np.pi * (200 + 1500 * t) * t))[:, None], 8000, 1, 16)
st = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)], 1)
write_wav(d + "/stereo8.wav", st[:800], 8000, 1, 8)
write_wav(d + "/float.wav", st[:600, :1], 8000, 3, 32)
# Streamed: the sizes a pipe writer leaves (wav.h), with a partial frame;
# and a whole "data" chunk in a RIFF of placeholder size.
raw = bytearray(open(d + "/chirp.wav", "rb").read())
riff = raw[:]
riff[4:8] = (0xFFFFFFFF).to_bytes(4, "little")
open(d + "/riff_streamed.wav", "wb").write(riff)
raw[4:8] = (0xFFFFFFFF).to_bytes(4, "little")
raw[40:44] = (0xFFFFFFFF).to_bytes(4, "little")
open(d + "/streamed.wav", "wb").write(raw[:44 + 1200] + b"\x01")
EOF
# Frames: a disc moving over a ramp, 5 frames of 16x16, grey and colour.
for kind in pgm ppm; do
    mkdir -p "$in/frames_$kind"
    awk -v dir="$in/frames_$kind" -v kind=$kind 'BEGIN { n = 16
        for (f = 0; f < 5; f++) {
            file = sprintf("%s/f%d.%s", dir, f + 1, kind)
            printf "%s\n%d %d\n255\n", kind == "ppm" ? "P3" : "P2", n, n > file
            for (y = 0; y < n; y++) { line = ""
                for (x = 0; x < n; x++) {
                    v = int(40 + 100 * x / n)
                    if ((x - 4 - 2 * f) ^ 2 + (y - 7) ^ 2 < 9) v = 230
                    line = line (kind == "ppm" ? sprintf("%d %d %d ", v, 255 - v, 128) : sprintf("%d ", v))
                }
                print line > file }
            close(file) } }'
done
# Shapes: a torus point cloud and a box mesh (OBJ of quads).
awk 'BEGIN { srand(1); pi = 3.14159265358979
    for (i = 0; i < 3000; i++) {
        u = 2 * pi * rand(); v = 2 * pi * rand(); R = 1.1; r = 0.5
        printf "%.6f %.6f %.6f %.6f %.6f %.6f\n", 3 + (R + r * cos(v)) * cos(u),
            -1 + (R + r * cos(v)) * sin(u), 2 + r * sin(v), cos(v) * cos(u), cos(v) * sin(u), sin(v)
    } }' > "$in/torus.xyz"
cat > "$in/box.obj" <<'EOF'
v -1 -1 -1
v 1 -1 -1
v 1 1 -1
v -1 1 -1
v -1 -1 1
v 1 -1 1
v 1 1 1
v -1 1 1
f 1 4 3 2
f 5 6 7 8
f 1 2 6 5
f 2 3 7 6
f 3 4 8 7
f 4 1 5 8
EOF
head -c 3000 /dev/urandom > "$in/garbage.pgm"
printf 'P5\n64 64\n255\n0123456789' > "$in/truncated.pgm"
faces=""
if "$python" "$root/examples/hypernet_data/convert_lfw.py" "$in/faces.pgm" --size 16 \
        > /dev/null 2>&1; then
    faces="$in/faces.pgm"
fi

# ------------------------------------------------------------ the cases
# case NAME 'COMMANDS': the commands (program names are shell functions
# running the build's binary) run in an empty directory, once per build.
cases=""
add() { cases="$cases$1
"; eval "body_$1=\$2"; }

I="$in"
IMG="--size 24 --width 24 --depth 1"
add image_train "fit_image $I/camera.pgm $IMG --steps 4 --out o/a --log o/a.csv"
add image_batch "fit_image $I/camera.pgm $IMG --steps 3 --batch 100 --chunk 37 --seed 3 --render 40 --bits 16 --resample area --out o/b --save o/b.model --threads 1"
add image_rgb "fit_image $I/rgb.ppm --size 12 --width 16 --depth 1 --steps 3 --out o/rgb"
add image_resume "fit_image $I/camera.pgm $IMG --steps 2 --checkpoint o/c.ckpt --log o/c.csv --out o/c1;
    fit_image $I/camera.pgm $IMG --steps 5 --resume o/c.ckpt --checkpoint o/c.ckpt --checkpoint-every 2 --log o/c.csv --width 99 --lr 2e-4 --out o/c2"
add image_nonfinite "fit_image $I/camera.pgm --size 16 --width 16 --depth 1 --steps 5 --lr 1e37 --threads 1 --checkpoint o/n.ckpt --out o/n"
add image_errors "fit_image $I/missing.pgm; fit_image $I/garbage.pgm; fit_image $I/truncated.pgm;
    fit_image $I/camera.pgm --bits 12; fit_image $I/camera.pgm --resample cubic; fit_image $I/camera.pgm --steps abc;
    fit_image $I/camera.pgm --lr 1e39; fit_image $I/camera.pgm --nope 3; fit_image $I/camera.pgm --steps; fit_image;
    fit_image $I/camera.pgm $I/camera.pgm; fit_image $I/camera.pgm --resume o/none.ckpt;
    fit_image $I/camera.pgm $IMG --steps 1 --save $I/camera.pgm; fit_image $I/camera.pgm $IMG --checkpoint-every 2"
add image_help "fit_image --help"

VID="--width 24 --depth 1 --batch 200 --chunk 64"
add video_dir "fit_video $I/frames_pgm $VID --steps 3 --out o/v --log o/v.csv"
add video_pattern "fit_video '$I/frames_ppm/f%d.ppm' $VID --steps 3 --size 10 --out o/p"
add video_resume "fit_video $I/frames_pgm $VID --steps 2 --checkpoint o/v.ckpt --out o/r1 --log o/r.csv;
    fit_video $I/frames_pgm $VID --steps 4 --resume o/v.ckpt --out o/r2 --log o/r.csv --sample-frac 0.5"
add video_errors "fit_video $I/nothing%d.pgm; fit_video '$I/frames_pgm/f%3d.pgm'; fit_video $I/frames_pgm --sample-frac 2;
    fit_video $I/frames_pgm $VID --steps 1 --save $I/frames_pgm/f1.pgm"
add video_help "fit_video --help"

AUD="--width 24 --depth 1 --first-omega 300"
add audio_mono "fit_audio $I/chirp.wav $AUD --steps 4 --out o/a --log o/a.csv"
add audio_stereo "fit_audio $I/stereo8.wav $AUD --steps 3 --out o/s; fit_audio $I/stereo8.wav $AUD --steps 3 --mono --out o/m"
add audio_float "fit_audio $I/float.wav $AUD --steps 3 --chunk 100 --out o/f"
add audio_resume "fit_audio $I/chirp.wav $AUD --steps 2 --checkpoint o/a.ckpt --out o/r1;
    fit_audio $I/chirp.wav $AUD --steps 4 --resume o/a.ckpt --out o/r2"
add audio_streamed "fit_audio $I/streamed.wav $AUD --steps 2 --out o/s; fit_audio $I/riff_streamed.wav $AUD --steps 2 --out o/r"
add audio_errors "fit_audio $I/camera.pgm; fit_audio $I/missing.wav; fit_audio $I/chirp.wav $AUD --steps 1 --out $I/chirp --save o/x"
add audio_help "fit_audio --help"

POI="--size 24 --width 24 --depth 1"
add poisson_grad "poisson $I/camera.pgm $POI --steps 3 --out o/g --log o/g.csv"
add poisson_lap "poisson $I/rgb.ppm --size 12 --width 16 --depth 1 --steps 3 --supervise laplacian --out o/l"
add poisson_resume "poisson $I/camera.pgm $POI --steps 2 --checkpoint o/p.ckpt --out o/r1;
    poisson $I/camera.pgm $POI --steps 4 --resume o/p.ckpt --out o/r2"
add poisson_errors "poisson $I/camera.pgm --supervise value; poisson $I/rgb.ppm --size 2"
add poisson_help "poisson --help"

ED="--size 24 --width 24 --depth 1 --steps 3"
add edit_default "poisson_edit $I/camera.pgm $I/mirror.pgm $ED --out o/d --log o/d.csv"
add edit_region "poisson_edit $I/camera.pgm $I/rgb.ppm $ED --region 3,4,10,8 --alpha 0.7 --out o/r"
add edit_mask "poisson_edit $I/camera.pgm $I/mirror.pgm $ED --mask $I/mask.pgm --out o/m"
add edit_resume "poisson_edit $I/camera.pgm $I/mirror.pgm $ED --checkpoint o/e.ckpt --out o/e1;
    poisson_edit $I/camera.pgm $I/mirror.pgm --size 24 --width 24 --depth 1 --steps 5 --resume o/e.ckpt --out o/e2"
add edit_errors "poisson_edit $I/camera.pgm; poisson_edit $I/camera.pgm $I/mirror.pgm --region 1,2,3;
    poisson_edit $I/camera.pgm $I/mirror.pgm --region 20,20,10,10 --size 24;
    poisson_edit $I/camera.pgm $I/mirror.pgm --region 1,1,2,2 --mask $I/mask.pgm"
add edit_help "poisson_edit --help"

HEL="--points 300 --source-points 30 --width 24 --depth 1 --grid 20 --chunk 128"
add helmholtz_train "helmholtz $HEL --steps 3 --out o/h"
add helmholtz_decay "helmholtz $HEL --steps 4 --lr-end 1e-6 --clip 1 --out o/d"
add helmholtz_resume "helmholtz $HEL --steps 2 --checkpoint o/h.ckpt --out o/r1;
    helmholtz $HEL --steps 4 --resume o/h.ckpt --checkpoint o/h.ckpt --out o/r2"
add helmholtz_errors "helmholtz --points 10 --source-points 10; helmholtz --pml-width 1; helmholtz --k 0"
add helmholtz_help "helmholtz --help"

WAV="--points 300 --source-points 30 --width 24 --depth 1 --grid 16 --variance 0.01 --fd-points 2 --chunk 128"
add wave_train "wave $WAV --steps 3 --out o/w"
add wave_pretrain "wave $WAV --steps 4 --pretrain-steps 2 --ramp-steps 1 --lr-end 1e-6 --lr-decay-steps 3 --times 0,0.2 --out o/p"
add wave_resume "wave $WAV --steps 2 --checkpoint o/w.ckpt --out o/r1;
    wave $WAV --steps 4 --resume o/w.ckpt --out o/r2"
add wave_errors "wave --times 0,0.5,0.2; wave --times 0,1; wave --points 10 --source-points 5; wave --steps 2 --pretrain-steps 2"
add wave_help "wave --help"

SDF="--width 24 --depth 1 --first-omega 5 --batch 200 --eval-points 500 --resolution 16 --samples 2000"
add sdf_cloud "fit_sdf $I/torus.xyz $SDF --steps 3 --out o/t"
add sdf_mesh "fit_sdf $I/box.obj $SDF --steps 3 --band 0 --out o/b"
add sdf_load "fit_sdf $I/torus.xyz $SDF --steps 2 --out o/t; fit_sdf $I/torus.xyz $SDF --load o/t.siren --out o/l;
    fit_sdf $I/torus.xyz $SDF --steps 2 --resolution 0 --out o/n"
add sdf_resume "fit_sdf $I/torus.xyz $SDF --steps 2 --checkpoint o/s.ckpt --out o/r1;
    fit_sdf $I/torus.xyz $SDF --steps 4 --resume o/s.ckpt --out o/r2"
add sdf_errors "fit_sdf $I/camera.pgm; fit_sdf $I/torus.xyz --resolution 1; fit_sdf $I/torus.xyz --load a --resume b"
add sdf_help "fit_sdf --help"

if [ -n "$faces" ]; then
    HN="--steps 3 --batch 4 --train 80 --width 16 --depth 1 --latent 8 --encoder-width 16"
    HN="$HN --hyper-width 16 --baseline-steps 3 --refine-steps 2 --draws 1 --grid-faces 2 --zoom 1"
    add hypernet_train "hypernet $faces $HN --save o/h.model --out o/h"
    add hypernet_load "hypernet $faces $HN --save o/h.model --out o/h; hypernet $faces $HN --load o/h.model --oracle-steps 2 --out o/l"
fi
add hypernet_errors "hypernet $I/camera.pgm --encoder tanh; hypernet $I/camera.pgm --context-min 9 --context-max 3"
add hypernet_help "hypernet --help"

add eval_demo "eval_demo; eval_demo --points 3 --seed 7 --threads 1"
add eval_errors "eval_demo --points 0; eval_demo extra"
add eval_help "eval_demo --help"

# ------------------------------------------------------------- running
# run_case SIDE BIN NAME: the case's commands, each one's exit status
# appended to status.txt.
run_case() {
    dir="$work/$1/$3"
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        for p in fit_image fit_video fit_audio poisson poisson_edit helmholtz wave fit_sdf \
                 hypernet eval_demo; do
            eval "$p() { run_one $2/$p \"\$@\"; }"
        done
        run_one() {
            prog=$1
            shift
            pre=""
            case " $* " in *" --help "*) ;; *) [ "$side" = new ] && pre=$NEW_ARGS ;; esac
            case " ${NEW_ARGS_PROGRAMS:-$(basename "$prog")} " in
            *" $(basename "$prog") "*) ;;
            *) pre="" ;;
            esac
            eval "own=\${NEW_ARGS_$(basename "$prog"):-}"
            case " $* " in *" --help "*) ;; *) [ "$side" = new ] && [ -n "$own" ] && pre=$own ;; esac
            "$prog" $pre "$@" >> stdout.raw 2>> stderr.raw < /dev/null
            echo "$(basename "$prog") $?" >> status.txt
        }
        side=$1
        eval "body=\$body_$3"
        eval "$body"
    )
}

# What depends on the clock goes; the rest is compared as it is.
normalise() {
    sed -e 's/\([a-z_]*seconds[a-z_]*\)=[0-9.e+-]*/\1=T/g' \
        -e 's/  [0-9.e+-]* steps\/s  ETA .*/  R steps\/s  ETA T/' "$1"
}

total=0 commands=0 files=0 differ=0
for name in $cases; do
    # shellcheck disable=SC2254
    case $name in ${ONLY:-*}) ;; *) continue ;; esac
    run_case old "$old_bin" "$name"
    run_case new "$new_bin" "$name"
    a="$work/old/$name" b="$work/new/$name" msgs=""
    for f in stdout stderr; do
        normalise "$a/$f.raw" > "$a/$f.txt" 2> /dev/null
        normalise "$b/$f.raw" > "$b/$f.txt" 2> /dev/null
        rm -f "$a/$f.raw" "$b/$f.raw"
    done
    (cd "$a" && find . -type f | sort) > "$work/list.old"
    (cd "$b" && find . -type f | sort) > "$work/list.new"
    if ! cmp -s "$work/list.old" "$work/list.new"; then
        msgs="files differ: $(diff "$work/list.old" "$work/list.new" | grep '^[<>]' | tr '\n' ' ')"
    fi
    while read -r f; do
        [ -f "$b/$f" ] || continue
        files=$((files + 1))
        case $f in
        *.csv) cut -d, -f1-3 "$a/$f" > "$work/x.old"; cut -d, -f1-3 "$b/$f" > "$work/x.new"
               cmp -s "$work/x.old" "$work/x.new" || msgs="$msgs $f" ;;
        *) cmp -s "$a/$f" "$b/$f" || msgs="$msgs $f" ;;
        esac
    done < "$work/list.old"
    total=$((total + 1))
    commands=$((commands + $(wc -l < "$a/status.txt")))
    if [ -z "$msgs" ]; then
        echo "same $name ($(wc -l < "$a/status.txt") commands: $(cut -d ' ' -f 2 "$a/status.txt" | tr '\n' ' '))"
    else
        differ=$((differ + 1))
        echo "DIFF $name:$msgs"
        for f in stdout.txt stderr.txt status.txt; do
            cmp -s "$a/$f" "$b/$f" || diff "$a/$f" "$b/$f" | head -10 | sed 's/^/    /'
        done
    fi
done
echo "$total cases, $commands commands, $files files compared: $differ differ"
[ "$differ" -eq 0 ]
