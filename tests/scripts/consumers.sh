#!/bin/sh
# consumers.sh - programs built against an INSTALLED libsiren only: `make
# install` into a temporary prefix, then
#   - tests/scripts/consumers/consumer.c with nothing but `pkg-config --cflags
#     --libs siren` (shared), and fully static with `pkg-config --static`;
#   - tests/scripts/consumers/consumer.cpp as C++17 with -Wall -Wextra -pedantic
#     -Werror, flags from pkg-config;
#   - tests/scripts/consumers/CMakeLists.txt through find_package(siren 1.0) and
#     the imported targets siren::siren and siren::siren_static; a request
#     for another major version must fail;
#   - the same C program built with nothing but the README's line,
#     `cc consumer.c $(pkg-config --cflags --libs siren)`, runs with no
#     LD_LIBRARY_PATH (siren.pc's rpath), also after the installed tree
#     is moved elsewhere (siren.pc and the CMake package are relocatable);
#   - tests/scripts/consumers/embed/CMakeLists.txt, which builds libsiren
#     from its sources as part of the project: add_subdirectory(checkout)
#     and FetchContent from a source archive (the top-level CMakeLists.txt);
# each program runs (it fits and evaluates a network) and must print its
# "ok" line; then `make uninstall` must remove every file and the
# directories it created.
# Needs cc, c++, pkg-config and cmake (.ci/run installs them); a missing
# tool gives SKIP lines.
root=$(cd "${SIREN_ROOT:-.}" && pwd)
make=${MAKE:-make}
cc=${CC:-cc}
cxx=${CXX:-c++}
src="$root/tests/scripts/consumers"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
report() { # status name [log]
    if [ "$1" -eq 0 ]; then echo "ok $2"; else echo "FAIL $2"; sed 's/^/  /' "$tmp/log" | tail -25; fi
}
# run PROGRAM EXPECTED-LAST-LINE: runs it with the installed library only.
runs() { LD_LIBRARY_PATH= "$1" > "$tmp/out" 2>> "$tmp/log"; s=$?; cat "$tmp/out" >> "$tmp/log"
         [ $s -eq 0 ] && [ "$(tail -n 1 "$tmp/out")" = "$2" ]; }
# needs FILE LIBRARY: the program's dynamic section names LIBRARY or not.
needs() { readelf -d "$1" 2>> "$tmp/log" | grep -q "NEEDED.*\[$2\]"; }

$make -s -C "$root" install PREFIX="$prefix" > "$tmp/log" 2>&1
report $? "make install into a temporary prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
: > "$tmp/log"

if ! command -v pkg-config > /dev/null 2>&1; then
    echo "SKIP consumers: C and C++ programs with pkg-config (no pkg-config)"
else
    # Shared, with the README's line and nothing else: siren.pc's rpath.
    $cc "$src/consumer.c" -o "$tmp/c_shared" $(pkg-config --cflags --libs siren) -lm \
        >> "$tmp/log" 2>&1 &&
        needs "$tmp/c_shared" libsiren.so.1 && runs "$tmp/c_shared" "consumer ok"
    report $? "consumers: a C program with cc \$(pkg-config --cflags --libs siren) runs (siren.pc's rpath)"

    # Relocated: the whole prefix moved, its siren.pc still right.
    : > "$tmp/log"
    mv "$prefix" "$tmp/moved" &&
        PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" $cc "$src/consumer.c" -o "$tmp/c_moved" \
            $(PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig" pkg-config --cflags --libs siren) -lm \
            >> "$tmp/log" 2>&1 &&
        runs "$tmp/c_moved" "consumer ok" && readelf -d "$tmp/c_moved" | grep -q "PATH.*$tmp/moved/lib"
    report $? "consumers: siren.pc is relocatable (a moved prefix builds and runs)"
    [ -d "$tmp/moved" ] && mv "$tmp/moved" "$prefix"

    : > "$tmp/log"
    libdir=$(pkg-config --variable=libdir siren)

    : > "$tmp/log"
    $cc -std=c11 -Wall -Wextra -pedantic -Werror -static "$src/consumer.c" -o "$tmp/c_static" \
        $(pkg-config --static --cflags --libs siren) >> "$tmp/log" 2>&1 &&
        ! needs "$tmp/c_static" 'lib.*' && runs "$tmp/c_static" "consumer ok"
    report $? "consumers: a C program with pkg-config --static (fully static) fits and evaluates"

    : > "$tmp/log"
    $cxx -std=c++17 -Wall -Wextra -pedantic -Werror "$src/consumer.cpp" -o "$tmp/cxx" \
        $(pkg-config --cflags --libs siren) -Wl,-rpath,"$libdir" >> "$tmp/log" 2>&1 &&
        needs "$tmp/cxx" libsiren.so.1 && runs "$tmp/cxx" "consumer++ ok"
    report $? "consumers: a C++17 program (-Wall -Wextra -pedantic -Werror) fits and evaluates"
fi

