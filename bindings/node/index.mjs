// replicer-hooks from Node on koffi (prebuilt, nothing to compile): signing,
// verifying, and a context driven from Node's event loop by the library's
// own timer and socket callbacks (never rh_wait on Node's thread).
// Constants come from bindings/constants.json, checked by the C build.
import koffi from "koffi";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

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
export const constants = Object.assign({}, C.defines, ...Object.values(C.enums));
const K = constants;
const errorNames = Object.fromEntries(Object.entries(C.enums.rh_err).map(([k, v]) => [v, k]));

function load(name) {
  const dir = findFile([
    process.env.REPLICER_HOOKS_LIB_DIR && join(process.env.REPLICER_HOOKS_LIB_DIR, name),
    join(here, "..", "..", "build", name),
  ]);
  return koffi.load(dir || name);
}

const lib = load("libreplicer-hooks.so.0");
const fn = (proto) => lib.func(proto);

const SocketCb = koffi.proto("void rh_socket_cb(int fd, unsigned int what, void *ud)");
const TimerCb = koffi.proto("void rh_timer_cb(int64_t timeout_ms, void *ud)");
const RowCb = koffi.proto("int rh_row_cb(void *row, void *ud)");
const FailedCb = koffi.proto("void rh_failed_cb(void *dl, void *ud)");

const f = {
  strerror: fn("const char *rh_strerror(int code)"),
  version: fn("const char *rh_version_string(void)"),
  sign: fn("int rh_sign(const char *secret, const char *id, int64_t ts, const char *body, size_t len, _Out_ uint8_t *out, size_t size)"),
  verify: fn("int rh_verify(const char *secret, const char *id, const char *ts, const char *sig, const char *body, size_t len, int64_t now, int64_t tolerance)"),
  cfgNew: fn("int rh_config_new(_Out_ void **out)"),
  cfgFree: fn("void rh_config_free(void *cfg)"),
  cfgMode: fn("int rh_config_set_mode(void *cfg, int mode)"),
  cfgSchedule: fn("int rh_config_set_retry_schedule(void *cfg, int64_t *delays, size_t n)"),
  cfgTimeout: fn("int rh_config_set_timeout_ms(void *cfg, int64_t ms)"),
  cfgIdle: fn("int rh_config_set_idle_connections(void *cfg, size_t n)"),
  cfgStorage: fn("int rh_config_set_storage(void *cfg, void *table)"),
  cfgSocket: fn("int rh_config_set_socket_cb(void *cfg, rh_socket_cb *cb, void *ud)"),
  cfgTimer: fn("int rh_config_set_timer_cb(void *cfg, rh_timer_cb *cb, void *ud)"),
  cfgFailed: fn("int rh_config_set_failed_cb(void *cfg, rh_failed_cb *cb, void *ud)"),
  storageFree: fn("void rh_storage_free(void *table)"),
  storageClose: fn("void rh_storage_close(void *table)"),
  ctxNew: fn("int rh_ctx_new(_Out_ void **out, void *cfg)"),
  ctxFree: fn("void rh_ctx_free(void *ctx)"),
  lastError: fn("const char *rh_ctx_last_error(void *ctx)"),
  lastArg: fn("int rh_ctx_last_error_arg(void *ctx)"),
  argName: fn("const char *rh_arg_name(int arg)"),
  duplicate: fn("int rh_ctx_last_emit_duplicate(void *ctx)"),
  epAdd: fn("int rh_endpoint_add(void *ctx, const char *url, const char **events, size_t n, _Out_ uint8_t *id, size_t id_size, _Out_ uint8_t *secret, size_t secret_size)"),
  optsNew: fn("int rh_emit_options_new(_Out_ void **out)"),
  optsFree: fn("void rh_emit_options_free(void *opts)"),
  optsIdem: fn("int rh_emit_options_set_idempotency_key(void *opts, const char *key)"),
  optsOrder: fn("int rh_emit_options_set_ordering_key(void *opts, const char *key, int policy)"),
  optsEndpoint: fn("int rh_emit_options_set_endpoint(void *opts, const char *id)"),
  emitWith: fn("int rh_emit_with(void *ctx, const char *type, const char *json, size_t len, void *opts, _Out_ uint8_t *id, size_t id_size)"),
  tick: fn("int rh_tick(void *ctx)"),
  nextTimeout: fn("int64_t rh_next_timeout_ms(void *ctx)"),
  inFlight: fn("size_t rh_ctx_in_flight(void *ctx)"),
  processFd: fn("int rh_process_fd(void *ctx, int fd, unsigned int events)"),
  resend: fn("int rh_delivery_resend(void *ctx, const char *id)"),
  skip: fn("int rh_delivery_skip(void *ctx, const char *id)"),
  recover: fn("int rh_recover(void *ctx, void *q)"),
  qEndpoint: fn("int rh_query_set_endpoint(void *q, const char *id)"),
  qRange: fn("int rh_query_set_time_range(void *q, int64_t since, int64_t until)"),
  qNew: fn("int rh_query_new(_Out_ void **out)"),
  qFree: fn("void rh_query_free(void *q)"),
  qState: fn("int rh_query_set_state(void *q, int state)"),
  qStatus: fn("int rh_query_set_status(void *q, int status)"),
  qType: fn("int rh_query_set_event_type(void *q, const char *type)"),
  qLimit: fn("int rh_query_set_limit(void *q, size_t limit)"),
  logAttempts: fn("int rh_log_attempts(void *ctx, void *q, rh_row_cb *cb, void *ud)"),
  logDeliveries: fn("int rh_log_deliveries(void *ctx, void *q, rh_row_cb *cb, void *ud)"),
  atStatus: fn("int rh_attempt_status(void *at)"),
  atDelivery: fn("const char *rh_attempt_delivery_id(void *at)"),
  atType: fn("const char *rh_attempt_event_type(void *at)"),
  atOutcome: fn("int rh_attempt_outcome(void *at)"),
  outcomeName: fn("const char *rh_outcome_name(int outcome)"),
  dlId: fn("const char *rh_delivery_id(void *dl)"),
  dlState: fn("int rh_delivery_state(void *dl)"),
  dlKey: fn("const char *rh_delivery_ordering_key(void *dl)"),
  stateName: fn("const char *rh_delivery_state_name(int state)"),
};

