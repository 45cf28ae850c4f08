#!/bin/bash
# shipped_policy.sh - the shipped contrib/mxgate.conf decides as its comments
# and mxgate.conf(5) say. Only what cannot work in a test is changed: paths,
# the DNS server, our host name, the test TLD, and a 1 s tarpit delay.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test dkim.test dmarc.test test
sed -e "s|^socket .*|socket = \"$MXGATE_SOCKET\";|" -e "s|^pidfile .*|pidfile = \"$WORK/mxgate.pid\";|" \
    -e '/^user /d' -e 's|^  # to = "syslog";.*|  to = "file:'"$MXGATE_LOG"'";|' \
    -e "s|^  # servers = .*|  servers = [ $DNS_SERVERS ];|" \
    -e 's|^tarpit = { delay = 20;|tarpit = { delay = 1;|' \
    -e 's|extra_tlds = \[ \];|extra_tlds = [ "test" ];|' \
    -e "s|^store = .*|store = \"sqlite:$WORK/state.db\";|" \
    -e 's|^  allow_clients = \[ \];|  allow_clients = [ "192.0.2.64/28" ];|' \
    "$T/../contrib/mxgate.conf" > "$WORK/mxgate.conf"
echo 'hostnames = [ "mx.example.net" ];' >> "$WORK/mxgate.conf"
cp "$T/../contrib/freemail-domains" "$WORK/"
for s in "to = \"file:" "servers = \[ \"" "delay = 1;" '"test"' "sqlite:$WORK" '"192.0.2.64/28"'; do
    grep -q "$s" "$WORK/mxgate.conf" || fail "the shipped file changed shape: cannot set $s"
done
mxgate_start
golden_cases "$T/integration/shipped-cases"
expect_grep 'tarpit 1\.000s: RCPT from client\.example\[192\.0\.2\.40\]' "$MXGATE_LOG" "the client without PTR was tarpitted"
expect_grep 'NOQUEUE: log: RCPT from client\.example\[192\.0\.2\.10\]: no action taken; from=<alice@two\.spf\.test> .* check=spf:permerror ' \
    "$MXGATE_LOG" "an SPF permerror is logged"
mxgate_stop
