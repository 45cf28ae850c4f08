#!/bin/bash
# sign.sh - DKIM signing through the real daemon. Keys are made with
# mxgatectl keygen (RSA and ed25519, three domains, every canonicalization
# pair); messages go in with milterc as an SMTP AUTH client, a trusted
# network client and a local submission; the DKIM-Signature headers mxgate
# inserts are put back into each message, which must then verify with
# python3-dkim (keys from keygen's printed records) and with
# opendkim-testmsg (keys from NSD serving those records on port 53 of a
# loopback address, in a mount namespace whose resolv.conf names it). An
# outside client, a domain not in the table and a message with two From
# headers get no signature; sign_by = "sender", loaded by a reload, signs by
# the envelope sender.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

DKIMTOOL="/usr/bin/python3 $T/lib/dkimtool.py"
[ "$(id -u)" = 0 ] || fail "this test must run as root (CI does): NSD on port 53, unshare"

# keys: NAME TYPE DOMAIN SELECTOR - keygen into $WORK/keys, record into the zone
mkdir -p "$WORK/keys" "$WORK/zones"
key() {
    "$MXGATECTL" -c "$WORK/none.conf" keygen -t "$2" -d "$3" -s "$4" -o "$WORK/keys/$1.pem" \
        >> "$WORK/zones/$3.zone.records" 2> "$WORK/keygen.err" || { cat "$WORK/keygen.err"; fail "keygen $1"; }
}
key net-r rsa example.net r2026
key net-e ed25519 example.net e2026
key org-r rsa example.org r2026
key org-e ed25519 example.org e2026
key com-r rsa example.com r2026
key com-e ed25519 example.com e2026
expect_eq "$(stat -c %a "$WORK/keys/net-r.pem")" 600 "keygen writes the private key with mode 0600"
for d in example.net example.org example.com; do
    { printf '$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n  IN NS ns.%s.\nns IN A 127.0.0.1\n' $d $d $d
      cat "$WORK/zones/$d.zone.records"; } > "$WORK/zones/$d.zone"
