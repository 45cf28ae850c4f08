#!/bin/bash
# iprev_golden.sh - every case in cases/: a scripted transaction replayed by
# milterc against the real daemon, with DNS from NSD serving t/zones; the
# replies must match cases/NAME.expected byte for byte. Also checks the shape
# of the decision log line and that nothing was refused with a 5xx on a DNS
# failure.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start

golden_cases "$T/integration/cases"

expect_grep '4AB1C02: reject: RCPT from elsewhere\.example\.test\[192\.0\.2\.20\]: 550 5\.7\.25 .*; from=<alice@example\.org> to=<bob@example\.net> helo=<elsewhere\.example\.test> check=iprev:fail rule=5 \(.*mxgate\.conf:1[0-9]\)' \
    "$MXGATE_LOG" "a decision is one grep-able line with queue id, reply, envelope, check and rule"
expect_grep 'NOQUEUE: accept: RCPT from unknown\[192\.0\.2\.40\]: no further rules; from=<alice@example\.org> to=<PostMaster@example\.net> .* rule=1 ' \
    "$MXGATE_LOG" "an exempt recipient is logged as accepted by the exemption rule"
expect_grep 'NOQUEUE: reject: RCPT from unknown\[192\.0\.2\.40\]' "$MXGATE_LOG" \
    "without a queue id the line says NOQUEUE, as Postfix does"
expect_grep 'NOQUEUE: defer: RCPT from unknown\[198\.51\.100\.1\]: 450 4\.7\.25 .*check=iprev:temperror' \
    "$MXGATE_LOG" "a DNS failure is logged as a deferral"
expect_no_grep 'reject: .*198\.51\.100\.1' "$MXGATE_LOG" "a DNS failure never becomes a reject"
expect_eq "$(grep -c 'did not send the macro i; add it to milter_end_of_data_macros (Postfix) or confMILTER_MACROS_EOM (Sendmail)' "$MXGATE_LOG")" 1 \
    "a missing queue id macro is named once, with the setting that sends it"
expect_eq "$(grep -c 'did not send the macro {mail_addr}; add it to milter_mail_macros' "$MXGATE_LOG")" 1 \
    "missing MAIL macros (no way to see SMTP AUTH) are named once"
mxgate_stop
