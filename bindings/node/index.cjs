// replicer-hooks from Node on koffi (prebuilt, nothing to compile): a
// Context driven from Node's event loop by the library's own timer and
// socket callbacks (never rh_wait on Node's thread), the stores, and the
// package's exports; the library, its constants and errors are loaded by
// native.cjs, and each group of calls lives in a module of its own.
"use strict";
const koffi = require("koffi");

const {
  INT, INT64, MS, SIZE, array, bool, bytes, int, jsonText, kind, labels, optStr,
  options, str,
} = require("./args.cjs");
const { bindCatalog } = require("./catalog.cjs");
const { bindConfig, settingNames } = require("./config.cjs");
const { bindContextOps } = require("./context_ops.cjs");
const { bindEmitter } = require("./emitter.cjs");
const { bindEndpointOps } = require("./endpoint_ops.cjs");
const { bindHooks } = require("./hooks.cjs");
const { bindLog } = require("./log.cjs");
const {
  C, constants, K, load, lib, ReplicerHooksError, InvalidArgumentError, NotFoundError,
  StorageError, FullError, StateError, check, cstr,
} = require("./native.cjs");
const { bindPortal } = require("./portal.cjs");
const { sign, verify } = require("./signing.cjs");

const fn = (proto) => lib.func(proto);

const SocketCb = koffi.proto("void rh_socket_cb(int fd, unsigned int what, void *ud)");
const TimerCb = koffi.proto("void rh_timer_cb(int64_t timeout_ms, void *ud)");
const RowCb = koffi.proto("int rh_row_cb(void *row, void *ud)");

