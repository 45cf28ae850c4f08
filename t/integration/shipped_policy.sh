#!/bin/bash
# shipped_policy.sh - the shipped contrib/mxgate.conf decides as its comments
# and mxgate.conf(5) say. Only what cannot work in a test is changed: paths,
# the DNS server, our host name, the test TLD, and a 1 s tarpit delay.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test dkim.test dmarc.test test
mxgate_shipped_config
mxgate_start
golden_cases "$T/integration/shipped-cases"
expect_grep 'tarpit 1\.000s: RCPT from client\.example\[192\.0\.2\.40\]' "$MXGATE_LOG" "the client without PTR was tarpitted"
expect_grep 'NOQUEUE: log: RCPT from client\.example\[192\.0\.2\.10\]: no action taken; from=<alice@two\.spf\.test> .* check=spf:permerror ' \
    "$MXGATE_LOG" "an SPF permerror is logged"
mxgate_stop
