#!/bin/sh
# Compares a shared library's exported functions with its list in docs/
# (one "symbol version" per line): an export added or lost fails the check.
set -e
lib=$1
list=$2
actual=$(mktemp)
expected=$(mktemp)
trap 'rm -f "$actual" "$expected"' EXIT
# every export carries the library's version node (name@@NODE)
unversioned=$(nm -D --defined-only "$lib" | awk '$2 == "T" && $3 !~ /@@/ {print $3}')
if [ -n "$unversioned" ]; then
    echo "exports of $lib without a version node: $unversioned" >&2
    exit 1
fi
nm -D --defined-only "$lib" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort > "$actual"
awk '!/^#/ && NF {print $1}' "$list" | sort > "$expected"
if diff -u "$expected" "$actual"; then
    echo "exports of $(basename "$lib") match $list ($(wc -l < "$actual") symbols)"
else
    echo "exports of $lib differ from $list (- listed, + exported)" >&2
    exit 1
fi
