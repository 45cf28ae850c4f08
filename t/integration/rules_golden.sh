#!/bin/bash
# rules_golden.sh - the rule language against the real daemon: every case in
# rules-cases/ is a transaction replayed by milterc (DNS from NSD for iprev);
# the replies must match rules-cases/NAME.expected byte for byte.
# rules-test.conf has one rule per kind of condition and action. Then: the
# decision lines (shadow "would reject", score, add_header, log, tarpit), the
# per-rule counters that SIGUSR1 logs, a list file changed and reloaded on
# SIGHUP, and global shadow mode (shadow = true;) with a rule that opts out.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa
cp "$T/integration/rules-bad-helos" "$WORK/"
mxgate_config "$T/integration/rules-test.conf" -e "s|@STORE@|$WORK/state.db|"
mxgate_start
golden_cases "$T/integration/rules-cases"

expect_grep 'NOQUEUE: would reject: RCPT from mx\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.1 Shadow refuses shadow@example\.net; from=<alice@example\.org> to=<shadow@example\.net> .* rule=8 ' \
    "$MXGATE_LOG" "the shadow rule logs what it would have done"
expect_no_grep '[0-9A-Z]: reject: .*to=<shadow@example\.net>' "$MXGATE_LOG" "and never rejected"
expect_grep 'score \+3: RCPT from .* from=<alice@mail\.spammy\.example> .* rule=9 .* score=3$' \
    "$MXGATE_LOG" "a score rule logs its points and the score"
expect_grep 'reject: RCPT from .*: 550 5\.7\.1 Score 5\.5 is too high; .* rule=11 .* score=5\.5$' \
    "$MXGATE_LOG" "the threshold rule's line carries the score"
expect_eq "$(grep -c 'score +3: .*from=<alice@spammy\.example>' "$MXGATE_LOG")" 1 \
    "two recipients, one score line: a score rule counts once per transaction"
expect_grep 'add_header: END-OF-MESSAGE from .*: X-Rules-Score: 3 for 192\.0\.2\.10 \(100%\); .* rule=12 ' \
    "$MXGATE_LOG" "add_header is logged"
expect_grep 'log: RCPT from .*: no action taken; .* to=<log@example\.net> .* rule=21 ' "$MXGATE_LOG" "log"
expect_grep 'tarpit 1\.000s: RCPT from .* to=<tarpit@example\.net> .* rule=13 ' "$MXGATE_LOG" "tarpit"
expect_grep 'quarantine: END-OF-MESSAGE from .*: held by the test for alice@example\.org;' "$MXGATE_LOG" \
    "quarantine"

# SIGUSR1: one line per rule with its counters.
kill -USR1 "$MXGATE_PID"
wait_for "grep -q 'rule 23 (' $MXGATE_LOG" 10 || fail "SIGUSR1 logged no counters"
expect_grep "rule 8 \($WORK/mxgate\.conf:[0-9]+\) reject \[shadow\]: enforced=0 shadow=1\$" "$MXGATE_LOG" \
    "the shadow rule's counter rose, its enforced counter did not"
expect_grep "rule 19 \($WORK/mxgate\.conf:[0-9]+\) defer: enforced=1 shadow=0\$" "$MXGATE_LOG" \
    "the first decisive rule counted its match"
expect_grep "rule 20 \($WORK/mxgate\.conf:[0-9]+\) reject: enforced=0 shadow=0\$" "$MXGATE_LOG" \
    "the rule after it was never reached"
expect_grep "rule 9 \($WORK/mxgate\.conf:[0-9]+\) score: enforced=3 shadow=0\$" "$MXGATE_LOG" \
    "the score rule matched at three recipients"

# A list file is read again on SIGHUP.
echo 'notbad.example' >> "$WORK/rules-bad-helos"
mxgate_reload
wait_for "grep -q 'configuration reloaded' $MXGATE_LOG" 10 || fail "the reload was not logged"
printf 'connect mx.example.test 4 192.0.2.10 40000\nhelo notbad.example\nmail <a@example.org>\nrcpt <bob@example.net>\nquit\n' > "$WORK/reload.script"
expect_eq "$("$MILTERC" -s "$MXGATE_SOCKET" "$WORK/reload.script" 2>/dev/null)" \
    'rcpt <bob@example.net>: reject 550 5.7.1 HELO notbad.example is refused' \
    "after SIGHUP the list file's new entry counts"
echo '192.0.2.300/24' >> "$WORK/rules-bad-helos"
mxgate_reload
wait_for "grep -q 'reload failed' $MXGATE_LOG" 10 || fail "no reload error for a bad list entry"
expect_grep "reload failed, still running the previous configuration: $WORK/rules-bad-helos:5: list bad_helos: \"192\.0\.2\.300/24\" is not an IP address or network" \
    "$MXGATE_LOG" "a bad list file entry is named with the list file's line"
mxgate_stop

# Global shadow mode: every rule only logs, but the one that says shadow = false.
MXGATE_LOG="$WORK/mxgate-shadow.log"
cp "$T/integration/rules-bad-helos" "$WORK/"
mxgate_config "$T/integration/rules-test.conf" -e "s|@STORE@|$WORK/state.db|" -e '1i shadow = true;'
mxgate_start
printf 'connect client.example 4 192.0.2.66 40000\nhelo mx.bad.example\nmail <a@example.org>\nrcpt <bob@example.net>\nrcpt <enforced@example.net>\nquit\n' > "$WORK/shadow.script"
expect_eq "$("$MILTERC" -s "$MXGATE_SOCKET" "$WORK/shadow.script" 2>/dev/null)" \
    'rcpt <bob@example.net>: continue
rcpt <enforced@example.net>: reject 550 5.7.1 Enforced even in shadow mode' \
    "with shadow = true only the rule with shadow = false decides"
expect_grep 'would reject: RCPT from client\.example\[192\.0\.2\.66\]: 550 5\.7\.1 Client 192\.0\.2\.66 is blocked; .* to=<bob@example\.net> .* rule=3 ' \
    "$MXGATE_LOG" "the blocked client would have been refused"
expect_grep 'would reject: RCPT from .*: 550 5\.7\.1 HELO mx\.bad\.example is refused; .* to=<bob@example\.net> .* rule=5 ' \
    "$MXGATE_LOG" "and evaluation went on as if the rule had not matched"
kill -USR1 "$MXGATE_PID"
wait_for "grep -q 'rule 23 (' $MXGATE_LOG" 10 || fail "SIGUSR1 logged no counters"
expect_grep "rule 3 \(.*\) reject \[shadow\]: enforced=0 shadow=2\$" "$MXGATE_LOG" \
    "the blocked-client rule counted both recipients in shadow"
expect_grep "rule 23 \(.*\) reject: enforced=1 shadow=0\$" "$MXGATE_LOG" "the opted-out rule enforced"
mxgate_stop
