#!/bin/sh
# readme_example.sh - the C example in README.md is examples/minimal/
# derivatives.c, byte for byte, and it compiles without warnings and runs,
# and so do the README's lines that build it against an installed copy
# (make install PREFIX=..., PKG_CONFIG_PATH, the bare `cc examples/minimal/
# derivatives.c $(pkg-config --cflags --libs siren) && ./a.out`, with no
# LD_LIBRARY_PATH): the README never shows code that does not work or that
# the repository does not keep.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
make=${MAKE:-make}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
two_lines() { [ "$(grep -c '^f = .* grad = (.*) *lap = ' "$1")" -eq 2 ]; }
awk '/^```c$/ {inside = 1; next} /^```$/ {if (inside) exit} inside' "$root/README.md" > "$tmp/example.c"
if cmp -s "$tmp/example.c" "$root/examples/minimal/derivatives.c"; then
    echo "ok the README's C example is examples/minimal/derivatives.c"
else
    echo "FAIL the README's C example is examples/minimal/derivatives.c"
    diff "$tmp/example.c" "$root/examples/minimal/derivatives.c" | head -10 | sed 's/^/  /'
fi
if [ -s "$tmp/example.c" ] &&
   cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$root/include" "$tmp/example.c" -o "$tmp/example" \
       "$root/lib/libsiren.a" -lm -lpthread > "$tmp/log" 2>&1 &&
   "$tmp/example" > "$tmp/out" 2>&1 && two_lines "$tmp/out"; then
    echo "ok the README's C example compiles and runs"
else
    echo "FAIL the README's C example compiles and runs"
    sed 's/^/  /' "$tmp/log" "$tmp/out" 2>/dev/null | head -20
fi

# The README's install-and-build lines, with $HOME a scratch directory.
sed -n '/^Build it against an installed copy:$/,/^`siren.pc`/p' "$root/README.md" |
    sed -n 's/^    //p' > "$tmp/lines.sh"
mkdir "$tmp/home"
mkdir -p "$tmp/examples/minimal" && cp "$tmp/example.c" "$tmp/examples/minimal/derivatives.c"
if grep -q '^cc examples/minimal/derivatives.c \$(pkg-config --cflags --libs siren) && ./a.out' "$tmp/lines.sh" &&
   (cd "$tmp" && env -i PATH="$PATH" HOME="$tmp/home" MAKEFLAGS= \
        sh -e -c "cd '$root' && $(sed -n 1p "$tmp/lines.sh" | sed "s|^make|$make -s|")" &&
    env -i PATH="$PATH" HOME="$tmp/home" sh -e -c "$(sed 1d "$tmp/lines.sh")") \
        > "$tmp/out" 2>&1 && two_lines "$tmp/out" &&
   ! readelf -d "$tmp/a.out" | grep -q 'NEEDED.*libsiren\.a' &&
   readelf -d "$tmp/a.out" | grep -q 'NEEDED.*libsiren\.so\.1'; then
    echo "ok the README's lines build the example against make install PREFIX=... and run it"
else
    echo "FAIL the README's lines build the example against make install PREFIX=... and run it"
    sed 's/^/  /' "$tmp/lines.sh" "$tmp/out" 2>/dev/null | head -20
fi
$make -s -C "$root" uninstall PREFIX="$tmp/home/.local" > /dev/null 2>&1
