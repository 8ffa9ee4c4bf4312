#!/usr/bin/env bash
# Network namespaces for network tests: a private network stack in which a test may break,
# reset and probe "the network" without touching the machine's real one.
#
#   netns.sh create NAME            namespace NAME with only a loopback (up)
#   netns.sh create NAME --peer     also NAME-srv, a second namespace acting as a "server" host,
#                                   joined to NAME by a veth pair:
#                                     NAME:     eth0 192.0.2.1/24
#                                     NAME-srv: eth0 192.0.2.2/24
#   netns.sh run NAME CMD [ARG...]  run CMD inside NAME (exit status is CMD's)
#   netns.sh delete NAME            delete NAME (and NAME-srv); safe to repeat
#
# Traffic cannot leave the machine: the namespaces have no interface connected to the host's
# network, no default route and no NAT; the veth pair is created directly inside the two
# namespaces and never exists in the host's namespace. 192.0.2.0/24 is TEST-NET-1 (RFC 5737),
# a range reserved for documentation that is never routed anywhere.
#
# NAME must start with "fixtray-" so that `delete` can never remove a namespace this script did
# not make. Needs root and iproute2 (`ip`).
set -euo pipefail

readonly CLIENT_ADDR=192.0.2.1
readonly SERVER_ADDR=192.0.2.2
readonly PREFIX_LEN=24
readonly WAIT_TIMEOUT_S=10

die() { echo "netns.sh: error: $*" >&2; exit 1; }
note() { echo "netns.sh: $*" >&2; }

usage() {
    cat >&2 <<'EOF'
usage: netns.sh create NAME [--peer]
       netns.sh run NAME CMD [ARG...]
       netns.sh delete NAME
NAME: fixtray-[a-z0-9-]+
EOF
    exit 2
}

check_name() {
    [[ "$1" =~ ^fixtray-[a-z0-9][a-z0-9-]*$ ]] ||
        die "namespace name '$1' must match fixtray-[a-z0-9-]+ (so delete never touches others)"
    # NAME-srv must still be a valid name; keep names well below NAME_MAX.
    ((${#1} <= 60)) || die "namespace name '$1' is longer than 60 characters"
}

ns_exists() { [[ -e "/run/netns/$1" ]] && ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# wait_until DESCRIPTION COMMAND...: retries every 0.1 s for at most WAIT_TIMEOUT_S.
wait_until() {
    local what=$1
    shift
    local deadline=$((SECONDS + WAIT_TIMEOUT_S))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out after ${WAIT_TIMEOUT_S}s waiting for $what"
        sleep 0.1
    done
}

# link_up NS DEV: the device is administratively up and has carrier (LOWER_UP).
link_up() { ip -n "$1" -o link show dev "$2" | grep -q '[<,]LOWER_UP[,>]'; }

cmd_create() {
    local name=$1 peer=$2
    local srv="$name-srv"
    if ns_exists "$name"; then die "namespace $name already exists (netns.sh delete $name)"; fi
    if [[ "$peer" == yes ]] && ns_exists "$srv"; then
        die "namespace $srv already exists (netns.sh delete $name)"
    fi
    # A create that fails half-way removes what it made.
    trap 'note "create failed, cleaning up"; cmd_delete "$name"' EXIT

    ip netns add "$name"
    ip -n "$name" link set lo up
    wait_until "loopback in $name" link_up "$name" lo

    if [[ "$peer" == yes ]]; then
        ip netns add "$srv"
        ip -n "$srv" link set lo up
        # Both ends are born inside their namespaces: the host never sees this link.
        ip link add name eth0 netns "$name" type veth peer name eth0 netns "$srv"
        ip -n "$name" addr add "$CLIENT_ADDR/$PREFIX_LEN" dev eth0
        ip -n "$srv" addr add "$SERVER_ADDR/$PREFIX_LEN" dev eth0
        ip -n "$name" link set eth0 up
        ip -n "$srv" link set eth0 up
        # The carrier appears once both ends are up, which can take a moment.
        wait_until "eth0 in $name" link_up "$name" eth0
        wait_until "eth0 in $srv" link_up "$srv" eth0
        note "created $name ($CLIENT_ADDR) and $srv ($SERVER_ADDR)"
    else
        note "created $name (loopback only)"
    fi
    trap - EXIT
}

cmd_run() {
    local name=$1
    shift
    ns_exists "$name" || die "namespace $name does not exist (netns.sh create $name)"
    exec ip netns exec "$name" "$@"
}

delete_one() {
    local ns=$1
    ns_exists "$ns" || return 0
    local pids
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    if [[ -n "${pids// /}" ]]; then
        # Not ours to kill: whoever started them must. The namespace lives on until they exit.
        note "warning: processes still inside $ns: $pids(the namespace goes away when they exit)"
    fi
    ip netns delete "$ns"
    note "deleted $ns"
}

cmd_delete() {
    local name=$1
    # Deleting a namespace also destroys the veth end inside it, and with it the peer end.
    delete_one "$name-srv"
    delete_one "$name"
}

(($# >= 2)) || usage
[[ $EUID -eq 0 ]] || die "must run as root (ip netns)"
command -v ip >/dev/null || die "'ip' not found (apt-get install -y iproute2)"
cmd=$1
name=$2
shift 2
check_name "$name"
case $cmd in
    create)
        case "${1-}" in
            "") cmd_create "$name" no ;;
            --peer) cmd_create "$name" yes ;;
            *) usage ;;
        esac
        ;;
    run)
        (($# >= 1)) || usage
        cmd_run "$name" "$@"
        ;;
    delete)
        (($# == 0)) || usage
        cmd_delete "$name"
        ;;
    *) usage ;;
esac