export const version = f.version();

export class ReplicerHooksError extends Error {
  constructor(code, message, arg) {
    super(`${errorNames[code] ?? "RH_E_USER"}: ${message || f.strerror(code)}`);
    this.code = code;
    this.codeName = errorNames[code] ?? "RH_E_USER";
    this.detail = message || f.strerror(code);
    this.arg = arg;
  }
}

const cstr = (buf) => buf.toString("utf8", 0, buf.indexOf(0) < 0 ? buf.length : buf.indexOf(0));

// Every argument is checked here, before it reaches C, and named as the
// caller knows it: koffi takes a number given for a `const char *` as an
// address (SIGSEGV) and wraps an integer outside its C type without a word,
// and C reads a string only up to its first NUL ("order-1\0A" and
// "order-1\0B" would be one idempotency key).
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];
const INT = [-(2n ** 31n), 2n ** 31n - 1n];
const SIZE = [0n, 2n ** 64n - 1n];
const MS = [0n, 2n ** 31n - 1n]; // a setTimeout delay
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

function str(name, v) {
  if (typeof v !== "string") throw new TypeError(`${name} must be a string, not ${kind(v)}`);
  if (v.includes("\0")) throw new TypeError(`${name} must not contain a NUL character`);
  return v;
}

const optStr = (name, v) => (v == null ? null : str(name, v));

/** An integer (number or BigInt) within [min, max] of its C type. */
function int(name, v, [min, max]) {
  if (typeof v === "number" && !Number.isInteger(v))
    throw new RangeError(`${name} must be an integer, not ${v}`);
  if (typeof v !== "number" && typeof v !== "bigint")
    throw new TypeError(`${name} must be an integer, not ${kind(v)}`);
  const b = BigInt(v);
  if (b < min || b > max) throw new RangeError(`${name} must be from ${min} to ${max}, not ${v}`);
  return b >= -SAFE && b <= SAFE ? Number(b) : b;
}

// Array.from visits holes too, so a sparse array is refused, not passed on.
function array(name, v, each) {
  if (!Array.isArray(v)) throw new TypeError(`${name} must be an array, not ${kind(v)}`);
  return Array.from(v, (x, i) => each(`${name}[${i}]`, x));
}

function bool(name, v) {
  if (typeof v !== "boolean") throw new TypeError(`${name} must be true or false, not ${kind(v)}`);
  return v;
}

function optFn(name, v) {
  if (v != null && typeof v !== "function")
    throw new TypeError(`${name} must be a function, not ${kind(v)}`);
  return v;
}

/** An options object (undefined or null: none); an unknown key, a typo
 *  such as idempotency_key, is refused rather than ignored. */
