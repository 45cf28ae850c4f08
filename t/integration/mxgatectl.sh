#!/bin/bash
# mxgatectl.sh - the operator's greylist commands against the store of a
# running daemon: list and show what real sessions recorded (client network,
# null sender, SPF-keyed origin), stats before and after housekeeping,
# expire, drop (the dropped triplet is greylisted again), allow (a new
# triplet from the allowed network passes at once), usage errors (exit 2),
# nothing matched (exit 1), a store that cannot answer (exit 75), and, as
# root, the switch to the daemon's user before the store is opened.
. "$T/lib/common.sh"
. "$T/lib/mxgate.sh"
. "$T/lib/session.sh"

dns_start example.test 2.0.192.in-addr.arpa spf.test
cp "$T/integration/greylist-freemail" "$WORK/"
mxgate_config "$T/integration/greylist-test.conf" -e "s|@STORE@|$WORK/state.db|"
mxgate_start

# ctl NAME ARGS... - run mxgatectl on the test's configuration: its status
# in $rc, stdout in $WORK/NAME.ctl with every time as YYYY-MM-DD hh:mm:ss
# (same width, so the columns stay where they were), stderr in NAME.stderr
ctl() {
    name=$1; shift
    "$MXGATECTL" -c "$WORK/mxgate.conf" "$@" > "$WORK/$name.raw" 2> "$WORK/$name.stderr"; rc=$?
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/YYYY-MM-DD hh:mm:ss/g' \
        "$WORK/$name.raw" > "$WORK/$name.ctl"
}

# prints NAME WHAT - NAME exited 0, wrote nothing on stderr and stdin on stdout
prints() {
    [ "$rc" = 0 ] || { cat "$WORK/$1.stderr" >&2; fail "$2: exit status $rc"; }
    [ -s "$WORK/$1.stderr" ] && { cat "$WORK/$1.stderr" >&2; fail "$2: wrote on stderr"; }
    diff -u - "$WORK/$1.ctl" >&2 || fail "$2"
    pass "$2"
}

# refuses NAME STATUS WHAT - NAME exited STATUS, printed nothing on stdout
# and stdin on stderr
refuses() {
    [ "$rc" = "$2" ] || { cat "$WORK/$1.stderr" >&2; fail "$3: exit status $rc, expected $2"; }
    [ -s "$WORK/$1.raw" ] && { cat "$WORK/$1.raw" >&2; fail "$3: wrote on stdout"; }
    diff -u - "$WORK/$1.stderr" >&2 || fail "$3"
    pass "$3"
}

# age FILE - seconds since FILE was written
age() { echo $(( $(date +%s) - $(stat -c %Y "$1") )); }

GREY='tempfail 451 4.7.1 Greylisted, try again later'
T19='YYYY-MM-DD hh:mm:ss'

# --- what real sessions record ----------------------------------------------

session a1 192.0.2.40 bob@softfail.spf.test carol@example.net dave@example.net
replies a1 "192.0.2.40 (no PTR), first attempt: deferred" <<E
rcpt <carol@example.net>: $GREY
rcpt <dave@example.net>: $GREY
E
session b1 192.0.2.50 "" frank@example.net
replies b1 "the null sender from 192.0.2.50: deferred at end of data" <<E
rcpt <frank@example.net>: continue
eom: $GREY
E
session c1 192.0.2.10 gina@free.spf.test hal@example.net
replies c1 "a freemail sender with SPF pass: deferred, keyed by the SPF domain" <<E
rcpt <hal@example.net>: $GREY
E

