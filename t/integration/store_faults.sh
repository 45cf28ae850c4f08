#!/bin/bash
# store_faults.sh - the greylisting store on a small tmpfs of its own, in
# trouble while the daemon runs: locked by another writer, its file system
# full, and (after a reload) a copy on a read-only file system. Each time mail flows (greylisting steps
# aside, the default on_error), nothing is a 5xx, the daemon lives, and
# greylisting comes back once the fault is gone. Needs root (mount).
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

mkdir -p "$WORK/mnt"
mount -t tmpfs -o size=512k tmpfs "$WORK/mnt" || fail "cannot mount a tmpfs (root needed)"
on_exit "umount -l '$WORK/mnt'"
dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|@STORE@|$WORK/mnt/state.db|"
mxgate_start

# attempt N - one transaction from a greylisted client to rcptN; prints the
# RCPT reply and leaves the milliseconds it took in $WORK/ms
attempt() {
    printf 'connect client.example 4 192.0.2.40 40000\nhelo mx.example.test\nmail <bob@softfail.spf.test>\nrcpt <rcpt%s@example.net>\nquit\n' "$1" > "$WORK/a.script"
    t0=$(date +%s%N)
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/a.script" 2> "$WORK/a.err" | grep '^rcpt' ||
        { cat "$WORK/a.err" >&2; fail "milterc failed"; }
    echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$WORK/ms"
}

GREY="tempfail 451 4.7.1 Greylisted, try again later"
expect_eq "$(attempt 1)" "rcpt <rcpt1@example.net>: $GREY" "a healthy store greylists"

/usr/bin/python3 -c '
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(8)' "$WORK/mnt/state.db" "$WORK/locked" &
locker=$!
wait_for "[ -e '$WORK/locked' ]" 10 || fail "the other writer did not get its lock"
expect_eq "$(attempt 2)" "rcpt <rcpt2@example.net>: continue" "locked by another writer: greylisting steps aside"
pass "locked: the decision took $(cat "$WORK/ms") ms"
wait $locker
wait_for "attempt 3 | grep -q tempfail" 10 || fail "greylisting did not come back after the lock"
pass "the lock released: greylisting works again"

dd if=/dev/zero of="$WORK/mnt/fill" bs=4k 2>/dev/null
for n in 4 5 6 7 8 9; do
    r=$(attempt $n)
    case $r in *" 5"[0-9][0-9]" "*) fail "disk full: $r" ;; esac
done
expect_eq "$(attempt 10)" "rcpt <rcpt10@example.net>: continue" "disk full: greylisting steps aside"
rm -f "$WORK/mnt/fill"
wait_for "attempt 11 | grep -q tempfail" 10 || fail "greylisting did not come back after the disk had room"
pass "room again: greylisting works again"

# read-only: a copy of the database on a second tmpfs mounted read-only
# (a file system in use for writing cannot be remounted), taken by a reload
mkdir -p "$WORK/ro"
mount -t tmpfs -o size=512k tmpfs "$WORK/ro" || fail "cannot mount the second tmpfs"
on_exit "umount -l '$WORK/ro'"
/usr/bin/python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
    "$WORK/mnt/state.db" "$WORK/ro/state.db" || fail "cannot copy the database"
mount -o remount,ro "$WORK/ro" || fail "cannot remount read-only"
sed -i "s|$WORK/mnt/state.db|$WORK/ro/state.db|" "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'configuration reloaded' '$MXGATE_LOG'" 10 || fail "the reload did not happen"
expect_eq "$(attempt 12)" "rcpt <rcpt12@example.net>: continue" "read-only: greylisting steps aside"
sed -i "s|$WORK/ro/state.db|$WORK/mnt/state.db|" "$WORK/mxgate.conf"
mxgate_reload
wait_for "attempt 13 | grep -q tempfail" 10 || fail "greylisting did not come back on a writable store"
pass "a writable store again: greylisting works again"
expect_no_grep 'reject' "$MXGATE_LOG" "nothing was rejected"
kill -0 "$MXGATE_PID" || fail "the daemon died"
mxgate_stop
