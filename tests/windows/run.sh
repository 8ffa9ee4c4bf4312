#!/bin/sh
# Everything about fixtray on Windows that can be checked on Debian, in one command:
#
#   1. compile.sh: every core .cpp a Windows build compiles, compiled with mingw-w64 (not linked);
#   2. the Group Policy templates: generated from installer/config/keys.json as committed
#      (make-admx.py --check), well-formed (xmllint), consistent (check-admx.py; Microsoft's
#      schema too when ADMX_SCHEMA_DIR is set), the keys of keys.json
#      (tests/config/check_config_keys.py windows);
#   3. the Wine tests: fixtray_wine_tests.exe (doctest) built with mingw-w64 (-static) from
#      tests/windows/wine_*.cpp and the core files that need only the Windows API and
#      header-only libraries (see SOURCES below), and wine_helper.exe, then run under Wine;
#   4. the installer: build-installer.sh (placeholder programs unless BIN_DIR is set), then under
#      Wine a silent install, a look at what it did, a silent uninstall and a look again.
#
# Wine runs in a private prefix (mktemp -d, removed at the end) with WINEDEBUG=-all and no
# display (DISPLAY empty); each Wine command is limited to 300 s; wineserver -k at the end.
#
# Usage: tests/windows/run.sh            Exit status 0 only when every part passed.
# Environment: MINGW_CXX, JOBS (as compile.sh), ADMX_SCHEMA_DIR (optional), BIN_DIR (installer),
#              KEEP=1 keeps the work folder (its path is printed), SKIP_COMPILE=1 leaves out
#              part 1 (for quicker rounds while working on the Wine tests; CI runs everything).
# Needs (Debian): g++-mingw-w64-x86-64-posix, wine64 (and wine), nsis, libxml2-utils (xmllint),
# librsvg2-bin (rsvg-convert), python3, doctest-dev and nlohmann-json3-dev (headers only).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
core="$root/src/core"
cxx=${MINGW_CXX:-x86_64-w64-mingw32-g++-posix}
jobs=${JOBS:-$(nproc)}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

