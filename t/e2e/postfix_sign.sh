#!/bin/bash
# postfix_sign.sh - DKIM signing end to end through a real Postfix: mail
# submitted with SMTP AUTH (Cyrus SASL, a private sasldb) from an outside
# address, and mail submitted with Postfix's sendmail command
# (non_smtpd_milters), reach the sink with an rsa-sha256 (relaxed/relaxed)
# and an ed25519-sha256 (simple/simple) signature that python3-dkim verifies;
# mail from an unauthenticated outside client arrives unsigned.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

DKIMTOOL="/usr/bin/python3 $T/lib/dkimtool.py"
command -v saslpasswd2 > /dev/null || fail "saslpasswd2 is missing (apt-get install sasl2-bin)"
MXGATECTL=${MXGATECTL:-$(dirname "$MXGATE")/mxgatectl}

dns_start example.test
mxgate_config "$T/integration/spf-test.conf"
sed -i "/^rules = (/,/^);/d" "$WORK/mxgate.conf"   # no policy: only signing is looked at
for k in "rsa r2026" "ed25519 e2026"; do
    set -- $k
    "$MXGATECTL" -c "$WORK/none.conf" keygen -t "$1" -d example.net -s "$2" -o "$WORK/$1.pem" \
        >> "$WORK/records" 2> "$WORK/keygen.err" || { cat "$WORK/keygen.err"; fail "keygen $1"; }
done
cat >> "$WORK/mxgate.conf" <<CONF
socket_mode = "0666";
sign = {
  keys = ( { name = "r"; domain = "example.net"; selector = "r2026"; file = "rsa.pem"; },
           { name = "e"; domain = "example.net"; selector = "e2026"; file = "ed25519.pem";
             canonicalization = "simple/simple"; } );
  table = ( { from = "example.net"; keys = [ "r", "e" ]; } );
};
CONF
mxgate_start

# SMTP AUTH: Cyrus SASL with a private sasldb, PLAIN and LOGIN only. Debian's
# Postfix reads smtpd.conf from $config_directory/sasl, whatever
# cyrus_sasl_config_path says, so the files go there (and it names it too).
SASL="$PF_DIR/sasl"
mkdir -p "$SASL"
printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' \
    "$SASL/sasldb2" > "$SASL/smtpd.conf"
echo secret | saslpasswd2 -p -f "$SASL/sasldb2" -c -u example.net alice
chown -R postfix "$SASL"
PF_MAIN_EXTRA="smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $SASL
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, permit_mynetworks, reject_unauth_destination"
postfix_start "unix:$WORK/mxgate.sock"

# send NAME [SWAKS-ARGS...] - one message from 192.0.2.60 (XCLIENT) with Subject NAME
send() {
    name=$1
    shift
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo laptop.example.net \
        --xclient "ADDR=192.0.2.60 NAME=[UNAVAILABLE]" --from alice@example.net --to bob@example.net \
        --header "Subject: $name" --header "From: Alice <alice@example.net>" --timeout 60 "$@" \
        > "$WORK/swaks.$name" 2>&1
    grep -q "Ok: queued" "$WORK/swaks.$name" || { cat "$PF_DIR/maillog" >&2; fail "$name: not queued"; }
}

# arrived NAME - the sink's copy of the message with Subject NAME, in $WORK/NAME.eml
arrived() {
    wait_for "grep -l '^Subject: $1' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
        { cat "$PF_DIR/maillog" >&2; fail "$1 did not reach the sink"; }
    cp "$(grep -l "^Subject: $1" "$PF_SINK"/* | head -1)" "$WORK/$1.eml"
}

send authenticated --auth PLAIN --auth-user alice@example.net --auth-password secret
expect_grep '^<- +235 ' "$WORK/swaks.authenticated" "SMTP AUTH PLAIN succeeds against the private sasldb"
arrived authenticated
$DKIMTOOL verify "$WORK/authenticated.eml" "$WORK/records" > "$WORK/authenticated.verify" ||
    { cat "$WORK/authenticated.verify" "$WORK/authenticated.eml" >&2; fail "the authenticated message does not verify"; }
expect_eq "$(grep -c '^pass' "$WORK/authenticated.verify")" 2 \
    "mail submitted with SMTP AUTH reaches the sink with two signatures that verify (rsa relaxed, ed25519 simple)"

printf 'From: Alice <alice@example.net>\nTo: bob@example.net\nSubject: local\n\nsent with sendmail\n' |
    sendmail -C "$PF_DIR" -f alice@example.net bob@example.net ||
    fail "sendmail did not take the message"
arrived local
$DKIMTOOL verify "$WORK/local.eml" "$WORK/records" > "$WORK/local.verify" ||
    { cat "$WORK/local.verify" "$WORK/local.eml" >&2; fail "the local submission does not verify"; }
expect_eq "$(grep -c '^pass' "$WORK/local.verify")" 2 \
    "mail submitted with Postfix's sendmail (non_smtpd_milters) reaches the sink signed"

send outside
arrived outside
expect_no_grep '^DKIM-Signature:' "$WORK/outside.eml" "mail from an unauthenticated outside client is not signed"
expect_grep 'signed: d=example.net s=r2026 a=rsa-sha256, d=example.net s=e2026 a=ed25519-sha256$' \
    "$MXGATE_LOG" "the log has one line per signed message"
mxgate_stop