ctl list greylist list
prints list "list: every triplet, oldest first, the null sender as <>" <<E
ORIGIN             SENDER                 RECIPIENT          STATE    FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
192.0.2.32/28      bob@softfail.spf.test  carol@example.net  pending  $T19  $T19  $T19  1
192.0.2.32/28      bob@softfail.spf.test  dave@example.net   pending  $T19  $T19  $T19  1
192.0.2.48/28      <>                     frank@example.net  pending  $T19  $T19  $T19  1
spf:free.spf.test  gina@free.spf.test     hal@example.net    pending  $T19  $T19  $T19  1
E
first=$(awk 'NR == 2 { print $5, $6 }' "$WORK/list.raw")
expect_eq "$(awk 'NR == 2 { print $7, $8 }' "$WORK/list.raw")" "$first" \
    "first and last seen of a triplet seen once are the same local time"
expect_eq "$(date -d "$(awk 'NR == 2 { print $9, $10 }' "$WORK/list.raw")" +%s)" \
    "$(( $(date -d "$first" +%s) + 5 ))" "a pending triplet expires retry_window (5 s) after it was first seen"

ctl pending greylist list pending
expect_eq "$(sed 1d "$WORK/pending.ctl" | wc -l)" 4 "list pending: the four live pending triplets"
ctl passed greylist list passed
prints passed "list passed: none yet" <<E
no triplets
E
ctl nets greylist list nets
prints nets "list nets: no network has passed a retry yet" <<E
no networks
E

ctl show40 greylist show 192.0.2.40
prints show40 "show ADDRESS: its greylist network (net4 = 28) and that network's triplets" <<E
192.0.2.40 is greylisted as 192.0.2.32/28

ORIGIN         SENDER                 RECIPIENT          STATE    FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
192.0.2.32/28  bob@softfail.spf.test  carol@example.net  pending  $T19  $T19  $T19  1
192.0.2.32/28  bob@softfail.spf.test  dave@example.net   pending  $T19  $T19  $T19  1
E
ctl showspf greylist show spf:FREE.spf.test
prints showspf "show spf:DOMAIN: the triplets keyed by the SPF-passed domain" <<E
ORIGIN             SENDER              RECIPIENT        STATE    FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
spf:free.spf.test  gina@free.spf.test  hal@example.net  pending  $T19  $T19  $T19  1
E
ctl shownull greylist show '<>'
prints shownull "show <>: the null sender's triplets" <<E
ORIGIN         SENDER  RECIPIENT          STATE    FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
192.0.2.48/28  <>      frank@example.net  pending  $T19  $T19  $T19  1
E
ctl showsender greylist show '<Bob+list@SoftFail.spf.test>'
expect_eq "$(awk 'NR > 1 { print $3 }' "$WORK/showsender.ctl" | tr '\n' ' ')" \
    "carol@example.net dave@example.net " "show SENDER: normalized as the daemon keys it (case, +extension, brackets)"
ctl show99 greylist show 192.0.2.99
refuses show99 1 "show: nothing known exits 1 and names the network" <<E
mxgatectl: nothing known about 192.0.2.96/28 (the greylist network of 192.0.2.99)
E
ctl show6 greylist show 2001:db8:1:2:3::9
refuses show6 1 "an IPv6 address stands for its /64 (the default net6)" <<E
mxgatectl: nothing known about 2001:db8:1:2::/64 (the greylist network of 2001:db8:1:2:3::9)
E

# --- a retry passes; stats and housekeeping -----------------------------------

while [ "$(age "$WORK/a1.out")" -lt 2 ]; do sleep 0.2; done
session a2 192.0.2.40 bob@softfail.spf.test carol@example.net
replies a2 "the retry after the delay passes" <<E
rcpt <carol@example.net>: continue
eom: continue
E
ctl passed greylist list passed
prints passed "list passed: the passed triplet, with its two attempts" <<E
ORIGIN         SENDER                 RECIPIENT          STATE   FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
192.0.2.32/28  bob@softfail.spf.test  carol@example.net  passed  $T19  $T19  $T19  2
E
ctl nets greylist list nets
prints nets "list nets: the network counts one pass (auto_allow is 2), not allowed" <<E
NET            PASSES  ALLOWED UNTIL  BY
192.0.2.32/28  1       -              -
E

