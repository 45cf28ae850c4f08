#!/bin/bash
# sendmail_iprev.sh - end to end through a real Sendmail 8.17: the SMTP client
# sees mxgate's decisions during the dialogue. Clients connect from distinct
# loopback addresses (127.0.0.40 has no PTR, 127.0.0.10 is forward-confirmed);
# DNS comes from NSD on loopback.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/sendmail.sh"

dns_start example.test 0.0.127.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf" \
    -e 's|networks = \[ "127.0.0.0/8", "::1/128", "203.0.113.0/24" \]|networks = [ "127.0.0.1/32" ]|'
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
sendmail_start "unix:$WORK/mxgate.sock"

# send FROM_ADDR [RCPT] - one SMTP session from a loopback source address
send() {
    swaks --server "$SM_ADDR" --port "$SM_PORT" --local-interface "$1" --helo client.example.org \
        --from alice@example.org --to "${2:-bob@example.net}" --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send 127.0.0.40
expect_grep '^<\*\* +550 5\.7\.25 <bob@example\.net>\.\.\. Client host 127\.0\.0\.40 has no reverse DNS name' \
    "$WORK/swaks.127.0.0.40" "a client without PTR is refused at RCPT with 550 5.7.25"
send 127.0.0.40 postmaster@example.net
expect_grep '^<- +250 2\.0\.0 .* Message accepted for delivery' "$WORK/swaks.127.0.0.40" \
    "postmaster@ is still accepted from it"
send 127.0.0.10
expect_grep '^<- +250 2\.0\.0 .* Message accepted for delivery' "$WORK/swaks.127.0.0.10" \
    "a forward-confirmed client is accepted"
wait_for "grep -l 'To: bob@example.net' $SM_SINK/* 2>/dev/null | grep -q ." 60 ||
    fail "the accepted message did not reach the sink"
pass "and the message reaches the sink"
expect_grep '^Authentication-Results: mx\.example\.net; iprev=pass policy\.iprev=127\.0\.0\.10 \(mx127\.example\.test\)' \
    "$(grep -l 'To: bob@example.net' $SM_SINK/*)" "with iprev=pass in Authentication-Results"
expect_grep 'reject: RCPT from .*\[127\.0\.0\.40\]: 550 5\.7\.25 .*from=<alice@example\.org> to=<bob@example\.net>' \
    "$MXGATE_LOG" "mxgate logs the decision with Sendmail's queue id and envelope"

mxgate_stop
send 127.0.0.10
expect_grep '^<\*\* +451 4\.3\.2 ' "$WORK/swaks.127.0.0.10" "with mxgate down Sendmail answers 451 4.3.2 (F=T), nothing is lost"
