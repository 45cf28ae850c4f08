#!/bin/bash
# sanity_golden.sh - the sanity check through the real daemon: every case in
# sanity-cases/ (header counts, 8-bit headers and bodies, HTML only, markup
# in Subject, nested and malformed MIME, long lines, header injection, the
# parts limit); replies byte for byte. Then a 50 MB message with 100,000
# parts: handled within the limits, the daemon's memory does not grow with it.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
# Under AddressSanitizer freed blocks sit in a quarantine (256 MB by default)
# and would read as growth; keep it small so that the RSS figure means memory
# mxgate holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
mxgate_config "$T/integration/sanity-test.conf"
mxgate_start
golden_cases "$T/integration/sanity-cases"
expect_grep '4SAN001: reject: END-OF-MESSAGE from mx\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.1 Message has more than one From header; .* check=sanity:from_multiple ' \
    "$MXGATE_LOG" "several From headers: one grep-able reject line"

# big.script: 100,000 parts of ~500 octets each, about 50 MB in all
awk 'BEGIN {
    print "connect mx.example.test 4 192.0.2.10 40000\nhelo mx.example.test\nmail <alice@example.org>"
    print "rcpt <bob@example.net>\ndata\nheader From: a@example.org\nheader Date: x\nheader Message-ID: <m@x>"
    print "header MIME-Version: 1.0\nheader Content-Type: multipart/mixed; boundary=\"p\"\neoh"
    line = sprintf("%0480d", 0)
    for (i = 0; i < 100000; i++) print "body --p\nbody Content-Type: text/plain\nbody\nbody " line
    print "body --p--\neom\nquit" }' > "$WORK/big.script"
hwm() { awk '/^VmHWM/ { print $2 }' "/proc/$MXGATE_PID/status"; }
before=$(hwm)
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/big.script" > "$WORK/big.out" 2>&1 || fail "milterc failed on the big message"
after=$(hwm)
expect_grep '^eom: tempfail 451 4\.7\.0 findings: mime_limits$' "$WORK/big.out" \
    "a 50 MB message with 100,000 parts is walked to the end, mime_limits reported"
[ $((after - before)) -lt 16384 ] || fail "peak RSS grew by $((after - before)) kB on a 50 MB message"
pass "peak RSS grew by $((after - before)) kB (of ${after} kB) on a 50 MB message"
mxgate_stop
