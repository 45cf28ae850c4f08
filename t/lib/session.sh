# session.sh - scripted SMTP transactions through milterc, for tests that
# replay many short sessions. Sourced after mxgate.sh; needs $MILTERC.
#
#   session NAME ADDR SENDER RCPT... - one transaction (HELO mx.example.test,
#       DATA with an empty message) from client.example[ADDR]; the replies go
#       to $WORK/NAME.out
#   replies NAME WHAT - the rcpt and eom replies of NAME (not the headers
#       added at eom) equal stdin; reports WHAT

session() {
    name=$1 addr=$2 sender=$3; shift 3
    { echo "connect client.example 4 $addr 40000"; echo "helo mx.example.test"
      echo "mail <$sender>"; for r in "$@"; do echo "rcpt <$r>"; done
      echo data; echo eoh; echo eom; echo quit; } > "$WORK/$name.script"
    "$MILTERC" -s "$MXGATE_SOCKET" "$WORK/$name.script" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
        { cat "$WORK/$name.err" >&2; fail "$name: milterc failed"; }
}

replies() {
    grep -E '^(rcpt|eom)' "$WORK/$1.out" | grep -Ev '^eom: (add|ins|chg)header ' > "$WORK/$1.got"
    diff -u - "$WORK/$1.got" >&2 || fail "$2"
    pass "$2"
}
