#!/bin/bash
# dropped_connections.sh - connections that vanish mid-transaction (after
# MAIL, after RCPT, in the middle of the body) leave no state behind: the
# daemon keeps serving and, under the sanitizers, exits without a leak report.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
printf 'connect x 4 203.0.113.%%n 1\nhelo x\nmail <a@example.org>\ndrop\n' > "$WORK/after_mail.script"
printf 'connect x 4 203.0.113.%%n 1\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\ndrop\n' > "$WORK/after_rcpt.script"
printf 'connect x 4 192.0.2.%%n 1\nhelo x\nmail <a@example.org>\nsleep 10\ndrop\n' > "$WORK/dns_pending.script"
for s in after_mail after_rcpt dns_pending; do
    "$MILTERC" -s "$MXGATE_SOCKET" -c 50 -n 100 -q "$WORK/$s.script" > "$WORK/$s.out" 2>&1 ||
        { cat "$WORK/$s.out" >&2; fail "$s: the client reported an error"; }
    pass "$s: 100 connections dropped mid-transaction"
done
printf 'connect x 4 203.0.113.9 1\nhelo x\nmail <a@example.org>\nrcpt <b@example.net>\ndata\neoh\neom\nquit\n' > "$WORK/ok.script"
expect_eq "$("$MILTERC" -s "$MXGATE_SOCKET" "$WORK/ok.script" 2>/dev/null | tr '\n' ' ')" \
    "rcpt <b@example.net>: continue eom: continue " "the daemon still serves after the drops"
mxgate_stop
