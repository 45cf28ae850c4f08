# daemons.sh - the filters bench/run.sh measures, each on $WORK/NAME.sock,
# with their configurations; sourced by run.sh after t/lib/common.sh.
#
#   start_dns      NSD on 127.53.X.1 serving bench.test, 127.0.0.1's PTR and
#                  t/zones' test
#   start_daemons  mxgate-sign (RSA rsa.example), mxgate-sign-ed (ed25519
#                  ed.example: the same daemon), mxgate-inbound (the shipped
#                  policy), odkim-rsa, odkim-ed25519, odkim-verify, null
#   check_daemons  one session through each: signed, verified, policy passed;
#                  warms the greylisting store (a known triplet) and caches
#   pid_of NAME    the process measured for NAME

declare -A PIDS

# spawn NAME CMD... - start a daemon in the background, logging to $WORK/NAME.log
spawn() {
    local name=$1
    shift
    "$@" > "$WORK/$name.log" 2>&1 &
    PIDS[$name]=$!
    on_exit "kill ${PIDS[$name]} 2>/dev/null"
}

pid_of() { echo "${PIDS[$1]}"; }

start_dns() {
    mkdir -p "$WORK/nsd"
    nsd_start "$WORK/nsd" "$T/zones" test "bench.test=$WORK/c/bench.test.zone" \
        "0.0.127.in-addr.arpa=$WORK/c/0.0.127.in-addr.arpa.zone" || fail "NSD did not start"
    on_exit nsd_stop
}

