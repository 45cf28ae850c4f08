#!/bin/bash
# postfix_dmarc.sh - DKIM, DMARC and Authentication-Results end to end through
# a real Postfix: a message from a p=reject domain signed by python3-dkim,
# carrying a forged Authentication-Results header in our name, reaches the
# sink with dkim=pass and dmarc=pass in our header and without the forged
# one; the same message with its body changed after signing, and one signed
# by another domain, are refused at end of DATA with 550 5.7.1.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/postfix.sh"

dns_start example.test 2.0.192.in-addr.arpa dkim.test dmarc.test test
mxgate_config "$T/integration/dmarc-test.conf"
printf 'socket_mode = "0666";\n' >> "$WORK/mxgate.conf"
printf 'store = "sqlite:%s/state.db";\n' "$WORK" >> "$WORK/mxgate.conf" # its DMARC history
mxgate_start
postfix_start "unix:$WORK/mxgate.sock"

cat > "$WORK/plain.eml" <<'MSG'
From: Alice <alice@reject.dmarc.test>
To: bob@example.net
Subject: signed end to end
Date: Sun, 22 Nov 2026 10:00:00 +0000
Message-ID: <e2e-dkim@dkim.test>

Hello Bob, this is signed.
MSG
/usr/bin/python3 "$T/dkim/sign.py" "$T/dkim/keys/rsa2048.pem" rsa reject.dmarc.test \
    < "$WORK/plain.eml" > "$WORK/signed.eml" || fail "python3-dkim could not sign"
/usr/bin/python3 "$T/dkim/sign.py" "$T/dkim/keys/rsa2048.pem" rsa dkim.test \
    < "$WORK/plain.eml" > "$WORK/unaligned.eml" || fail "python3-dkim could not sign"
{ printf 'Authentication-Results: mx.example.net; dkim=pass header.d=forged.example\r\n'
  cat "$WORK/signed.eml"; } > "$WORK/forged-ar.eml"
sed 's/this is signed/this was changed/' "$WORK/signed.eml" > "$WORK/changed.eml"

# send NAME - one session from 192.0.2.10 (mx.example.test) with NAME.eml
send() {
    swaks --server "$PF_ADDR" --port "$PF_PORT" --helo mx.example.test \
        --xclient "ADDR=192.0.2.10 NAME=mx.example.test" --from alice@dkim.test \
        --to bob@example.net --data "$WORK/$1.eml" --timeout 60 > "$WORK/swaks.$1" 2>&1
}

send forged-ar
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.forged-ar" "a signed message is accepted"
wait_for "grep -l 'Subject: signed end to end' $PF_SINK/* 2>/dev/null | grep -q ." 30 ||
    fail "the accepted message did not reach the sink"
msg=$(grep -l 'Subject: signed end to end' $PF_SINK/*)
expect_grep '^Authentication-Results: mx\.example\.net; iprev=pass policy\.iprev=192\.0\.2\.10 \(mx\.example\.test\); spf=none smtp\.mailfrom=alice@dkim\.test; dkim=pass header\.d=reject\.dmarc\.test header\.s=rsa header\.a=rsa-sha256 header\.b=[^;]*; dmarc=pass \(p=reject dis=none\) header\.from=reject\.dmarc\.test policy\.dmarc=reject$' \
    "$msg" "it arrives with dkim=pass and dmarc=pass in our Authentication-Results"
expect_no_grep 'forged\.example' "$msg" "the forged Authentication-Results in our name is gone"
[ "$(grep -c '^Authentication-Results:' "$msg")" = 1 ] ||
    fail "exactly one Authentication-Results header, ours, reaches the sink"
pass "exactly one Authentication-Results header, ours, reaches the sink"

send changed
expect_grep '^<\*\* +550 5\.7\.1 Unauthenticated message not accepted due to DMARC policy of reject\.dmarc\.test' \
    "$WORK/swaks.changed" "changed after signing, p=reject: refused at end of DATA with 550 5.7.1"
send unaligned
expect_grep '^<\*\* +550 5\.7\.1 Unauthenticated message not accepted due to DMARC policy of reject\.dmarc\.test' \
    "$WORK/swaks.unaligned" "signed by another domain, p=reject: refused at end of DATA with 550 5.7.1"

# A 90 KiB header (under Postfix's header_size_limit of 100 KiB) reaches the
# milter in one packet, beyond the protocol's 64 KiB default: accepted, not
# turned into a tempfail by a dropped milter connection.
{ printf 'X-Long: %s\r\n' "$(head -c 92160 /dev/zero | tr '\0' x)"; cat "$WORK/signed.eml"; } > "$WORK/longheader.eml"
send longheader
expect_grep '^<- +250 2\.0\.0 Ok: queued' "$WORK/swaks.longheader" \
    "a signed message with a 90 KiB header line is accepted through Postfix"
mxgate_stop
