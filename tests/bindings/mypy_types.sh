#!/bin/sh
# The Python binding's type stubs (bindings/python/replicer_hooks/*.pyi)
# checked, printing what mypy and stubtest print:
# - the stub's RH_* constants are bindings/constants.json's
#   (scripts/gen-pyi-constants.py --check);
# - mypy --strict, as Python 3.9 and 3.11, over the stubs and
#   bindings/python/tests/typed/: example.py uses the API as the stubs
#   allow, and each line of wrong.py must be refused with the error its
#   "type: ignore[code]" names (--warn-unused-ignores fails the check on
#   a line that got through);
# - stubtest: the stubs against the package imported on LIB_DIR's
#   libraries (names, arguments, defaults, async or not), allowing what
#   tests/typed/stubtest-allowlist.txt lists; then each public method the
#   classes inherit from the private mixins, which stubtest does not
#   list, declared in the stubs;
# - example.py run against the library: what it shows is what happens.
# Usage: mypy_types.sh LIB_DIR [PYTHON]; exit 3 when PYTHON (python3
# unless given) has no mypy (apt-get install python3-mypy).
set -eu
lib_dir=$1 py=${2:-python3}
"$py" -m mypy --version || exit 3
pkg=bindings/python
typed=$pkg/tests/typed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$py" scripts/gen-pyi-constants.py bindings/constants.json "$pkg/replicer_hooks/__init__.pyi" --check

# for the oldest Python pyproject.toml allows and for Debian 12's
for v in 3.9 3.11; do
    echo "mypy --strict --warn-unused-ignores --python-version $v:"
    MYPYPATH=$pkg "$py" -m mypy --strict --warn-unused-ignores --python-version "$v" \
        --cache-dir=/dev/null "$pkg"/replicer_hooks/*.pyi "$typed/example.py" \
        "$typed/wrong.py"
done

# stubtest sees the stubs as shipped, alone (beside the .py files it would
# take the private modules' sources for stubs), and imports the package
# from the tree; run from the work folder, where it leaves its cache
echo "stubtest:"
mkdir -p "$work/stubs/replicer_hooks"
cp "$pkg"/replicer_hooks/*.pyi "$pkg/replicer_hooks/py.typed" "$work/stubs/replicer_hooks/"
tree=$(pwd)
(cd "$work" && PYTHONPATH="$tree/$pkg" MYPYPATH="$work/stubs" \
    REPLICER_HOOKS_LIB_DIR="$lib_dir" "$py" -m mypy.stubtest replicer_hooks \
    --allowlist "$tree/$typed/stubtest-allowlist.txt")

PYTHONPATH=$pkg REPLICER_HOOKS_LIB_DIR=$lib_dir "$py" - "$pkg/replicer_hooks" <<'PY'
import ast
import sys
from pathlib import Path

import replicer_hooks as rh
from replicer_hooks import aio

declared = {}
for pyi in Path(sys.argv[1]).glob("*.pyi"):
    for node in ast.parse(pyi.read_text()).body:
        if isinstance(node, ast.ClassDef):
            declared[node.name] = {n.name for n in node.body if isinstance(
                n, (ast.FunctionDef, ast.AsyncFunctionDef))}
missing = []
for cls, bases in ((rh.Context, ()), (aio.AsyncContext, ("Context",)),
                   (rh.Portal, ()), (rh.SQLite, ()), (rh.PostgreSQL, ())):
    names = declared[cls.__name__].union(*(declared[b] for b in bases))
    missing += ["%s.%s" % (cls.__name__, m) for m in dir(cls)
                if not m.startswith("_") and m not in names]
if missing:
    sys.exit("public, but not in the stubs: " + ", ".join(missing))
print("every public method is in the stubs")
PY

PYTHONPATH=$pkg REPLICER_HOOKS_LIB_DIR=$lib_dir "$py" "$typed/example.py"
