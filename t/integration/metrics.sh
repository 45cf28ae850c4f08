#!/bin/bash
# metrics.sh - the metrics endpoint of the real daemon: after a scripted set
# of transactions (five cases of cases/ against mxgate-test.conf, DNS from
# NSD) the exposition parses with the Prometheus text-format parser and
# holds exactly the counts in metrics-expected; mxgatectl stats shows the
# same figures as a table; a reload moves the endpoint (counters kept), a
# reload without metrics closes it, a reload with a non-loopback address is
# refused with FILE:LINE and opens nothing; without metrics = { ... } the
# daemon listens on no TCP port; every connection ends with one close: line;
# with shadow = true the rules that would act are counted as mode="shadow"
# and shown by mxgatectl stats, and nothing is refused.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

CHECK="/usr/bin/python3 $T/integration/metrics_check.py"
dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa

# free_port - a TCP port nobody listens on now
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# tcp_listening - the daemon's listening TCP sockets, one a line
tcp_listening() { ss -Hltnp | grep "pid=$MXGATE_PID," || true; }

# with_metrics LISTEN - write the test configuration with metrics.listen
with_metrics() {
    mxgate_config "$T/integration/mxgate-test.conf" -e "\$a metrics = { listen = \"$1\"; };"
}

# --- off by default ---------------------------------------------------------
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
expect_eq "$(tcp_listening)" "" "without metrics = { ... } the daemon listens on no TCP port"
mxgate_stop

# --- exact counts after scripted transactions --------------------------------
P1=$(free_port)
with_metrics "127.0.0.1:$P1"
mxgate_start
# The endpoint opens just after the milter socket: wait for its log line.
wait_for "grep -q 'metrics endpoint listening on http://127.0.0.1:$P1/metrics' '$MXGATE_LOG'" 10 ||
    fail "the endpoint's address is not logged at start"
pass "the endpoint's address is logged at start"
expect_eq "$(tcp_listening | awk '{print $4}')" "127.0.0.1:$P1" \
    "the daemon listens only on the configured address"
for c in iprev_pass iprev_fail exempt_postmaster iprev_temperror iprev_generic; do
    "$MILTERC" -s "$MXGATE_SOCKET" "$T/integration/cases/$c.script" > "$WORK/$c.out" 2>&1 ||
        { cat "$WORK/$c.out" >&2; fail "$c: milterc failed"; }
done
# A connection is counted closed just after milterc sees its last reply.
wait_for "[ \$(grep -c ' info: close: client=' '$MXGATE_LOG') -ge 5 ]" 10 ||
    fail "the five connections did not close"
export CONF="$WORK/mxgate.conf"
$CHECK expect "http://127.0.0.1:$P1/metrics" "$T/integration/metrics-expected" ||
    fail "the exposition holds exactly the expected counts"
pass "the exposition parses (prometheus_client) and holds exactly the expected counts"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P1/other" > "$WORK/404"
expect_eq "$(cat "$WORK/404")" 404 "only /metrics is served"

# --- the closing summary line -------------------------------------------------
expect_eq "$(grep -c ' info: close: client=' "$MXGATE_LOG")" 5 "one close: line per connection"
expect_grep 'info: close: client=unknown\[192\.0\.2\.40\] helo=<dsl-pool\.example\.org> messages=1 rcpts=2/3 accept=2 reject=1 duration=[0-9]+\.[0-9]{3}s$' \
    "$MXGATE_LOG" "the close: line has client, HELO, messages, recipients and decisions"
expect_grep 'info: close: client=elsewhere\.example\.test\[192\.0\.2\.20\] helo=<elsewhere\.example\.test> messages=0 rcpts=0/2 reject=2 duration=' \
    "$MXGATE_LOG" "a refused connection's close: line counts its refusals"

# --- mxgatectl stats ----------------------------------------------------------
"$MXGATECTL" -c "$WORK/mxgate.conf" stats > "$WORK/stats" 2> "$WORK/stats.err" ||
    { cat "$WORK/stats.err" >&2; fail "mxgatectl stats failed"; }
