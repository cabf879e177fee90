#!/bin/sh
# The Node binding's declarations (bindings/node/index.d.ts) checked by tsc
# against bindings/node/types-test: a typed use of the API that must have
# no error, and lines marked @ts-expect-error that must each be one. In a
# copy laid out as in the source tree (index.d.ts, with the package.json
# that makes it an ES module and the constants.json the example compares
# it with, beside types-test/), with typescript and @types/node from the
# npm registry at types-test's lockfile.
# Usage: tsc_types.sh WORKDIR; exit 3 when npm is absent or the registry
# cannot be reached (the caller counts a skip).
set -e
[ $# -eq 1 ] || { echo "usage: tsc_types.sh WORKDIR" >&2; exit 2; }
work=$1 node_dir=$(pwd)/bindings/node
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "no node or npm" >&2
    exit 3
fi
rm -rf "$work"
mkdir -p "$work/types-test"
cp "$node_dir/index.d.ts" "$node_dir/package.json" "$node_dir/constants.json" "$work/"
cp "$node_dir"/types-test/*.json "$node_dir"/types-test/*.ts "$work/types-test/"
cd "$work/types-test"
# from npm's cache when it has them (no network); else from the registry,
# if it answers a ping at once (npm ci alone would retry for minutes)
if ! npm ci --offline --no-audit --no-fund --silent 2>/dev/null; then
    if ! npm ping --fetch-retries=0 --fetch-timeout=20000 >/dev/null 2>&1; then
        echo "the npm registry cannot be reached" >&2
        exit 3
    fi
    if ! npm ci --no-audit --no-fund --silent; then
        echo "npm ci failed in $work/types-test" >&2
        exit 1
    fi
fi
# --no: the lockfile's tsc, never one fetched by name; tsc's own exit 3
# (a project it cannot read) is a failure, not a skip
rc=0
npx --no -- tsc -p . || rc=$?
[ "$rc" -eq 0 ] || exit 1
echo "$(npx --no -- tsc --version): index.d.ts checked, no error"
