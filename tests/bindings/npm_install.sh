#!/bin/sh
# The Node package installed the way a user installs it: its npm tarball
# (scripts/node-package.sh) installed into an app of its own, offline;
# imported by name from that app and required by name from a CommonJS
# script, then the binding's whole suite (bindings/node/test) run there
# against that installed copy. A test reaches no registry, so the app
# starts with the koffi that make node-binding-deps installed at the
# lockfile's version, which npm keeps as the package's dependency (and
# unpacking koffi again would cost 18 s of CPU).
# Usage: npm_install.sh WORKDIR LIB_DIR; exit 3 when that koffi is absent.
set -eu
work=$1 lib_dir=$2 tree=$(pwd)
rm -rf "$work"
mkdir -p "$work/app"
tgz=$(sh scripts/node-package.sh "$work")
# what a user gets: both entry points, the code and the constants, no tests
for f in constants.json index.mjs index.cjs; do tar -tzf "$tgz" | grep -qx "package/$f"; done
! tar -tzf "$tgz" | grep -q '^package/test/'
cd "$work/app"
installed="$tree/build/node-binding/node_modules"
[ -d "$installed/koffi" ] || exit 3
mkdir -p node_modules
cp -r "$installed/koffi" node_modules/
# koffi's native module comes as an optional dependency of its own
[ -d "$installed/@koromix" ] && cp -r "$installed/@koromix" node_modules/
printf '{"name":"app","version":"1.0.0","private":true,"type":"module"}\n' > package.json
if ! npm install --offline --no-audit --no-fund "$tgz" > npm.log 2>&1; then
    cat npm.log >&2
    exit 1
fi
REPLICER_HOOKS_LIB_DIR="$lib_dir" node --input-type=module -e '
import assert from "node:assert/strict";
import * as rh from "replicer-hooks";
const sig = rh.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
  1614265330, Buffer.from("{\"test\": 2432232314}"));
assert.equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
assert.ok(import.meta.resolve("replicer-hooks").includes("/app/node_modules/replicer-hooks/"));
const ctx = new rh.Context({ development: true });
assert.deepEqual(ctx.endpoints(), []);
ctx.close();
console.log("installed", rh.version);
'
# a CommonJS app requires it; an app that also imports it shares the one
# module (the ESM entry re-exports index.cjs), so instanceof holds across both
REPLICER_HOOKS_LIB_DIR="$lib_dir" node -e '
const assert = require("node:assert/strict");
const rh = require("replicer-hooks");
assert.ok(require.resolve("replicer-hooks").endsWith("/app/node_modules/replicer-hooks/index.cjs"));
const ctx = new rh.Context({ development: true });
assert.throws(() => ctx.emit("", {}), rh.InvalidArgumentError);
ctx.close();
import("replicer-hooks").then((esm) => {
  assert.equal(esm.Context, rh.Context);
  assert.equal(esm.default, rh);
  console.log("required", rh.version);
});
'
# the suite, importing "replicer-hooks" as an app does: the installed copy
mkdir -p test
cp "$tree"/bindings/node/test/*.mjs test/
RH_SOURCE_TREE="$tree" REPLICER_HOOKS_LIB_DIR="$lib_dir" node --test test/
