// The C library loaded (from $REPLICER_HOOKS_LIB_DIR, the source tree's
// build/, or the system's library path), its constants (constants.json
// beside this file, a copy of bindings/constants.json that the C build
// writes and checks), and the errors every call throws.
"use strict";
const koffi = require("koffi");
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const here = __dirname;

function findFile(candidates) {
  return candidates.find((p) => p && existsSync(p));
}

const constantsPath = findFile([
  process.env.REPLICER_HOOKS_CONSTANTS,
  join(here, "constants.json"),
  join(here, "..", "constants.json"),
]);
if (!constantsPath) throw new Error("replicer-hooks: constants.json not found");
const C = JSON.parse(readFileSync(constantsPath, "utf8"));
const constants = Object.assign({}, C.defines, ...Object.values(C.enums));
const K = constants;
const errorNames = Object.fromEntries(Object.entries(C.enums.rh_err).map(([k, v]) => [v, k]));

// Every library loaded stays loaded: koffi unloads one whose object is
// collected, and a context keeps the storage adapter's function pointers
// long after sqlite() or postgresql() returned (a collected adapter made
// the next call on the context jump into unmapped code).
const loaded = new Map();

function load(name) {
  if (!loaded.has(name)) {
    const dir = findFile([
      process.env.REPLICER_HOOKS_LIB_DIR && join(process.env.REPLICER_HOOKS_LIB_DIR, name),
      join(here, "..", "..", "build", name),
    ]);
    loaded.set(name, koffi.load(dir || name));
  }
  return loaded.get(name);
}

const lib = load("libreplicer-hooks.so.0");
const strerror = lib.func("const char *rh_strerror(int code)");

/** A failed call: code (an RH_E_* value), codeName, the library's detail
 *  and, when it refused an argument, which one (arg) and why (refusal:
 *  "malformed", "private_address", ...). new
 *  ReplicerHooksError(code, ...) makes the subclass a caller would catch
 *  for that code (InvalidArgumentError, NotFoundError, StorageError,
 *  FullError, StateError), each still a ReplicerHooksError. */
class ReplicerHooksError extends Error {
  constructor(code, message, arg, refusal = null) {
    const sub = new.target === ReplicerHooksError ? errorClasses()[code] : null;
    if (sub) return new sub(code, message, arg, refusal); // eslint-disable-line no-constructor-return
    super(`${errorNames[code] ?? "RH_E_USER"}: ${message || strerror(code)}`);
    this.name = new.target.name;
    this.code = code;
    this.codeName = errorNames[code] ?? "RH_E_USER";
    this.detail = message || strerror(code);
    this.arg = arg;
    this.refusal = refusal;
  }
}
/** RH_E_INVALID_ARG: bad input, named by arg when the library says. */
class InvalidArgumentError extends ReplicerHooksError {}
/** RH_E_NOT_FOUND: no such endpoint, delivery or event type. */
class NotFoundError extends ReplicerHooksError {}
/** RH_E_STORAGE: the store failed. */
class StorageError extends ReplicerHooksError {}
/** RH_E_FULL: a cap is reached; back off and try again. */
class FullError extends ReplicerHooksError {}
/** RH_E_STATE: not in a state that allows it. */
class StateError extends ReplicerHooksError {}
function errorClasses() {
  return {
    [K.RH_E_INVALID_ARG]: InvalidArgumentError, [K.RH_E_NOT_FOUND]: NotFoundError,
    [K.RH_E_STORAGE]: StorageError, [K.RH_E_FULL]: FullError, [K.RH_E_STATE]: StateError,
  };
}

/** rc, or the error it stands for thrown (without a context's detail). */
function check(rc) {
  if (rc < 0) throw new ReplicerHooksError(rc);
  return rc;
}

/** A C string written into a Buffer, up to its NUL. */
const cstr = (buf) => buf.toString("utf8", 0, buf.indexOf(0) < 0 ? buf.length : buf.indexOf(0));

module.exports = {
  C, constants, K, load, lib, ReplicerHooksError, InvalidArgumentError, NotFoundError,
  StorageError, FullError, StateError, check, cstr,
};
