#!/bin/sh
# readme_example.sh - the C example in README.md is examples/minimal/
# derivatives.c, byte for byte, and it compiles without warnings and runs:
# the README never shows code that does not work or that the repository
# does not keep.
root=${SIREN_ROOT:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
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
   "$tmp/example" > "$tmp/out" 2>&1 && [ "$(grep -c '^f = .* grad = (.*) *lap = ' "$tmp/out")" -eq 2 ]; then
    echo "ok the README's C example compiles and runs"
else
    echo "FAIL the README's C example compiles and runs"
    sed 's/^/  /' "$tmp/log" "$tmp/out" 2>/dev/null | head -20
fi
