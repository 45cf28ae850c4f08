#!/bin/bash
# metrics_greylist_sign.sh - the counters of greylisting, the state store
# and DKIM signing, read from the real daemon's endpoint: a client without
# reverse DNS is greylisted twice (first attempt, early retry), then passes
# after the delay; a client of the trusted network sends a message that is
# signed. Exact counts, parsed with the Prometheus text-format parser.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/session.sh"

CHECK="/usr/bin/python3 $T/integration/metrics_check.py"
dns_start example.test 2.0.192.in-addr.arpa
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/keys"
"$MXGATECTL" -c /dev/null keygen -d example.net -s m2026 -o "$WORK/keys/net.pem" > /dev/null 2>&1 ||
    fail "keygen"
mxgate_config "$T/integration/metrics-test.conf" -e "s|@STORE@|$WORK/state.db|" -e "s|@PORT@|$PORT|"
mxgate_start

GREY='tempfail 451 4.7.1 Greylisted, try again later'
session first 192.0.2.40 alice@example.org bob@example.net
replies first "the first attempt is greylisted" <<E
rcpt <bob@example.net>: $GREY
E
session early 192.0.2.40 alice@example.org bob@example.net
replies early "a retry before the delay is greylisted again" <<E
rcpt <bob@example.net>: $GREY
E
sleep 2.5
session late 192.0.2.40 alice@example.org bob@example.net
replies late "a retry after the delay passes" <<E
rcpt <bob@example.net>: continue
eom: continue
E
{ echo "connect client.example 4 203.0.113.5 40000"; echo "helo client.example"
  echo "mail <sender@example.net>"; echo "rcpt <rcpt@example.info>"; echo data
  echo "header From: sender@example.net"; echo "header Subject: metrics"; echo eoh
  echo "body Hello."; echo eom; echo quit; } > "$WORK/sign.script"
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/sign.script" > "$WORK/sign.out" 2>&1 || fail "milterc sign"
expect_grep '^eom: insheader 0 DKIM-Signature: v=1; a=rsa-sha256; .*d=example\.net; s=m2026' \
    "$WORK/sign.out" "the trusted client's message is signed"

cat > "$WORK/expected" <<'E'
mxgate_connections_total 4
mxgate_messages_total 2
mxgate_greylist_total{outcome="defer"} 2
mxgate_greylist_total{outcome="retried"} 1
mxgate_decisions_total{stage="RCPT",action="defer"} 2
mxgate_replies_total{code="451",ecode="4.7.1"} 2
mxgate_recipients_total{result="refused"} 2
mxgate_recipients_total{result="accepted"} 2
mxgate_store_operations_total{op="greylist",result="found"} 3
mxgate_store_operation_seconds_count{op="greylist"} 3
mxgate_dkim_signatures_total{result="signed"} 1
mxgate_dkim_sign_seconds_count 1
E
$CHECK expect "http://127.0.0.1:$PORT/metrics" "$WORK/expected" ||
    fail "greylisting, store and signing counts"
pass "greylisting, store and signing are counted exactly"
mxgate_stop
