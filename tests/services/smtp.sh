#!/usr/bin/env bash
# A private mail catcher for tests: MailDev (npm) on 127.0.0.1, an SMTP server that keeps every
# mail it receives and lists them as JSON over HTTP. Nothing is relayed anywhere.
#
#   smtp.sh start DIR   start it, wait until both ports answer, print `export` lines on stdout
#   smtp.sh stop DIR    end exactly the process `start` recorded in DIR (safe to repeat)
#   smtp.sh env DIR     print the `export` lines again
#
# Typical use:  eval "$(tests/services/smtp.sh start "$tmp/smtp")"
#
# MailDev comes from npm, installed outside the repository by .ci/run:
#   npm install --prefix "${FIXTRAY_TEST_TOOLS:-/opt/fixtray-test-tools}" maildev@2.2.1
# (2.2.1: the last release that runs on Debian 12's Node.js 18; 3.x needs Node 20 and moved the
# API from /email to /api/email). Needs curl, iproute2 (ss) and util-linux (setsid, flock).
set -euo pipefail

readonly START_TIMEOUT_S=${SMTP_SH_START_TIMEOUT:-60}  # the whole start, all attempts
# SMTP_SH_TLS_CERT and SMTP_SH_TLS_KEY (PEM files): MailDev takes mail over implicit TLS
# (smtps://) with that certificate instead of plain SMTP; the URL printed says which.
readonly TLS_CERT=${SMTP_SH_TLS_CERT:-}
readonly TLS_KEY=${SMTP_SH_TLS_KEY:-}
readonly STOP_TIMEOUT_S=10
readonly TOOLS_DIR=${FIXTRAY_TEST_TOOLS:-/opt/fixtray-test-tools}
readonly MAILDEV=$TOOLS_DIR/node_modules/maildev/bin/maildev

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: smtp.sh start DIR | stop DIR | env DIR" >&2
    exit 2
}

# Alive and still MailDev (it runs under node; /proc/PID/comm is "node")?
is_ours() {
    local pid=$1 args
    alive "$pid" || return 1
    mapfile -d '' args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    [[ "${args[*]}" == *maildev* ]]
}

print_env() {
    local smtp web
    smtp=$(get smtp.port)
    web=$(get web.port)
    [[ -n "$smtp" && -n "$web" ]] || die "$DIR has no running MailDev (run 'smtp.sh start $DIR' first)"
    local scheme
    scheme=$(get smtp.scheme)
    echo "export FIXTRAY_TEST_SMTP_URL=${scheme:-smtp}://127.0.0.1:$smtp"
    # GET lists received mail as JSON; GET .../ID/attachment/FILENAME gives an attachment's bytes.
    echo "export FIXTRAY_TEST_MAILDEV_API=http://127.0.0.1:$web/email"
}

smtp_answers() {
    # The greeting is enough: "220 ... ESMTP" (over TLS when MailDev speaks smtps; the
    # certificate is not checked here, the tests check it).
    local greeting
    if [[ -n "$TLS_CERT" ]]; then
        greeting=$(timeout 3 openssl s_client -connect "127.0.0.1:$1" -quiet </dev/null \
            2>/dev/null | head -c 3) || true
    else
        greeting=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 3 <&3" \
            2>/dev/null) || true
    fi
    [[ "$greeting" == 220 ]]
}

web_answers() {
    curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$1/email"
}

cmd_start() {
    need node nodejs
    need curl curl
    need ss iproute2
    need setsid util-linux
    need flock util-linux
    [[ -f "$MAILDEV" ]] ||
        die "$MAILDEV not found (npm install --prefix $TOOLS_DIR maildev@2.2.1)"
    if is_ours "$(get maildev.pid)"; then
        die "a MailDev from $DIR is already running (pid $(get maildev.pid)); stop it first"
    fi
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if [[ ! -f "$DIR/.fixtray-smtp" && -n "$(ls -A "$DIR")" ]]; then
        die "$DIR is not empty and was not made by smtp.sh: give an empty or new directory"
    fi
    touch "$DIR/.fixtray-smtp"
    trap 'note "start failed, stopping what was started"; cmd_stop' EXIT
    # Killed by a caller's timeout: still stop what was started (MailDev has its own session).
    trap 'exit 143' TERM INT
    rm -rf "${DIR:?}/mail" "$DIR/log"
    rm -f "$DIR/maildev.pid" "$DIR/smtp.port" "$DIR/web.port" "$DIR/smtp.scheme"
    mkdir -p "$DIR/mail" "$DIR/log"

    # One deadline for the whole start, below the callers' timeouts. MailDev (node) exits at
    # once when a port is taken (EADDRINUSE in its log): then it starts again on other ports.
    local deadline=$((SECONDS + START_TIMEOUT_S)) attempt=0 smtp web pid up=0
    while :; do
        attempt=$((attempt + 1))
        reserve_port smtp
        reserve_port web
        echo "$smtp" >"$DIR/smtp.port"
        echo "$web" >"$DIR/web.port"
        # --ip / --web-ip: loopback only. --mail-directory: received mail under DIR, not
        # os.tmpdir(). No --outgoing-*/--auto-relay: nothing is ever passed on.
        local tls_args=()
        if [[ -n "$TLS_CERT" ]]; then
            tls_args=(--incoming-secure --incoming-cert "$TLS_CERT" --incoming-key "$TLS_KEY")
            echo smtps >"$DIR/smtp.scheme"
        else
            echo smtp >"$DIR/smtp.scheme"
        fi
        spawn "$DIR/log/maildev.log" setsid node "$MAILDEV" --smtp "$smtp" --web "$web" \
            --ip 127.0.0.1 --web-ip 127.0.0.1 --mail-directory "$DIR/mail" "${tls_args[@]}"
        pid=$!
        echo "$pid" >"$DIR/maildev.pid"
        # Ready: both protocols answer, on sockets this MailDev listens on. Alive, not is_ours:
        # until its exec the child is still a copy of this script.
        while alive "$pid"; do
            if smtp_answers "$smtp" && web_answers "$web" && listened_by "$smtp" "$pid" &&
                listened_by "$web" "$pid"; then
                up=1
                break
            fi
            if ((SECONDS >= deadline)); then
                log_tail "$DIR/log/maildev.log"
                die "MailDev (pid $pid) did not answer on 127.0.0.1:$smtp (SMTP) and" \
                    "127.0.0.1:$web (web) within ${START_TIMEOUT_S}s"
            fi
            sleep 0.2
        done
        ((up)) && break
        wait "$pid" 2>/dev/null || true
        release_ports
        if bind_failed "$DIR/log/maildev.log" && ((attempt < 5 && SECONDS < deadline)); then
            note "port $smtp or $web was taken before MailDev could bind it, trying others"
            continue
        fi
        log_tail "$DIR/log/maildev.log"
        die "maildev exited during start"
    done
    release_ports
    note "MailDev (pid $pid, smtp 127.0.0.1:$smtp, web 127.0.0.1:$web) is up"
    trap - EXIT TERM INT
    print_env
}

cmd_stop() {
    [[ -d "$DIR" ]] || { note "$DIR does not exist: nothing to stop"; return 0; }
    local pid
    pid=$(get maildev.pid)
    if is_ours "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if is_ours "$pid"; then
            note "maildev (pid $pid) ignored SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        note "stopped maildev (pid $pid)"
    fi
    rm -f "$DIR/maildev.pid" "$DIR/smtp.port" "$DIR/web.port" "$DIR/smtp.scheme"
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
