#!/bin/bash
# dnsl_golden.sh - the DNS list checks (dnsbl, dnswl, rhsbl, rhsbl_helo)
# against the real daemon: every case in dnsl-cases/ is a transaction
# replayed by milterc, with DNS from NSD serving t/zones/dnsl.test.zone (the
# zone bl.unserved.example is not served: REFUSED, try-later); the replies
# must match dnsl-cases/NAME.expected byte for byte. dnsl-test.conf holds
# the lists (return codes, weights, a threshold) and an operator's rules.
# Then: a client in the allow list is accepted at connect and no later check
# starts (NSD sees no SPF query for its sender, which a client not in the
# list triggers, and it is not greylisted); and with a DNS server that never
# answers, the lists' temperror is a 451 within the DNS budget, never a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start dnsl.test
mxgate_config "$T/integration/dnsl-test.conf" -e "s|@STORE@|$WORK/state.db|"
mxgate_start
golden_cases "$T/integration/dnsl-cases"

expect_grep 'NOQUEUE: accept: CONNECT from client\.example\[192\.0\.2\.30\]: no further rules; .* check=dnswl:listed rule=2 ' \
    "$MXGATE_LOG" "the allow-listed client is accepted at connect, one log line naming check=dnswl:listed"
expect_grep 'NOQUEUE: reject: RCPT from client\.example\[2001:db8::20\]: 554 5\.7\.1 .* check=dnsbl:listed rule=[0-9]+ ' \
    "$MXGATE_LOG" "the listed IPv6 client's reject is logged with check=dnsbl:listed"
expect_grep 'NOQUEUE: defer: RCPT from client\.example\[192\.0\.2\.26\]: 451 4\.7\.1 .* check=dnsbl:temperror ' \
    "$MXGATE_LOG" "the REFUSED zone's temperror is logged as a defer"
expect_no_grep 'reject: .*check=[a-z_]*:temperror' "$MXGATE_LOG" "a temperror never becomes a reject"

# session CLIENT SENDER NAME - one transaction; its replies in $WORK/NAME.out
session() {
    printf 'connect client.example 4 %s 40000\nhelo mx.example.test\nmail <%s>\nrcpt <bob@example.net>\nquit\n' \
        "$1" "$2" > "$WORK/$3.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$3.script" > "$WORK/$3.out" 2> "$WORK/$3.err" ||
        { cat "$WORK/$3.err" >&2; fail "$3: milterc failed"; }
}
txt0=$(nsd_count num.type.TXT) || fail "no TXT counter"
session 192.0.2.30 alice@softfail.dnsl.test allowed
expect_eq "$(cat "$WORK/allowed.out")" "rcpt <bob@example.net>: continue" \
    "an allow-listed client with an SPF softfail sender is not greylisted"
expect_eq "$(nsd_count num.type.TXT)" "$txt0" "no SPF query was sent for the allow-listed client's sender"
session 192.0.2.40 alice@softfail.dnsl.test listed
expect_eq "$(cat "$WORK/listed.out")" "rcpt <bob@example.net>: tempfail 451 4.7.1 Greylisted" \
    "the same sender from a client not in the allow list is greylisted"
[ "$(nsd_count num.type.TXT)" -gt "$txt0" ] || fail "the SPF query of a client not in the allow list did not reach NSD"
pass "the SPF query of a client not in the allow list reached NSD"
mxgate_stop

# Without delay_reject the rules decide at their own stage: a listed client is
# refused at connect, and the allow list's accept at connect still holds for
# the whole connection (its SPF fail is never looked at).
MXGATE_LOG="$WORK/mxgate-nodelay.log"
mxgate_config "$T/integration/dnsl-test.conf" -e "s|@STORE@|$WORK/state.db|" \
    -e 's|^hostnames|delay_reject = false;\nhostnames|'
mxgate_start
"$MILTERC" -s "$MXGATE_SOCKET" "$T/integration/dnsl-cases/bl_listed.script" > "$WORK/nodelay-bl.out" 2>&1
expect_grep '^connect: reject 554 5\.7\.1 Service unavailable; client \[192\.0\.2\.20\] blocked: 192\.0\.2\.20 is listed in bl\.dnsl\.test \(127\.0\.0\.2; Listed by ' \
    "$WORK/nodelay-bl.out" "without delay_reject a listed client is refused at connect"
"$MILTERC" -s "$MXGATE_SOCKET" "$T/integration/dnsl-cases/allow_listed.script" > "$WORK/nodelay-wl.out" 2>/dev/null
expect_eq "$(cat "$WORK/nodelay-wl.out")" "$(printf 'connect: continue\nhelo: continue\nmail: continue\nrcpt <bob@example.net>: continue')" \
    "without delay_reject the allow-listed client passes every stage, its SPF fail unseen"
expect_grep 'accept: CONNECT from client\.example\[192\.0\.2\.30\]: .* check=dnswl:listed ' "$MXGATE_LOG" \
    "the accept at connect is logged"
mxgate_stop

# The second daemon: DNS from dnsfault answering nothing; a 1 s DNS budget.
addr="127.54.$((RANDOM % 250 + 1)).1" port=$((RANDOM % 20000 + 30000))
"$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/fault.log" -m drop &
on_exit "kill $! 2>/dev/null"
wait_for "grep -qs ready $WORK/fault.log" 5 || fail "dnsfault did not start"
DNS_SERVERS="\"$addr:$port\""
MXGATE_LOG="$WORK/mxgate-fault.log"
mxgate_config "$T/integration/dnsl-test.conf" -e "s|@STORE@|$WORK/state.db|" \
    -e 's|timeout = 0.5; tries = 2; budget = 3;|timeout = 2; tries = 2; budget = 1;|'
mxgate_start
t0=$(date +%s%N)
session 192.0.2.20 alice@spammer.example timeout
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_grep '^rcpt <bob@example\.net>: tempfail 451 4\.7\.1 Client \[192\.0\.2\.20\] not checked: 192\.0\.2\.20 could not be checked: bl\.dnsl\.test \((deadline|timeout)\)' \
    "$WORK/timeout.out" "lists that time out are a 451, not a 5xx"
expect_grep '^udp 20\.2\.0\.192\.bl\.dnsl\.test 1$' "$WORK/fault.log" "the block list query reached the silent server"
expect_grep '^udp 20\.2\.0\.192\.wl\.dnsl\.test 1$' "$WORK/fault.log" "the allow list query reached the silent server"
[ "$ms" -lt 3500 ] || fail "the decision took $ms ms: the 1 s DNS budget did not bound it"
pass "451 within the DNS budget, at connect and at MAIL ($ms ms)"
expect_no_grep 'reject: ' "$MXGATE_LOG" "no DNS failure became a 5xx"
mxgate_stop
