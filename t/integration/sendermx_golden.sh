#!/bin/bash
# sendermx_golden.sh - the sendermx check against the real daemon: every case
# in sendermx-cases/ is a transaction replayed by milterc, with DNS from NSD
# serving t/zones/sendermx.test.zone (names under unserved.example are REFUSED:
# try-later); the replies must match sendermx-cases/NAME.expected byte for
# byte. sendermx-test.conf holds the shipped rules for the check and a reply
# for each word they let through, so each case proves its word, and each
# decision is one log line naming check=sendermx:WORD. Then a second daemon
# asks dnsfault: a sender domain whose lookups time out or get SERVFAIL is a
# 450 within the DNS budget, never a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start sendermx.test
mxgate_config "$T/integration/sendermx-test.conf"
mxgate_start
golden_cases "$T/integration/sendermx-cases"

# log_word ACTION SENDER WORD - the decision line for SENDER names check=sendermx:WORD
log_word() {
    local sender=${2//./\\.}
    expect_grep "NOQUEUE: $1: RCPT from client\.example\[192\.0\.2\.10\]: .* from=<$sender> .* check=sendermx:$3 rule=[0-9]+ " \
        "$MXGATE_LOG" "<$2>: one $1 line with check=sendermx:$3"
}
log_word reject alice@mx.sendermx.test ok
log_word reject alice@aonly.sendermx.test ok
log_word reject alice@aaaaonly.sendermx.test ok
log_word reject alice@unserved.sendermx.test ok
log_word reject alice@nodata.sendermx.test nomx_noaddr
log_word reject alice@nothing.sendermx.test nomx_noaddr
log_word reject alice@nullmx.sendermx.test nullmx
log_word log alice@literal.sendermx.test mx_literal
log_word log alice@cname.sendermx.test mx_cname
log_word defer alice@x.unserved.example temperror
log_word reject '' none
expect_no_grep 'reject: .*check=sendermx:temperror' "$MXGATE_LOG" "a temperror never becomes a reject"
expect_no_grep ': 5[0-9][0-9] [^;]*; from=<alice@x\.unserved\.example>' "$MXGATE_LOG" \
    "the unresolvable sender domain never got a 5xx"
mxgate_stop

# The second daemon: DNS from dnsfault, whose first query label picks the
# fault (drop: never answered, servfail: SERVFAIL); a 1 s DNS budget.
addr="127.54.$((RANDOM % 250 + 1)).1" port=$((RANDOM % 20000 + 30000))
"$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/fault.log" &
on_exit "kill $! 2>/dev/null"
wait_for "grep -qs ready $WORK/fault.log" 5 || fail "dnsfault did not start"
DNS_SERVERS="\"$addr:$port\""
MXGATE_LOG="$WORK/mxgate-fault.log"
mxgate_config "$T/integration/sendermx-test.conf" \
    -e 's|timeout = 0.5; tries = 2; budget = 3;|timeout = 2; tries = 2; budget = 1;|'
mxgate_start

# fault_case LABEL - mail from alice@LABEL.x.test; print the ms it took
fault_case() {
    printf 'connect client.example 4 192.0.2.10 40000\nhelo mx.example.test\nmail <alice@%s.x.test>\nrcpt <bob@example.net>\nquit\n' \
        "$1" > "$WORK/$1.script"
    t0=$(date +%s%N)
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$1.script" > "$WORK/$1.out" 2> "$WORK/$1.err" ||
        { cat "$WORK/$1.err" >&2; fail "$1: milterc failed"; }
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

ms=$(fault_case drop) || exit 1
expect_eq "$(cat "$WORK/drop.out")" \
    "rcpt <bob@example.net>: tempfail 450 4.1.8 Sender address rejected: domain drop.x.test could not be resolved (MX: deadline), try again later" \
    "a sender domain whose MX query times out is deferred 450 4.1.8"
expect_grep '^udp drop\.x\.test 15$' "$WORK/fault.log" "the MX query reached the silent server"
[ "$ms" -lt 2500 ] || fail "drop: the decision took $ms ms: the 1 s DNS budget did not bound it"
pass "drop: 450 within the 1 s DNS budget ($ms ms)"

ms=$(fault_case servfail) || exit 1
expect_eq "$(cat "$WORK/servfail.out")" \
    "rcpt <bob@example.net>: tempfail 450 4.1.8 Sender address rejected: domain servfail.x.test could not be resolved (MX: SERVFAIL), try again later" \
    "a sender domain whose MX query gets SERVFAIL is deferred 450 4.1.8"
[ "$ms" -lt 900 ] || fail "servfail: took $ms ms; SERVFAIL should not wait for the budget"
pass "servfail: 450 at once ($ms ms)"

expect_grep 'defer: RCPT from client\.example\[192\.0\.2\.10\]: 450 4\.1\.8 .* from=<alice@drop\.x\.test> .* check=sendermx:temperror' \
    "$MXGATE_LOG" "the timeout is logged as sendermx temperror"
expect_no_grep 'reject: ' "$MXGATE_LOG" "no DNS failure became a 5xx"
mxgate_stop
