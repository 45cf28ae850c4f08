#!/bin/bash
# hostile.sh - regression tests for the hostile input that hit other mail
# filters (issue 13): each case in hostile-cases/ is named after the class
# of attack (several From headers, CVE-2019-16378; injected and forged
# Authentication-Results, CVE-2020-12272 and CVE-2022-48521; a HELO SPF pass
# offered as the MAIL FROM pass, CVE-2019-20790; SPF macros that underflow a
# naive expander, CVE-2023-42118; ARC garbage; MTA macros outside their
# grammar; NUL octets), replies byte for byte. Then, generated here: 10,000
# recipients in one transaction, and header lines far beyond 998 octets.
# The daemon must answer every one, log one line per decision, and stop
# cleanly (no sanitizer report).
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa dkim.test dmarc.test test hostile.test
mxgate_config "$T/integration/hostile-test.conf"
mxgate_start
golden_cases "$T/integration/hostile-cases"

# CRLF in MTA macros must not start a new log line.
expect_no_grep '^X-Injected' "$MXGATE_LOG" "CRLF in a macro value does not forge a log line"
expect_grep 'reject: END-OF-MESSAGE from .*check=dmarc:reject' "$MXGATE_LOG" \
    "the macro case is still decided (DMARC reject) and logged"
expect_grep '4H0ST01: log: END-OF-MESSAGE .*check=sanity:nul' "$MXGATE_LOG" \
    "NUL octets in the body are a sanity finding the rules see"

# hostile_session NAME AWK_PROGRAM - run the script the awk program prints
hostile_session() {
    awk "BEGIN { $2 }" > "$WORK/$1.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$1.script" > "$WORK/$1.out" 2> "$WORK/$1.err" ||
        { cat "$WORK/$1.err" >&2; fail "$1: milterc failed"; }
}
start='print "macro connect {client_addr} 192.0.2.10\nconnect mx.example.test 4 192.0.2.10 40000"
       print "helo mx.example.test\nmacro mail i 4H0ST02\nmail <alice@dkim.test>\nmacro rcpt i 4H0ST02"'
message='print "data\nheader From: Alice <alice@monitor.dmarc.test>\nheader Subject: x"'

hostile_session rcpt10000 "$start
    for (i = 0; i < 10000; i++) printf \"rcpt <user%d@example.net>\n\", i
    $message; print \"eoh\nbody Hello.\neom\nquit\""
n=$(grep -c '^rcpt <user[0-9]*@example\.net>: continue$' "$WORK/rcpt10000.out")
[ "$n" -eq 10000 ] || fail "10,000 recipients: $n continued"
expect_grep '^eom: continue$' "$WORK/rcpt10000.out" "10,000 recipients: all answered, the message accepted"

hostile_session longheader "$start
    print \"rcpt <bob@example.net>\"; $message
    line = \"x\"; while (length(line) < 100000) line = line line; print \"header X-Long: \" line
    printf \"header X-Folded: a\"; for (i = 0; i < 5000; i++) printf \"\\\\r\\\\n b\"; print \"\"
    print \"header Subject: \" line; print \"eoh\nbody Hello.\neom\nquit\""
expect_grep '^eom: continue$' "$WORK/longheader.out" \
    "100,000-octet header lines and 5,000 folds: a defined verdict (accepted)"
mxgate_stop
