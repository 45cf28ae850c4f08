# e2e.sh - end to end: Postfix's smtp-source -> a private Postfix -> smtp-sink,
# bare and with a milter; sourced by run.sh after daemons.sh.
#
#   e2e_start      a private Postfix (t/lib/postfix.sh's main.cf and master.cf,
#                  in a mount namespace whose resolv.conf names only 127.0.0.1)
#                  relaying to an smtp-sink that keeps nothing
#   e2e_round REP  every configuration at every concurrency: bare, mxgate
#                  signing (RSA), OpenDKIM signing (RSA), the null filter (the
#                  floor any libmilter filter costs), mxgate's inbound policy,
#                  OpenDKIM verifying; one JSON line each to $RESULTS
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
sent() {
    local n
    n=$(grep -c 'status=sent' "$PF_DIR/maillog" 2> /dev/null)
    echo "${n:-0}"
}

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

# cpu_of NAME - CPU seconds the daemon NAME used so far (utime + stime); 0 without one
cpu_of() {
    [ -n "$1" ] || { echo 0; return; }
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$(pid_of "$1")/stat"
}

# e2e_run LABEL C REP N MSGFILE SENDER [DAEMON] - one timed run; a JSON line to $RESULTS
e2e_run() {
    local label=$1 c=$2 rep=$3 n=$4 t0 t1 t2 before got cpu0 cpu1
    before=$(sent)
    cpu0=$(cpu_of "${7:-}")
    t0=$(date +%s.%N)
    smtp-source -s "$c" -m "$n" -F "$5" -f "$6" -t bob@example.net -M mx.bench.test \
        "$PF_ADDR:$PF_PORT" >> "$WORK/smtp-source.log" 2>&1
    t1=$(date +%s.%N)
    e2e_wait $((before + n)) "$n"
    t2=$(date +%s.%N)
    cpu1=$(cpu_of "${7:-}")
    got=$(($(sent) - before))
    [ "$got" -gt "$n" ] && got=$n
    awk -v l="$label" -v c="$c" -v r="$rep" -v n="$n" -v g="$got" -v a="$t0" -v b="$t1" -v e="$t2" \
        -v cpu="$(awk -v x="$cpu0" -v y="$cpu1" -v n="$n" 'BEGIN { print (y - x) * 1000 / n }')" \
        'BEGIN { printf "{\"repeat\":%d,\"label\":\"%s\",\"concurrency\":%d,\"messages\":%d,\"failed\":%d,\"elapsed_s\":%.3f,\"msgs_per_s\":%.1f,\"accepted_per_s\":%.1f,\"milter_cpu_ms_per_msg\":%.3f}\n", r, l, c, g, n - g, e - a, g / (e - a), n / (b - a), cpu }' |
        tee -a "$RESULTS" | sed 's/.*"label":"\([^"]*\)","concurrency":\([0-9]*\).*"failed":\([0-9]*\).*"msgs_per_s":\([0-9.]*\).*/  \1 c=\2: \4 msgs\/s (\3 failed)/'
}

# e2e_config LABEL DAEMON MSGFILE SENDER REP - one configuration at every
# concurrency; DAEMON is the milter's name in daemons.sh, "" for none
e2e_config() {
    local c n sock=""
    [ -z "$2" ] || sock="unix:$WORK/$2.sock"
    e2e_milter "$sock"
    # warm-up: Postfix's processes and the milter's connections
    e2e_run "$1-warmup" 8 0 20 "$3" "$4" > /dev/null
    sed -i '/-warmup"/d' "$RESULTS"
    for c in $concs; do
        n=$e2e_count
        [ "$c" = 1 ] && n=$((e2e_count / 5))
        e2e_run "$1" "$c" "$5" "$n" "$3" "$4" "$2"
    done
}

e2e_round() {
    local m=$WORK/c/sign.msg i=$WORK/c/inbound.msg
    e2e_config postfix-bare "" "$m" alice@rsa.example "$1"
    e2e_config postfix-mxgate-sign mxgate-sign "$m" alice@rsa.example "$1"
    e2e_config postfix-odkim-sign odkim-rsa "$m" alice@rsa.example "$1"
    e2e_config postfix-null null "$m" alice@rsa.example "$1"
    e2e_config postfix-bare-inbound "" "$i" alice@bench.test "$1"
    e2e_config postfix-mxgate-inbound mxgate-inbound "$i" alice@bench.test "$1"
    e2e_config postfix-odkim-verify odkim-verify "$i" alice@bench.test "$1"
}
