#!/bin/bash
# tarpit.sh - a tarpitted client waits before every reply it gets from the
# matching rule on; at most tarpit.max_connections clients are tarpitted at
# once and the rest get 451 4.7.1 at once, so tarpits never starve workers.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf" -e '/^rules = (/,$d'
cat >> "$WORK/mxgate.conf" <<'CONF'
tarpit = { delay = 1; max_connections = 2; };
rules = ( { if = "iprev is permerror"; do = "tarpit"; } );
CONF
mxgate_start

# ms SCRIPT - run one transaction; its replies in $WORK/out, the ms it took on stdout
ms() {
    t0=$(date +%s%N)
    "$MILTERC" -s "$MXGATE_SOCKET" "$1" > "$WORK/out" 2>&1 || fail "transaction failed"
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
sed 's/192\.0\.2\.40/192.0.2.10/' "$T/integration/cases/exempt_postmaster.script" > "$WORK/good.script"
fast=$(ms "$WORK/good.script")
[ "$fast" -lt 800 ] || fail "a client the rules do not tarpit took $fast ms"
pass "a client that is not tarpitted gets its 4 replies in $fast ms"
slow=$(ms "$T/integration/cases/exempt_postmaster.script")
expect_eq "$(grep -c ': continue$' "$WORK/out")" 4 "the tarpitted client is not refused"
[ "$slow" -ge 3900 ] && [ "$slow" -lt 8000 ] || fail "4 replies of a tarpitted client took $slow ms, not 4 x 1 s"
pass "4 replies to a tarpitted client took $slow ms: 1 s each"
expect_eq "$(grep -c 'tarpit 1.000s: RCPT from unknown\[192.0.2.40\]' "$MXGATE_LOG")" 1 \
    "the tarpit is logged once per connection"

printf 'connect x 4 192.0.2.40 1\nhelo x\nmail <a%%n@example.org>\nrcpt <b@example.net>\nsleep 1500\nquit\n' \
    > "$WORK/crowd.script"
"$MILTERC" -s "$MXGATE_SOCKET" -c 5 -n 5 "$WORK/crowd.script" > "$WORK/crowd" 2>&1 ||
    { cat "$WORK/crowd" >&2; fail "the crowd's transactions failed"; }
expect_eq "$(grep -c 'rcpt <b@example.net>: continue' "$WORK/crowd")" 2 "two clients fit in the tarpit"
expect_eq "$(grep -c 'rcpt <b@example.net>: tempfail 451 4.7.1 Too many slow clients' "$WORK/crowd")" 3 \
    "the three beyond tarpit.max_connections get 451 4.7.1"
mxgate_stop