function options(name, v, keys) {
  if (v == null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new TypeError(`${name} must be an object, not ${kind(v)}`);
  for (const k of Object.keys(v))
    if (!keys.includes(k))
      throw new TypeError(`${name}: unknown option ${k} (known: ${keys.join(", ")})`);
  return v;
}

/** A member of one of constants.json's enums by its short lower-case name. */
function named(name, v, prefix, members) {
  const value = members[prefix + str(name, v).toUpperCase()];
  if (value === undefined) {
    const known = Object.keys(members).map((k) => k.slice(prefix.length).toLowerCase());
    throw new RangeError(`${name} must be one of ${known.join(", ")}, not ${v}`);
  }
  return value;
}

/** Bytes passed with their length (they may hold NUL): a string (UTF-8),
 *  a Buffer or other typed array, or an ArrayBuffer. */
function bytes(name, v) {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  throw new TypeError(`${name} must be a string, a Buffer or an ArrayBuffer, not ${kind(v)}`);
}

/** Event data: JSON text as given, or a value JSON.stringify writes. */
function jsonText(v) {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  let text;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw new TypeError(`data: ${e.message}`, { cause: e });
  }
  if (typeof text !== "string") throw new TypeError(`data cannot be written as JSON: ${kind(v)}`);
  return Buffer.from(text, "utf8");
}

export function sign(secret, msgId, timestamp, body) {
  str("secret", secret);
  str("msgId", msgId);
  const ts = int("timestamp", timestamp, INT64);
  const b = bytes("body", body);
  const out = Buffer.alloc(K.RH_SIGNATURE_SIZE);
  const rc = f.sign(secret, msgId, ts, b, b.length, out, out.length);
  if (rc !== K.RH_OK) throw new ReplicerHooksError(rc);
  return cstr(out);
}

export function verify(secret, msgId, timestamp, signature, body,
  now = Math.floor(Date.now() / 1000), tolerance = K.RH_VERIFY_TOLERANCE_S) {
  str("secret", secret);
  str("msgId", msgId);
  // the header's text as received, or a number of seconds
  const ts = typeof timestamp === "string" ? str("timestamp", timestamp)
    : String(int("timestamp", timestamp, INT64));
  str("signature", signature);
  const b = bytes("body", body);
  const rc = f.verify(secret, msgId, ts, signature, b, b.length, int("now", now, INT64),
    int("tolerance", tolerance, INT64));
  if (rc === K.RH_E_SIGNATURE || rc === K.RH_E_TIMESTAMP) return false;
  if (rc !== K.RH_OK) throw new ReplicerHooksError(rc);
  return true;
}

function openStore(libName, opener, args) {
  const l = load(libName);
  const open = l.func(opener);
  const out = [null];
  const err = Buffer.alloc(512);
  const rc = open(out, ...args, err, err.length);
  if (rc !== K.RH_OK) throw new ReplicerHooksError(rc, cstr(err));
  return new Store(out[0]);
}

/** An open store, for one Context (which closes it), or close() unused. */
class Store {
  constructor(table) {
    this.table = table;
    this.gone = null; // why table is null: "closed", or a context has it
  }

  /** The table, for a context. A closed store, or one a context took, has
   *  none, and a NULL table means the memory store to the library: the
   *  context would acknowledge emits it never stored. */
  openTable() {
    if (!this.table) throw new Error(`store is ${this.gone}: open a new one`);
    return this.table;
  }

  take(gone) {
    const table = this.table;
    this.table = null;
    this.gone = gone;
    return table;
  }

  close() {
    if (this.table) f.storageClose(this.take("closed"));
  }
}

function storeTable(store) {
  if (!(store instanceof Store))
    throw new TypeError(`store must be made by sqlite() or postgresql(), not ${kind(store)}`);
  return store.openTable();
}

/** A SQLite file: durable, shared by the processes that open it. */
export function sqlite(path) {
  return openStore("libreplicer-hooks-sqlite.so.0",
    "int rh_sqlite_new(_Out_ void **out, const char *path, unsigned int flags, _Out_ uint8_t *err, size_t size)",
    [str("path", path), 0]);
}

/** A PostgreSQL database: one queue for many processes and machines. */
export function postgresql(conninfo, schema = null) {
  return openStore("libreplicer-hooks-pg.so.0",
    "int rh_pg_new(_Out_ void **out, const char *conninfo, const char *schema, _Out_ uint8_t *err, size_t size)",
    [str("conninfo", conninfo), optStr("schema", schema)]);
}

/**
 * A sender on Node's event loop. The library says when it needs a tick
 * (its timer callback) and which sockets it has (its socket callback).
 * Node cannot watch a raw descriptor without a native addon, so while any
 * socket is open the context is ticked every `pollMs` (default 2 ms); when
 * none is, only its timer wakes it. Call close() to let the process exit.
 */
