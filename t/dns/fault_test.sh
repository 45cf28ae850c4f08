#!/bin/bash
# fault_test.sh CASE DNSPROBE DNSFAULT SRCDIR - the resolver against dnsfault,
# a scripted server that stays silent, fails, lies or answers slowly (the
# first label of the name picks the behaviour; see dnsfault.c). dnsfault
# logs every query it receives, so packets are counted at the server.
case_name=$1
DNSPROBE=$2
DNSFAULT=$3
SRC=$4
. "$SRC/t/dns/probe.sh"
[ -x "$DNSPROBE" ] || fail "dnsprobe not built: $DNSPROBE"

# fault_start NAME - a dnsfault on a random loopback address; sets NAME_ADDR
# (ip:port) and logs to $WORK/NAME.log
fault_start() {
    local name=$1 addr port pid attempt i
    [ -x "$DNSFAULT" ] || fail "dnsfault not built: $DNSFAULT"
    for attempt in 1 2 3 4 5 6 7 8; do
        addr="127.54.$((RANDOM % 250 + 1)).1"
        port=$((5300 + RANDOM % 4000))
        : >"$WORK/$name.log"
        "$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/$name.log" 2>>"$WORK/$name.err" &
        pid=$!
        for i in $(seq 1 100); do
            grep -q '^ready$' "$WORK/$name.log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.02
        done
        if grep -q '^ready$' "$WORK/$name.log"; then
            cleanup_add "kill $pid; wait $pid 2>/dev/null"
            printf -v "${name}_ADDR" '%s' "$addr:$port"
            echo "dnsfault $name on $addr:$port"
            return 0
        fi
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    cat "$WORK/$name.err" >&2
    fail "cannot start dnsfault"
}

# received NAME PATTERN - how many queries dnsfault NAME logged matching PATTERN
received() {
    grep -c -- "$2" "$WORK/$1.log"
}

# (f) a silent server: try-later by the dns_wait deadline, and again after
# c-ares gives up (400 ms + 800 ms); never a hang
case_silent_server_trylater_within_deadline() {
    fault_start f
    probe_start "$DNSPROBE" -t 400 -r 2 "$f_ADDR"
    probe hold A drop.f.test
    probe wait 300
    expect_out "try-later why=deadline n=0 *"
    expect_le "$(field ms)" 500 "ms waited for a 300 ms deadline (200 ms slack)"
    expect_le 299 "$(field ms)" "the wait did not end early"
    probe wait 5000
    expect_out "try-later why=timeout n=0 *"
    expect_le "$(field total_ms)" 2000 "ms until c-ares' own timeout (400 + 800 ms) ended the lookup"
    probe release
    expect_eq "$(received f '^udp drop.f.test 1$')" 2 "queries received (2 tries)"
    probe q A drop.two.f.test 250
    expect_out "try-later why=deadline n=0 *"
    expect_le "$(field ms)" 450 "ms waited for a 250 ms deadline"
    probe q A drop.two.f.test 5000
    expect_out "try-later why=timeout n=0 *"
    probe_stop
}

# (g) SERVFAIL and REFUSED are try-later with the rcode as reason, never
# NXDOMAIN; not cached (trylater_ttl 0), so a repeat asks again
case_servfail_and_refused_trylater_not_nxdomain() {
    fault_start f
    probe_start "$DNSPROBE" -t 1000 -r 2 "$f_ADDR"
    probe q A servfail.f.test
    expect_out "try-later why=SERVFAIL n=0 *"
    probe q A refused.f.test
    expect_out "try-later why=REFUSED n=0 *"
    probe q A nx.f.test
    expect_out "nxdomain why=- n=0 *"
    probe q A nodata.f.test
    expect_out "nodata why=- n=0 *"
    probe q A servfail.f.test
    expect_out "try-later why=SERVFAIL n=0 *"
    expect_eq "$(received f '^udp servfail.f.test 1$')" 2 "SERVFAIL queries (try-later is not cached)"
    probe stats
    expect_eq "$(field trylater)" 3 "try-later answers"
    probe_stop
}

