# shellcheck shell=bash
# Shared by the test service scripts (sourced, not run): messages, tools, ports, processes,
# state files. The sourcing script sets DIR (its state directory) before calling get.

SCRIPT_NAME=${0##*/}

die() { echo "$SCRIPT_NAME: error: $*" >&2; exit 1; }
note() { echo "$SCRIPT_NAME: $*" >&2; }

# need PROGRAM PACKAGE: stop with the apt-get line that provides it.
need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found (apt-get install -y $2)"
}

# --- Ports -----------------------------------------------------------------------------------
#
# Many tests start services at once (ctest -j), next to thousands of short loopback connections.
# Three things have to hold for a port a service is about to bind:
#
#  1. No kernel-chosen port can be it. A client socket (ESTABLISHED, or TIME_WAIT for 60 s after
#     it closed) and every bind(port 0) take ports from net.ipv4.ip_local_port_range, and such a
#     socket makes a listener's bind() of that port fail with EADDRINUSE even with SO_REUSEADDR,
#     while `ss -ltn` shows nothing there. So ports come from outside that range only.
#  2. No other start picks it before this one has bound it. A port is reserved by holding
#     flock(2) on PORT_LOCK_DIR/PORT from the choice until the service listens (the script
#     exits or calls release_ports). Another start takes the lock first and then checks `ss`:
#     so it either waits out the reservation or sees the listener, never the gap in between.
#  3. Nobody else on the machine uses it right now: `ss` shows no TCP socket on it in any
#     state. What is left (a process outside these scripts binding a fixed port in the same
#     moment) shows as EADDRINUSE in the service's log: the scripts then start again on another
#     port, and their readiness checks make sure it is their process that answers.
#
# Processes started while a reservation is held must not inherit its descriptor (spawn below).

PORT_LOCK_DIR=${FIXTRAY_TEST_PORT_LOCKS:-/tmp/fixtray-test-ports}
declare -A HELD_PORTS=()  # port -> descriptor holding its lock

# set_port_range: PORT_FIRST..PORT_LAST, the ports handed out: outside the ephemeral range
# (20000 up to it on a default system: 20000-32767).
set_port_range() {
    local lo=32768 hi=60999
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    if ((lo - 20000 >= 1000)); then
        PORT_FIRST=20000 PORT_LAST=$((lo - 1))
    elif ((lo - 1024 >= 1000)); then
        PORT_FIRST=1024 PORT_LAST=$((lo - 1))
    elif ((65535 - hi >= 1000)); then
        PORT_FIRST=$((hi + 1)) PORT_LAST=65535
    else
        die "net.ipv4.ip_local_port_range ($lo-$hi) leaves no room for test services"
    fi
}

port_lock_dir() {
    if [[ ! -d "$PORT_LOCK_DIR" ]]; then
        mkdir -p "$PORT_LOCK_DIR" 2>/dev/null || true
        chmod 1777 "$PORT_LOCK_DIR" 2>/dev/null || true
    fi
    [[ -d "$PORT_LOCK_DIR" && ! -L "$PORT_LOCK_DIR" ]] ||
        die "cannot use $PORT_LOCK_DIR for port reservations (set FIXTRAY_TEST_PORT_LOCKS)"
}

# reserve_port VAR: a TCP port for a service to bind on 127.0.0.1 (and ::1), stored in VAR and
# reserved for this script until release_port / release_ports or its exit.
reserve_port() {
    local _var=$1 _port _file _fd _tries=0
    set_port_range
    port_lock_dir
    while ((_tries++ < 500)); do
        _port=$((PORT_FIRST + ((RANDOM << 15) | RANDOM) % (PORT_LAST - PORT_FIRST + 1)))
        [[ -z "${HELD_PORTS[$_port]:-}" ]] || continue
        _file=$PORT_LOCK_DIR/$_port
        # Made by whoever needs it first; flock works on a read-only descriptor, so a file
        # made by another user serves as well.
        [[ -e "$_file" ]] || : >>"$_file" 2>/dev/null || true
        { exec {_fd}<"$_file"; } 2>/dev/null || continue
        if flock -n "$_fd" && [[ -z "$(ss -Htan "sport = :$_port" 2>/dev/null)" ]]; then
            HELD_PORTS[$_port]=$_fd
            printf -v "$_var" '%s' "$_port"
            return 0
        fi
        exec {_fd}<&-
    done
    die "no free TCP port found in $PORT_FIRST-$PORT_LAST after 500 tries"
}

