// An endpoint's operations and settings on a Context (rh.h): disable,
// enable, remove, pause and resume, a new secret, recovery, custom headers, its own timeout,
// in-flight cap, rate limit and retry schedule, and one endpoint read whole
// (settings, headers and health). bindEndpointOps() is called once by
// index.cjs with the loaded library; each function takes the context's
// handle and its error check.
"use strict";
const { array, int, INT64, optStr, options, SIZE, str } = require("./args.cjs");

const CONTEXTS = "the context's"; // retryScheduleMs: the context's schedule
const SCHEDULE_MAX = 32;

function bindEndpointOps(lib) {
  const fn = (proto) => lib.func(proto);
  const f = {
    disable: fn("int rh_endpoint_disable(void *ctx, const char *id)"),
    enable: fn("int rh_endpoint_enable(void *ctx, const char *id)"),
    remove: fn("int rh_endpoint_remove(void *ctx, const char *id)"),
    pause: fn("int rh_endpoint_pause(void *ctx, const char *id)"),
    resume: fn("int rh_endpoint_resume(void *ctx, const char *id)"),
    rotate: fn("int rh_endpoint_rotate_secret(void *ctx, const char *id, int64_t grace, _Out_ uint8_t *out, size_t size)"),
    recover: fn("int rh_endpoint_recover(void *ctx, const char *id, int64_t since)"),
    healthNow: fn("int rh_endpoint_health(void *ctx, const char *id, _Out_ int64_t *ok, _Out_ int64_t *failing, _Out_ int64_t *failed)"),
    setHeader: fn("int rh_endpoint_set_header(void *ctx, const char *id, const char *name, const char *value)"),
    setTimeout: fn("int rh_endpoint_set_timeout_ms(void *ctx, const char *id, int64_t ms)"),
    setCap: fn("int rh_endpoint_set_max_in_flight(void *ctx, const char *id, size_t n)"),
    setRate: fn("int rh_endpoint_set_rate_limit(void *ctx, const char *id, double per_s)"),
    setSchedule: fn("int rh_endpoint_set_retry_schedule(void *ctx, const char *id, const int64_t *delays, size_t n)"),
    get: fn("int rh_endpoint_get(void *ctx, const char *id, _Out_ void **ep)"),
    timeout: fn("int64_t rh_endpoint_timeout_ms(void *ep)"),
    cap: fn("size_t rh_endpoint_max_in_flight(void *ep)"),
    rate: fn("double rh_endpoint_rate_limit(void *ep)"),
    schedule: fn("int rh_endpoint_retry_schedule(void *ep, _Out_ int64_t *out, size_t cap)"),
    created: fn("int64_t rh_endpoint_created_ms(void *ep)"),
    reason: fn("int rh_endpoint_disabled_reason(void *ep)"),
    reasonName: fn("const char *rh_disabled_reason_name(int reason)"),
    lastOk: fn("int64_t rh_endpoint_last_success_ms(void *ep)"),
    failing: fn("int64_t rh_endpoint_failing_since_ms(void *ep)"),
    inARow: fn("int64_t rh_endpoint_failed_in_a_row(void *ep)"),
    hasCert: fn("int rh_endpoint_has_client_cert(void *ep)"),
    nHeaders: fn("size_t rh_endpoint_header_count(void *ep)"),
    headerName: fn("const char *rh_endpoint_header_name(void *ep, size_t i)"),
    headerValue: fn("const char *rh_endpoint_header_value(void *ep, size_t i)"),
  };
  const borrow = (ctx, check, id) => {
    const out = [null];
    check(f.get(ctx, id, out));
    return out[0];
  };
  return {
    disable: (ctx, check, id) => check(f.disable(ctx, str("endpointId", id))),
    enable: (ctx, check, id) => check(f.enable(ctx, str("endpointId", id))),
    remove: (ctx, check, id) => check(f.remove(ctx, str("endpointId", id))),
    pause: (ctx, check, id) => check(f.pause(ctx, str("endpointId", id))),
    resume: (ctx, check, id) => check(f.resume(ctx, str("endpointId", id))),
    rotate(ctx, check, id, rotateOpts) {
      const { graceMs = 86400000 } = options("rotate options", rotateOpts, ["graceMs"]);
      const grace = int("graceMs", graceMs, INT64);
      const out = Buffer.alloc(128);
      check(f.rotate(ctx, str("endpointId", id), grace, out, out.length));
      return out.toString("utf8", 0, out.indexOf(0));
    },
    health(ctx, check, id) {
      const h = [[0], [0], [0]];
      check(f.healthNow(ctx, str("endpointId", id), h[0], h[1], h[2]));
      return { lastSuccessMs: Number(h[0][0]), failingSinceMs: Number(h[1][0]),
        failedInARow: Number(h[2][0]) };
    },
    recover: (ctx, check, id, sinceMs) =>
      check(f.recover(ctx, str("endpointId", id), int("sinceMs", sinceMs, INT64))),
    setHeader: (ctx, check, id, name, value = null) =>
      check(f.setHeader(ctx, str("endpointId", id), str("name", name), optStr("value", value))),
    settings(ctx, check, id, given) {
      const { timeoutMs, maxInFlight, rateLimit, retryScheduleMs } = options(
        "endpoint settings", given, ["timeoutMs", "maxInFlight", "rateLimit", "retryScheduleMs"]);
      str("endpointId", id);
      const timeout = timeoutMs == null ? null : int("timeoutMs", timeoutMs, INT64);
      const cap = maxInFlight == null ? null : int("maxInFlight", maxInFlight, SIZE);
      if (rateLimit != null && (typeof rateLimit !== "number" || !Number.isFinite(rateLimit)))
        throw new TypeError(`rateLimit must be a finite number, not ${typeof rateLimit}`);
      const schedule = retryScheduleMs == null || retryScheduleMs === CONTEXTS ? null
        : array("retryScheduleMs", retryScheduleMs, (n, v) => int(n, v, INT64));
      if (timeout != null) check(f.setTimeout(ctx, id, timeout));
      if (cap != null) check(f.setCap(ctx, id, cap));
      if (rateLimit != null) check(f.setRate(ctx, id, rateLimit));
      if (retryScheduleMs === CONTEXTS) check(f.setSchedule(ctx, id, null, 0));
      else if (schedule) check(f.setSchedule(ctx, id, schedule, schedule.length));
    },
    // the fields endpoints() rows lack; ep borrowed just before
    details(ctx, check, id) {
      const ep = borrow(ctx, check, str("endpointId", id));
      const delays = new BigInt64Array(SCHEDULE_MAX);
      const n = f.schedule(ep, delays, SCHEDULE_MAX);
      const headers = {};
      for (let i = 0; i < Number(f.nHeaders(ep)); i++)
        headers[f.headerName(ep, i)] = f.headerValue(ep, i);
      const reason = f.reason(ep);
      return {
        timeoutMs: Number(f.timeout(ep)), maxInFlight: Number(f.cap(ep)), rateLimit: f.rate(ep),
        retryScheduleMs: n >= 0 ? Array.from(delays.slice(0, n), Number) : CONTEXTS,
        headers, createdMs: Number(f.created(ep)),
        disabledReason: reason ? f.reasonName(reason) : null,
        lastSuccessMs: Number(f.lastOk(ep)), failingSinceMs: Number(f.failing(ep)),
        failedInARow: Number(f.inARow(ep)), hasClientCert: f.hasCert(ep) === 1,
      };
    },
  };
}

module.exports = { bindEndpointOps };
