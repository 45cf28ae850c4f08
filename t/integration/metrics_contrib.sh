#!/bin/bash
# metrics_contrib.sh - the monitoring files in contrib/ against a live
# endpoint, after the transactions of metrics.sh: the Grafana dashboard's
# JSON loads and each of its queries names only metrics the daemon exports;
# the munin plugin's autoconf, config and fetch agree with the endpoint
# (exact values, summed the way the plugin's graphs sum them).
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

CHECK="/usr/bin/python3 $T/integration/metrics_check.py"
MUNIN="$T/../contrib/munin/mxgate"
dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mxgate_config "$T/integration/mxgate-test.conf" -e "\$a metrics = { listen = \"127.0.0.1:$PORT\"; };"
mxgate_start
for c in iprev_pass iprev_fail exempt_postmaster iprev_temperror iprev_generic; do
    "$MILTERC" -s "$MXGATE_SOCKET" "$T/integration/cases/$c.script" > "$WORK/$c.out" 2>&1 ||
        { cat "$WORK/$c.out" >&2; fail "$c: milterc failed"; }
done
URL="http://127.0.0.1:$PORT/metrics"

# --- Grafana -----------------------------------------------------------------
$CHECK dashboard "$URL" "$T/../contrib/grafana/mxgate.json" > "$WORK/dash" ||
    fail "every dashboard query names a metric the daemon exports"
expect_grep '^[1-9][0-9]* queries checked$' "$WORK/dash" \
    "the dashboard loads and every query names a metric the daemon exports"
printf '{"panels": [{"targets": [{"expr": "rate(mxgate_no_such_total[5m])"}]}]}' > "$WORK/bad.json"
$CHECK dashboard "$URL" "$WORK/bad.json" > /dev/null 2> "$WORK/bad.err" &&
    fail "a query naming an unknown metric passes the dashboard check"
expect_grep 'mxgate_no_such_total, which mxgate does not export' "$WORK/bad.err" \
    "the dashboard check catches a metric the daemon does not export"

# --- munin -------------------------------------------------------------------
expect_eq "$(url=$URL sh "$MUNIN" autoconf)" yes "munin autoconf: yes with a live endpoint"
expect_eq "$(url=http://127.0.0.1:1/metrics sh "$MUNIN" autoconf)" "no (no answer from http://127.0.0.1:1/metrics)" \
    "munin autoconf: no without one"
url=$URL sh "$MUNIN" config > "$WORK/config" || fail "munin config failed"
for line in 'multigraph mxgate_connections' 'graph_title mxgate decisions' 'connections.type DERIVE' \
    'open.type GAUGE' 'reject.label reject' 'iprev_temperror.label iprev_temperror' \
    'answer_refused.label answer_refused' 'multigraph mxgate_greylist'; do
    grep -qx "$line" "$WORK/config" || { cat "$WORK/config" >&2; fail "munin config: '$line'"; }
done
pass "munin config declares the graphs and the fields seen"
url=$URL sh "$MUNIN" > "$WORK/fetch" || fail "munin fetch failed"
diff -u - "$WORK/fetch" <<'E' >&2 || fail "munin fetch values equal the endpoint's"
multigraph mxgate_connections
connections.value 5
open.value 0
messages.value 2
rcpt_accepted.value 3
rcpt_refused.value 5
multigraph mxgate_decisions
accept.value 2
defer.value 2
reject.value 3
multigraph mxgate_checks
dkim_none.value 2
iprev_fail.value 1
iprev_generic.value 1
iprev_pass.value 1
iprev_permerror.value 1
iprev_temperror.value 1
multigraph mxgate_dns
lookup_miss.value 8
answer_found.value 6
answer_nxdomain.value 1
answer_refused.value 1
budget_spent.value 0
multigraph mxgate_greylist
E
pass "munin fetch values equal the endpoint's"
mxgate_stop
