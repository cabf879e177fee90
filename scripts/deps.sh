#!/bin/sh
# Installs the Debian packages the build, the tests and the demo need, when
# run as root; otherwise prints the exact apt-get command and fails.
# PostgreSQL is optional: without it the PostgreSQL adapter is not built and
# its tests are counted as skipped. So are Node.js, npm and Chromium: without
# them the Node binding's and the dashboard's browser tests are skipped. "fuzz" adds clang and its libFuzzer
# runtime, for make fuzz. "node" checks for node, npm and redis-server alone
# (the bench's Node.js baselines: undici, and BullMQ on Redis), installing
# Debian's nodejs, npm and redis-server when they are absent.
set -e
if [ "${1:-}" = "node" ]; then
    want=""
    command -v node >/dev/null && command -v npm >/dev/null || want="nodejs npm"
    command -v redis-server >/dev/null || want="$want redis-server"
    [ -z "$want" ] && exit 0
    if [ "$(id -u)" != "0" ]; then
        echo "for the bench's Node baselines: sudo apt-get install -y $want" >&2
        command -v node >/dev/null && command -v npm >/dev/null # only node is a must
        exit $?
    fi
    # shellcheck disable=SC2086
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $want
    exit 0
fi
PKGS="build-essential g++ pkg-config libcurl4-openssl-dev libmbedtls-dev libjansson-dev libsqlite3-dev sqlite3 libuv1-dev valgrind libssl-dev libnghttp2-dev openssl ca-certificates libmicrohttpd-dev python3 python3-jwt python3-mypy python3-pip python3-setuptools python3-venv"
OPTIONAL="libpq-dev postgresql"
[ "${1:-}" = "fuzz" ] && PKGS="$PKGS clang libclang-rt-14-dev"
missing_of() {
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            printf ' %s' "$p"
        fi
    done
}
missing=$(missing_of $PKGS)
optional=$(missing_of $OPTIONAL)
# by command, not by package: a node from elsewhere on PATH serves as well
command -v node >/dev/null && command -v npm >/dev/null ||
    optional="$optional$(missing_of nodejs npm)"
[ -x "${RH_CHROMIUM:-/usr/bin/chromium}" ] || optional="$optional$(missing_of chromium)"
[ -z "$missing$optional" ] && exit 0
if [ "$(id -u)" != "0" ]; then
    if [ -n "$missing" ]; then
        echo "missing Debian packages:$missing" >&2
        echo "run: sudo apt-get install -y$missing$optional" >&2
        exit 1
    fi
    echo "optional (the PostgreSQL, Node binding and browser tests are skipped without them): sudo apt-get install -y$optional" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
    echo "installing:$missing"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
fi
if [ -n "$optional" ]; then
    echo "installing (optional):$optional"
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $optional ||
        echo "the optional packages could not be installed: their tests will be skipped" >&2
fi
