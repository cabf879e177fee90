// The customer portal (rh_portal.h) from Node: link tokens minted and
// verified (standard HS256 JWTs), and the handler an Express (or any)
// server mounts: a request in, { status, headers, body } out. bindPortal()
// is called once by index.cjs with the loaded library.
"use strict";
const koffi = require("koffi");

const { array, bool, bytes, int, optStr, options, str } = require("./args.cjs");

const CAPS = { view: 1, manage: 2, resend: 4, operator: 8 };
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];

function bindPortal(lib, ReplicerHooksError) {
  const fn = (proto) => lib.func(proto);
  const f = {
    mint: fn("int rh_portal_mint(const uint8_t *key, size_t n, const char *tenant, unsigned int caps, int64_t now, int64_t ttl, _Out_ uint8_t *out, size_t size)"),
    verify: fn("int rh_portal_verify(const uint8_t *key, size_t n, const char *token, int64_t now, _Out_ uint8_t *tenant, size_t size, _Out_ unsigned int *caps, _Out_ int64_t *exp)"),
    new: fn("int rh_portal_new(_Out_ void **out, void *ctx, const uint8_t *key, size_t n)"),
    free: fn("void rh_portal_free(void *p)"),
    base: fn("int rh_portal_set_base(void *p, const char *base)"),
    refresh: fn("int rh_portal_set_refresh_url(void *p, const char *url)"),
    insecure: fn("int rh_portal_set_insecure_cookie(void *p, int on)"),
    handle: fn("int rh_portal_handle(void *p, const char *method, const char *path, const char *query, const char **names, const char **values, size_t n, const uint8_t *body, size_t len, _Out_ void **out)"),
    status: fn("int rh_portal_response_status(void *r)"),
    count: fn("size_t rh_portal_response_header_count(void *r)"),
    name: fn("const char *rh_portal_response_header_name(void *r, size_t i)"),
    value: fn("const char *rh_portal_response_header_value(void *r, size_t i)"),
    body: fn("void *rh_portal_response_body(void *r)"),
    bodyLen: fn("size_t rh_portal_response_body_len(void *r)"),
    rfree: fn("void rh_portal_response_free(void *r)"),
  };
  const check = (rc) => {
    if (rc < 0) throw new ReplicerHooksError(rc);
    return rc;
  };
  const capBits = (caps) => array("caps", caps, (name, c) => {
    str(name, c);
    if (!(c in CAPS)) throw new RangeError(`caps are ${Object.keys(CAPS).join(", ")}, not ${c}`);
    return CAPS[c];
  }).reduce((a, b) => a | b, 0);
  const nowS = (v) => (v == null ? Math.floor(Date.now() / 1000) : int("nowS", v, INT64));

  /** A link token for one tenant's portal (tenant null with "operator":
   *  every tenant). */
  function mintPortalLink(key, tenant, opts) {
    const { caps = ["view"], ttlS = 600, nowS: at } = options("link options", opts,
      ["caps", "ttlS", "nowS"]);
    const k = bytes("key", key);
    optStr("tenant", tenant);
    const out = Buffer.alloc(1024);
    check(f.mint(k, k.length, tenant ?? null, capBits(caps), nowS(at), int("ttlS", ttlS, INT64),
      out, out.length));
    return out.toString("latin1", 0, out.indexOf(0));
  }

  /** The claims of a link token as the portal checks them. */
  function verifyPortalToken(key, token, opts) {
    const { nowS: at } = options("verify options", opts, ["nowS"]);
    const k = bytes("key", key);
    str("token", token);
    const tenant = Buffer.alloc(129), caps = [0], exp = [0];
    check(f.verify(k, k.length, token, nowS(at), tenant, tenant.length, caps, exp));
    return { tenant: tenant.toString("latin1", 0, tenant.indexOf(0)) || null,
      caps: Object.keys(CAPS).filter((c) => caps[0] & CAPS[c]), expiresS: Number(exp[0]) };
  }

  /** The portal over a Context: portal.handle({ method, path, query,
   *  headers, body }) → { status, headers, body }. */
  class Portal {
    constructor(context, key, opts) {
      const { base = "", refreshUrl, insecureCookie = false } = options("portal options", opts,
        ["base", "refreshUrl", "insecureCookie"]);
      const k = bytes("key", key);
      str("base", base);
      optStr("refreshUrl", refreshUrl);
      bool("insecureCookie", insecureCookie);
      const out = [null];
      check(f.new(out, context.ctx, k, k.length));
      this.p = out[0];
      this.context = context; // it outlives the portal
      try {
        check(f.base(this.p, base));
        if (refreshUrl != null) check(f.refresh(this.p, refreshUrl));
        check(f.insecure(this.p, insecureCookie ? 1 : 0));
      } catch (e) {
        this.close();
        throw e;
      }
    }

    handle(request) {
      const { method, path, query = "", headers = {}, body = "" } = options("request", request,
        ["method", "path", "query", "headers", "body"]);
      str("method", method);
      str("path", path);
      str("query", query);
      const pairs = Object.entries(headers).map(([k, v]) => [str("header name", k),
        str(`header ${k}`, v)]);
      const data = bytes("body", body);
      const out = [null];
      check(f.handle(this.p, method, path, query, pairs.map((x) => x[0]), pairs.map((x) => x[1]),
        pairs.length, data, data.length, out));
      const r = out[0];
      try {
        const hs = [];
        for (let i = 0; i < Number(f.count(r)); i++) hs.push([f.name(r, i), f.value(r, i)]);
        const n = Number(f.bodyLen(r));
        const bodyOut = n ? Buffer.from(koffi.decode(f.body(r), "uint8_t", n)) : Buffer.alloc(0);
        return { status: f.status(r), headers: hs, body: bodyOut };
      } finally {
        f.rfree(r);
      }
    }

    close() {
      if (this.p) f.free(this.p);
      this.p = null;
    }
  }
  /** A request listener for node:http (and Express: app.use(base,
   *  ...) gives it req and res): the body read (at most 64 KiB + 1, the
   *  portal refuses more), the portal asked, its answer written. */
  function portalListener(portal) {
    return (req, res) => {
      const chunks = [];
      let size = 0;
      req.on("data", (c) => {
        size += c.length;
        if (size <= 65537) chunks.push(c);
      });
      req.on("end", () => {
        const at = req.originalUrl ?? req.url; // Express strips its mount
        const q = at.indexOf("?");
        const headers = {};
        for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
        const out = portal.handle({ method: req.method, path: q < 0 ? at : at.slice(0, q),
          query: q < 0 ? "" : at.slice(q + 1), headers, body: Buffer.concat(chunks) });
        res.writeHead(out.status, out.headers.flat());
        res.end(out.body);
      });
    };
  }
  return { mintPortalLink, verifyPortalToken, Portal, portalListener };
}

module.exports = { bindPortal };
