#!/bin/bash
# postfix_iprev.sh - end to end through a real Postfix 3.7: the SMTP client
# sees mxgate's decisions during the dialogue. XCLIENT gives each session the
# client address under test; DNS comes from NSD on loopback.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"

# send ADDR NAME [RCPT] - one SMTP session from client ADDR, its dialogue in $WORK/swaks.ADDR
send() {
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo client.example.org \
        --xclient "ADDR=$1 NAME=$2" --from alice@example.org --to "${3:-bob@example.net}" \
        --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send 192.0.2.40 '[UNAVAILABLE]'
expect_grep '^<\*\* +550 5\.7\.25 Client host 192\.0\.2\.40 has no reverse DNS name' "$WORK/swaks.192.0.2.40" \
    "a client without PTR is refused at RCPT with 550 5.7.25"
send 192.0.2.40 '[UNAVAILABLE]' postmaster@example.net
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.192.0.2.40" "postmaster@ is still accepted from it"
send 198.51.100.1 '[UNAVAILABLE]'
expect_grep '^<\*\* +450 4\.7\.25 Reverse DNS lookup for 198\.51\.100\.1 failed temporarily' \
    "$WORK/swaks.198.51.100.1" "a DNS failure reaches the client as 450, not 5xx"
send 192.0.2.10 mx.example.test
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.192.0.2.10" "a forward-confirmed client is accepted"
wait_for "grep -l 'To: bob@example.net' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
    fail "the accepted message did not reach the sink"
pass "and the message reaches the sink"
expect_grep '^Authentication-Results: mx\.example\.net; iprev=pass policy\.iprev=192\.0\.2\.10 \(mx\.example\.test\)' \
    "$(grep -l 'To: bob@example.net' $PF_SINK/*)" "with iprev=pass in Authentication-Results"
expect_grep 'reject: RCPT from unknown\[192\.0\.2\.40\]: 550 5\.7\.25 .*from=<alice@example\.org> to=<bob@example\.net> helo=<client\.example\.org>' \
    "$MXGATE_LOG" "mxgate logs the decision with the envelope Postfix gave it"

mxgate_stop
send 192.0.2.10 mx.example.test
expect_grep '^<\*\* +451 4\.7\.1 ' "$WORK/swaks.192.0.2.10" "with mxgate down Postfix answers 4xx (tempfail), nothing is lost"
