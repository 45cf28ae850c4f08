#!/bin/bash
# postfix_backup_mx.sh - a backup MX as strict as its primary, end to end
# with two private Postfix instances on loopback: the primary knows its
# recipients (relay_recipient_maps: unknown -> 550 5.1.1 at RCPT) and
# delivers to a sink; the backup has example.net in relay_domains, relays to
# the primary, and runs mxgate, which verifies recipients against the
# primary. An unknown recipient is refused at the backup's RCPT with 550
# 5.1.1; a known one is accepted and reaches the primary; a second message
# to it opens no new probe connection to the primary; with the primary
# stopped an uncached recipient gets 451 4.4.1 and the cached one is
# accepted. The backup delivers from 127.0.0.90, so the primary's log tells
# mxgate's probes (from 127.0.0.1) from deliveries.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

# The primary: no milter, its own recipients, delivering to its sink.
PF_ADDR=127.0.0.89 PF_DIR="$WORK/primary" PF_SINK="$WORK/primary-sink"
PF_MAIN_EXTRA="relay_recipient_maps = inline:{ alice@example.net=ok, carol@example.net=ok }"
postfix_start ""
P_ADDR=$PF_ADDR P_PORT=$PF_PORT P_DIR=$PF_DIR P_SINK=$PF_SINK

mxgate_config "$T/e2e/backup-mx.conf" -e "s|@PRIMARY@|$P_ADDR:$P_PORT|" -e "s|@STORE@|$WORK/state.db|"
mxgate_start

# The backup: relays example.net to the primary, with mxgate as its milter.
PF_ADDR=127.0.0.88 PF_DIR="$WORK/backup" PF_SINK="$WORK/backup-sink"
PF_MAIN_EXTRA="relayhost = [$P_ADDR]:$P_PORT
smtp_bind_address = 127.0.0.90"
postfix_start "unix:$WORK/mxgate.sock"

# send NAME RCPT - one message to the backup from a client outside; output in $WORK/swaks.NAME
send() {
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo mail.sender.test \
        --xclient "ADDR=192.0.2.40 NAME=mail.sender.test" --from someone@sender.test --to "$2" \
        --header "Subject: $1" --timeout 60 > "$WORK/swaks.$1" 2>&1
}

# probes - connections the primary got from mxgate's address (127.0.0.1),
# less the one postfix_start made to see it answer
probes() {
    echo $(( $(grep -c 'postfix/smtpd\[[0-9]*\]: connect from [^[]*\[127\.0\.0\.1\]' "$P_DIR/maillog") - 1 ))
}

send unknown nobody@example.net
expect_grep '^<\*\* +550 5\.1\.1 <nobody@example\.net>: Recipient address rejected: User unknown' \
    "$WORK/swaks.unknown" "an unknown recipient is refused at the backup's RCPT with 550 5.1.1"
expect_grep 'NOQUEUE: reject: RCPT from .*550 5\.1\.1 .*to=<nobody@example\.net> .*check=rcptverify:unknown' \
    "$MXGATE_LOG" "... logged with check=rcptverify:unknown"
expect_grep 'rcptverify: probe to=<nobody@example\.net> primary=127\.0\.0\.89:[0-9]+ answer=refused reply="550 5\.1\.1 ' \
    "$MXGATE_LOG" "... because the primary refused it to the probe"

send known alice@example.net
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.known" "a known recipient is accepted by the backup"
wait_for "grep -l '^Subject: known' $P_SINK/* 2>/dev/null | grep -q ." 30 ||
    { cat "$PF_DIR/maillog" >&2; fail "the message to the known recipient did not reach the primary"; }
pass "... and reaches the primary (its sink)"

before=$(probes)
expect_eq "$before" 2 "two probe connections so far (nobody, alice)"
send again alice@example.net
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.again" "a second message to the cached address is accepted"
wait_for "grep -l '^Subject: again' $P_SINK/* 2>/dev/null | grep -q ." 30 || fail "the second message did not reach the primary"
expect_eq "$(probes)" "$before" "... and opened no new connection to the primary from mxgate"
expect_eq "$(grep -c 'probe to=<alice@example\.net>' "$MXGATE_LOG")" 1 "... nor a probe"

postfix -c "$P_DIR" stop > /dev/null 2>&1
wait_for "! swaks --server $P_ADDR --port $P_PORT --quit-after CONNECT >/dev/null 2>&1" 10 ||
    fail "the primary did not stop"
send down carol@example.net
expect_grep '^<\*\* +451 4\.4\.1 <carol@example\.net>: Recipient address verification failed' \
    "$WORK/swaks.down" "with the primary stopped, an uncached recipient gets 451 4.4.1"
expect_grep 'probe to=<carol@example\.net> primary=127\.0\.0\.89:[0-9]+ answer=trylater reply="connect: Connection refused"' \
    "$MXGATE_LOG" "... after a probe that could not connect"
send cached alice@example.net
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.cached" "... and the cached recipient is accepted"
expect_no_grep 'reject: .*to=<(alice|carol)@' "$MXGATE_LOG" "a known recipient was never refused"
mxgate_stop
