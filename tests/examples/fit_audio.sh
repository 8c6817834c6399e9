#!/bin/sh
# fit_audio.sh - examples/fit_audio end to end: it fits a synthesised
# chirp (and, when espeak-ng is installed, a spoken word) above an SNR
# bar, writes a WAV in the input's format for 8/16/24-bit PCM and 32-bit
# float, mono and stereo, reads a WAV written to a pipe (placeholder
# sizes: espeak-ng --stdout's, ffmpeg's, a zero RIFF size) with one note
# line saying what was read, refuses a placeholder "data" size inside an
# exact RIFF size and other bad input with one line on stderr and exit
# status 1, never a crash, refuses outputs that would overwrite the input or one another, continues a
# --checkpoint with --resume bit for bit (and its --log), and still writes
# its outputs after Ctrl-C (exit status 130).
# Prints "ok NAME" / "FAIL NAME" / "SKIP NAME" lines (tests/run.sh counts
# them).
#
# The network is narrower than the default (64 or 96 wide, 2 hidden
# layers) so that the test takes seconds; the default is the reference's.
root=$(cd "${SIREN_ROOT:-.}" && pwd) || exit 1
bin="$root/bin/fit_audio"
python=${PYTHON:-/usr/bin/python3}
# Measured (seeds 0-2, 150 steps): chirp 23.8-26.4 dB; espeak-ng "hello"
# at 300 words/min, 96 wide: 19.4-27.1 dB. Silence (f = 0) scores 0 dB.
CHIRP_BAR=16
SPEECH_BAR=14

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$root/tests/report.sh"

if [ ! -x "$bin" ]; then
    fail fit_audio_built "$bin is missing (make examples)"
    exit 1
fi

# make_wav OUT RATE SECONDS CHANNELS FORMAT: a linear chirp from 200 Hz to
# rate/4 (the second channel at half the amplitude); FORMAT is u8, s16,
# s24 or f32. Written byte by byte, so the test checks our reader against
# an independent writer.
make_wav() {
    "$python" - "$@" <<'EOF'
import math, struct, sys
out, rate, secs, ch, fmt = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
n = int(rate * secs)
data = bytearray()
for i in range(n):
    t = i / rate
    x = 0.6 * math.sin(2 * math.pi * (200 * t + (rate / 4 - 200) * t * t / (2 * secs)))
    x *= min(1.0, t * 40)
    for c in range(ch):
        v = x if c == 0 else 0.5 * x
        if fmt == "u8":
            data += struct.pack("<B", int(round(v * 127)) + 128)
        elif fmt == "s16":
            data += struct.pack("<h", int(round(v * 32767)))
        elif fmt == "s24":
            data += struct.pack("<i", int(round(v * 8388607)))[:3]
        else:
            data += struct.pack("<f", v)
bits = {"u8": 8, "s16": 16, "s24": 24, "f32": 32}[fmt]
tag = 3 if fmt == "f32" else 1
block = ch * bits // 8
fmt_chunk = struct.pack("<HHIIHH", tag, ch, rate, rate * block, block, bits)
body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt_chunk
body += b"LIST" + struct.pack("<I", 5) + b"INFOx\0"  # an odd chunk to skip
body += b"data" + struct.pack("<I", len(data)) + bytes(data)
with open(out, "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", len(body)) + body)
EOF
}

# streamed IN OUT RIFF DATA: IN with its RIFF and "data" sizes replaced by
# RIFF and DATA (integers), as a streaming writer leaves them.
streamed() {
    "$python" - "$@" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
b[4:8] = struct.pack("<I", int(sys.argv[3], 0))
i = b.index(b"data", 12) + 4
b[i:i + 4] = struct.pack("<I", int(sys.argv[4], 0))
open(sys.argv[2], "wb").write(b)
EOF
}

