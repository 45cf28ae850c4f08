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
check_bad rcptverify_primary 'checks = {\n  rcptverify = { domains = [ "example.net" ];\n    primaries = [ "mx1.example.net:25" ]; };\n};\n' \
    "3: checks.rcptverify: primaries: \"mx1.example.net:25\" is not an address literal with an optional port (\"192.0.2.25:25\", \"[2001:db8::25]:25\")"
check_bad rcptverify_nothing 'checks = { rcptverify = { domains = [ "example.net" ]; }; };\n' \
    "2: checks.rcptverify: rcptverify needs primaries to probe, or a recipients list"
check_bad rcptverify_no_domains 'checks = { rcptverify = { primaries = [ "192.0.2.25" ]; }; };\n' \
    "2: checks.rcptverify: rcptverify needs domains (the relayed domains it verifies)"
check_bad rcptverify_file 'checks = { rcptverify = { domains = "file:no-such-file"; recipients = [ "a@x" ]; }; };\n' \
    "2: checks.rcptverify: cannot read $WORK/no-such-file: No such file or directory"
check_bad rcptverify_word 'rules = ( { if = "rcptverify is fail"; do = "log"; } );\n' \
    "2: rule 1: condition \"rcptverify is fail\", column 15: check rcptverify has no result \"fail\""
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

# The rule language: unknown checks and words, malformed networks and
# patterns, bad actions and rule settings, each with file and line.
check_bad unknown_check 'rules = ( { if = "spam is high"; do = "reject"; } );\n' \
    "2: rule 1: condition \"spam is high\", column 1: unknown check or fact"
check_bad unknown_word 'rules = ( { if = "spf in (fail, softfial)"; do = "log"; } );\n' \
    "2: rule 1: condition \"spf in (fail, softfial)\", column 15: check spf has no result \"softfial\""
check_bad list_cidr 'lists = {\n  nets = [ "192.0.2.0/24",\n           "10.0.0.0/33" ];\n};\n' \
    "4: list nets: \"10.0.0.0/33\": bad prefix length (0..32)"
check_bad list_host_bits 'lists = { nets = [ "10.1.0.0/8" ]; };\n' \
    "2: list nets: \"10.1.0.0/8\": address has bits set beyond the /8 prefix"
check_bad list_glob 'lists = { helos = [ "[abc" ]; };\n' \
    "2: list helos: \"[abc\": a '[' without its ']'"
check_bad inline_cidr 'rules = ( { if = "client_addr in (192.0.2.0/24, 2001:db8::/129)"; do = "accept"; } );\n' \
    "2: rule 1: condition \"client_addr in (192.0.2.0/24, 2001:db8::/129)\", column 16: \"2001:db8::/129\": bad prefix length (0..128)"
check_bad inline_quote "rules = ( { if = \"helo_name is 'x.example\"; do = \"reject\"; } );\\n" \
    "2: rule 1: condition \"helo_name is 'x.example\", column 14: quote without its end"
check_bad unknown_list 'rules = ( { if = "client_addr in allow_clients"; do = "accept"; } );\n' \
    "2: rule 1: condition \"client_addr in allow_clients\", column 16: unknown list (define it in lists = { ... })"
check_bad bad_macro 'rules = ( { if = "macro tls_version is x"; do = "log"; } );\n' \
    "2: rule 1: condition \"macro tls_version is x\", column 7: expected a macro name such as {tls_version} or i"
check_bad bad_score_test 'rules = ( { if = "score > lots"; do = "reject"; } );\n' \
    "2: rule 1: condition \"score > lots\", column 9: expected a number"
check_bad bad_score 'rules = ( { do = "score many"; } );\n' \
    "2: rule 1: score needs a number of points from -1000 to 1000"
check_bad bad_add_header 'rules = ( { do = "add_header X-Policy"; } );\n' \
    "2: rule 1: add_header needs NAME: TEXT (a name of at most 64 characters)"
check_bad own_header 'rules = (\n  { do = "log"; },\n  { do = "add_header Received-SPF: pass"; }\n);\n' \
    "4: rule 2: Received-SPF is written by mxgate itself"
check_bad rule_setting 'rules = ( { if = "rcpt is x"; do = "reject"; shaddow = true; } );\n' \
    "2: unknown setting \"shaddow\" in rule 1 (if, do, shadow)"
check_bad rule_shadow 'rules = ( { do = "reject"; shadow = 1; } );\n' "2: shadow must be true or false"
check_bad global_shadow 'shadow = "yes";\n' "2: shadow must be true or false"

# A bad entry of a list file is named with the list file's own line.
printf '# clients we never refuse\n198.51.100.0/24\n\n2001:db8::/129   # typo\n' > "$WORK/allow-clients"
printf 'socket = "unix:/tmp/x.sock";\nlists = { allow_clients = "file:allow-clients"; };\n' > "$WORK/listfile.conf"
"$MXGATE" -n -c "$WORK/listfile.conf" > "$WORK/out" 2>&1; rc=$?
expect_eq "$rc" 1 "-n exits 1 for a bad list file entry"
expect_eq "$(cat "$WORK/out")" "$WORK/allow-clients:4: list allow_clients: \"2001:db8::/129\": bad prefix length (0..128)" \
    "a bad list file entry is named with the list file and its line"
check_bad metrics_listen 'metrics = {\n  listen = "localhost:9469";\n};\n' \
    "3: metrics.listen: \"localhost:9469\" is not ADDRESS:PORT or [IPV6]:PORT"
check_bad metrics_port 'metrics = { listen = "127.0.0.1:65536"; };\n' \
    "2: metrics.listen: \"127.0.0.1:65536\" is not ADDRESS:PORT or [IPV6]:PORT"
check_bad metrics_v6_brackets 'metrics = { listen = "::1:9469"; };\n' \
    "2: metrics.listen: \"::1:9469\" is not ADDRESS:PORT or [IPV6]:PORT"
check_bad metrics_remote 'metrics = {\n  listen = "0.0.0.0:9469";\n};\n' \
    "3: metrics.listen 0.0.0.0:9469 is not a loopback address; the endpoint has no authentication: set metrics.allow_remote = true to serve it there"
check_bad metrics_unknown 'metrics = { port = 9469; };\n' \
    "2: unknown setting \"port\" in metrics"
printf 'socket = "unix:/tmp/x.sock";\nmetrics = { listen = "[::1]:9469"; };\n' > "$WORK/m6.conf"
printf 'socket = "unix:/tmp/x.sock";\nmetrics = { listen = "192.0.2.1:9469"; allow_remote = true; };\n' > "$WORK/mr.conf"
for f in m6 mr; do
    "$MXGATE" -n -c "$WORK/$f.conf" > "$WORK/out" 2>&1; rc=$?
    expect_eq "$rc:$(cat "$WORK/out")" "0:configuration OK" "metrics.listen accepted: $f"
done

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
