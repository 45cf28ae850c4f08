# sendmail.sh - a private Sendmail 8.17 on loopback for end-to-end tests,
# run from Debian's packages unpacked into the test's directory (Debian's
# sendmail and postfix packages conflict). Sourced after common.sh (bash).
#
#   sendmail_start MILTER_SOCKET
#       Unpacks sendmail-bin/-base/-cf from $SM_DEBS (contrib/deps-debian.sh
#       --test downloads them), builds a sendmail.cf with m4, starts an
#       smtp-sink on $SM_ADDR:$SM_SINK_PORT and Sendmail on $SM_ADDR:$SM_PORT
#       with INPUT_MAIL_FILTER(mxgate, S=MILTER_SOCKET, F=T). Sendmail runs in
#       mount and UTS namespaces: host name sm.example.test, and resolv.conf,
#       hosts and nsswitch.conf that keep every lookup on the machine.
#       Messages that reach the sink are files in $SM_SINK. Stopped at exit.

SM_ADDR=127.0.0.89
SM_DIR="$WORK/sendmail"
SM_SINK="$WORK/sm-sink"
SM_DEBS=${SM_DEBS:-/var/cache/mxgate-tests/debs}

# sm__unpack - the packages into $SM_DIR/root
sm__unpack() {
    ls "$SM_DEBS"/sendmail-bin_*.deb >/dev/null 2>&1 ||
        fail "no Sendmail packages in $SM_DEBS: run contrib/deps-debian.sh --test"
    for deb in "$SM_DEBS"/sendmail-bin_*.deb "$SM_DEBS"/sendmail-base_*.deb "$SM_DEBS"/sendmail-cf_*.deb; do
        dpkg -x "$deb" "$SM_DIR/root" || fail "cannot unpack $deb"
    done
    SM_BIN="$SM_DIR/root/usr/libexec/sendmail/sendmail"
    chmod g-s "$SM_BIN"
}

# sm__mc - the m4 source of sendmail.cf
sm__mc() {
    local cf="$SM_DIR/root/usr/share/sendmail/cf"
    cat <<MC
divert(-1)
divert(0)dnl
include(\`$cf/m4/cf.m4')dnl
VERSIONID(\`mxgate end-to-end test')dnl
OSTYPE(\`linux')dnl
define(\`confMAIL_SETTINGS_DIR', \`$SM_DIR/')dnl
define(\`QUEUE_DIR', \`$SM_DIR/queue')dnl
define(\`STATUS_FILE', \`$SM_DIR/statistics')dnl
define(\`ALIAS_FILE', \`$SM_DIR/aliases')dnl
define(\`HELP_FILE', \`$SM_DIR/helpfile')dnl
define(\`confPID_FILE', \`$SM_DIR/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM_DIR/service.switch')dnl
define(\`confHOSTS_FILE', \`$SM_DIR/hosts')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDOMAIN_NAME', \`sm.example.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confREFUSE_LA', \`100')dnl
define(\`confQUEUE_LA', \`100')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-test, Addr=$SM_ADDR, Port=$SM_PORT')dnl
define(\`SMART_HOST', \`esmtp:[$SM_ADDR]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SM_SINK_PORT')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $SM_SINK_PORT')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SM_SINK_PORT')dnl
RELAY_DOMAIN(\`example.net')dnl
define(\`confMILTER_MACROS_CONNECT', \`\`j, _, {daemon_name}, {client_addr}, {client_name}, {client_ptr}, i'')dnl
INPUT_MAIL_FILTER(\`mxgate', \`S=$1, F=T, T=S:30s;R:30s;E:1m')dnl
MAILER(\`smtp')dnl
MC
}

# sm__files - the files Sendmail reads, all inside $SM_DIR
sm__files() {
    mkdir -p "$SM_DIR/queue"
    chmod 700 "$SM_DIR/queue"
    printf '127.0.0.1 localhost\n%s sm.example.test sm\n' "$SM_ADDR" > "$SM_DIR/hosts"
    printf 'hosts files\naliases files\n' > "$SM_DIR/service.switch"
    printf 'hosts: files\n' > "$SM_DIR/nsswitch.conf"
    echo "nameserver 127.0.0.1" > "$SM_DIR/resolv.conf"
    : > "$SM_DIR/aliases"
    : > "$SM_DIR/statistics"
    : > "$SM_DIR/local-host-names"
}

# sm__ns CMD - run CMD in the test's mount and UTS namespaces
sm__ns() {
    unshare --mount --uts --propagation private sh -c "
        mount --bind '$SM_DIR/resolv.conf' /etc/resolv.conf &&
        mount --bind '$SM_DIR/hosts' /etc/hosts &&
        mount --bind '$SM_DIR/nsswitch.conf' /etc/nsswitch.conf &&
        hostname sm.example.test && exec $1"
}

sendmail_start() {
    SM_PORT=$((RANDOM % 20000 + 20000))
    SM_SINK_PORT=$((SM_PORT + 1))
    mkdir -p "$SM_DIR/root" "$SM_SINK"
    chmod 755 "$WORK"
    sm__unpack
    sm__files
    sm__mc "$1" > "$SM_DIR/test.mc"
    m4 -D_CF_DIR_="$SM_DIR/root/usr/share/sendmail/cf/" "$SM_DIR/test.mc" > "$SM_DIR/sendmail.cf" ||
        fail "m4 could not build sendmail.cf"
    chown postfix "$SM_SINK"
    smtp-sink -u postfix -d "$SM_SINK/%M%S." "$SM_ADDR:$SM_SINK_PORT" 20 &
    on_exit "kill $! 2>/dev/null"
    on_exit sendmail_stop
    sm__ns "'$SM_BIN' -C '$SM_DIR/sendmail.cf' -bd -q30s" > "$SM_DIR/start.log" 2>&1 ||
        { cat "$SM_DIR/start.log" >&2; fail "Sendmail did not start"; }
    wait_for "swaks --server $SM_ADDR --port $SM_PORT --quit-after CONNECT >/dev/null 2>&1" 15 ||
        { cat "$SM_DIR/start.log" >&2; fail "Sendmail does not answer on $SM_ADDR:$SM_PORT"; }
}

sendmail_stop() {
    [ -f "$SM_DIR/sendmail.pid" ] && kill "$(head -1 "$SM_DIR/sendmail.pid")" 2>/dev/null
    return 0
}
