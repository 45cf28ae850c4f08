#!/bin/bash
# privileges.sh - started as root with user = "nobody", mxgate opens its socket
# (owned by nobody, as socket_owner defaults to user), then serves as nobody.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

[ "$(id -u)" = 0 ] || fail "this test must run as root (CI does)"
chmod 755 "$WORK"
mxgate_config "$T/integration/mxgate-test.conf"
sed -i 's|^pidfile .*|pidfile = "";|' "$WORK/mxgate.conf"
printf 'user = "nobody";\n' >> "$WORK/mxgate.conf"
mxgate_start
expect_eq "$(awk '/^Uid:/ { print $2 $3 }' /proc/$MXGATE_PID/status)" "$(id -u nobody)$(id -u nobody)" \
    "the daemon runs as nobody"
expect_eq "$(stat -c %U "$WORK/mxgate.sock")" nobody "the socket belongs to the configured user"
printf 'connect x 4 203.0.113.1 1\nhelo x\nmail <a@b>\nrcpt <c@d>\nquit\n' > "$WORK/t.script"
expect_eq "$("$MILTERC" -s "$MXGATE_SOCKET" "$WORK/t.script" 2>/dev/null)" "rcpt <c@d>: continue" \
    "and serves"
sed -i 's|^user .*|user = "no-such-user-here";|' "$WORK/mxgate.conf"
sed -i "s|$WORK/mxgate.sock|$WORK/other.sock|" "$WORK/mxgate.conf"
"$MXGATE" -n -c "$WORK/mxgate.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n refuses an unknown user"
expect_grep "^$WORK/mxgate.conf: unknown user \"no-such-user-here\"" "$WORK/out" "and names the file and the user"
"$MXGATE" -f -c "$WORK/mxgate.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "an unknown user is refused at start-up"
expect_grep 'unknown user "no-such-user-here"' "$WORK/out" "with the user's name"
mxgate_stop
