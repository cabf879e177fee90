// A Context's calls on itself (rh.h): emit batches (many emits, one
// transaction and one sync), its counters, and pausing its claims for a
// graceful stop. bindContextOps() is called once by index.cjs with the
// loaded library; each function takes the context's handle and its check.
"use strict";
const { bool } = require("./args.cjs");

function bindContextOps(lib) {
  const f = {
    begin: lib.func("int rh_emit_batch_begin(void *ctx)"),
    commit: lib.func("int rh_emit_batch_commit(void *ctx)"),
    stats: lib.func("int rh_ctx_stats(void *ctx, _Out_ uint64_t *out, size_t n)"),
    statName: lib.func("const char *rh_stat_name(int stat)"),
    pause: lib.func("int rh_ctx_pause(void *ctx, int paused)"),
  };
  const names = [];
  while (f.statName(names.length) != null) names.push(f.statName(names.length));
  return {
    batch(ctx, check, fn) {
      if (typeof fn !== "function") throw new TypeError("batch takes a function");
      check(f.begin(ctx));
      try {
        return fn();
      } finally {
        check(f.commit(ctx));
      }
    },
    stats(ctx, check) {
      const out = new BigUint64Array(names.length);
      const n = check(f.stats(ctx, out, names.length));
      return Object.fromEntries(names.slice(0, n).map((k, i) => [k, Number(out[i])]));
    },
    pause: (ctx, check, paused) => check(f.pause(ctx, bool("paused", paused) ? 1 : 0)),
  };
}

module.exports = { bindContextOps };
