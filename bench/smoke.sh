#!/bin/bash
# smoke.sh - bench/milterload works: against the do-nothing filter and
# against mxgate signing, a short run reports sane figures (sessions done, no
# errors, every message answered, ordered percentiles, the daemon's CPU and
# memory read), a count-bounded run does exactly that many sessions, and a
# run against a dead socket fails and says so. A functional test of the
# harness, not a timed one. Needs $T, $MXGATE, $MILTERLOAD, $NULLFILTER.
. "$T/lib/common.sh"

mkdir -p "$WORK/c"
/usr/bin/python3 "$T/../bench/corpus.py" "$WORK/c" || fail "corpus.py failed"

# check JSON EXPR... - every Python expression holds for the JSON object r
check() {
    local json=$1
    shift
    /usr/bin/python3 - "$json" "$@" << 'PY' || fail "figures not sane: $json"
import json, sys
r = json.loads(sys.argv[1])
for e in sys.argv[2:]:
    if not eval(e, {}, {"r": r}):
        print("false: " + e, file=sys.stderr)
        sys.exit(1)
PY
}

SANE=('r["messages"] > 0' 'r["failed"] == 0' 'r["reject"] == 0 and r["tempfail"] == 0'
    'r["msgs_per_s"] > 0' '0 < r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"]'
    'r["cpu_ms_per_msg"] > 0' 'r["peak_rss_kb"] > 0')

"$NULLFILTER" -s "unix:$WORK/null.sock" -a > "$WORK/null.log" 2>&1 &
NULL_PID=$!
on_exit "kill $NULL_PID 2>/dev/null"
wait_for "[ -S '$WORK/null.sock' ]" 10 || fail "nullfilter did not start"
out=$("$MILTERLOAD" -s "unix:$WORK/null.sock" -c 4 -d 1 -w 8 -l -j -p $NULL_PID -L null \
    "$WORK"/c/sign-rsa-*.script) || fail "milterload against nullfilter failed: $out"
check "$out" "${SANE[@]}" 'r["addheader"] == r["messages"]' 'r["label"] == "null"'
pass "nullfilter, 1 s at concurrency 4: $(echo "$out" | sed 's/.*"msgs_per_s":\([0-9.]*\).*/\1/') msgs/s, sane figures"

out=$("$MILTERLOAD" -s "unix:$WORK/null.sock" -c 8 -n 50 -j "$WORK"/c/sign-rsa-0.script) ||
    fail "count-bounded run failed: $out"
check "$out" 'r["messages"] == 50' 'r["failed"] == 0' '"cpu_ms_per_msg" not in r'
pass "-n 50 runs exactly 50 sessions; without -p no daemon figures"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/rsa.pem" 2> /dev/null
chmod 600 "$WORK/rsa.pem"
cat > "$WORK/mxgate.conf" << CONF
socket = "unix:$WORK/mxgate.sock";
pidfile = "";
log = { to = "file:$WORK/mxgate.log"; level = "info"; };
dns = { servers = [ "127.0.0.1:1" ]; };
sign = {
  keys = ( { name = "r"; domain = "rsa.example"; selector = "s"; file = "$WORK/rsa.pem"; } );
  table = ( { from = "rsa.example"; keys = [ "r" ]; } );
};
CONF
"$MXGATE" -f -c "$WORK/mxgate.conf" 2> "$WORK/mxgate.stderr" &
MX_PID=$!
on_exit "kill -9 $MX_PID 2>/dev/null"
wait_for "grep -q 'listening on' '$WORK/mxgate.log' 2>/dev/null" 20 ||
    { cat "$WORK/mxgate.stderr" >&2; fail "mxgate did not start"; }
out=$("$MILTERLOAD" -s "unix:$WORK/mxgate.sock" -c 4 -d 1.5 -w 8 -l -j -p $MX_PID \
    "$WORK"/c/sign-rsa-*.script) || fail "milterload against mxgate failed: $out"
check "$out" "${SANE[@]}" 'r["insheader"] == r["messages"]'
pass "mxgate signing, 1.5 s at concurrency 4: every message signed, sane figures"

kill $NULL_PID
wait $NULL_PID 2> /dev/null
out=$("$MILTERLOAD" -s "unix:$WORK/null.sock" -c 2 -n 10 -j "$WORK"/c/sign-rsa-0.script 2> "$WORK/err")
[ $? = 1 ] || fail "milterload against a dead socket did not exit 1"
check "$out" 'r["messages"] == 0' 'r["failed"] == 10'
grep -q "Connection refused\|No such file" "$WORK/err" || fail "no reason on stderr"
pass "a dead socket: exit 1, failed=10, the reason on stderr"