const f = {
  version: fn("const char *rh_version_string(void)"),
  cfgNew: fn("int rh_config_new(_Out_ void **out)"),
  cfgFree: fn("void rh_config_free(void *cfg)"),
  cfgMode: fn("int rh_config_set_mode(void *cfg, int mode)"),
  cfgSchedule: fn("int rh_config_set_retry_schedule(void *cfg, int64_t *delays, size_t n)"),
  cfgTimeout: fn("int rh_config_set_timeout_ms(void *cfg, int64_t ms)"),
  cfgIdle: fn("int rh_config_set_idle_connections(void *cfg, size_t n)"),
  cfgHttpVersion: fn("int rh_config_set_http_version(void *cfg, int version)"),
  epSetHttpVersion: fn("int rh_endpoint_set_http_version(void *ctx, const char *id, int version)"),
  epHttpVersion: fn("int rh_endpoint_http_version(void *ep)"),
  epMode: fn("int rh_endpoint_mode(void *ep)"),
  epClientCert: fn("int rh_endpoint_set_client_cert(void *ctx, const char *id, const char *cert, const char *key)"),
  cfgStorage: fn("int rh_config_set_storage(void *cfg, void *table)"),
  cfgSocket: fn("int rh_config_set_socket_cb(void *cfg, rh_socket_cb *cb, void *ud)"),
  cfgTimer: fn("int rh_config_set_timer_cb(void *cfg, rh_timer_cb *cb, void *ud)"),
  storageFree: fn("void rh_storage_free(void *table)"),
  storageClose: fn("void rh_storage_close(void *table)"),
  ctxNew: fn("int rh_ctx_new(_Out_ void **out, void *cfg)"),
  ctxFree: fn("void rh_ctx_free(void *ctx)"),
  lastError: fn("const char *rh_ctx_last_error(void *ctx)"),
  lastArg: fn("int rh_ctx_last_error_arg(void *ctx)"),
  lastRefusal: fn("int rh_ctx_last_error_refusal(void *ctx)"),
  refusalName: fn("const char *rh_refusal_name(int refusal)"),
  argName: fn("const char *rh_arg_name(int arg)"),
  duplicate: fn("int rh_ctx_last_emit_duplicate(void *ctx)"),
  epAdd: fn("int rh_endpoint_add(void *ctx, const char *url, const char **events, size_t n, _Out_ uint8_t *id, size_t id_size, _Out_ uint8_t *secret, size_t secret_size)"),
  emitWith: fn("int rh_emit_with(void *ctx, const char *type, const char *json, size_t len, void *opts, _Out_ uint8_t *id, size_t id_size)"),
  tick: fn("int rh_tick(void *ctx)"),
  nextTimeout: fn("int64_t rh_next_timeout_ms(void *ctx)"),
  inFlight: fn("size_t rh_ctx_in_flight(void *ctx)"),
  processFd: fn("int rh_process_fd(void *ctx, int fd, unsigned int events)"),
  resend: fn("int rh_delivery_resend(void *ctx, const char *id)"),
  skip: fn("int rh_delivery_skip(void *ctx, const char *id)"),
  // accounts (rh_account.h)
  cfgTenantRequired: fn("int rh_config_set_tenant_required(void *cfg, int required)"),
  cfgPerTenant: fn("int rh_config_set_max_in_flight_per_tenant(void *cfg, size_t n)"),
  cfgSealing: fn("int rh_config_set_sealing_key(void *cfg, const uint8_t *key, size_t n)"),
  eoNew: fn("int rh_endpoint_options_new(_Out_ void **out)"),
  eoFree: fn("void rh_endpoint_options_free(void *opts)"),
  eoTenant: fn("int rh_endpoint_options_set_tenant(void *opts, const char *v)"),
  eoName: fn("int rh_endpoint_options_set_name(void *opts, const char *v)"),
  eoDescription: fn("int rh_endpoint_options_set_description(void *opts, const char *v)"),
  eoSecret: fn("int rh_endpoint_options_set_secret(void *opts, const char *v)"),
  eoLabel: fn("int rh_endpoint_options_set_label(void *opts, const char *k, const char *v)"),
  epAddWith: fn("int rh_endpoint_add_with(void *ctx, const char *url, const char **events, size_t n, void *opts, _Out_ uint8_t *id, size_t id_size, _Out_ uint8_t *secret, size_t secret_size)"),
  epSetUrl: fn("int rh_endpoint_set_url(void *ctx, const char *id, const char *v)"),
  epSetName: fn("int rh_endpoint_set_name(void *ctx, const char *id, const char *v)"),
  epSetDescription: fn("int rh_endpoint_set_description(void *ctx, const char *id, const char *v)"),
  epSetEvents: fn("int rh_endpoint_set_events(void *ctx, const char *id, const char **events, size_t n)"),
  epSetLabel: fn("int rh_endpoint_set_label(void *ctx, const char *id, const char *k, const char *v)"),
  epList: fn("int rh_endpoint_list(void *ctx, rh_row_cb *cb, void *ud)"),
  epId: fn("const char *rh_endpoint_id(void *ep)"),
  epUrl: fn("const char *rh_endpoint_url(void *ep)"),
  epEventCount: fn("size_t rh_endpoint_event_count(void *ep)"),
  epEvent: fn("const char *rh_endpoint_event(void *ep, size_t i)"),
  epEnabled: fn("int rh_endpoint_enabled(void *ep)"),
  epPaused: fn("int rh_endpoint_paused(void *ep)"),
  epTenant: fn("const char *rh_endpoint_tenant(void *ep)"),
  epName: fn("const char *rh_endpoint_name(void *ep)"),
  epDescription: fn("const char *rh_endpoint_description(void *ep)"),
  epLabelCount: fn("size_t rh_endpoint_label_count(void *ep)"),
  epLabelKey: fn("const char *rh_endpoint_label_key(void *ep, size_t i)"),
  epLabelValue: fn("const char *rh_endpoint_label_value(void *ep, size_t i)"),
  tenantRemove: fn("int rh_tenant_remove(void *ctx, const char *tenant)"),
  tenantResend: fn("int rh_tenant_resend(void *ctx, const char *tenant, const char *id)"),
};

const version = f.version();

/** The error of a refused call: its code and message, and the argument and
 *  the reason the library named (rh_arg_name, rh_refusal_name; "none" is
 *  neither). */