: > "$tmp/log"
if ! command -v cmake > /dev/null 2>&1; then
    echo "SKIP consumers: CMake find_package(siren) (no cmake)"
else
    build="$tmp/cmake"
    cmake -S "$src" -B "$build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
          -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >> "$tmp/log" 2>&1 &&
        env -u MAKE -u MAKEFLAGS -u MFLAGS cmake --build "$build" -j 2 >> "$tmp/log" 2>&1 &&
        grep -q "siren 1\.[0-9]*\.[0-9]* in $prefix/lib" "$tmp/log" &&
        needs "$build/consumer_c" libsiren.so.1 && runs "$build/consumer_c" "consumer ok" &&
        ! needs "$build/consumer_c_static" libsiren.so.1 &&
        runs "$build/consumer_c_static" "consumer ok" &&
        needs "$build/consumer_cxx" libsiren.so.1 && runs "$build/consumer_cxx" "consumer++ ok"
    report $? "consumers: CMake find_package(siren 1.0) with siren::siren and siren::siren_static"

    : > "$tmp/log"
    if cmake -S "$src" -B "$tmp/cmake2" -DCMAKE_PREFIX_PATH="$prefix" -DSIREN_WANT_VERSION=2.0 \
             > "$tmp/log" 2>&1; then
        false
    else
        grep -q "not accepted" "$tmp/log" && grep -q "version: 1\." "$tmp/log"
    fi
    report $? "consumers: find_package(siren 2.0) refuses version 1 (another ABI)"

    # The CMake package of a moved prefix.
    : > "$tmp/log"
    mv "$prefix" "$tmp/moved" &&
        cmake -S "$src" -B "$tmp/cmake3" -DCMAKE_PREFIX_PATH="$tmp/moved" -DCMAKE_C_COMPILER="$cc" \
              -DCMAKE_CXX_COMPILER="$cxx" >> "$tmp/log" 2>&1 &&
        grep -q "siren 1\.[0-9]*\.[0-9]* in $tmp/moved/lib" "$tmp/log" &&
        env -u MAKE -u MAKEFLAGS -u MFLAGS cmake --build "$tmp/cmake3" -j 2 >> "$tmp/log" 2>&1 &&
        runs "$tmp/cmake3/consumer_c_static" "consumer ok"
    report $? "consumers: the CMake package is relocatable (CMAKE_CURRENT_LIST_DIR)"
    [ -d "$tmp/moved" ] && mv "$tmp/moved" "$prefix"

    # libsiren built inside a CMake project: add_subdirectory and FetchContent.
    : > "$tmp/log"
    cmake -S "$src/embed" -B "$tmp/sub" -DSIREN_HOW=subdirectory -DSIREN_SOURCE="$root" \
          -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >> "$tmp/log" 2>&1 &&
        env -u MAKE -u MAKEFLAGS -u MFLAGS cmake --build "$tmp/sub" -j 2 >> "$tmp/log" 2>&1 &&
        ! needs "$tmp/sub/consumer_c" libsiren.so.1 && runs "$tmp/sub/consumer_c" "consumer ok" &&
        runs "$tmp/sub/consumer_cxx" "consumer++ ok"
    report $? "consumers: add_subdirectory(libsiren) builds siren::siren from source"

    : > "$tmp/log"
    mkdir "$tmp/archive" && (cd "$root" && tar cf - CMakeLists.txt LICENSE include src) |
        (mkdir "$tmp/archive/libsiren" && cd "$tmp/archive/libsiren" && tar xf -) &&
        (cd "$tmp/archive" && tar czf libsiren.tar.gz libsiren) &&
        cmake -S "$src/embed" -B "$tmp/fetch" -DSIREN_HOW=fetchcontent \
              -DSIREN_SOURCE="file://$tmp/archive/libsiren.tar.gz" -DBUILD_SHARED_LIBS=ON \
              -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" >> "$tmp/log" 2>&1 &&
        env -u MAKE -u MAKEFLAGS -u MFLAGS cmake --build "$tmp/fetch" -j 2 >> "$tmp/log" 2>&1 &&
        needs "$tmp/fetch/consumer_c" libsiren.so.1 && runs "$tmp/fetch/consumer_c" "consumer ok" &&
        [ "$(nm -D --defined-only "$tmp/fetch/_deps/siren-build/libsiren.so.1" | awk '{print $3}' |
             sed 's/@.*//' | grep -v '^LIBSIREN' | sort | tr '\n' ' ')" = \
          "$(sed -n 's/^ *\(siren_[a-z_0-9]*\);/\1/p' "$root/src/libsiren.map" | sort | tr '\n' ' ')" ]
    report $? "consumers: FetchContent of a source archive (shared: exactly the exported symbols)"
fi

: > "$tmp/log"
$make -s -C "$root" uninstall PREFIX="$prefix" >> "$tmp/log" 2>&1 && [ ! -e "$prefix" ]
report $? "consumers: make uninstall removes every file and the directories install created"
