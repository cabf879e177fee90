// The rest of a Context's settings (rh.h's rh_config_set_*), as options
// named after the C calls in camelCase: each checked here for its C type,
// then by the library for its range, which a refusal names.
// bindConfig() is called once by index.cjs with the loaded library.
"use strict";
const { array, bool, int, INT, INT64, SIZE, str } = require("./args.cjs");

// option: [C call, kind]
const SETTINGS = {
  maxInFlight: ["rh_config_set_max_in_flight", "size"],
  maxInFlightPerEndpoint: ["rh_config_set_max_in_flight_per_endpoint", "size"],
  maxPending: ["rh_config_set_max_pending", "size"],
  maxLog: ["rh_config_set_max_log", "size"],
  maxDataBytes: ["rh_config_set_max_data_bytes", "size"],
  leaseMs: ["rh_config_set_lease_ms", "int64"],
  retentionMs: ["rh_config_set_retention_ms", "int64"],
  idempotencyWindowMs: ["rh_config_set_idempotency_window_ms", "int64"],
  autoDisableMs: ["rh_config_set_auto_disable_ms", "int64"],
  endpointRefreshMs: ["rh_config_set_endpoint_refresh_ms", "int64"],
  retryJitterPct: ["rh_config_set_retry_jitter_pct", "int"],
  standardHeaders: ["rh_config_set_standard_headers", "bool"],
  caFile: ["rh_config_set_ca_file", "string"],
  proxy: ["rh_config_set_proxy", "string"],
  allowCidrs: ["rh_config_allow_cidr", "strings"],
};
const C_TYPES = { size: "size_t", int64: "int64_t", int: "int", bool: "int",
  string: "const char *", strings: "const char *" };

const settingNames = Object.keys(SETTINGS);

function bindConfig(lib) {
  const f = {};
  for (const [key, [name, kind]] of Object.entries(SETTINGS))
    f[key] = lib.func(`int ${name}(void *cfg, ${C_TYPES[kind]} v)`);
  return {
    /** The given settings checked for type: [[key, values]]. */
    check(given) {
      const out = [];
      for (const key of settingNames) {
        const v = given[key];
        if (v == null) continue;
        const kind = SETTINGS[key][1];
        const vals = kind === "size" ? [int(key, v, SIZE)]
          : kind === "int64" ? [int(key, v, INT64)]
            : kind === "int" ? [int(key, v, INT)]
              : kind === "bool" ? [bool(key, v) ? 1 : 0]
                : kind === "string" ? [str(key, v)]
                  : array(key, v, str);
        out.push([key, vals]);
      }
      return out;
    },
    /** Each onto cfg; a refusal throws error(code, message, key). */
    apply(cfg, checked, ErrorClass) {
      for (const [key, vals] of checked)
        for (const v of vals) {
          const rc = f[key](cfg, v);
          if (rc < 0)
            throw new ErrorClass(rc, `${key}: refused by ${SETTINGS[key][0]} (out of range or not valid)`, key);
        }
    },
  };
}

module.exports = { settingNames, bindConfig };
