#!/bin/bash
# greylist_store_faults.sh - the daemon with a store that cannot answer:
# its directory missing at start (two levels: mxgate creates only the last),
# then created (recovery without a restart);
# the database overwritten with garbage, then removed (recovery again); and
# on_error = "defer" after a reload. Never a 5xx, never a crash; the cause
# is logged at most once a minute.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|@STORE@|$WORK/db/sub/state.db|"
mxgate_start

# attempt N - one transaction from a greylisted client (no PTR) to rcptN
attempt() {
    printf 'connect client.example 4 192.0.2.40 40000\nhelo mx.example.test\nmail <bob@softfail.spf.test>\nrcpt <rcpt%s@example.net>\nquit\n' "$1" > "$WORK/a.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/a.script" 2> "$WORK/a.err" | grep '^rcpt' ||
        { cat "$WORK/a.err" >&2; fail "milterc failed"; }
}

GREY='tempfail 451 4.7.1 Greylisted, try again later'
expect_eq "$(attempt 1)" "rcpt <rcpt1@example.net>: continue" \
    "the store's directory is missing: greylisting is skipped, mail flows"
expect_eq "$(attempt 2)" "rcpt <rcpt2@example.net>: continue" "still skipped"
expect_eq "$(grep -c 'greylisting is skipped: the state store' "$MXGATE_LOG")" 1 \
    "the failure is logged once, not once per message"

mkdir -p "$WORK/db/sub"
wait_for "attempt 3 | grep -q tempfail" 5 || fail "greylisting did not come back once the directory exists"
pass "the directory created: greylisting works again without a restart"
expect_eq "$(attempt 3)" "rcpt <rcpt3@example.net>: $GREY" "the triplet is remembered"

head -c 65536 /dev/urandom > "$WORK/db/sub/state.db"
rm -f "$WORK/db/sub/state.db-wal" "$WORK/db/sub/state.db-shm"
wait_for "attempt 4 | grep -q continue" 10 || fail "a corrupt database did not make greylisting step aside"
pass "the database overwritten with garbage: greylisting is skipped, mail flows"

rm -f "$WORK/db/sub/state.db"*
wait_for "attempt 5 | grep -q tempfail" 10 || fail "greylisting did not recover after the corrupt file was removed"
pass "the corrupt file removed: a fresh database, greylisting works again"

sed -i 's|auto_allow = 2;|auto_allow = 2; on_error = "defer";|' "$WORK/mxgate.conf"
sed -i "s|$WORK/db/sub/state.db|$WORK/nodir/state.db|" "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'configuration reloaded' '$MXGATE_LOG'" 10 || fail "the reload did not happen"
expect_eq "$(attempt 6)" "rcpt <rcpt6@example.net>: tempfail 451 4.3.0 Temporary local problem, please try again later" \
    "on_error = defer: a store that cannot answer defers, never rejects"
expect_no_grep 'reject' "$MXGATE_LOG" "nothing was rejected"
mxgate_stop
