// A Context's calls on itself (rh.h): emit batches (many emits, one
// transaction and one sync), its counters, the queue's figures as the
// store holds them for every process, and pausing its claims for a
// graceful stop. bindContextOps() is called once by index.cjs with the
// loaded library; each function takes the context's handle and its check.
"use strict";
const koffi = require("koffi");

const { INT64, bool, camel, int, named, options } = require("./args.cjs");

const GROUPS = { RH_QUEUE_TOTAL: 0, RH_QUEUE_ENDPOINT: 1, RH_QUEUE_TENANT: 2 };

function bindContextOps(lib) {
  const f = {
    begin: lib.func("int rh_emit_batch_begin(void *ctx)"),
    commit: lib.func("int rh_emit_batch_commit(void *ctx)"),
    stats: lib.func("int rh_ctx_stats(void *ctx, _Out_ uint64_t *out, size_t n)"),
    statName: lib.func("const char *rh_stat_name(int stat)"),
    pause: lib.func("int rh_ctx_pause(void *ctx, int paused)"),
  };
  const FiguresCb = koffi.proto(
    "int rh_queue_figures_cb(const char *key, const int64_t *figures, size_t n, void *ud)");
  f.figures = lib.func(
    "int rh_queue_figures(void *ctx, int group, int64_t window, rh_queue_figures_cb *cb, void *ud)");
  const figureName = lib.func("const char *rh_queue_figure_name(int figure)");
  const StatsCb = koffi.proto(
    "int rh_stats_row_cb(const char *key, const uint64_t *stats, size_t n, void *ud)");
  f.statsBy = lib.func("int rh_ctx_stats_by(void *ctx, int group, rh_stats_row_cb *cb, void *ud)");
  const names = [], figureNames = [];
  while (f.statName(names.length) != null) names.push(f.statName(names.length));
  while (figureName(figureNames.length) != null)
    figureNames.push(camel(figureName(figureNames.length)));
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
    statsBy(ctx, check, opts) {
      const { group = "endpoint" } = options("stats options", opts, ["group"]);
      if (group !== "endpoint" && group !== "tenant")
        throw new RangeError(`group must be endpoint or tenant, not ${group}`);
      const out = {};
      const cb = koffi.register((key, stats, n) => {
        const values = koffi.decode(stats, "uint64_t", Number(n));
        out[key] = Object.fromEntries(names.map((k, i) => [k, Number(values[i])]));
        return 0;
      }, koffi.pointer(StatsCb));
      try {
        check(f.statsBy(ctx, GROUPS[group === "endpoint" ? "RH_QUEUE_ENDPOINT" : "RH_QUEUE_TENANT"],
          cb, null));
      } finally {
        koffi.unregister(cb);
      }
      return out;
    },
    queueFigures(ctx, check, opts) {
      const { group = "total", failedWindowMs = 3600000 } = options("queue figures options",
        opts, ["group", "failedWindowMs"]);
      const g = named("group", group, "RH_QUEUE_", GROUPS);
      const window = int("failedWindowMs", failedWindowMs, INT64);
      const rows = [];
      const cb = koffi.register((key, figures, n) => {
        const values = koffi.decode(figures, "int64_t", Number(n));
        const row = { key };
        figureNames.forEach((name, i) => { row[name] = Number(values[i]); });
        rows.push(row);
        return 0;
      }, koffi.pointer(FiguresCb));
      try {
        check(f.figures(ctx, g, window, cb, null));
      } finally {
        koffi.unregister(cb);
      }
      return rows;
    },
  };
}

module.exports = { bindContextOps };
