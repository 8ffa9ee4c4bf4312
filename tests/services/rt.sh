#!/usr/bin/env bash
# A private Request Tracker 5 for tests: Debian's rt-server on 127.0.0.1, with its own
# configuration, its own copy of the SQLite database and its own caches, all under one directory.
#
#   rt.sh start DIR   start it, wait until REST 2 answers, print `export` lines on stdout
#   rt.sh stop DIR    end exactly the server `start` recorded in DIR (safe to repeat)
#   rt.sh env DIR     print the `export` lines again
#
# Typical use:  eval "$(tests/services/rt.sh start "$tmp/rt")"
#
# Never writes /etc/request-tracker5 or the installed database: RT reads its site configuration
# from RT_SITE_CONFIG / RT_SITE_CONFIG_DIR (both honoured by RT::Config) pointing into DIR. Each
# start gets a fresh copy of a template database, so any number of servers can run side by side
# (ctest -j) without sharing state; tickets are numbered from 1 in each.
#
# The template (made once per machine, under a lock, from the database dbconfig-common created at
# install time) adds a least-privileged user `fixtray` (password `fixtray-pass`): unprivileged,
# with only CreateTicket, SeeQueue and ShowTicket on queue General; exactly what the fixtray RT
# backend needs. `root` / `password` is RT's own administrator.
#
# Needs the Debian packages request-tracker5 rt5-db-sqlite rt5-standalone, curl, iproute2 (ss).
# When run as root the server runs as www-data (as the packaged RT does); DIR must then be
# reachable by www-data.
set -euo pipefail

readonly START_TIMEOUT_S=${RT_SH_START_TIMEOUT:-150}  # the whole start, all attempts
readonly STOP_TIMEOUT_S=10
readonly RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
readonly RT_LIB=/usr/share/request-tracker5/lib
readonly INSTALLED_DB=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
readonly TOOLS_DIR=${FIXTRAY_TEST_TOOLS:-/opt/fixtray-test-tools}
readonly TEMPLATE_DIR=$TOOLS_DIR/rt
readonly TEST_USER=fixtray
readonly TEST_PASSWORD=fixtray-pass

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: rt.sh start DIR | stop DIR | env DIR" >&2
    exit 2
}

# Alive and still rt-server (Starlet keeps that name in /proc/PID/comm)?
is_ours() {
    local pid=$1 comm=
    alive "$pid" || return 1
    read -r comm 2>/dev/null <"/proc/$pid/comm" || return 1
    [[ "$comm" == rt-server ]]
}

print_env() {
    local port
    port=$(get rt.port)
    [[ -n "$port" ]] || die "$DIR has no running RT (run 'rt.sh start $DIR' first)"
    echo "export FIXTRAY_TEST_RT_URL=http://127.0.0.1:$port"
    echo "export FIXTRAY_TEST_RT_USER=$TEST_USER"
    echo "export FIXTRAY_TEST_RT_PASSWORD=$TEST_PASSWORD"
    echo "export FIXTRAY_TEST_RT_ADMIN_USER=root"
    echo "export FIXTRAY_TEST_RT_ADMIN_PASSWORD=password"
}

# RT_SiteConfig.pm for one instance. RT evaluates it as Perl.
write_config() {
    local port=$1
    cat >"$DIR/etc/RT_SiteConfig.pm" <<EOF
# Written by tests/services/rt.sh for a test instance; the only site configuration RT reads.
Set(\$rtname, 'fixtray-test');
Set(\$Organization, 'fixtray-test');
Set(\$Timezone, 'UTC');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$DIR/db/rtdb');
Set(\$WebPath, '');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebBaseURL, 'http://127.0.0.1:$port');
# Outgoing mail (autoreplies to requestors) goes to a file under DIR, never to the machine's MTA
# (the packages pull in exim4).
Set(\$MailCommand, 'mbox');
Set(\$LogDir, '$DIR/log');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'warning');
# Compiled templates and sessions: not the packaged /var/cache/request-tracker5.
\$RT::MasonDataDir = '$DIR/cache/mason_data';
\$RT::MasonSessionDir = '$DIR/cache/session_data';
1;
EOF
}

