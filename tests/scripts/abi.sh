#!/bin/sh
# abi.sh - the built libsiren.so against the committed ABI baseline
# abi/libsiren.abi (abidw of the released library, Debian's abigail-tools).
# Any change to an existing interface fails: a function removed or with
# other types, a public struct whose size or members moved. Functions added
# since the baseline pass (they are listed; docs/ABI.md: allowed in a minor
# release). Without abidw/abidiff it prints SKIP lines and a notice.
#
#   sh tests/scripts/abi.sh            check (make check runs it)
#   sh tests/scripts/abi.sh --update   rewrite the baseline from lib/ - only when
#                              releasing, after the review docs/ABI.md asks for
root=$(cd "${SIREN_ROOT:-.}" && pwd)
lib=${SIREN_LIBRARY:-$root/lib/libsiren.so.1.0.0}
baseline="$root/abi/libsiren.abi"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! command -v abidw > /dev/null 2>&1 || ! command -v abidiff > /dev/null 2>&1; then
    echo "!!!!!! abi.sh: abidw/abidiff not found (Debian: apt-get install abigail-tools)." >&2
    echo "!!!!!! The ABI is NOT checked against abi/libsiren.abi." >&2
    echo "SKIP abi: the library's debug info describes every exported function (no abigail-tools)"
    echo "SKIP abi: no incompatible change against abi/libsiren.abi (no abigail-tools)"
    echo "SKIP abi: abidiff sees a grown struct and a removed function (no abigail-tools)"
    exit 0
fi

# The public interface only: types from include/, exported functions only,
# no paths or line numbers (so the baseline does not churn).
dump() {
    abidw --headers-dir "$root/include" --drop-private-types --exported-interfaces-only \
          --no-corpus-path --no-comp-dir-path --no-show-locs --out-file "$2" "$1"
}

if [ "$1" = "--update" ]; then
    dump "$lib" "$baseline" && echo "wrote $baseline from $lib" && exit 0
    exit 1
fi

if ! dump "$lib" "$tmp/current.abi" 2> "$tmp/log"; then
    echo "FAIL abi: abidw reads $lib"
    sed 's/^/  /' "$tmp/log"
    exit 1
fi

# Without DWARF for a function, abidiff could not see its types change.
symbols=$(grep -c "<elf-symbol name='siren_" "$tmp/current.abi")
described=$(grep -c "<function-decl name='siren_.*elf-symbol-id=" "$tmp/current.abi")
if [ "$symbols" -gt 0 ] && [ "$symbols" -eq "$described" ]; then
    echo "ok abi: the library's debug info describes every exported function ($symbols)"
else
    echo "FAIL abi: the library's debug info describes every exported function" \
         "($described of $symbols; build with -g)"
fi

abidiff --no-added-syms "$baseline" "$tmp/current.abi" > "$tmp/diff" 2>&1
status=$?
if [ $status -eq 0 ]; then
    echo "ok abi: no incompatible change against abi/libsiren.abi"
else
    # abidiff's status bits: 1 error, 2 usage, 4 change, 8 incompatible change.
    echo "FAIL abi: no incompatible change against abi/libsiren.abi (abidiff status $status)"
    sed 's/^/  /' "$tmp/diff" | head -60
    echo "  An intended change needs a new major version (docs/ABI.md); a reviewed"
    echo "  compatible one (a size-field struct grown at its end, at a minor release)"
    echo "  is recorded with: sh tests/scripts/abi.sh --update"
fi
abidiff "$baseline" "$tmp/current.abi" 2>/dev/null |
    sed -n "s/^  \[A\] 'function \(.*\)'.*/  note: added since the baseline: \1/p"

# The check itself must be able to fail: siren_config grown to 128 bytes,
# and siren_eval removed, in copies of the current dump.
config="class-decl name='siren_config' size-in-bits="
sed "s/$config'[0-9]*'/$config'1024'/" "$tmp/current.abi" > "$tmp/grown.abi"
sed "/elf-symbol name='siren_eval'/d" "$tmp/current.abi" > "$tmp/removed.abi"
abidiff --no-added-syms "$tmp/current.abi" "$tmp/grown.abi" > /dev/null 2>&1
grown=$?
abidiff --no-added-syms "$tmp/current.abi" "$tmp/removed.abi" > /dev/null 2>&1
removed=$?
if [ $grown -ne 0 ] && [ $removed -ne 0 ] && ! cmp -s "$tmp/current.abi" "$tmp/grown.abi"; then
    echo "ok abi: abidiff sees a grown struct and a removed function"
else
    echo "FAIL abi: abidiff sees a grown struct and a removed function (status $grown, $removed)"
fi
