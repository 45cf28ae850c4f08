# mxgate.sh - start and stop the real daemon for a test. Sourced after
# common.sh; needs $MXGATE (the binary).
#
#   dns_start ZONE...   - start NSD (t/lib/nsd.sh) serving t/zones/ZONE.zone on
#                         loopback, stopped at exit; mxgate_config then points
#                         mxgate at it
#   mxgate_config TEMPLATE [SED-ARGS...] - write $WORK/mxgate.conf from a template,
#       replacing @SOCKET@, @PIDFILE@, @LOG@ and @DNS@ (a quoted server list)
#   mxgate_shipped_config - $WORK/mxgate.conf from contrib/mxgate.conf, changed
#       only where a test must (see the function)
#   mxgate_start        - run mxgate -f in the background on $MXGATE_SOCKET,
#                         wait until it accepts connections
#   mxgate_reload       - SIGHUP
#   golden_cases DIR    - replay each DIR/NAME.script with milterc; the replies
#                         must equal DIR/NAME.expected byte for byte
#   mxgate_stop         - SIGTERM; wait for the exit; fail unless it exits 0
#                         (a sanitizer report, a leak among them, makes it non-zero)

MXGATE_SOCKET="unix:$WORK/mxgate.sock"
MXGATE_LOG="$WORK/mxgate.log"
MXGATE_PID=""
DNS_SERVERS=${DNS_SERVERS:-'"127.0.0.1:1"'}

. "$T/lib/nsd.sh"

dns_start() {
    mkdir -p "$WORK/nsd"
    nsd_start "$WORK/nsd" "$T/zones" "$@" || fail "NSD did not start"
    on_exit nsd_stop
    DNS_SERVERS="\"$NSD_ADDR:$NSD_PORT\""
}

mxgate_config() {
    tmpl=$1; shift
    sed -e "s|@SOCKET@|$MXGATE_SOCKET|" -e "s|@PIDFILE@|$WORK/mxgate.pid|" \
        -e "s|@LOG@|file:$MXGATE_LOG|" -e "s|@DNS@|$DNS_SERVERS|" "$@" "$tmpl" > "$WORK/mxgate.conf"
}

# mxgate_listening - the socket accepts connections
mxgate_listening() { [ -S "$WORK/mxgate.sock" ] && grep -q "listening on" "$MXGATE_LOG" 2>/dev/null; }

mxgate_start() {
    "$MXGATE" -f -c "$WORK/mxgate.conf" 2> "$WORK/mxgate.stderr" &
    MXGATE_PID=$!
    on_exit "kill -9 $MXGATE_PID 2>/dev/null"
    wait_for mxgate_listening 20 || { cat "$WORK/mxgate.stderr" "$MXGATE_LOG" >&2; fail "mxgate did not start"; }
}

mxgate_reload() { kill -HUP "$MXGATE_PID"; }

golden_cases() {
    for script in "$1"/*.script; do
        name=$(basename "$script" .script)
        "$MILTERC" -s "$MXGATE_SOCKET" "$script" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
            { cat "$WORK/$name.err" >&2; fail "$name: milterc failed"; }
        diff -u "$1/$name.expected" "$WORK/$name.out" >&2 || fail "$name: replies differ"
        pass "$name"
    done
}

mxgate_stop() {
    kill -TERM "$MXGATE_PID"
    n=300
    while kill -0 "$MXGATE_PID" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    kill -0 "$MXGATE_PID" 2>/dev/null && fail "mxgate did not stop within 30 s of SIGTERM"
    wait "$MXGATE_PID"; rc=$?
    [ $rc -eq 0 ] || { cat "$WORK/mxgate.stderr" >&2; fail "mxgate exited with status $rc"; }
    pass "mxgate stopped cleanly (exit 0, no sanitizer report)"
}

# mxgate_second NAME - start a second daemon from $WORK/mxgate.conf with its
# own socket, pid file and log under $WORK/NAME; sets SECOND_SOCKET,
# SECOND_LOG and SECOND_PID. mxgate_second_stop NAME stops it like mxgate_stop.
mxgate_second() {
    mkdir -p "$WORK/$1"
    sed -e "s|$WORK/mxgate.sock|$WORK/$1/mxgate.sock|" -e "s|$WORK/mxgate.pid|$WORK/$1/mxgate.pid|" \
        -e "s|$MXGATE_LOG|$WORK/$1/mxgate.log|" "$WORK/mxgate.conf" > "$WORK/$1/mxgate.conf"
    SECOND_SOCKET="unix:$WORK/$1/mxgate.sock" SECOND_LOG="$WORK/$1/mxgate.log"
    "$MXGATE" -f -c "$WORK/$1/mxgate.conf" 2> "$WORK/$1/mxgate.stderr" &
    SECOND_PID=$!
    on_exit "kill -9 $SECOND_PID 2>/dev/null"
    wait_for "[ -S '$WORK/$1/mxgate.sock' ] && grep -q 'listening on' '$SECOND_LOG' 2>/dev/null" 20 ||
        { cat "$WORK/$1/mxgate.stderr" >&2; fail "the second mxgate did not start"; }
}

mxgate_second_stop() {
    kill -TERM "$SECOND_PID"; wait "$SECOND_PID"; rc=$?
    [ $rc -eq 0 ] || { cat "$WORK/$1/mxgate.stderr" >&2; fail "the second mxgate exited with status $rc"; }
    pass "the second mxgate stopped cleanly (exit 0, no sanitizer report)"
}

# mxgate_shipped_config - $WORK/mxgate.conf from contrib/mxgate.conf as
# shipped, with only what a test must change: socket, pid file, no user, log
# to a file, NSD as resolver, a 1 s tarpit, the "test" TLD, a store in
# $WORK, allow_clients 192.0.2.64/28, hostnames mx.example.net. Fails if the
# shipped file no longer has the lines it changes.
mxgate_shipped_config() {
    local s
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
}
