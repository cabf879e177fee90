#!/bin/sh
# The Node binding's npm tarball (npm pack of bindings/node: the files its
# package.json lists, no tests). Usage: node-package.sh OUTDIR; prints the
# tarball's path.
set -eu
out=$1 tree=$(pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
name=$(cd "$out" && npm pack --silent "$tree/bindings/node" | tail -1)
echo "$out/$name"
