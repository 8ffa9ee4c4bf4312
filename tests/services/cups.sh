#!/usr/bin/env bash
# A private CUPS for tests: one root-run cupsd plus two simulated IPP Everywhere printers
# (ippeveprinter), all on 127.0.0.1, all state under one directory.
#
#   cups.sh start DIR   start everything, wait until it answers, print `export` lines on stdout
#   cups.sh stop DIR    end exactly the processes `start` recorded in DIR (safe to repeat)
#   cups.sh env DIR     print the `export` lines again
#
# Typical use:  eval "$(tests/services/cups.sh start "$tmp/cups")"
#
# Never reads or writes /etc/cups, /run/cups or /var/spool/cups; never talks to a system cupsd.
# Needs root (cupsd refuses to run its filters/backends otherwise) and the Debian packages
# cups cups-client cups-bsd cups-ipp-utils dbus-daemon (dbus), iproute2 (ss).
#
# Why a private D-Bus: ippeveprinter exits with "Unable to initialize DNS-SD" when it cannot reach
# a D-Bus system bus, even with `-r off`. It is happy with any bus on which Avahi is simply absent,
# so cupsd and the printers get DBUS_SYSTEM_BUS_ADDRESS pointing at a bus of our own: no mDNS
# announcement reaches the network and the machine's own bus and avahi-daemon are never used.
# ippeveprinter also needs the IPv6 loopback (::1): it listens on both addresses of "localhost".
set -euo pipefail

readonly START_TIMEOUT_S=${CUPS_SH_START_TIMEOUT:-60}  # the whole start, every service
readonly STOP_TIMEOUT_S=10                              # SIGTERM grace before SIGKILL
readonly PRINTER_NAMES=(printer1 printer2)
# Every process we start, in stop order, with its /proc/PID/comm.
readonly SERVICES=(printer1:ippeveprinter printer2:ippeveprinter cupsd:cupsd dbus:dbus-daemon)

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: cups.sh start DIR | stop DIR | env DIR" >&2
    exit 2
}

# stop_started PID: ends a process this start made and that did not come up, and reaps it.
stop_started() {
    kill -TERM "$1" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT_S))
    while alive "$1" && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# cupsd with PID answers on PORT (not another scheduler that took the port first).
scheduler_running() {
    [[ "$(lpstat -h "127.0.0.1:$1" -r 2>&1)" == "scheduler is running" ]] && listened_by "$1" "$2"
}

# ippeveprinter with PID answers IPP on PORT.
printer_answers() {
    ipptool -T 3 "ipp://127.0.0.1:$1/ipp/print" get-printer-attributes.test &&
        listened_by "$1" "$2"
}

print_env() {
    local port
    port=$(get cupsd.port)
    [[ -n "$port" ]] || die "$DIR has no running CUPS (run 'cups.sh start $DIR' first)"
    echo "export CUPS_SERVER=127.0.0.1:$port"
    # Client tools read client.conf under CUPS_SERVERROOT: point it at DIR so tests never read
    # /etc/cups. (`lpoptions -d` writes $HOME/.cups/lpoptions, even as root: give tests a
    # private HOME.)
    echo "export CUPS_SERVERROOT=$DIR/client"
    local i=1 name
    for name in "${PRINTER_NAMES[@]}"; do
        echo "export FIXTRAY_TEST_PRINTER${i}_URI=ipp://127.0.0.1:$(get "$name.port")/ipp/print"
        i=$((i + 1))
    done
}

