#!/bin/bash
# dmarc_golden.sh - DMARC through the real daemon, under RFC 9989 and then
# RFC 7489: every case in dmarc-cases/ (messages made by t/dkim/make-cases.py,
# signed by python3-dkim; records in t/zones/dmarc.test.zone served by NSD).
# Under RFC 7489 a case's expected replies come from dmarc7489-cases/ where
# the standards differ (pct, t=), else from dmarc-cases/. Each evaluation is
# a row of the store's DMARC history (read with the sqlite3 CLI); the RFC
# 7489 run has a store that cannot answer, which must change no reply.
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

# history SQL - the DMARC history's rows that SQL selects, "|"-separated
history() { sqlite3 -batch -separator '|' "$WORK/state.db" "$1" || fail "sqlite3 could not read the store"; }

command -v sqlite3 > /dev/null || fail "the sqlite3 CLI is missing (contrib/deps-debian.sh --test)"
dns_start example.test 2.0.192.in-addr.arpa dkim.test dmarc.test test
mxgate_config "$T/integration/dmarc-test.conf" -e "\$a store = \"sqlite:$WORK/state.db\";"
mxgate_start
replay "$T/integration/dmarc-cases"
expect_grep '4DK1M01: reject: END-OF-MESSAGE from mx\.example\.test\[192\.0\.2\.10\]: 550 5\.7\.1 Unauthenticated message not accepted due to DMARC policy of reject\.dmarc\.test; .* check=dmarc:reject ' \
    "$MXGATE_LOG" "a DMARC reject is one grep-able line with check=dmarc:reject"
expect_no_grep 'reject: .*temp\.unserved\.example' "$MXGATE_LOG" "a DNS failure never becomes a reject"
mxgate_stop

# The history: one row per day and kind of evaluation, for aggregate reports.
today=$(( $(date +%s) / 86400 ))
expect_eq "$(history "SELECT day BETWEEN $today - 1 AND $today, source_ip, envelope_from, spf_domain,
    spf_result, dkim, policy_published, disposition, count FROM dmarc
    WHERE header_from = 'reject.dmarc.test' AND dmarc_result = 'fail' ORDER BY source_ip")" \
    "1|192.0.2.10|dkim.test|dkim.test|none|d=dkim.test s=rsa a=rsa-sha256 pass|reject|reject|2
1|192.0.2.77|dkim.test|dkim.test|none|d=dkim.test s=rsa a=rsa-sha256 pass|reject|reject|1" \
    "the DMARC failures are history rows of today: client, envelope, SPF, DKIM, p=reject, counted (the rejected message and the one a List-Id override let through share a row; the forwarder's has its own)"
expect_eq "$(history "SELECT spf_domain, spf_result, dkim, disposition, dmarc_result, count
    FROM dmarc WHERE header_from = 'reject.dmarc.test' AND envelope_from = 'reject.dmarc.test'")" \
    "reject.dmarc.test|pass||none|pass|1" "an SPF-aligned pass is a row of its own, without a signature"
expect_eq "$(history "SELECT policy_published, disposition, dmarc_result FROM dmarc
    WHERE header_from = 'testing.dmarc.test'")" "reject|quarantine|fail" \
    "the disposition is the policy applied (t=y: one level lower)"
expect_eq "$(history "SELECT count(*) FROM dmarc
    WHERE header_from IN ('dkim.test', 'temp.unserved.example', '')")" 0 \
    "no row without a published policy (no record, DNS failure, bad From)"
rows=$(history "SELECT sum(count) FROM dmarc")

# RFC 7489, with a store that cannot answer (its directory is a file): the
# same replies, and nothing recorded.
touch "$WORK/file"
mxgate_config "$T/integration/dmarc7489-test.conf" -e "\$a store = \"sqlite:$WORK/file/state.db\";"
mxgate_start
replay "$T/integration/dmarc7489-cases" "$T/integration/dmarc-cases"
mxgate_stop
expect_grep 'state store .*/file/state\.db cannot be opened' "$MXGATE_LOG" \
    "the second store could not answer"
expect_eq "$(history "SELECT sum(count) FROM dmarc")" "$rows" \
    "a store that cannot answer changes no DMARC result and records nothing"
