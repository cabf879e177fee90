// The Context's hooks and the log's whole rows through the Node binding,
// against a real receiver on loopback: onAttempt with the response's
// start, onEndpointState on a 410, onEventType on a deprecated type, a
// bearer token from the token hook, a hook's throw rejecting idle(), the
// log paged with its cursors and every filter, refusals named, and a
// client certificate presented to a TLS receiver that requires one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import http from "node:http";
import https from "node:https";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as rh from "replicer-hooks";

function receiver(statuses = []) {
  const got = { requests: [] };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      got.requests.push({ path: req.url, authorization: req.headers.authorization ?? null,
        traceparent: req.headers.traceparent ?? null, tracestate: req.headers.tracestate ?? null });
      res.writeHead(statuses.length ? statuses.shift() : 200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}/in`;
    got.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
    resolve(got);
  }));
}

async function withBoth(statuses, opts, fn) {
  const r = await receiver(statuses);
  const ctx = new rh.Context({ development: true, ...opts });
  try {
    await fn(ctx, r);
  } finally {
    ctx.close();
    await r.close();
  }
}

test("onAttempt gets each attempt whole, as the log has it", () => {
  const seen = [];
  return withBoth([500], { retryScheduleMs: [0], onAttempt: (a) => seen.push(a) }, async (ctx, r) => {
    const { id } = ctx.addEndpoint(r.url, ["*"]);
    const { id: eventId } = ctx.emit("order.paid", { n: 1 });
    assert.equal(await ctx.idle({ timeoutMs: 10000 }), true);
    assert.deepEqual(seen.map((a) => [a.number, a.status, a.success]), [[1, 500, false], [2, 200, true]]);
    assert.ok(seen.every((a) => a.endpointId === id && a.eventId === eventId));
    assert.deepEqual(seen.map((a) => a.response.toString()), ["ok", "ok"]);
    const stored = ctx.attempts();
    // the hook runs before the store numbers the row: seq is 0 there
    assert.deepEqual(seen.map((a) => a.seq), [0, 0]);
    assert.ok(stored.every((a) => a.seq > 0));
    assert.deepEqual(seen.map((a) => ({ ...a, seq: 0 })), stored.map((a) => ({ ...a, seq: 0 })));
    const [dl] = ctx.deliveries();
    assert.equal(dl.attempts, 2);
    assert.equal(dl.eventId, eventId);
    assert.equal(dl.endpointId, id);
    assert.equal(dl.state, "succeeded");
    assert.ok(dl.createdMs > 0 && dl.updatedMs >= dl.createdMs);
  });
});

test("the trace context goes with each attempt, a span of its own", () => {
  const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const seen = [];
  return withBoth([500], { retryScheduleMs: [0], onAttempt: (a) => seen.push(a) }, async (ctx, r) => {
    ctx.addEndpoint(r.url, ["*"]);
    ctx.emit("order.paid", {}, { traceparent: tp, tracestate: "congo=t61" });
    assert.equal(await ctx.idle({ timeoutMs: 10000 }), true);
    const sent = r.requests.map((q) => q.traceparent);
    assert.deepEqual(sent, seen.map((a) => a.traceparent));
    assert.equal(new Set(sent).size, 2);
    assert.ok(sent.every((t) => t.slice(0, 36) === tp.slice(0, 36) && t.endsWith("-01")));
    assert.deepEqual(r.requests.map((q) => q.tracestate), ["congo=t61", "congo=t61"]);
    assert.deepEqual(ctx.attempts().map((a) => a.traceparent), ["", ""]);
    // what each attempt sent, rebuilt: the body, the signature redacted
    const dlv = seen[0].deliveryId;
    const req = ctx.attemptRequest(dlv, 2);
    assert.deepEqual(JSON.parse(req.body.toString()).event, "order.paid");
    const headers = Object.fromEntries(req.headers);
    assert.equal(headers["X-Replicer-Signature"], "<redacted>");
    assert.equal(headers["X-Replicer-Delivery-Id"], dlv);
    assert.throws(() => ctx.attemptRequest(dlv, 3), rh.NotFoundError);
    assert.throws(() => ctx.emit("order.paid", {}, { traceparent: tp.toUpperCase() }),
      (e) => e instanceof rh.InvalidArgumentError && e.arg === "traceparent");
    assert.throws(() => ctx.emit("order.paid", {}, { tracestate: "a=b" }), rh.InvalidArgumentError);
  });
});

test("counters per endpoint and per tenant", () => withBoth([], {}, async (ctx, r) => {
  const { id } = ctx.addEndpoint(r.url, ["*"], { tenant: "acct" });
  ctx.emit("order.paid", {}, { tenant: "acct" });
  await ctx.idle({ timeoutMs: 10000 });
  const byEp = ctx.statsBy();
  assert.equal(byEp[id].attempts, 1);
  assert.equal(byEp[id].succeeded, 1);
  assert.deepEqual(Object.keys(ctx.statsBy({ group: "tenant" })), ["acct"]);
  const health = ctx.endpointHealth(id);
  assert.ok(health.lastSuccessMs > 0);
  assert.deepEqual([health.failingSinceMs, health.failedInARow], [0, 0]);
  assert.throws(() => ctx.endpointHealth("ep_nobody"), rh.NotFoundError);
  assert.throws(() => ctx.statsBy({ group: "total" }), RangeError);
}));

test("a 410 tells onEndpointState, a deprecated type tells onEventType", () => {
  const changes = [], notices = [];
  return withBoth([410], {
    onEndpointState: (ep, change) => changes.push([ep.id, change]),
    onEventType: (name, notice) => notices.push([name, notice]),
  }, async (ctx, r) => {
    const { id } = ctx.addEndpoint(r.url, ["*"]);
    ctx.defineEventType("order.paid", { description: "Paid" });
    ctx.setEventTypeState("order.paid", "deprecated");
    ctx.emit("order.paid", {});
    ctx.emit("order.paid", {});
    assert.deepEqual(notices, [["order.paid", "deprecated_emitted"]]);
    await ctx.idle({ timeoutMs: 10000 });
    assert.ok(changes.some(([ep, c]) => ep === id && c === "disabled"), JSON.stringify(changes));
    assert.equal(ctx.endpoints()[0].enabled, false);
  });
});

test("the token hook's bearer token goes out; null sends none", () => {
  const asked = [];
  const token = (ep) => {
    asked.push(ep.id);
    return ep.name === "open" ? null : { token: `tok-${ep.name}`, expiresMs: 0 };
  };
  return withBoth([], { token }, async (ctx, r) => {
    const a = ctx.addEndpoint(`${r.url}/a`, ["*"], { name: "a" }).id;
    const b = ctx.addEndpoint(`${r.url}/b`, ["*"], { name: "open" }).id;
    ctx.emit("order.paid", {});
    await ctx.idle({ timeoutMs: 10000 });
    const auth = Object.fromEntries(r.requests.map((q) => [q.path, q.authorization]));
    assert.deepEqual(auth, { "/in/a": "Bearer tok-a", "/in/b": null });
    assert.deepEqual(new Set(asked), new Set([a, b]));
  });
});

test("what a hook throws rejects idle(); a bad token fails the attempt unsent", async () => {
  await withBoth([], { onAttempt: () => { throw new Error("from the hook"); } }, async (ctx, r) => {
    ctx.addEndpoint(r.url, ["*"]);
    ctx.emit("order.paid", {});
    await assert.rejects(ctx.idle({ timeoutMs: 10000 }), /from the hook/);
    assert.equal(r.requests.length, 1); // sent once, logged, not lost
    assert.equal(ctx.attempts()[0].success, true);
  });
  await withBoth([], { retryScheduleMs: [], token: () => "bad\ntoken" }, async (ctx, r) => {
    ctx.addEndpoint(r.url, ["*"]);
    ctx.emit("order.paid", {});
    await assert.rejects(ctx.idle({ timeoutMs: 10000 }), /visible ASCII/);
    await ctx.idle({ timeoutMs: 10000 });
    assert.deepEqual(r.requests, []);
    assert.deepEqual(ctx.attempts().map((a) => a.outcome), ["other"]);
  });
  for (const name of ["onAttempt", "onEndpointState", "onEventType", "token"])
    assert.throws(() => new rh.Context({ [name]: "nope" }), new RegExp(name));
});

test("the log pages with its cursors and filters by every field", () => {
  return withBoth([200, 200, 500], { retryScheduleMs: [] }, async (ctx, r) => {
    const { id } = ctx.addEndpoint(r.url, ["*"]);
    const events = [0, 1, 2, 3, 4].map((n) => ctx.emit(n % 2 ? "order.paid" : "user.made", { n }).id);
    await ctx.idle({ timeoutMs: 10000 });
    const all = ctx.attempts();
    assert.equal(all.length, 5);
    assert.deepEqual(ctx.attempts({ after: all[1].seq, limit: 2 }), all.slice(2, 4));
    const dls = ctx.deliveries();
    assert.deepEqual(ctx.deliveries({ after: dls[2] }), dls.slice(3));
    assert.deepEqual(ctx.deliveries({ after: { createdMs: dls[4].createdMs, id: dls[4].id } }), []);
    assert.equal(ctx.attempts({ eventType: "order.*" }).length, 2);
    assert.equal(ctx.attempts({ event: events[3] })[0].eventId, events[3]);
    assert.equal(ctx.attempts({ delivery: dls[0].id })[0].deliveryId, dls[0].id);
    assert.equal(ctx.attempts({ endpoint: id }).length, 5);
    assert.equal(ctx.attempts({ endpoint: "ep_other" }).length, 0);
    assert.deepEqual(ctx.attempts({ outcome: "http_status" }).map((a) => a.status), [500]);
    assert.equal(ctx.deliveries({ failedOnly: true }).length, 1);
    assert.equal(ctx.attempts({ sinceMs: Date.now() + 60000 }).length, 0);
    assert.equal(ctx.attempts({ untilMs: all[0].startedMs + 1 }).length >= 1, true);
    assert.throws(() => ctx.attempts({ outcome: "nope" }), /outcome must be one of/);
    assert.throws(() => ctx.deliveries({ after: 3 }), TypeError);
    assert.throws(() => ctx.attempts({ afterSeq: 3 }), /unknown option afterSeq/);
    assert.throws(() => ctx.attempts({ limit: 0 }), RangeError);
  });
});

test("a refusal says why", () => {
  const ctx = new rh.Context(); // production: HTTPS to public hosts only
  try {
    for (const [url, why] of [["http://example.com/in", "insecure_scheme"],
      ["https://10.1.2.3/in", "private_address"], ["https://exa mple.com/in", "malformed"]]) {
      assert.throws(() => ctx.addEndpoint(url, ["*"]), (e) =>
        e instanceof rh.InvalidArgumentError && e.arg === "url" && e.refusal === why);
    }
    assert.throws(() => ctx.removeEndpoint("ep_nope"), (e) => e.refusal === "unknown_id");
    ctx.setTenantLimits("acct", { maxEndpoints: 1 });
    ctx.addEndpoint("https://example.com/a", ["*"], { tenant: "acct" });
    assert.throws(() => ctx.addEndpoint("https://example.com/b", ["*"], { tenant: "acct" }),
      (e) => e instanceof rh.FullError && e.refusal === null);
  } finally {
    ctx.close();
  }
});

function openssl(dir, ...args) {
  execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

test("a client certificate is presented to a receiver that requires one", async (t) => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
  } catch {
    return t.skip("no openssl command to make certificates");
  }
  const dir = mkdtempSync(join(tmpdir(), "rh-cert-"));
  for (const [name, cn] of [["ca", "test CA"], ["client", "replicer client"]])
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
      `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.pem`);
  openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
    "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
    "-CAcreateserial", "-days", "1", "-extfile", "ext", "-out", "server.pem");
  const read = (f) => readFileSync(join(dir, f), "utf8");
  const peers = [];
  const server = https.createServer({ key: read("server.key"), cert: read("server.pem"),
    ca: read("client.pem"), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    peers.push(req.socket.getPeerCertificate().subject.CN);
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `https://127.0.0.1:${server.address().port}/in`;
  const ctx = new rh.Context({ development: true, retryScheduleMs: [], caFile: join(dir, "ca.pem") });
  try {
    const without = ctx.addEndpoint(url, ["*"], { name: "without" }).id;
    ctx.emit("order.paid", {}, { endpoint: without });
    await ctx.idle({ timeoutMs: 10000 });
    assert.deepEqual(peers, []); // refused in the handshake
    assert.equal(ctx.attempts()[0].success, false);
    const { id } = ctx.addEndpoint(url, ["*"], { name: "with" });
    ctx.setClientCert(id, read("client.pem"), read("client.key"));
    assert.equal(ctx.endpoint(id).hasClientCert, true);
    ctx.emit("order.paid", {}, { endpoint: id });
    await ctx.idle({ timeoutMs: 10000 });
    assert.deepEqual(peers, ["replicer client"]);
    assert.throws(() => ctx.setClientCert(id, "cert", null), TypeError);
    assert.throws(() => ctx.setClientCert(id, "not a pem", "not a key"), rh.InvalidArgumentError);
    ctx.setClientCert(id, null, null);
    assert.equal(ctx.endpoint(id).hasClientCert, false);
  } finally {
    ctx.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
