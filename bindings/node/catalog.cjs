// The event-type catalog of a Context (rh_catalog.h): define, read, list,
// deprecate, archive and restore types, strict mode, import and export, and
// a type's example sent to one endpoint as a test event; and a tenant's
// limits and prune (rh_account.h). bindCatalog() is
// called once by index.cjs with the loaded library; each function takes
// the context's handle and its error check.
"use strict";
const koffi = require("koffi");

const { bool, camel, int, jsonText, optStr, options, str } = require("./args.cjs");

const DEFINED = ["unchanged", "created", "updated"];
const STATES = { active: 0, deprecated: 1, archived: 2 };
// the limits by kind, named by the library (max_in_flight: maxInFlight)
const LIMITS = [];

function bindCatalog(lib) {
  const fn = (proto) => lib.func(proto);
  const TypeCb = koffi.proto("int rh_event_type_cb(void *et, void *ud)");
  const TextCb = koffi.proto("int rh_text_cb(void *text, size_t len, void *ud)");
  const f = {
    optsNew: fn("int rh_event_type_options_new(_Out_ void **out)"),
    optsFree: fn("void rh_event_type_options_free(void *o)"),
    description: fn("int rh_event_type_options_set_description(void *o, const char *v)"),
    group: fn("int rh_event_type_options_set_group(void *o, const char *v)"),
    example: fn("int rh_event_type_options_set_example(void *o, const char *v, size_t n)"),
    schema: fn("int rh_event_type_options_set_schema(void *o, const char *v, size_t n)"),
    define: fn("int rh_event_type_define(void *ctx, const char *name, void *o)"),
    setState: fn("int rh_event_type_set_state(void *ctx, const char *name, int state)"),
    get: fn("int rh_event_type_get(void *ctx, const char *name, _Out_ void **out)"),
    free: fn("void rh_event_type_free(void *et)"),
    list: fn("int rh_event_type_list(void *ctx, const char *group, const char *after, size_t limit, int archived, rh_event_type_cb *cb, void *ud)"),
    setStrict: fn("int rh_catalog_set_strict(void *ctx, int on)"),
    strict: fn("int rh_catalog_strict(void *ctx)"),
    importDoc: fn("int rh_catalog_import(void *ctx, const char *json, size_t len)"),
    exportDoc: fn("int rh_catalog_export(void *ctx, rh_text_cb *cb, void *ud)"),
    send: fn("int rh_event_type_send_example(void *ctx, const char *ep, const char *name, _Out_ uint8_t *id, size_t size)"),
    isTest: fn("int rh_event_id_is_test(const char *id)"),
    stateName: fn("const char *rh_event_type_state_name(int state)"),
    state: fn("int rh_event_type_state(void *et)"),
    updated: fn("int64_t rh_event_type_updated_ms(void *et)"),
    setLimit: fn("int rh_tenant_set_limit(void *ctx, const char *tenant, int kind, int64_t v)"),
    getLimit: fn("int rh_tenant_get_limit(void *ctx, const char *tenant, int kind, _Out_ int64_t *v)"),
    limitName: fn("const char *rh_tenant_limit_name(int kind)"),
    prune: fn("int rh_prune(void *ctx, int64_t older, size_t max)"),
    tenantPrune: fn("int rh_tenant_prune(void *ctx, const char *tenant, int64_t older, size_t max)"),
  };
  for (let kind = 0; f.limitName(kind) != null; kind++) LIMITS.push(camel(f.limitName(kind)));
  // the type's texts, each by its full name (check-binding-surface reads them)
  for (const name of ["rh_event_type_name", "rh_event_type_description",
    "rh_event_type_group", "rh_event_type_example", "rh_event_type_schema"])
    f[name.replace("rh_event_type_", "get_")] = lib.func(name, "const char *", ["void *"]);

  const info = (et) => ({
    name: f.get_name(et), description: f.get_description(et), group: f.get_group(et),
    example: f.get_example(et), schema: f.get_schema(et),
    state: f.stateName(f.state(et)), updatedMs: Number(f.updated(et)),
  });

  return {
    isTestEvent: (id) => f.isTest(str("eventId", id)) === 1,

    define(ctx, check, name, def) {
      const { description, group, example, schema } = options("event type", def,
        ["description", "group", "example", "schema"]);
      str("name", name);
      const texts = [[f.description, optStr("description", description)],
        [f.group, optStr("group", group)]];
      const docs = [[f.example, example], [f.schema, schema]]
        .map(([set, v]) => [set, v == null ? null : jsonText(v)]);
      const out = [null];
      check(f.optsNew(out), false);
      try {
        for (const [set, v] of texts) if (v != null) check(set(out[0], v), false);
        for (const [set, v] of docs) if (v != null) check(set(out[0], v, v.length), false);
        return DEFINED[check(f.define(ctx, name, out[0]))];
      } finally {
        f.optsFree(out[0]);
      }
    },

    get(ctx, check, name) {
      const out = [null];
      check(f.get(ctx, str("name", name), out));
      try {
        return info(out[0]);
      } finally {
        f.free(out[0]);
      }
    },

    list(ctx, check, filters) {
      const { group, archived = false } = options("filters", filters, ["group", "archived"]);
      optStr("group", group);
      bool("archived", archived);
      const rows = [];
      const cb = koffi.register((et) => { rows.push(info(et)); return 0; },
        koffi.pointer(TypeCb));
      try {
        let after = null, n;
        do {
          n = check(f.list(ctx, group ?? null, after, 1000, archived ? 1 : 0, cb, null));
          after = rows.length ? rows[rows.length - 1].name : null;
        } while (n === 1000);
      } finally {
        koffi.unregister(cb);
      }
      return rows;
    },

    setState(ctx, check, name, state) {
      if (!(state in STATES))
        throw new RangeError(`state must be one of ${Object.keys(STATES).join(", ")}`);
      check(f.setState(ctx, str("name", name), STATES[state]));
    },

    strict: (ctx, check) => check(f.strict(ctx)) === 1,

    setStrict(ctx, check, on) {
      bool("strict", on);
      check(f.setStrict(ctx, on ? 1 : 0));
    },

    importDoc(ctx, check, doc) {
      const json = jsonText(doc);
      return check(f.importDoc(ctx, json, json.length));
    },

    exportDoc(ctx, check) {
      let text = null;
      const cb = koffi.register((p, len) => {
        text = Buffer.from(koffi.decode(p, "uint8_t", Number(len))).toString("utf8");
        return 0;
      }, koffi.pointer(TextCb));
      try {
        check(f.exportDoc(ctx, cb, null));
      } finally {
        koffi.unregister(cb);
      }
      return text;
    },

    setTenantLimits(ctx, check, tenant, limits) {
      const given = options("tenant limits", limits, LIMITS);
      str("tenant", tenant);
      const values = LIMITS.map((k) => (given[k] == null ? null
        : int(k, given[k], [0n, 1000000000n])));
      values.forEach((v, kind) => { if (v != null) check(f.setLimit(ctx, tenant, kind, v)); });
    },

    tenantLimits(ctx, check, tenant) {
      str("tenant", tenant);
      const out = {};
      LIMITS.forEach((k, kind) => {
        const v = [0];
        check(f.getLimit(ctx, tenant, kind, v));
        out[k] = Number(v[0]);
      });
      return out;
    },

    prune(ctx, check, olderThanMs, opts) {
      const { tenant, max = 1000 } = options("prune options", opts, ["tenant", "max"]);
      const older = int("olderThanMs", olderThanMs, [0n, 2n ** 63n - 1n]);
      const most = int("max", max, [1n, 100000n]);
      if (tenant == null) return check(f.prune(ctx, older, most));
      return check(f.tenantPrune(ctx, str("tenant", tenant), older, most));
    },

    sendExample(ctx, check, endpointId, type) {
      const id = Buffer.alloc(64);
      check(f.send(ctx, str("endpointId", endpointId), str("eventType", type), id, id.length));
      return id.toString("latin1", 0, id.indexOf(0));
    },
  };
}

module.exports = { bindCatalog };
