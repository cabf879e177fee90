// A Context's hooks into the library's callbacks (rh.h, rh_catalog.h):
// onFailed, onAttempt (after each attempt is stored), onEndpointState
// (disabled, enabled, recovered, failing, paused, resumed, held),
// onEventType (a deprecated type emitted) and token (a bearer token for an
// endpoint's requests). The library calls them inside a tick; what one
// throws cannot cross the C frames between, so it is kept: it rejects the
// idle() promises waiting, or else is thrown by the tick that ran it (an
// uncaught exception, as from any throwing listener). A token hook that throws fails that attempt
// unsent (retried on the schedule). bindHooks() is called once by
// index.cjs with the loaded library.
"use strict";
const koffi = require("koffi");

const { optFn } = require("./args.cjs");

const NAMES = ["onFailed", "onAttempt", "onEndpointState", "onEventType", "token"];

function bindHooks(lib, C) {
  const fn = (proto) => lib.func(proto);
  const proto = {
    onFailed: koffi.proto("void rh_hook_failed_cb(void *dl, void *ud)"),
    onAttempt: koffi.proto("void rh_hook_attempt_cb(void *at, void *ud)"),
    onEndpointState: koffi.proto("void rh_hook_state_cb(void *ep, int change, void *ud)"),
    onEventType: koffi.proto("void rh_hook_notice_cb(const char *type, int notice, void *ud)"),
    token: koffi.proto("int rh_hook_token_cb(void *ep, uint8_t *out, size_t size, int64_t *expires, void *ud)"),
  };
  const set = {
    onFailed: fn("int rh_config_set_failed_cb(void *cfg, rh_hook_failed_cb *cb, void *ud)"),
    onAttempt: fn("int rh_config_set_attempt_cb(void *cfg, rh_hook_attempt_cb *cb, void *ud)"),
    onEndpointState: fn("int rh_config_set_endpoint_state_cb(void *cfg, rh_hook_state_cb *cb, void *ud)"),
    onEventType: fn("int rh_config_set_event_type_cb(void *cfg, rh_hook_notice_cb *cb, void *ud)"),
    token: fn("int rh_config_set_token_cb(void *cfg, rh_hook_token_cb *cb, void *ud)"),
  };
  const changeName = fn("const char *rh_endpoint_change_name(int change)");
  const notices = Object.fromEntries(Object.entries(C.enums.rh_event_type_notice)
    .map(([k, v]) => [v, k.slice("RH_EVENT_TYPE_".length).toLowerCase()]));
  const E = C.enums.rh_err;

  /** token(endpoint): a string, { token, expiresMs }, or null when this
   *  endpoint needs none; written into the library's buffer. */
  function token(hook, endpoint, out, size, expires, raised) {
    let text, expiresMs;
    try {
      const got = hook(endpoint);
      if (got == null) return E.RH_E_NOT_FOUND;
      ({ token: text, expiresMs = 0 } = typeof got === "string" ? { token: got } : got);
      if (typeof text !== "string" || !/^[\x21-\x7e]+$/.test(text))
        throw new TypeError("token must be a string of visible ASCII");
      if (text.length >= Number(size))
        throw new RangeError(`token is ${text.length} bytes, more than ${Number(size) - 1}`);
      if (!Number.isSafeInteger(expiresMs)) throw new TypeError("expiresMs must be an integer");
    } catch (e) {
      raised.push(e);
      return E.RH_E_USER;
    }
    koffi.encode(out, "char", text + "\0", text.length + 1);
    koffi.encode(expires, "int64_t", expiresMs);
    return E.RH_OK;
  }

  return {
    NAMES,
    /** The hooks given to Context, checked before anything is made. */
    check(given) {
      for (const name of NAMES) optFn(name, given[name]);
    },
    /** Register the given hooks on cfg; rows: { attemptRow, deliveryRow,
     *  endpointRow }; raised: where a hook's exception goes; returns the
     *  registered callbacks (unregister them after the context is freed). */
    apply(cfg, given, rows, raised) {
      const guarded = (hook, ...args) => {
        try { hook(...args); } catch (e) { raised.push(e); }
      };
      const makers = {
        onFailed: (hook) => (dl) => guarded(hook, rows.deliveryRow(dl)),
        onAttempt: (hook) => (at) => guarded(hook, rows.attemptRow(at)),
        onEndpointState: (hook) => (ep, change) =>
          guarded(hook, rows.endpointRow(ep), changeName(change)),
        onEventType: (hook) => (type, notice) => guarded(hook, type, notices[notice] ?? "unknown"),
        token: (hook) => (ep, out, size, expires) =>
          token(hook, rows.endpointRow(ep), out, size, expires, raised),
      };
      const registered = [];
      for (const name of NAMES) {
        if (given[name] == null) continue;
        const cb = koffi.register(makers[name](given[name]), koffi.pointer(proto[name]));
        registered.push(cb);
        set[name](cfg, cb, null);
      }
      return registered;
    },
  };
}

module.exports = { bindHooks };
