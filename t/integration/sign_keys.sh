#!/bin/bash
# sign_keys.sh - key safety and keygen: a key file readable by others (mode
# 0644) or owned by a stranger makes mxgate -n and the start fail with a
# message naming the file; keys written by mxgatectl keygen as root belong
# to the daemon's user, load under require_safe_keys, sign, and the record
# keygen printed verifies the signature; a short RSA key loads with a
# warning; a reload with an unsafe key keeps the old configuration.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

DKIMTOOL="/usr/bin/python3 $T/lib/dkimtool.py"
[ "$(id -u)" = 0 ] || fail "this test must run as root (CI does): key owners"
chmod 755 "$WORK"
mxgate_config "$T/integration/mxgate-test.conf"
sed -i 's|^pidfile .*|pidfile = "";|' "$WORK/mxgate.conf"
cp "$WORK/mxgate.conf" "$WORK/base.conf"
kl=$(( $(wc -l < "$WORK/base.conf") + 1 ))   # the line of sign = { in key.conf
printf 'user = "nobody";\n' >> "$WORK/mxgate.conf"

# with_key FILE [EXTRA] - base configuration signing example.net with FILE
with_key() {
    { cat "$WORK/base.conf"
      printf 'sign = { keys = ( { name = "k"; domain = "example.net"; selector = "s"; file = "%s"; } );\n' "$1"
      printf '  table = ( { from = "example.net"; keys = [ "k" ]; } ); %s };\n' "${2:-}"; } > "$WORK/key.conf"
}

# keygen as root with user = "nobody" in the configuration: the key is nobody's
"$MXGATECTL" -c "$WORK/mxgate.conf" keygen -t ed25519 -d example.net -s s -o "$WORK/ed.pem" \
    > "$WORK/ed.record" 2> "$WORK/keygen.err" || { cat "$WORK/keygen.err"; fail "keygen"; }
expect_eq "$(stat -c '%a %U' "$WORK/ed.pem")" "600 nobody" "keygen as root writes mode 0600, owned by the daemon's user"
expect_grep '^s\._domainkey\.example\.net\. IN TXT \( "v=DKIM1; k=ed25519; "$' "$WORK/ed.record" \
    "keygen prints the TXT record"
awk -F'"' '{ for (i = 2; i <= NF; i += 2) if (length($i) > 255) exit 1 }' "$WORK/ed.record" || fail "a TXT string over 255 octets"
"$MXGATECTL" -c "$WORK/mxgate.conf" keygen -b 4096 -d example.net -s big -o "$WORK/big.pem" > "$WORK/big.record" 2>/dev/null
awk -F'"' '{ for (i = 2; i <= NF; i += 2) if (length($i) > 255) exit 1 }' "$WORK/big.record" || fail "a TXT string over 255 octets"
expect_eq "$(grep -c '^	"' "$WORK/big.record")" 3 "an RSA-4096 record is split into strings of at most 255 octets"
"$MXGATECTL" -c "$WORK/mxgate.conf" keygen -d example.net -s s -o "$WORK/ed.pem" > /dev/null 2> "$WORK/out"; rc=$?
expect_eq "$rc" 1 "keygen never overwrites a key"
expect_grep "cannot create $WORK/ed.pem: File exists" "$WORK/out" "and says so"

# the keygen key loads (owner nobody = the daemon's user) and signs; the record verifies
with_key "$WORK/ed.pem"
printf 'user = "nobody";\n' >> "$WORK/key.conf"
"$MXGATE" -n -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 0 "a keygen key owned by the daemon's user passes -n under require_safe_keys"
cp "$WORK/key.conf" "$WORK/mxgate.conf"
mxgate_start
printf 'From: alice@example.net\nDate: Sat, 22 Nov 2026 10:00:00 +0000\nSubject: keygen\n\nbody\n' > "$WORK/m.msg"
{ printf 'connect laptop 4 192.0.2.10 4000\nhelo laptop\nmacro mail {auth_authen} alice\nmail <alice@example.net>\nrcpt <b@example.org>\ndata\n'
  $DKIMTOOL script "$WORK/m.msg"; printf 'eom\nquit\n'; } > "$WORK/m.script"
"$MILTERC" -l -s "$MXGATE_SOCKET" "$WORK/m.script" > "$WORK/m.out" 2>&1
$DKIMTOOL assemble "$WORK/m.msg" "$WORK/m.out" > "$WORK/m.signed"
$DKIMTOOL verify "$WORK/m.signed" "$WORK/ed.record" > "$WORK/m.verify" || { cat "$WORK/m.verify" "$WORK/m.out"; fail "verify"; }
pass "the message is signed, and the record keygen printed verifies it"

# a reload with an unsafe key keeps the old configuration
chmod 644 "$WORK/ed.pem"
mxgate_reload
wait_for "grep -q 'reload failed' '$MXGATE_LOG'" 10 || fail "no reload failure logged"
expect_grep "reload failed, still running the previous configuration: $WORK/mxgate.conf:[0-9]+: key \"k\": $WORK/ed.pem: the key is readable or writable by group or others \(mode 0644\)" \
    "$MXGATE_LOG" "a reload with an unsafe key fails, naming the file, and the old configuration serves"
"$MILTERC" -l -s "$MXGATE_SOCKET" "$WORK/m.script" > "$WORK/m2.out" 2>&1
expect_grep 'DKIM-Signature' "$WORK/m2.out" "and still signs"
mxgate_stop

# mode 0644: -n and the start fail, naming the file
with_key "$WORK/ed.pem"
"$MXGATE" -n -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n refuses a key file with mode 0644"
expect_eq "$(cat "$WORK/out")" "$WORK/key.conf:$kl: key \"k\": $WORK/ed.pem: the key is readable or writable by group or others (mode 0644); chmod 600 it (or set sign.require_safe_keys = false)" \
    "-n names the configuration's line and the key file"
"$MXGATE" -f -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "the start refuses it too"
expect_grep "^mxgate: $WORK/key.conf:$kl: key \"k\": $WORK/ed.pem: the key is readable" "$WORK/out" "naming the file"
with_key "$WORK/ed.pem" "require_safe_keys = false;"
"$MXGATE" -n -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 0 "require_safe_keys = false allows it"

# a stranger's key (nobody's, while no user is configured): refused
chmod 600 "$WORK/ed.pem"
with_key "$WORK/ed.pem"
"$MXGATE" -n -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n refuses a key owned by someone other than root and the daemon's user"
expect_grep "$WORK/ed.pem: the key is owned by uid $(id -u nobody), not by root$" "$WORK/out" "naming the file"

# a 1024-bit RSA key loads with a warning
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$WORK/short.pem" 2>/dev/null
chmod 600 "$WORK/short.pem"
with_key "$WORK/short.pem"
"$MXGATE" -n -c "$WORK/key.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 0 "a 1024-bit RSA key is accepted"
expect_grep "warning: $WORK/key.conf:$kl: key \"k\": $WORK/short.pem: an RSA key of 1024 bits; 2048 or more are recommended" \
    "$WORK/out" "with a warning"
