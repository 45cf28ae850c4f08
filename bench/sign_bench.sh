#!/bin/bash
# sign_bench.sh - DKIM signing rate of mxgate and of OpenDKIM, side by side
# in one run: 4 KiB messages (10 header fields) from an authenticated client,
# sent by milterc with the macros Postfix sends, on unix sockets, signed with
# the same RSA-2048 key and the same ed25519 key, relaxed/relaxed, From
# oversigned. For each algorithm and concurrency, the runs alternate between
# the two filters. Prints messages/s per run and the medians. See README.md.
#
#   bench/sign_bench.sh BUILD_DIR [-n COUNT] [-r RUNS] [-c "8 64"]
#
# BUILD_DIR holds mxgate, mxgatectl and t/milterc/milterc (an optimized
# build: cmake -S . -B /tmp/bench-build && cmake --build /tmp/bench-build).
# Needs OpenDKIM (Debian package opendkim) and openssl. Runs as any user
# (OpenDKIM gets RequireSafeKeys no: it refuses keys below /tmp, whose
# ancestors it checks, and the check does not change its speed);
# nothing leaves the machine (no DNS is used for signing).
set -eu
build=$1
shift
count=4000 runs=3 concs="8 64"
while getopts "n:r:c:" o; do
    case $o in
    n) count=$OPTARG ;;
    r) runs=$OPTARG ;;
    c) concs=$OPTARG ;;
    *) echo "usage: $0 BUILD_DIR [-n COUNT] [-r RUNS] [-c \"8 64\"]" >&2; exit 2 ;;
    esac
done
W=$(mktemp -d /tmp/mxgate-signbench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; sleep 1; rm -rf "$W"' EXIT
milterc=$build/t/milterc/milterc

# keys: the same files for both filters
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ED25519 -out "$W/ed.pem"
chmod 600 "$W"/*.pem

# mxgate: rsa.example signs with RSA, ed.example with ed25519
cat > "$W/mxgate.conf" <<CONF
socket = "unix:$W/mxgate.sock";
pidfile = "";
log = { to = "file:$W/mxgate.log"; level = "info"; };
dns = { servers = [ "127.0.0.1:1" ]; };
sign = {
  keys = ( { name = "r"; domain = "rsa.example"; selector = "s"; file = "$W/rsa.pem"; },
           { name = "e"; domain = "ed.example"; selector = "s"; file = "$W/ed.pem"; } );
  table = ( { from = "rsa.example"; keys = [ "r" ]; }, { from = "ed.example"; keys = [ "e" ]; } );
};
CONF
"$build/mxgate" -f -c "$W/mxgate.conf" 2> "$W/mxgate.err" &
pids="$pids $!"

# opendkim ALG KEY - a private OpenDKIM in the foreground on $W/odkim-ALG.sock
opendkim_start() {
    cat > "$W/odkim-$1.conf" <<CONF
Mode s
Socket local:$W/odkim-$1.sock
PidFile $W/odkim-$1.pid
KeyTable $W/KeyTable-$1
SigningTable $W/SigningTable-$1
SignatureAlgorithm $1-sha256
Canonicalization relaxed/relaxed
OversignHeaders From
InternalHosts 127.0.0.1
Syslog no
Nameservers 127.0.0.1
RequireSafeKeys no
CONF
    echo "k $1.example:s:$2" > "$W/KeyTable-$1"
    echo "$1.example k" > "$W/SigningTable-$1"
    opendkim -f -x "$W/odkim-$1.conf" 2> "$W/odkim-$1.err" &
    pids="$pids $!"
}
opendkim_start rsa "$W/rsa.pem"
opendkim_start ed25519 "$W/ed.pem"
sed -i 's/^ed25519.example k/ed.example k/; s/^k ed25519.example:/k ed.example:/' "$W/SigningTable-ed25519" "$W/KeyTable-ed25519"
sleep 2
for s in mxgate odkim-rsa odkim-ed25519; do
    [ -S "$W/$s.sock" ] || { cat "$W"/*.err >&2; echo "$s did not start" >&2; exit 1; }
done

# script DOMAIN - one 4 KiB message from an authenticated client at 127.0.0.1
script() {
    cat <<SCRIPT
macro connect j mx.example.net
macro connect {daemon_name} smtpd
macro connect {client_addr} 127.0.0.1
macro connect {client_name} localhost
connect localhost 4 127.0.0.1 40000
helo laptop.example
macro mail i 4Xb2kq%n
macro mail {auth_type} PLAIN
macro mail {auth_authen} alice@$1
macro mail {mail_addr} alice@$1
mail <alice@$1>
macro rcpt i 4Xb2kq%n
rcpt <bob@example.org>
data
header Received: from laptop.example (localhost [127.0.0.1])\n\tby mx.example.net (Postfix) with ESMTPSA id 4Xb2kq%n\n\tfor <bob@example.org>; Sat, 22 Nov 2026 10:00:00 +0000 (UTC)
header From: Alice <alice@$1>
header To: Bob <bob@example.org>
header Subject: The quarterly figures, as promised
header Date: Sat, 22 Nov 2026 10:00:00 +0000
header Message-ID: <%n.1795332000@laptop.$1>
header MIME-Version: 1.0
header Content-Type: text/plain; charset=utf-8
header Content-Transfer-Encoding: 8bit
header User-Agent: Test/1.0
eoh
SCRIPT
    for i in $(seq 1 64); do
        echo "body Line $i of a four kilobyte message body, sent to measure signing rates."
    done
    echo "macro eom i 4Xb2kq%n"
    echo "eom"
    echo "quit"
}
script rsa.example > "$W/rsa.script"
script ed.example > "$W/ed.script"

# rate SOCKET SCRIPT CONC - messages/s of one run (fails unless every run is ok and signed)
rate() {
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$("$milterc" -l -q -s "unix:$W/$1.sock" -c "$3" -n "$count" "$W/$2.script" 2>/dev/null)
    t1=$(date +%s.%N)
    case "$out" in *"ok=$count failed=0"*"insheader=$count"*) ;;
    *) echo "$1: not every message was signed: $out" >&2; exit 1 ;;
    esac
    echo "$count $t0 $t1" | awk '{ printf "%.0f", $1 / ($3 - $2) }'
}

# median A B C...
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$milterc" -l -q -s "unix:$W/mxgate.sock" -c 8 -n 200 "$W/rsa.script" > /dev/null 2>&1 # warm up
printf '%-8s %-5s %-14s %-14s %s\n' alg conc "mxgate msg/s" "OpenDKIM msg/s" ratio
for alg in rsa ed25519; do
    scr=${alg%25519}
    for c in $concs; do
        m="" o=""
        for r in $(seq 1 "$runs"); do
            m="$m $(rate mxgate "$scr" "$c")"
            o="$o $(rate "odkim-$alg" "$scr" "$c")"
        done
        mm=$(median $m) om=$(median $o)
        printf '%-8s %-5s %-14s %-14s %s\n' "$alg" "$c" "$mm ($(echo $m | tr ' ' /))" \
            "$om ($(echo $o | tr ' ' /))" "$(awk -v a="$mm" -v b="$om" 'BEGIN { printf "%.2f", a / b }')"
    done
done
