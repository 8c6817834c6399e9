#!/bin/sh
# symbols.sh - the shared library exports exactly the symbols listed in
# src/libsiren.map, each in version LIBSIREN_1, and every one of them is
# declared in include/siren.h.
root=${SIREN_ROOT:-.}
lib=${SIREN_LIBRARY:-$root/lib/libsiren.so.1.0.0}
listed=$(sed -n 's/^ *\(siren_[a-z0-9_]*\);$/\1/p' "$root/src/libsiren.map" | sort)
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | sed 's/@.*//' | grep -v '^LIBSIREN' | sort)
if [ -n "$listed" ] && [ "$listed" = "$exported" ]; then
    echo "ok exported symbols equal src/libsiren.map"
else
    echo "FAIL exported symbols equal src/libsiren.map"
    echo "$listed" > /tmp/siren_listed.$$; echo "$exported" > /tmp/siren_exported.$$
    diff /tmp/siren_listed.$$ /tmp/siren_exported.$$ | sed 's/^/  /'
    rm -f /tmp/siren_listed.$$ /tmp/siren_exported.$$
fi
versioned=$(objdump -T "$lib" | awk '/ siren_/ && $(NF-1) != "LIBSIREN_1" {print $NF}')
if [ -z "$versioned" ]; then
    echo "ok every symbol has version LIBSIREN_1"
else
    echo "FAIL every symbol has version LIBSIREN_1: $versioned"
fi
missing=""
for s in $listed; do
    grep -q "\b$s(" "$root/include/siren.h" || missing="$missing $s"
done
if [ -z "$missing" ]; then
    echo "ok every exported symbol is declared in siren.h"
else
    echo "FAIL every exported symbol is declared in siren.h:$missing"
fi
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
if [ "$soname" = "libsiren.so.1" ]; then
    echo "ok soname is libsiren.so.1"
else
    echo "FAIL soname is libsiren.so.1 (got '$soname')"
fi