write_config() {
    local port=$1
    # cups-files.conf: every path cupsd would otherwise take from /etc, /var or /run.
    cat >"$DIR/etc/cups-files.conf" <<EOF
ServerRoot $DIR/etc
CacheDir $DIR/cache
StateDir $DIR/state
RequestRoot $DIR/spool
TempDir $DIR/spool/tmp
ServerKeychain $DIR/etc/ssl
CreateSelfSignedCerts no
Printcap $DIR/state/printcap
AccessLog $DIR/log/access_log
ErrorLog $DIR/log/error_log
PageLog $DIR/log/page_log
SystemGroup root
User lp
Group lp
EOF
    # cupsd.conf: loopback only, no browsing, every operation allowed without authentication.
    # That is only acceptable because nothing but this machine can reach 127.0.0.1.
    cat >"$DIR/etc/cupsd.conf" <<EOF
LogLevel info
Listen 127.0.0.1:$port
ServerName 127.0.0.1
ServerAlias *
Browsing Off
BrowseLocalProtocols none
DefaultShared No
WebInterface No
DefaultAuthType None
JobRetryInterval 5
MaxJobTime 5m
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
EOF
    chmod 0644 "$DIR/etc/cupsd.conf" "$DIR/etc/cups-files.conf"
}

start_ippeveprinter() {
    local name=$1 port pid attempt=0 status
    mkdir -p "$DIR/$name"
    while :; do
        attempt=$((attempt + 1))
        reserve_port port
        echo "$port" >"$DIR/$name.port"
        # -r off: no DNS-SD announcement; -n localhost: listen on 127.0.0.1 and ::1 only (it
        # makes one listener per address family of this name); -d: its own spool; -k: keep the
        # printed documents so tests can look at them; -c /bin/true: "print" instantly (without
        # a command it simulates printing by sleeping 5-15 s per job).
        DBUS_SYSTEM_BUS_ADDRESS=$BUS spawn "$DIR/log/$name.log" ippeveprinter -r off \
            -n localhost -p "$port" -d "$DIR/$name" -k -c /bin/true \
            -f application/pdf,image/pwg-raster,image/urf,text/plain,application/octet-stream \
            "fixtray-$name"
        pid=$!
        echo "$pid" >"$DIR/$name.pid"
        status=0
        wait_ready "$pid" "$name (ipp://127.0.0.1:$port/ipp/print)" printer_answers "$port" \
            "$pid" || status=$?
        release_port "$port"
        ((status == 0)) && return 0
        if ((status == 1)) && bind_failed "$DIR/log/$name.log" && ((attempt < 5)); then
            wait "$pid" 2>/dev/null || true
            note "port $port was taken before $name could bind it, trying another"
            continue
        fi
        log_tail "$DIR/log/$name.log"
        ((status == 1)) && die "$name (ippeveprinter) exited during start"
        die "$name (pid $pid) did not answer on 127.0.0.1:$port within ${START_TIMEOUT_S}s"
    done
}

start_cupsd() {
    local port pid attempt=0 status
    while :; do
        attempt=$((attempt + 1))
        reserve_port port
        write_config "$port"
        echo "$port" >"$DIR/cupsd.port"
        cupsd -t -c "$DIR/etc/cupsd.conf" -s "$DIR/etc/cups-files.conf" \
            >"$DIR/log/cupsd-test.log" 2>&1 ||
            { cat "$DIR/log/cupsd-test.log" >&2; die "cupsd rejects the generated configuration"; }
        rm -f "$DIR/log/error_log"
        # -f: stay in the foreground, so $! is cupsd itself and no system service manager is
        # involved. CUPS_SERVERROOT etc. are not needed: -c/-s carry every path.
        DBUS_SYSTEM_BUS_ADDRESS=$BUS spawn "$DIR/log/cupsd.out" cupsd -f \
            -c "$DIR/etc/cupsd.conf" -s "$DIR/etc/cups-files.conf"
        pid=$!
        echo "$pid" >"$DIR/cupsd.pid"
        # lpstat -r exits 0 even when the scheduler is not (yet) running: wait for the positive
        # answer. A cupsd that cannot bind its port logs it and may keep running without it.
        status=0
        wait_ready "$pid" "cupsd (127.0.0.1:$port)" scheduler_running_or_bind_failed "$port" \
            "$pid" || status=$?
        if ((status == 0)) && ! bind_failed "$DIR/log/error_log"; then
            release_port "$port"
            return 0
        fi
        release_port "$port"
        if ((status != 2)) && bind_failed "$DIR/log/error_log" "$DIR/log/cupsd.out" &&
            ((attempt < 5)); then
            stop_started "$pid"
            note "port $port was taken before cupsd could bind it, trying another"
            continue
        fi
        log_tail "$DIR/log/error_log" "$DIR/log/cupsd.out"
        ((status == 1)) && die "cupsd exited during start"
        die "cupsd (pid $pid) on 127.0.0.1:$port does not say it is running after" \
            "${START_TIMEOUT_S}s"
    done
}

