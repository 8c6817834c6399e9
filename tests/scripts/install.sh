#!/bin/sh
# install.sh - make install honours DESTDIR, PREFIX, LIBDIR, INCLUDEDIR and
# PKGCONFIGDIR; a program builds from the installed copy with nothing but
# pkg-config's flags, shared and static; make uninstall removes every file.
root=${SIREN_ROOT:-.}
make=${MAKE:-make}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
report() { if [ "$1" -eq 0 ]; then echo "ok $2"; else echo "FAIL $2"; sed 's/^/  /' "$tmp/log" | tail -15; fi; }

$make -s -C "$root" install DESTDIR="$tmp/stage" PREFIX=/opt/siren > "$tmp/log" 2>&1
ok=$?
for f in include/siren.h lib/libsiren.a lib/libsiren.so.1.0.0 lib/libsiren.so.1 lib/libsiren.so lib/pkgconfig/siren.pc; do
    [ -e "$tmp/stage/opt/siren/$f" ] || { echo "missing $f" >> "$tmp/log"; ok=1; }
done
[ "$(readlink "$tmp/stage/opt/siren/lib/libsiren.so.1")" = libsiren.so.1.0.0 ] || ok=1
# relocatable: every path relative to the .pc file itself
grep -q '^prefix=${pcfiledir}/../..$' "$tmp/stage/opt/siren/lib/pkgconfig/siren.pc" || ok=1
grep -q '^libdir=${pcfiledir}/..$' "$tmp/stage/opt/siren/lib/pkgconfig/siren.pc" || ok=1
! grep -q "/opt/siren\|$tmp" "$tmp/stage/opt/siren/lib/pkgconfig/siren.pc" \
    "$tmp/stage/opt/siren/lib/cmake/siren/"*.cmake || ok=1
grep -q '^Version: 1.0.0$' "$tmp/stage/opt/siren/lib/pkgconfig/siren.pc" || ok=1
report $ok "make install with DESTDIR and PREFIX lays out every file"

# A real prefix (no DESTDIR), custom directories, then build against it.
prefix="$tmp/prefix"
$make -s -C "$root" install PREFIX="$prefix" LIBDIR="$prefix/lib64" INCLUDEDIR="$prefix/inc" \
    PKGCONFIGDIR="$prefix/pc" > "$tmp/log" 2>&1
ok=$?
cat > "$tmp/use.c" <<'C'
#include <siren.h>
#include <stdio.h>
int main(void)
{
    siren_config cfg;
    siren_config_default(&cfg);
    siren_net *net = NULL;
    int status = siren_net_create(&cfg, &net);
    printf("%s %s %zu\n", siren_version_string(), siren_status_string(status),
           siren_net_param_count(net));
    siren_net_free(net);
    return status;
}
C
export PKG_CONFIG_PATH="$prefix/pc"
if [ $ok -eq 0 ] && cc -std=c11 "$tmp/use.c" -o "$tmp/use_shared" $(pkg-config --cflags --libs siren) >> "$tmp/log" 2>&1 &&
   LD_LIBRARY_PATH="$prefix/lib64" "$tmp/use_shared" > "$tmp/out" 2>> "$tmp/log" &&
   grep -q '^1.0.0 ok 198401$' "$tmp/out"; then ok=0; else ok=1; fi
report $ok "a program builds and runs against the installed shared library via pkg-config"
if cc -std=c11 "$tmp/use.c" -o "$tmp/use_static" $(pkg-config --cflags siren) \
       "$prefix/lib64/libsiren.a" $(pkg-config --libs-only-l --static siren | sed 's/-lsiren//') >> "$tmp/log" 2>&1 &&
   "$tmp/use_static" > "$tmp/out" 2>> "$tmp/log" && grep -q '^1.0.0 ok 198401$' "$tmp/out"; then ok=0; else ok=1; fi
report $ok "a program builds and runs against the installed static library"

$make -s -C "$root" uninstall PREFIX="$prefix" LIBDIR="$prefix/lib64" INCLUDEDIR="$prefix/inc" \
    PKGCONFIGDIR="$prefix/pc" > "$tmp/log" 2>&1
left=$(find "$prefix" 2>/dev/null)
[ -z "$left" ] || echo "left behind: $left" >> "$tmp/log"
[ -z "$left" ]; report $? "make uninstall removes every installed file and the directories it created"

# A directory that existed before install stays, even when empty after uninstall.
mkdir -p "$tmp/existing/include"
$make -s -C "$root" install PREFIX="$tmp/existing" > "$tmp/log" 2>&1 &&
    $make -s -C "$root" uninstall PREFIX="$tmp/existing" >> "$tmp/log" 2>&1 &&
    [ -d "$tmp/existing/include" ] && [ ! -e "$tmp/existing/lib" ]
report $? "make uninstall keeps directories that were there before install"
