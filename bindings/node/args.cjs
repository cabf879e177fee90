// replicer-hooks for Node: the argument checks every call of index.cjs
// makes before anything reaches C, each naming the argument as the caller
// knows it. They are needed: koffi takes a number given for a `const char *` as an
// address (SIGSEGV) and wraps an integer outside its C type without a word,
// and C reads a string only up to its first NUL ("order-1\0A" and
// "order-1\0B" would be one idempotency key).
"use strict";
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];
const INT = [-(2n ** 31n), 2n ** 31n - 1n];
const SIZE = [0n, 2n ** 64n - 1n];
const MS = [0n, 2n ** 31n - 1n]; // a setTimeout delay
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const kind = (v) => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v);

function str(name, v) {
  if (typeof v !== "string") throw new TypeError(`${name} must be a string, not ${kind(v)}`);
  if (v.includes("\0")) throw new TypeError(`${name} must not contain a NUL character`);
  return v;
}

const optStr = (name, v) => (v == null ? null : str(name, v));

/** An integer (number or BigInt) within [min, max] of its C type. */
function int(name, v, [min, max]) {
  if (typeof v === "number" && !Number.isInteger(v))
    throw new RangeError(`${name} must be an integer, not ${v}`);
  if (typeof v !== "number" && typeof v !== "bigint")
    throw new TypeError(`${name} must be an integer, not ${kind(v)}`);
  const b = BigInt(v);
  if (b < min || b > max) throw new RangeError(`${name} must be from ${min} to ${max}, not ${v}`);
  return b >= -SAFE && b <= SAFE ? Number(b) : b;
}

// Array.from visits holes too, so a sparse array is refused, not passed on.
function array(name, v, each) {
  if (!Array.isArray(v)) throw new TypeError(`${name} must be an array, not ${kind(v)}`);
  return Array.from(v, (x, i) => each(`${name}[${i}]`, x));
}

function bool(name, v) {
  if (typeof v !== "boolean") throw new TypeError(`${name} must be true or false, not ${kind(v)}`);
  return v;
}

function optFn(name, v) {
  if (v != null && typeof v !== "function")
    throw new TypeError(`${name} must be a function, not ${kind(v)}`);
  return v;
}

/** An options object (undefined or null: none); an unknown key, a typo
 *  such as idempotency_key, is refused rather than ignored. */
function options(name, v, keys) {
  if (v == null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new TypeError(`${name} must be an object, not ${kind(v)}`);
  for (const k of Object.keys(v))
    if (!keys.includes(k))
      throw new TypeError(`${name}: unknown option ${k} (known: ${keys.join(", ")})`);
  return v;
}

/** A member of one of constants.json's enums by its short lower-case name. */
function named(name, v, prefix, members) {
  const value = members[prefix + str(name, v).toUpperCase()];
  if (value === undefined) {
    const known = Object.keys(members).map((k) => k.slice(prefix.length).toLowerCase());
    throw new RangeError(`${name} must be one of ${known.join(", ")}, not ${v}`);
  }
  return value;
}

/** Bytes passed with their length (they may hold NUL): a string (UTF-8),
 *  a Buffer or other typed array, or an ArrayBuffer. */
function bytes(name, v) {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  throw new TypeError(`${name} must be a string, a Buffer or an ArrayBuffer, not ${kind(v)}`);
}

/** Event data: JSON text as given, or a value JSON.stringify writes. */
function jsonText(v) {
  if (typeof v === "string") return Buffer.from(v, "utf8");
  let text;
  try {
    text = JSON.stringify(v);
  } catch (e) {
    throw new TypeError(`data: ${e.message}`, { cause: e });
  }
  if (typeof text !== "string") throw new TypeError(`data cannot be written as JSON: ${kind(v)}`);
  return Buffer.from(text, "utf8");
}

/** Labels: an object of key to string (a value of null removes it, where
 *  removable), as [key, value] pairs. */
function labels(name, v, removable) {
  if (v == null) return [];
  if (typeof v !== "object" || Array.isArray(v))
    throw new TypeError(`${name} must be an object of strings, not ${kind(v)}`);
  return Object.entries(v).map(([k, x]) => [str(`${name} key`, k),
    x === null && removable ? null : str(`${name}.${k}`, x)]);
}

/** A C name as a JavaScript one: max_in_flight is maxInFlight. */
const camel = (name) => name.replace(/_([a-z])/g, (m, c) => c.toUpperCase());

module.exports = {
  INT64, INT, SIZE, MS, kind, str, optStr, int, array, bool, optFn, options, named, bytes,
  jsonText, labels, camel,
};
