// The Node binding given what it must refuse: a wrong type for any argument
// of any public call (koffi took a number for a string as an address and
// the process died of SIGSEGV: such a crash fails this file, as node --test
// runs each file in a process of its own), strings with a NUL (C read them
// cut short), integers outside their C type, unknown options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as rh from "replicer-hooks";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const BODY = '{"test": 2432232314}';
const SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const TS = 1614265330;
const URL = "http://127.0.0.1:1/in";

/** Each call must throw an error of this class whose message names arg. */
function refuses(calls) {
  for (const [arg, Class, call] of calls) {
    assert.throws(call, (e) => e instanceof Class && e.message.includes(arg),
      `${call} should throw a ${Class.name} naming ${arg}`);
  }
}

test("a wrong type for any argument is a TypeError naming it", () => {
  const ctx = new rh.Context({ development: true });
  try {
    refuses([
      ["secret", TypeError, () => rh.sign(1, MSG_ID, 1, BODY)],
      ["msgId", TypeError, () => rh.sign(SECRET, null, 1, BODY)],
      ["timestamp", TypeError, () => rh.sign(SECRET, MSG_ID, "1", BODY)],
      ["body", TypeError, () => rh.sign(SECRET, MSG_ID, 1, 5)],
      ["secret", TypeError, () => rh.verify({}, MSG_ID, 1, SIG, BODY)],
      ["msgId", TypeError, () => rh.verify(SECRET, 7, 1, SIG, BODY)],
      ["timestamp", TypeError, () => rh.verify(SECRET, MSG_ID, null, SIG, BODY)],
      ["signature", TypeError, () => rh.verify(SECRET, MSG_ID, 1, [SIG], BODY)],
      ["body", TypeError, () => rh.verify(SECRET, MSG_ID, 1, SIG, undefined)],
      ["now", TypeError, () => rh.verify(SECRET, MSG_ID, 1, SIG, BODY, "now")],
      ["tolerance", TypeError, () => rh.verify(SECRET, MSG_ID, 1, SIG, BODY, 1, "5")],
      ["path", TypeError, () => rh.sqlite(5)],
      ["path", TypeError, () => rh.sqlite(null)],
      ["conninfo", TypeError, () => rh.postgresql(5)],
      ["schema", TypeError, () => rh.postgresql("dbname=x", 5)],
      ["Context options", TypeError, () => new rh.Context("dev")],
      ["developmnt", TypeError, () => new rh.Context({ developmnt: true })],
      ["development", TypeError, () => new rh.Context({ development: "false" })],
      ["retryScheduleMs", TypeError, () => new rh.Context({ retryScheduleMs: 1000 })],
      ["retryScheduleMs[1]", TypeError, () => new rh.Context({ retryScheduleMs: [1, "2"] })],
      ["timeoutMs", TypeError, () => new rh.Context({ timeoutMs: "5" })],
      ["onFailed", TypeError, () => new rh.Context({ onFailed: "log" })],
      ["pollMs", TypeError, () => new rh.Context({ pollMs: "2" })],
      ["url", TypeError, () => ctx.addEndpoint(123, ["*"])],
      ["events", TypeError, () => ctx.addEndpoint(URL, "order.*")],
      ["events[0]", TypeError, () => ctx.addEndpoint(URL, [1])],
      ["events[1]", TypeError, () => ctx.addEndpoint(URL, ["a.b", , "c.d"])], // a hole
      ["type", TypeError, () => ctx.emit(5, {})],
      ["data", TypeError, () => ctx.emit("a.b", undefined)],
      ["data", TypeError, () => ctx.emit("a.b", { n: 1n })],
      ["emit options", TypeError, () => ctx.emit("a.b", {}, "key-1")],
      ["idempotency_key", TypeError, () => ctx.emit("a.b", {}, { idempotency_key: "k" })],
      ["idempotencyKey", TypeError, () => ctx.emit("a.b", {}, { idempotencyKey: 5 })],
      ["orderingKey", TypeError, () => ctx.emit("a.b", {}, { orderingKey: {} })],
      ["holdOnFailure", TypeError,
        () => ctx.emit("a.b", {}, { orderingKey: "k", holdOnFailure: 1 })],
      ["endpoint", TypeError, () => ctx.emit("a.b", {}, { endpoint: 5 })],
      ["filters", TypeError, () => ctx.attempts("failed")],
      ["state", TypeError, () => ctx.deliveries({ state: 3 })],
      ["status", TypeError, () => ctx.attempts({ status: "500" })],
      ["eventType", TypeError, () => ctx.attempts({ eventType: 5 })],
      ["limit", TypeError, () => ctx.deliveries({ limit: "10" })],
      ["deliveryId", TypeError, () => ctx.resend(123)],
      ["deliveryId", TypeError, () => ctx.skip(undefined)],
      ["recover filters", TypeError, () => ctx.recover(5)],
      ["endpoint", TypeError, () => ctx.recover({ endpoint: 5 })],
      ["eventType", TypeError, () => ctx.recover({ eventType: ["a.b"] })],
      ["sinceMs", TypeError, () => ctx.recover({ sinceMs: "0" })],
      ["untilMs", TypeError, () => ctx.recover({ untilMs: null })],
    ]);
    assert.deepEqual(ctx.deliveries(), []); // nothing got through
  } finally {
    ctx.close();
  }
});

