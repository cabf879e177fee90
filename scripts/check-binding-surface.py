#!/usr/bin/env python3
"""Every public call of the C library is in both bindings (Python and
Node), or listed in bindings/surface.txt with why it is not: make check
fails on a call a binding lacks unlisted, so a new call cannot be
forgotten in either. A line whose why starts "node-omits:" excuses Node
alone ("python-omits:", Python alone); any other line excuses both.

Python's calls are recorded as the package imports (each _fn asks its
ctypes.CDLL for the symbol by name), plus any "rh_..." string literal in
its sources (the stores' adapters load lazily); Node's are the names in
its koffi declarations and in the tables that build them. Prints how many each binding covers.

Usage: check-binding-surface.py LIB_DIR
"""
import ctypes
import fnmatch
import glob
import os
import re
import sys


def exported():
    names = []
    for f in ("docs/symbols.txt", "docs/symbols-sqlite.txt", "docs/symbols-pg.txt"):
        names += [line.split()[0] for line in open(f) if line.startswith("rh_")]
    return names


def python_surface(lib_dir):
    asked = set()

    class Recording(ctypes.CDLL):
        def __getitem__(self, name):
            asked.add(name)
            return super().__getitem__(name)

    ctypes.CDLL = Recording
    os.environ["REPLICER_HOOKS_LIB_DIR"] = lib_dir
    sys.path.insert(0, "bindings/python")
    import replicer_hooks  # noqa: F401  (its import declares every call)
    for f in glob.glob("bindings/python/replicer_hooks/*.py"):
        asked |= set(re.findall(r'"(rh_[a-z0-9_]+)"', open(f).read()))
    return asked


def node_surface():
    """Names in koffi declarations ("int rh_x(...)") and in tables of
    names that build them ("rh_x")."""
    names = set()
    for f in glob.glob("bindings/node/*.cjs"):
        text = open(f).read()
        names |= set(re.findall(r"\brh_[a-z0-9_]+(?=\s*\()", text))
        names |= set(re.findall(r'"(rh_[a-z0-9_]+)"', text))
    return names


def listed():
    rules = []
    for line in open("bindings/surface.txt"):
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, _, why = line.partition(" ")
            if not why.strip():
                sys.exit("bindings/surface.txt: %s says no why" % pattern)
            rules.append((pattern, why.strip()))
    return rules


def excused(s, rules, binding):
    """The first rule that excuses binding ("python" or "node") from s."""
    for pattern, why in rules:
        other = "python" if binding == "node" else "node"
        if fnmatch.fnmatchcase(s, pattern) and not why.startswith(other + "-omits:"):
            return pattern
    return None


def main():
    syms = exported()
    py, node, rules = python_surface(sys.argv[1]), node_surface(), listed()
    used = set()
    missing = []
    for s in syms:
        for binding, has in (("python", py), ("node", node)):
            if s in has:
                continue
            rule = excused(s, rules, binding)
            if rule:
                used.add(rule)
            else:
                missing.append((binding, s))
    stale = [p for p, _ in rules if p not in used]
    print("check-binding-surface: %d public calls; Python %d, Node %d; lines in "
          "bindings/surface.txt %d" % (len(syms), sum(s in py for s in syms),
                                       sum(s in node for s in syms), len(rules)))
    for binding, s in missing:
        print("check-binding-surface: %s is not in the %s binding nor excused in "
              "bindings/surface.txt" % (s, binding.capitalize()))
    for p in stale:
        print("check-binding-surface: bindings/surface.txt lists %s, which the "
              "bindings have now (or no call matches): drop the line" % p)
    sys.exit(1 if missing or stale else 0)


if __name__ == "__main__":
    main()