expect_eq "$(head -1 "$WORK/stats" | tr -s ' ')" "METRIC LABELS VALUE" "stats prints a header"
for row in 'connections_total 5' 'messages_total 2' 'recipients_total result=refused 5' \
    'decisions_total stage=RCPT action=reject 3' 'replies_total code=450 ecode=4.7.25 2' \
    "rule_actions_total rule=$WORK/mxgate.conf:16 action=reject mode=enforced 2" \
    'dns_queries_total outcome=refused 1'; do
    grep -qx "$row" <(tr -s ' ' < "$WORK/stats") || { cat "$WORK/stats" >&2; fail "stats row '$row'"; }
done
pass "stats shows the endpoint's counters as rows"
expect_grep '^stage_seconds +stage=RCPT +8 \(avg [0-9]+\.[0-9]{3} ms\)$' "$WORK/stats" \
    "stats shows a histogram as its count and average"
expect_no_grep '_bucket' "$WORK/stats" "stats leaves the buckets out"
"$MXGATECTL" -c "$WORK/mxgate.conf" stats -r > "$WORK/raw"
expect_grep '^# TYPE mxgate_connections_total counter$' "$WORK/raw" "stats -r prints the exposition"

# --- reload: move, keep the counters, close, refuse ---------------------------
P2=$(free_port)
with_metrics "127.0.0.1:$P2"
mxgate_reload
wait_for "grep -q 'listening on http://127.0.0.1:$P2/' '$MXGATE_LOG'" 10 || fail "no reload to $P2"
expect_eq "$($CHECK value "http://127.0.0.1:$P2/metrics" mxgate_connections_total)" 5.0 \
    "after a reload to another port the counters are kept"
expect_eq "$(tcp_listening | awk '{print $4}')" "127.0.0.1:$P2" "the old port is closed"
sed -i "s|127.0.0.1:$P2|192.0.2.1:$P2|" "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'reload failed' '$MXGATE_LOG'" 10 || fail "a non-loopback reload was not refused"
expect_grep "reload failed, still running the previous configuration: $WORK/mxgate\.conf:[0-9]+: metrics\.listen 192\.0\.2\.1:$P2 is not a loopback address" \
    "$MXGATE_LOG" "a non-loopback address is refused with FILE:LINE"
expect_eq "$(tcp_listening | awk '{print $4}')" "127.0.0.1:$P2" "the refused reload kept the endpoint"
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_reload
wait_for '[ -z "$(tcp_listening)" ]' 10 || fail "a reload without metrics left the endpoint open"
pass "a reload without metrics = { ... } closes the endpoint"
"$MXGATECTL" -c "$WORK/mxgate.conf" stats > "$WORK/off" 2> "$WORK/off.err"; rc=$?
expect_eq "$rc:$(cat "$WORK/off.err")" "1:mxgatectl: the metrics endpoint is off: set metrics.listen in $WORK/mxgate.conf" \
    "stats says so when the endpoint is off"
mxgate_stop

# --- shadow mode: counted apart, readable with mxgatectl stats --------------
P3=$(free_port)
mxgate_config "$T/integration/mxgate-test.conf" -e "\$a metrics = { listen = \"127.0.0.1:$P3\"; };" \
    -e '$a shadow = true;'
mxgate_start
wait_for "grep -q 'listening on http://127.0.0.1:$P3/' '$MXGATE_LOG'" 10 || fail "no endpoint on $P3"
"$MILTERC" -s "$MXGATE_SOCKET" "$T/integration/cases/iprev_fail.script" > "$WORK/shadow.out" 2>&1 ||
    { cat "$WORK/shadow.out" >&2; fail "iprev_fail: milterc failed"; }
expect_eq "$(grep -c '^rcpt <.*>: continue$' "$WORK/shadow.out")" 2 \
    "in shadow mode the rule that would reject lets both recipients through"
expect_grep 'would reject: RCPT from elsewhere\.example\.test\[192\.0\.2\.20\]: 550 5\.7\.25 ' "$MXGATE_LOG" \
    "the log says what the shadowed rule would have done"
"$MXGATECTL" -c "$WORK/mxgate.conf" stats > "$WORK/shadow.stats" 2>&1 || fail "mxgatectl stats failed"
row="rule_actions_total rule=$WORK/mxgate.conf:16 action=reject mode=shadow 2"
grep -qx "$row" <(tr -s ' ' < "$WORK/shadow.stats") || { cat "$WORK/shadow.stats" >&2; fail "stats row '$row'"; }
pass "mxgatectl stats shows the shadowed rule's matches (mode=shadow)"
expect_no_grep 'mode=enforced' "$WORK/shadow.stats" "nothing was enforced"
mxgate_stop