done
cat "$WORK"/zones/*.records > "$WORK/records"

NSD_FIXED_PORT=53 nsd_start "$WORK/nsd" "$WORK/zones" example.net example.org example.com ||
    fail "NSD did not start on port 53"
on_exit nsd_stop
DNS_SERVERS="\"$NSD_ADDR:53\""
echo "nameserver $NSD_ADDR" > "$WORK/resolv.conf"

mxgate_config "$T/integration/sign-test.conf"
mxgate_start

# send NAME CONNECT [AUTH] - send $WORK/NAME.msg from CONNECT ("HOST 4 ADDR PORT" or
# "HOST unknown"), as SMTP AUTH user AUTH if given; replies in $WORK/NAME.out
send() {
    { echo "connect $2"
      echo "helo client.example"
      [ -n "${3:-}" ] && echo "macro mail {auth_authen} $3"
      echo "macro mail {mail_addr} sender@example.net"
      echo "macro rcpt i Q$1"
      echo "macro eom i Q$1"
      echo "mail <sender@example.net>"
      echo "rcpt <rcpt@example.info>"
      echo "data"
      $DKIMTOOL script "$WORK/$1.msg"
      echo "eom"
      echo "quit"; } > "$WORK/$1.script"
    "$MILTERC" -l -s "$MXGATE_SOCKET" "$WORK/$1.script" > "$WORK/$1.out" 2> "$WORK/$1.err" ||
        { cat "$WORK/$1.err" >&2; fail "$1: milterc failed"; }
    $DKIMTOOL assemble "$WORK/$1.msg" "$WORK/$1.out" > "$WORK/$1.signed"
}

# testmsg FILE - opendkim-testmsg verifies FILE's (one) signature through our NSD
testmsg() {
    unshare --mount --propagation private sh -c \
        "mount --bind '$WORK/resolv.conf' /etc/resolv.conf && opendkim-testmsg < '$1'"
}

# verified NAME COUNT WHAT - COUNT signatures, each verified by python3-dkim and
# by opendkim-testmsg on its own
verified() {
    $DKIMTOOL verify "$WORK/$1.signed" "$WORK/records" > "$WORK/$1.verify" ||
        { cat "$WORK/$1.verify" "$WORK/$1.out" >&2; fail "$1: python3-dkim does not verify $3"; }
    expect_eq "$(grep -c '^pass' "$WORK/$1.verify")" "$2" "$1: python3-dkim verifies $2 signature(s): $3"
    for i in $(seq 0 $(($2 - 1))); do
        $DKIMTOOL only "$WORK/$1.signed" "$i" > "$WORK/$1.only$i"
        testmsg "$WORK/$1.only$i" > "$WORK/$1.testmsg" 2>&1 ||
            { cat "$WORK/$1.testmsg" "$WORK/$1.only$i" >&2; fail "$1: opendkim-testmsg rejects signature $i"; }
    done
    pass "$1: opendkim-testmsg verifies each signature"
}

# Authenticated (SMTP AUTH), From example.net: rsa and ed25519, relaxed/relaxed,
# a folded Subject, runs of white space, blank lines at the end of the body.
printf 'From: "Alice Example" <alice@example.net>\nTo: bob@example.info,\n\tcarol@example.info\nSubject:  Hello   there\n\t(folded)  \nDate: Sat, 22 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.net>\nX-Mailer: test\n\nHello  Bob,\t \n\n  indented\ttabs\there \nbye\n\n\n\n' > "$WORK/net.msg"
send net "laptop 4 192.0.2.40 40000" alice@example.net
verified net 2 "rsa-sha256 and ed25519-sha256, relaxed/relaxed, for an SMTP AUTH client"
expect_grep 'pass d=example.net s=r2026 a=rsa-sha256 c=relaxed/relaxed h=From:From:Reply-To:Subject:Date:To:Message-ID$' \
    "$WORK/net.verify" "From is oversigned, absent Reply-To is signed once, X-Mailer is not signed"
expect_grep 'DKIM-Signature: +v=1; a=ed25519-sha256;' "$WORK/net.out" "both algorithms sign"
expect_no_grep 'l=' "$WORK/net.verify" "no l= tag"
expect_grep '\\tt=[0-9]+; x=[0-9]+; h=' "$WORK/net.out" "t= and x= are written (expire = 604800)"
awk '{ sub(/\r$/, "") } length($0) > 78 { bad = 1 } END { exit bad }' "$WORK/net.signed" || fail "a line of the signed message is longer than 78 characters"
pass "the signature lines are at most 78 characters"
expect_grep 'info: Qnet: signed: d=example.net s=r2026 a=rsa-sha256, d=example.net s=e2026 a=ed25519-sha256$' \
    "$MXGATE_LOG" "one log line per signed message, with the queue id"

# A trusted network, From a subdomain of example.org: simple/simple and simple/relaxed.
printf 'From: bob@mail.example.org\nDate: Sat, 22 Nov 2026 10:01:00 +0000\nTo: alice@example.info\nResent-To: r1@example.info\nResent-To: r2@example.info\nCc: c@example.info\nSubject: simple\nReply-To: bob@example.org\n\nline with trailing space   \n\n\tindented\n' > "$WORK/org.msg"
send org "relay.example.org 4 203.0.113.5 40000"
verified org 2 "simple/simple (rsa) and simple/relaxed (ed25519), for a trusted network"
expect_grep 'h=From:From:Reply-To:Reply-To:Subject:Date:To:Cc:Resent-To:Resent-To$' "$WORK/org.verify" \
    "repeated fields are signed as often as they occur, oversigned ones once more"

# Local submission (no IP client), alice@example.com's own row: relaxed/simple and simple/simple.
printf 'From: Alice <alice@example.com>\nDate: Sat, 22 Nov 2026 10:02:00 +0000\nTo: bob@example.info\nSubject: local\nMIME-Version: 1.0\nContent-Type: text/plain\n\nfrom the command line\n' > "$WORK/com.msg"
send com "localhost unknown"
verified com 2 "relaxed/simple (rsa) and simple/simple (ed25519), for a local submission"

# The first matching row wins: carol@example.com gets the domain row's one key.
sed 's/alice@example.com/carol@example.com/' "$WORK/com.msg" > "$WORK/carol.msg"
send carol "localhost unknown"
verified carol 1 "the example.com row (first match after alice's)"

# An empty body.
printf 'From: alice@example.net\nDate: Sat, 22 Nov 2026 10:03:00 +0000\nSubject: empty\n\n' > "$WORK/empty.msg"
send empty "laptop 4 192.0.2.40 40000" alice@example.net
verified empty 2 "an empty body"

# Not signed: an outside client, a domain not in the table, two From headers.
cp "$WORK/net.msg" "$WORK/outside.msg"
send outside "mx.example.info 4 192.0.2.40 40000"
expect_no_grep 'DKIM-Signature' "$WORK/outside.out" "an unauthenticated outside client gets no signature"
printf 'From: someone@example.info\nSubject: x\n\nbody\n' > "$WORK/foreign.msg"
send foreign "laptop 4 192.0.2.40 40000" someone@example.info
expect_no_grep 'DKIM-Signature' "$WORK/foreign.out" "a domain not in the table gets no signature"
expect_grep 'debug: Qforeign: not signed: someone@example.info is not in the signing table' "$MXGATE_LOG" \
    "and that is logged at debug level"
printf 'From: alice@example.net\nFrom: mallory@example.net\nSubject: x\n\nbody\n' > "$WORK/twofrom.msg"
send twofrom "laptop 4 192.0.2.40 40000" alice@example.net
expect_no_grep 'DKIM-Signature' "$WORK/twofrom.out" "a message with two From headers gets no signature"
expect_grep 'info: Qtwofrom: not signed: 2 From header fields' "$MXGATE_LOG" "and that is logged at info level"

# sign_by = "sender", loaded by a reload: the envelope sender (sender@example.net)
# picks the row, whatever the From header says.
sed -i 's/^  expire = 604800;/  expire = 604800;\n  sign_by = "sender";/' "$WORK/mxgate.conf"
grep -q 'sign_by = "sender"' "$WORK/mxgate.conf" || fail "the test configuration changed shape"
mxgate_reload
wait_for "grep -q 'configuration reloaded' '$MXGATE_LOG'" 10 || fail "the reload did not happen"
printf 'Date: Sat, 22 Nov 2026 10:04:00 +0000\n' | cat - "$WORK/foreign.msg" > "$WORK/bysender.msg"
send bysender "laptop 4 192.0.2.40 40000" someone@example.info
verified bysender 2 "the envelope sender's domain picks the keys with sign_by = sender (after a reload)"

# A tampered message fails: the verifiers do look.
sed 's/Hello  Bob/Hello Bob!/' "$WORK/net.signed" > "$WORK/tampered.signed"
! $DKIMTOOL verify "$WORK/tampered.signed" "$WORK/records" > /dev/null || fail "a tampered body verifies"
pass "a tampered body does not verify"
mxgate_stop