# data_bytes FILE: the bytes from the first byte of FILE's "data" chunk to
# the end of the file.
data_bytes() {
    "$python" -c "
import sys; b = open(sys.argv[1], 'rb').read(); print(len(b) - b.index(b'data', 12) - 8)" "$1"
}

# check_streamed NAME WAV DECLARED: a short fit of a streamed WAV (16-bit
# mono, its "data" size a placeholder) succeeds, with exactly one note on
# stderr saying what the size field says, what follows the data chunk's
# header and what was read instead (whole frames: a final odd byte is a
# partial frame), and fits every whole frame.
check_streamed() {
    name=$1 wav=$2 declared=$3
    present=$(data_bytes "$wav")
    frames=$((present / 2))
    note="fit_audio: note: $wav: the \"data\" chunk's size field says $declared bytes, but"
    note="$note $present follow its header (a streamed WAV); reading $frames frames up to the"
    note="$note end of the file"
    [ $((present % 2)) -eq 1 ] && note="$note, less a partial frame of 1 byte"
    check_note "$name" "$wav" "$note" "$frames"
}

# check_note NAME WAV NOTE FRAMES: a short fit of WAV succeeds with NOTE
# as the one note on stderr, fitting FRAMES frames (16-bit mono).
check_note() {
    name=$1 wav=$2 note=$3 frames=$4
    "$bin" "$wav" --width 16 --depth 1 --steps 2 --threads 1 --out "$tmp/$name/x" \
        > "$tmp/$name.out" 2> "$tmp/$name.err"
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$(grep -c 'note:' "$tmp/$name.err")" -eq 1 ] &&
       [ "$(grep 'note:' "$tmp/$name.err")" = "$note" ] &&
       grep -q "^result: .* frames=$frames " "$tmp/$name.out" &&
       [ "$(wav_format "$tmp/$name/x.wav" 2>&1 | cut -d ' ' -f 5)" = "$frames" ]; then
        ok "fit_audio_reads_$name"
    else
        fail "fit_audio_reads_$name" "exit $rc, want: $note" "$(head -n 2 "$tmp/$name.err")" \
            "$(tail -n 1 "$tmp/$name.out")"
    fi
}

# wav_format FILE: "tag channels rate bits frames" from the header of a
# file that fit_audio wrote (fmt chunk first, data chunk last).
wav_format() {
    "$python" - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:4] == b"RIFF" and b[8:12] == b"WAVE"
pos, fmt, frames = 12, None, None
while pos + 8 <= len(b):
    cid, size = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
    if cid == b"fmt ":
        fmt = struct.unpack("<HHIIHH", b[pos + 8:pos + 24])
    elif cid == b"data":
        frames = size // fmt[4]
    pos += 8 + size + (size & 1)
print(fmt[0], fmt[1], fmt[2], fmt[5], frames)
EOF
}

# fit NAME BAR WAV OPTIONS...: fits, checks the SNR bar and the result line.
fit() {
    name=$1 bar=$2 wav=$3
    shift 3
    "$bin" "$wav" "$@" --out "$tmp/$name/fit" > "$tmp/$name.out" 2> "$tmp/$name.err"
    rc=$?
    last=$(tail -n 1 "$tmp/$name.out")
    snr=$(echo "$last" | sed -n 's/^result: snr_db=\([-0-9.]*\) .*/\1/p')
    if [ "$rc" -eq 0 ] && [ -n "$snr" ] && awk "BEGIN { exit !($snr >= $bar) }"; then
        ok "fit_audio_${name}_snr_above_$bar"
        echo "  snr_db=$snr"
    else
        fail "fit_audio_${name}_snr" "exit $rc, last line: $last" "$(tail -n 3 "$tmp/$name.err")"
    fi
}

