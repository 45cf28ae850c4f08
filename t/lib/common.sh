# common.sh - sourced by the shell tests: a private work directory removed at
# exit, failure reporting, and small assertions. Expects $T (the t/ source
# directory) in the environment; CMake passes it with the tool paths.
set -u

WORK=$(mktemp -d /tmp/mxgate-test.XXXXXX)
CLEANUPS=""

# on_exit CMD - run CMD when the test ends, newest first
on_exit() { CLEANUPS="$1; $CLEANUPS"; }
trap 'eval "$CLEANUPS"; rm -rf "$WORK"' EXIT

# fail MSG - report and stop the test
fail() { echo "FAIL: $*" >&2; exit 1; }

# pass MSG - report one proven point
pass() { echo "ok - $*"; }

# expect_eq GOT WANT WHAT
expect_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; pass "$3"; }

# expect_grep PATTERN FILE WHAT - FILE has a line matching the extended regex
expect_grep() { grep -Eq -- "$1" "$2" || { echo "--- $2:" >&2; cat "$2" >&2; fail "$3"; }; pass "$3"; }

# expect_no_grep PATTERN FILE WHAT
expect_no_grep() { ! grep -Eq -- "$1" "$2" || { echo "--- $2:" >&2; cat "$2" >&2; fail "$3"; }; pass "$3"; }

# wait_for CMD SECONDS - poll CMD every 0.1 s until it succeeds
wait_for() {
    n=$(( $2 * 10 ))
    while [ $n -gt 0 ]; do eval "$1" && return 0; sleep 0.1; n=$((n - 1)); done
    return 1
}