export class Context {
  constructor(opts) {
    const { development = false, store = null, retryScheduleMs = null, timeoutMs = null,
      onFailed = null, pollMs = 2, idleConnections = null } = options("Context options", opts,
      ["development", "store", "retryScheduleMs", "timeoutMs", "onFailed", "pollMs",
        "idleConnections"]);
    bool("development", development);
    const schedule = retryScheduleMs == null ? null
      : array("retryScheduleMs", retryScheduleMs, (n, v) => int(n, v, INT64));
    const timeout = timeoutMs == null ? null : int("timeoutMs", timeoutMs, INT64);
    const idle = idleConnections == null ? null
      : int("idleConnections", idleConnections, SIZE);
    optFn("onFailed", onFailed);
    const table = store == null ? null : storeTable(store);
    this.sockets = new Set();
    this.pollMs = int("pollMs", pollMs, MS);
    this.timer = null;
    this.idleWaiters = [];
    const cfgOut = [null];
    check(f.cfgNew(cfgOut));
    const cfg = cfgOut[0];
    try {
      f.cfgMode(cfg, development ? K.RH_MODE_DEVELOPMENT : K.RH_MODE_PRODUCTION);
      if (schedule) check(f.cfgSchedule(cfg, schedule, schedule.length));
      if (timeout != null) check(f.cfgTimeout(cfg, timeout));
      if (idle != null) check(f.cfgIdle(cfg, idle));
      // kept registered as long as the context lives
      this.socketCb = koffi.register((fd, what) => {
        if (what & K.RH_POLL_REMOVE) this.sockets.delete(fd);
        else this.sockets.add(fd);
      }, koffi.pointer(SocketCb));
      this.timerCb = koffi.register((ms) => this.#schedule(Number(ms)), koffi.pointer(TimerCb));
      f.cfgSocket(cfg, this.socketCb, null);
      f.cfgTimer(cfg, this.timerCb, null);
      if (onFailed) {
        this.failedCb = koffi.register((dl) => onFailed(delivery(dl)), koffi.pointer(FailedCb));
        f.cfgFailed(cfg, this.failedCb, null);
      }
      if (table) check(f.cfgStorage(cfg, table));
      const ctxOut = [null];
      check(f.ctxNew(ctxOut, cfg));
      this.ctx = ctxOut[0];
      if (table) f.storageFree(store.take("already given to a context")); // the context's now
    } finally {
      f.cfgFree(cfg);
    }
    this.#schedule(0);
  }

  #check(rc) {
    if (rc < 0) {
      const arg = f.argName(f.lastArg(this.ctx));
      throw new ReplicerHooksError(rc, f.lastError(this.ctx), arg && arg !== "none" ? arg : undefined);
    }
    return rc;
  }

