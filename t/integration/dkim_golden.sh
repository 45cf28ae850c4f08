#!/bin/bash
# dkim_golden.sh - DKIM verification through the real daemon: every case in
# dkim-cases/ (messages signed by python3-dkim, an independent signer, by
# t/dkim/make-cases.py; the RFC 8463 example) with key records served by NSD
# from t/zones; replies and Authentication-Results byte for byte.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa dkim.test football.example.com
mxgate_config "$T/integration/dkim-test.conf"
mxgate_start
golden_cases "$T/integration/dkim-cases"
expect_grep '4DK1M01: reject: END-OF-MESSAGE from mx\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.20 No valid DKIM signature: body hash mismatch; .* check=dkim:fail ' \
    "$MXGATE_LOG" "a failed signature is logged with its reason and check=dkim:fail"
expect_no_grep 'reject: .*key_timeout' "$MXGATE_LOG" "a key lookup failure never becomes a reject"
mxgate_stop
