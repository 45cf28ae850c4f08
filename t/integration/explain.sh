#!/bin/bash
# explain.sh - mxgatectl explain decides as the daemon does. Golden cases of
# one transaction each (shipped-cases under the shipped configuration,
# dmarc-cases with messages signed with DKIM, spf-cases, the iprev cases/
# with forged Authentication-Results, rules-cases with a condition and an
# action of each kind and a shadow rule, dnsl-cases with DNS lists; DNS from
# NSD on loopback, DNS failures among them) are replayed twice: through the running
# daemon with milterc, and through explain (explain_args.py turns a milterc
# script into explain's arguments and a message file). Both must give the
# case's expected replies byte for byte (headers mxgate adds included), and
# each decision line explain shows must be the line the daemon logged.
# Greylisting in explain reads the store and writes nothing unless -w or -s.
# A message from an SMTP AUTH client gets the daemon's DKIM signature (its
# time and signature bytes aside).
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"

PY=/usr/bin/python3

# explain_case SCRIPT NAME [OPTION...] - explain the script's transaction
# into $WORK/x/NAME/out, its replies block into $WORK/x/NAME/replies;
# returns 3 (prints nothing) when the script is not one transaction
explain_case() {
    script=$1 dir="$WORK/x/$2"; shift 2
    rm -rf "$dir"; mkdir -p "$dir"
    "$PY" "$T/integration/explain_args.py" "$script" "$dir"; rc=$?
    [ $rc = 3 ] && return 3
    [ $rc = 0 ] || fail "$script: explain_args.py failed"
    mapfile -t args < "$dir/args"
    "$MXGATECTL" -c "$WORK/mxgate.conf" explain "$@" "${args[@]}" > "$dir/out" 2> "$dir/err" ||
        { cat "$dir/err" "$dir/out" >&2; fail "$2: explain failed"; }
    [ -s "$dir/err" ] && { cat "$dir/err" >&2; fail "$(basename "$dir"): explain wrote on stderr"; }
    sed -n '/^replies as the MTA gets them:$/,$p' "$dir/out" | tail -n +2 > "$dir/replies"
    return 0
}

# explain_cases DIR - every one-transaction case of DIR through explain; its
# replies must be DIR/NAME.expected. Sets EXPLAINED (the case names).
explain_cases() {
    EXPLAINED=""
    for script in "$1"/*.script; do
        name=$(basename "$script" .script)
        explain_case "$script" "$name" || continue
        diff -u "$1/$name.expected" "$WORK/x/$name/replies" >&2 ||
            { cat "$WORK/x/$name/out" >&2; fail "$name: explain's replies are not the daemon's"; }
        pass "$name: explain gives the expected replies"
        EXPLAINED="$EXPLAINED $name"
    done
}

# same_log_lines - each decision explain showed was logged by the daemon,
# word for word (explain's queue id is EXPLAIN where the MTA sent none)
same_log_lines() {
    for name in $EXPLAINED; do
        sed -n 's/^  log: EXPLAIN: /  log: NOQUEUE: /; s/^  log: //p' "$WORK/x/$name/out" | while IFS= read -r line; do
            grep -qF -- "$line" "$MXGATE_LOG" || fail "$name: the daemon did not log: $line"
        done || exit 1
    done
    pass "every decision line explain showed is one the daemon logged"
}

# at_least N WHAT - EXPLAINED names at least N cases
at_least() {
    set -- "$1" "$2" $EXPLAINED
    [ $(($# - 2)) -ge "$1" ] || fail "only $(($# - 2)) cases of $2 were explained"
    pass "$(($# - 2)) cases of $2 explained"
}

# rows TABLE - the rows of TABLE in the store ("0" when it has no such table yet)
rows() { sqlite3 -batch "$WORK/state.db" "SELECT count(*) FROM $1" 2> /dev/null || echo 0; }

command -v sqlite3 > /dev/null || fail "the sqlite3 CLI is missing (contrib/deps-debian.sh --test)"
dns_start example.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa spf.test dkim.test dmarc.test test \
    dnsl.test

# --- the shipped configuration, as shipped_policy.sh runs it --------------
mxgate_shipped_config

# explain first: it must leave the store as it found it, so that the daemon
# then greylists the same first attempts
explain_cases "$T/integration/shipped-cases"
at_least 15 shipped-cases
expect_eq "$(rows grey)/$(rows dmarc)" "0/0" "explain recorded no greylist triplet and no DMARC row"
out="$WORK/x/spf_softfail_is_greylisted/out"
expect_grep '^  check greylist: new \(first attempt, a retry passes in 300 s\)$' "$out" \
    "explain says what greylisting would answer: a first attempt"
expect_grep '^  rule [0-9]+ \(.*/mxgate\.conf:[0-9]+\): if ".*spf in \(softfail.*" do greylist 451 4\.7\.1: MATCHED$' "$out" \
    "explain shows the greylist rule that matched, with its file:line"
