#!/bin/bash
# redis_faults.sh - Redis stopped in the middle of a load: no 5xx, no crash,
# no failed transaction; while it is down greylisting is skipped (the default
# on_error) and the cause is logged once; once it is back, greylisting decides
# again within seconds, without a restart. Then the same with on_error =
# "defer": the outage defers (4xx), never rejects.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/redis.sh"

redis_start
dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|^store = .*|store = \"$REDIS_SPEC\";|"
mxgate_start

# every run: a new triplet from a greylisted client (no PTR)
printf 'connect client.example 4 192.0.2.40 40000\nhelo mx.example.test\nmail <bob@softfail.spf.test>\nrcpt <r%%n-%s@example.net>\nsleep 20\nquit\n' \
    "$RANDOM" > "$WORK/load.script"

# load NAME - 1200 transactions, 8 at a time (3 s or more), in the background
load() {
    "$MILTERC" -s "$MXGATE_SOCKET" -c 8 -n 1200 -q "$WORK/load.script" > "$WORK/$1" 2>&1 &
    LOAD_PID=$!
}

# count NAME KIND - how many replies of KIND the load NAME got
count() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$WORK/$1" | head -1; }

# one - a single new triplet's RCPT reply, without the recipient
one() {
    sed "s/%n/one$RANDOM/" "$WORK/load.script" > "$WORK/one.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/one.script" 2>/dev/null | sed -n 's/^rcpt <[^>]*>: //p'
}

load outage
sleep 0.5
redis_stop
sleep 1.5
redis_restart
t0=$(date +%s%N)
wait_for "one | grep -q tempfail" 10 || fail "greylisting did not come back within 10 s of Redis returning"
pass "Redis back: greylisting decides again after $(( ($(date +%s%N) - t0) / 1000000 )) ms, without a restart"
wait "$LOAD_PID" || { cat "$WORK/outage" >&2; fail "transactions failed while Redis was down"; }
pass "no transaction failed while Redis stopped and came back mid-load"
expect_eq "$(count outage reject)" 0 "no 5xx"
[ "$(count outage tempfail)" -gt 0 ] || fail "nothing was greylisted before or after the outage"
[ "$(count outage continue)" -gt 0 ] || fail "nothing was let through while Redis was down"
pass "greylisted while Redis answered ($(count outage tempfail)), let through while it did not ($(count outage continue))"
expect_eq "$(grep -c 'greylisting is skipped: the state store' "$MXGATE_LOG")" 1 "the outage is logged once"

sed -i 's|auto_allow = 2;|auto_allow = 2; on_error = "defer";|' "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'configuration reloaded' '$MXGATE_LOG'" 10 || fail "the reload did not happen"
redis_stop
expect_eq "$(one)" "tempfail 451 4.3.0 Temporary local problem, please try again later" \
    "on_error = defer: Redis down defers with 451 4.3.0"
redis_restart
expect_no_grep 'reject' "$MXGATE_LOG" "nothing was rejected"
mxgate_stop
