# shellcheck shell=bash
# redis.sh - a private redis-server on loopback for a test: no persistence,
# its own directory, in the foreground of a background job. Source it after
# t/lib/common.sh (which provides $WORK and on_exit):
#
#   redis_start    - start redis-server on 127.0.0.1:$REDIS_PORT (a free
#                    port) with its data in $WORK/redis and a unix socket at
#                    $REDIS_SOCKET; sets REDIS_PORT, REDIS_PID, REDIS_SOCKET
#                    and REDIS_SPEC="redis:tcp://127.0.0.1:$REDIS_PORT/0";
#                    stopped at exit; returns once it answers PING. Extra
#                    server options may be given in $REDIS_ARGS (e.g.
#                    "--requirepass secret").
#   redis_stop     - stop it (SIGTERM, wait); safe to call twice
#   redis_restart  - start it again on the same port (empty: no persistence)
#   redis_cli ARGS - redis-cli against it
#
# A missing redis-server is a failure, not a skip.

REDIS_PID=""
REDIS_PORT=""
REDIS_ARGS=${REDIS_ARGS:-}

# redis__launch - start on $REDIS_PORT: 0 once it answers PING, 1 if it exited
redis__launch() {
    mkdir -p "$WORK/redis"
    REDIS_SOCKET="$WORK/redis/redis.sock"
    # shellcheck disable=SC2086 # REDIS_ARGS is a list of options
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --unixsocket "$REDIS_SOCKET" \
        --save '' --appendonly no --dir "$WORK/redis" --daemonize no \
        --logfile "$WORK/redis/redis.log" $REDIS_ARGS &
    REDIS_PID=$!
    local n=100
    while [ $n -gt 0 ]; do
        redis_cli ping 2>/dev/null | grep -q PONG && return 0
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            wait "$REDIS_PID" 2>/dev/null
            REDIS_PID=""
            return 1
        fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

# redis_cli ARGS - redis-cli on the test's server
redis_cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# redis_start - on a free port (another one when the port was taken)
redis_start() {
    command -v redis-server > /dev/null || fail "redis-server is not installed (redis-server package)"
    local tries=20
    while [ $tries -gt 0 ]; do
        REDIS_PORT=$((20000 + RANDOM % 30000))
        if ! redis_cli ping > /dev/null 2>&1 && redis__launch; then
            REDIS_SPEC="redis:tcp://127.0.0.1:$REDIS_PORT/0"
            export REDIS_PORT REDIS_SPEC REDIS_SOCKET
            on_exit redis_stop
            return 0
        fi
        redis_stop
        tries=$((tries - 1))
    done
    cat "$WORK/redis/redis.log" >&2 2>/dev/null
    fail "redis-server would not start"
}

# redis_stop - SIGTERM and wait
redis_stop() {
    [ -n "$REDIS_PID" ] || return 0
    kill -TERM "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=""
}

# redis_restart - stop if running, start again on the same port
redis_restart() {
    redis_stop
    redis__launch || fail "redis-server would not start again on port $REDIS_PORT"
}