out="$WORK/x/spf_temperror/out"
expect_grep '^  check spf: temperror ' "$out" "a DNS failure is an SPF temperror in explain"
expect_grep '^  reply: tempfail 451 4\.4\.3 ' "$out" "and the reply is a 4xx"

mxgate_start
golden_cases "$T/integration/shipped-cases"
same_log_lines

# Greylisting against what the daemon recorded: read, not written (-w writes).
triplets=$(rows grey)
attempts() { sqlite3 -batch "$WORK/state.db" "SELECT sum(attempts) FROM grey"; }
before=$(attempts)
explain_case "$T/integration/shipped-cases/spf_softfail_is_greylisted.script" again
expect_grep '^  check greylist: early \(early attempt, a retry passes in [0-9]+ s\)$' "$WORK/x/again/out" \
    "explain reads the daemon's triplet: an early retry"
expect_eq "$(rows grey)/$(attempts)" "$triplets/$before" "explain wrote nothing to the store"
explain_case "$T/integration/shipped-cases/spf_softfail_is_greylisted.script" again -w
expect_eq "$(attempts)" "$((before + 1))" "explain -w counts the attempt in the configured store, as the daemon would"
explain_case "$T/integration/shipped-cases/spf_softfail_is_greylisted.script" other -s "sqlite:$WORK/other.db"
expect_grep '^  check greylist: new ' "$WORK/x/other/out" "explain -s uses another store"
expect_eq "$(sqlite3 -batch "$WORK/other.db" 'SELECT count(*) FROM grey')" 1 "and writes to it"
mxgate_stop

# --- DMARC and DKIM: messages ----------------------------------------------
: > "$MXGATE_LOG"
mxgate_config "$T/integration/dmarc-test.conf" -e "\$a store = \"sqlite:$WORK/dmarc.db\";"
explain_cases "$T/integration/dmarc-cases"
at_least 20 dmarc-cases
out="$WORK/x/dns_failure/out"
expect_grep '^  check dmarc: temperror ' "$out" "a _dmarc lookup that fails is a DMARC temperror in explain"
expect_grep '^eom: tempfail 451 4\.7\.0 DMARC policy of temp\.unserved\.example could not be checked' "$out" \
    "and the end of message is deferred, never refused"
expect_grep '^  check dkim: pass' "$WORK/x/unaligned_reject/out" "explain verifies the message's DKIM signature"
expect_grep '^  log: 4DK1M01: reject: END-OF-MESSAGE .* check=dmarc:reject rule=3 \(.*/mxgate\.conf:[0-9]+\)$' \
    "$WORK/x/unaligned_reject/out" "explain shows the decision line with the queue id given by -m i=..."
expect_grep '^  add header: Authentication-Results: mx\.example\.net; ' "$WORK/x/spf_aligned/out" \
    "explain shows the Authentication-Results header mxgate adds"
mxgate_start
golden_cases "$T/integration/dmarc-cases"
same_log_lines
mxgate_stop

# --- SPF -------------------------------------------------------------------
: > "$MXGATE_LOG"
mxgate_config "$T/integration/spf-test.conf" -e "\$a store = \"sqlite:$WORK/spf.db\";"
explain_cases "$T/integration/spf-cases"
at_least 20 spf-cases
mxgate_start
golden_cases "$T/integration/spf-cases"
same_log_lines
mxgate_stop

# --- iprev, exemptions, forged Authentication-Results removed (cases/) ----
: > "$MXGATE_LOG"
mxgate_config "$T/integration/mxgate-test.conf" -e "\$a store = \"sqlite:$WORK/iprev.db\";"
explain_cases "$T/integration/cases"
at_least 10 cases
expect_grep '^  remove header: Authentication-Results #4 ' "$WORK/x/authres_forged/out" \
    "explain shows the forged Authentication-Results headers mxgate removes"
mxgate_start
golden_cases "$T/integration/cases"
same_log_lines
mxgate_stop