function refusedError(rc, message, argCode, refusalCode) {
  const arg = f.argName(argCode), refusal = f.refusalName(refusalCode);
  return new ReplicerHooksError(rc, message, arg && arg !== "none" ? arg : undefined,
    refusal && refusal !== "none" ? refusal : null);
}
const catalog = bindCatalog(lib);
const epOps = bindEndpointOps(lib);
const config = bindConfig(lib);
const ctxOps = bindContextOps(lib);
const log = bindLog(lib, C);
const hooks = bindHooks(lib, C);
/** True for the id of a test event (an example sent by sendExample). */
const isTestEvent = catalog.isTestEvent;

/** The customer portal (portal.cjs): links and the handler to mount. */
const { mintPortalLink, verifyPortalToken, Portal, portalListener } = bindPortal(
  lib, ReplicerHooksError);


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
function sqlite(path) {
  return openStore("libreplicer-hooks-sqlite.so.0",
    "int rh_sqlite_new(_Out_ void **out, const char *path, unsigned int flags, _Out_ uint8_t *err, size_t size)",
    [str("path", path), 0]);
}

/** A PostgreSQL database: one queue for many processes and machines. */
function postgresql(conninfo, schema = null) {
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
class Context {
  #handle = null; // the C context

  /** The C context; StateError while an Emitter has it (its pool threads
   *  would share it with this thread's calls). */
  get ctx() {
    if (this.lent)
      throw new StateError(K.RH_E_STATE, "this context is lent to an Emitter: close the emitter first");
    return this.#handle;
  }

  set ctx(handle) { this.#handle = handle; }

  constructor(opts) {
    const given = options("Context options", opts,
      ["development", "store", "retryScheduleMs", "timeoutMs", "pollMs",
        "idleConnections", "tenantRequired", "maxInFlightPerTenant", "sealingKey",
        "httpVersion", ...hooks.NAMES, ...settingNames]);
    const { development = false, store = null, retryScheduleMs = null, timeoutMs = null,
      pollMs = 2, idleConnections = null, tenantRequired = false,
      maxInFlightPerTenant = null, sealingKey = null, httpVersion = null } = given;
    // the other settings, by their C names (config.cjs)
    const settings = config.check(given);
    // an RH_HTTP_VERSION_* constant
    const http = httpVersion == null ? null : int("httpVersion", httpVersion, INT);
    const sealing = sealingKey == null ? null : bytes("sealingKey", sealingKey);
    bool("development", development);
    bool("tenantRequired", tenantRequired);
    const perTenant = maxInFlightPerTenant == null ? null
      : int("maxInFlightPerTenant", maxInFlightPerTenant, SIZE);
    const schedule = retryScheduleMs == null ? null
      : array("retryScheduleMs", retryScheduleMs, (n, v) => int(n, v, INT64));
    const timeout = timeoutMs == null ? null : int("timeoutMs", timeoutMs, INT64);
    const idle = idleConnections == null ? null
      : int("idleConnections", idleConnections, SIZE);
    hooks.check(given);
    const table = store == null ? null : storeTable(store);
    this.sockets = new Set();
    this.pollMs = int("pollMs", pollMs, MS);
    this.timer = null;
    this.idleWaiters = [];
    this.raised = []; // what a hook threw, for the tick that ran it to throw
    const cfgOut = [null];
    check(f.cfgNew(cfgOut));
    const cfg = cfgOut[0];
    try {
      f.cfgMode(cfg, development ? K.RH_MODE_DEVELOPMENT : K.RH_MODE_PRODUCTION);
      if (schedule) check(f.cfgSchedule(cfg, schedule, schedule.length));
      if (timeout != null) check(f.cfgTimeout(cfg, timeout));
      if (idle != null) check(f.cfgIdle(cfg, idle));
      if (http != null && f.cfgHttpVersion(cfg, http) < 0)
        throw new ReplicerHooksError(K.RH_E_INVALID_ARG,
          "httpVersion: an RH_HTTP_VERSION_* constant (0, 1 or 2)", "httpVersion");
      f.cfgTenantRequired(cfg, tenantRequired ? 1 : 0);
      if (perTenant != null) check(f.cfgPerTenant(cfg, perTenant));
      // 32 bytes: what the store's secrets are sealed with (the tool's key)
      if (sealing && f.cfgSealing(cfg, sealing, sealing.length) < 0)
        throw new ReplicerHooksError(K.RH_E_INVALID_ARG, "sealingKey is 32 bytes", "sealingKey");
      // kept registered as long as the context lives
      this.socketCb = koffi.register((fd, what) => {
        if (what & K.RH_POLL_REMOVE) this.sockets.delete(fd);
        else this.sockets.add(fd);
      }, koffi.pointer(SocketCb));
      this.timerCb = koffi.register((ms) => this.#schedule(Number(ms)), koffi.pointer(TimerCb));
      f.cfgSocket(cfg, this.socketCb, null);
      f.cfgTimer(cfg, this.timerCb, null);
      this.hookCbs = hooks.apply(cfg, given, { attemptRow: log.attemptRow,
        deliveryRow: log.deliveryRow, endpointRow }, this.raised);
      config.apply(cfg, settings, ReplicerHooksError);
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
    if (rc < 0)
      throw refusedError(rc, f.lastError(this.ctx), f.lastArg(this.ctx), f.lastRefusal(this.ctx));
    return rc;
  }

  /** rc checked: with the context's detail (withCtx), or a message and
   *  the argument it is about (the log's checks before a call). */
  #fail = (rc, withCtx = true, message = undefined, arg = undefined) => {
    if (rc >= 0) return rc;
    if (withCtx) return this.#check(rc);
    throw new ReplicerHooksError(rc, message, arg);
  };

  #schedule(ms) {
    if (this.lent || !this.ctx) return;
    clearTimeout(this.timer);
    this.timer = null;
    let wait = ms;
    // transfers in flight: look at their sockets every pollMs (an idle
    // kept-alive connection alone needs no polling)
    if (this.sockets.size && Number(f.inFlight(this.ctx)) > 0)
      wait = wait < 0 ? this.pollMs : Math.min(wait, this.pollMs);
    if (wait >= 0) this.timer = setTimeout(() => this.#run(), wait);
    if (ms < 0) this.#settle();
  }

  /** The idle() promises waiting: rejected with what a hook threw, if one
   *  did, else resolved (the timer callback says idle inside a tick, before
   *  the tick returns). */
  #settle() {
    if (!this.idleWaiters.length) return;
    const thrown = this.raised.splice(0)[0];
    this.idleWaiters.splice(0).forEach((done) => done(thrown));
  }

  #run() {
    this.timer = null;
    if (this.lent || !this.ctx) return;
    // which socket is ready Node cannot say: let each one's transfer move
    for (const fd of [...this.sockets]) f.processFd(this.ctx, fd, 0);
    const rc = f.tick(this.ctx);
    if (this.raised.length && this.idleWaiters.length) this.#settle();
    this.#schedule(Number(f.nextTimeout(this.ctx)));
    // what a hook threw with no idle() waiting: uncaught, as from any
    // throwing listener
    if (this.raised.length) throw this.raised.splice(0)[0];
    if (rc < 0 && rc !== K.RH_E_STORAGE) throw new ReplicerHooksError(rc, f.lastError(this.ctx));
  }

  /** Register url for event types or patterns; { id, secret }. Options:
   *  tenant (your account id), name, description, labels ({ key: value }),
   *  secret (yours, "whsec_..."). */
  addEndpoint(url, events, epOpts) {
    const { tenant, name, description, labels: given, secret } = options("endpoint options",
      epOpts, ["tenant", "name", "description", "labels", "secret"]);
    str("url", url);
    events = array("events", events, str);
    const texts = [["tenant", f.eoTenant, tenant], ["name", f.eoName, name],
      ["description", f.eoDescription, description], ["secret", f.eoSecret, secret]]
      .map(([k, set, v]) => [k, set, optStr(k, v)]);
    const pairs = labels("labels", given, false);
    const out = [null];
    check(f.eoNew(out));
    const opts = out[0];
    try {
      for (const [k, set, v] of texts)
        if (v != null && set(opts, v) < 0)
          throw new ReplicerHooksError(K.RH_E_INVALID_ARG, `${k} is not valid`, k);
      for (const [k, v] of pairs)
        if (f.eoLabel(opts, k, v) < 0)
          throw new ReplicerHooksError(K.RH_E_INVALID_ARG, `label ${k} is not valid`, "label");
      const id = Buffer.alloc(K.RH_ID_SIZE);
      const made = Buffer.alloc(K.RH_SECRET_SIZE);
      this.#check(f.epAddWith(this.ctx, url, events, events.length, opts, id, id.length,
        made, made.length));
      return { id: cstr(id), secret: secret ?? cstr(made) };
    } finally {
      f.eoFree(opts);
    }
  }

  /** Change an endpoint in place (its id, secret and log stay): url,
   *  events, name, description, labels (a value of null removes one),
   *  httpVersion (an RH_HTTP_VERSION_* constant; DEFAULT: the context's). */
  updateEndpoint(endpointId, changes) {
    const { url, events, name, description, labels: given, httpVersion } = options(
      "endpoint changes", changes,
      ["url", "events", "name", "description", "labels", "httpVersion"]);
    const http = httpVersion == null ? null : int("httpVersion", httpVersion, INT);
    str("endpointId", endpointId);
    const texts = [["url", f.epSetUrl, url], ["name", f.epSetName, name],
      ["description", f.epSetDescription, description]]
      .map(([k, set, v]) => [set, optStr(k, v)]);
    const list = events == null ? null : array("events", events, str);
    const pairs = labels("labels", given, true);
    for (const [set, v] of texts) if (v != null) this.#check(set(this.ctx, endpointId, v));
    if (list) this.#check(f.epSetEvents(this.ctx, endpointId, list, list.length));
    for (const [k, v] of pairs) this.#check(f.epSetLabel(this.ctx, endpointId, k, v));
    if (http != null) this.#check(f.epSetHttpVersion(this.ctx, endpointId, http));
  }

  /** The endpoints (of one tenant when { tenant } is given). */
  endpoints(filters) {
    const { tenant } = options("endpoint filters", filters, ["tenant"]);
    optStr("tenant", tenant);
    const rows = [];
    const cb = koffi.register((ep) => {
      const row = endpointRow(ep);
      if (tenant == null || row.tenant === tenant) rows.push(row);
      return 0;
    }, koffi.pointer(RowCb));
    try {
      this.#check(f.epList(this.ctx, cb, null));
    } finally {
      koffi.unregister(cb);
    }
    return rows;
  }

  /** Remove every endpoint of a tenant; how many went. */
  removeTenant(tenant) {
    return this.#check(f.tenantRemove(this.ctx, str("tenant", tenant)));
  }

  /** Queue an event; { id, queued, duplicate }. data: an object or JSON
   *  text. Options: idempotencyKey, orderingKey, holdOnFailure, endpoint,
   *  tenant, traceparent and tracestate (W3C: sent with every attempt, each
   *  a span of its own). */
  emit(type, data, emitOpts) {
    str("type", type);
    const json = jsonText(data);
    const opts = emitter.emitOptions(emitOpts);
    try {
      const id = Buffer.alloc(K.RH_ID_SIZE);
      const n = this.#check(f.emitWith(this.ctx, type, json, json.length, opts, id, id.length));
      this.#schedule(Number(f.nextTimeout(this.ctx)));
      return { id: cstr(id), queued: n, duplicate: f.duplicate(this.ctx) === 1 };
    } finally {
      emitter.freeEmitOptions(opts);
    }
  }

  /** For an Emitter: lent (its timer stops, close() is refused) or given
   *  back (it looks at its queue again). */
  lendToEmitter(lent) {
    clearTimeout(this.timer);
    this.timer = null;
    this.lent = lent;
    if (!lent) this.#schedule(0);
  }

  /** For an Emitter: rc thrown with this context's detail. */
  failed(rc) { return this.#check(rc); }

  /** Resolves true once nothing is pending or in flight; with
   *  { timeoutMs }, false when that time runs out first (a receiver that
   *  keeps failing has retries due for 43 minutes). Rejects with what a
   *  hook threw. */
  idle(idleOpts) {
    const { timeoutMs = null } = options("idle options", idleOpts, ["timeoutMs"]);
    const limit = timeoutMs == null ? null : int("timeoutMs", timeoutMs, MS);
    return new Promise((resolve, reject) => {
      if (Number(f.nextTimeout(this.ctx)) < 0) return resolve(true);
      let timer = null;
      const done = (thrown) => {
        clearTimeout(timer);
        if (thrown) reject(thrown);
        else resolve(true);
      };
      this.idleWaiters.push(done);
      if (limit != null) {
        timer = setTimeout(() => {
          this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
          resolve(false);
        }, Number(limit));
      }
    });
  }

  // the delivery log (log.cjs)
  /** A page of attempts, oldest first, as whole rows. Filters: endpoint,
   *  delivery, event, eventType (a pattern), tenant, state, status,
   *  outcome, failedOnly, sinceMs, untilMs; limit (1000) and after (the
   *  last seq seen) for the next page. */
  attempts(filters) { return log.attempts(this.ctx, this.#fail, filters); }
  /** A page of deliveries, oldest first; after: the last one seen. */
  deliveries(filters) { return log.deliveries(this.ctx, this.#fail, filters); }
  /** What attempt number `attempt` (1) of a delivery sent, rebuilt: {
   *  headers: [[name, value]] in order, secrets "<redacted>", body }. */
  attemptRequest(deliveryId, attempt = 1) {
    return log.request(this.ctx, this.#fail, deliveryId, attempt);
  }

  /** Send a failed delivery again; with { tenant }, only if it is that
   *  tenant's (else RH_E_NOT_FOUND). */
  resend(deliveryId, resendOpts) {
    const { tenant } = options("resend options", resendOpts, ["tenant"]);
    str("deliveryId", deliveryId);
    optStr("tenant", tenant);
    this.#check(tenant == null ? f.resend(this.ctx, deliveryId)
      : f.tenantResend(this.ctx, tenant, deliveryId));
    this.#schedule(0);
  }

  skip(deliveryId) {
    str("deliveryId", deliveryId);
    this.#check(f.skip(this.ctx, deliveryId));
    this.#schedule(0);
  }

  /** Resend the failed deliveries these select ({ endpoint, eventType,
   *  tenant, sinceMs, untilMs }); how many. */
  recover(filters) {
    const n = log.recover(this.ctx, this.#fail, filters);
    this.#schedule(0);
    return n;
  }

  // the context's calls on itself (context_ops.cjs)
  /** Run fn with its emits in one batch: one transaction and one sync (a
   *  no-op on the memory store); fn's value is returned. What fn emitted
   *  before a throw is still committed, then the throw goes on. */
  batch(fn) { return ctxOps.batch(this.ctx, (rc) => this.#check(rc), fn); }
  /** The context's counters since it was made: { name: value }. */
  stats() { return ctxOps.stats(this.ctx, (rc) => this.#check(rc)); }
  /** The queue as the store holds it for every process: rows of { key,
   *  pending, due, inFlight, failedRecent, oldestDueMs }, one of all (key
   *  "") or, with { group: "endpoint" | "tenant" }, one per endpoint or
   *  tenant that has any; failedRecent within { failedWindowMs } (1 h). */
  queueFigures(opts) { return ctxOps.queueFigures(this.ctx, (rc) => this.#check(rc), opts); }
  /** This context's counters per endpoint or per tenant it has attempted
   *  ({ group: "endpoint" | "tenant" }): { key: { name: value } }. */
  statsBy(opts) { return ctxOps.statsBy(this.ctx, (rc) => this.#check(rc), opts); }
  /** Claim nothing new (true) or go on (false): for a graceful stop. */
  pause(paused = true) { ctxOps.pause(this.ctx, (rc) => this.#check(rc), paused); }

  // one endpoint's operations and settings (endpoint_ops.cjs)
  /** Stop sending to it (its deliveries wait) until enableEndpoint. */
  disableEndpoint(endpointId) { epOps.disable(this.ctx, (rc) => this.#check(rc), endpointId); }
  /** Send to it again after a disable (by you, a 410, or failures). */
  enableEndpoint(endpointId) { epOps.enable(this.ctx, (rc) => this.#check(rc), endpointId); }
  /** Forget it; its log stays until pruned. */
  removeEndpoint(endpointId) { epOps.remove(this.ctx, (rc) => this.#check(rc), endpointId); }
  /** Hold its deliveries (they wait, due) until resumeEndpoint. */
  pauseEndpoint(endpointId) { epOps.pause(this.ctx, (rc) => this.#check(rc), endpointId); }
  /** Send to it again: its due deliveries go at the next tick. */
  resumeEndpoint(endpointId) { epOps.resume(this.ctx, (rc) => this.#check(rc), endpointId); }
  /** A new secret, returned this once; the old one signs too for
   *  { graceMs } (default 24 h). */
  rotateSecret(endpointId, rotateOpts) {
    return epOps.rotate(this.ctx, (rc) => this.#check(rc), endpointId, rotateOpts);
  }
  /** Its health as the store's log says it now, whichever process
   *  delivered: { lastSuccessMs, failingSinceMs, failedInARow } (0: none). */
  endpointHealth(endpointId) {
    return epOps.health(this.ctx, (rc) => this.#check(rc), endpointId);
  }
  /** Send again its deliveries that failed since sinceMs: how many. */
  recoverEndpoint(endpointId, sinceMs) {
    return epOps.recover(this.ctx, (rc) => this.#check(rc), endpointId, sinceMs);
  }
  /** A header sent on every request to it; value null removes it. */
  setHeader(endpointId, name, value = null) {
    epOps.setHeader(this.ctx, (rc) => this.#check(rc), endpointId, name, value);
  }
  /** A client certificate (PEM, with its chain) and its unencrypted key
   *  (PEM) for its TLS handshakes, stored with it (the key sealed when a
   *  sealing key is set); both null removes them. */
  setClientCert(endpointId, certPem, keyPem) {
    str("endpointId", endpointId);
    if ((certPem == null) !== (keyPem == null))
      throw new TypeError("certPem and keyPem go together (both null removes them)");
    this.#check(f.epClientCert(this.ctx, endpointId, optStr("certPem", certPem),
      optStr("keyPem", keyPem)));
  }
  /** Its own timeoutMs, maxInFlight, rateLimit (0: the context's, or none)
   *  and retryScheduleMs (delays, [] for none, or "the context's"). */
  setEndpointSettings(endpointId, settings) {
    epOps.settings(this.ctx, (rc) => this.#check(rc), endpointId, settings);
  }
  /** One endpoint whole: its row, with settings, headers and health. */
  endpoint(endpointId) {
    const row = this.endpoints().find((r) => r.id === endpointId);
    const details = epOps.details(this.ctx, (rc) => this.#check(rc), endpointId);
    return { ...row, ...details };
  }

  // the event-type catalog (catalog.cjs): options' failures name no argument
  #cat = (rc, withCtx = true) => (withCtx ? this.#check(rc) : check(rc));
  /** Define a type or change the given fields: { description, group,
   *  example, schema } (objects or JSON text); "created", "updated" or
   *  "unchanged". */
  defineEventType(name, def) { return catalog.define(this.ctx, this.#cat, name, def); }
  eventType(name) { return catalog.get(this.ctx, this.#cat, name); }
  /** The catalog by name: { group, archived }. */
  eventTypes(filters) { return catalog.list(this.ctx, this.#cat, filters); }
  /** "active", "deprecated" or "archived". */
  setEventTypeState(name, state) { catalog.setState(this.ctx, this.#cat, name, state); }
  get strict() { return catalog.strict(this.ctx, this.#cat); }
  set strict(on) { catalog.setStrict(this.ctx, this.#cat, on); }
  /** An OpenAPI 3.1 document's webhooks or an export; how many changed. */
  importCatalog(doc) { return catalog.importDoc(this.ctx, this.#cat, doc); }
  exportCatalog() { return catalog.exportDoc(this.ctx, this.#cat); }
  /** Store a tenant's limits: { maxEndpoints, maxPending, maxInFlight,
   *  rate } (0 removes one); an add or an emit past the first two throws
   *  RH_E_FULL. */
  setTenantLimits(tenant, limits) { catalog.setTenantLimits(this.ctx, this.#cat, tenant, limits); }
  tenantLimits(tenant) { return catalog.tenantLimits(this.ctx, this.#cat, tenant); }
  /** Remove deliveries finished more than olderThanMs ago ({ tenant }: that
   *  tenant's only; { max }: a call's most, 1000); how many went. */
  prune(olderThanMs, opts) { return catalog.prune(this.ctx, this.#cat, olderThanMs, opts); }
  /** Queue a type's example for one endpoint as a test event; its id. */
  sendExample(endpointId, type) {
    const id = catalog.sendExample(this.ctx, this.#cat, endpointId, type);
    this.#schedule(0);
    return id;
  }

  close() {
    if (this.lent) throw new StateError(K.RH_E_STATE, "an Emitter has this context: close it first");
    if (!this.ctx) return;
    clearTimeout(this.timer);
    f.ctxFree(this.ctx); // may still call the socket callback: unregister after
    this.ctx = null;
    for (const cb of [this.socketCb, this.timerCb, ...this.hookCbs]) koffi.unregister(cb);
    this.idleWaiters.splice(0).forEach((done) => done());
  }
}

const emitter = bindEmitter(lib, refusedError);

/** Emits from libuv's thread pool into a Context's store, committed in
 *  groups (emitter.cjs); the context is lent to it until close(). */
class Emitter extends emitter.Emitter {
  constructor(context) {
    if (!(context instanceof Context))
      throw new TypeError(`context must be a Context, not ${kind(context)}`);
    if (context.lent) throw new StateError(K.RH_E_STATE, "the context is lent to an Emitter already");
    if (!context.ctx) throw new StateError(K.RH_E_STATE, "the context is closed");
    super(context, (lent) => context.lendToEmitter(lent));
  }
}

/** An endpoint as a row (its settings, headers and health come from
 *  Context.endpoint). */
function endpointRow(ep) {
  const events = [], labelled = {};
  for (let i = 0; i < Number(f.epEventCount(ep)); i++) events.push(f.epEvent(ep, i));
  for (let i = 0; i < Number(f.epLabelCount(ep)); i++)
    labelled[f.epLabelKey(ep, i)] = f.epLabelValue(ep, i);
  return { id: f.epId(ep), url: f.epUrl(ep), events, enabled: f.epEnabled(ep) === 1,
    paused: f.epPaused(ep) === 1, tenant: f.epTenant(ep) || null, name: f.epName(ep) || null,
    description: f.epDescription(ep) || null, labels: labelled,
    httpVersion: f.epHttpVersion(ep),
    mode: f.epMode(ep) === K.RH_MODE_DEVELOPMENT ? "development" : "production" };
}


module.exports = { constants, version, isTestEvent, ReplicerHooksError, InvalidArgumentError, NotFoundError, StorageError, FullError, StateError, mintPortalLink, verifyPortalToken, Portal, portalListener, sign, verify, sqlite, postgresql, Context, Emitter };
