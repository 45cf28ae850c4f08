# e2e.sh - end to end: Postfix's smtp-source -> a private Postfix -> smtp-sink,
# bare and with a milter; sourced by run.sh after daemons.sh.
#
#   e2e_start      a private Postfix (t/lib/postfix.sh's main.cf and master.cf,
#                  in a mount namespace whose resolv.conf names only 127.0.0.1)
#                  relaying to an smtp-sink that keeps nothing
#   e2e_round REP  every configuration at every concurrency: bare, mxgate
#                  signing (RSA), OpenDKIM signing (RSA), mxgate's inbound
#                  policy, OpenDKIM verifying; one JSON line each to $RESULTS
#
# A run is timed from the first connection until Postfix logged the last
# message delivered to the sink (status=sent): messages/s end to end.

. "$T/lib/postfix.sh"

e2e_start() {
    PF_PORT=$(pf__port)
    PF_SINK_PORT=$((PF_PORT + 1))
    mkdir -p "$PF_DIR/queue" "$PF_DIR/data"
    chmod 755 "$PF_DIR"
    chown postfix "$PF_DIR/data"
    PF_MAIN_EXTRA="default_process_limit = 200
milter_connect_macros = j {daemon_name} {daemon_addr} v _ {client_addr} {client_name} {client_ptr} {client_port} {client_resolve}" \
        pf__main_cf "" > "$PF_DIR/main.cf"
    pf__master_cf > "$PF_DIR/master.cf"
    echo "nameserver 127.0.0.1" > "$PF_DIR/resolv.conf"
    spawn smtp-sink smtp-sink -u postfix "$PF_ADDR:$PF_SINK_PORT" 256
    on_exit "postfix -c '$PF_DIR' stop >/dev/null 2>&1 || true"
    unshare --mount --propagation private sh -c \
        "mount --bind '$PF_DIR/resolv.conf' /etc/resolv.conf && postfix -c '$PF_DIR' start" \
        > "$PF_DIR/start.log" 2>&1 || { cat "$PF_DIR/start.log" >&2; fail "Postfix did not start"; }
    wait_for "(exec 3<>/dev/tcp/$PF_ADDR/$PF_PORT) 2>/dev/null" 20 || fail "Postfix does not answer"
}

# e2e_milter SOCKET - Postfix's milter ("" for none), then a reload
e2e_milter() {
    postconf -c "$PF_DIR" -e "smtpd_milters = $1" "non_smtpd_milters = $1"
    postfix -c "$PF_DIR" reload > /dev/null 2>&1
    sleep 1
}

# sent - messages Postfix delivered to the sink so far
sent() { grep -c 'status=sent' "$PF_DIR/maillog" 2> /dev/null || echo 0; }

# e2e_wait TOTAL N - wait until Postfix delivered TOTAL messages in all, at
# most 30 s plus 0.2 s per message of the run (N)
e2e_wait() {
    local i
    for i in $(seq 1 $((300 + $2 * 2))); do
        [ "$(sent)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

# e2e_run LABEL C REP N MSGFILE SENDER - one timed run; a JSON line to $RESULTS
e2e_run() {
    local label=$1 c=$2 rep=$3 n=$4 t0 t1 t2 before got
    before=$(sent)
    t0=$(date +%s.%N)
    smtp-source -s "$c" -m "$n" -F "$5" -f "$6" -t bob@example.net -M mx.bench.test \
        "$PF_ADDR:$PF_PORT" >> "$WORK/smtp-source.log" 2>&1
    t1=$(date +%s.%N)
    e2e_wait $((before + n)) "$n"
    t2=$(date +%s.%N)
    got=$(($(sent) - before))
    [ "$got" -gt "$n" ] && got=$n
    awk -v l="$label" -v c="$c" -v r="$rep" -v n="$n" -v g="$got" -v a="$t0" -v b="$t1" -v e="$t2" \
        'BEGIN { printf "{\"repeat\":%d,\"label\":\"%s\",\"concurrency\":%d,\"messages\":%d,\"failed\":%d,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"accepted_per_s\":%.1f}\n", r, l, c, g, n - g, e - a, g / (e - a), n / (b - a) }' |
        tee -a "$RESULTS" | sed 's/.*"label":"\([^"]*\)","concurrency":\([0-9]*\).*"failed":\([0-9]*\).*"msgs_per_s":\([0-9.]*\).*/  \1 c=\2: \4 msgs\/s (\3 failed)/'
}

# e2e_config LABEL SOCKET MSGFILE SENDER REP - one configuration at every concurrency
e2e_config() {
    local c n
    e2e_milter "$2"
    # warm-up: Postfix's processes and the milter's connections
    e2e_run "$1-warmup" 8 0 20 "$3" "$4" > /dev/null
    sed -i '/-warmup"/d' "$RESULTS"
    for c in $concs; do
        n=$e2e_count
        [ "$c" = 1 ] && n=$((e2e_count / 5))
        e2e_run "$1" "$c" "$5" "$n" "$3" "$4"
    done
}

e2e_round() {
    local c=$WORK/c
    e2e_config postfix-bare "" "$c/sign.msg" alice@rsa.example "$1"
    e2e_config postfix-mxgate-sign "unix:$WORK/mxgate-sign.sock" "$c/sign.msg" alice@rsa.example "$1"
    e2e_config postfix-odkim-sign "unix:$WORK/odkim-rsa.sock" "$c/sign.msg" alice@rsa.example "$1"
    e2e_config postfix-bare-inbound "" "$c/inbound.msg" alice@bench.test "$1"
    e2e_config postfix-mxgate-inbound "unix:$WORK/mxgate-inbound.sock" "$c/inbound.msg" \
        alice@bench.test "$1"
    e2e_config postfix-odkim-verify "unix:$WORK/odkim-verify.sock" "$c/inbound.msg" \
        alice@bench.test "$1"
}
