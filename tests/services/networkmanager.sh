#!/usr/bin/env bash
# A private NetworkManager for tests, managing eth0 of a network namespace made by
# `netns.sh create NAME --peer`, on a private D-Bus, with all its state under one directory.
#
#   networkmanager.sh start NAME DIR   start it, wait until NetworkManager has activated the
#                                      "office" profile (eth0 192.0.2.1/24), print `export` lines
#   networkmanager.sh stop DIR         end exactly the processes `start` recorded (safe to repeat)
#
# Typical use:  eval "$(tests/services/networkmanager.sh start fixtray-x "$tmp/nm")"
# then run nmcli (or fixctl) inside the namespace with DBUS_SYSTEM_BUS_ADDRESS from the exports.
#
# Never touches the machine's own network, NetworkManager or D-Bus:
# - NetworkManager runs inside the namespace, so it only sees the namespace's eth0 and lo, and
#   only eth0 is managed (keyfile.unmanaged-devices);
# - it runs in its own mount namespace with tmpfs over /run and /var/lib/NetworkManager (its
#   run-time and lease files), its configuration only from DIR (not /etc/NetworkManager/conf.d
#   or /usr/lib/NetworkManager/conf.d), its profiles in DIR/connections (keyfile.path), dns=none and
#   rc-manager=unmanaged (it never writes /etc/resolv.conf), no polkit (auth-polkit=false: only
#   root talks to it here);
# - /sys is read-only in that mount namespace: NetworkManager then does not wait for udev (which
#   a container does not run) to initialise devices, as in its own container support;
# - its D-Bus is a private dbus-daemon on DIR/bus (a path socket, reachable from the namespace).
# Logs: DIR/log/NetworkManager.log (level INFO, on stderr: --debug keeps it in the foreground
# and logs there) and DIR/log/dbus.log.
# Needs root, iproute2, util-linux (unshare), dbus-daemon, and network-manager.
set -euo pipefail

readonly START_TIMEOUT_S=${NM_SH_START_TIMEOUT:-60}
readonly STOP_TIMEOUT_S=10
readonly SERVICES=(nm:NetworkManager dbus:dbus-daemon)  # stop order, with /proc/PID/comm
readonly CLIENT_ADDR=192.0.2.1/24                         # what netns.sh --peer gives eth0

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: networkmanager.sh start NAME DIR | stop DIR" >&2
    exit 2
}

cmd_stop() {
    [[ -d "$DIR" ]] || { note "$DIR does not exist: nothing to stop"; return 0; }
    local service
    for service in "${SERVICES[@]}"; do
        stop_pid "${service%%:*}" "${service##*:}"
    done
}

# The profile is active on eth0 and eth0 has its address: NetworkManager's view and the kernel's.
office_active() {
    ip netns exec "$NS" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
        nmcli -g GENERAL.CONNECTION device show eth0 2>/dev/null | grep -qx office &&
        ip -n "$NS" -o -4 addr show dev eth0 | grep -q " ${CLIENT_ADDR%/*}/"
}

cmd_start() {
    need NetworkManager network-manager
    need nmcli network-manager
    need dbus-daemon dbus-daemon
    need unshare util-linux
    [[ $EUID -eq 0 ]] || die "must run as root (NetworkManager in a network namespace)"
    [[ -e "/run/netns/$NS" ]] || die "namespace $NS does not exist (netns.sh create $NS --peer)"
    ip -n "$NS" link show dev eth0 >/dev/null 2>&1 ||
        die "namespace $NS has no eth0 (netns.sh create $NS --peer)"
    mkdir -p "$DIR"
    if [[ ! -f "$DIR/.fixtray-nm" && -n "$(ls -A "$DIR")" ]]; then
        die "$DIR is not empty and was not made by networkmanager.sh: give an empty or new directory"
    fi
    touch "$DIR/.fixtray-nm"
    DIR=$(cd "$DIR" && pwd)
    BUS="unix:path=$DIR/bus"
    DEADLINE=$((SECONDS + START_TIMEOUT_S))
    trap 'note "start failed, stopping what was started"; cmd_stop' EXIT
    trap 'exit 143' TERM INT
    rm -rf "${DIR:?}/connections" "$DIR/log" "$DIR/bus" "$DIR/state" "$DIR/conf.d" "$DIR/intern.conf"
    rm -f "$DIR"/*.pid
    mkdir -p "$DIR/connections" "$DIR/log" "$DIR/conf.d"  # conf.d: empty, not the machine's

    cat >"$DIR/NetworkManager.conf" <<EOF
# Written by tests/services/networkmanager.sh for a test namespace.
[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
auth-polkit=false
no-auto-default=*

[keyfile]
path=$DIR/connections
unmanaged-devices=except:interface-name:eth0

[logging]
level=INFO

[connectivity]
enabled=false
EOF
    # The site's wired profile: what "the network" is for this laptop.
    cat >"$DIR/connections/office.nmconnection" <<EOF
[connection]
id=office
type=ethernet
interface-name=eth0
autoconnect=true

[ipv4]
method=manual
address1=$CLIENT_ADDR

[ipv6]
method=disabled
EOF
    chmod 600 "$DIR/connections/office.nmconnection"
    # NetworkManager takes over an address it did not set as an "external" connection instead of
    # activating the profile: start from a bare eth0, as after boot.
    ip -n "$NS" addr flush dev eth0

    spawn "$DIR/log/dbus.log" dbus-daemon --session --nofork --nopidfile --address="$BUS"
    local dbus=$!
    echo "$dbus" >"$DIR/dbus.pid"
    wait_ready "$dbus" "private D-Bus ($BUS)" test -S "$DIR/bus" ||
        { log_tail "$DIR/log/dbus.log"; die "dbus-daemon did not create its socket"; }

    # ip netns exec, unshare and sh all exec: $! ends up being NetworkManager itself.
    spawn "$DIR/log/NetworkManager.log" env DBUS_SYSTEM_BUS_ADDRESS="$BUS" \
        ip netns exec "$NS" unshare --mount --propagation private sh -c '
            mount -t tmpfs tmpfs /run &&
            mount -t tmpfs tmpfs /var/lib/NetworkManager &&
            mount -o remount,bind,ro /sys &&
            exec NetworkManager --debug --log-level=INFO --config "$1/NetworkManager.conf" \
                --config-dir "$1/conf.d" --system-config-dir "$1/conf.d" \
                --intern-config "$1/intern.conf" \
                --state-file "$1/state" --pid-file /run/NetworkManager.pid' sh "$DIR"
    local nm=$!
    echo "$nm" >"$DIR/nm.pid"
    wait_ready "$nm" "NetworkManager in $NS (profile office on eth0)" office_active || {
        log_tail "$DIR/log/NetworkManager.log"
        die "NetworkManager did not activate the office profile on eth0 within ${START_TIMEOUT_S}s"
    }
    trap - EXIT TERM INT
    echo "export DBUS_SYSTEM_BUS_ADDRESS='$BUS'"
    echo "export FIXTRAY_TEST_NM_LOG='$DIR/log/NetworkManager.log'"
}

case "${1:-}" in
    start)
        [[ $# -eq 3 ]] || usage
        NS=$2 DIR=$3
        [[ "$NS" =~ ^fixtray-[a-z0-9][a-z0-9-]*$ ]] || die "namespace name '$NS' must match fixtray-[a-z0-9-]+"
        cmd_start
        ;;
    stop)
        [[ $# -eq 2 ]] || usage
        DIR=$2
        cmd_stop
        ;;
    *) usage ;;
esac