# ------------------------------------------------------------ the fits
make_wav "$tmp/chirp.wav" 8000 0.25 1 s16
fit chirp "$CHIRP_BAR" "$tmp/chirp.wav" --width 64 --depth 2 --steps 150 --seed 0
case "$(tail -n 1 "$tmp/chirp.out")" in
    "result: snr_db="*" steps=150 seconds="*" frames=2000 rate=8000 channels=1") ok fit_audio_result_line ;;
    *) fail fit_audio_result_line "last stdout line: $(tail -n 1 "$tmp/chirp.out")" ;;
esac
got=$(wav_format "$tmp/chirp/fit.wav" 2>&1)
if [ "$got" = "1 1 8000 16 2000" ] && [ -s "$tmp/chirp/fit.siren" ]; then
    ok fit_audio_writes_wav_in_input_format
else
    fail fit_audio_writes_wav_in_input_format "header: $got"
fi

if command -v espeak-ng > /dev/null 2>&1; then
    espeak-ng -w "$tmp/speech.wav" -s 300 "hello" 2> /dev/null
    fit speech_espeak_ng "$SPEECH_BAR" "$tmp/speech.wav" --width 96 --depth 2 --steps 150 --seed 0
else
    echo "SKIP fit_audio_speech_espeak_ng (espeak-ng is not installed)"
fi

# A WAV written to a pipe: espeak-ng --stdout leaves 0x7FFFF000 as the
# "data" size (and 36 more as the RIFF size); ffmpeg 0xFFFFFFFF for both.
if command -v espeak-ng > /dev/null 2>&1; then
    espeak-ng --stdout "one two three" > "$tmp/stdout.wav" 2> /dev/null
    check_streamed espeak_ng_stdout "$tmp/stdout.wav" 2147479552
else
    echo "SKIP fit_audio_reads_espeak_ng_stdout (espeak-ng is not installed)"
fi
streamed "$tmp/chirp.wav" "$tmp/ffmpeg_pipe.wav" 0xFFFFFFFF 0xFFFFFFFF
check_streamed ffmpeg_pipe "$tmp/ffmpeg_pipe.wav" 4294967295
# Cut off in the middle of a frame: the whole frames are read, and the
# note says a partial frame was left.
cp "$tmp/ffmpeg_pipe.wav" "$tmp/partial.wav"
printf 'x' >> "$tmp/partial.wav"
check_streamed partial_frame "$tmp/partial.wav" 4294967295
# The RIFF size a placeholder (0), the "data" chunk's exact: the note
# gives the field as written (0, not the 8 bytes it would make) and the
# bytes after it (the file's length less 8).
chirp_bytes=$(wc -c < "$tmp/chirp.wav")
chirp_frames=$(($(data_bytes "$tmp/chirp.wav") / 2))
streamed "$tmp/chirp.wav" "$tmp/zero_riff.wav" 0 $((chirp_frames * 2))
check_note zero_riff "$tmp/zero_riff.wav" "fit_audio: note: $tmp/zero_riff.wav: the RIFF chunk's \
size field says 0 bytes, but $((chirp_bytes - 8)) follow it (a streamed WAV); reading its chunks \
up to the end of the file" "$chirp_frames"

# One frame is "1 frame" in the banner.
"$python" -c "
import struct, sys
fmt = struct.pack('<HHIIHH', 1, 1, 8000, 16000, 2, 16)
body = b'WAVEfmt ' + struct.pack('<I', 16) + fmt + b'data' + struct.pack('<Ih', 2, 1000)
open(sys.argv[1], 'wb').write(b'RIFF' + struct.pack('<I', len(body)) + body)" "$tmp/one.wav"
"$bin" "$tmp/one.wav" --width 4 --depth 0 --steps 1 --threads 1 --out "$tmp/one/x" \
    > "$tmp/one.out" 2> "$tmp/one.err"
if grep -q "^fit_audio: .*one.wav, 1 frame at 8000 Hz" "$tmp/one.err"; then
    ok fit_audio_banner_one_frame
else
    fail fit_audio_banner_one_frame "$(head -n 1 "$tmp/one.err")"
