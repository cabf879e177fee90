// The event-type catalog through the Node binding: define, read, list and
// archive; strict mode refusing a typo by argument; an example delivered
// as a signed test event; the shipped OpenAPI document imported twice, and
// the export; bad input refused before or by the library.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as rh from "replicer-hooks";

// the tests run from a copy (under build/, or in an app that installed the
// package): RH_SOURCE_TREE names the tree the document is in
const tree = process.env.RH_SOURCE_TREE ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const openapi = join(tree, "tests", "catalog", "openapi.json");

function receiver() {
  const got = { requests: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      got.requests.push({ headers: req.headers, body });
      res.writeHead(200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}`;
    got.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
    resolve(got);
  }));
}

function withStore(body) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "rh-catalog-"));
    const ctx = new rh.Context({ development: true, retryScheduleMs: [],
      store: rh.sqlite(join(dir, "s.db")) });
    try {
      await body(ctx);
    } finally {
      ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test("define, read, list and archive", withStore(async (ctx) => {
  assert.equal(ctx.defineEventType("order.paid", { description: "Paid.",
    example: { order: "o_1" }, schema: { type: "object" } }), "created");
  assert.equal(ctx.defineEventType("order.paid", { example: '{ "order": "o_1" }' }),
    "unchanged");
  assert.equal(ctx.defineEventType("order.paid", { group: "billing" }), "updated");
  const t = ctx.eventType("order.paid");
  assert.deepEqual([t.group, t.state, JSON.parse(t.example)], ["billing", "active",
    { order: "o_1" }]);
  ctx.defineEventType("ping");
  ctx.setEventTypeState("ping", "archived");
  assert.deepEqual(ctx.eventTypes().map((x) => x.name), ["order.paid"]);
  assert.equal(ctx.eventTypes({ archived: true }).length, 2);
  assert.throws(() => ctx.eventType("nope"), (e) => e.codeName === "RH_E_NOT_FOUND");
}));

test("strict mode, and an example sent as a test event", withStore(async (ctx) => {
  const r = await receiver();
  try {
    ctx.defineEventType("order.paid", { example: { order: "o_1" } });
    ctx.strict = true;
    assert.equal(ctx.strict, true);
    assert.throws(() => ctx.emit("ordr.paid", {}),
      (e) => e.codeName === "RH_E_INVALID_ARG" && e.arg === "event_type");
    assert.throws(() => ctx.addEndpoint(r.url, ["refund.*"]), (e) => e.arg === "events");
    const ep = ctx.addEndpoint(r.url, ["order.*"]);
    const id = ctx.sendExample(ep.id, "order.paid");
    assert.ok(rh.isTestEvent(id));
    await ctx.idle();
    assert.equal(r.requests.length, 1);
    const req = r.requests[0];
    assert.equal(req.headers["x-replicer-test"], "1");
    assert.deepEqual(JSON.parse(req.body).data, { order: "o_1" });
    assert.ok(rh.verify(ep.secret, req.headers["webhook-id"], req.headers["webhook-timestamp"],
      req.headers["webhook-signature"], req.body));
  } finally {
    await r.close();
  }
}));

test("an OpenAPI document imports once, and the export imports as a no-op",
  withStore(async (ctx) => {
    const doc = readFileSync(openapi, "utf8");
    assert.equal(ctx.importCatalog(doc), 3);
    assert.equal(ctx.importCatalog(JSON.parse(doc)), 0);
    const out = JSON.parse(ctx.exportCatalog());
    assert.deepEqual(out.event_types.map((t) => t.name).sort(),
      ["account.closed", "call.ended", "invoice.paid"]);
    assert.equal(ctx.importCatalog(out), 0);
  }));

test("a tenant's limits", withStore(async (ctx) => {
  ctx.addEndpoint("http://127.0.0.1:9/x", ["*"], { tenant: "acct" });
  ctx.setTenantLimits("acct", { maxPending: 1, rate: 5 });
  assert.deepEqual(ctx.tenantLimits("acct"), { maxEndpoints: 0, maxPending: 1, maxInFlight: 0,
    rate: 5 });
  ctx.emit("x.y", {}, { tenant: "acct" });
  assert.throws(() => ctx.emit("x.y", {}, { tenant: "acct" }),
    (e) => e.codeName === "RH_E_FULL" && e.arg === "tenant");
  assert.equal(ctx.prune(0, { tenant: "acct" }), 0); // nothing finished yet
  assert.throws(() => ctx.prune(0, { tenant: "two words" }), (e) => e.arg === "tenant");
  assert.throws(() => ctx.prune(0, { tenat: "acct" }), TypeError);
  assert.throws(() => ctx.setTenantLimits("acct", { rate: -1 }), RangeError);
  assert.throws(() => ctx.setTenantLimits("acct", { ratee: 1 }), TypeError);
  assert.throws(() => ctx.setTenantLimits("two words", { rate: 1 }), (e) => e.arg === "tenant");
}));

test("bad input is refused by name", withStore(async (ctx) => {
  assert.throws(() => ctx.defineEventType("order paid"), (e) => e.arg === "event_type");
  assert.throws(() => ctx.defineEventType("a.b", { example: [1] }), (e) => e.arg === "example");
  assert.throws(() => ctx.defineEventType("a.b", { schema: "{" + " ".repeat(2 << 20) + "}" }),
    (e) => e.codeName === "RH_E_TOO_LARGE");
  assert.throws(() => ctx.defineEventType("a.b", { descripton: "typo" }), TypeError);
  assert.throws(() => ctx.setEventTypeState("a.b", "gone"), RangeError);
  assert.throws(() => ctx.importCatalog({ event_types: [{ name: "ok" }, { name: "no good" }] }),
    (e) => e.arg === "catalog");
  assert.deepEqual(ctx.eventTypes({ archived: true }), []);
}));
