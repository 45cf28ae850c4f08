#!/bin/bash
# dmarc_golden.sh - DMARC through the real daemon, under RFC 9989 and then
# RFC 7489: every case in dmarc-cases/ (messages made by t/dkim/make-cases.py,
# signed by python3-dkim; records in t/zones/dmarc.test.zone served by NSD).
# Under RFC 7489 a case's expected replies come from dmarc7489-cases/ where
# the standards differ (pct, t=), else from dmarc-cases/.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

# replay EXPECTED_DIR... - each case, against the first expected file found
replay() {
    for script in "$T/integration/dmarc-cases"/*.script; do
        name=$(basename "$script" .script)
        for dir in "$@"; do
            [ -f "$dir/$name.expected" ] && { expected="$dir/$name.expected"; break; }
        done
        "$MILTERC" -s "$MXGATE_SOCKET" "$script" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
            { cat "$WORK/$name.err" >&2; fail "$name: milterc failed"; }
        diff -u "$expected" "$WORK/$name.out" >&2 || fail "$name: replies differ ($expected)"
        pass "$name ($(basename "$(dirname "$expected")"))"
    done
}

dns_start example.test 2.0.192.in-addr.arpa dkim.test dmarc.test test
mxgate_config "$T/integration/dmarc-test.conf"
mxgate_start
replay "$T/integration/dmarc-cases"
expect_grep '4DK1M01: reject: END-OF-MESSAGE from mx\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.1 Unauthenticated message not accepted due to DMARC policy of reject\.dmarc\.test; .* check=dmarc:reject ' \
    "$MXGATE_LOG" "a DMARC reject is one grep-able line with check=dmarc:reject"
expect_no_grep 'reject: .*temp\.unserved\.example' "$MXGATE_LOG" "a DNS failure never becomes a reject"
mxgate_stop

mxgate_config "$T/integration/dmarc7489-test.conf"
mxgate_start
replay "$T/integration/dmarc7489-cases" "$T/integration/dmarc-cases"
mxgate_stop