# --- the rule language: each kind of condition and action (rules-cases/) ---
: > "$MXGATE_LOG"
cp "$T/integration/rules-bad-helos" "$WORK/"
mxgate_config "$T/integration/rules-test.conf" -e "s|@STORE@|$WORK/rules.db|"
explain_cases "$T/integration/rules-cases"
at_least 15 rules-cases
grep -l '^    (in shadow mode: logged and counted, not enforced)$' "$WORK"/x/*/out > /dev/null ||
    fail "explain did not say that a shadow rule is not enforced"
pass "explain says when a matching rule is in shadow mode"
mxgate_start
golden_cases "$T/integration/rules-cases"
same_log_lines
mxgate_stop

# --- DNS lists: listed, allow-listed at connect, a zone that fails (dnsl-cases/)
: > "$MXGATE_LOG"
mxgate_config "$T/integration/dnsl-test.conf" -e "s|@STORE@|$WORK/dnsl.db|"
explain_cases "$T/integration/dnsl-cases"
at_least 10 dnsl-cases
mxgate_start
golden_cases "$T/integration/dnsl-cases"
same_log_lines
mxgate_stop

# --- DKIM signing: an SMTP AUTH client's message ---------------------------
: > "$MXGATE_LOG"
"$MXGATECTL" -c "$WORK/none.conf" keygen -d example.net -s r2026 -o "$WORK/net-r.pem" \
    > /dev/null 2> "$WORK/keygen.err" || { cat "$WORK/keygen.err" >&2; fail "keygen"; }
cat > "$WORK/mxgate.conf" << EOF
socket = "$MXGATE_SOCKET";
pidfile = "$WORK/mxgate.pid";
log = { to = "file:$MXGATE_LOG"; level = "info"; };
dns = { servers = [ $DNS_SERVERS ]; timeout = 0.5; tries = 2; budget = 3; };
store = "sqlite:$WORK/sign.db";
trusted = { networks = [ "127.0.0.0/8" ]; authenticated = true; };
sign = {
  keys = ( { name = "net-r"; domain = "example.net"; selector = "r2026"; file = "$WORK/net-r.pem"; } );
  table = ( { from = "example.net"; keys = [ "net-r" ]; } );
};
EOF
cat > "$WORK/signed.script" << 'EOF'
macro mail {auth_authen} alice
macro mail i 4SIGN01
connect laptop.example.test 4 198.51.100.9 40000
helo laptop
mail <alice@example.net>
rcpt <carol@example.com>
data
header From: Alice <alice@example.net>
header To: carol@example.com
header Subject: signed by mxgate
header Date: Sun, 22 Nov 2026 10:00:00 +0000
eoh
body Hello Carol.
eom
quit
EOF
# unsigned FILE - the replies with DKIM-Signature's times and signature bytes masked
unsigned() { sed -E 's/([tx])=[0-9]+/\1=N/g; s/(\\t|; )b=.*$/\1b=B/' "$1"; }
explain_case "$WORK/signed.script" signed
expect_grep '^  add header: DKIM-Signature: v=1; a=rsa-sha256; .*d=example\.net; s=r2026;' "$WORK/x/signed/out" \
    "explain shows the DKIM signature mxgate adds for an authenticated sender"
mxgate_start
"$MILTERC" -s "$MXGATE_SOCKET" "$WORK/signed.script" > "$WORK/signed.out" 2> "$WORK/signed.err" ||
    { cat "$WORK/signed.err" >&2; fail "milterc failed"; }
mxgate_stop
grep -q '^eom: insheader 0 DKIM-Signature: ' "$WORK/signed.out" ||
    { cat "$WORK/signed.out" >&2; fail "the daemon did not sign"; }
diff -u <(unsigned "$WORK/signed.out") <(unsigned "$WORK/x/signed/replies") >&2 ||
    fail "explain's signature is not the daemon's (times and signature bytes aside)"
pass "explain signs as the daemon does: same replies, same signature tags and body hash"

# --- usage -----------------------------------------------------------------
"$MXGATECTL" -c "$WORK/mxgate.conf" explain 192.0.2.10 helo.example a@b.example > /dev/null 2>&1
expect_eq "$?" 2 "explain without a recipient is a usage error"
"$MXGATECTL" -c "$WORK/mxgate.conf" explain not-an-ip helo.example a@b.example c@d.example > /dev/null 2>&1
expect_eq "$?" 2 "explain with a bad client address is a usage error"
