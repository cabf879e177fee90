#!/bin/sh
# The Python package installed the way a user installs it, offline: its
# sdist (scripts/python-package.sh), installed by pip with Debian's
# setuptools (no build isolation, no index) into a fresh virtual
# environment; imported from elsewhere, then the binding's whole suite
# (bindings/python/tests) run against that installed copy.
# Usage: pip_install.sh WORKDIR LIB_DIR PYTHON
set -eu
work=$1 lib_dir=$2 py=$3
tree=$(pwd)
rm -rf "$work"
mkdir -p "$work"
sdist=$(sh scripts/python-package.sh "$work/dist" "$py")
# no pip of its own (Debian's ensurepip may be absent): the system's pip
# and setuptools are seen through --system-site-packages and install into
# the environment, which is what sys.prefix says
"$py" -m venv --without-pip --system-site-packages "$work/venv"
vpy="$work/venv/bin/python"
"$vpy" -m pip install --quiet --no-build-isolation --no-deps --no-index "$sdist"
cd /
REPLICER_HOOKS_LIB_DIR="$lib_dir" "$vpy" - "$work/venv" <<'PY'
import os
import sys
import replicer_hooks as rh

venv = sys.argv[1]
# the installed copy, not the tree's, with its constants and its type
# stubs beside it
assert rh.__file__.startswith(venv + "/lib/"), rh.__file__
for shipped in ("constants.json", "py.typed", "__init__.pyi", "aio.pyi"):
    assert os.path.isfile(os.path.join(os.path.dirname(rh.__file__), shipped)), shipped
assert rh.__version__ == rh.version, (rh.__version__, rh.version)
# the Standard Webhooks example, signed as the wire contract says
sig = rh.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
              1614265330, b'{"test": 2432232314}')
assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig
with rh.Context(development=True) as ctx:
    assert ctx.endpoints() == []
print("installed", rh.__version__)
PY
# the suite, from a copy beside no package: its imports find the venv's
cp -r "$tree/bindings/python/tests" "$work/tests"
cd "$work"
RH_SOURCE_TREE="$tree" REPLICER_HOOKS_LIB_DIR="$lib_dir" "$vpy" -m unittest discover -s tests -v
