#!/bin/bash
# metrics_bench.sh - what the metrics cost: sessions per second through the
# real daemon (milterc, 8 connections at once, DNS from NSD and then the
# cache) for a build without the metrics hooks, this build with the endpoint
# off, and this build with the endpoint on and scraped every second.
# Rounds alternate the variants so that a busy machine hurts them alike.
#
#   T=t bash bench/metrics_bench.sh BASE_MXGATE MXGATE MILTERC [ROUNDS] [SESSIONS]
#
# BASE_MXGATE: mxgate built from the commit before the metrics (or "-" to
# skip it). Use optimized builds (see README.md), not the sanitizer build.
# BENCH_LOG=warning in the environment reloads each daemon at that log
# level once started: no close: line, so that the counting is measured alone.
. "$T/lib/common.sh"
BASE=$1 MXGATE=$2 MILTERC=$3 ROUNDS=${4:-5} N=${5:-20000}
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
{ echo "connect mx.example.test 4 192.0.2.10 40000"; echo "helo mx.example.test"
  echo "mail <alice@example.org>"; echo "rcpt <bob@example.net>"; echo "rcpt <carol@example.net>"
  echo data; echo "header From: alice@example.org"; echo "header Subject: bench"; echo eoh
  echo "body Hello."; echo eom; echo quit; } > "$WORK/bench.script"

# cpu_ticks - user + system clock ticks the daemon used so far (all threads)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$MXGATE_PID/stat"; }

# run VARIANT - one timed run; prints sessions per second and the daemon's
# CPU microseconds per session (less sensitive to a busy machine)
run() {
    local bin=$MXGATE extra=""
    [ "$1" = base ] && bin=$BASE
    [ "$1" = on ] && extra="\$a metrics = { listen = \"127.0.0.1:$PORT\"; };"
    mxgate_config "$T/integration/mxgate-test.conf" ${extra:+-e "$extra"}
    : > "$MXGATE_LOG"
    MXGATE=$bin mxgate_start > /dev/null
    if [ -n "${BENCH_LOG:-}" ]; then
        sed -i "s/level = \"info\"/level = \"$BENCH_LOG\"/" "$WORK/mxgate.conf"
        mxgate_reload
        sleep 1
    fi
    local scraper=""
    if [ "$1" = on ]; then
        ( while :; do curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics"; sleep 1; done ) &
        scraper=$!
    fi
    "$MILTERC" -q -s "$MXGATE_SOCKET" -c 8 -n 200 "$WORK/bench.script" > /dev/null 2>&1 # warm the cache
    local t0 t1 c0 c1
    c0=$(cpu_ticks)
    t0=$(date +%s.%N)
    "$MILTERC" -q -s "$MXGATE_SOCKET" -c 8 -n "$N" "$WORK/bench.script" > "$WORK/summary" 2>&1
    t1=$(date +%s.%N)
    c1=$(cpu_ticks)
    grep -q "ok=$N failed=0" "$WORK/summary" || { cat "$WORK/summary" >&2; fail "$1: sessions failed"; }
    [ -n "$scraper" ] && kill "$scraper"
    mxgate_stop > /dev/null
    echo "$N $t0 $t1 $((c1 - c0)) $(getconf CLK_TCK)" |
        awk '{ printf "%.0f %.1f\n", $1 / ($3 - $2), $4 * 1e6 / $5 / $1 }'
}

variants="off on"
[ "$BASE" != - ] && variants="base off on"
for r in $(seq "$ROUNDS"); do
    line="round $r:"
    for v in $variants; do
        set -- $(run $v)
        echo "$v $1 $2" >> "$WORK/results"
        line="$line $v $1/s ${2}us"
    done
    echo "$line"
done
for v in $variants; do
    sort -n -k2 "$WORK/results" | awk -v v=$v '$1 == v { a[++n] = $2 } END {
        printf "%-4s median %d sessions/s (min %d, max %d, %d runs)", v, a[int((n + 1) / 2)], a[1], a[n], n }'
    sort -n -k3 "$WORK/results" | awk -v v=$v '$1 == v { a[++n] = $3 } END {
        printf "; daemon CPU median %.1f us/session (min %.1f, max %.1f)\n", a[int((n + 1) / 2)], a[1], a[n] }'
done
