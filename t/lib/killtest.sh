# killtest.sh - SIGKILL mxgate in the middle of an SMTP load through a real
# MTA, restart it, and account for every message. Sourced after common.sh,
# mxgate.sh and the MTA's library (bash).
#
#   kill_load ADDR PORT - 300 messages over 6 sessions (t/lib/smtpload.py);
#       mxgate is killed after 80 replies and restarted a second later
#   kill_account SINK_DIR QUEUE_EMPTY_CMD - wait for the queue to drain, then
#       print sent/accepted/delivered/deferred/lost/duplicates and assert that
#       nothing accepted is lost or doubled and nothing deferred delivered

KILL_SENT=300

kill_load() {
    : > "$WORK/replies"
    /usr/bin/python3 "$T/lib/smtpload.py" "$1" "$2" $KILL_SENT 6 "$WORK/replies" &
    local load=$!
    wait_for "[ \$(wc -l < '$WORK/replies') -ge 80 ]" 60 || fail "the load did not get going"
    kill -9 "$MXGATE_PID"
    pass "mxgate killed with SIGKILL after $(wc -l < "$WORK/replies") replies"
    sleep 1
    mv "$MXGATE_LOG" "$MXGATE_LOG.killed"
    rm -f "$WORK/mxgate.sock" "$WORK/mxgate.pid"
    mxgate_start
    KILL_RESTARTED_AT=$(wc -l < "$WORK/replies")
    pass "mxgate restarted after $KILL_RESTARTED_AT replies"
    wait "$load" || fail "the SMTP client failed"
}

# kill__ids SINK_DIR - the message numbers found at the sink, one per copy
kill__ids() { grep -hoi '^Message-ID: <kill-[0-9]*@' "$1"/* 2>/dev/null | sed 's/[^0-9]//g' | sort; }

kill_account() {
    wait_for "$2" 60 || fail "the MTA's queue did not drain"
    kill__ids "$1" > "$WORK/delivered"
    awk '$2 ~ /^2/ { print $1 }' "$WORK/replies" | sort > "$WORK/accepted"
    awk '$2 !~ /^2/ { print $1 }' "$WORK/replies" | sort > "$WORK/deferred"
    sort -u "$WORK/delivered" > "$WORK/delivered.u"
    local sent accepted deferred delivered dups lost leaked
    sent=$(wc -l < "$WORK/replies") accepted=$(wc -l < "$WORK/accepted")
    deferred=$(wc -l < "$WORK/deferred") delivered=$(wc -l < "$WORK/delivered.u")
    dups=$(uniq -d "$WORK/delivered" | wc -l)
    lost=$(comm -23 "$WORK/accepted" "$WORK/delivered.u" | wc -l)
    leaked=$(comm -12 "$WORK/deferred" "$WORK/delivered.u" | wc -l)
    echo "sent=$sent accepted=$accepted delivered=$delivered deferred=$deferred lost=$lost duplicates=$dups" \
        "deferred-but-delivered=$leaked replies: $(awk '{ print $2 }' "$WORK/replies" | sort | uniq -c | xargs)"
    expect_eq "$sent" $KILL_SENT "every message got a final answer"
    expect_eq "$lost" 0 "no accepted message is lost"
    expect_eq "$dups" 0 "no message is delivered twice"
    expect_eq "$leaked" 0 "no deferred message is delivered"
    expect_no_grep '^[0-9]+ 5' "$WORK/replies" "no message got a 5xx"
    [ "$deferred" -gt 0 ] || fail "the kill deferred nothing: it missed the load"
    pass "the kill deferred $deferred messages"
    tail -n +$((KILL_RESTARTED_AT + 1)) "$WORK/replies" | grep -q ' 2' || fail "nothing was accepted after the restart"
    pass "mail is accepted again after the restart"
}