# The template database: the installed one plus the least-privileged test user. Made once, under
# a lock, so parallel starts neither race nor pay for it twice (it loads RT: several seconds).
make_template() {
    mkdir -p "$TEMPLATE_DIR"
    exec 9>"$TEMPLATE_DIR/.lock"
    flock -w "$((DEADLINE > SECONDS ? DEADLINE - SECONDS : 1))" 9 ||
        die "timed out waiting for $TEMPLATE_DIR/.lock"
    if [[ -f "$TEMPLATE_DIR/rtdb" && "$TEMPLATE_DIR/rtdb" -nt "$INSTALLED_DB" ]]; then
        exec 9>&-
        return 0
    fi
    note "making the template database in $TEMPLATE_DIR (once per machine)"
    local work="$TEMPLATE_DIR/work"
    rm -rf "$work"
    mkdir -p "$work/etc/RT_SiteConfig.d" "$work/log" "$work/cache"
    cp "$INSTALLED_DB" "$work/rtdb"
    cat >"$work/etc/RT_SiteConfig.pm" <<EOF
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$work/rtdb');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'error');
1;
EOF
    RT_SITE_CONFIG="$work/etc/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$work/etc/RT_SiteConfig.d" \
        perl -I"$RT_LIB" -e '
            use strict; use warnings; use RT;
            RT::LoadConfig(); RT::Init();
            my ($user_name, $password) = @ARGV;
            my $user = RT::User->new(RT->SystemUser);
            my ($ok, $msg) = $user->Create(Name => $user_name, Password => $password,
                Privileged => 0, EmailAddress => "$user_name\@localhost");
            die "creating user $user_name: $msg\n" unless $ok;
            my $queue = RT::Queue->new(RT->SystemUser);
            $queue->Load("General") or die "queue General not found\n";
            for my $right (qw(CreateTicket SeeQueue ShowTicket)) {
                my ($granted, $why) = $user->PrincipalObj->GrantRight(Right => $right,
                                                                     Object => $queue);
                die "granting $right: $why\n" unless $granted;
            }' "$TEST_USER" "$TEST_PASSWORD" >"$work/log/template.log" 2>&1 ||
        { cat "$work/log/template.log" >&2; die "could not prepare the template database"; }
    mv "$work/rtdb" "$TEMPLATE_DIR/rtdb"
    rm -rf "$work"
    exec 9>&-
}

rest_answers() {
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u root:password \
        "http://127.0.0.1:$1/REST/2.0/queue/General")
    [[ "$code" == 200 ]]
}