  #schedule(ms) {
    if (!this.ctx) return;
    clearTimeout(this.timer);
    this.timer = null;
    let wait = ms;
    // transfers in flight: look at their sockets every pollMs (an idle
    // kept-alive connection alone needs no polling)
    if (this.sockets.size && Number(f.inFlight(this.ctx)) > 0)
      wait = wait < 0 ? this.pollMs : Math.min(wait, this.pollMs);
    if (wait >= 0) this.timer = setTimeout(() => this.#run(), wait);
    if (ms < 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  #run() {
    this.timer = null;
    if (!this.ctx) return;
    // which socket is ready Node cannot say: let each one's transfer move
    for (const fd of [...this.sockets]) f.processFd(this.ctx, fd, 0);
    const rc = f.tick(this.ctx);
    if (rc < 0 && rc !== K.RH_E_STORAGE) throw new ReplicerHooksError(rc, f.lastError(this.ctx));
    this.#schedule(Number(f.nextTimeout(this.ctx)));
  }

  addEndpoint(url, events) {
    str("url", url);
    events = array("events", events, str);
    const id = Buffer.alloc(K.RH_ID_SIZE);
    const secret = Buffer.alloc(K.RH_SECRET_SIZE);
    this.#check(f.epAdd(this.ctx, url, events, events.length, id, id.length, secret, secret.length));
    return { id: cstr(id), secret: cstr(secret) };
  }

  /** Queue an event; { id, queued, duplicate }. data: an object or JSON text. */
  emit(type, data, emitOpts) {
    const { idempotencyKey, orderingKey, holdOnFailure = false, endpoint } = options(
      "emit options", emitOpts, ["idempotencyKey", "orderingKey", "holdOnFailure", "endpoint"]);
    str("type", type);
    optStr("idempotencyKey", idempotencyKey);
    optStr("orderingKey", orderingKey);
    bool("holdOnFailure", holdOnFailure);
    optStr("endpoint", endpoint);
    const json = jsonText(data);
    const out = [null];
    check(f.optsNew(out));
    const opts = out[0];
    try {
      if (idempotencyKey != null) check(f.optsIdem(opts, idempotencyKey));
      if (orderingKey != null)
        check(f.optsOrder(opts, orderingKey, holdOnFailure ? K.RH_ORDERING_HOLD : K.RH_ORDERING_CONTINUE));
      if (endpoint != null) check(f.optsEndpoint(opts, endpoint));
      const id = Buffer.alloc(K.RH_ID_SIZE);
      const n = this.#check(f.emitWith(this.ctx, type, json, json.length, opts, id, id.length));
      this.#schedule(Number(f.nextTimeout(this.ctx)));
      return { id: cstr(id), queued: n, duplicate: f.duplicate(this.ctx) === 1 };
    } finally {
      f.optsFree(opts);
    }
  }

  /** Resolves when nothing is pending or in flight. */
  idle() {
    return new Promise((resolve) => {
      if (Number(f.nextTimeout(this.ctx)) < 0) resolve();
      else this.idleWaiters.push(resolve);
    });
  }

  #rows(logFn, rowFn, filters) {
    const { state, status, eventType, limit = 1000 } = options("filters", filters,
      ["state", "status", "eventType", "limit"]);
    const stateValue = state == null ? null
      : named("state", state, "RH_DELIVERY_", C.enums.rh_state);
    const statusValue = status == null ? null : int("status", status, INT);
    optStr("eventType", eventType);
    const limitValue = int("limit", limit, SIZE);
    const out = [null];
    check(f.qNew(out));
    const q = out[0];
    const rows = [];
    const cb = koffi.register((row) => { rows.push(rowFn(row)); return 0; }, koffi.pointer(RowCb));
    try {
      if (stateValue != null) check(f.qState(q, stateValue));
      if (statusValue != null) check(f.qStatus(q, statusValue));
      if (eventType != null) check(f.qType(q, eventType));
      f.qLimit(q, limitValue);
      this.#check(logFn(this.ctx, q, cb, null));
      return rows;
    } finally {
      koffi.unregister(cb);
      f.qFree(q);
    }
  }

  attempts(filters) {
    return this.#rows(f.logAttempts, (at) => ({
      deliveryId: f.atDelivery(at), eventType: f.atType(at), status: f.atStatus(at),
      outcome: f.outcomeName(f.atOutcome(at)),
    }), filters);
  }

  deliveries(filters) {
    return this.#rows(f.logDeliveries, delivery, filters);
  }

  resend(deliveryId) {
    str("deliveryId", deliveryId);
    this.#check(f.resend(this.ctx, deliveryId));
    this.#schedule(0);
  }

  skip(deliveryId) {
    str("deliveryId", deliveryId);
    this.#check(f.skip(this.ctx, deliveryId));
    this.#schedule(0);
  }

  /** Resend the failed deliveries these select; how many. */
  recover(filters) {
    const { endpoint, eventType, sinceMs = 0, untilMs = 0 } = options("recover filters", filters,
      ["endpoint", "eventType", "sinceMs", "untilMs"]);
    optStr("endpoint", endpoint);
    optStr("eventType", eventType);
    const since = int("sinceMs", sinceMs, INT64);
    const until = int("untilMs", untilMs, INT64);
    const out = [null];
    check(f.qNew(out));
    const q = out[0];
    try {
      if (endpoint != null) check(f.qEndpoint(q, endpoint));
      if (eventType != null) check(f.qType(q, eventType));
      check(f.qRange(q, since, until));
      const n = this.#check(f.recover(this.ctx, q));
      this.#schedule(0);
      return n;
    } finally {
      f.qFree(q);
    }
  }

  close() {
    if (!this.ctx) return;
    clearTimeout(this.timer);
    f.ctxFree(this.ctx); // may still call the socket callback: unregister after
    this.ctx = null;
    for (const cb of [this.socketCb, this.timerCb, this.failedCb]) if (cb) koffi.unregister(cb);
    this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}

function delivery(dl) {
  return { id: f.dlId(dl), state: f.stateName(f.dlState(dl)), orderingKey: f.dlKey(dl) };
}

function check(rc) {
  if (rc < 0) throw new ReplicerHooksError(rc);
  return rc;
}
