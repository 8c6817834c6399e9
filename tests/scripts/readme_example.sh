#!/bin/sh
# readme_example.sh - the C example in README.md compiles without warnings
# and runs: the README never shows code that does not work.
root=${SIREN_ROOT:-.}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/ {inside = 1; next} /^```$/ {if (inside) exit} inside' "$root/README.md" > "$tmp/example.c"
if [ -s "$tmp/example.c" ] &&
   cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$root/include" "$tmp/example.c" -o "$tmp/example" \
       "$root/lib/libsiren.a" -lm -lpthread > "$tmp/log" 2>&1 &&
   "$tmp/example" > "$tmp/out" 2>&1 && [ "$(grep -c '^f = .* grad = (.*) *lap = ' "$tmp/out")" -eq 2 ]; then
    echo "ok the README's C example compiles and runs"
else
    echo "FAIL the README's C example compiles and runs"
    sed 's/^/  /' "$tmp/log" "$tmp/out" 2>/dev/null | head -20
fi
