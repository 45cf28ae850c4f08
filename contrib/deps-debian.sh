#!/bin/sh
# deps-debian.sh - install what mxgate needs on Debian 12, as root.
#   sh contrib/deps-debian.sh          build and run
#   sh contrib/deps-debian.sh --test   also what the test suite needs
set -eu
build="gcc make cmake pkg-config libmilter-dev libc-ares-dev libconfig-dev libsqlite3-dev
       libpsl-dev libopendkim-dev libssl-dev"
test="nsd clang-format postfix swaks"
pkgs=$build
[ "${1:-}" = "--test" ] && pkgs="$build $test"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps-debian.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Postfix for the end-to-end tests: installed unconfigured; tests run private instances.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get install -y -qq --no-install-recommends $missing
