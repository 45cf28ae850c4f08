#!/bin/bash
# reload_load.sh - SIGHUP every 0.4 s during a concurrent load, alternating a
# broken and a good configuration: no transaction fails, every reply is the
# one the (unchanged) rules give, each broken reload is refused with
# file:line and the old configuration kept, each good one is taken.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
cp "$WORK/mxgate.conf" "$WORK/good.conf"
cp "$WORK/good.conf" "$WORK/broken.conf"
printf 'rules = (\n  { if = "iprev is permerorr"; do = "accept"; }\n);\n' >> "$WORK/broken.conf"

# Clients 192.0.2.0 .. 192.0.2.49 as in concurrency.sh: .10 and .30 pass,
# .50 is never reached, the others are refused.
cat > "$WORK/load.script" <<'SCRIPT'
connect client%n.example 4 192.0.2.%n 40000
helo client%n.example
mail <sender%n@example.org>
rcpt <bob@example.net>
data
header Subject: load %n
eoh
body A line of body text for connection %n.
eom
quit
SCRIPT

# hup_loop N - N reloads 0.4 s apart, broken and good in turn
hup_loop() {
    for i in $(seq 1 "$1"); do
        if [ $((i % 2)) = 1 ]; then cp "$WORK/broken.conf" "$WORK/mxgate.conf"; else cp "$WORK/good.conf" "$WORK/mxgate.conf"; fi
        mxgate_reload
        sleep 0.4
    done
}
hup_loop 20 &
hups=$!
rounds=0
while kill -0 $hups 2>/dev/null; do
    "$MILTERC" -s "$MXGATE_SOCKET" -c 25 -n 50 -q "$WORK/load.script" > "$WORK/sum" 2>&1 ||
        { cat "$WORK/sum" >&2; fail "round $rounds: some transactions failed"; }
    grep -q 'runs=50 ok=50 failed=0' "$WORK/sum" || { cat "$WORK/sum" >&2; fail "round $rounds: errors"; }
    grep -q 'continue=4 reject=48 tempfail=0 ' "$WORK/sum" || { cat "$WORK/sum" >&2; fail "round $rounds: a reply changed"; }
    rounds=$((rounds + 1))
done
wait $hups
pass "$rounds rounds of 50 transactions (25 at once) during 20 reloads: no failure, no changed reply"
sleep 0.5
expect_eq "$(grep -c "reload failed, still running the previous configuration: $WORK/mxgate.conf:[0-9]*: " "$MXGATE_LOG")" \
    10 "each of the 10 broken reloads is refused with file:line"
expect_eq "$(grep -c 'configuration reloaded' "$MXGATE_LOG")" 10 "each of the 10 good reloads is taken"
mxgate_stop
