#!/usr/bin/env python3
"""The RH_* constants of the Python binding's type stub, from
bindings/constants.json: the package sets each of them at import (from its
copy of that file), so the stub declares each as an int. Written between
the BEGIN and END lines of replicer_hooks/__init__.pyi, grouped as the
JSON groups them (the defines by name, each enum's members by value);
--check writes nothing and fails when the stub's block is not what it
would write (tests/bindings/mypy_types.sh runs it; stubtest would also
name a constant the stub lacks or has too many, but not a wrong group).

usage: gen-pyi-constants.py CONSTANTS_JSON PYI [--check]
"""
import json
import sys
from pathlib import Path

BEGIN = "# BEGIN constants.json (scripts/gen-pyi-constants.py writes this block)"
END = "# END constants.json"


def block(constants):
    lines = [BEGIN, "# the defines"]
    lines += ["%s: int" % k for k in sorted(constants["defines"])]
    for enum, members in sorted(constants["enums"].items()):
        lines.append("# enum %s" % enum)
        lines += ["%s: int" % k for k, _ in sorted(members.items(),
                                                   key=lambda kv: (kv[1], kv[0]))]
    lines.append(END)
    return lines


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--check"):
        sys.exit(__doc__.strip().splitlines()[-1])
    constants = json.loads(Path(argv[1]).read_text())
    pyi = Path(argv[2])
    old = pyi.read_text().splitlines()
    try:
        start, end = old.index(BEGIN), old.index(END)
    except ValueError:
        sys.exit("%s: no %r ... %r block" % (pyi, BEGIN, END))
    new = old[:start] + block(constants) + old[end + 1:]
    if new == old:
        return
    if len(argv) == 4:
        sys.exit("%s: its constants are not %s's: run %s %s %s"
                 % (pyi, argv[1], argv[0], argv[1], argv[2]))
    pyi.write_text("\n".join(new) + "\n")


if __name__ == "__main__":
    main(sys.argv)