fi

# Every sample format and stereo: the output keeps the input's format,
# and a short fit is good (measured 28.5 to 33.8 dB for seed 0).
for spec in "u8 1" "s24 2" "f32 2" "s16 2"; do
    set -- $spec
    make_wav "$tmp/$1_$2.wav" 4000 0.2 "$2" "$1"
    "$bin" "$tmp/$1_$2.wav" --width 64 --depth 2 --steps 200 --out "$tmp/fmt/$1_$2" \
        > "$tmp/fmt.out" 2> "$tmp/fmt.err"
    rc=$?
    snr=$(tail -n 1 "$tmp/fmt.out" | sed -n 's/^result: snr_db=\([-0-9.]*\) .*/\1/p')
    want_tag=1 want_bits=${1#?}
    [ "$1" = f32 ] && want_tag=3
    [ "$1" = u8 ] && want_bits=8
    got=$(wav_format "$tmp/fmt/$1_$2.wav" 2>&1)
    if [ "$rc" -eq 0 ] && [ "$got" = "$want_tag $2 4000 $want_bits 800" ] && [ -n "$snr" ] &&
       awk "BEGIN { exit !($snr >= 20) }"; then
        ok "fit_audio_format_$1_$2ch"
        echo "  snr_db=$snr"
    else
        fail "fit_audio_format_$1_$2ch" "exit $rc, header '$got', snr '$snr'" "$(tail -n 2 "$tmp/fmt.err")"
    fi
done
"$bin" "$tmp/s16_2.wav" --mono --width 16 --depth 1 --steps 2 --out "$tmp/mono/x" > "$tmp/mono.out" 2>&1
if [ "$(wav_format "$tmp/mono/x.wav" 2>&1)" = "1 1 4000 16 800" ]; then
    ok fit_audio_mono_mixes_stereo
else
    fail fit_audio_mono_mixes_stereo "$(tail -n 2 "$tmp/mono.out")"
fi

# ------------------------------------------------------- bad input

good="$tmp/chirp.wav"
head -c 3000 /dev/urandom > "$tmp/garbage.wav"
: > "$tmp/empty.wav"
: > "$tmp/a_file"
head -c 1000 "$good" > "$tmp/truncated.wav"
head -c 44 "$good" > "$tmp/header_only.wav"
# A placeholder "data" size where the RIFF size is exact (bytes after the
# RIFF chunk): not a streamed file, and no byte after the RIFF is read.
streamed "$good" "$tmp/exact_riff.wav" $(($(wc -c < "$good") - 8)) 0xFFFFFFFF
head -c 128 /dev/zero | tr '\0' U >> "$tmp/exact_riff.wav"
# 12-bit PCM: patch the bits field (byte 34) of the fmt chunk.
"$python" -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[34] = 12
open(sys.argv[2], 'wb').write(b)" "$good" "$tmp/12bit.wav"
# Silence: every sample zero.
"$python" -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'data') + 8; b[i:] = bytes(len(b) - i)
open(sys.argv[2], 'wb').write(b)" "$good" "$tmp/silent.wav"

expect_error missing_file "$tmp/does-not-exist.wav"
expect_error garbage_file "$tmp/garbage.wav"
expect_error empty_file "$tmp/empty.wav"
expect_error truncated_file "$tmp/truncated.wav"
expect_error header_only "$tmp/header_only.wav"
expect_error placeholder_data_in_exact_riff "$tmp/exact_riff.wav" --width 8 --depth 1 --steps 1 \
    --threads 1 --out "$tmp/exact/x"
if grep -q 'truncated: chunk "data" at byte [0-9]* says 4294967295 bytes, [0-9]* remain in the RIFF chunk$' \
        "$tmp/bad.err"; then
    ok fit_audio_says_placeholder_data_in_exact_riff_is_truncated
