#!/bin/bash
# stop_busy.sh - SIGTERM while MTA connections are open, ten of them inside a
# callback that waits for DNS: mxgate stops listening at once, closes the
# connections, waits for the callbacks (bounded by the DNS budget), removes
# its socket and exits 0 without a sanitizer report. No client gets a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

addr="127.54.$((RANDOM % 250 + 1)).2" port=$((RANDOM % 20000 + 30000))
"$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/fault.log" -m drop &
on_exit "kill $! 2>/dev/null"
wait_for "grep -q ready $WORK/fault.log" 5 || fail "dnsfault did not start"
DNS_SERVERS="\"$addr:$port\""
mxgate_config "$T/integration/mxgate-test.conf" \
    -e 's|timeout = 0.5; tries = 2; budget = 3;|timeout = 2; tries = 2; budget = 2;|'
mxgate_start
"$MILTERC" -s "$MXGATE_SOCKET" -c 10 -n 10 "$T/integration/cases/iprev_permerror.script" \
    > "$WORK/out" 2>&1 &
client=$!
wait_for "[ \$(grep -c '^udp' $WORK/fault.log) -gt 0 ]" 5 || fail "no PTR query reached the server"
sleep 0.3 # the ten are at RCPT, waiting for the PTR (2 s budget)
t0=$(date +%s%N)
mxgate_stop
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt 4000 ] || fail "the stop took $ms ms; the callbacks wait at most 2 s"
pass "stopped in $ms ms with ten connections inside a DNS wait"
wait $client
expect_no_grep ' 5[0-9][0-9] ' "$WORK/out" "no client got a 5xx"
expect_grep 'stopped$' "$MXGATE_LOG" "the stop is logged, every connection done"
[ ! -e "$MXGATE_SOCKET" ] || fail "the socket was left behind"
pass "the socket is removed"
