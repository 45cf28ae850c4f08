#!/bin/bash
# dns_unreachable.sh - with no DNS server answering, every decision that
# needs DNS is a 4xx within the DNS budget; nothing is rejected with a 5xx
# and the daemon does not crash.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

DNS_SERVERS='"127.0.0.1:9"'   # discard port: nothing listens, ICMP refuses
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
start=$(date +%s)
"$MILTERC" -s "$MXGATE_SOCKET" -c 20 -n 40 "$T/integration/cases/iprev_permerror.script" \
    > "$WORK/out" 2> "$WORK/err" || { cat "$WORK/err" >&2; fail "transactions failed"; }
elapsed=$(( $(date +%s) - start ))
expect_eq "$(grep -c 'tempfail 450 4.7.25' "$WORK/out")" 40 "all 40 transactions were deferred with 450"
expect_no_grep 'reject' "$WORK/out" "none was rejected"
[ $elapsed -le 8 ] || fail "took $elapsed s; the DNS budget is 3 s"
pass "decisions came within the DNS budget ($elapsed s for all)"

mxgate_stop
