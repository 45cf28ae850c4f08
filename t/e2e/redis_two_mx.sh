#!/bin/bash
# redis_two_mx.sh - two MX hosts share greylisting through one Redis: two
# Postfix instances, each with its own mxgate, both with store = redis. The
# first attempt through host A is deferred; the retry after the delay through
# host B is queued and reaches B's sink.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"
. "$T/lib/redis.sh"

redis_start
dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|^store = .*|store = \"$REDIS_SPEC\";|"
grep -q "^store = \"redis:" "$WORK/mxgate.conf" || fail "the test configuration changed shape"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
mkdir -p "$WORK/b" && cp "$T/integration/greylist-freemail" "$WORK/b/"
mxgate_second b
postfix_start "unix:$WORK/mxgate.sock"
A_ADDR=$PF_ADDR A_PORT=$PF_PORT
PF_ADDR=127.0.0.89 PF_DIR="$WORK/postfix-b" PF_SINK="$WORK/pf-sink-b"
postfix_start "unix:$WORK/b/mxgate.sock"

# send NAME HOST PORT - one message from 192.0.2.40 (no PTR) via XCLIENT
send() {
    swaks --server "$2" --port "$3" --helo mx.example.test --xclient "ADDR=192.0.2.40 NAME=[UNAVAILABLE]" \
        --from alice@softfail.spf.test --to bob@example.net --header "Subject: $1" \
        --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send first "$A_ADDR" "$A_PORT"
expect_grep '^<\*\* +451 4\.7\.1 Greylisted, try again later$' "$WORK/swaks.first" \
    "host A defers the first attempt"
sleep 2.5
send retry "$PF_ADDR" "$PF_PORT"
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.retry" "host B accepts the retry: it knows the first attempt"
wait_for "grep -l '^Subject: retry' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
    fail "the retried message did not reach B's sink"
pass "the retry reached B's sink"
expect_grep 'greylist pass: RCPT from unknown\[192\.0\.2\.40\]: retried after [0-9]+ s' "$SECOND_LOG" \
    "B logs the passing retry"
mxgate_second_stop b
mxgate_stop
