#!/bin/bash
# spf_golden.sh - RFC 7208 through the real daemon: every case in spf-cases/
# (record selection, each mechanism and modifier, macros, each limit, IPv6
# and IPv4-mapped clients, DNS errors, the null sender) against SPF records
# in t/zones/spf.test.zone served by NSD; replies and headers byte for byte.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa spf.test
mxgate_config "$T/integration/spf-test.conf"
mxgate_start
golden_cases "$T/integration/spf-cases"
expect_grep 'reject: RCPT from client\.example\[192\.0\.2\.10\]: 550 5\.7\.23 192\.0\.2\.10 is not one of fail\.spf\.test.s designated mail servers\.; from=<alice@fail\.spf\.test> .* check=spf:fail ' \
    "$MXGATE_LOG" "an SPF fail is logged with the explanation and check=spf:fail"
expect_no_grep 'reject: .*alice@temp\.spf\.test' "$MXGATE_LOG" "a DNS failure never becomes a reject"
mxgate_stop