release_port() {
    local fd=${HELD_PORTS[$1]:-}
    [[ -n "$fd" ]] || return 0
    exec {fd}<&-
    unset "HELD_PORTS[$1]"
}

release_ports() {
    local port
    for port in "${!HELD_PORTS[@]}"; do release_port "$port"; done
}

# spawn LOG COMMAND...: starts COMMAND in the background (stdin /dev/null, stdout and stderr to
# LOG) without the port reservations' descriptors; the caller reads its PID from $!.
spawn() {
    local log=$1
    shift
    (
        for fd in "${HELD_PORTS[@]}"; do exec {fd}<&-; done
        exec "$@"
    ) >"$log" 2>&1 </dev/null &
}

# listened_by PORT PID: PID itself holds a socket listening on PORT (not a process that
# happened to take the port first). Sees another user's processes only as root.
listened_by() {
    [[ "$(ss -Hltnp "sport = :$1" 2>/dev/null)" == *"pid=$2,"* ]]
}

# bind_failed LOG...: one of the logs says a listening socket could not be bound.
bind_failed() {
    grep -qsiE "address already in use|EADDRINUSE" "$@"
}

# --- Processes and state ---------------------------------------------------------------------

# alive PID: the process exists and has not exited (a zombie has). No fork: waits call it often.
alive() {
    local pid=$1 stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# The content of a state file in $DIR (its first line), or nothing.
get() {
    local value=
    if [[ -f "$DIR/$1" ]]; then read -r value <"$DIR/$1" || true; fi
    echo "$value"
}

# log_tail FILE...: the last lines of the logs that exist, for an error message on stderr.
log_tail() {
    local f
    for f in "$@"; do
        [[ -s "$f" ]] || continue
        echo "--- last lines of $f:" >&2
        tail -n 20 "$f" >&2 || true
    done
}

# --- Processes started by a script that records them as DIR/NAME.pid -------------------------
#
# For scripts whose services are listed as NAME:COMM (COMM: the program's /proc/PID/comm).
# They set STOP_TIMEOUT_S (SIGTERM grace) and, while starting, DEADLINE (in $SECONDS).

# is_ours PID COMM: PID is alive and still the program we started (not a recycled PID).
is_ours() {
    local pid=$1 comm=$2 now=
    alive "$pid" || return 1
    read -r now 2>/dev/null <"/proc/$pid/comm" || return 1
    [[ "$now" == "$comm" ]]
}

# wait_ready PID WHAT COMMAND...: retries COMMAND every 0.2 s until it succeeds (0), PID exits
# (1; alive, not is_ours: until its exec a new child is still a copy of this script) or the
# start's deadline passes (2).
wait_ready() {
    local pid=$1 what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        alive "$pid" || return 1
        ((SECONDS < DEADLINE)) || return 2
        sleep 0.2
    done
    note "$what is up"
}

# stop_pid NAME COMM: SIGTERM the process in DIR/NAME.pid if it is ours, wait, SIGKILL; forgets
# the PID file either way.
stop_pid() {
    local name=$1 comm=$2 pid
    pid=$(get "$name.pid")
    if is_ours "$pid" "$comm"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while is_ours "$pid" "$comm" && ((SECONDS < deadline)); do sleep 0.1; done
        if is_ours "$pid" "$comm"; then
            note "$name (pid $pid) ignored SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        note "stopped $name (pid $pid)"
    fi
    rm -f "$DIR/$name.pid"
}
