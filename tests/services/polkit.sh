#!/usr/bin/env bash
# A private system bus with polkitd, for a command that goes through the real pkexec.
#
#   polkit.sh exec DIR POLICY RULES [--bind SRC DST]... -- COMMAND [ARG]...
#
# Runs COMMAND in a mount and PID namespace of its own where:
#   - /run/dbus is DIR/dbus: a dbus-daemon --system started here listens on the standard
#     socket there (pkexec is setuid and so only ever uses the standard system bus address);
#   - polkitd runs (as Debian's package runs it) on that bus;
#   - /usr/share/polkit-1/actions holds only POLICY (a .policy file), /etc/polkit-1/rules.d only
#     RULES (a .rules file) and /usr/share/polkit-1/rules.d nothing: the machine's own policy is
#     neither read nor changed;
#   - each --bind SRC DST is mounted (DST must exist; e.g. a test machine's /etc/fixtray).
# The exit code is COMMAND's. When COMMAND ends, the namespace ends, and the kernel ends the bus
# and polkitd with it (they run under the namespace's PID 1), however this script is stopped.
# Logs: DIR/dbus.log, DIR/polkitd.log. Needs root; packages dbus, polkitd, pkexec, util-linux.
set -euo pipefail
DIR=
# shellcheck source=tests/services/lib.sh
source "$(dirname "$0")/lib.sh"

usage() { die "usage: $SCRIPT_NAME exec DIR POLICY RULES [--bind SRC DST]... -- COMMAND..."; }

inside() {
    DIR=$1 policy=$2 rules=$3
    shift 3
    local binds=()
    while [[ $# -gt 0 && "$1" != "--" ]]; do
        [[ "$1" == "--bind" && $# -ge 3 ]] || usage
        binds+=("$2" "$3")
        shift 3
    done
    [[ "${1:-}" == "--" ]] || usage
    shift
    [[ $# -gt 0 ]] || usage

    mkdir -p "$DIR/dbus" "$DIR/actions" "$DIR/rules" "$DIR/vendor-rules"
    rm -f "$DIR/dbus/"*
    cp "$policy" "$DIR/actions/"
    cp "$rules" "$DIR/rules/"
    chmod 755 "$DIR/actions" "$DIR/dbus"
    chmod 644 "$DIR/actions/"*
    # polkitd reads its rules as user polkitd, as from the package's own directories.
    chown -R polkitd:root "$DIR/rules" "$DIR/vendor-rules"
    chmod 700 "$DIR/rules" "$DIR/vendor-rules"
    chmod 644 "$DIR/rules/"*
    mount --bind "$DIR/dbus" /run/dbus
    mount --bind "$DIR/actions" /usr/share/polkit-1/actions
    mount --bind "$DIR/rules" /etc/polkit-1/rules.d
    mount --bind "$DIR/vendor-rules" /usr/share/polkit-1/rules.d
    local i
    for ((i = 0; i < ${#binds[@]}; i += 2)); do
        mount --bind "${binds[i]}" "${binds[i + 1]}"
    done

    dbus-daemon --system --nofork --nopidfile >"$DIR/dbus.log" 2>&1 &
    local deadline=$((SECONDS + 30))
    until [[ -S /run/dbus/system_bus_socket ]]; do
        kill -0 $! 2>/dev/null || die "dbus-daemon exited: $(cat "$DIR/dbus.log")"
        ((SECONDS < deadline)) || die "dbus-daemon did not start in 30 s: $(cat "$DIR/dbus.log")"
        sleep 0.05
    done
    /usr/lib/polkit-1/polkitd --no-debug >"$DIR/polkitd.log" 2>&1 &
    local polkitd=$!
    until dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.PolicyKit1 2>/dev/null |
        grep -q 'boolean true'; do
        kill -0 "$polkitd" 2>/dev/null || die "polkitd exited: $(cat "$DIR/polkitd.log")"
        ((SECONDS < deadline)) || die "polkitd did not start in 30 s: $(cat "$DIR/polkitd.log")"
        sleep 0.05
    done
    # Not exec: pkexec refuses a caller whose parent is PID 1 ("dead parents").
    local rc=0
    "$@" || rc=$?
    exit "$rc"
}

case "${1:-}" in
    exec)
        [[ $# -ge 6 ]] || usage
        [[ "$(id -u)" == 0 ]] || die "needs root (it mounts and starts a system bus)"
        need dbus-daemon dbus
        need pkexec pkexec
        need unshare util-linux
        [[ -x /usr/lib/polkit-1/polkitd ]] || die "polkitd not found (apt-get install -y polkitd)"
        [[ -f "$3" && -f "$4" ]] || die "POLICY ($3) and RULES ($4) must be files"
        shift
        exec unshare --mount --pid --fork --kill-child --mount-proc --propagation private \
            bash "$0" _inside "$@"
        ;;
    _inside)
        shift
        inside "$@"
        ;;
    *) usage ;;
esac
