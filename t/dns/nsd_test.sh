#!/bin/bash
# nsd_test.sh CASE DNSPROBE SRCDIR - the resolver against a real NSD on
# loopback, counting packets at the server (nsd-control stats_noreset).
case_name=$1
DNSPROBE=$2
SRC=$3
. "$SRC/t/dns/probe.sh"
. "$SRC/t/lib/nsd.sh"
[ -x "$DNSPROBE" ] || fail "dnsprobe not built: $DNSPROBE"

nsd_start "$WORK" "$SRC/t/dns/zones" example.test 2.0.192.in-addr.arpa || fail "cannot start nsd"
cleanup_add nsd_stop
echo "nsd on $NSD_ADDR:$NSD_PORT"
probe_start "$DNSPROBE" -t 1000 -r 2 "$NSD_ADDR:$NSD_PORT"

# queries - NSD's query counter
queries() {
    nsd_count num.queries || fail "cannot read num.queries"
}

# (a) a second lookup is a cache hit: no packet reaches the server
case_cache_hit_sends_no_packet() {
    local q0 q1 q2
    q0=$(queries)
    probe q A hit.example.test
    expect_out "found why=- n=1 * data=192.0.2.60"
    q1=$(queries)
    expect_eq $((q1 - q0)) 1 "packets for the first lookup"
    probe q A hit.example.test
    expect_out "found why=- n=1 * data=192.0.2.60"
    probe q A HIT.Example.TEST.
    expect_out "found why=- n=1 * data=192.0.2.60"
    q2=$(queries)
    expect_eq $((q2 - q1)) 0 "packets for two cached lookups (one in other case, trailing dot)"
    probe stats
    expect_eq "$(field cache_hits)" 2 "cache hits"
    expect_eq "$(field sent)" 1 "queries handed to c-ares"
}

# (b) NXDOMAIN and NODATA are cached (RFC 2308): the repeat sends nothing
case_negative_answers_cached_no_packet() {
    local q0 q1 q2 nx0 nx1
    q0=$(queries)
    nx0=$(nsd_count num.rcode.NXDOMAIN)
    probe q A nope.example.test
    expect_out "nxdomain why=- n=0 *"
    probe q AAAA www.example.test
    expect_out "nodata why=- n=0 *"
    q1=$(queries)
    nx1=$(nsd_count num.rcode.NXDOMAIN)
    expect_eq $((q1 - q0)) 2 "packets for the first NXDOMAIN and NODATA lookups"
    expect_eq $((nx1 - nx0)) 1 "NXDOMAIN answers sent by the server"
    probe q A nope.example.test
    expect_out "nxdomain why=- n=0 *"
    probe q AAAA www.example.test
    expect_out "nodata why=- n=0 *"
    q2=$(queries)
    expect_eq $((q2 - q1)) 0 "packets for the repeated negative lookups"
    probe stats
    expect_eq "$(field cache_hits)" 2 "cache hits"
}

# (c) 50 threads asking the same thing at once: one packet, 50 identical answers
case_50_concurrent_identical_queries_send_one_packet() {
    local q0 q1
    q0=$(queries)
    probe par 50 A con.example.test
    expect_out "found=50 nxdomain=0 nodata=0 trylater=0 identical=1 first=found why=- n=1 *data=192.0.2.50"
    q1=$(queries)
    expect_eq $((q1 - q0)) 1 "packets for 50 concurrent identical lookups"
    probe stats
    expect_eq "$(field submitted)" 50 "lookups submitted"
    expect_eq "$(field sent)" 1 "queries handed to c-ares"
    expect_eq $(($(field coalesced) + $(field cache_hits))) 49 "joined or cached lookups"
    echo "coalesced=$(field coalesced) cache_hits=$(field cache_hits)"
}

# (d) an 850-byte TXT RRset is truncated over UDP and fetched complete over TCP
case_truncated_udp_answer_retried_over_tcp() {
    local u0 t0 tr0 u1 t1 tr1 i
    u0=$(nsd_count num.udp)
    t0=$(nsd_count num.tcp)
    tr0=$(nsd_count num.truncated)
    probe q TXT big.example.test
    expect_out "found why=- n=8 * bytes=800 data=*"
    for i in 1 2 3 4 5 6 7 8; do
        expect_out "*big$i-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa*"
    done
    u1=$(nsd_count num.udp)
    t1=$(nsd_count num.tcp)
    tr1=$(nsd_count num.truncated)
    expect_eq $((u1 - u0)) 1 "UDP queries"
    expect_eq $((tr1 - tr0)) 1 "truncated UDP answers"
    expect_eq $((t1 - t0)) 1 "TCP queries (the retry)"
}

# (e) found, NXDOMAIN and NODATA are three different answers; record types decode
case_found_nxdomain_nodata_are_distinct() {
    probe q A www.example.test
    expect_out "found why=- n=2 * data=192.0.2.1,192.0.2.2"
    probe q A nope.example.test
    expect_out "nxdomain why=- n=0 * data="
    probe q AAAA www.example.test
    expect_out "nodata why=- n=0 * data="
    probe q A alias.example.test
    expect_out "found why=- n=2 * data=192.0.2.1,192.0.2.2"
    probe q CNAME alias.example.test
    expect_out "found why=- n=1 * data=alias2.example.test"
    probe q MX example.test
    expect_out "found why=- n=2 * data=10:mx1.example.test,20:mx2.example.test"
    probe q TXT split.example.test
    expect_out 'found why=- n=1 * bytes=17 data=part\\x20one\\x20part\\x20two'
    probe q AAAA v6.example.test
    expect_out "found why=- n=1 * data=2001:db8::1"
    probe rev 192.0.2.1
    expect_out "1.2.0.192.in-addr.arpa"
    probe q PTR "$OUT"
    expect_out "found why=- n=1 * data=www.example.test"
    probe q PTR 9.2.0.192.in-addr.arpa
    expect_out "nxdomain why=- n=0 *"
}

declare -F "case_$case_name" >/dev/null || fail "unknown case $case_name"
"case_$case_name"
probe_stop
echo "PASS: $case_name"
