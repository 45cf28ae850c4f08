# probe.sh - shared helpers of the dns shell tests: a work dir, failing loudly,
# and a conversation with dnsprobe (one command line in, one result line out)
# over two FIFOs, so the script can count packets at the server between steps.
#
#   probe_start DNSPROBE [OPTIONS] SERVER...   start it (stderr kept in $WORK)
#   probe CMD...                               send CMD, the answer line in $OUT
#   expect_out GLOB                            $OUT must match the glob
#   field NAME                                 print NAME's value from $OUT
#   expect_eq GOT WANT WHAT                    numbers equal
#   expect_le GOT MAX WHAT                     GOT <= MAX
#   probe_stop                                 quit; its exit status must be 0
# Cleanup runs from an EXIT trap: cleanup_add CMD adds to it.

set -u
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxgate-dns.XXXXXX")
CLEANUP=""
PROBE_PID=""

# cleanup_add - run CMD (newest first) when the script exits
cleanup_add() {
    CLEANUP="$1; $CLEANUP"
}

# on_exit - the EXIT trap
on_exit() {
    local rc=$?
    eval "$CLEANUP"
    if [ -n "$PROBE_PID" ]; then
        kill "$PROBE_PID" 2>/dev/null
        wait "$PROBE_PID" 2>/dev/null
    fi
    rm -rf "$WORK"
    exit $rc
}
trap on_exit EXIT

# fail - explain and exit 1
fail() {
    echo "FAIL: $*" >&2
    if [ -s "$WORK/probe.err" ]; then
        echo "--- dnsprobe stderr:" >&2
        cat "$WORK/probe.err" >&2
    fi
    exit 1
}

probe_start() {
    mkfifo "$WORK/probe.in" "$WORK/probe.out"
    "$@" <"$WORK/probe.in" >"$WORK/probe.out" 2>"$WORK/probe.err" &
    PROBE_PID=$!
    exec 3>"$WORK/probe.in" 4<"$WORK/probe.out"
}

probe() {
    echo "$*" >&3 || fail "dnsprobe is gone (command: $*)"
    IFS= read -r -t 30 OUT <&4 || fail "no answer from dnsprobe to: $*"
    echo "> $*"
    echo "< $OUT"
}

probe_stop() {
    echo quit >&3
    exec 3>&- 4<&-
    local rc=0
    wait "$PROBE_PID" || rc=$?
    PROBE_PID=""
    [ "$rc" -eq 0 ] || fail "dnsprobe exited with status $rc"
    if [ -s "$WORK/probe.err" ]; then
        fail "dnsprobe wrote to stderr"
    fi
}

expect_out() {
    # shellcheck disable=SC2053
    [[ "$OUT" == $1 ]] || fail "expected '$1', got '$OUT'"
}

field() {
    local f
    for f in $OUT; do
        case $f in "$1"=*) echo "${f#*=}"; return 0 ;; esac
    done
    return 1
}

expect_eq() {
    [ "$1" -eq "$2" ] || fail "$3: got $1, want $2"
    echo "ok: $3 ($1)"
}

expect_le() {
    [ "$1" -le "$2" ] || fail "$3: got $1, want <= $2"
    echo "ok: $3 ($1 <= $2)"
}
