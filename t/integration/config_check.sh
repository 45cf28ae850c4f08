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
