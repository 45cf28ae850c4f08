# nsd.sh - run a private NSD on a loopback address for a test, and read its
# query counters. Source it from a bash test script:
#
#   . "$SRC/t/lib/nsd.sh"
#   nsd_start WORKDIR ZONEDIR example.test 2.0.192.in-addr.arpa || exit 1
#   trap nsd_stop EXIT
#   before=$(nsd_count num.queries)
#   ... run the thing under test against "$NSD_ADDR:$NSD_PORT" ...
#   after=$(nsd_count num.queries)
#
# nsd_start WORKDIR ZONEDIR ZONE...
#     Writes a config into WORKDIR (everything NSD writes stays there: pid,
#     log, zone list, xfrd state, control socket; no database, no chroot, no
#     user switch) serving each ZONE from ZONEDIR/ZONE.zone (or "ZONE=FILE" for
#     another file name in ZONEDIR). Listens on UDP and TCP at a random
#     127.53.X.1 and port 5300-9299, retrying elsewhere if the address is
#     taken, and waits until NSD answers nsd-control. NSD_FIXED_PORT=53
#     listens on that port instead (for tools that only use resolv.conf). Exports NSD_ADDR,
#     NSD_PORT, NSD_CONF, NSD_PID. Returns 1 with a message on stderr if NSD
#     is missing or will not start: a missing NSD is a failure, not a skip.
# nsd_count NAME
#     Prints the counter NAME from "nsd-control stats_noreset" (num.queries,
#     num.udp, num.tcp, num.truncated, num.rcode.NXDOMAIN, num.type.TXT, ...);
#     returns 1 if there is no such counter.
# nsd_stop
#     Stops the NSD started by nsd_start (safe to call twice, and from a trap).
#
# Binaries: $NSD and $NSD_CONTROL if set (CMake passes the ones it found),
# else nsd and nsd-control from PATH, /usr/sbin or /usr/local/sbin.

# nsd__tool - path of a tool: the variable's value, else PATH and sbin dirs
nsd__tool() {
    local given=$1 name=$2
    if [ -n "$given" ] && [ -x "$given" ]; then
        echo "$given"
        return 0
    fi
    PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v "$name"
}

# nsd__config - write the config for one address and port
nsd__config() {
    local work=$1 zonedir=$2 addr=$3 port=$4
    shift 4
    {
        echo "server:"
        echo "    ip-address: $addr@$port"
        echo "    port: $port"
        echo "    do-ip6: no"
        echo "    username: \"\""
        echo "    chroot: \"\""
        echo "    zonesdir: \"$zonedir\""
        echo "    pidfile: \"$work/nsd.pid\""
        echo "    database: \"\""
        echo "    zonelistfile: \"$work/zone.list\""
        echo "    xfrdfile: \"$work/xfrd.state\""
        echo "    xfrdir: \"$work\""
        echo "    logfile: \"$work/nsd.log\""
        echo "    server-count: 1"
        echo "    verbosity: 1"
        echo "remote-control:"
        echo "    control-enable: yes"
        echo "    control-interface: \"$work/nsd.ctl\""
        local z
        for z in "$@"; do
            echo "zone:"
            echo "    name: \"${z%%=*}\""
            if [ "${z#*=}" != "$z" ]; then
                echo "    zonefile: \"${z#*=}\""
            else
                echo "    zonefile: \"$z.zone\""
            fi
        done
    } >"$work/nsd.conf"
}

# nsd__wait_up - wait until NSD answers on its control socket; 1 if it died
nsd__wait_up() {
    local i
    for i in $(seq 1 100); do
        if ! kill -0 "$NSD_PID" 2>/dev/null; then
            wait "$NSD_PID" 2>/dev/null
            return 1
        fi
        if "$NSD_CONTROL" -c "$NSD_CONF" status >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}

nsd_start() {
    local work=$1 zonedir=$2
    shift 2
    mkdir -p "$work" || return 1
    NSD=$(nsd__tool "${NSD:-}" nsd) || { echo "FAIL: nsd not found (apt-get install nsd)" >&2; return 1; }
    NSD_CONTROL=$(nsd__tool "${NSD_CONTROL:-}" nsd-control) ||
        { echo "FAIL: nsd-control not found (apt-get install nsd)" >&2; return 1; }
    local attempt
    for attempt in 1 2 3 4 5 6 7 8; do
        NSD_ADDR="127.53.$((RANDOM % 250 + 1)).1"
        NSD_PORT=${NSD_FIXED_PORT:-$((5300 + RANDOM % 4000))}
        NSD_CONF="$work/nsd.conf"
        nsd__config "$work" "$zonedir" "$NSD_ADDR" "$NSD_PORT" "$@"
        : >"$work/nsd.log"
        "$NSD" -d -c "$NSD_CONF" >>"$work/nsd.log" 2>&1 &
        NSD_PID=$!
        if nsd__wait_up; then
            export NSD_ADDR NSD_PORT NSD_CONF NSD_PID
            return 0
        fi
        nsd_stop
        grep -qi "bind\|in use" "$work/nsd.log" || break
    done
    echo "FAIL: nsd did not start; its log:" >&2
    cat "$work/nsd.log" >&2
    return 1
}

nsd_count() {
    local v
    v=$("$NSD_CONTROL" -c "$NSD_CONF" stats_noreset | sed -n "s/^$1=//p")
    [ -n "$v" ] || { echo "nsd_count: no counter $1" >&2; return 1; }
    echo "$v"
}

nsd_stop() {
    [ -n "${NSD_PID:-}" ] || return 0
    kill "$NSD_PID" 2>/dev/null
    local i
    for i in $(seq 1 100); do
        kill -0 "$NSD_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$NSD_PID" 2>/dev/null
    wait "$NSD_PID" 2>/dev/null
    NSD_PID=
}
