// The delivery log from Node (rh_storage.h): attempts and deliveries with
// every filter, a page at a time from the start or after a cursor (an
// attempt's seq; a delivery's createdMs and id), their rows whole, and
// recover, which resends the failed deliveries a query selects.
// bindLog() is called once by index.cjs with the loaded library.
"use strict";
const koffi = require("koffi");

const { INT, INT64, SIZE, bool, int, named, optStr, options, str } = require("./args.cjs");

const FILTERS = ["endpoint", "delivery", "event", "eventType", "tenant", "state", "status",
  "outcome", "failedOnly", "sinceMs", "untilMs"];

function bindLog(lib, C) {
  const fn = (proto) => lib.func(proto);
  const RowCb = koffi.proto("int rh_log_row_cb(void *row, void *ud)");
  const RequestCb = koffi.proto(
    "int rh_log_request_cb(const uint8_t *h, size_t hl, const uint8_t *b, size_t bl, void *ud)");
  const f = {
    attempts: fn("int rh_log_attempts(void *ctx, void *q, rh_log_row_cb *cb, void *ud)"),
    deliveries: fn("int rh_log_deliveries(void *ctx, void *q, rh_log_row_cb *cb, void *ud)"),
    recover: fn("int rh_recover(void *ctx, void *q)"),
    request: fn("int rh_attempt_request(void *ctx, const char *id, int n, rh_log_request_cb *cb, void *ud)"),
    qNew: fn("int rh_query_new(_Out_ void **out)"),
    qFree: fn("void rh_query_free(void *q)"),
    qRange: fn("int rh_query_set_time_range(void *q, int64_t since, int64_t until)"),
    qLimit: fn("int rh_query_set_limit(void *q, size_t limit)"),
    qCursor: fn("int rh_query_set_cursor(void *q, int64_t after)"),
    qDeliveryCursor: fn("int rh_query_set_delivery_cursor(void *q, int64_t created, const char *id)"),
    outcomeName: fn("const char *rh_outcome_name(int outcome)"),
    stateName: fn("const char *rh_delivery_state_name(int state)"),
    response: fn("const uint8_t *rh_attempt_response(void *at)"),
    responseLen: fn("size_t rh_attempt_response_len(void *at)"),
  };
  const setText = {
    endpoint: fn("int rh_query_set_endpoint(void *q, const char *v)"),
    delivery: fn("int rh_query_set_delivery(void *q, const char *v)"),
    event: fn("int rh_query_set_event(void *q, const char *v)"),
    eventType: fn("int rh_query_set_event_type(void *q, const char *v)"),
    tenant: fn("int rh_query_set_tenant(void *q, const char *v)"),
  };
  const setInt = {
    state: fn("int rh_query_set_state(void *q, int v)"),
    status: fn("int rh_query_set_status(void *q, int v)"),
    outcome: fn("int rh_query_set_outcome(void *q, int v)"),
    failedOnly: fn("int rh_query_set_failed_only(void *q, int v)"),
  };
  // the rows' getters by their full names (check-binding-surface reads them)
  const getters = (prefix, pairs) => Object.fromEntries(pairs.map(([name, type]) =>
    [name.slice(prefix.length), lib.func(name, type, ["void *"])]));
  const at = getters("rh_attempt_", [
    ["rh_attempt_seq", "int64_t"], ["rh_attempt_delivery_id", "const char *"],
    ["rh_attempt_endpoint_id", "const char *"], ["rh_attempt_event_id", "const char *"],
    ["rh_attempt_event_type", "const char *"], ["rh_attempt_number", "int"],
    ["rh_attempt_started_ms", "int64_t"], ["rh_attempt_duration_ms", "int64_t"],
    ["rh_attempt_status", "int"], ["rh_attempt_success", "int"], ["rh_attempt_outcome", "int"],
    ["rh_attempt_error", "const char *"], ["rh_attempt_tenant", "const char *"],
    ["rh_attempt_traceparent", "const char *"],
  ]);
  const dl = getters("rh_delivery_", [
    ["rh_delivery_id", "const char *"], ["rh_delivery_event_id", "const char *"],
    ["rh_delivery_endpoint_id", "const char *"], ["rh_delivery_event_type", "const char *"],
    ["rh_delivery_state", "int"], ["rh_delivery_attempts", "int"],
    ["rh_delivery_next_attempt_ms", "int64_t"], ["rh_delivery_created_ms", "int64_t"],
    ["rh_delivery_updated_ms", "int64_t"], ["rh_delivery_ordering_key", "const char *"],
    ["rh_delivery_tenant", "const char *"],
  ]);

  /** An attempt whole; response: the start of the receiver's answer. */
  function attemptRow(p) {
    const n = Number(f.responseLen(p));
    return {
      seq: Number(at.seq(p)), deliveryId: at.delivery_id(p), eventId: at.event_id(p),
      endpointId: at.endpoint_id(p), eventType: at.event_type(p), number: at.number(p),
      startedMs: Number(at.started_ms(p)), durationMs: Number(at.duration_ms(p)),
      status: at.status(p), success: at.success(p) === 1,
      outcome: f.outcomeName(at.outcome(p)), error: at.error(p),
      response: n ? Buffer.from(koffi.decode(f.response(p), "uint8_t", n)) : Buffer.alloc(0),
      tenant: at.tenant(p) || null, traceparent: at.traceparent(p),
    };
  }

  function deliveryRow(p) {
    return {
      id: dl.id(p), eventId: dl.event_id(p), endpointId: dl.endpoint_id(p),
      eventType: dl.event_type(p), state: f.stateName(dl.state(p)), attempts: dl.attempts(p),
      nextAttemptMs: Number(dl.next_attempt_ms(p)), createdMs: Number(dl.created_ms(p)),
      updatedMs: Number(dl.updated_ms(p)), orderingKey: dl.ordering_key(p) || null,
      tenant: dl.tenant(p) || null,
    };
  }

  /** The filters checked before a query is made: [setter, value] pairs. */
  function checked(given) {
    const sets = [];
    for (const k of Object.keys(setText)) if (optStr(k, given[k]) != null) sets.push([setText[k], given[k], k]);
    if (given.state != null)
      sets.push([setInt.state, named("state", given.state, "RH_DELIVERY_", C.enums.rh_state), "state"]);
    if (given.status != null) sets.push([setInt.status, int("status", given.status, INT), "status"]);
    if (given.outcome != null)
      sets.push([setInt.outcome, named("outcome", given.outcome, "RH_OUTCOME_", C.enums.rh_outcome),
        "outcome"]);
    if (given.failedOnly != null && bool("failedOnly", given.failedOnly))
      sets.push([setInt.failedOnly, 1, "failedOnly"]);
    // only a missing value takes the default: null is refused as a wrong type
    const or0 = (v) => (v === undefined ? 0 : v);
    const range = [int("sinceMs", or0(given.sinceMs), INT64), int("untilMs", or0(given.untilMs), INT64)];
    return { sets, range };
  }

  /** Run fn(q) on a query made from the checked filters, then free it. */
  function withQuery(filters, fn, fail) {
    const out = [null];
    fail(f.qNew(out), false);
    const q = out[0];
    try {
      for (const [set, v, k] of filters.sets)
        if (set(q, v) < 0) fail(C.enums.rh_err.RH_E_INVALID_ARG, false, `${k} is not valid`, k);
      fail(f.qRange(q, filters.range[0], filters.range[1]), false);
      return fn(q);
    } finally {
      f.qFree(q);
    }
  }

  function rows(ctx, fail, logFn, rowFn, q) {
    const found = [];
    const cb = koffi.register((row) => { found.push(rowFn(row)); return 0; }, koffi.pointer(RowCb));
    try {
      fail(logFn(ctx, q, cb, null), true);
    } finally {
      koffi.unregister(cb);
    }
    return found;
  }

  return {
    attemptRow, deliveryRow,
    /** A page of attempts, oldest first: { limit } rows (1000) after
     *  { after } (an attempt's seq). */
    attempts(ctx, fail, filters) {
      const given = options("attempt filters", filters, [...FILTERS, "limit", "after"]);
      const query = checked(given);
      const limit = int("limit", given.limit === undefined ? 1000 : given.limit, [1n, SIZE[1]]);
      const after = given.after == null ? null : int("after", given.after, INT64);
      return withQuery(query, (q) => {
        f.qLimit(q, limit);
        if (after != null) f.qCursor(q, after);
        return rows(ctx, fail, f.attempts, attemptRow, q);
      }, fail);
    },
    /** A page of deliveries, oldest first, after { after } (the last
     *  delivery seen, or { createdMs, id }). */
    deliveries(ctx, fail, filters) {
      const given = options("delivery filters", filters, [...FILTERS, "limit", "after"]);
      const query = checked(given);
      const limit = int("limit", given.limit === undefined ? 1000 : given.limit, [1n, SIZE[1]]);
      let cursor = null;
      if (given.after != null) {
        if (typeof given.after !== "object")
          throw new TypeError("after must be a delivery or { createdMs, id }");
        cursor = [int("after.createdMs", given.after.createdMs, INT64), str("after.id", given.after.id)];
      }
      return withQuery(query, (q) => {
        f.qLimit(q, limit);
        if (cursor) f.qDeliveryCursor(q, cursor[0], cursor[1]);
        return rows(ctx, fail, f.deliveries, deliveryRow, q);
      }, fail);
    },
    /** What an attempt sent, rebuilt: { headers: [[name, value]] in the
     *  order sent (secrets "<redacted>"), body: a Buffer, byte for byte }. */
    request(ctx, fail, deliveryId, attempt) {
      str("deliveryId", deliveryId);
      const n = int("attempt", attempt, INT);
      const got = {};
      const cb = koffi.register((h, hl, b, bl) => {
        const text = Buffer.from(koffi.decode(h, "uint8_t", Number(hl))).toString("latin1");
        got.headers = text.split("\r\n").filter((l) => l).map((l) => {
          const at = l.indexOf(": ");
          return [l.slice(0, at), l.slice(at + 2)];
        });
        got.body = Number(bl) ? Buffer.from(koffi.decode(b, "uint8_t", Number(bl))) : Buffer.alloc(0);
        return 0;
      }, koffi.pointer(RequestCb));
      try {
        fail(f.request(ctx, deliveryId, n, cb, null), true);
      } finally {
        koffi.unregister(cb);
      }
      return got;
    },
    /** Resend the failed deliveries these select; how many. */
    recover(ctx, fail, filters) {
      const given = options("recover filters", filters,
        ["endpoint", "eventType", "tenant", "sinceMs", "untilMs"]);
      return withQuery(checked(given), (q) => fail(f.recover(ctx, q), true), fail);
    },
  };
}

module.exports = { bindLog };
