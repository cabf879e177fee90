#!/bin/sh
# The Python package installed the way a user installs it, offline: pip
# with Debian's setuptools (no build isolation, no index) from a copy of
# bindings/python (so the source tree gets no build/ or egg-info), into a
# folder of its own; then imported from elsewhere.
# Usage: pip_install.sh WORKDIR LIB_DIR PYTHON
set -eu
work=$1 lib_dir=$2 py=$3
rm -rf "$work"
mkdir -p "$work/src"
cp -r bindings/python/. "$work/src/"
rm -rf "$work/src/tests"
"$py" -m pip install --quiet --no-build-isolation --no-deps --no-index \
    --target "$work/site" "$work/src"
cd /
PYTHONPATH="$work/site" REPLICER_HOOKS_LIB_DIR="$lib_dir" "$py" - "$work/site" <<'PY'
import os
import sys
import replicer_hooks as rh

site = sys.argv[1]
# the installed copy, not the tree's, with its constants beside it
assert rh.__file__.startswith(site + "/"), rh.__file__
assert os.path.isfile(os.path.join(os.path.dirname(rh.__file__), "constants.json"))
assert rh.__version__ == rh.version, (rh.__version__, rh.version)
# the Standard Webhooks example, signed as the wire contract says
sig = rh.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
              1614265330, b'{"test": 2432232314}')
assert sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig
with rh.Context(development=True) as ctx:
    assert ctx.endpoints() == []
print("installed", rh.__version__)
PY
