#!/bin/bash
# rcptverify.sh - the rcptverify check against the real daemon, with
# smtp-primary.py as scripted primaries on loopback:
#  1. one message, several recipients: a known one (the first primary is
#     down, the second says 250) is ok, an unknown one 550 5.1.1, a listed
#     one ok without a probe, another domain none, a 451 from the primary a
#     451 4.4.1, postmaster@ exempt; the probe is EHLO, MAIL FROM:<>, RCPT,
#     QUIT, never DATA; one log line per probe;
#  2. the same again: answered from the store, no new connection;
#  3. five concurrent transactions to one new address: one probe;
#  4. bounds: max_connections 1 and max_rate 2 defer the excess (451, logged);
#  5. faults: a primary that greets 421, one that closes, one that greets
#     with garbage, one that hangs: 451 4.4.1 within the 1 s budget, never 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

PY=/usr/bin/python3
base="127.61.$((RANDOM % 250 + 1))"
port=$((RANDOM % 20000 + 30000))

# primary NAME MODE - start smtp-primary.py on $base.N:$port; its log is $WORK/NAME.log
pn=0
primary() {
    pn=$((pn + 1))
    "$PY" "$T/integration/smtp-primary.py" "$base.$pn" "$port" "$WORK/$1.log" "$2" &
    on_exit "kill $! 2>/dev/null"
    wait_for "grep -qs ready $WORK/$1.log" 5 || fail "smtp-primary $1 did not start"
    eval "$1=\"$base.$pn:$port\""
}
primary main normal
primary hang hang
primary p421 421
primary close close
primary garbage garbage
dead="$base.99:$port" # nobody listens there

# daemon PRIMARIES [SED-ARGS...] - (re)start mxgate with these primaries
daemon() {
    local p=$1; shift
    mxgate_config "$T/integration/rcptverify-test.conf" -e "s|@PRIMARIES@|$p|" \
        -e "s|@STORE@|$WORK/state.db|" "$@"
    mxgate_start
}

# run NAME RCPT... - one transaction to the recipients; replies in $WORK/NAME.out
run() {
    local name=$1; shift
    { printf 'connect client.example 4 192.0.2.10 40000\nhelo mx.example.test\nmail <alice@sender.test>\n'
      for r in "$@"; do printf 'rcpt <%s>\n' "$r"; done
      printf 'quit\n'; } > "$WORK/$name.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$name.script" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
        { cat "$WORK/$name.err" >&2; fail "$name: milterc failed"; }
}

# connections NAME - connections the primary NAME accepted so far
connections() { grep -c '^connect ' "$WORK/$1.log"; }

daemon "\"$dead\", \"$main\""
run first known1@example.net unknown1@example.net listed@example.net bob@other.test \
    busy1@example.net postmaster@example.net
cat > "$WORK/first.expected" <<OUT
rcpt <known1@example.net>: reject 550 5.7.0 rcptverify ok
rcpt <unknown1@example.net>: reject 550 5.1.1 <unknown1@example.net>: Recipient address rejected: User unknown
rcpt <listed@example.net>: reject 550 5.7.0 rcptverify ok
rcpt <bob@other.test>: reject 550 5.7.0 rcptverify none: not a relayed domain
rcpt <busy1@example.net>: tempfail 451 4.4.1 <busy1@example.net>: Recipient address verification failed, try again later
rcpt <postmaster@example.net>: continue
OUT
diff -u "$WORK/first.expected" "$WORK/first.out" >&2 || fail "first: replies differ"
pass "one message: ok, unknown 550 5.1.1, listed, other domain none, primary 451 -> 451 4.4.1, postmaster exempt"
expect_eq "$(connections main)" 3 "three probes reached the primary (known1, unknown1, busy1)"
expect_grep '^1 EHLO mx2\.ours\.test$' "$WORK/main.log" "the probe says EHLO with our hostname"
expect_grep '^1 MAIL FROM:<>$' "$WORK/main.log" "the probe's sender is the null sender"
expect_grep '^1 RCPT TO:<known1@example\.net>$' "$WORK/main.log" "the probe asks RCPT TO"
expect_grep '^1 QUIT$' "$WORK/main.log" "the probe ends with QUIT"
expect_no_grep 'DATA|listed@' "$WORK/main.log" "never DATA, and a listed address is not probed"
expect_grep "NOQUEUE: rcptverify: probe to=<known1@example\.net> primary=$dead answer=trylater reply=\"connect: Connection refused\" ms=[0-9]+" \
    "$MXGATE_LOG" "a probe line for the primary that is down"
expect_grep "NOQUEUE: rcptverify: probe to=<unknown1@example\.net> primary=$main answer=refused reply=\"550 5\.1\.1 " \
    "$MXGATE_LOG" "a probe line with the primary's refusal"
expect_grep "reject: RCPT from client\.example\[192\.0\.2\.10\]: 550 5\.1\.1 .*to=<unknown1@example\.net> .*check=rcptverify:unknown" \
    "$MXGATE_LOG" "the decision line names check=rcptverify:unknown"

