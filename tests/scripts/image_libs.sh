#!/bin/sh
# image_libs.sh - the examples built with each image library but the
# default one (examples/image_lib.mk), in a copy of the tree: IMAGE_LIB=none
# (PGM/PPM only: what a machine without libpng or stb gets) and, when
# pkg-config or the header finds it, IMAGE_LIB=stb. Each build runs the
# image test (tests/examples/io/test_image_file.c) and bin/fit_image: with
# none, its default output is PGM, --format png is refused with one line,
# and the images are those of the default build's --format pnm; with stb,
# PNG at 8 bits, --bits 16 falls back to PGM with a note, and a JPEG is read.
# The none build is also without MPI (MPI=0, examples/mpi.mk), as a
# minimal machine's: its model is the default build's (with MPI when mpicc
# was found: the one-process step is the same fold), and mpirun -np 2
# makes it refuse with one message instead of running the job twice.
# Prints "ok NAME" / "FAIL NAME" / "SKIP NAME" lines (tests/run.sh).
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
make=${MAKE:-make}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

. "$root/tests/report.sh"

image="$root/data/camera.pgm"
SMALL="--size 24 --width 16 --depth 1 --steps 3"
targets="bin/fit_image build/tests/examples/io/test_image_file"

# build KIND [VARIABLE=VALUE...]: a copy of the tree built with
# IMAGE_LIB=KIND (and the variables) in $tmp/KIND.
build() {
    tree="$tmp/$1"
    kind=$1
    shift
    mkdir -p "$tree"
    (cd "$root" && cp -r Makefile src include examples tests fuzz data "$tree/") || return 1
    rm -rf "$tree/build" "$tree/bin" "$tree/lib"
    $make -s -C "$tree" IMAGE_LIB="$kind" "$@" $targets > "$tmp/$kind.log" 2>&1
}

# ------------------------------------------------------------------ none
if build none MPI=0; then
    ok image_lib_none_builds
else
    fail image_lib_none_builds "$(tail -5 "$tmp/none.log")"
    exit 1
fi
t="$tmp/none"
"$t/build/tests/examples/io/test_image_file" > "$tmp/none.test" 2>&1
rc=$?
sed 's/^\(ok\|FAIL\|SKIP\) /\1 image_lib_none: /' "$tmp/none.test" | grep -v '^#'
[ "$rc" -eq 0 ] || fail image_lib_none_test_exit "status $rc"

"$t/bin/fit_image" "$image" $SMALL --seed 1 --out "$tmp/n/x" > "$tmp/n.out" 2> "$tmp/n.err"
rc=$?
"$root/bin/fit_image" "$image" $SMALL --seed 1 --format pnm --out "$tmp/d/x" > /dev/null 2>&1
if [ "$rc" -eq 0 ] && [ -f "$tmp/n/x_recon.pgm" ] && [ ! -e "$tmp/n/x_recon.png" ] &&
   cmp -s "$tmp/n/x_recon.pgm" "$tmp/d/x_recon.pgm" && cmp -s "$tmp/n/x.siren" "$tmp/d/x.siren"; then
    ok image_lib_none_fit_image_writes_pgm_as_the_default_build_does
else
    fail image_lib_none_fit_image_writes_pgm_as_the_default_build_does "exit $rc" \
        "$(ls "$tmp/n" "$tmp/d" 2>&1 | tr '\n' ' ')" "$(tail -2 "$tmp/n.err")"
fi
"$t/bin/fit_image" "$image" $SMALL --format png --out "$tmp/n2/x" > /dev/null 2> "$tmp/n2.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l < "$tmp/n2.err")" -eq 1 ] &&
   grep -q '^fit_image: --format png: this build writes no PNG' "$tmp/n2.err"; then
    ok image_lib_none_refuses_format_png
else
    fail image_lib_none_refuses_format_png "exit $rc" "$(cat "$tmp/n2.err")"
