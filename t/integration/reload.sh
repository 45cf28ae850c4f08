#!/bin/bash
# reload.sh - SIGHUP: a broken file is logged with file:line and the daemon
# keeps serving with the old configuration; a good file takes over for new
# connections while a connection that started before keeps its snapshot.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
mxgate_start
cases="$T/integration/cases"
reject='rcpt <bob@example.net>: reject 550 5.7.25 Client host 192.0.2.40 has no reverse DNS name'

# run_case - replies of the permerror case
run_case() { "$MILTERC" -s "$MXGATE_SOCKET" "$cases/iprev_permerror.script" 2> "$WORK/err"; }

expect_eq "$(run_case)" "$reject" "the first configuration rejects a client without PTR"

# A connection that starts now and asks at RCPT after both reloads.
cat > "$WORK/slow.script" <<'SCRIPT'
connect unknown 4 192.0.2.40 40000
helo dsl-pool.example.org
mail <alice@example.org>
sleep 4000
rcpt <bob@example.net>
quit
SCRIPT
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/slow.script" > "$WORK/slow.out" 2>&1 &
slow=$!
sleep 0.5

cp "$WORK/mxgate.conf" "$WORK/good.conf"
printf 'dns = { budget = 3; };\nrules = (\n  { if = "iprev is permerorr"; do = "accept"; }\n);\n' >> "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'reload failed' $MXGATE_LOG" 10 || fail "no reload error logged"
expect_grep "reload failed, still running the previous configuration: $WORK/mxgate.conf:[0-9]+: " \
    "$MXGATE_LOG" "a broken reload logs file:line"
expect_eq "$(run_case)" "$reject" "after a broken reload the old configuration still decides"
kill -0 "$MXGATE_PID" || fail "the daemon died on a broken reload"

sed -e 's|do = "reject 550 5.7.25 Client host {client_addr} has no reverse DNS name"|do = "defer 451 4.7.25 Reload worked"|' \
    "$WORK/good.conf" > "$WORK/mxgate.conf"
mxgate_reload
wait_for "grep -q 'configuration reloaded' $MXGATE_LOG" 10 || fail "the good reload was not logged"
expect_eq "$(run_case)" 'rcpt <bob@example.net>: tempfail 451 4.7.25 Reload worked' \
    "after a good reload new connections get the new rules"

wait $slow || { cat "$WORK/slow.out" >&2; fail "the slow connection failed"; }
expect_grep "^$reject\$" "$WORK/slow.out" "a connection keeps the configuration it started with"
mxgate_stop
