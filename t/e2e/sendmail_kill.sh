#!/bin/bash
# sendmail_kill.sh - postfix_kill.sh through a real Sendmail 8.17 (F=T): 300
# messages over 6 sessions, mxgate killed with SIGKILL mid-load and
# restarted; every 2xx is at the sink exactly once, every 4xx is deferred and
# not at the sink, nothing got a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/sendmail.sh"
. "$T/lib/killtest.sh"

dns_start example.test 0.0.127.in-addr.arpa
mxgate_config "$T/integration/mxgate-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
sendmail_start "unix:$WORK/mxgate.sock"
kill_load "$SM_ADDR" "$SM_PORT"
kill_account "$SM_SINK" "! ls '$SM_DIR/queue' | grep -q '^qf'"
mxgate_stop
