# Shared by the test service scripts (sourced, not run): messages, tools, ports, state files.
# The sourcing script sets DIR (its state directory) before calling get.

SCRIPT_NAME=${0##*/}

die() { echo "$SCRIPT_NAME: error: $*" >&2; exit 1; }
note() { echo "$SCRIPT_NAME: $*" >&2; }

# need PROGRAM PACKAGE: stop with the apt-get line that provides it.
need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' not found (apt-get install -y $2)"
}

# A TCP port nobody listens on (20000-59999). Another process may still take it before the
# service binds it: the scripts check the service really listens.
free_port() {
    local port tries=0
    while ((tries++ < 200)); do
        port=$((20000 + RANDOM % 40000))
        if [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]]; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found"
}

# The content of a state file in $DIR, or nothing.
get() { if [[ -f "$DIR/$1" ]]; then cat "$DIR/$1"; fi; }
