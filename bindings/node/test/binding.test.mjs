// The Node binding against the real library: the Standard Webhooks test
// vector, a context driven by Node's event loop delivering to a loopback
// receiver that checks every signature, keys, the SQLite store, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as rh from "replicer-hooks";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const BODY = '{"test": 2432232314}';
const SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

function receiver() {
  const got = { requests: [], secret: null, statuses: [] };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const h = req.headers;
      got.requests.push({
        body: JSON.parse(body),
        valid: got.secret ? rh.verify(got.secret, h["webhook-id"], h["webhook-timestamp"],
          h["webhook-signature"], body) : false,
      });
      res.writeHead(got.statuses.length ? got.statuses.shift() : 200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}/in`;
    got.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
    resolve(got);
  }));
}

test("signing matches the Standard Webhooks test vector", () => {
  assert.equal(rh.sign(SECRET, MSG_ID, 1614265330, BODY), SIG);
  assert.equal(rh.verify(SECRET, MSG_ID, 1614265330, SIG, BODY, 1614265330), true);
  assert.equal(rh.verify(SECRET, MSG_ID, 1614265330, SIG, BODY + " ", 1614265330), false);
  assert.throws(() => rh.sign("whsec_x", MSG_ID, 1, ""), (e) => e.codeName === "RH_E_INVALID_ARG");
  assert.equal(rh.constants.RH_ID_SIZE, 32);
});

test("a context on the event loop delivers, signs, logs and retries", async () => {
  const r = await receiver();
  const failed = [];
  const ctx = new rh.Context({ development: true, retryScheduleMs: [], onFailed: (d) => failed.push(d) });
  try {
    const { secret } = ctx.addEndpoint(r.url, ["order.*"]);
    r.secret = secret;
    assert.deepEqual(ctx.emit("order.paid", { order: "o_1" }).queued, 1);
    await ctx.idle();
    r.statuses = [500]; // the next answer fails
    ctx.emit("order.refunded", '{"order":"o_1"}');
    await ctx.idle();
    assert.equal(r.requests.length, 2);
    assert.ok(r.requests.every((q) => q.valid));
    assert.deepEqual(r.requests[0].body.data, { order: "o_1" });
    assert.deepEqual(ctx.attempts({ status: 500 }).map((a) => a.outcome), ["http_status"]);
    assert.equal(failed.length, 1);
    assert.equal(ctx.deliveries({ state: "failed" })[0].id, failed[0].id);
    assert.equal(ctx.recover({ eventType: "order.*" }), 1);
    await ctx.idle();
    assert.equal(r.requests.length, 3);
    assert.deepEqual(ctx.deliveries({ state: "failed" }), []);
    assert.throws(() => ctx.resend("dlv_nobody"), (e) => e.codeName === "RH_E_NOT_FOUND");
  } finally {
    ctx.close();
    await r.close();
  }
});

test("idempotency and ordering keys", async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true });
  try {
    ctx.addEndpoint(r.url, ["*"]);
    const first = ctx.emit("job.done", { n: 1 }, { idempotencyKey: "job-1", orderingKey: "job" });
    const again = ctx.emit("job.done", { n: 1 }, { idempotencyKey: "job-1", orderingKey: "job" });
    assert.deepEqual(again, { id: first.id, queued: 0, duplicate: true });
    ctx.emit("job.done", { n: 2 }, { orderingKey: "job" });
    assert.deepEqual(ctx.deliveries().map((d) => d.orderingKey), ["job", "job"]);
    await ctx.idle();
    assert.deepEqual(r.requests.map((q) => q.body.data.n), [1, 2]);
  } finally {
    ctx.close();
    await r.close();
  }
});

test("refusals carry the code and the argument", () => {
  const ctx = new rh.Context(); // production mode
  try {
    assert.throws(() => ctx.addEndpoint("http://127.0.0.1:1/x", ["*"]),
      (e) => e.code === rh.constants.RH_E_INVALID_ARG && e.arg === "url" && /production/.test(e.detail));
    assert.throws(() => ctx.emit("bad type!", {}), (e) => e.arg === "event_type");
  } finally {
    ctx.close();
  }
});

test("the SQLite store keeps what it was given across a restart", async () => {
  const r = await receiver();
  const dir = mkdtempSync(join(tmpdir(), "rh-node-"));
  try {
    let ctx = new rh.Context({ development: true, store: rh.sqlite(join(dir, "hooks.db")) });
    ctx.addEndpoint(r.url, ["*"]);
    ctx.emit("a.b", { x: 1 });
    ctx.close();
    ctx = new rh.Context({ development: true, store: rh.sqlite(join(dir, "hooks.db")) });
    await ctx.idle();
    ctx.close();
    assert.equal(r.requests.length, 1);
    assert.throws(() => rh.sqlite("/nonexistent-dir/x.db"), (e) => /nonexistent-dir/.test(e.detail));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await r.close();
  }
});

test("PostgreSQL, when RH_TEST_PG names a cluster", { skip: !process.env.RH_TEST_PG }, async () => {
  const r = await receiver();
  const ctx = new rh.Context({ development: true,
    store: rh.postgresql(process.env.RH_TEST_PG, `node_${process.pid}`) });
  try {
    ctx.addEndpoint(r.url, ["*"]);
    assert.equal(ctx.emit("a.b", {}).queued, 1);
    await ctx.idle();
    assert.deepEqual(ctx.deliveries().map((d) => d.state), ["succeeded"]);
  } finally {
    ctx.close();
    await r.close();
  }
});

test("delivery on the event loop leaves the host's own timers running", async () => {
  let answered = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    // each answer takes 50 ms: the transfers are in flight a while
    req.on("end", () => setTimeout(() => { answered++; res.writeHead(204).end(); }, 50));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const ctx = new rh.Context({ development: true });
  let ticks = 0;
  const beside = setInterval(() => { ticks++; }, 5);
  try {
    ctx.addEndpoint(`http://127.0.0.1:${server.address().port}/in`, ["*"]);
    for (let i = 0; i < 20; i++) ctx.emit("order.paid", { i });
    assert.equal(await ctx.idle({ timeoutMs: 10000 }), true);
    assert.equal(answered, 20);
    assert.ok(ticks > 5, `the host's timer ran ${ticks} times`);
  } finally {
    clearInterval(beside);
    ctx.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