# the three triplets still pending were recorded more than retry_window ago
while [ "$(age "$WORK/c1.out")" -le 5 ]; do sleep 0.2; done
ctl stats1 greylist stats
prints stats1 "stats: the pending triplets not retried in time await housekeeping" <<E
pending triplets                  0
passed triplets                   1
expired, awaiting housekeeping    3
networks allowed automatically    0
networks allowed by the operator  0
E
ctl list greylist list
expect_eq "$(awk 'NR > 1 { print $3 "=" $4 }' "$WORK/list.ctl" | tr '\n' ' ')" \
    "carol@example.net=passed dave@example.net=expired frank@example.net=expired hal@example.net=expired " \
    "list: expired triplets are shown as such"
ctl expire greylist expire
prints expire "expire: housekeeping removes the three expired triplets, keeps the rest" <<E
removed 3 expired entries
E
ctl stats2 greylist stats
prints stats2 "stats after expire" <<E
pending triplets                  0
passed triplets                   1
expired, awaiting housekeeping    0
networks allowed automatically    0
networks allowed by the operator  0
E

# --- drop ---------------------------------------------------------------------

ctl drop greylist drop carol@example.net
prints drop "drop ADDRESS: deletes the recipient's triplet" <<E
dropped 1 entry matching carol@example.net
E
session a3 192.0.2.40 bob@softfail.spf.test carol@example.net
replies a3 "the dropped triplet is greylisted again" <<E
rcpt <carol@example.net>: $GREY
E
ctl dropnone greylist drop 198.51.100.7
refuses dropnone 1 "drop: nothing matched exits 1" <<E
mxgatectl: nothing known about 198.51.100.0/28 (the greylist network of 198.51.100.7)
E

# --- allow --------------------------------------------------------------------

ctl allow greylist allow 192.0.2.40
prints allow "allow ADDRESS: its greylist network, for good" <<E
allowed 192.0.2.32/28 (the greylist network of 192.0.2.40) for good
E
session d1 192.0.2.41 ivan@softfail.spf.test judy@example.net
replies d1 "a new triplet from the allowed network (192.0.2.41, same /28) passes at once" <<E
rcpt <judy@example.net>: continue
eom: continue
E
ctl allow7 greylist allow 192.0.2.48/28 7
prints allow7 "allow NETWORK DAYS: until a local time" <<E
allowed 192.0.2.48/28 for 7 days, until $T19
E
until=$(sed -E 's/.*until //' "$WORK/allow7.raw")
now=$(date +%s)
[ $(( $(date -d "$until" +%s) - now - 7 * 86400 )) -ge -5 ] && [ $(( $(date -d "$until" +%s) - now - 7 * 86400 )) -le 0 ] ||
    fail "allow DAYS: $until is not 7 days from now"
pass "the allowance ends 7 days from now"
ctl nets greylist list nets
prints nets "list nets: both networks allowed by the operator" <<E
NET            PASSES  ALLOWED UNTIL        BY
192.0.2.32/28  1       for good             operator
192.0.2.48/28  0       $T19  operator
E
ctl show40 greylist show 192.0.2.40
prints show40 "show ADDRESS: the new pending triplet and the network's row" <<E
192.0.2.40 is greylisted as 192.0.2.32/28

ORIGIN         SENDER                 RECIPIENT          STATE    FIRST SEEN           LAST SEEN            EXPIRES              ATTEMPTS
192.0.2.32/28  bob@softfail.spf.test  carol@example.net  pending  $T19  $T19  $T19  1

NET            PASSES  ALLOWED UNTIL  BY
192.0.2.32/28  1       for good       operator
E
ctl stats3 greylist stats
prints stats3 "stats: counts match what the test did" <<E
pending triplets                  1
passed triplets                   0
expired, awaiting housekeeping    0
networks allowed automatically    0
networks allowed by the operator  2
E