cmd_start() {
    # One deadline for the whole start (template, every attempt), below the callers' timeouts
    # (the tests give 180 s): a start that fails says why, with RT's log.
    DEADLINE=$((SECONDS + START_TIMEOUT_S))
    need curl curl
    need ss iproute2
    need flock util-linux
    need setsid util-linux
    [[ -x "$RT_SERVER" ]] || die "$RT_SERVER not found (apt-get install -y request-tracker5 rt5-db-sqlite rt5-standalone)"
    [[ -f "$INSTALLED_DB" ]] || die "$INSTALLED_DB not found (apt-get install -y rt5-db-sqlite)"
    if is_ours "$(get rt.pid)"; then
        die "an RT from $DIR is already running (pid $(get rt.pid)); stop it first"
    fi
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if [[ ! -f "$DIR/.fixtray-rt" && -n "$(ls -A "$DIR")" ]]; then
        die "$DIR is not empty and was not made by rt.sh: give an empty or new directory"
    fi
    touch "$DIR/.fixtray-rt"
    trap 'note "start failed, stopping what was started"; cmd_stop' EXIT
    # Killed by a caller's timeout: still stop what was started (RT has its own session).
    trap 'exit 143' TERM INT

    make_template
    rm -rf "${DIR:?}/etc" "$DIR/db" "$DIR/cache" "$DIR/log"
    rm -f "$DIR/rt.pid" "$DIR/rt.port"
    mkdir -p "$DIR/etc/RT_SiteConfig.d" "$DIR/db" "$DIR/cache/mason_data" \
        "$DIR/cache/session_data" "$DIR/log"
    cp "$TEMPLATE_DIR/rtdb" "$DIR/db/rtdb"

    local -a as_user=()
    if [[ $EUID -eq 0 ]]; then
        # Like the packaged RT: not as root. www-data owns what RT writes (database, caches, log).
        chmod 0755 "$DIR"
        chown -R www-data:www-data "$DIR/db" "$DIR/cache" "$DIR/log"
        runuser -u www-data -- test -r "$DIR/db/rtdb" ||
            die "user www-data cannot reach $DIR (a parent directory is not world-searchable); use a directory such as \$(mktemp -d /tmp/rt.XXXXXX)"
        as_user=(setpriv --reuid=www-data --regid=www-data --init-groups --)
    fi

    # RT binds its port only after loading (10 s and more): the port stays reserved until then.
    # rt-server exits at once when the port is taken: then it starts again on another port.
    local attempt=0 port pid up=0
    while :; do
        attempt=$((attempt + 1))
        reserve_port port
        echo "$port" >"$DIR/rt.port"
        write_config "$port"
        chmod 0644 "$DIR/etc/RT_SiteConfig.pm"
        # setsid: the server and its Starlet workers form their own process group, which stop
        # ends. --max-workers 2: tests make a few requests at a time; each worker costs ~60 MB.
        RT_SITE_CONFIG="$DIR/etc/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$DIR/etc/RT_SiteConfig.d" \
            spawn "$DIR/log/rt-server.log" setsid "${as_user[@]}" "$RT_SERVER" --host 127.0.0.1 \
            --port "$port" --max-workers 2
        pid=$!
        echo "$pid" >"$DIR/rt.pid"
        # Ready: REST 2 answers, on a socket this server listens on. Alive, not is_ours: until
        # its exec the child is still a copy of this script.
        while alive "$pid"; do
            if rest_answers "$port" && listened_by "$port" "$pid"; then
                up=1
                break
            fi
            if ((SECONDS >= DEADLINE)); then
                log_tail "$DIR/log/rt-server.log"
                die "RT (pid $pid) did not answer on 127.0.0.1:$port within ${START_TIMEOUT_S}s"
            fi
            sleep 0.2
        done
        ((up)) && break
        wait "$pid" 2>/dev/null || true
        release_port "$port"
        # rt-server hides Starlet's EADDRINUSE behind its own message.
        if { bind_failed "$DIR/log/rt-server.log" ||
            grep -qsF "couldn't start up a web server on port $port" "$DIR/log/rt-server.log"; } &&
            ((attempt < 3 && SECONDS < DEADLINE)); then
            note "port $port was taken before RT could bind it, trying another"
            continue
        fi
        log_tail "$DIR/log/rt-server.log"
        die "rt-server exited during start"
    done
    release_ports
    note "Request Tracker (pid $pid, http://127.0.0.1:$port) is up"
    trap - EXIT TERM INT
    print_env
}

cmd_stop() {
    [[ -d "$DIR" ]] || { note "$DIR does not exist: nothing to stop"; return 0; }
    local pid
    pid=$(get rt.pid)
    if is_ours "$pid"; then
        # The whole group at once: the master alone would wait for each worker in turn (~6 s).
        kill -TERM -- "-$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT_S))
        while is_ours "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
        if is_ours "$pid"; then
            note "rt-server (pid $pid) ignored SIGTERM, sending SIGKILL"
        fi
        kill -KILL -- "-$pid" 2>/dev/null || true
        note "stopped rt-server (pid $pid)"
    fi
    rm -f "$DIR/rt.pid" "$DIR/rt.port"
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
