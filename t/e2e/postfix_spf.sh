#!/bin/bash
# postfix_spf.sh - SPF end to end through a real Postfix: an SPF fail is
# refused at RCPT with 550 5.7.23 and the domain's explanation; a pass reaches
# the sink with Received-SPF: pass and spf=pass in Authentication-Results.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
mxgate_config "$T/integration/spf-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"

# send SENDER - one session from 192.0.2.10 (mx.example.test) via XCLIENT
send() {
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo mx.example.test \
        --xclient "ADDR=192.0.2.10 NAME=mx.example.test" --from "$1" --to bob@example.net \
        --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send alice@fail.spf.test
expect_grep "^<\*\* +550 5\.7\.23 192\.0\.2\.10 is not one of fail\.spf\.test's designated mail servers\.\$" \
    "$WORK/swaks.alice@fail.spf.test" "an SPF fail is refused at RCPT with 550 5.7.23 and the explanation"
send alice@pass.spf.test
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.alice@pass.spf.test" "an SPF pass is accepted"
wait_for "grep -l 'From: alice@pass.spf.test' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
    fail "the accepted message did not reach the sink"
msg=$(grep -l 'From: alice@pass.spf.test' $PF_SINK/*)
expect_grep '^Received-SPF: pass \(mx\.example\.net: domain of alice@pass\.spf\.test designates 192\.0\.2\.10 as permitted sender\) client-ip=192\.0\.2\.10; envelope-from="alice@pass\.spf\.test"; helo=mx\.example\.test; receiver=mx\.example\.net; identity=mailfrom;' \
    "$msg" "it arrives with Received-SPF: pass"
expect_grep '^Authentication-Results: mx\.example\.net; iprev=pass policy\.iprev=192\.0\.2\.10 \(mx\.example\.test\); spf=pass smtp\.mailfrom=alice@pass\.spf\.test' \
    "$msg" "and spf=pass in Authentication-Results"
mxgate_stop
