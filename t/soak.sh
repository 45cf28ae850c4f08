#!/bin/bash
# soak.sh - 1,000 concurrent milter connections against the real daemon for
# a bounded time: every transaction completes without an error, and the
# daemon's RSS, sampled once a second, is flat after warm-up. Not part of
# every CI run (it takes a minute and 1,000 threads: mxgate runs one
# thread per connection, so the daemon needs ulimit -n > 1,000 + its own).
#
#   T=t MXGATE=build/mxgate MILTERC=build/t/milterc/milterc bash t/soak.sh [SECONDS]
# Prints the RSS curve (KiB, one sample a second) and "growth=P%" (mean of
# the last quarter against the third; the first half is warm-up); fails
# above 10 %. Under ASan, run with ASAN_OPTIONS=quarantine_size_mb=8: the
# default 256 MB quarantine alone takes ~35 s of this load to fill.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

SECONDS_RUN=${1:-60}
[ "$(ulimit -n)" -gt 1100 ] || fail "ulimit -n is $(ulimit -n); 1,000 connections need more"
dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start

cat > "$WORK/soak.script" <<'SCRIPT'
connect client%n.example 4 192.0.2.10 40000
helo client%n.example
mail <sender%n@example.org>
rcpt <bob@example.net>
sleep 1000
data
header Subject: soak %n
eoh
body soak
eom
quit
SCRIPT
(while kill -0 "$MXGATE_PID" 2>/dev/null; do
    awk '/^VmRSS/ { print $2 }' "/proc/$MXGATE_PID/status"; sleep 1
done) > "$WORK/rss" &
sampler=$!
end=$(( $(date +%s) + SECONDS_RUN )) rounds=0
while [ "$(date +%s)" -lt $end ]; do
    "$MILTERC" -s "$MXGATE_SOCKET" -c 1000 -n 1000 -q "$WORK/soak.script" > "$WORK/sum" 2>&1 ||
        { cat "$WORK/sum" >&2; fail "round $rounds: transactions failed"; }
    grep -q 'runs=1000 ok=1000 failed=0' "$WORK/sum" || { cat "$WORK/sum" >&2; fail "round $rounds: errors"; }
    rounds=$((rounds + 1))
done
kill $sampler
pass "$rounds rounds of 1,000 concurrent transactions in ${SECONDS_RUN}+ s, no error"
echo "threads at the end: $(awk '/^Threads/ { print $2 }' /proc/$MXGATE_PID/status)"
echo "rss_kib: $(xargs < "$WORK/rss")"
awk '{ v[NR] = $1 } END {
    a = int(NR / 4); for (i = 2 * a + 1; i <= 3 * a; i++) m += v[i]; for (i = 3 * a + 1; i <= NR; i++) l += v[i]
    m /= a; l /= NR - 3 * a; g = (l - m) * 100 / m; printf "growth=%.1f%%\n", g; exit (g > 10) }' "$WORK/rss" ||
    fail "RSS grows after warm-up"
pass "RSS flat after warm-up"
mxgate_stop
