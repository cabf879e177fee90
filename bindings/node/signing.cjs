// Signing and verifying as the Standard Webhooks spec has them (rh.h),
// for receivers and tests: the same code the library signs with.
"use strict";
const { INT64, bytes, int, str } = require("./args.cjs");
const { K, lib, ReplicerHooksError, cstr } = require("./native.cjs");

const f = {
  sign: lib.func("int rh_sign(const char *secret, const char *id, int64_t ts, const char *body, size_t len, _Out_ uint8_t *out, size_t size)"),
  verify: lib.func("int rh_verify(const char *secret, const char *id, const char *ts, const char *sig, const char *body, size_t len, int64_t now, int64_t tolerance)"),
};

function sign(secret, msgId, timestamp, body) {
  str("secret", secret);
  str("msgId", msgId);
  const ts = int("timestamp", timestamp, INT64);
  const b = bytes("body", body);
  const out = Buffer.alloc(K.RH_SIGNATURE_SIZE);
  const rc = f.sign(secret, msgId, ts, b, b.length, out, out.length);
  if (rc !== K.RH_OK) throw new ReplicerHooksError(rc);
  return cstr(out);
}

function verify(secret, msgId, timestamp, signature, body,
  now = Math.floor(Date.now() / 1000), tolerance = K.RH_VERIFY_TOLERANCE_S) {
  str("secret", secret);
  str("msgId", msgId);
  // the header's text as received, or a number of seconds
  const ts = typeof timestamp === "string" ? str("timestamp", timestamp)
    : String(int("timestamp", timestamp, INT64));
  str("signature", signature);
  const b = bytes("body", body);
  const rc = f.verify(secret, msgId, ts, signature, b, b.length, int("now", now, INT64),
    int("tolerance", tolerance, INT64));
  if (rc === K.RH_E_SIGNATURE || rc === K.RH_E_TIMESTAMP) return false;
  if (rc !== K.RH_OK) throw new ReplicerHooksError(rc);
  return true;
}

module.exports = { sign, verify };