ctl dropsender greylist drop '<Bob+list@SoftFail.spf.test>'
prints dropsender "drop SENDER: normalized as the daemon keys it" <<E
dropped 1 entry matching <Bob+list@SoftFail.spf.test>
E
ctl dropnet greylist drop 192.0.2.48/28
prints dropnet "drop NETWORK: deletes the network's row" <<E
dropped 1 entry matching 192.0.2.48/28
E
ctl list greylist list
prints list "nothing is left but one network" <<E
no triplets
E
ctl nets greylist list nets
prints nets "the allowed network stays" <<E
NET            PASSES  ALLOWED UNTIL  BY
192.0.2.32/28  1       for good       operator
E

# --- usage errors and failures --------------------------------------------------

ctl bad greylist allow 192.0.2.0/24
refuses bad 2 "allow: a network of another size than net4 is a usage error, with the reason" <<E
mxgatectl: greylist allow: 192.0.2.0/24: greylisting counts IPv4 networks of /28 (checks.greylist net4): give an address or a network such as 192.0.2.0/28
usage: mxgatectl [-c FILE] greylist allow ADDRESS|NETWORK [DAYS]
E
ctl bad greylist allow 192.0.2.1/28
refuses bad 2 "allow: host bits beyond the prefix" <<E
mxgatectl: greylist allow: "192.0.2.1/28": address has bits set beyond the /28 prefix
usage: mxgatectl [-c FILE] greylist allow ADDRESS|NETWORK [DAYS]
E
ctl bad greylist allow carol@example.net
refuses bad 2 "allow: an e-mail address is not a network" <<E
mxgatectl: greylist allow: carol@example.net: not an IP address or a network
usage: mxgatectl [-c FILE] greylist allow ADDRESS|NETWORK [DAYS]
E
ctl bad greylist allow 192.0.2.40 0
refuses bad 2 "allow: DAYS must be a positive number" <<E
mxgatectl: greylist allow: 0: DAYS must be a whole number from 1 to 36500
usage: mxgatectl [-c FILE] greylist allow ADDRESS|NETWORK [DAYS]
E
ctl bad greylist show 192.0.2.400
refuses bad 2 "show: neither address, network, e-mail address nor spf:DOMAIN" <<E
mxgatectl: greylist show: 192.0.2.400: not an IP address, a network, an e-mail address, <> or spf:DOMAIN
usage: mxgatectl [-c FILE] greylist show WHAT
E
ctl bad greylist drop
refuses bad 2 "drop: a missing argument" <<E
mxgatectl: greylist drop: missing argument
usage: mxgatectl [-c FILE] greylist drop WHAT
E
ctl bad greylist list everything
refuses bad 2 "list: an unknown selection" <<E
mxgatectl: greylist list: everything: not pending, passed or nets
usage: mxgatectl [-c FILE] greylist list [pending|passed|nets]
E
ctl bad greylist stats now
refuses bad 2 "stats: too many arguments" <<E
mxgatectl: greylist stats: too many arguments
usage: mxgatectl [-c FILE] greylist stats
E
ctl bad greylist frob
[ "$rc" = 2 ] && grep -qx 'mxgatectl: greylist: unknown subcommand "frob"' "$WORK/bad.stderr" ||
    fail "an unknown greylist subcommand: exit $rc"
pass "an unknown greylist subcommand is a usage error"
ctl bad frob
[ "$rc" = 2 ] && grep -qx 'mxgatectl: unknown command "frob"' "$WORK/bad.stderr" ||
    fail "an unknown command: exit $rc"
pass "an unknown command is a usage error"
ctl bad
expect_eq "$rc" 2 "no command is a usage error"
ctl bad -x greylist stats
expect_eq "$rc" 2 "an unknown option is a usage error"

ctl help -h
prints help "-h prints the usage on stdout" <<'E'
usage: mxgatectl [-c FILE] COMMAND [ARG...]
       mxgatectl -h | -V
  -c FILE  configuration file (default /etc/mxgate/mxgate.conf)
  -h       print this help and exit
  -V       print the version and exit
