#!/bin/bash
# postfix_kill.sh - nothing is lost when mxgate dies: 300 messages go through
# a real Postfix (milter_default_action = tempfail) over 6 parallel sessions;
# mxgate gets SIGKILL mid-load and is restarted. When the queue has drained,
# every message the client got a 2xx for is at the sink exactly once, every
# message that got a 4xx (or no reply; the client then starts a new session)
# is counted as deferred and is not at the sink, and nothing got a 5xx.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"
. "$T/lib/killtest.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
mxgate_config "$T/integration/mxgate-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"
kill_load "$PF_ADDR" "$PF_PORT"
kill_account "$PF_SINK" "postqueue -c '$PF_DIR' -p 2>&1 | grep -q 'Mail queue is empty'"
mxgate_stop
