#!/bin/bash
# postfix_kill.sh - nothing is lost when mxgate dies: 300 messages go through
# a real Postfix (milter_default_action = tempfail) over 6 parallel sessions;
# mxgate gets SIGKILL mid-load and is restarted. When the queue has drained,
# every message the client got a 2xx for is at the sink exactly once, every
# message that got a 4xx (or no reply) is counted as deferred and is not at
# the sink, and nothing got a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

SENT=300
dns_start example.test 2.0.192.in-addr.arpa spf.test
mxgate_config "$T/integration/mxgate-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"

: > "$WORK/replies"
/usr/bin/python3 "$T/lib/smtpload.py" "$PF_ADDR" "$PF_PORT" $SENT 6 "$WORK/replies" &
load=$!
wait_for "[ \$(wc -l < '$WORK/replies') -ge 80 ]" 60 || fail "the load did not get going"
kill -9 "$MXGATE_PID"
killed_at=$(wc -l < "$WORK/replies")
pass "mxgate killed with SIGKILL after $killed_at replies"
sleep 1
mv "$MXGATE_LOG" "$MXGATE_LOG.killed"
rm -f "$WORK/mxgate.sock" "$WORK/mxgate.pid"
mxgate_start
restarted_at=$(wc -l < "$WORK/replies")
pass "mxgate restarted after $restarted_at replies"
wait "$load" || fail "the SMTP client failed"

wait_for "postqueue -c '$PF_DIR' -p 2>&1 | grep -q 'Mail queue is empty'" 60 ||
    { postqueue -c "$PF_DIR" -p >&2; fail "the Postfix queue did not drain"; }
grep -ho '^Message-ID: <kill-[0-9]*@' "$PF_SINK"/* 2>/dev/null | sed 's/[^0-9]//g' | sort > "$WORK/delivered"
awk '$2 ~ /^2/ { print $1 }' "$WORK/replies" | sort > "$WORK/accepted"
awk '$2 !~ /^2/ { print $1 }' "$WORK/replies" | sort > "$WORK/deferred"
sent=$(wc -l < "$WORK/replies")
accepted=$(wc -l < "$WORK/accepted")
deferred=$(wc -l < "$WORK/deferred")
delivered=$(sort -u "$WORK/delivered" | wc -l)
dups=$(uniq -d "$WORK/delivered" | wc -l)
lost=$(comm -23 "$WORK/accepted" <(sort -u "$WORK/delivered") | wc -l)
leaked=$(comm -12 "$WORK/deferred" <(sort -u "$WORK/delivered") | wc -l)
echo "sent=$sent accepted=$accepted delivered=$delivered deferred=$deferred lost=$lost duplicates=$dups" \
    "deferred-but-delivered=$leaked replies: $(awk '{ print $2 }' "$WORK/replies" | sort | uniq -c | xargs)"
expect_eq "$sent" $SENT "every message got a final answer"
expect_eq "$lost" 0 "no accepted message is lost"
expect_eq "$dups" 0 "no message is delivered twice"
expect_eq "$leaked" 0 "no deferred message is delivered"
expect_no_grep '^[0-9]+ 5' "$WORK/replies" "no message got a 5xx"
[ "$deferred" -gt 0 ] || fail "the kill deferred nothing: it missed the load"
pass "the kill deferred $deferred messages"
tail -n +$((restarted_at + 1)) "$WORK/replies" | grep -q ' 2' ||
    fail "nothing was accepted after the restart"
pass "mail is accepted again after the restart"
mxgate_stop
