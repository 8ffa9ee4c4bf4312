#!/bin/sh
# Builds fixtray's Windows installer, OUTDIR/fixtray-setup.exe, with Debian's makensis from
# installer/windows/fixtray.nsi.
#
# Usage: installer/windows/build-installer.sh [OUTDIR]     (default: build/windows-installer)
# Environment:
#   BIN_DIR    a folder holding real Windows builds of fixtray.exe, fixctl.exe and
#              fixtray-admin.exe (and the *.dll they need, all staged). Without it the three
#              programs are PLACEHOLDERS (installer/windows/placeholder.cpp, compiled here with
#              mingw-w64): they only print "placeholder build: ... compiled but not linked
#              here", and the installer says "placeholder build" in its title and branding.
#              fixtray's Windows code cannot be linked on Debian (no Windows builds of Boost,
#              libcurl, pugixml, RE2, libsodium, libarchive), so here it is always the
#              placeholders.
#   MINGW_CXX  default x86_64-w64-mingw32-g++-posix (only for the placeholders)
#   MAKENSIS   default makensis
#
# Staged besides the programs: the built-in packs (fixes/**/*.xml, fixes/**/*.xsd, folders kept)
# and the icons (icons/*.svg rendered with rsvg-convert and packed into .ico files). The exact
# list of staged files becomes the installer's File lines and the uninstaller's Delete lines.
# Needs: nsis, librsvg2-bin, python3, and for the placeholders g++-mingw-w64-x86-64-posix.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
outdir=${1:-$root/build/windows-installer}
cxx=${MINGW_CXX:-x86_64-w64-mingw32-g++-posix}
makensis=${MAKENSIS:-makensis}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

fail() {
    echo "build-installer.sh: $*" >&2
    exit 1
}
command -v "$makensis" >/dev/null || fail "$makensis not found (Debian: nsis)"
command -v rsvg-convert >/dev/null || fail "rsvg-convert not found (Debian: librsvg2-bin)"

version=$(sed -n 's/^project(fixtray VERSION \([0-9][0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
[ -n "$version" ] || fail "no project version in CMakeLists.txt"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
mkdir -p "$stage/icons" "$outdir"
outdir=$(cd "$outdir" && pwd)

# The programs.
placeholder=
if [ -n "${BIN_DIR:-}" ]; then
    for exe in fixtray.exe fixctl.exe fixtray-admin.exe; do
        [ -f "$BIN_DIR/$exe" ] || fail "BIN_DIR=$BIN_DIR has no $exe"
        cp "$BIN_DIR/$exe" "$stage/"
    done
    for dll in "$BIN_DIR"/*.dll; do
        [ -f "$dll" ] && cp "$dll" "$stage/"
    done
    echo "build-installer.sh: programs from $BIN_DIR"
else
    command -v "$cxx" >/dev/null || fail "$cxx not found (Debian: g++-mingw-w64-x86-64-posix)"
    for name in fixtray fixctl fixtray-admin; do
        "$cxx" -std=c++20 -O2 -s -static -DPROGRAM="\"$name\"" "$here/placeholder.cpp" \
            -o "$stage/$name.exe"
    done
    placeholder=1
    echo "build-installer.sh: PLACEHOLDER programs (no BIN_DIR): the installer holds no fixtray"
fi

# The built-in packs, their folders kept.
(cd "$root/fixes" && find . -type f \( -name '*.xml' -o -name '*.xsd' \) | sed 's|^\./||' | sort) |
    while read -r f; do
        mkdir -p "$stage/fixes/$(dirname "$f")"
        cp "$root/fixes/$f" "$stage/fixes/$f"
    done

# The icons: PNGs of each size in one .ico (PNG-compressed entries, Windows Vista and later).
for svg in "$root"/icons/*.svg; do
    name=$(basename "$svg" .svg)
    pngs=
    for size in 16 24 32 48 64 256; do
        rsvg-convert --width=$size --height=$size --format=png --output="$work/$name-$size.png" "$svg"
        pngs="$pngs $work/$name-$size.png"
    done
    # shellcheck disable=SC2086
    "$python" - "$stage/icons/$name.ico" $pngs <<'PY'
import struct, sys
out, pngs = sys.argv[1], sys.argv[2:]
images = []
for path in pngs:
    data = open(path, "rb").read()
    width, height = struct.unpack(">II", data[16:24])
    images.append((width, height, data))
directory, body = b"", b""
offset = 6 + 16 * len(images)
for width, height, data in images:
    directory += struct.pack("<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(data),
                             offset + len(body))
    body += data
with open(out, "wb") as f:
    f.write(struct.pack("<HHH", 0, 1, len(images)) + directory + body)
PY
done

# The payload lists: a File line per staged file, and for the uninstaller a Delete line per file
# and an RMDir per folder, deepest first. Names are checked to need no NSIS quoting.
install="$work/install.nsh"
uninstall="$work/uninstall.nsh"
: >"$install"
: >"$uninstall"
files=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
for f in $files; do
    case "$f" in
    *[!A-Za-z0-9._/-]*) fail "staged file name needs quoting in NSIS: $f" ;;
    esac
done
last_dir=-
for f in $files; do
    dir=$(dirname "$f")
    if [ "$dir" != "$last_dir" ]; then
        if [ "$dir" = . ]; then
            echo 'SetOutPath "$INSTDIR"' >>"$install"
        else
            printf 'SetOutPath "$INSTDIR\\%s"\n' "$(printf %s "$dir" | tr / '\\')" >>"$install"
        fi
        last_dir=$dir
    fi
    printf 'File "%s"\n' "$stage/$f" >>"$install"
    printf 'Delete /REBOOTOK "$INSTDIR\\%s"\n' "$(printf %s "$f" | tr / '\\')" >>"$uninstall"
done
(cd "$stage" && find . -mindepth 1 -type d | sed 's|^\./||' | awk -F/ '{ print NF "\t" $0 }' |
    sort -k1,1nr -k2 | cut -f2) | while read -r d; do
    printf 'RMDir "$INSTDIR\\%s"\n' "$(printf %s "$d" | tr / '\\')" >>"$uninstall"
done
echo 'SetOutPath "$INSTDIR"' >>"$install"

set -- -V2 -DVERSION="$version" -DSTAGE="$stage" -DOUTFILE="$outdir/fixtray-setup.exe" \
    -DPAYLOAD_INSTALL="$install" -DPAYLOAD_UNINSTALL="$uninstall"
[ -n "$placeholder" ] && set -- "$@" -DPLACEHOLDER
"$makensis" "$@" "$here/fixtray.nsi"
# What went in, for a person to read.
{
    [ -n "$placeholder" ] && echo "PLACEHOLDER programs (placeholder build: not fixtray)"
    echo "$files" | sed 's|^|$INSTDIR/|'
} >"$outdir/fixtray-setup.files.txt"
echo "build-installer.sh: $outdir/fixtray-setup.exe ($(wc -c <"$outdir/fixtray-setup.exe") bytes," \
    "$(echo "$files" | wc -l) files${placeholder:+, PLACEHOLDER programs})"