work=$(mktemp -d)
prefix=$(mktemp -d)
export WINEPREFIX="$prefix" WINEDEBUG=-all DISPLAY=
cleanup() {
    wineserver -k >/dev/null 2>&1
    rm -rf "$prefix"
    if [ "${KEEP:-}" = 1 ]; then echo "run.sh: work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

status=0
failed=
all_start=$(date +%s)

# Waits until every process of the prefix has ended (wineserver then exits). Says which are
# still there when that takes longer than $1 seconds.
wine_wait() {
    timeout "$1" wineserver -w && return 0
    echo "run.sh: Wine processes still running after $1 s:" >&2
    ps -eo pid,etime,args | grep -i -e '\.exe' -e wineserver | grep -v grep >&2
    return 1
}
step() {
    name=$1
    shift
    echo "=== $name"
    start=$(date +%s)
    if "$@"; then
        echo "--- $name: ok ($(($(date +%s) - start)) s)"
    else
        echo "--- $name: FAILED ($(($(date +%s) - start)) s)"
        status=1
        failed="$failed
  $name"
    fi
}

# 2. The templates.
templates() {
    ok=0
    "$python" "$root/installer/windows/make-admx.py" --check || ok=1
    xmllint --noout "$root/installer/windows/fixtray.admx" \
        "$root/installer/windows/en-US/fixtray.adml" || ok=1
    "$python" "$here/check-admx.py" "$root" || ok=1
    "$python" "$root/tests/config/check_config_keys.py" "$root" windows || ok=1
    return $ok
}

# 3. Building the Wine tests. The core files: only those that need nothing but the Windows API
# and header-only libraries (nlohmann-json). app/managed_policy.cpp calls the config readers,
# which need pugixml and RE2: wine_stubs.cpp stands in for them (never called).
SOURCES="
base/bounded_output.cpp
platform/process_runner.cpp
platform/win32/win32_text.cpp
platform/win32/system_process_runner.cpp
platform/win32/process_platform.cpp
platform/win32/read_file.cpp
platform/win32/file_lock.cpp
platform/win32/managed_policy_source.cpp
app/managed_policy.cpp"
TESTS="wine_main.cpp wine_text_tests.cpp wine_process_tests.cpp wine_policy_tests.cpp wine_stubs.cpp"

build_wine_tests() {
    command -v "$cxx" >/dev/null || { echo "$cxx not found" >&2; return 1; }
    mkdir -p "$work/include" "$work/obj" "$work/bin"
    # Only the header-only libraries, not all of /usr/include.
    for lib in doctest nlohmann; do
        [ -d "/usr/include/$lib" ] || { echo "/usr/include/$lib missing" >&2; return 1; }
        ln -sf "/usr/include/$lib" "$work/include/$lib"
    done
    cat >"$work/flags" <<FLAGS
-std=c++20 -O1 -Wall -Wextra -c -I"$core" -I"$work/include"
FLAGS
    list="$work/sources"
    : >"$list"
    for f in $SOURCES; do echo "$core/$f" >>"$list"; done
    for f in $TESTS; do echo "$here/$f" >>"$list"; done
    export cxx work
    xargs -P "$jobs" -I{} sh -c '
        obj="$work/obj/$(echo "$1" | tr / _).o"
        "$cxx" @"$work/flags" "$1" -o "$obj" 2>"$obj.log" || { cat "$obj.log" >&2; echo "$1" >>"$work/failed"; }
    ' _ {} <"$list"
    if [ -s "$work/failed" ]; then
        echo "not compiled:" >&2
        cat "$work/failed" >&2
        return 1
    fi
    "$cxx" -static -static-libgcc -static-libstdc++ -o "$work/bin/fixtray_wine_tests.exe" \
        "$work"/obj/*.o -lshell32 -luser32 -ladvapi32 || return 1
    "$cxx" -std=c++20 -O1 -static -o "$work/bin/wine_helper.exe" "$here/wine_helper.cpp" \
        -lshell32 || return 1
    ls -l "$work/bin"
}

start_wine() {
    command -v wine >/dev/null || { echo "wine not found (Debian: wine, wine64)" >&2; return 1; }
    timeout 300 wineboot -i >"$work/wineboot.log" 2>&1
    rc=$?
    wine_wait 120
    [ $rc = 0 ] || { cat "$work/wineboot.log" >&2; return 1; }
    wine --version
}

run_wine_tests() {
    (cd "$work/bin" && timeout 300 wine fixtray_wine_tests.exe --no-colors=true) || return 1
    wine_wait 60  # nothing the tests started is left running
}

# 4. The installer under Wine.
check_installer() {
    outdir="$work/installer"
    "$root/installer/windows/build-installer.sh" "$outdir" || return 1
    drive="$prefix/drive_c"
    dir="$drive/Program Files/fixtray"
    ok=0
    mkdir -p "$drive/ProgramData/fixtray"
    echo '{}' >"$drive/ProgramData/fixtray/fixtray.json"
    timeout 300 wine "$outdir/fixtray-setup.exe" /S || { echo "the installer failed" >&2; return 1; }
    wine_wait 120 || ok=1
    # Every staged file is there.
    grep -v '^PLACEHOLDER' "$outdir/fixtray-setup.files.txt" | sed 's|^\$INSTDIR/||' | while read -r f; do
        [ -f "$dir/$f" ] || { echo "not installed: $f" >&2; echo x >>"$work/missing"; }
    done
    [ -s "$work/missing" ] && ok=1
    [ -f "$dir/uninstall.exe" ] || { echo "no uninstall.exe" >&2; ok=1; }
    [ -f "$drive/ProgramData/Microsoft/Windows/Start Menu/Programs/fixtray.lnk" ] ||
        { echo "no Start menu entry for all users" >&2; ok=1; }
    run_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Run'
    uninstall_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\fixtray'
    timeout 60 wine reg query "$run_key" /v fixtray 2>/dev/null | tr -d '\r' |
        grep -q 'fixtray *REG_SZ *"C:\\Program Files\\fixtray\\fixtray.exe"' ||
        { echo "no Run value starting fixtray.exe" >&2; ok=1; }
    timeout 60 wine reg query "$uninstall_key" /v UninstallString 2>/dev/null | tr -d '\r' |
        grep -q 'uninstall.exe' || { echo "no Add/Remove Programs entry" >&2; ok=1; }
    if [ -z "${BIN_DIR:-}" ]; then
        said=$(timeout 60 wine "C:\\Program Files\\fixtray\\fixctl.exe" 2>&1 | tr -d '\r')
        rc=$?
        case "$said" in
        *"placeholder build: fixctl for Windows is compiled but not linked here"*) ;;
        *) echo "the placeholder fixctl.exe said: $said (rc $rc)" >&2; ok=1 ;;
        esac
    fi
    timeout 300 wine "C:\\Program Files\\fixtray\\uninstall.exe" /S || { echo "the uninstaller failed" >&2; ok=1; }
    wine_wait 120 || ok=1
    [ -e "$dir" ] && { echo "left behind by the uninstaller:" >&2; find "$dir" >&2; ok=1; }
    [ -f "$drive/ProgramData/Microsoft/Windows/Start Menu/Programs/fixtray.lnk" ] &&
        { echo "the Start menu entry is still there" >&2; ok=1; }
    timeout 60 wine reg query "$run_key" /v fixtray >/dev/null 2>&1 &&
        { echo "the Run value is still there" >&2; ok=1; }
    timeout 60 wine reg query "$uninstall_key" >/dev/null 2>&1 &&
        { echo "the Add/Remove Programs entry is still there" >&2; ok=1; }
    [ -f "$drive/ProgramData/fixtray/fixtray.json" ] ||
        { echo "the uninstaller removed the machine config in ProgramData" >&2; ok=1; }
    [ $ok = 0 ] && echo "installed, found in place, uninstalled, machine data kept"
    return $ok
}

if [ "${SKIP_COMPILE:-}" = 1 ]; then
    echo "=== compile.sh left out (SKIP_COMPILE=1)"
else
    step "compile the core for Windows (compile.sh)" "$here/compile.sh"
fi
step "Group Policy templates" templates
step "build the Wine tests" build_wine_tests
wine_ready=0
step "start Wine (private prefix $prefix)" start_wine && wine_ready=1
if [ $wine_ready = 1 ] && [ -f "$work/bin/fixtray_wine_tests.exe" ]; then
    step "run the Wine tests" run_wine_tests
else
    echo "--- the Wine tests were not run"
    status=1
fi
if [ $wine_ready = 1 ]; then
    step "installer: build, install and uninstall under Wine" check_installer
else
    step "installer: build only (no Wine)" "$root/installer/windows/build-installer.sh" "$work/installer"
fi

echo "=== run.sh: $(($(date +%s) - all_start)) s in all"
if [ $status != 0 ]; then
    echo "run.sh: FAILED:$failed"
else
    echo "run.sh: all passed"
fi
exit $status
