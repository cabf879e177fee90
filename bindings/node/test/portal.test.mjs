// The portal through the Node binding: a link minted here opens a session
// that sees its own tenant's endpoints only; another tenant's id answers
// 404; a forged token is refused; bad input is refused by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as rh from "replicer-hooks";

const KEY = Buffer.from("0123456789abcdef0123456789abcdef");

// A JWT made by hand with Node's own HMAC: any language can mint a link.
function jwt(claims, key, header = { alg: "HS256", typ: "JWT" }) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const head = `${b64(header)}.${b64(claims)}`;
  return `${head}.${createHmac("sha256", key).update(head).digest("base64url")}`;
}

test("a link's session sees its own tenant only", () => {
  const ctx = new rh.Context({ development: true });
  const portal = new rh.Portal(ctx, KEY, { base: "/webhooks", insecureCookie: true });
  try {
    const a = ctx.addEndpoint("http://127.0.0.1:9/a", ["*"], { tenant: "acct_a" });
    const b = ctx.addEndpoint("http://127.0.0.1:9/b", ["*"], { tenant: "acct_b" });
    const token = rh.mintPortalLink(KEY, "acct_a", { caps: ["view", "manage"], ttlS: 600 });
    assert.equal(rh.verifyPortalToken(KEY, token).tenant, "acct_a");
    const login = portal.handle({ method: "GET", path: "/webhooks/login", query: `token=${token}` });
    assert.equal(login.status, 303);
    const cookie = login.headers.find(([k]) => k === "Set-Cookie")[1].split(";")[0];
    const list = portal.handle({ method: "GET", path: "/webhooks/api/v1/endpoints",
      headers: { Cookie: cookie } });
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body).endpoints.map((e) => e.id), [a.id]);
    assert.equal(portal.handle({ method: "GET", path: `/webhooks/api/v1/endpoints/${b.id}`,
      headers: { Cookie: cookie } }).status, 404);
    // a token minted by hand, as another language would
    const theirs = jwt({ aud: "replicer-hooks-portal", sub: "acct_b",
      exp: Math.floor(Date.now() / 1000) + 60, rh_caps: ["view"] }, KEY);
    const other = portal.handle({ method: "GET", path: "/webhooks/api/v1/endpoints",
      headers: { Authorization: `Bearer ${theirs}` } });
    assert.deepEqual(JSON.parse(other.body).endpoints.map((e) => e.id), [b.id]);
    // any key order, a kid, no typ: still HS256; another algorithm is not
    const claims = { aud: "replicer-hooks-portal", sub: "acct_b",
      exp: Math.floor(Date.now() / 1000) + 60, rh_caps: ["view"] };
    assert.equal(rh.verifyPortalToken(KEY, jwt(claims, KEY, { kid: "k1", alg: "HS256" })).tenant,
      "acct_b");
    assert.throws(() => rh.verifyPortalToken(KEY, jwt(claims, KEY, { alg: "HS512" })),
      (e) => e.codeName === "RH_E_SIGNATURE");
    assert.throws(() => rh.verifyPortalToken(KEY, jwt(claims, KEY, { alg: "HS256", crit: ["x"] })),
      (e) => e.codeName === "RH_E_SIGNATURE");
    const forged = jwt({ aud: "replicer-hooks-portal", sub: "acct_b",
      exp: Math.floor(Date.now() / 1000) + 60, rh_caps: ["view"] }, Buffer.alloc(32, 1));
    assert.throws(() => rh.verifyPortalToken(KEY, forged),
      (e) => e.codeName === "RH_E_SIGNATURE");
    assert.equal(portal.handle({ method: "GET", path: "/webhooks/api/v1/endpoints",
      headers: { Authorization: `Bearer ${forged}` } }).status, 401);
  } finally {
    portal.close();
    ctx.close();
  }
});

test("mounted in node:http", async () => {
  const ctx = new rh.Context({ development: true });
  const portal = new rh.Portal(ctx, KEY, { base: "/webhooks", insecureCookie: true });
  const server = http.createServer(rh.portalListener(portal));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const a = ctx.addEndpoint("http://127.0.0.1:9/a", ["*"], { tenant: "acct_a" });
    const token = rh.mintPortalLink(KEY, "acct_a", { ttlS: 60 });
    const login = await fetch(`${base}/webhooks/login?token=${token}`, { redirect: "manual" });
    assert.equal(login.status, 303);
    const cookie = login.headers.get("set-cookie").split(";")[0];
    const list = await fetch(`${base}/webhooks/api/v1/endpoints`, { headers: { cookie } });
    assert.equal(list.status, 200);
    assert.deepEqual((await list.json()).endpoints.map((e) => e.id), [a.id]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    portal.close();
    ctx.close();
  }
});

test("a sealed store opens with its key", () => {
  const dir = mkdtempSync(join(tmpdir(), "rh-seal-"));
  const seal = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
  try {
    const a = new rh.Context({ development: true, store: rh.sqlite(join(dir, "s.db")),
      sealingKey: seal });
    a.addEndpoint("http://127.0.0.1:9/x", ["*"], { tenant: "t" });
    a.close();
    assert.throws(() => new rh.Context({ development: true, store: rh.sqlite(join(dir, "s.db")) }),
      (e) => e.codeName === "RH_E_CRYPTO");
    const b = new rh.Context({ development: true, store: rh.sqlite(join(dir, "s.db")),
      sealingKey: seal });
    assert.equal(b.endpoints().length, 1);
    b.close();
    assert.throws(() => new rh.Context({ sealingKey: Buffer.from("short") }),
      (e) => e.codeName === "RH_E_INVALID_ARG");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input is refused", () => {
  const ctx = new rh.Context({ development: true });
  try {
    assert.throws(() => rh.mintPortalLink(KEY, "acct_a", { caps: ["admin"] }), RangeError);
    assert.throws(() => rh.mintPortalLink(KEY, "acct_a", { capz: ["view"] }), TypeError);
    assert.throws(() => rh.mintPortalLink(Buffer.from("short"), "acct_a"),
      (e) => e.codeName === "RH_E_INVALID_ARG");
    assert.throws(() => new rh.Portal(ctx, KEY, { base: "no-slash" }),
      (e) => e.codeName === "RH_E_INVALID_ARG");
    const portal = new rh.Portal(ctx, KEY);
    assert.throws(() => portal.handle({ method: "GET", path: 7 }), TypeError);
    portal.close();
  } finally {
    ctx.close();
  }
});
