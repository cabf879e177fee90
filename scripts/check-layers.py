#!/usr/bin/env python3
"""Check that lib/ keeps its floors (docs/design.md, "Layout").

Each folder of lib/ is a floor; a file may include the private headers and
call the functions of its own floor and the floors below, never above, and
no two files may call each other. Calls are read the way a reader would:
a file (a header too: its macros and inline functions) calls a function
when it names it followed by "(" and another file of lib/ defines it (not
static). lib/'s own headers (rh_internal.h, for the tests) stand above
every floor. The storage backends (lib/storage/) sit on the public seam:
they include only lib/storage/'s headers and public ones, and call no
private function (rh__*) of the library. Run by make check; prints one
line per breach and exits 1, else one line of figures.
"""
import collections
import os
import re
import sys

# bottom up; the storage backends sit on the public seam above the store
FLOORS = ["base", "crypto", "store", "net", "storage", "context", "catalog",
          "endpoint", "engine", "portal"]


ROOT = "lib"


def floor_of(path):
    """The floor of a file under lib/; lib/'s own files stand above all."""
    parts = os.path.relpath(path, ROOT).split(os.sep)
    if len(parts) < 2 or parts[0] not in FLOORS:
        return len(FLOORS)
    return FLOORS.index(parts[0])


def on_seam(path):
    return os.path.relpath(path, ROOT).split(os.sep)[0] == "storage"


def floor_name(i):
    return FLOORS[i] if i < len(FLOORS) else "lib/ itself"


def sources(root):
    for d, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith((".c", ".h")):
                yield os.path.join(d, n)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    return re.sub(r"//[^\n]*", " ", text)


# a definition: the name, its parameters and a brace; its return type may
# stand on the line before (the text since the last ; } or # tells static)
DEF = re.compile(r"\b(rh_\w+)\s*\(([^;{}()]*(\([^;{}()]*\)[^;{}()]*)*)\)\s*\{")
INCLUDE = re.compile(r'^\s*#\s*include\s+["<]([^">]+)[">]', re.M)


def bodies(code):
    """What a header runs where it is used: its macros' text and the
    bodies of its top-level braces (inline functions); not prototypes."""
    out = [m.group(0) for m in re.finditer(r"^\s*#\s*define\b.*$", code, re.M)]
    depth, start = 0, 0
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                start = i
            depth += 1
        elif c == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append(code[start:i + 1])
    return "\n".join(out)


def definitions(code):
    for m in DEF.finditer(code):
        start = max(code.rfind(";", 0, m.start()), code.rfind("}", 0, m.start()),
                    code.rfind("\n#", 0, m.start()))
        if not re.search(r"\bstatic\b", code[start + 1:m.start()]):
            yield m.group(1)


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
            for name in definitions(texts[f][1]):
                defined.setdefault(name, f)
    bad = []
    calls = collections.defaultdict(set)
    n_calls = 0
    for f in files:
        raw, code = texts[f]
        mine = floor_of(f)
        for inc in INCLUDE.findall(raw):
            here = os.path.normpath(os.path.join(os.path.dirname(f), inc))
            target = here if os.path.exists(here) else None
            if not target and len(headers.get(os.path.basename(inc), [])) == 1:
                target = headers[os.path.basename(inc)][0]
            if not target or not os.path.abspath(target).startswith(
                    os.path.abspath(root) + os.sep):
                continue  # a system or public header
            theirs = floor_of(target)
            if on_seam(f) and not on_seam(target):
                bad.append(f"{f}: a backend includes {target}, a private "
                           f"header of the library")
            elif theirs > mine:
                bad.append(f"{f}: includes {target}, a higher floor "
                           f"({floor_name(theirs)} above {floor_name(mine)})")
        # a header's macros and inline functions call as its includers do
        runs = code if f.endswith(".c") else bodies(
            re.sub(r"\\\n", " ", code))
        for name in set(re.findall(r"\b(rh_\w+)\s*\(", runs)):
            target = defined.get(name)
            if not target or target == f:
                continue
            if f.endswith(".c"):
                calls[f].add(target)
                n_calls += 1
            theirs = floor_of(target)
            if on_seam(f) and name.startswith("rh__") and not on_seam(target):
                bad.append(f"{f}: a backend calls {name} of {target}, a "
                           f"private function of the library")
            elif theirs > mine:
                bad.append(f"{f}: calls {name} of {target}, a higher floor "
                           f"({floor_name(theirs)} above {floor_name(mine)})")
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
