#!/bin/bash
# concurrency.sh - 100 concurrent connections, 300 full transactions, against
# the real daemon with DNS from NSD: every one completes without an error and
# with the reply its client address deserves.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start

# Clients 192.0.2.0 .. 192.0.2.99, three times each: only .10 and .30 pass
# iprev; .50 has a dynamic pool's name (deferred); the others are refused.
cat > "$WORK/load.script" <<'SCRIPT'
connect client%n.example 4 192.0.2.%n 40000
helo client%n.example
mail <sender%n@example.org>
rcpt <bob@example.net>
data
header From: sender%n@example.org
header Subject: load %n
eoh
body A line of body text for connection %n.
bodyraw 4000 x
eom
quit
SCRIPT
for round in 0 1 2; do
    "$MILTERC" -s "$MXGATE_SOCKET" -c 100 -n 100 -q "$WORK/load.script" > "$WORK/sum$round" 2>&1 ||
        { cat "$WORK/sum$round" >&2; fail "round $round: some transactions failed"; }
    expect_grep 'runs=100 ok=100 failed=0' "$WORK/sum$round" "round $round: 100 concurrent transactions, no error"
    expect_grep 'continue=4 ' "$WORK/sum$round" "round $round: the two clients with confirmed PTR pass (rcpt and eom)"
    expect_grep 'reject=97 tempfail=1 ' "$WORK/sum$round" "round $round: the generic one is deferred, the 97 others refused"
done
mxgate_stop
