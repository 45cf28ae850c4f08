# postfix.sh - a private Postfix instance on loopback for end-to-end tests.
# Sourced after common.sh (bash).
#
#   postfix_start MILTER_SOCKET
#       Writes main.cf/master.cf under $WORK/postfix, starts an smtp-sink on
#       $PF_ADDR:$PF_SINK_PORT and Postfix's smtpd on $PF_ADDR:$PF_PORT with
#       smtpd_milters = MILTER_SOCKET (milter_default_action = tempfail).
#       Postfix runs in a mount namespace whose /etc/resolv.conf names only
#       127.0.0.1, and its own DNS use is switched off: no lookup leaves the
#       machine. Messages that reach the sink are files in $PF_SINK.
#       Stopped at exit. A second instance: set PF_ADDR, PF_DIR and PF_SINK
#       to other values and call postfix_start again. PF_MAIN_EXTRA: more
#       main.cf lines (e.g. SMTP AUTH settings).
#   postfix_stop - stop the instance in $PF_DIR

PF_ADDR=127.0.0.88
PF_DIR="$WORK/postfix"
PF_SINK="$WORK/pf-sink"

# pf__port - a free-looking TCP port in 20000..59999
pf__port() { awk -v s="$RANDOM" 'BEGIN { srand(s); print 20000 + int(rand() * 40000) }'; }

# pf__main_cf - the instance's main.cf
pf__main_cf() {
    cat <<CF
compatibility_level = 3.6
queue_directory = $PF_DIR/queue
data_directory = $PF_DIR/data
maillog_file = $PF_DIR/maillog
maillog_file_prefixes = $PF_DIR
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.net
mydomain = example.net
myorigin = example.net
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = example.net
relayhost = [$PF_ADDR]:$PF_SINK_PORT
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
alias_maps =
alias_database =
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_milters = $1
non_smtpd_milters = $1
milter_protocol = 6
milter_default_action = tempfail
milter_command_timeout = 30s
${PF_MAIN_EXTRA:-}
CF
}

# pf__master_cf - only the services a relay needs, none chrooted
pf__master_cf() {
    cat <<CF
$PF_ADDR:$PF_PORT inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
}

postfix_start() {
    PF_PORT=$(pf__port)
    PF_SINK_PORT=$((PF_PORT + 1))
    mkdir -p "$PF_DIR/queue" "$PF_DIR/data" "$PF_SINK"
    chmod 755 "$WORK" "$PF_DIR"
    chown postfix "$PF_DIR/data" "$PF_SINK"
    pf__main_cf "$1" > "$PF_DIR/main.cf"
    pf__master_cf > "$PF_DIR/master.cf"
    echo "nameserver 127.0.0.1" > "$PF_DIR/resolv.conf"
    smtp-sink -u postfix -d "$PF_SINK/%M%S." "$PF_ADDR:$PF_SINK_PORT" 20 &
    PF_SINK_PID=$!
    on_exit "kill $PF_SINK_PID 2>/dev/null"
    on_exit "postfix -c '$PF_DIR' stop >/dev/null 2>&1 || true"
    unshare --mount --propagation private sh -c \
        "mount --bind '$PF_DIR/resolv.conf' /etc/resolv.conf && postfix -c '$PF_DIR' start" \
        > "$PF_DIR/start.log" 2>&1 && postfix -c "$PF_DIR" status > /dev/null 2>&1 || { cat "$PF_DIR/start.log" "$PF_DIR/maillog" >&2; fail "Postfix did not start"; }
    wait_for "swaks --server $PF_ADDR --port $PF_PORT --quit-after CONNECT >/dev/null 2>&1" 10 ||
        fail "Postfix does not answer on $PF_ADDR:$PF_PORT"
}

postfix_stop() { postfix -c "$PF_DIR" stop >/dev/null 2>&1 || true; }
