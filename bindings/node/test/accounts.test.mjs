// Accounts through the Node binding: a tenant's endpoints, emits, log,
// keys and resends are its own; endpoints are edited in place and listed;
// a tenant is removed; bad tenants, names and labels are refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import * as rh from "replicer-hooks";

function receiver() {
  const got = { paths: [], statuses: [] };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      got.paths.push(req.url);
      res.writeHead(got.statuses.length ? got.statuses.shift() : 200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}`;
    got.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
    resolve(got);
  }));
}

test("each tenant gets its own events, keys, log and resends", async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true, retryScheduleMs: [] });
  try {
    const a = ctx.addEndpoint(`${r.url}/a`, ["order.*"], { tenant: "acct_a", name: "Orders",
      labels: { env: "prod" } });
    const b = ctx.addEndpoint(`${r.url}/b`, ["*"], { tenant: "acct_b" });
    ctx.addEndpoint(`${r.url}/none`, ["*"]);
    const first = ctx.emit("order.paid", { n: 1 }, { tenant: "acct_a", idempotencyKey: "k" });
    assert.equal(first.queued, 1);
    assert.equal(ctx.emit("order.paid", {}, { tenant: "acct_b", idempotencyKey: "k" }).duplicate,
      false);
    const again = ctx.emit("order.paid", {}, { tenant: "acct_a", idempotencyKey: "k" });
    assert.deepEqual([again.id, again.queued, again.duplicate], [first.id, 0, true]);
    assert.throws(() => ctx.emit("order.paid", {}, { tenant: "acct_a", endpoint: b.id }),
      (e) => e.codeName === "RH_E_NOT_FOUND");
    r.statuses = [];
    await ctx.idle();
    assert.deepEqual(r.paths.sort(), ["/a", "/b"]);
    const rows = ctx.attempts({ tenant: "acct_a" });
    assert.deepEqual(rows.map((x) => [x.endpointId, x.tenant]), [[a.id, "acct_a"]]);
    assert.deepEqual(ctx.deliveries({ tenant: "acct_b" }).map((d) => d.tenant), ["acct_b"]);
    const mine = ctx.endpoints({ tenant: "acct_a" });
    assert.equal(mine.length, 1);
    assert.deepEqual([mine[0].name, mine[0].labels], ["Orders", { env: "prod" }]);
    // b's delivery fails, and is b's alone to resend
    r.statuses = [500];
    ctx.emit("x.y", {}, { tenant: "acct_b" });
    await ctx.idle();
    const failed = ctx.deliveries({ tenant: "acct_b", state: "failed" });
    assert.equal(failed.length, 1);
    assert.throws(() => ctx.resend(failed[0].id, { tenant: "acct_a" }),
      (e) => e.codeName === "RH_E_NOT_FOUND");
    ctx.resend(failed[0].id, { tenant: "acct_b" });
    await ctx.idle();
    assert.equal(ctx.recover({ tenant: "acct_b" }), 0);
    assert.equal(r.paths.length, 4);
  } finally {
    ctx.close();
    await r.close();
  }
});

test("endpoints are edited in place and tenants removed", async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true });
  try {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ep = ctx.addEndpoint(`${r.url}/old`, ["order.*"], { tenant: "acct_a", secret });
    assert.equal(ep.secret, secret);
    ctx.updateEndpoint(ep.id, { url: `${r.url}/new`, events: ["user.*"], name: "Users",
      description: "two\nlines", labels: { env: "staging", team: "x" } });
    ctx.updateEndpoint(ep.id, { labels: { team: null } });
    const [got] = ctx.endpoints();
    assert.deepEqual([got.url, got.events, got.name, got.description, got.labels],
      [`${r.url}/new`, ["user.*"], "Users", "two\nlines", { env: "staging" }]);
    assert.equal(ctx.emit("order.paid", {}, { tenant: "acct_a" }).queued, 0);
    assert.equal(ctx.emit("user.made", {}, { tenant: "acct_a" }).queued, 1);
    await ctx.idle();
    assert.deepEqual(r.paths, ["/new"]);
    assert.throws(() => ctx.updateEndpoint(ep.id, { url: "ftp://x" }), (e) => e.arg === "url");
    // one receiver kept on HTTP/1.1; an out-of-range version refused
    assert.equal(ctx.endpoints()[0].httpVersion, rh.constants.RH_HTTP_VERSION_DEFAULT);
    ctx.updateEndpoint(ep.id, { httpVersion: rh.constants.RH_HTTP_VERSION_1_1 });
    assert.equal(ctx.endpoints()[0].httpVersion, rh.constants.RH_HTTP_VERSION_1_1);
    assert.throws(() => ctx.updateEndpoint(ep.id, { httpVersion: 3 }), /http version/);
    assert.throws(() => ctx.updateEndpoint(ep.id, { httpVersion: "2" }), TypeError);
    assert.throws(() => ctx.updateEndpoint(ep.id, { labels: { gone: null } }),
      (e) => e.codeName === "RH_E_NOT_FOUND");
    // the subclass a caller catches, still a ReplicerHooksError
    assert.throws(() => ctx.updateEndpoint(ep.id, { labels: { gone: null } }),
      (e) => e instanceof rh.NotFoundError && e instanceof rh.ReplicerHooksError);
    assert.throws(() => ctx.updateEndpoint(ep.id, { url: "ftp://x" }),
      (e) => e instanceof rh.InvalidArgumentError && e.arg === "url");
    assert.ok(new rh.ReplicerHooksError(rh.constants.RH_E_FULL) instanceof rh.FullError);
    assert.ok(new rh.ReplicerHooksError(rh.constants.RH_E_STORAGE) instanceof rh.StorageError);
    assert.ok(new rh.ReplicerHooksError(rh.constants.RH_E_STATE) instanceof rh.StateError);
    assert.equal(new rh.ReplicerHooksError(rh.constants.RH_E_CRYPTO).constructor,
      rh.ReplicerHooksError);
    assert.throws(() => ctx.updateEndpoint(ep.id, { urll: "x" }), /unknown option urll/);
    assert.equal(ctx.removeTenant("acct_a"), 1);
    assert.equal(ctx.removeTenant("acct_a"), 0);
    assert.deepEqual(ctx.endpoints(), []);
  } finally {
    ctx.close();
    await r.close();
  }
});

test("a cap per tenant is taken and checked", async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true, maxInFlightPerTenant: 2 });
  try {
    ctx.addEndpoint(`${r.url}/a`, ["*"], { tenant: "a" });
    for (let i = 0; i < 5; i++) ctx.emit("x.y", {}, { tenant: "a" });
    await ctx.idle();
    assert.equal(r.paths.length, 5);
  } finally {
    ctx.close();
    await r.close();
  }
  assert.throws(() => new rh.Context({ maxInFlightPerTenant: 100001 }),
    (e) => e.codeName === "RH_E_INVALID_ARG");
  assert.throws(() => new rh.Context({ maxInFlightPerTenant: -1 }), RangeError);
});

test("a required tenant, and bad values, are refused by name", () => {
  const ctx = new rh.Context({ development: true, tenantRequired: true });
  try {
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"]), (e) => e.arg === "tenant");
    assert.throws(() => ctx.emit("a.b", {}), (e) => e.arg === "tenant");
    for (const bad of ["", "two words", "café", "x".repeat(129)]) {
      assert.throws(() => ctx.emit("a.b", {}, { tenant: bad }), (e) => e.arg === "tenant");
      assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"], { tenant: bad }),
        (e) => e.arg === "tenant");
      if (bad) // a query's "" is the records of no tenant
        assert.throws(() => ctx.attempts({ tenant: bad }), (e) => e.arg === "tenant");
    }
    assert.throws(() => ctx.emit("a.b", {}, { tenant: "a\0b" }), TypeError);
    assert.throws(() => ctx.emit("a.b", {}, { tenant: 7 }), TypeError);
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"],
      { tenant: "t", name: "bell\x07" }), (e) => e.arg === "name");
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"],
      { tenant: "t", labels: { "no space": "v" } }), (e) => e.arg === "label");
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"],
      { tenant: "t", labels: ["env=prod"] }), TypeError);
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:9/x", ["*"], { tenat: "t" }),
      /unknown option tenat/);
    assert.deepEqual(ctx.endpoints(), []);
    ctx.addEndpoint("http://127.0.0.1:9/x", ["*"], { tenant: "t" });
    assert.equal(ctx.emit("a.b", {}, { tenant: "t" }).queued, 1);
  } finally {
    ctx.close();
  }
});

test("idle() gives up after timeoutMs while retries are due", async () => {
  const ctx = new rh.Context({ development: true });
  try {
    ctx.addEndpoint("http://127.0.0.1:9/refused", ["*"]); // nothing listens
    ctx.emit("order.paid", {});
    const t0 = Date.now();
    assert.equal(await ctx.idle({ timeoutMs: 300 }), false); // a retry in 5 s
    assert.ok(Date.now() - t0 < 3000);
    assert.throws(() => ctx.idle({ timeoutMS: 1 }), /unknown option timeoutMS/);
    assert.throws(() => ctx.idle({ timeoutMs: -1 }), RangeError);
  } finally {
    ctx.close();
  }
  const quiet = new rh.Context({ development: true });
  assert.equal(await quiet.idle({ timeoutMs: 1000 }), true); // nothing to do
  quiet.close();
});

test("one endpoint's operations and settings", async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true });
  try {
    const ep = ctx.addEndpoint(`${r.url}/ops`, ["order.*"], { tenant: "acct_a" });
    let got = ctx.endpoint(ep.id);
    assert.deepEqual([got.timeoutMs, got.maxInFlight, got.rateLimit, got.retryScheduleMs,
      got.headers, got.disabledReason, got.failedInARow, got.hasClientCert],
    [0, 0, 0, "the context's", {}, null, 0, false]);
    assert.ok(got.createdMs > 0 && got.url === `${r.url}/ops`);
    ctx.setEndpointSettings(ep.id, { timeoutMs: 1500, maxInFlight: 3, rateLimit: 2.5,
      retryScheduleMs: [1000, 5000] });
    ctx.setHeader(ep.id, "X-Team", "billing");
    got = ctx.endpoint(ep.id);
    assert.deepEqual([got.timeoutMs, got.maxInFlight, got.rateLimit, got.retryScheduleMs,
      got.headers], [1500, 3, 2.5, [1000, 5000], { "X-Team": "billing" }]);
    ctx.setEndpointSettings(ep.id, { retryScheduleMs: "the context's" });
    ctx.setHeader(ep.id, "X-Team");
    got = ctx.endpoint(ep.id);
    assert.deepEqual([got.retryScheduleMs, got.headers], ["the context's", {}]);
    assert.throws(() => ctx.setEndpointSettings(ep.id, { timeoutMs: 1e9 }),
      (e) => e instanceof rh.InvalidArgumentError);
    assert.throws(() => ctx.setEndpointSettings(ep.id, { rateLimit: "fast" }), TypeError);
    assert.throws(() => ctx.setEndpointSettings(ep.id, { timeout: 1 }), /unknown option timeout/);
    assert.throws(() => ctx.endpoint("ep_nope"), (e) => e instanceof rh.NotFoundError);
    ctx.pauseEndpoint(ep.id);
    assert.equal(ctx.endpoint(ep.id).paused, true);
    ctx.resumeEndpoint(ep.id);
    assert.equal(ctx.endpoint(ep.id).paused, false);
    const secret = ctx.rotateSecret(ep.id, { graceMs: 0 });
    assert.match(secret, /^whsec_/);
    assert.notEqual(secret, ep.secret);
    assert.equal(ctx.recoverEndpoint(ep.id, 0), 0); // none failed
    ctx.disableEndpoint(ep.id);
    assert.equal(ctx.endpoint(ep.id).disabledReason, "host");
    ctx.enableEndpoint(ep.id);
    assert.equal(ctx.endpoint(ep.id).disabledReason, null);
    ctx.removeEndpoint(ep.id);
    assert.equal(ctx.endpoints().length, 0);
  } finally {
    ctx.close();
    await r.close();
  }
});

test("a damaged SQLite file is a StorageError, left as it was", async () => {
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(`${tmpdir()}/rh-damaged-`);
  try {
    const path = `${dir}/damaged.db`;
    writeFileSync(path, "this is not a database, ".repeat(200));
    assert.throws(() => rh.sqlite(path), (e) => e instanceof rh.StorageError && /damaged/.test(e.detail));
    assert.ok(readFileSync(path, "utf8").startsWith("this is not a database"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