# keys - the same RSA-2048 and ed25519 keys for mxgate and OpenDKIM
keys() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/rsa.pem" 2> /dev/null
    openssl genpkey -algorithm ED25519 -out "$WORK/ed.pem"
    chmod 600 "$WORK"/*.pem
}

# mxgate_sign_conf - signing only, every client trusted
mxgate_sign_conf() {
    cat << CONF
socket = "unix:$WORK/mxgate-sign.sock";
socket_mode = "0666";
pidfile = "";
log = { to = "file:$WORK/mxgate-sign.decisions"; level = "info"; };
dns = { servers = [ "$NSD_ADDR:$NSD_PORT" ]; };
sign = {
  keys = ( { name = "r"; domain = "rsa.example"; selector = "s"; file = "$WORK/rsa.pem"; },
           { name = "e"; domain = "ed.example"; selector = "s"; file = "$WORK/ed.pem"; } );
  table = ( { from = "rsa.example"; keys = [ "r" ]; }, { from = "ed.example"; keys = [ "e" ]; } );
};
CONF
}

# mxgate_inbound_conf - the shipped contrib/mxgate.conf; only what cannot work
# here changes: paths, the DNS server, 127.0.0.1 not trusted (it is the
# client), a 1 s greylisting delay, bench.test a "freemail" domain so that the
# greylisting rule runs for it (a known triplet after the warm-up)
mxgate_inbound_conf() {
    sed -e "s|^socket .*|socket = \"unix:$WORK/mxgate-inbound.sock\"; socket_mode = \"0666\";|" \
        -e "s|^pidfile .*|pidfile = \"\";|" -e '/^user /d' -e '/^socket_mode /d' \
        -e 's|^  # to = "syslog";.*|  to = "file:'"$WORK"'/mxgate-inbound.decisions";|' \
        -e "s|^  # servers = .*|  servers = [ \"$NSD_ADDR:$NSD_PORT\" ];|" \
        -e 's|networks      = \[ "127.0.0.0/8", "::1/128" \];|networks = [ "::1/128" ];|' \
        -e 's|delay        = 300;|delay = 1;|' -e 's|extra_tlds = \[ \];|extra_tlds = [ "test" ];|' \
        -e "s|^store = .*|store = \"sqlite:$WORK/state.db\";|" "$SRC/contrib/mxgate.conf"
    echo 'hostnames = [ "mx.example.net" ];'
}

start_mxgate() {
    mxgate_sign_conf > "$WORK/mxgate-sign.conf"
    mxgate_inbound_conf > "$WORK/mxgate-inbound.conf"
    { cat "$SRC/contrib/freemail-domains"; echo bench.test; } > "$WORK/freemail-domains"
    local s
    for s in 'networks = \[ "::1/128" \]' "delay = 1;" '"test"' "sqlite:$WORK" "servers = \[ \"$NSD_ADDR" \
        "to = \"file:"; do
        grep -q "$s" "$WORK/mxgate-inbound.conf" || fail "contrib/mxgate.conf changed shape: cannot set $s"
    done
    spawn mxgate-sign "$build/mxgate" -f -c "$WORK/mxgate-sign.conf"
    PIDS[mxgate-sign-ed]=${PIDS[mxgate-sign]}
    ln -s "$WORK/mxgate-sign.sock" "$WORK/mxgate-sign-ed.sock"
    spawn mxgate-inbound "$build/mxgate" -f -c "$WORK/mxgate-inbound.conf"
}

# odkim_conf NAME MODE [ALG KEY DOMAIN] - a private OpenDKIM's configuration.
# Its resolver is libunbound, which reads resolv.conf unless given servers:
# Nameservers 127.0.0.1 keeps every query on the machine (unbound refuses to
# query loopback, so none is sent at all). The verifier reads the public key
# from a file (TestPublicKeys): OpenDKIM's unbound setup for a loopback server
# (ResolverConfiguration) parses its file per use with a scanner that is not
# thread-safe and crashes at concurrency 8 ("fatal flex scanner internal
# error"). No DNS at all only flatters OpenDKIM.
odkim_conf() {
    cat << CONF
Mode $2
Socket local:$WORK/$1.sock
UMask 000
PidFile $WORK/$1.pid
Syslog no
Nameservers 127.0.0.1
AuthservID mx.example.net
Canonicalization relaxed/relaxed
OversignHeaders From
InternalHosts 127.0.0.1
RequireSafeKeys no
CONF
    [ $# -gt 2 ] || { echo "TestPublicKeys $WORK/c/odkim-keys.txt"; return 0; }
    echo "SignatureAlgorithm $3-sha256"
    echo "KeyTable $WORK/$1.keys"
    echo "SigningTable $WORK/$1.table"
    echo "k $5:s:$4" > "$WORK/$1.keys"
    echo "$5 k" > "$WORK/$1.table"
}

start_daemons() {
    keys
    start_mxgate
    local n
    odkim_conf odkim-rsa s rsa "$WORK/rsa.pem" rsa.example > "$WORK/odkim-rsa.conf"
    odkim_conf odkim-ed25519 s ed25519 "$WORK/ed.pem" ed.example > "$WORK/odkim-ed25519.conf"
    odkim_conf odkim-verify v > "$WORK/odkim-verify.conf"
    for n in odkim-rsa odkim-ed25519 odkim-verify; do
        spawn $n opendkim -f -x "$WORK/$n.conf"
    done
    spawn null "$build/bench/nullfilter" -s "unix:$WORK/null.sock" -a
    for n in mxgate-sign mxgate-inbound odkim-rsa odkim-ed25519 odkim-verify null; do
        wait_for "[ -S '$WORK/$n.sock' ]" 20 || { cat "$WORK/$n.log" >&2; fail "$n did not start"; }
    done
    chmod 666 "$WORK"/*.sock
}

# once NAME SCRIPT - one session through NAME; its replies in $WORK/once.out
once() {
    "$MILTERC" -l -s "unix:$WORK/$1.sock" "$2" > "$WORK/once.out" 2>&1 ||
        { cat "$WORK/once.out" >&2; fail "$1: the session failed"; }
}

# expect NAME WHAT PATTERN - the last session's replies match PATTERN
expect() {
    grep -Eq -- "$3" "$WORK/once.out" || { cat "$WORK/once.out" "$WORK/$1.log" >&2; fail "$1: $2"; }
    echo "  $1: $2"
}

check_daemons() {
    local c=$WORK/c
    echo "bench: checking every filter once"
    once mxgate-sign "$c/sign-rsa-0.script"
    expect mxgate-sign "signs with RSA" 'header .*DKIM-Signature: *v=1; a=rsa-sha256; .*d=rsa\.example'
    once mxgate-sign "$c/sign-ed-0.script"
    expect mxgate-sign-ed "signs with ed25519" 'header .*DKIM-Signature: *v=1; a=ed25519-sha256; .*d=ed\.example'
    once odkim-rsa "$c/sign-rsa-0.script"
    expect odkim-rsa "signs with RSA" 'header .*DKIM-Signature: *v=1; a=rsa-sha256; .*d=rsa\.example'
    once odkim-ed25519 "$c/sign-ed-0.script"
    expect odkim-ed25519 "signs with ed25519" 'header .*DKIM-Signature: *v=1; a=ed25519-sha256; .*d=ed\.example'
    once odkim-verify "$c/inbound-1.script"
    expect odkim-verify "verifies the signature" 'Authentication-Results: .*dkim=pass'
    warm_inbound
    once null "$c/sign-rsa-0.script"
    expect null "answers" '^eom: addheader X-Null-Filter'
}

# warm_inbound - first attempt greylisted, the retry after 1 s passes; then
# every check passes (iprev, SPF, DKIM, DMARC) and the triplet is known
warm_inbound() {
    once mxgate-inbound "$WORK/c/inbound-0.script"
    expect mxgate-inbound "greylists the first attempt" '^rcpt .*tempfail 451'
    sleep 1.5
    once mxgate-inbound "$WORK/c/inbound-0.script"
    expect mxgate-inbound "lets the retry through" '^eom: (continue|accept)'
    once mxgate-inbound "$WORK/c/inbound-1.script"
    expect mxgate-inbound "passes iprev, SPF, DKIM and DMARC" \
        'Authentication-Results: .*iprev=pass.*spf=pass.*dkim=pass.*dmarc=pass'
    expect mxgate-inbound "is not greylisted again (a known triplet)" '^rcpt <bob@example.net>: continue'
}