else
    fail fit_audio_says_placeholder_data_in_exact_riff_is_truncated "$(cat "$tmp/bad.err")"
fi
expect_error unsupported_bits "$tmp/12bit.wav"
expect_error silent "$tmp/silent.wav"
expect_error directory_as_input "$tmp"
expect_error unwritable_out "$good" --steps 100000000 --out "$tmp/a_file/sub/x"
expect_error unwritable_save "$good" --steps 100000000 --save "$tmp/a_file/m.siren"
expect_error bad_steps "$good" --steps abc
expect_error negative_omega "$good" --first-omega -3
expect_error unknown_option "$good" --no-such-option 3
expect_error no_input --steps 10
expect_error two_inputs "$good" "$good"
expect_error missing_checkpoint "$good" --resume "$tmp/none.ckpt"
expect_error unwritable_checkpoint "$good" --steps 100000000 --checkpoint "$tmp/a_file/c.ckpt"
expect_error unwritable_log "$good" --steps 100000000 --log "$tmp/a_file/l.csv"
# Outputs never overwrite the input or one another (before any training).
cp "$good" "$tmp/in.wav"
expect_error out_over_input "$tmp/in.wav" --steps 100000000 --threads 1 --out "$tmp/in"
expect_error save_over_input "$tmp/in.wav" --steps 100000000 --threads 1 --save "$tmp/in.wav"
expect_error log_over_input "$tmp/in.wav" --steps 100000000 --threads 1 --log "$tmp/in.wav"
expect_error checkpoint_over_input "$tmp/in.wav" --steps 100000000 --threads 1 \
    --checkpoint "$tmp/in.wav"
expect_error log_is_checkpoint "$good" --steps 100000000 --threads 1 --checkpoint "$tmp/c.ckpt" \
    --log "$tmp/c.ckpt"
expect_error save_is_wav "$good" --steps 100000000 --threads 1 --out "$tmp/o" --save "$tmp/o.wav"
if cmp -s "$good" "$tmp/in.wav"; then
    ok fit_audio_input_untouched
else
    fail fit_audio_input_untouched
fi

if "$bin" --help > "$tmp/help.out" 2>&1 && grep -q -- '--steps' "$tmp/help.out" &&
   grep -q -- '--seed' "$tmp/help.out" && grep -q -- '--out' "$tmp/help.out" &&
   grep -q -- '--threads' "$tmp/help.out" && grep -q -- '--log' "$tmp/help.out" &&
   grep -q -- 'channels (one with --mono)' "$tmp/help.out"; then
    ok fit_audio_help
else
    fail fit_audio_help "$(head -n 3 "$tmp/help.out")"
fi

# ---------------------------------------------------------- resume
check_resume_exact stereo 12 "$tmp/s16_2.wav" --width 32 --depth 1 --seed 1 --chunk 300

# --log: a header and a line per step; a resumed run appends to it.
if "$bin" "$good" --width 8 --depth 1 --steps 3 --threads 1 --checkpoint "$tmp/log.ckpt" \
       --log "$tmp/logs/run.csv" --out "$tmp/log/a" > /dev/null 2>&1 &&
   "$bin" "$good" --steps 5 --threads 1 --resume "$tmp/log.ckpt" --log "$tmp/logs/run.csv" \
       --out "$tmp/log/b" > /dev/null 2>&1 &&
   [ "$(head -n 1 "$tmp/logs/run.csv")" = "step,loss,snr_db,seconds" ] &&
   [ "$(cut -d , -f 1 "$tmp/logs/run.csv" | tr '\n' ' ')" = "step 1 2 3 4 5 " ]; then
    ok fit_audio_log_appends_on_resume
else
    fail fit_audio_log_appends_on_resume "$(cut -d , -f 1 "$tmp/logs/run.csv" 2>&1 | tr '\n' ' ')"
fi
check_ctrl_c "$tmp/s16_2.wav" --width 32 --depth 1
exit 0