# (h) malformed replies are try-later "malformed"; a reply c-ares itself cannot
# match to the query is ignored and ends in try-later "timeout"
case_malformed_answers_trylater() {
    fault_start f
    probe_start "$DNSPROBE" -t 300 -r 1 "$f_ADDR"
    probe q A badrdlen.f.test
    expect_out "try-later why=malformed n=0 *"
    probe q A badcount.f.test
    expect_out "try-later why=malformed n=0 *"
    probe q A loop.f.test
    expect_out "try-later why=malformed n=0 *"
    probe q A garbage.f.test
    expect_out "try-later why=timeout n=0 *"
    probe q A ok.f.test
    expect_out "found why=- n=1 * data=192.0.2.99"
    expect_eq "$(received f '^udp garbage.f.test 1$')" 1 "garbage queries received"
    probe_stop
}

# (i) nothing listening (ICMP port unreachable): try-later at once, no crash
case_unreachable_server_trylater() {
    local port=$((5300 + RANDOM % 4000))
    probe_start "$DNSPROBE" -t 1000 -r 2 "127.55.$((RANDOM % 250 + 1)).1:$port"
    probe q A www.example.test 5000
    expect_out "try-later why=unreachable n=0 *"
    expect_le "$(field ms)" 500 "ms until try-later"
    probe q MX example.test 5000
    expect_out "try-later why=unreachable n=0 *"
    probe_stop
}

# 50 waiters of one slow query with TTL 0: one packet, all get the answer,
# and the answer is not cached (the next lookup asks again)
case_ttl0_answer_reaches_all_coalesced_waiters_not_cached() {
    fault_start f
    probe_start "$DNSPROBE" -t 2000 -r 1 "$f_ADDR"
    probe par 50 A slow300-ttl0.f.test
    expect_out "found=50 nxdomain=0 nodata=0 trylater=0 identical=1 first=found *data=192.0.2.99"
    expect_eq "$(received f '^udp slow300-ttl0.f.test 1$')" 1 "packets for 50 waiters"
    probe stats
    expect_eq "$(field coalesced)" 49 "lookups that joined the one in flight"
    probe q A slow300-ttl0.f.test
    expect_out "found why=- n=1 *"
    expect_eq "$(received f '^udp slow300-ttl0.f.test 1$')" 2 "packets after a repeat (TTL 0: not cached)"
    probe_stop
}

# dns_reconfigure: new lookups go to the new server while a query in flight
# on the old one still gets its answer
case_reconfigure_switches_server_drains_old() {
    fault_start a
    fault_start b
    probe_start "$DNSPROBE" -t 2000 -r 1 "$a_ADDR"
    probe hold A slow500.f.test
    sleep 0.1
    probe reconf "$b_ADDR"
    expect_out "ok"
    probe q A ok.f.test
    expect_out "found why=- n=1 * data=192.0.2.99"
    probe wait 3000
    expect_out "found why=- n=1 * data=192.0.2.99*"
    probe release
    expect_eq "$(received a '^udp slow500.f.test 1$')" 1 "old server: the query in flight"
    expect_eq "$(received a '^udp ok.f.test 1$')" 0 "old server: new lookups"
    expect_eq "$(received b '^udp ok.f.test 1$')" 1 "new server: new lookups"
    probe reconf "not-an-address"
    expect_out "error bad DNS server*"
    probe q A ok2.f.test
    expect_out "found why=- n=1 *"
    expect_eq "$(received b '^udp ok2.f.test 1$')" 1 "a failed reconfigure keeps the server"
    probe_stop
}

# dns_destroy with a waiter: the pending lookup is answered try-later at once
# and the handle stays valid until released
case_destroy_answers_pending_waiters() {
    fault_start f
    probe_start "$DNSPROBE" -t 5000 -r 1 "$f_ADDR"
    probe hold A drop.f.test
    sleep 0.1
    probe destroy
    expect_out "ok"
    probe wait 3000
    expect_out "try-later why=shutdown n=0 *"
    expect_le "$(field ms)" 100 "ms waited after destroy"
    probe release
    probe_stop
}

# a TC reply from the responder makes c-ares ask again over TCP
case_truncated_reply_retried_over_tcp() {
    fault_start f
    probe_start "$DNSPROBE" -t 1000 -r 2 "$f_ADDR"
    probe q A tc.f.test
    expect_out "found why=- n=1 * data=192.0.2.99"
    expect_eq "$(received f '^udp tc.f.test 1$')" 1 "UDP queries"
    expect_eq "$(received f '^tcp tc.f.test 1$')" 1 "TCP queries"
    probe_stop
}

declare -F "case_$case_name" >/dev/null || fail "unknown case $case_name"
"case_$case_name"
echo "PASS: $case_name"
