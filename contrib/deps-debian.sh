#!/bin/sh
# deps-debian.sh - install what mxgate needs on Debian 12, as root.
#   sh contrib/deps-debian.sh          build and run
#   sh contrib/deps-debian.sh --test   also what the test suite needs: NSD,
#       Postfix (installed unconfigured; tests run private instances), swaks,
#       clang and its libFuzzer runtime (t/fuzz/run.sh), python3-dkim and
#       opendkim-testmsg (independent DKIM signers and verifiers; OpenDKIM
#       itself and Postfix for bench/run.sh), the sqlite3 CLI
#       (reads the store's DMARC history), Cyrus SASL's sasldb and saslpasswd2,
#       python3-prometheus-client (parses the metrics endpoint's exposition),
#       and Sendmail's packages downloaded to /var/cache/mxgate-tests/debs
#       (not installed: they conflict with Postfix; tests unpack them).
set -eu
build="gcc make cmake pkg-config libmilter-dev libc-ares-dev libconfig-dev libsqlite3-dev
       libpsl-dev libopendkim-dev libssl-dev libhiredis-dev libmicrohttpd-dev"
test="nsd clang clang-format libclang-rt-14-dev postfix swaks m4 liblockfile1 libwrap0 redis-server
      python3-dkim python3-nacl sqlite3 opendkim-tools opendkim libsasl2-modules sasl2-bin
      python3-prometheus-client"
debs=/var/cache/mxgate-tests/debs
updated=no

# update - refresh the package lists once
update() { [ $updated = yes ] || { apt-get update -qq; updated=yes; }; }

pkgs=$build
[ "${1:-}" = "--test" ] && pkgs="$build $test"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps-debian.sh: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    update
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get install -y -qq --no-install-recommends $missing
fi
if [ "${1:-}" = "--test" ] && ! ls $debs/sendmail-cf_*.deb >/dev/null 2>&1; then
    echo "deps-debian.sh: downloading Sendmail's packages to $debs"
    mkdir -p $debs
    update
    (cd $debs && apt-get download sendmail-bin sendmail-base sendmail-cf 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    ls $debs/sendmail-bin_*.deb $debs/sendmail-base_*.deb $debs/sendmail-cf_*.deb >/dev/null
fi
exit 0