commands:
  explain [-v] [-n NAME] [-m MACRO=VALUE]... [-d MESSAGE] [-w|-s STORE]
          ADDRESS HELO SENDER RCPT...
                                         replay a transaction with live DNS and
                                         say why each reply is what it is
  greylist list [pending|passed|nets]    triplets (all, pending or passed), or networks
  greylist show WHAT                     the triplets and network row WHAT matches
  greylist allow ADDRESS|NETWORK [DAYS]  let a network pass greylisting, for good or DAYS days
  greylist drop WHAT                     forget the triplets and network row WHAT matches
  greylist stats                         counts of triplets and allowed networks
  greylist expire                        remove expired entries now
  WHAT: an IP address (its greylist network), a network, a sender or
        recipient address, <> (the null sender) or spf:DOMAIN
  keygen [-t rsa|ed25519] [-b BITS] -d DOMAIN -s SELECTOR [-o FILE]
                                         a new DKIM key (mode 0600, default
                                         file DOMAIN.SELECTOR.pem) and its TXT record
  stats [-r]                             the running daemon's counters as a
                                         table (-r: the raw exposition)
E
ctl version -V
expect_grep '^mxgatectl [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/version.raw" "-V prints the version"

"$MXGATECTL" -c "$WORK/no-such.conf" greylist stats > /dev/null 2> "$WORK/noconf.stderr"; rc=$?
expect_eq "$rc" 1 "an unreadable configuration exits 1"
expect_grep "^mxgatectl: $WORK/no-such.conf" "$WORK/noconf.stderr" "and names the file"

sed "s|$WORK/state.db|$WORK/no-such-dir/state.db|" "$WORK/mxgate.conf" > "$WORK/nodir.conf"
"$MXGATECTL" -c "$WORK/nodir.conf" greylist stats > "$WORK/nodir.out" 2> "$WORK/nodir.stderr"; rc=$?
expect_eq "$rc" 75 "a store that cannot answer exits 75 (EX_TEMPFAIL)"
expect_grep "^mxgatectl: the state store sqlite:$WORK/no-such-dir/state.db cannot answer now .*try again later$" \
    "$WORK/nodir.stderr" "with a clear message naming the store"

# --- as root: the daemon's user owns what the store creates ---------------------

if [ "$(id -u)" = 0 ]; then
    chmod 755 "$WORK"
    mkdir "$WORK/nobody" "$WORK/rootonly"
    chown nobody "$WORK/nobody"
    for d in nobody rootonly; do
        sed "s|$WORK/state.db|$WORK/$d/state.db|" "$WORK/mxgate.conf" > "$WORK/$d.conf"
        printf 'user = "nobody";\n' >> "$WORK/$d.conf"
    done
    "$MXGATECTL" -c "$WORK/nobody.conf" greylist allow 203.0.113.9 > /dev/null 2> "$WORK/asroot.stderr"; rc=$?
    expect_eq "$rc" 0 "as root with user = nobody, mxgatectl writes to a store in nobody's directory"
    expect_eq "$(stat -c %U "$WORK/nobody/state.db")" nobody "the database it created belongs to nobody"
    expect_eq "$(find "$WORK/nobody" ! -user nobody | wc -l)" 0 "so does every file beside it"
    "$MXGATECTL" -c "$WORK/rootonly.conf" greylist stats > /dev/null 2> "$WORK/asroot.stderr"; rc=$?
    expect_eq "$rc" 75 "a store in a directory only root may write is not opened as root"
    expect_eq "$(ls "$WORK/rootonly")" "" "and nothing is created there"
else
    echo "skip - not root: the switch to the daemon's user is not tested"
fi

expect_no_grep 'state store|: err: ' "$MXGATE_LOG" "the daemon's store kept answering while mxgatectl worked on it"
mxgate_stop
