#!/bin/bash
# run.sh - every benchmark of issue 10 side by side in one run, and the table
# of the targets (see README.md, "Benchmarks").
#
#   bench/run.sh BUILD_DIR [-r REPEATS] [-d SECONDS] [-m E2E_COUNT] [-c "1 8 64"]
#                [-o OUT_DIR] [-q] [-E] [-M] [-P]
#
#   -r N    repeats of the whole set (default 3); the table shows the median
#           and min..max over them
#   -d S    seconds per milter-protocol run (default 5)
#   -m N    messages per end-to-end run (default 1000; a fifth of it at c=1)
#   -c L    concurrencies (default "1 8 64")
#   -o DIR  keep results.jsonl, the logs and the table there (default: a
#           temporary directory, removed at the end)
#   -q      quick smoke run: -r 1 -d 1 -m 100
#   -E      leave out the end-to-end runs through Postfix
#   -M      leave out the milter-protocol runs
#   -P      profile mxgate during its milter runs (perf record -g; perf-*.data
#           in OUT_DIR, read with perf report -i)
#
# BUILD_DIR is an optimized build (not the sanitizer build) with mxgate,
# bench/milterload and bench/nullfilter:
#   cmake -S . -B /tmp/bench-build && cmake --build /tmp/bench-build -j2
# Needs, and installs nothing itself (sh contrib/deps-debian.sh --test has
# them all): opendkim, nsd, postfix (smtp-source, smtp-sink), openssl,
# /usr/bin/python3 with python3-dkim; root (a private Postfix, NSD on port 53
# of a loopback address for OpenDKIM's resolver). Everything listens on
# loopback; no DNS query leaves the machine.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$SRC/t
build=$(cd "${1:?usage: bench/run.sh BUILD_DIR [options]}" && pwd)
shift
repeats=3 dur=5 e2e_count=1000 concs="1 8 64" out="" e2e=yes milter=yes profile=no
while getopts "r:d:m:c:o:qEMP" o; do
    case $o in
    r) repeats=$OPTARG ;;
    d) dur=$OPTARG ;;
    m) e2e_count=$OPTARG ;;
    c) concs=$OPTARG ;;
    o) out=$OPTARG ;;
    q) repeats=1 dur=1 e2e_count=100 ;;
    E) e2e=no ;;
    M) milter=no ;;
    P) profile=yes ;;
    *) sed -n '4,19p' "$0" >&2; exit 2 ;;
    esac
done

. "$T/lib/common.sh" # $WORK (removed at exit), on_exit, fail, wait_for
. "$T/lib/nsd.sh"
. "$SRC/bench/daemons.sh"
. "$SRC/bench/e2e.sh"
chmod 755 "$WORK"
umask 022
LOAD=$build/bench/milterload MILTERC=$build/t/milterc/milterc
RESULTS=$WORK/results.jsonl
: > "$RESULTS"

# need - what is missing, said once, then exit 1
need() {
    local missing="" x
    for x in opendkim nsd nsd-control postfix postconf smtp-source smtp-sink openssl; do
        PATH=$PATH:/usr/sbin command -v $x > /dev/null || missing="$missing $x"
    done
    /usr/bin/python3 -c 'import dkim' 2> /dev/null || missing="$missing python3-dkim"
    for x in mxgate bench/milterload bench/nullfilter t/milterc/milterc; do
        [ -x "$build/$x" ] || missing="$missing $build/$x"
    done
    [ "$(id -u)" = 0 ] || missing="$missing root"
    [ -z "$missing" ] || fail "missing:$missing (sh contrib/deps-debian.sh --test; build the targets)"
}

# perf_start NAME C REP - with -P, perf record mxgate's run in the background
perf_start() {
    PERF_PID=""
    [ $profile = yes ] && [ "${1#mxgate}" != "$1" ] || return 0
    perf record -q -g -p "$(pid_of "$1")" -o "$WORK/perf-$1-c$2-r$3.data" > /dev/null 2>&1 &
    PERF_PID=$!
}

# perf_stop - end the recording (SIGINT makes perf write its file)
perf_stop() {
    [ -n "$PERF_PID" ] || return 0
    kill -INT "$PERF_PID"
    wait "$PERF_PID" 2> /dev/null
}

# load NAME C REP SCRIPTS... - one timed milterload run against daemon NAME, a JSON line to $RESULTS
load() {
    local name=$1 c=$2 rep=$3
    shift 3
    perf_start "$name" "$c" "$rep"
    "$LOAD" -s "unix:$WORK/$name.sock" -c "$c" -d "$dur" -w $((c * 4)) -t 60 -l -j \
        -p "$(pid_of "$name")" -L "$name" "$@" > "$WORK/one.json" 2>> "$WORK/milterload.err"
    perf_stop
    sed "s/^{/{\"repeat\":$rep,/" "$WORK/one.json" >> "$RESULTS"
    sed 's/.*"label":"\([^"]*\)","concurrency":\([0-9]*\),"messages":\([0-9]*\),"failed":\([0-9]*\).*"msgs_per_s":\([0-9.]*\).*/  \1 c=\2: \5 msgs\/s (\3 messages, \4 failed)/' "$WORK/one.json"
}

# milter_round REP - every milter workload at every concurrency, alternating filters
milter_round() {
    local c
    for c in $concs; do
        load odkim-rsa "$c" "$1" "$WORK"/c/sign-rsa-*.script
        load mxgate-sign "$c" "$1" "$WORK"/c/sign-rsa-*.script
        load odkim-ed25519 "$c" "$1" "$WORK"/c/sign-ed-*.script
        load mxgate-sign-ed "$c" "$1" "$WORK"/c/sign-ed-*.script
        load odkim-verify "$c" "$1" "$WORK"/c/inbound-*.script
        load mxgate-inbound "$c" "$1" "$WORK"/c/inbound-*.script
        load null "$c" "$1" "$WORK"/c/sign-rsa-*.script
    done
}

need
mkdir -p "$WORK/c"
/usr/bin/python3 "$SRC/bench/corpus.py" "$WORK/c" || fail "corpus.py failed"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $(nproc) CPUs, load average $LOAD_START; work in $WORK"
start_dns
start_daemons
check_daemons
for rep in $(seq 1 "$repeats"); do
    [ $milter = yes ] || break
    echo "bench: milter round $rep of $repeats (${dur} s per run)"
    milter_round "$rep"
done
if [ $e2e = yes ]; then
    e2e_start
    for rep in $(seq 1 "$repeats"); do
        echo "bench: end-to-end round $rep of $repeats ($e2e_count messages per run)"
        e2e_round "$rep"
    done
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
{
    /usr/bin/python3 "$SRC/bench/summary.py" "$RESULTS"
    echo "load average: $LOAD_START at the start, $LOAD_END at the end ($(nproc) CPUs);" \
        "a busy machine makes every figure noisy"
} | tee "$WORK/table.txt"
if [ -n "$out" ]; then
    mkdir -p "$out" && cp "$RESULTS" "$WORK/table.txt" "$out/" && cp "$WORK"/*.log "$WORK"/*.err "$WORK"/*.decisions "$PF_DIR/maillog" "$WORK"/perf-*.data "$out/" 2> /dev/null
    echo "bench: results in $out"
fi
