#!/bin/sh
# Installs the Debian packages the build, the tests and the demo need, when
# run as root; otherwise prints the exact apt-get command and fails.
set -e
# "fuzz" adds clang and its libFuzzer runtime, for make fuzz.
PKGS="build-essential g++ pkg-config libcurl4-openssl-dev libmbedtls-dev libjansson-dev libsqlite3-dev sqlite3 valgrind libssl-dev openssl ca-certificates"
[ "${1:-}" = "fuzz" ] && PKGS="$PKGS clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "missing Debian packages:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
