#!/usr/bin/env bash
# A private nginx for tests: Debian's nginx serving one directory as static files on 127.0.0.1,
# with its own configuration, logs, pid file and temp paths, all under one directory. The
# machine's own nginx (/etc/nginx, nginx.service, port 80) is never read, started or signalled.
#
#   nginx.sh start DIR ROOT   start it serving ROOT, wait until it answers, print `export` lines
#   nginx.sh stop DIR         end exactly the nginx `start` recorded in DIR, wait until its port
#                             is closed (safe to repeat)
#   nginx.sh env DIR          print the `export` lines again
#
# Typical use:  eval "$(tests/services/nginx.sh start "$tmp/nginx" "$tmp/feed")"
#
# ROOT is served read-only (no directory listing, no uploads). When started as root the worker
# processes run as nobody:nogroup, so ROOT and every directory above it must be readable and
# searchable by others (`start` checks and says so). NGINX_SH_WORKERS sets worker_processes
# (default 1; the benchmark uses auto). NGINX_SH_TLS_CERT and NGINX_SH_TLS_KEY (PEM files) make
# it serve https:// with that certificate instead of http:// (the URL printed says which), and
# NGINX_SH_REDIRECT_TO=URL makes /redirect answer "302 Found" to URL. Needs
# the Debian package nginx, curl, iproute2 (ss), util-linux (setsid, setpriv).
set -euo pipefail

readonly START_TIMEOUT_S=${NGINX_SH_START_TIMEOUT:-30}  # the whole start, all attempts
readonly STOP_TIMEOUT_S=10
readonly WORKERS=${NGINX_SH_WORKERS:-1}
readonly WORKER_USER=nobody
readonly WORKER_GROUP=nogroup
readonly TLS_CERT=${NGINX_SH_TLS_CERT:-}
readonly TLS_KEY=${NGINX_SH_TLS_KEY:-}
readonly REDIRECT_TO=${NGINX_SH_REDIRECT_TO:-}
if [[ -n "$TLS_CERT" ]]; then SCHEME=https; else SCHEME=http; fi
readonly SCHEME

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: nginx.sh start DIR ROOT | stop DIR | env DIR" >&2
    exit 2
}

nginx_bin() {
    if [[ -x /usr/sbin/nginx ]]; then echo /usr/sbin/nginx; else command -v nginx || true; fi
}

# Alive, an nginx binary, and started with this DIR's configuration (never the system nginx)?
is_ours() {
    local pid=$1 exe args
    alive "$pid" || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [[ "${exe##*/}" == nginx ]] || return 1
    mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    [[ " ${args[*]} " == *" -c $DIR/nginx.conf "* ]]
}

