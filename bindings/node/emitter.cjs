// Emit options built from an emit's option object (for Context.emit and
// Emitter.emit), and the Emitter (rh_emitter.h): emits that run on libuv's
// thread pool (koffi's async calls) into one store, each durable when its
// promise resolves, the emits in flight together committed in groups.
// bindEmitter() is called once by index.cjs with the loaded library.
"use strict";
const { bool, optStr, options, str, jsonText } = require("./args.cjs");
const { K, ReplicerHooksError, check } = require("./native.cjs");

// koffi queues at most 256 async calls (max_async_calls); emits beyond
// this many wait in the emitter's own queue, in order
const IN_FLIGHT_MAX = 64;
const EMIT_OPTIONS = ["idempotencyKey", "orderingKey", "holdOnFailure", "endpoint", "tenant",
  "traceparent", "tracestate"];

// refusedError(rc, message, argCode, refusalCode): index.cjs's error of a
// refused call, the argument and the reason named as the library names them
function bindEmitter(lib, refusedError) {
  const fn = (proto) => lib.func(proto);
  const f = {
    optsNew: fn("int rh_emit_options_new(_Out_ void **out)"),
    optsFree: fn("void rh_emit_options_free(void *opts)"),
    optsIdem: fn("int rh_emit_options_set_idempotency_key(void *opts, const char *key)"),
    optsOrder: fn("int rh_emit_options_set_ordering_key(void *opts, const char *key, int policy)"),
    optsEndpoint: fn("int rh_emit_options_set_endpoint(void *opts, const char *id)"),
    optsTenant: fn("int rh_emit_options_set_tenant(void *opts, const char *tenant)"),
    optsTrace: fn("int rh_emit_options_set_trace_context(void *opts, const char *tp, const char *ts)"),
    new: fn("int rh_emitter_new(void *ctx, _Out_ void **out)"),
    free: fn("void rh_emitter_free(void *em)"),
    emit: fn("int rh_emitter_emit(void *em, const char *type, const char *json, size_t len, void *opts, void *result)"),
    counts: fn("int rh_emitter_counts(void *em, _Out_ uint64_t *emits, _Out_ uint64_t *commits, _Out_ uint64_t *largest)"),
    resNew: fn("int rh_emit_result_new(_Out_ void **out)"),
    resFree: fn("void rh_emit_result_free(void *result)"),
    resId: fn("const char *rh_emit_result_id(void *result)"),
    resDup: fn("int rh_emit_result_duplicate(void *result)"),
    resError: fn("const char *rh_emit_result_error(void *result)"),
    resArg: fn("int rh_emit_result_error_arg(void *result)"),
    resRefusal: fn("int rh_emit_result_error_refusal(void *result)"),
    resGroup: fn("size_t rh_emit_result_group_size(void *result)"),
  };

  /** An rh_emit_options handle from an emit's option object (checked; the
   *  caller frees it with freeEmitOptions). */
  function emitOptions(emitOpts) {
    const { idempotencyKey, orderingKey, holdOnFailure = false, endpoint, tenant, traceparent,
      tracestate } = options("emit options", emitOpts, EMIT_OPTIONS);
    optStr("idempotencyKey", idempotencyKey);
    optStr("orderingKey", orderingKey);
    bool("holdOnFailure", holdOnFailure);
    optStr("endpoint", endpoint);
    optStr("tenant", tenant);
    optStr("traceparent", traceparent);
    optStr("tracestate", tracestate);
    const out = [null];
    check(f.optsNew(out));
    const opts = out[0];
    try {
      if (idempotencyKey != null) check(f.optsIdem(opts, idempotencyKey));
      if (orderingKey != null)
        check(f.optsOrder(opts, orderingKey, holdOnFailure ? K.RH_ORDERING_HOLD : K.RH_ORDERING_CONTINUE));
      if (endpoint != null) check(f.optsEndpoint(opts, endpoint));
      if (tenant != null && f.optsTenant(opts, tenant) < 0)
        throw new ReplicerHooksError(K.RH_E_INVALID_ARG,
          `tenant must be 1 to ${K.RH_TENANT_MAX} visible ASCII characters`, "tenant");
      if ((traceparent != null || tracestate != null) &&
          f.optsTrace(opts, traceparent ?? null, tracestate ?? null) < 0)
        throw new ReplicerHooksError(K.RH_E_INVALID_ARG, "traceparent must be 00-<32 hex>-<16 "
          + "hex>-<2 hex> in lower case (ids not all zeros), and tracestate 1 to "
          + `${K.RH_TRACESTATE_MAX} printable ASCII characters beside it`, "traceparent");
      return opts;
    } catch (e) {
      f.optsFree(opts);
      throw e;
    }
  }

  /** The error an emit's result holds. */
  function resultError(rc, res) {
    return refusedError(rc, f.resError(res), f.resArg(res), f.resRefusal(res));
  }

  /**
   * Emits into the store of a Context it takes over (SQLite or PostgreSQL;
   * its timer stops and nothing else may be called on it until close()).
   * Each emit runs on libuv's thread pool and resolves when its event is
   * durable; the emits in flight at once share one commit. Deliver with
   * another Context on the same store.
   */
  class Emitter {
    #em = null;
    #context;
    #pending = 0; // emits not settled, waiting ones included
    #calls = 0; // of them on koffi's threads
    #waiting = []; // the rest, in order
    #keyTail = new Map(); // ordering key -> its last emit's settling

    #call(call) {
      this.#calls++;
      call();
    }

    constructor(context, lend) {
      const out = [null];
      this.#context = context;
      const rc = f.new(context.ctx, out);
      if (rc < 0) context.failed(rc);
      this.#em = out[0];
      lend(true);
      this.lend = lend;
    }

    /** As Context.emit: resolves to { id, queued, duplicate, groupSize }
     *  (how many emits shared its commit) once the event is durable;
     *  rejects with the emit's own error. */
    emit(type, data, emitOpts) {
      if (!this.#em) return Promise.reject(new ReplicerHooksError(K.RH_E_STATE, "the emitter is closed"));
      let opts = null;
      const out = [null];
      try {
        str("type", type);
        const json = jsonText(data);
        opts = emitOptions(emitOpts);
        check(f.resNew(out));
        const res = out[0];
        this.#pending++;
        // a key's emits start one after another: emits on koffi's threads at
        // once reach the store in no order, and a key's go in call order
        const key = emitOpts?.orderingKey;
        const before = key == null ? null : this.#keyTail.get(key);
        const settled = new Promise((resolve, reject) => {
          // this emit's handles freed and its place given up, once
          const settle = () => {
            f.resFree(res);
            f.optsFree(opts);
            this.#pending--;
            this.#calls--;
            if (this.#waiting.length) this.#call(this.#waiting.shift());
          };
          const done = (err, rc) => {
            try {
              if (err) reject(err);
              else if (rc < 0) reject(resultError(rc, res));
              else resolve({ id: f.resId(res), queued: rc, duplicate: f.resDup(res) === 1,
                groupSize: Number(f.resGroup(res)) });
            } finally {
              settle();
            }
          };
          const call = () => {
            try {
              f.emit.async(this.#em, type, json, json.length, opts, res, done);
            } catch (e) { // koffi's queue is full (other async users): this one fails
              reject(e);
              settle();
            }
          };
          const start = () => {
            if (this.#calls < IN_FLIGHT_MAX) this.#call(call);
            else this.#waiting.push(call);
          };
          if (before) before.then(start, start);
          else start();
        });
        if (key != null) {
          this.#keyTail.set(key, settled);
          const forget = () => { if (this.#keyTail.get(key) === settled) this.#keyTail.delete(key); };
          settled.then(forget, forget);
        }
        return settled;
      } catch (e) {
        if (opts) f.optsFree(opts);
        return Promise.reject(e);
      }
    }

    /** { emits, commits, largestGroup } since the emitter was made. */
    counts() {
      if (!this.#em) throw new ReplicerHooksError(K.RH_E_STATE, "the emitter is closed");
      const e = [0n], c = [0n], l = [0n];
      check(f.counts(this.#em, e, c, l));
      return { emits: Number(e[0]), commits: Number(c[0]), largestGroup: Number(l[0]) };
    }

    /** Free the emitter (after its emits settled) and give the context back. */
    close() {
      if (!this.#em) return;
      if (this.#pending) throw new ReplicerHooksError(K.RH_E_STATE, "emits are in flight: await them first");
      f.free(this.#em);
      this.#em = null;
      this.lend(false);
    }
  }

  return { emitOptions, freeEmitOptions: f.optsFree, Emitter };
}

module.exports = { bindEmitter };
