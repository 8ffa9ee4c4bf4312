#!/usr/bin/env bash
# Feed polling cost: how many conditional GETs of a feed index (answered 304 Not Modified) and,
# for comparison, full 200 responses a private Debian nginx (tests/services/nginx.sh) serves per
# second on this machine. Client and server run on the same machine, over loopback.
#
#   tests/bench/nginx_304.sh [SECONDS] [CONNECTIONS]     defaults: 10 s, 50 connections
#
# Load tool: wrk (Debian package wrk, 2 threads, keep-alive) when installed, else ab (package
# apache2-utils, one thread; BENCH_TOOL=ab forces it). Not run in CI. Needs root or not: as root
# nginx's workers run as nobody, so the feed directory is made world-readable.
set -euo pipefail

readonly SECS=${1:-10}
readonly CONNS=${2:-50}
readonly PACKS=200
here=$(cd "$(dirname "$0")" && pwd -P)
nginx_sh=$here/../services/nginx.sh

tool=${BENCH_TOOL:-}
if [[ -z "$tool" ]]; then
    if command -v wrk >/dev/null; then tool=wrk
    elif command -v ab >/dev/null; then tool=ab
    else echo "nginx_304.sh: needs wrk (apt-get install wrk) or ab (apache2-utils)" >&2; exit 1
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fixtray-bench-XXXXXX")
chmod 755 "$work"
cleanup() { "$nginx_sh" stop "$work/nginx" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# A realistic feed index: 200 packs, one line each (~40 KB). The sha256 values only have the
# right shape (64 hex digits, deterministic); the content is not what is measured.
mkdir -p "$work/feed"
awk -v packs="$PACKS" 'BEGIN {
    srand(42)
    print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    print "<feed xmlns=\"urn:fixtray:feed:1\" generated=\"2026-01-01T00:00:00Z\" sequence=\"1042\">"
    for (i = 1; i <= packs; i++) {
        sha = ""
        for (j = 0; j < 64; j++) sha = sha substr("0123456789abcdef", int(rand() * 16) + 1, 1)
        printf "  <pack id=\"org.example.fix-%03d-network-printer-and-vpn\" version=\"%d.%d.%d\" ", \
            i, i % 5 + 1, i % 10, i % 7
        printf "file=\"packs/org.example.fix-%03d-%d.fixpack.tar.gz\" size=\"%d\" sha256=\"%s\"/>\n", \
            i, i % 5 + 1, 4096 + i * 37, sha
    }
    print "</feed>"
}' >"$work/feed/index.xml"
chmod -R a+rX "$work/feed"
index_bytes=$(stat -c %s "$work/feed/index.xml")

eval "$(NGINX_SH_WORKERS=auto "$nginx_sh" start "$work/nginx" "$work/feed")"
url=${FIXTRAY_TEST_NGINX_URL}index.xml
etag=$(curl -sI "$url" | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tr -d '\r')
[[ -n "$etag" ]] || { echo "nginx_304.sh: no ETag from $url" >&2; exit 1; }
[[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$url")" == 304 ]] ||
    { echo "nginx_304.sh: If-None-Match did not give 304" >&2; exit 1; }

# Bytes on the wire of one answer (status line + headers + body), as curl receives them.
bytes_304=$(curl -s -D - -o /dev/null -H "If-None-Match: $etag" "$url" | wc -c)
bytes_200_headers=$(curl -s -D - -o /dev/null "$url" | wc -c)
request_bytes=$(printf 'GET /index.xml HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: fixtray/0.1\r\nAccept: */*\r\nIf-None-Match: %s\r\n\r\n' \
    "${FIXTRAY_TEST_NGINX_URL##*:}" "$etag" | wc -c)

# One run; prints requests/s, and fails unless every answer had the expected status.
run_load() {
    local label=$1 expect=$2
    shift 2
    local out rps
    if [[ "$tool" == wrk ]]; then
        out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" "$url" 2>&1)
        rps=$(sed -n 's/^Requests\/sec: *//p' <<<"$out")
        if grep -q "Non-2xx or 3xx responses" <<<"$out"; then
            echo "$out" >&2; echo "nginx_304.sh: $label: error responses" >&2; exit 1
        fi
        p50=$(awk '$1=="50%" {print $2}' <<<"$out")
        p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    else
        local keepalive=-k
        [[ "$*" == *"Connection: close"* ]] && keepalive=
        out=$(ab -q $keepalive -c "$CONNS" -t "$SECS" -n 10000000 "$@" "$url" 2>&1)
        rps=$(awk '/^Requests per second:/ {print $4}' <<<"$out")
        if grep -q "^Non-2xx responses" <<<"$out" && [[ "$expect" == 200 ]]; then
            echo "$out" >&2; echo "nginx_304.sh: $label: error responses" >&2; exit 1
        fi
        p50=$(awk '$1=="50%" {print $2 "ms"}' <<<"$out")
        p99=$(awk '$1=="99%" {print $2 "ms"}' <<<"$out")
    fi
    printf '| %s | %s | %s | %s | %s |\n' "$label" "$expect" "$rps" "$p50" "$p99"
}

echo "machine: nproc=$(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), worker_processes auto; tool: $tool" \
    "($( [[ $tool == wrk ]] && echo "2 threads, " )$CONNS connections, keep-alive, ${SECS} s each)"
echo "feed index: $PACKS packs, $index_bytes bytes; ETag $etag"
echo "bytes per 304 answer (status line + headers, no body): $bytes_304"
echo "bytes per 200 answer: $bytes_200_headers headers + $index_bytes body"
echo "bytes per conditional request (curl-like headers): $request_bytes"
echo
echo "| request | status | requests/s | p50 latency | p99 latency |"
echo "|---|---|---|---|---|"
run_load "conditional GET, If-None-Match matches" 304 -H "If-None-Match: $etag"
run_load "conditional GET, new TCP connection per request" 304 \
    -H "If-None-Match: $etag" -H "Connection: close"
run_load "plain GET (full index)" 200
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Sanity: every counted answer in the access log of the 304 run had the expected status.
echo "access log: $(awk '{print $9}' "$FIXTRAY_TEST_NGINX_DIR/log/access.log" | sort | uniq -c |
    awk '{printf "%s x %s, ", $2, $1}' | sed 's/, $//') (the 404 is nginx.sh's readiness probe)"
