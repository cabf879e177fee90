// Context's settings by their C names: taken, checked for type, refused by
// the library out of range (naming the setting), unknown names refused,
// and in effect (a cap on pending deliveries, a data size limit).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as rh from "replicer-hooks";

test("every setting is taken", () => {
  const ctx = new rh.Context({ development: true, maxInFlight: 16, maxInFlightPerEndpoint: 4,
    maxPending: 1000, maxLog: 10000, maxDataBytes: 4096, leaseMs: 70000,
    retentionMs: 86400000, idempotencyWindowMs: 3600000, autoDisableMs: 0,
    endpointRefreshMs: 5000, retryJitterPct: 10, standardHeaders: true,
    allowCidrs: ["10.1.2.0/24", "fd00:1::/64"], proxy: "http://127.0.0.1:3128" });
  assert.deepEqual(ctx.endpoints(), []);
  ctx.close();
});

test("the settings hold", () => {
  const ctx = new rh.Context({ development: true, maxPending: 1, maxDataBytes: 64 });
  try {
    ctx.addEndpoint("http://127.0.0.1:9/in", ["*"]);
    ctx.emit("a", {});
    assert.throws(() => ctx.emit("a", {}), (e) => e instanceof rh.FullError);
    assert.throws(() => ctx.emit("b", { x: "y".repeat(100) }),
      (e) => e.codeName === "RH_E_TOO_LARGE");
  } finally {
    ctx.close();
  }
});

test("bad settings are refused by name", () => {
  assert.throws(() => new rh.Context({ maxInflight: 3 }), /unknown option maxInflight/);
  assert.throws(() => new rh.Context({ standardHeaders: 1 }), TypeError);
  assert.throws(() => new rh.Context({ allowCidrs: "10.0.0.0/8" }), TypeError);
  assert.throws(() => new rh.Context({ maxPending: -1 }), RangeError);
  assert.throws(() => new rh.Context({ allowCidrs: ["not a cidr"] }),
    (e) => e instanceof rh.InvalidArgumentError && e.arg === "allowCidrs");
  assert.throws(() => new rh.Context({ retryJitterPct: 101 }),
    (e) => e instanceof rh.InvalidArgumentError && e.arg === "retryJitterPct");
  assert.throws(() => new rh.Context({ proxy: "http://a\0b" }), TypeError);
});

test("batches, stats and pause", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(`${tmpdir()}/rh-batch-`);
  const ctx = new rh.Context({ development: true, store: rh.sqlite(`${dir}/b.db`) });
  try {
    ctx.addEndpoint("http://127.0.0.1:9/in", ["*"]);
    assert.equal(ctx.batch(() => { for (let i = 0; i < 5; i++) ctx.emit("a", { i }); return "done"; }),
      "done");
    assert.equal(ctx.deliveries({ state: "pending" }).length, 5);
    const stats = ctx.stats();
    assert.deepEqual([stats.events_emitted, stats.deliveries_queued], [5, 5]);
    assert.ok("attempt_ms_sum" in stats);
    assert.throws(() => ctx.batch(() => { ctx.emit("a", {}); throw new Error("host's own"); }),
      /host's own/);
    assert.equal(ctx.stats().events_emitted, 6); // committed all the same
    assert.throws(() => ctx.batch(() => ctx.batch(() => 0)),
      (e) => e instanceof rh.StateError);
    assert.throws(() => ctx.batch(5), TypeError);
    ctx.pause();
    ctx.pause(false);
    assert.throws(() => ctx.pause(1), TypeError);
    // the queue as the store holds it: six pending, the oldest due known
    const [total] = ctx.queueFigures();
    assert.equal(total.key, "");
    assert.equal(total.pending, 6);
    assert.equal(total.failedRecent, 0);
    assert.ok(total.oldestDueMs > 0 && total.due <= 6);
    const byEndpoint = ctx.queueFigures({ group: "endpoint", failedWindowMs: 60000 });
    assert.deepEqual(byEndpoint.map((r) => [r.key, r.pending]), [[ctx.endpoints()[0].id, 6]]);
    assert.deepEqual(ctx.queueFigures({ group: "tenant" }).map((r) => r.key), [""]);
    assert.throws(() => ctx.queueFigures({ group: "nope" }), /group must be one of/);
    assert.throws(() => ctx.queueFigures({ failedWindowMs: -1 }), rh.InvalidArgumentError);
    assert.throws(() => ctx.queueFigures({ window: 1 }), /unknown option window/);
  } finally {
    ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