test("a string with a NUL is refused, never cut short", () => {
  const ctx = new rh.Context({ development: true });
  try {
    ctx.addEndpoint(URL, ["*"]);
    // two keys that differ after the NUL were one key: the second event was
    // dropped as a duplicate of the first
    refuses([
      ["idempotencyKey", TypeError, () => ctx.emit("a.b", {}, { idempotencyKey: "order-1\0A" })],
      ["idempotencyKey", TypeError, () => ctx.emit("a.b", {}, { idempotencyKey: "order-1\0B" })],
      ["orderingKey", TypeError, () => ctx.emit("a.b", {}, { orderingKey: "o\0x" })],
      ["type", TypeError, () => ctx.emit("a.b\0junk", {})],
      ["url", TypeError, () => ctx.addEndpoint(`${URL}\0junk`, ["*"])],
      ["events[0]", TypeError, () => ctx.addEndpoint(URL, ["a.b\0c"])],
      ["deliveryId", TypeError, () => ctx.resend("dlv_x\0y")],
      ["eventType", TypeError, () => ctx.recover({ eventType: "a.*\0" })],
      // the secret was read up to its NUL: this returned true
      ["secret", TypeError, () => rh.verify(`${SECRET}\0junk`, MSG_ID, TS, SIG, BODY, TS)],
      ["signature", TypeError, () => rh.verify(SECRET, MSG_ID, TS, `${SIG}\0x`, BODY, TS)],
      ["timestamp", TypeError, () => rh.verify(SECRET, MSG_ID, `${TS}\0x`, SIG, BODY, TS)],
      ["msgId", TypeError, () => rh.sign(SECRET, `${MSG_ID}\0x`, 1, BODY)],
      ["schema", TypeError, () => rh.postgresql("dbname=x", "s\0x")],
    ]);
    assert.deepEqual(ctx.deliveries(), []); // neither key's event was queued
  } finally {
    ctx.close();
  }
  const dir = mkdtempSync(join(tmpdir(), "rh-node-"));
  try {
    refuses([["path", TypeError, () => rh.sqlite(join(dir, "hooks.db\0.bak"))]]);
    assert.deepEqual(readdirSync(dir), []); // no file "hooks.db" made instead
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a body is bytes with a length: a NUL in it is signed, not cut", () => {
  const cut = rh.sign(SECRET, MSG_ID, 1614265330, "ab");
  const whole = rh.sign(SECRET, MSG_ID, 1614265330, "ab\0cd");
  assert.notEqual(whole, cut);
  assert.equal(rh.sign(SECRET, MSG_ID, 1614265330, Buffer.from("ab\0cd")), whole);
  assert.equal(rh.sign(SECRET, MSG_ID, 1614265330, new Uint8Array(Buffer.from("ab\0cd"))), whole);
  assert.equal(rh.verify(SECRET, MSG_ID, "1614265330", whole, "ab\0cd", 1614265330), true);
  assert.equal(rh.verify(SECRET, MSG_ID, 1614265330, whole, "ab", 1614265330n), false);
});

test("an integer outside its C type is a RangeError, never wrapped", () => {
  const ctx = new rh.Context({ development: true });
  try {
    refuses([
      // 2 ** 64 signed timestamp 0
      ["timestamp", RangeError, () => rh.sign(SECRET, MSG_ID, 2 ** 64, BODY)],
      ["timestamp", RangeError, () => rh.sign(SECRET, MSG_ID, 2n ** 63n, BODY)],
      ["timestamp", RangeError, () => rh.sign(SECRET, MSG_ID, 1.5, BODY)],
      ["timestamp", RangeError, () => rh.verify(SECRET, MSG_ID, -(2n ** 63n) - 1n, SIG, BODY)],
      ["now", RangeError, () => rh.verify(SECRET, MSG_ID, 1, SIG, BODY, NaN)],
      ["tolerance", RangeError, () => rh.verify(SECRET, MSG_ID, 1, SIG, BODY, 1, 2 ** 63)],
      ["retryScheduleMs[0]", RangeError, () => new rh.Context({ retryScheduleMs: [2 ** 64] })],
      ["timeoutMs", RangeError, () => new rh.Context({ timeoutMs: Infinity })],
      ["idleConnections", RangeError, () => new rh.Context({ idleConnections: -1 })],
      ["pollMs", RangeError, () => new rh.Context({ pollMs: -1 })],
      ["status", RangeError, () => ctx.attempts({ status: 2 ** 32 + 500 })],
      ["limit", RangeError, () => ctx.deliveries({ limit: -1 })],
      ["state", RangeError, () => ctx.deliveries({ state: "lost" })],
      ["sinceMs", RangeError, () => ctx.recover({ sinceMs: 2 ** 64 })],
    ]);
  } finally {
    ctx.close();
  }
  // in range for size_t, past the library's limit: its own refusal
  assert.throws(() => new rh.Context({ idleConnections: 100001 }),
    (e) => e instanceof rh.ReplicerHooksError && e.codeName === "RH_E_INVALID_ARG");
  new rh.Context({ idleConnections: 1000 }).close();
  assert.throws(() => new rh.Context({ httpVersion: 3 }),
    (e) => e.codeName === "RH_E_INVALID_ARG" && e.arg === "httpVersion");
  assert.throws(() => new rh.Context({ httpVersion: 2 ** 40 }), RangeError);
  new rh.Context({ httpVersion: rh.constants.RH_HTTP_VERSION_2 }).close();
  // the ends of the range are taken, as numbers and as BigInt
  assert.equal(rh.sign(SECRET, MSG_ID, 1614265330n, BODY), SIG);
  assert.match(rh.sign(SECRET, MSG_ID, 2n ** 63n - 1n, BODY), /^v1,/);
});

// A store a context cannot take is an error: its table is null, which the
// library takes for "the memory store", and the context acknowledged emits
// that never reached the file.
function withStoreFile(body) {
  const dir = mkdtempSync(join(tmpdir(), "rh-node-"));
  const path = join(dir, "hooks.db");
  const deliveriesInTheFile = () => {
    const ctx = new rh.Context({ development: true, store: rh.sqlite(path) });
    try {
      return ctx.deliveries().length;
    } finally {
      ctx.close();
    }
  };
  try {
    body(path, deliveriesInTheFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a store serves one context: a second is refused", () => withStoreFile((path, inFile) => {
  const store = rh.sqlite(path);
  const ctx = new rh.Context({ development: true, store });
  try {
    ctx.addEndpoint(URL, ["*"]);
    assert.throws(() => new rh.Context({ development: true, store }),
      (e) => e instanceof Error && /already given to a context/.test(e.message));
    assert.equal(ctx.emit("a.b", {}).queued, 1);
  } finally {
    ctx.close();
  }
  assert.throws(() => new rh.Context({ store }), /already given to a context/);
  store.close(); // a no-op: the context closed it
  assert.equal(inFile(), 1); // the one emit acknowledged
}));

test("a closed store is refused", () => withStoreFile((path, inFile) => {
  const closed = rh.sqlite(path);
  closed.close();
  assert.throws(() => new rh.Context({ development: true, store: closed }),
    (e) => e instanceof Error && /store is closed/.test(e.message));
  assert.equal(inFile(), 0);
}));

test("what is not a store is refused", () => {
  for (const bad of ["hooks.db", {}, { table: null }, 0])
    assert.throws(() => new rh.Context({ store: bad }),
      (e) => e instanceof TypeError && /store/.test(e.message));
});
