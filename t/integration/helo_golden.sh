#!/bin/bash
# helo_golden.sh - the helo check against the real daemon: every case in
# helo-cases/ is a transaction replayed by milterc, with DNS from NSD serving
# t/zones (helo.test for the HELO names, the example.test names and reverse
# zones for iprev); the replies must match helo-cases/NAME.expected byte for
# byte. helo-test.conf gives each helo word a reply of its own, so each case
# proves its word. Then a second daemon asks dnsfault: a HELO lookup that
# times out or gets SERVFAIL is a 4xx within the DNS budget, never a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

# run_case DIR NAME - replay DIR/NAME.script, compare with DIR/NAME.expected
run_case() {
    "$MILTERC" -s "$MXGATE_SOCKET" "$1/$2.script" > "$WORK/$2.out" 2> "$WORK/$2.err" ||
        { cat "$WORK/$2.err" >&2; fail "$2: milterc failed"; }
    diff -u "$1/$2.expected" "$WORK/$2.out" >&2 || fail "$2: replies differ"
}

# A bad checks.helo setting is refused with FILE:LINE before anything runs.
printf 'socket = "unix:%s/x.sock";\nchecks = {\n  helo = { extra_tlds = [ "lan", "my.lan" ]; };\n};\n' \
    "$WORK" > "$WORK/bad.conf"
expect_eq "$("$MXGATE" -n -c "$WORK/bad.conf" 2>&1)" \
    "$WORK/bad.conf:3: checks.helo: extra_tlds: \"my.lan\" is not a top-level label" \
    "a bad extra_tlds entry is refused with file:line"

dns_start helo.test example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa
mxgate_config "$T/integration/helo-test.conf"
mxgate_start

cases="$T/integration/helo-cases"
for script in "$cases"/*.script; do
    name=$(basename "$script" .script)
    run_case "$cases" "$name"
    pass "$name"
done

expect_grep '4AB1C03: reject: RCPT from unknown\[192\.0\.2\.40\]: 504 5\.5\.2 bare ip; from=<alice@example\.org> to=<bob@example\.net> helo=<192\.0\.2\.40> check=helo:bare_ip rule=6 \(.*mxgate\.conf:[0-9]+\)$' \
    "$MXGATE_LOG" "a helo rejection is one grep-able line naming check=helo:WORD and the rule"
expect_grep 'NOQUEUE: defer: RCPT from unknown\[192\.0\.2\.40\]: 451 4\.7\.1 .* helo=<mail\.example\.org> check=helo:temperror rule=1 ' \
    "$MXGATE_LOG" "a failed HELO lookup is logged as a deferral"
expect_no_grep 'reject: .*helo=<mail\.example\.org>' "$MXGATE_LOG" "a failed HELO lookup never becomes a reject"
mxgate_stop

# The second daemon: DNS from dnsfault, whose first query label picks the
# fault (drop: never answered, servfail: SERVFAIL, slowN: A 192.0.2.99 after
# N ms); the client's PTR query gets NODATA, so iprev costs no time.
addr="127.54.$((RANDOM % 250 + 1)).1" port=$((RANDOM % 20000 + 30000))
"$DNSFAULT" -a "$addr" -p "$port" -l "$WORK/fault.log" &
on_exit "kill $! 2>/dev/null"
wait_for "grep -qs ready $WORK/fault.log" 5 || fail "dnsfault did not start"
DNS_SERVERS="\"$addr:$port\""
MXGATE_LOG="$WORK/mxgate-fault.log"
mxgate_config "$T/integration/helo-test.conf" \
    -e 's|timeout = 0.5; tries = 2; budget = 3;|timeout = 2; tries = 2; budget = 1;|'
mxgate_start

# timed_case NAME - run helo-cases/dnsfault/NAME; print the ms it took
timed_case() {
    t0=$(date +%s%N)
    run_case "$cases/dnsfault" "$1"
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

ms=$(timed_case drop) || exit 1
expect_grep '^udp drop\.x\.test 1$' "$WORK/fault.log" "the A query for the HELO reached the silent server"
expect_grep '^udp drop\.x\.test 28$' "$WORK/fault.log" "so did the AAAA query"
[ "$ms" -lt 2500 ] || fail "drop: the decision took $ms ms: the 1 s DNS budget did not bound it"
pass "drop: 451 within the 1 s DNS budget ($ms ms; c-ares alone would wait 6 s)"

ms=$(timed_case servfail) || exit 1
expect_grep '^udp servfail\.x\.test 1$' "$WORK/fault.log" "the A query reached the SERVFAIL server"
[ "$ms" -lt 900 ] || fail "servfail: took $ms ms; SERVFAIL should not wait for the budget"
pass "servfail: 451 at once ($ms ms)"

expect_grep 'defer: RCPT from unknown\[192\.0\.2\.40\]: 451 4\.7\.1 .* helo=<drop\.x\.test> check=helo:temperror' \
    "$MXGATE_LOG" "the timeout is logged as helo temperror"
expect_no_grep 'reject: ' "$MXGATE_LOG" "no DNS failure became a 5xx"

# The lookups start at HELO and run while the client goes on: a HELO whose
# answer takes 800 ms, then 900 ms before RCPT, is decided at once at RCPT.
cat > "$WORK/slow.script" <<'SCRIPT'
connect unknown 4 192.0.2.40 40000
helo slow800.x.test
sleep 900
mail <alice@example.org>
rcpt <bob@example.net>
quit
SCRIPT
t0=$(date +%s%N)
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/slow.script" > "$WORK/slow.out" 2> "$WORK/slow.err" || fail "slow: milterc failed"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$(cat "$WORK/slow.out")" "rcpt <bob@example.net>: reject 550 5.7.1 helo mismatch" \
    "the slow answer (A 192.0.2.99) is a mismatch"
[ "$ms" -lt 1500 ] || fail "slow: took $ms ms: the HELO lookups did not start at HELO"
pass "the HELO lookups started at HELO: 900 ms of client time plus the decision took $ms ms"
mxgate_stop
