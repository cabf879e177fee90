#!/bin/sh
# The Node binding's declarations (bindings/node/index.d.ts) checked by tsc
# against bindings/node/types-test: a typed use of the API that must have
# no error, and lines marked @ts-expect-error that must each be one. In a
# copy laid out as in the source tree (index.d.ts, with the package.json
# that makes it an ES module and the constants.json the example compares
# it with, beside types-test/), with the typescript and @types/node that
# make node-types-deps installed at types-test's lockfile (a test reaches
# no registry).
# Usage: tsc_types.sh WORKDIR DEPS_DIR; exit 3 when DEPS_DIR has no
# typescript (the caller counts a skip).
set -e
[ $# -eq 2 ] || { echo "usage: tsc_types.sh WORKDIR DEPS_DIR" >&2; exit 2; }
work=$1 deps=$(cd "$2" 2>/dev/null && pwd) || deps=
node_dir=$(pwd)/bindings/node
if [ -z "$deps" ] || [ ! -d "$deps/node_modules/typescript" ]; then
    echo "typescript is not installed (make node-types-deps)" >&2
    exit 3
fi
rm -rf "$work"
mkdir -p "$work/types-test"
cp "$node_dir/index.d.ts" "$node_dir/package.json" "$node_dir/constants.json" "$work/"
cp "$node_dir"/types-test/*.json "$node_dir"/types-test/*.ts "$work/types-test/"
ln -s "$deps/node_modules" "$work/types-test/node_modules"
cd "$work/types-test"
# --no: the lockfile's tsc, never one fetched by name; tsc's own exit 3
# (a project it cannot read) is a failure, not a skip
rc=0
npx --no -- tsc -p . || rc=$?
[ "$rc" -eq 0 ] || exit 1
echo "$(npx --no -- tsc --version): index.d.ts checked, no error"
