#!/bin/sh
# Compiles, as Windows object files with mingw-w64, every .cpp of the core that a Windows build
# compiles, and fails listing each file that does not compile.
#
# The selection mirrors src/core/CMakeLists.txt (fixtray_add_layer): for each layer listed in
# src/core/layers.cmake (FIXTRAY_LAYERS), every .cpp below LAYER/ outside posix/ and win32/
# folders, plus LAYER/win32/*.cpp (only that level, like the CMake glob). The list is read from
# the tree, so new files are compiled without editing this script.
#
# Only compiled, not linked: Debian has no Windows builds of Boost.Filesystem, libcurl, pugixml,
# RE2, libsodium, libarchive. The headers are Debian's own (platform-neutral) ones, reached with
# -idirafter /usr/include after mingw's; libcurl's live in the multiarch folder, so a temporary
# folder holds a 'curl' link to them.
#
# Usage: tests/windows/compile.sh [OUTDIR]   (default: a temporary folder, removed at the end)
# Environment: MINGW_CXX (default x86_64-w64-mingw32-g++-posix), JOBS (default nproc),
# ONLY (an extended regular expression: compile only the files, relative to src/core, it matches).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/src/core"
cxx=${MINGW_CXX:-x86_64-w64-mingw32-g++-posix}
jobs=${JOBS:-$(nproc)}

command -v "$cxx" >/dev/null || { echo "compile.sh: $cxx not found (Debian: g++-mingw-w64-x86-64-posix)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${1:-$work/obj}
mkdir -p "$out" "$work/include" "$work/logs"
out=$(cd "$out" && pwd)
curl_dir=$(dirname "$(find /usr/include -path '*/curl/curl.h' | head -n 1)")
[ -n "$curl_dir" ] && [ "$curl_dir" != . ] || { echo "compile.sh: curl/curl.h not found (libcurl4-openssl-dev)" >&2; exit 2; }
ln -s "$curl_dir" "$work/include/curl"

# The layers, in the order layers.cmake lists them.
layers=$(sed -n 's/^set(FIXTRAY_LAYERS \(.*\))$/\1/p' "$core/layers.cmake")
[ -n "$layers" ] || { echo "compile.sh: no FIXTRAY_LAYERS in src/core/layers.cmake" >&2; exit 2; }

list="$work/files"
: >"$list"
for layer in $layers; do
    (cd "$core" && find "$layer" -name '*.cpp' -not -path '*/posix/*' -not -path '*/win32/*' | sort) >>"$list"
    if [ -d "$core/$layer/win32" ]; then
        (cd "$core" && find "$layer/win32" -maxdepth 1 -name '*.cpp' | sort) >>"$list"
    fi
done
# win32 folders CMake does not pick up (deeper than LAYER/win32): say so, they are not built.
(cd "$core" && find . -path '*/win32/*.cpp' | sed 's|^\./||' | sort) | while read -r f; do
    grep -qxF "$f" "$list" || echo "compile.sh: warning: $f is in a win32 folder CMake does not build (only LAYER/win32/*.cpp)" >&2
done

# The options, in a response file (gcc's @FILE): the definitions fixtray_add_layer gives every
# layer (their values do not matter for compiling) and the include order described above.
cat >"$work/flags" <<FLAGS
-std=c++20 -c -O0 -Wall -Wextra -Wpedantic
-DFIXTRAY_VERSION=\"0.0.0-windows-check\"
-DFIXTRAY_SOURCE_FIXES_DIR=\"C:/fixtray/fixes\"
-DFIXTRAY_INSTALL_FIXES_DIR=\"C:/fixtray/fixes\"
-DFIXTRAY_INSTALL_LIBEXEC_DIR=\"C:/fixtray\"
-I"$core" -I"$work/include" -idirafter /usr/include
FLAGS

if [ -n "${ONLY:-}" ]; then
    grep -E "$ONLY" "$list" >"$list.only" || true
    mv "$list.only" "$list"
fi
count=$(wc -l <"$list")
echo "compile.sh: compiling $count files of src/core for Windows with $cxx (-j$jobs)"
start=$(date +%s)
# One job per file: on failure its log is kept and its name recorded.
export cxx core out work
xargs -P "$jobs" -I{} sh -c '
    f=$1
    name=$(echo "$f" | tr / _)
    if "$cxx" @"$work/flags" "$core/$f" -o "$out/$name.o" >"$work/logs/$name.log" 2>&1; then
        rm -f "$work/logs/$name.log"
    else
        echo "$f" >>"$work/failed"
    fi
' _ {} <"$list"
end=$(date +%s)

if [ -s "$work/failed" ]; then
    sort "$work/failed" | while read -r f; do
        echo "=== $f" >&2
        grep -E 'error' "$work/logs/$(echo "$f" | tr / _).log" | head -n 20 >&2
    done
    echo "compile.sh: FAILED: $(wc -l <"$work/failed") of $count files do not compile for Windows:" >&2
    sort "$work/failed" | sed 's/^/  /' >&2
    exit 1
fi
echo "compile.sh: all $count files compile for Windows ($((end - start)) s)"
