#!/bin/sh
# milterc-test.sh - one milterc test: start the libmilter test filter, run
# milterc against it, check exit status and output (golden files in golden/).
#
# usage: milterc-test.sh MILTERC TESTFILTER GOLDEN_DIR CASE [ROGUEFILTER]
# With MILTERC_GOLDEN_UPDATE=1 the golden files are rewritten, not compared.
set -u
MILTERC=$1
FILTER=$2
G=$3
CASE=$4
ROGUE=${5:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/milterc-test.XXXXXX") || exit 1
FPID=
RC=

stop_filter() {
    if [ -n "$FPID" ]; then
        kill -9 "$FPID" 2>/dev/null
        wait "$FPID" 2>/dev/null
        FPID=
    fi
}

cleanup() {
    stop_filter
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL $CASE: $*" >&2
    for f in out err filter.log; do
        if [ -s "$TMP/$f" ]; then
            echo "--- $f:" >&2
            head -40 "$TMP/$f" >&2
        fi
    done
    exit 1
}

# start_filter [OPTIONS...] - the test filter on a unix socket in $TMP; sets SOCK
start_filter() {
    stop_filter
    rm -f "$TMP/f.sock"
    SOCK=unix:$TMP/f.sock
    "$FILTER" -s "$SOCK" "$@" >"$TMP/filter.log" 2>&1 &
    FPID=$!
    n=0
    while [ ! -S "$TMP/f.sock" ]; do
        kill -0 "$FPID" 2>/dev/null || fail "test filter exited"
        n=$((n + 1))
        [ $n -le 200 ] || fail "test filter did not start"
        sleep 0.05
    done
    sleep 0.1 # bind() made the file; listen() follows
}

# mc [ARGS...] - run milterc; stdout in $TMP/out, stderr in $TMP/err, status in RC
mc() {
    "$MILTERC" "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
    if grep -q 'Sanitizer\|runtime error' "$TMP/err"; then
        fail "sanitizer report"
    fi
}

expect_rc() {
    [ "$RC" = "$1" ] || fail "milterc exit status $RC, want $1"
}

# golden NAME - stdout must equal golden/NAME
golden() {
    if [ "${MILTERC_GOLDEN_UPDATE:-}" = 1 ]; then
        cp "$TMP/out" "$G/$1"
        return
    fi
    diff -u "$G/$1" "$TMP/out" >&2 || fail "output differs from golden/$1"
}

# has FILE TEXT - FILE ($TMP/FILE) contains the line TEXT
has() {
    grep -qxF -- "$2" "$TMP/$1" || fail "$1 lacks the line: $2"
}

# A full transaction (every reply kind an end of message can carry) prints
# exactly the golden lines.
case_golden_full_transaction() {
    start_filter
    mc -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden full.out
}

# Rejected MAIL, no accepted RCPT, ACCEPT/DISCARD at RCPT, rejected header,
# abort, connection-level reject/accept: -v shows what was and was not sent.
case_mta_rules_after_reject_accept_discard() {
    start_filter
    mc -v -s "$SOCK" "$G/mta-rules.script"
    expect_rc 0
    golden mta-rules-v.out
}

# Steps the filter negotiated away (SMFIP_NO*) are not sent: its counters stay
# at 0, and milterc prints nothing for them (-v: "skipped").
case_negotiated_no_steps_not_sent() {
    start_filter -p NOCONNECT,NOHELO,NORCPT,NODATA,NOHDRS,NOEOH,NOBODY
    mc -t 2 -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden no-steps.out
    mc -t 2 -v -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden no-steps-v.out
}

# Steps negotiated without reply (SMFIP_NR_*) are sent (the filter counts them)
# but not waited for: with -t 2 a wait would fail the run.
case_negotiated_nr_steps_not_awaited() {
    start_filter -p NR_CONN,NR_HELO,NR_MAIL,NR_RCPT,NR_DATA,NR_HDR,NR_EOH,NR_BODY
    mc -t 2 -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden nr-steps.out
    mc -t 2 -v -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden nr-steps-v.out
}

# With macro lists from the filter only the listed macros are sent, and
# stages without a list get none (X-Test-Macros shows what arrived).
case_macro_lists_honoured() {
    start_filter -m 'connect={client_addr}' -m 'eom=i {no_such_macro}'
    mc -v -s "$SOCK" "$G/full.script"
    expect_rc 0
    golden macro-lists-v.out
}

# 100 runs on 100 concurrent connections all succeed, with the exact totals.
case_concurrent_100_runs_all_ok() {
    start_filter
    mc -q -c 100 -n 100 -s "$SOCK" "$G/concurrent.script"
    expect_rc 0
    golden concurrent-100.out
}

# 200 runs, 50 at a time: every run's output is complete, prefixed with its
# index, and the filter echoes that run's own %n values (no cross-talk).
case_concurrent_50x200_no_crosstalk() {
    start_filter
    mc -c 50 -n 200 -s "$SOCK" "$G/concurrent.script"
    expect_rc 0
    has err "milterc: runs=200 ok=200 failed=0 replies: continue=1600 reject=200 tempfail=0 accept=200 discard=0 addheader=400"
    awk -v runs=200 -v lines=12 '
        { idx = $1; gsub(/[][]/, "", idx); n[idx]++ }
        / eom: addheader X-Test-Macros: / {
            if (index($0, "auth_authen=user" idx " ") && $NF == "i=Q" idx) good[idx] = 1
        }
        / eom: accept$/ { done[idx] = 1 }
        END {
            for (i = 0; i < runs; i++)
                if (n[i] != lines || !good[i] || !done[i]) { print "run " i " wrong"; exit 1 }
            if (NR != runs * lines) { print NR " lines"; exit 1 }
        }' "$TMP/out" >"$TMP/awk" || fail "per-run output: $(cat "$TMP/awk")"
}

# A filter slower than -t fails the run: exit 1, the step and the reason on
# stderr, and it takes about the timeout, not the filter's delay.
case_reply_timeout_fails_run() {
    start_filter -d 4000
    t0=$(date +%s)
    mc -t 1 -s "$SOCK" "$G/simple.script"
    t1=$(date +%s)
    expect_rc 1
    has err "milterc: run 0: step 10: timeout: no reply within 1 s"
    has err "milterc: runs=1 ok=0 failed=1 replies: continue=8 reject=0 tempfail=0 accept=0 discard=0"
    [ $((t1 - t0)) -le 3 ] || fail "took $((t1 - t0)) s"
}

# SMFIR_PROGRESS restarts the reply timeout: a 1.6 s end of message with
# progress every 0.2 s passes with -t 1.
case_progress_resets_timeout() {
    start_filter -d 1600 -g
    mc -t 1 -s "$SOCK" "$G/simple.script"
    expect_rc 0
    has out "eom: accept"
}

# drop closes the socket mid-message without QUIT or ABORT: the filter saw an
# aborted message and a closed connection, and the next connection is fresh.
case_drop_closes_mid_transaction() {
    start_filter
    mc -v -s "$SOCK" "$G/drop.script"
    expect_rc 0
    golden drop-v.out
}

# Script errors exit 2 with "SCRIPT:LINE: problem" (and nothing is sent);
# usage errors exit 2 too.
case_script_error_exit_2() {
    : >"$TMP/all"
    while IFS='|' read -r name text; do
        printf '%b' "$text" >"$TMP/$name.script"
        mc -s "unix:$TMP/none.sock" "$TMP/$name.script"
        expect_rc 2
        [ -s "$TMP/out" ] && fail "$name: stdout not empty"
        sed "s|^$TMP/||" "$TMP/err" >>"$TMP/all"
    done <<'EOF'
unknown|connect h unknown\nfrobnicate\n
noconn|macro connect j x\nrcpt <a@b>\n
stage|connect h unknown\nmacro envelope j x\n
order|connect h unknown\nmail <a@b>\nrcpt <c@d>\ndata\neom\n
port|# comment\n\nconnect h 4 192.0.2.1\n
unixport|connect h unix /tmp/s 25\n
escape|connect h unknown\nmail <a@b>\nrcpt <c@d>\ndata\neoh\nbody bad \\q escape\n
nul|connect h unknown\nhelo a\\x00b\n
bodyraw|connect h unknown\nmail <a@b>\nrcpt <c@d>\ndata\neoh\nbodyraw 10 xy\n
header|connect h unknown\nmail <a@b>\nrcpt <c@d>\ndata\nheader no colon here\n
args|connect h unknown\ndata now\n
sleep|sleep soon\n
noconnect|macro connect j x\n
EOF
    mc -s "unix:$TMP/none.sock" "$TMP/missing.script"
    expect_rc 2
    sed "s|^$TMP/||; s|: No such file.*|: ENOENT|" "$TMP/err" >>"$TMP/all"
    for args in "" "-s unix:/x" "-s tcp:x $TMP/noconn.script" "-c 0 -s unix:/x x" "-t 0 -s unix:/x x"; do
        # shellcheck disable=SC2086
        mc $args
        expect_rc 2
        head -1 "$TMP/err" >>"$TMP/all"
    done
    cp "$TMP/all" "$TMP/out"
    golden script-errors.out
}

# A filter that closes the connection instead of replying fails the run
# (exit 1, "connection closed by filter"); other runs are not affected.
case_connection_closed_fails_run() {
    start_filter
    printf 'connect mx.example.org unknown\nhelo exit.test\nquit\n' >"$TMP/exit.script"
    mc -s "$SOCK" "$TMP/exit.script"
    expect_rc 1
    has out "connect: continue"
    has err "milterc: run 0: step 2: connection closed by filter"
    has err "milterc: runs=1 ok=0 failed=1 replies: continue=1 reject=0 tempfail=0 accept=0 discard=0"
}

# Replies the protocol does not allow fail the run with exit 1: unknown
# reply, malformed reply code, a modification before end of message, a
# negotiation asking for more than offered, a truncated packet.
case_protocol_errors_fail_run() {
    : >"$TMP/all"
    for mode in unknown replycode edit overask truncated; do
        rm -f "$TMP/r.sock"
        "$ROGUE" "$TMP/r.sock" $mode >"$TMP/filter.log" 2>&1 &
        FPID=$!
        n=0
        while [ ! -S "$TMP/r.sock" ] && [ $n -lt 100 ]; do
            n=$((n + 1))
            sleep 0.05
        done
        mc -t 2 -s "unix:$TMP/r.sock" "$G/simple.script"
        expect_rc 1
        echo "$mode: $(head -1 "$TMP/err")" >>"$TMP/all"
        stop_filter
    done
    cp "$TMP/all" "$TMP/out"
    golden protocol-errors.out
}

# A message without body lines sends no body chunk; one empty line is one
# 2-byte chunk.
case_empty_body_sends_no_chunk() {
    start_filter
    mc -s "$SOCK" "$G/empty-body.script"
    expect_rc 0
    golden empty-body.out
}

# Body chunks are at most 65535 bytes (the filter reports chunk count, bytes
# and largest chunk).
case_body_chunks_at_most_65535() {
    start_filter
    mc -s "$SOCK" "$G/chunks.script"
    expect_rc 0
    golden chunks.out
}

# After SMFIR_SKIP to a body chunk no further chunks are sent.
case_skip_stops_body_chunks() {
    start_filter -p SKIP
    mc -v -s "$SOCK" "$G/skip.script"
    expect_rc 0
    golden skip-v.out
}

# inet: and inet6: sockets on the loopback give the same output as unix:.
case_inet_sockets() {
    for fam in inet:127.0.0.1 inet6:::1; do
        host=${fam#*:}
        proto=${fam%%:*}
        if [ "$proto" = inet6 ] && ! grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; then
            echo "no ::1, inet6 not tested"
            continue
        fi
        tries=0
        while :; do
            port=$((20000 + ($$ + tries * 7919) % 40000))
            stop_filter
            "$FILTER" -s "$proto:$port@$host" >"$TMP/filter.log" 2>&1 &
            FPID=$!
            sleep 0.3
            kill -0 "$FPID" 2>/dev/null && break
            tries=$((tries + 1))
            [ $tries -lt 5 ] || fail "no free port for $proto"
        done
        [ "$proto" = inet6 ] && host="[$host]"
        mc -s "$proto:$port@$host" "$G/full.script"
        expect_rc 0
        golden full.out
    done
}

type "case_$CASE" >/dev/null 2>&1 || fail "no such case"
"case_$CASE"
echo "ok $CASE"
