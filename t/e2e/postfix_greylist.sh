#!/bin/bash
# postfix_greylist.sh - greylisting end to end through a real Postfix with a
# 2 s delay: a client without reverse DNS gets 451 4.7.1 at RCPT with the
# default text (seconds until a retry passes); the retry after the delay is
# queued and reaches the sink; a well-configured client is never delayed.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|@STORE@|$WORK/state.db|" \
    -e 's|do = "greylist 451 4.7.1 Greylisted, try again later";|do = "greylist";|'
grep -q 'do = "greylist";' "$WORK/mxgate.conf" || fail "the test configuration changed shape"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"

# send NAME ADDR SENDER - one session from ADDR via XCLIENT; output in $WORK/swaks.NAME
send() {
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo mx.example.test \
        --xclient "ADDR=$2 NAME=[UNAVAILABLE]" --from "$3" --to bob@example.net \
        --header "Subject: $1" --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send first 192.0.2.40 alice@softfail.spf.test
expect_grep '^<\*\* +451 4\.7\.1 Greylisted, please try again in [12] seconds$' "$WORK/swaks.first" \
    "the first attempt is deferred at RCPT with 451 4.7.1 and the seconds to wait"
send good 192.0.2.10 carol@pass.spf.test
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.good" "a well-configured client is not delayed"
sleep 2.5
send retry 192.0.2.40 alice@softfail.spf.test
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.retry" "the retry after the delay is queued"
wait_for "grep -l '^Subject: retry' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
    fail "the retried message did not reach the sink"
pass "the retried message reached the sink"
! grep -ql '^Subject: first' "$PF_SINK"/* || fail "the deferred attempt reached the sink"
pass "the deferred attempt never reached the sink"
mxgate_stop
