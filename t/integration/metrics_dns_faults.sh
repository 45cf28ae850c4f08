#!/bin/bash
# metrics_dns_faults.sh - DNS failures in the metrics: a SERVFAIL answer is
# counted as mxgate_dns_queries_total{outcome="servfail"}; a server that
# never answers makes the check stop waiting at the transaction's budget
# (mxgate_dns_budget_spent_total) and c-ares later gives up on the query
# ({outcome="timeout"}); both transactions are deferred, and counted so.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

CHECK="/usr/bin/python3 $T/integration/metrics_check.py"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT/metrics"

# fault_server MODE - a dnsfault answering every query the MODE way; sets DNS_SERVERS
fault_server() {
    addr="127.54.$((RANDOM % 250 + 1)).1" port=$((RANDOM % 20000 + 30000))
    "$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/fault.$1.log" -m "$1" &
    on_exit "kill $! 2>/dev/null"
    wait_for "grep -q ready $WORK/fault.$1.log" 5 || fail "dnsfault $1 did not start"
    DNS_SERVERS="\"$addr:$port\""
}

# client NAME ADDR - iprev_permerror's transaction from ADDR
client() {
    sed "s/192\.0\.2\.40/$2/g" "$T/integration/cases/iprev_permerror.script" > "$WORK/$1.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$1.script" > "$WORK/$1.out" 2>&1 || fail "$1: milterc failed"
    expect_grep 'tempfail 450 4.7.25' "$WORK/$1.out" "$1: deferred with 450"
}

# value SAMPLE [LABEL=VALUE...] - one sample's value at the endpoint
value() { $CHECK value "$URL" "$@"; }

fault_server servfail
mxgate_config "$T/integration/mxgate-test.conf" -e "\$a metrics = { listen = \"127.0.0.1:$PORT\"; };"
mxgate_start
client servfail 192.0.2.41
expect_eq "$(value mxgate_dns_queries_total outcome=servfail)" 1.0 "SERVFAIL is counted as outcome servfail"
expect_eq "$(value mxgate_check_results_total check=iprev result=temperror)" 1.0 "and iprev as temperror"
expect_eq "$(value mxgate_dns_budget_spent_total)" 0.0 "SERVFAIL spends no budget"
mxgate_stop

fault_server drop
mxgate_config "$T/integration/mxgate-test.conf" -e "\$a metrics = { listen = \"127.0.0.1:$PORT\"; };" \
    -e 's|timeout = 0.5; tries = 2; budget = 3;|timeout = 1; tries = 1; budget = 0.5;|'
mxgate_start
client drop 192.0.2.42
expect_eq "$(value mxgate_dns_budget_spent_total)" 1.0 "a wait cut short by the DNS budget is counted"
wait_for '[ "$(value mxgate_dns_queries_total outcome=timeout)" = 1.0 ]' 10 ||
    fail "c-ares' timeout was not counted"
pass "c-ares giving up later is counted as outcome timeout"
expect_eq "$(value mxgate_decisions_total stage=RCPT action=defer)" 1.0 "the deferral is counted"
mxgate_stop