scheduler_running_or_bind_failed() {
    bind_failed "$DIR/log/error_log" || scheduler_running "$@"
}

cmd_start() {
    # One deadline for the whole start (every service, every attempt), below the callers'
    # timeouts: a start that fails says why, with the failing service's log.
    DEADLINE=$((SECONDS + START_TIMEOUT_S))
    [[ $EUID -eq 0 ]] || die "must run as root (cupsd runs its backends as user lp)"
    need cupsd cups
    need lpstat cups-client
    need ippeveprinter cups-ipp-utils
    need ipptool cups-ipp-utils
    need ss iproute2
    need dbus-daemon dbus-daemon
    need runuser util-linux
    need flock util-linux
    if is_ours "$(get cupsd.pid)" cupsd; then
        die "a CUPS from $DIR is already running (pid $(get cupsd.pid)); stop it first"
    fi

    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    # DIR is wiped below: only an empty directory or one a previous start made is accepted.
    if [[ ! -f "$DIR/.fixtray-cups" && -n "$(ls -A "$DIR")" ]]; then
        die "$DIR is not empty and was not made by cups.sh: give an empty or new directory"
    fi
    touch "$DIR/.fixtray-cups"
    # Our own client tools (lpstat, ipptool below) must not read /etc/cups/client.conf either.
    export CUPS_SERVERROOT="$DIR/client"
    # A start that fails half-way ends what it had already started.
    trap 'note "start failed, stopping what was started"; cmd_stop' EXIT
    # Killed by a caller's timeout: still stop what was started.
    trap 'exit 143' TERM INT
    rm -rf "${DIR:?}/etc" "$DIR/client" "$DIR/cache" "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/dbus" \
        "${PRINTER_NAMES[@]/#/$DIR/}"
    rm -f "$DIR"/*.pid "$DIR"/*.port
    mkdir -p "$DIR/client" "$DIR/etc/ppd" "$DIR/etc/ssl" "$DIR/cache" "$DIR/state" "$DIR/spool/tmp" "$DIR/log"
    # cupsd's filters and backends run as user lp and open the spooled documents: lp must be
    # able to reach DIR. DIR itself is ours to open up; its parents are not, so only check them.
    chmod 0755 "$DIR"
    if ! runuser -u lp -- test -x "$DIR/spool"; then
        die "user lp cannot reach $DIR (a parent directory is not world-searchable); use a directory such as \$(mktemp -d /tmp/cups.XXXXXX)"
    fi

    mkdir -p "$DIR/dbus"
    BUS="unix:path=$DIR/dbus/system_bus_socket"
    spawn "$DIR/log/dbus.log" dbus-daemon --session --nofork --nopidfile --address="$BUS"
    local dbus=$!
    echo "$dbus" >"$DIR/dbus.pid"
    wait_ready "$dbus" "private D-Bus ($BUS)" test -S "$DIR/dbus/system_bus_socket" ||
        { log_tail "$DIR/log/dbus.log"; die "dbus-daemon did not create its socket"; }

    start_cupsd

    local name
    for name in "${PRINTER_NAMES[@]}"; do
        start_ippeveprinter "$name"
    done
    trap - EXIT TERM INT
    print_env
}

cmd_stop() {
    [[ -d "$DIR" ]] || { note "$DIR does not exist: nothing to stop"; return 0; }
    local service
    for service in "${SERVICES[@]}"; do
        stop_pid "${service%%:*}" "${service#*:}"
    done
    rm -f "$DIR/cupsd.port" "$DIR"/printer*.port
}

(($# == 2)) || usage
DIR=$2
[[ -n "$DIR" ]] || usage
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) print_env ;;
    *) usage ;;
esac
