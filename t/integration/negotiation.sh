#!/bin/bash
# negotiation.sh - mxgate asks the MTA only for what its rules need: no
# replies at connect, HELO and MAIL when rejections wait for RCPT; no DATA;
# headers and body without replies (DKIM reads them for Authentication-Results,
# and forged Authentication-Results must be seen to be removed); exactly the
# macros it reads. With
# delay_reject = false, it answers at connect and refuses there.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
"$MILTERC" -v -s "$MXGATE_SOCKET" "$T/integration/cases/iprev_pass.script" > "$WORK/v" 2>&1 ||
    fail "milterc failed"
for step in connect helo mail; do
    expect_grep "^$step: noreply" "$WORK/v" "no reply is awaited at $step"
done
expect_grep "^data: skipped" "$WORK/v" "the MTA does not send data"
for step in header eoh body; do
    expect_grep "^$step: noreply" "$WORK/v" "$step is sent without a reply"
done
expect_grep '^rcpt <bob@example.net>: continue' "$WORK/v" "RCPT gets a reply"
expect_grep 'macros connect="j \{daemon_name\} \{client_addr\} \{client_name\}" mail="i \{auth_type\} \{auth_authen\} \{mail_addr\}" rcpt="i \{rcpt_addr\}" eom="i"' \
    "$WORK/v" "mxgate requests exactly the macros it reads"

printf 'delay_reject = false;\n' >> "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'configuration reloaded' $MXGATE_LOG" 10 || fail "reload not logged"
"$MILTERC" -v -s "$MXGATE_SOCKET" "$T/integration/cases/iprev_permerror.script" > "$WORK/v2" 2>&1 ||
    fail "milterc failed"
expect_grep '^connect: reject 550 5.7.25 Client host 192.0.2.40 has no reverse DNS name' "$WORK/v2" \
    "without delay_reject the client is refused at connect"
expect_grep '^rcpt <bob@example.net>: not sent' "$WORK/v2" "and the MTA goes no further"
mxgate_stop
