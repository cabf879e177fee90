// The Emitter from Node: emits run on libuv's thread pool into one SQLite
// store and share commits; each promise settles with its own answer or
// error; another context delivers them all, each key's events in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as rh from "replicer-hooks";

function receiver() {
  const got = { requests: [], secret: null };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const h = req.headers;
      got.requests.push({ body: JSON.parse(body), valid: rh.verify(got.secret,
        h["webhook-id"], h["webhook-timestamp"], h["webhook-signature"], body) });
      res.writeHead(200).end("ok");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    got.url = `http://127.0.0.1:${server.address().port}/in`;
    got.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
    resolve(got);
  }));
}

test("emits in flight together share commits and are all delivered", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rh-emitter-"));
  const r = await receiver();
  try {
    const path = join(dir, "hooks.db");
    const setup = new rh.Context({ development: true, store: rh.sqlite(path) });
    r.secret = setup.addEndpoint(r.url, ["load.*"]).secret;
    setup.close();
    const ctx = new rh.Context({ development: true, store: rh.sqlite(path) });
    const em = new rh.Emitter(ctx);
    assert.throws(() => ctx.close(), (e) => e instanceof rh.StateError);
    assert.throws(() => new rh.Emitter(ctx), (e) => e instanceof rh.StateError);
    // lent: its own calls would race the pool threads, so they are refused
    assert.throws(() => ctx.emit("load.test", {}), (e) => e instanceof rh.StateError);
    assert.throws(() => ctx.endpoints(), (e) => e instanceof rh.StateError);
    const emits = [];
    for (let key = 0; key < 8; key++)
      for (let n = 0; n < 40; n++)
        emits.push(em.emit("load.test", { key, n }, { orderingKey: `k${key}` }));
    // refused alone, among the others (its rejection handled from the start)
    const bad = assert.rejects(em.emit("load.test", "[1, 2"), (e) =>
      e instanceof rh.InvalidArgumentError && e.arg === "data" && e.refusal === "malformed");
    const answers = await Promise.all(emits);
    await bad;
    assert.equal(new Set(answers.map((a) => a.id)).size, 320);
    assert.ok(answers.every((a) => a.queued === 1 && !a.duplicate && a.id.startsWith("evt_")
      && a.groupSize >= 1));
    assert.ok(answers.some((a) => a.groupSize > 1));
    const first = await em.emit("load.once", {}, { idempotencyKey: "once" });
    assert.deepEqual(await em.emit("load.once", {}, { idempotencyKey: "once" }),
      { id: first.id, queued: 0, duplicate: true, groupSize: 1 });
    const counts = em.counts();
    assert.equal(counts.emits, 323);
    assert.ok(counts.commits < counts.emits, `commits ${counts.commits}`);
    assert.ok(counts.largestGroup > 1);
    await assert.rejects(em.emit("load.test", {}, { tenant: "bad tenant\n" }),
      (e) => e.arg === "tenant");
    em.close();
    await assert.rejects(em.emit("load.test", {}), (e) => e instanceof rh.StateError);
    assert.equal(ctx.endpoints().length, 1); // given back
    ctx.close();
    // a worker opened now: a context learns of other contexts' emits when
    // it ticks, and one opened before them could have gone to sleep with
    // nothing due (its timer knows its own work only)
    const worker = new rh.Context({ development: true, store: rh.sqlite(path) });
    assert.equal(await worker.idle({ timeoutMs: 60000 }), true);
    worker.close();
    assert.equal(r.requests.length, 321);
    assert.ok(r.requests.every((q) => q.valid));
    for (let key = 0; key < 8; key++) {
      const ns = r.requests.filter((q) => q.body.data.key === key).map((q) => q.body.data.n);
      assert.deepEqual(ns, [...Array(40).keys()]);
    }
  } finally {
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the memory store and a non-context are refused", () => {
  const ctx = new rh.Context({ development: true });
  try {
    assert.throws(() => new rh.Emitter(ctx), (e) => e.codeName === "RH_E_UNSUPPORTED"
      && /memory store/.test(e.detail));
    assert.throws(() => new rh.Emitter({}), TypeError);
  } finally {
    ctx.close();
  }
});
