#!/bin/sh
# The Python binding's sdist, built offline by setuptools' own PEP 517
# hooks (Debian's python3-setuptools; the "build" front end is not needed)
# from a copy of bindings/python, so the tree gets no egg-info.
# Usage: python-package.sh OUTDIR [PYTHON]; prints the sdist's path.
set -eu
out=$1 py=${2:-python3}
tree=$(pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$tree/bindings/python/." "$src/"
rm -rf "$src/tests"
name=$(cd "$src" && "$py" -c 'import sys
from setuptools import build_meta
print(build_meta.build_sdist(sys.argv[1]))' "$out" 2>"$src/build.log" | tail -1) || {
    cat "$src/build.log" >&2
    exit 1
}
echo "$out/$name"
