#!/bin/bash
# config_check.sh - mxgate -n says "configuration OK" or names file and line,
# and start-up refuses a broken or unreadable file with a clear message.
. "$T/lib/common.sh"

# The shipped file as installed, but with an account every machine has
# (cmake --install creates the mxgate user; the test suite does not install).
sed 's|^user .*|user = "nobody";|' "$T/../contrib/mxgate.conf" > "$WORK/shipped.conf"
cp "$T/../contrib/freemail-domains" "$WORK/"
"$MXGATE" -n -c "$WORK/shipped.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 0 "the shipped configuration passes -n"
expect_eq "$(cat "$WORK/out")" "configuration OK" "-n prints configuration OK"

# The commented DNS list example of the shipped file, uncommented, passes too.
a=$(grep -n '^  # dnsbl = {' "$WORK/shipped.conf" | cut -d: -f1)
b=$(grep -n '^  # rhsbl_helo = {' "$WORK/shipped.conf" | cut -d: -f1)
c=$(grep -n '^  # { if = "dnswl is listed"' "$WORK/shipped.conf" | cut -d: -f1)
[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] || fail "the shipped file has no commented DNS list example"
sed -e "$a,$((b + 2))s/^  # /  /" -e "$c,$((c + 4))s/^  # /  /" "$WORK/shipped.conf" > "$WORK/dnsl.conf"
expect_grep '^  dnsbl = \{' "$WORK/dnsl.conf" "the DNS list example is uncommented"
"$MXGATE" -n -c "$WORK/dnsl.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc:$(cat "$WORK/out")" "0:configuration OK" "the shipped DNS list example passes -n"

cat > "$WORK/bad.conf" <<'CONF'
socket = "unix:/tmp/x.sock";
rules = (
  { if = "iprev is fial"; do = "reject"; }
);
CONF
"$MXGATE" -n -c "$WORK/bad.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n exits 1 for a broken rule"
expect_eq "$(cat "$WORK/out")" "$WORK/bad.conf:3: rule 1: condition \"iprev is fial\", column 10: check iprev has no result \"fial\"" \
    "-n names file, line and problem"

printf 'socket = "unix:/tmp/x.sock";\nlists = {\n  freemail = "file:no-such-list";\n};\n' > "$WORK/list.conf"
"$MXGATE" -n -c "$WORK/list.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n exits 1 for a list file that cannot be read"
expect_eq "$(cat "$WORK/out")" "$WORK/list.conf:3: list freemail: cannot read $WORK/no-such-list: No such file or directory" \
    "a missing list file is named with the configuration's file and line"

printf 'store = "sqlite:relative.db";\n' > "$WORK/store.conf"
"$MXGATE" -n -c "$WORK/store.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n exits 1 for a bad store"
expect_grep "^$WORK/store.conf:1: store: " "$WORK/out" "a bad store spec is named with file and line"

# check_bad NAME TEXT MESSAGE - a configuration mxgate -n refuses with MESSAGE
check_bad() {
    printf 'socket = "unix:/tmp/x.sock";\n%b' "$2" > "$WORK/$1.conf"
    "$MXGATE" -n -c "$WORK/$1.conf" > "$WORK/out" 2>&1; rc=$?
    expect_eq "$rc" 1 "-n exits 1: $1"
    expect_eq "$(cat "$WORK/out")" "$WORK/$1.conf:$3" "$1 is named with file and line"
}
check_bad dkim_bits 'checks = {\n  dkim = { min_key_bits = 512; };\n};\n' \
    "3: checks.dkim: min_key_bits must be a whole number from 1024 to 16384"
check_bad dmarc_standard 'checks = { dmarc = { standard = "rfc7490"; }; };\n' \
    "2: checks.dmarc: standard must be \"rfc9989\" or \"rfc7489\""
check_bad sanity_word 'rules = ( { if = "sanity is html"; do = "log"; } );\n' \
    "2: rule 1: condition \"sanity is html\", column 11: check sanity has no result \"html\""
check_bad quarantine_args 'rules = ( { if = "dmarc is quarantine"; do = "quarantine {nope}"; } );\n' \
    "2: rule 1: unknown placeholder \"{nope}\" in reply text"
check_bad dnsbl_zone 'checks = {\n  dnsbl = { zones = ( { zone = "bl..example"; } ); };\n};\n' \
    "3: checks.dnsbl: zone \"bl..example\" is not a DNS zone name"
check_bad dnswl_code 'checks = {\n  dnswl = {\n    zones = ( { zone = "wl.example"; codes = [ "127.0.10.3-127.0.10.0" ]; } );\n  };\n};\n' \
    "3: checks.dnswl: zone wl.example: code \"127.0.10.3-127.0.10.0\" is not an IPv4 address or range A-B"
check_bad rhsbl_weight 'checks = { rhsbl = { zones = ( { zone = "dbl.example"; weight = -2; } ); }; };\n' \
    "2: checks.rhsbl: weight must be a number from 0 to 1000"
check_bad rhsbl_helo_threshold 'checks = { rhsbl_helo = { threshold = 0; }; };\n' \
    "2: checks.rhsbl_helo: threshold must be a number above 0, at most 1000"
check_bad dnsbl_word 'rules = ( { if = "dnsbl is blocked"; do = "reject"; } );\n' \
    "2: rule 1: condition \"dnsbl is blocked\", column 10: check dnsbl has no result \"blocked\""

printf 'socket = "unix:/tmp/x.sock";\nsocket_mode = ;\n' > "$WORK/syntax.conf"
"$MXGATE" -n -c "$WORK/syntax.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n exits 1 for a syntax error"
expect_grep "^$WORK/syntax.conf:2: syntax error" "$WORK/out" "a syntax error names file and line"

"$MXGATE" -f -c "$WORK/bad.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "start-up with an invalid configuration exits 1"
expect_grep "^mxgate: $WORK/bad.conf:3: " "$WORK/out" "start-up says file:line"

"$MXGATE" -f -c "$WORK/missing.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "start-up with a missing file exits 1"
expect_grep "cannot read the configuration: No such file" "$WORK/out" "and says why"

"$MXGATE" -x > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 2 "an unknown option is a usage error"
"$MXGATE" -V > "$WORK/out" 2>&1
expect_grep '^mxgate [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/out" "-V prints the version"
