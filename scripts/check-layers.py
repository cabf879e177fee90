#!/usr/bin/env python3
"""Check that lib/ keeps its floors (docs/design.md, "Layout").

Each folder of lib/ is a floor; a file may include the private headers and
call the functions of its own floor and the floors below, never above, and
no two files may call each other. Calls are read the way a reader would:
a file calls a function when it names it followed by "(" and another file
of lib/ defines it (not static). Run by make check; prints one line per
breach and exits 1, else one line of figures.
"""
import collections
import os
import re
import sys

# bottom up; the storage backends sit on the public seam above the store
FLOORS = ["base", "crypto", "store", "net", "storage", "context", "endpoint",
          "engine"]


ROOT = "lib"


def floor_of(path):
    """The floor of a file under lib/, or None for lib/'s own files."""
    parts = os.path.relpath(path, ROOT).split(os.sep)
    if len(parts) < 2 or parts[0] not in FLOORS:
        return None
    return FLOORS.index(parts[0])


def sources(root):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.join(d, n)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"//[^\n]*", " ", text)


DEF = re.compile(r"^(?!static\b)[A-Za-z_][\w \t*]*?\b(rh_\w+)\s*\(([^;{]*)\)\s*\{",
                 re.M | re.S)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    global ROOT
    root = ROOT = sys.argv[1] if len(sys.argv) > 1 else "lib"
    files = list(sources(root))
    headers = collections.defaultdict(list)
    for f in files:
        if f.endswith(".h"):
            headers[os.path.basename(f)].append(f)
    defined = {}
    texts = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            raw = fh.read()
        texts[f] = (raw, strip_comments(raw))
        if f.endswith(".c"):
            for m in DEF.finditer(texts[f][1]):
                defined.setdefault(m.group(1), f)
    bad = []
    calls = collections.defaultdict(set)
    n_calls = 0
    for f in files:
        raw, code = texts[f]
        mine = floor_of(f)
        for inc in INCLUDE.findall(raw):
            here = os.path.join(os.path.dirname(f), inc)
            target = here if os.path.exists(here) else None
            if not target and len(headers.get(os.path.basename(inc), [])) == 1:
                target = headers[os.path.basename(inc)][0]
            if not target:
                continue  # a system or public header
            theirs = floor_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                bad.append(f"{f}: includes {target}, a higher floor "
                           f"({FLOORS[theirs]} above {FLOORS[mine]})")
        if not f.endswith(".c"):
            continue
        for name in set(re.findall(r"\b(rh_\w+)\s*\(", code)):
            target = defined.get(name)
            if not target or target == f:
                continue
            calls[f].add(target)
            n_calls += 1
            theirs = floor_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                bad.append(f"{f}: calls {name} of {target}, a higher floor "
                           f"({FLOORS[theirs]} above {FLOORS[mine]})")
    for a in sorted(calls):
        for b in sorted(calls[a]):
            if a < b and a in calls.get(b, ()):
                bad.append(f"{a} and {b} call each other")
    for line in bad:
        print("check-layers: " + line)
    if bad:
        return 1
    print(f"check-layers: {len(files)} files on {len(FLOORS)} floors "
          f"({', '.join(FLOORS)}), {n_calls} calls between files, none "
          f"upward, none both ways")
    return 0


if __name__ == "__main__":
    sys.exit(main())
