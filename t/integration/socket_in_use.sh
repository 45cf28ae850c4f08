#!/bin/bash
# socket_in_use.sh - a second daemon on the same socket says so and exits 1,
# leaving the first one serving.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
expect_eq "$(stat -c %a "$WORK/mxgate.sock")" 660 "the unix socket gets socket_mode"
sed -e "s|$WORK/mxgate.pid|$WORK/second.pid|" -e "s|$MXGATE_LOG|$WORK/second.log|" \
    "$WORK/mxgate.conf" > "$WORK/second.conf"
"$MXGATE" -f -c "$WORK/second.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "a second daemon on a busy socket exits 1"
expect_grep "socket unix:$WORK/mxgate.sock is already in use" "$WORK/out" "and says the socket is in use"
printf 'connect x 4 203.0.113.1 1\nhelo x\nmail <a@b>\nrcpt <c@d>\nquit\n' > "$WORK/t.script"
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/t.script" > "$WORK/r" 2>&1 || fail "first daemon no longer serves"
pass "the first daemon still serves"

port=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 20000) }')
sed -e "s|^socket .*|socket = \"inet:$port@127.0.0.1\";|" "$WORK/second.conf" > "$WORK/inet1.conf"
sed -e "s|$WORK/second|$WORK/third|g" "$WORK/inet1.conf" > "$WORK/inet2.conf"
"$MXGATE" -f -c "$WORK/inet1.conf" 2> "$WORK/inet1.err" &
inet1=$!
on_exit "kill -9 $inet1 2>/dev/null"
wait_for "grep -q 'listening on' $WORK/second.log" 20 || fail "the TCP daemon did not start"
"$MXGATE" -f -c "$WORK/inet2.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "a busy TCP port exits 1"
expect_grep "cannot listen on inet:$port@127.0.0.1: address already in use" "$WORK/out" \
    "and says the address is in use"
kill -9 $inet1
mxgate_stop