fi
if command -v mpirun > /dev/null 2>&1; then
    mpirun --allow-run-as-root --oversubscribe -np 2 "$t/bin/fit_image" "$image" $SMALL \
        --out "$tmp/n3/x" > "$tmp/n3.out" 2> "$tmp/n3.err"
    rc=$?
    said=$(grep '^fit_image: ' "$tmp/n3.err")
    if [ "$rc" -ne 0 ] && [ "$(echo "$said" | wc -l)" -eq 1 ] && [ ! -e "$tmp/n3" ] &&
       echo "$said" | grep -q '^fit_image: started as one of 2 processes (mpirun -np 2?), but this build has no MPI'; then
        ok build_without_mpi_refuses_mpirun_np_2_with_one_message
    else
        fail build_without_mpi_refuses_mpirun_np_2_with_one_message "exit $rc" "$said"
    fi
else
    echo "SKIP build_without_mpi_refuses_mpirun_np_2_with_one_message (no mpirun)"
fi

# ------------------------------------------------------------------- stb
if ! pkg-config --exists stb 2>/dev/null && [ ! -f /usr/include/stb/stb_image.h ]; then
    echo "SKIP image_lib_stb: stb is not installed (Debian: libstb-dev)"
    exit 0
fi
if build stb; then
    ok image_lib_stb_builds
else
    fail image_lib_stb_builds "$(tail -5 "$tmp/stb.log")"
    exit 1
fi
t="$tmp/stb"
"$t/build/tests/examples/io/test_image_file" > "$tmp/stb.test" 2>&1
rc=$?
sed 's/^\(ok\|FAIL\|SKIP\) /\1 image_lib_stb: /' "$tmp/stb.test" | grep -v '^#'
[ "$rc" -eq 0 ] || fail image_lib_stb_test_exit "status $rc"
"$t/bin/fit_image" "$image" $SMALL --out "$tmp/s/x" > /dev/null 2> "$tmp/s.err" &&
"$t/bin/fit_image" "$tmp/s/x_recon.png" $SMALL --out "$tmp/s2/x" > /dev/null 2>> "$tmp/s.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(head -c 4 "$tmp/s/x_recon.png" | tail -c 3)" = PNG ] &&
   [ -f "$tmp/s2/x_grad.png" ]; then
    ok image_lib_stb_fit_image_writes_and_reads_png
else
    fail image_lib_stb_fit_image_writes_and_reads_png "exit $rc" "$(tail -2 "$tmp/s.err")"
fi
"$t/bin/fit_image" "$image" $SMALL --bits 16 --out "$tmp/s3/x" > /dev/null 2> "$tmp/s3.err"
rc=$?
if [ "$rc" -eq 0 ] && [ -f "$tmp/s3/x_recon.pgm" ] &&
   grep -q '^fit_image: note: --bits 16: writing PGM/PPM' "$tmp/s3.err"; then
    ok image_lib_stb_bits_16_writes_pgm
else
    fail image_lib_stb_bits_16_writes_pgm "exit $rc" "$(cat "$tmp/s3.err")"
fi
# A JPEG (made by Pillow when /usr/bin/python3 has it) is read by stb.
python=${PYTHON:-/usr/bin/python3}
if "$python" -c "from PIL import Image; Image.open('$image').save('$tmp/camera.jpg', quality=90)" \
        2> /dev/null; then
    if "$t/bin/fit_image" "$tmp/camera.jpg" $SMALL --out "$tmp/j/x" > "$tmp/j.out" 2> "$tmp/j.err" &&
       grep -q 'x_recon.png, .* (24x24)' "$tmp/j.out"; then
        ok image_lib_stb_fit_image_reads_jpeg
    else
        fail image_lib_stb_fit_image_reads_jpeg "$(tail -n 2 "$tmp/j.err")"
    fi
else
    echo "SKIP image_lib_stb_fit_image_reads_jpeg (no Pillow in $python to make one)"
fi
exit 0