printf 'connect localhost unknown\nhelo localhost\nmail <alice@sender.test>\nrcpt <unknown1@example.net>\nquit\n' > "$WORK/local.script"
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/local.script" > "$WORK/local.out" 2> /dev/null
expect_eq "$(cat "$WORK/local.out")" "rcpt <unknown1@example.net>: reject 550 5.7.0 rcptverify none: no IP client" \
    "local submission (no IP client) is none: a refused recipient would stay in Postfix's queue"

run second known1@example.net unknown1@example.net
head -2 "$WORK/first.expected" > "$WORK/second.expected"
diff -u "$WORK/second.expected" "$WORK/second.out" >&2 || fail "second: replies differ"
expect_eq "$(connections main)" 3 "the same answers again come from the store: no new connection"

printf 'connect client.example 4 192.0.2.10 40000\nhelo mx.example.test\nmail <a@sender.test>\nrcpt <slow1@example.net>\nquit\n' \
    > "$WORK/slow.script"
"$MILTERC" -s "$MXGATE_SOCKET" -c 5 -n 5 "$WORK/slow.script" > "$WORK/slow.out" 2>&1
expect_eq "$(grep -c 'rcptverify ok' "$WORK/slow.out")" 5 "five concurrent transactions to one address: all ok"
expect_eq "$(grep -c 'RCPT TO:<slow1@' "$WORK/main.log")" 1 "... from one probe"
mxgate_stop

# Bounds. max_connections 1: of three slow probes at once, one is made.
MXGATE_LOG="$WORK/mxgate-bounds.log"
daemon "\"$main\"" -e 's|max_connections = 20;|max_connections = 1;|'
sed 's|slow1@|slow-%n@|' "$WORK/slow.script" > "$WORK/slown.script"
"$MILTERC" -s "$MXGATE_SOCKET" -c 3 -n 3 "$WORK/slown.script" > "$WORK/slown.out" 2>&1
expect_eq "$(grep -c 'rcptverify ok' "$WORK/slown.out")" 1 "max_connections 1: one probe made"
expect_eq "$(grep -c 'tempfail 451 4\.4\.1' "$WORK/slown.out")" 2 "... the other two deferred 451 4.4.1"
expect_grep 'rcptverify: probe to=<slow-[0-9]@example\.net> not made: 1 probes in flight already \(max_connections\)' \
    "$MXGATE_LOG" "... and logged"
mxgate_stop
MXGATE_LOG="$WORK/mxgate-rate.log"
daemon "\"$main\"" -e 's|max_rate = 100;|max_rate = 2;|'
sed 's|slow1@|known-%n@|' "$WORK/slow.script" > "$WORK/rate.script"
"$MILTERC" -s "$MXGATE_SOCKET" -c 6 -n 6 "$WORK/rate.script" > "$WORK/rate.out" 2>&1
deferred=$(grep -c 'tempfail 451 4\.4\.1' "$WORK/rate.out")
[ "$deferred" -ge 2 ] || { cat "$WORK/rate.out" >&2; fail "max_rate 2: only $deferred of 6 deferred"; }
pass "max_rate 2: $deferred of 6 probes at once deferred"
expect_grep 'not made: [0-9]+ probes started this second already \(max_rate\)' "$MXGATE_LOG" "... and logged"
mxgate_stop

# Faults, within a 1 s budget: 421, close, garbage, then the hang eats the
# rest of the budget, so the last primary is never asked.
MXGATE_LOG="$WORK/mxgate-faults.log"
daemon "\"$p421\", \"$close\", \"$garbage\", \"$hang\", \"$main\"" \
    -e 's|budget = 3;|budget = 1;|' -e 's|timeout = 2;|timeout = 5;|'
before=$(connections main)
t0=$(date +%s%N)
run faults known9@example.net
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$(cat "$WORK/faults.out")" \
    "rcpt <known9@example.net>: tempfail 451 4.4.1 <known9@example.net>: Recipient address verification failed, try again later" \
    "primaries that cannot tell: 451 4.4.1"
[ "$ms" -lt 2500 ] || fail "faults: took $ms ms; the 1 s budget did not bound the probes"
pass "faults: answered in $ms ms, within the budget"
expect_eq "$(connections main)" "$before" "the budget was spent before the last primary"
expect_grep "primary=$p421 answer=trylater reply=\"421 4\.3\.2 Service shutting down\"" "$MXGATE_LOG" "421 greeting"
expect_grep "primary=$close answer=trylater reply=\"connection closed before the reply to connect\"" "$MXGATE_LOG" "closed at once"
expect_grep "primary=$garbage answer=trylater reply=\"garbled reply to connect\"" "$MXGATE_LOG" "garbage greeting"
expect_grep "primary=$hang answer=trylater reply=\"timed out waiting for the reply to connect\"" "$MXGATE_LOG" "hanging primary"
expect_no_grep 'reject: ' "$MXGATE_LOG" "no fault became a 5xx"
mxgate_stop