port_open() {
    [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
}

# Any HTTP status from 127.0.0.1:PORT (ROOT's index may well be 404 or 403). Over TLS the
# certificate is not checked here: the tests check it (some serve bad ones on purpose).
answers() {
    [[ "$(curl -s -k -o /dev/null -w '%{http_code}' --max-time 5 "$SCHEME://127.0.0.1:$1/" \
        2>/dev/null)" =~ ^[1-5][0-9][0-9]$ ]]
}

print_env() {
    local port
    port=$(get nginx.port)
    [[ -n "$port" ]] || die "$DIR has no running nginx (run 'nginx.sh start $DIR ROOT' first)"
    echo "export FIXTRAY_TEST_NGINX_URL=$SCHEME://127.0.0.1:$port/"
    echo "export FIXTRAY_TEST_NGINX_DIR=$DIR"
    echo "export FIXTRAY_TEST_NGINX_ROOT=$(get root.path)"
}

write_config() {
    local port=$1 root=$2 user_line="# not root: workers run as the caller" listen tls=""
    if (($(id -u) == 0)); then
        user_line="user $WORKER_USER $WORKER_GROUP;"
    fi
    listen="listen 127.0.0.1:$port;"
    if [[ -n "$TLS_CERT" ]]; then
        listen="listen 127.0.0.1:$port ssl;"
        tls="ssl_certificate $TLS_CERT; ssl_certificate_key $TLS_KEY;"
    fi
    local redirect="# no /redirect (NGINX_SH_REDIRECT_TO)"
    if [[ -n "$REDIRECT_TO" ]]; then
        [[ "$REDIRECT_TO" =~ ^https?://[A-Za-z0-9.:/_-]+$ ]] ||
            die "NGINX_SH_REDIRECT_TO must be a plain http(s) URL"
        redirect="location = /redirect { return 302 $REDIRECT_TO; }"
    fi
    cat >"$DIR/nginx.conf" <<EOF
# Written by tests/services/nginx.sh for a test instance; nothing under /etc/nginx is read.
$user_line
daemon off;
master_process on;
worker_processes $WORKERS;
pid $DIR/nginx.pid;
error_log $DIR/log/error.log notice;

events {
    worker_connections 1024;
}

http {
    types {
        text/html html;
        text/plain txt;
        application/xml xml;
        application/json json;
        application/gzip gz;
        application/octet-stream minisig sig bin;
    }
    default_type application/octet-stream;
    charset off;
    server_tokens off;

    access_log $DIR/log/access.log;
    # Every temp path under DIR: the compiled-in defaults are /var/lib/nginx/*.
    client_body_temp_path $DIR/tmp/body;
    proxy_temp_path $DIR/tmp/proxy;
    fastcgi_temp_path $DIR/tmp/fastcgi;
    uwsgi_temp_path $DIR/tmp/uwsgi;
    scgi_temp_path $DIR/tmp/scgi;

    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    etag on;
    if_modified_since exact;

    server {
        $listen
        $tls
        server_name _;
        root $root;
        autoindex off;
        $redirect
        location / {
            limit_except GET { deny all; }
            try_files \$uri =404;
        }
    }
}
EOF
}

# The workers (nobody) must reach ROOT: every directory from / down must be searchable.
check_root_readable() {
    local root=$1
    (($(id -u) == 0)) || return 0
    if ! setpriv --reuid="$WORKER_USER" --regid="$WORKER_GROUP" --clear-groups \
        test -r "$root" -a -x "$root"; then
        die "$root is not readable by $WORKER_USER (nginx's workers): make it and every" \
            "directory above it world-readable (e.g. chmod 755; a directory inside a" \
            "'mktemp -d' directory is not)"
    fi
}

cmd_start() {
    (($# == 1)) || usage
    local root=$1 nginx
    need curl curl
    need ss iproute2
    need setsid util-linux
    need setpriv util-linux
    need flock util-linux
    nginx=$(nginx_bin)
    [[ -n "$nginx" && -x "$nginx" ]] || die "nginx not found (apt-get install -y nginx)"
    [[ -d "$root" ]] || die "ROOT $root is not a directory"
    if [[ -n "$TLS_CERT" ]]; then
        [[ -r "$TLS_CERT" && -r "$TLS_KEY" ]] ||
            die "NGINX_SH_TLS_CERT and NGINX_SH_TLS_KEY must both name readable PEM files"
    fi
    root=$(cd "$root" && pwd -P)
    check_root_readable "$root"

    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if is_ours "$(get nginx.pid)"; then
        die "an nginx from $DIR is already running (pid $(get nginx.pid)); stop it first"
    fi
    if [[ ! -f "$DIR/.fixtray-nginx" && -n "$(ls -A "$DIR")" ]]; then
        die "$DIR is not empty and was not made by nginx.sh: give an empty or new directory"
    fi
    case $root/ in
        "$DIR"/*) die "ROOT must not be inside DIR (it would serve nginx's own config and logs)" ;;
    esac
    touch "$DIR/.fixtray-nginx"
    trap 'note "start failed, stopping what was started"; cmd_stop' EXIT
    # Killed by a caller's timeout: still stop what was started (nginx runs in its own session).
    trap 'exit 143' TERM INT
    rm -rf "${DIR:?}/log" "$DIR/tmp"
    rm -f "$DIR/nginx.pid" "$DIR/nginx.port" "$DIR/root.path"
    mkdir -p "$DIR/log" "$DIR/tmp"
    echo "$root" >"$DIR/root.path"

    # One deadline for the whole start, below the callers' timeouts (the tests give 60 s): a
    # start that fails says why, with nginx's log, instead of being killed silently.
    local deadline=$((SECONDS + START_TIMEOUT_S)) attempt=0 port pid up=0
    while :; do
        attempt=$((attempt + 1))
        reserve_port port
        write_config "$port" "$root"
        "$nginx" -t -q -c "$DIR/nginx.conf" -p "$DIR" -e "$DIR/log/error.log" \
            >"$DIR/log/nginx-t.log" 2>&1 ||
            { cat "$DIR/log/nginx-t.log" >&2; die "nginx -t rejected $DIR/nginx.conf"; }
        echo "$port" >"$DIR/nginx.port"
        # daemon off: the master is this process; its own process group (setsid) so a stuck
        # shutdown can be ended together with its workers.
        spawn "$DIR/log/nginx.out" setsid "$nginx" -c "$DIR/nginx.conf" -p "$DIR" \
            -e "$DIR/log/error.log"
        pid=$!
        echo "$pid" >"$DIR/nginx.pid"
        # Ready: an HTTP answer on the port, from a socket this nginx listens on (the port
        # could have been bound by someone else in the meantime: then nginx is still retrying
        # its bind and whatever answers is not ours).
        while alive "$pid"; do
            if answers "$port" && listened_by "$port" "$pid"; then
                up=1
                break
            fi
            if ((SECONDS >= deadline)); then
                log_tail "$DIR/log/error.log" "$DIR/log/nginx.out"
                die "nginx (pid $pid) did not answer on 127.0.0.1:$port within ${START_TIMEOUT_S}s"
            fi
            sleep 0.1
        done
        ((up)) && break
        wait "$pid" 2>/dev/null || true
        release_port "$port"
        if bind_failed "$DIR/log/error.log" && ((attempt < 5 && SECONDS < deadline)); then
            note "port $port was taken before nginx could bind it, trying another"
            : >"$DIR/log/error.log"
            continue
        fi
        log_tail "$DIR/log/error.log" "$DIR/log/nginx.out"
        die "nginx exited during start"
    done
    release_ports
    note "nginx (pid $pid, 127.0.0.1:$port) serves $root"
    trap - EXIT TERM INT
    print_env
}

cmd_stop() {
    [[ -d "$DIR" ]] || { note "$DIR does not exist: nothing to stop"; return 0; }
    DIR=$(cd "$DIR" && pwd -P)
    local pid port stopped=0
    pid=$(get nginx.pid)
    port=$(get nginx.port)
    if is_ours "$pid"; then
        stopped=1
        # SIGTERM: fast shutdown (SIGQUIT would wait for keep-alive connections to go idle).
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if is_ours "$pid"; then
            note "nginx (pid $pid) ignored SIGTERM, sending SIGKILL to its process group"
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        note "stopped nginx (pid $pid)"
    fi
    # Workers close the listening socket last: wait until the port is closed.
    if ((stopped)) && [[ -n "$port" ]]; then
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while port_open "$port" && ((SECONDS < deadline)); do sleep 0.1; done
        port_open "$port" && note "port $port is still open after ${STOP_TIMEOUT_S}s"
    fi
    rm -f "$DIR/nginx.pid" "$DIR/nginx.port"
}

(($# >= 2)) || usage
cmd=$1
DIR=$2
[[ -n "$DIR" ]] || usage
shift 2
case $cmd in
    start) cmd_start "$@" ;;
    stop) (($# == 0)) || usage; cmd_stop ;;
    env) (($# == 0)) || usage; print_env ;;
    *) usage ;;
esac
