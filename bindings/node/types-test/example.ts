// A typed use of most of the binding's API, checked (never run) by
// tests/bindings/tsc_types.sh: tsc must find no error in it. Each
// annotation below states a type index.d.ts must give.
import http from "node:http";
import * as rh from "replicer-hooks";
import everything from "replicer-hooks";
import {
  Context, type Attempt, type Delivery, type EndpointChange, type EndpointRow,
  type ReplicerHooksError,
} from "replicer-hooks";
import constantsJson from "../constants.json" with { type: "json" };

// constants: every name in constants.json is declared, and no other
type Names<T> = { [K in keyof T]: keyof T[K] }[keyof T];
type ConstantName = keyof typeof constantsJson.defines | Names<typeof constantsJson.enums>;
const fromJson: Record<ConstantName, number> = rh.constants;
const declared: rh.Constants = fromJson;
const idSize: number = declared.RH_ID_SIZE;
const version: string = rh.version;
const sameContext: typeof Context = everything.Context; // the default export

// signing
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const signature: string = rh.sign(secret, "msg_1", 1614265330, Buffer.from("{}"));
const ok: boolean = rh.verify(secret, "msg_1", "1614265330", signature, "{}")
  && rh.verify(secret, "msg_1", 1614265330n, signature, new Uint8Array(2), 1614265330, 300)
  && rh.verify(secret, "msg_1", 1614265330, signature, new ArrayBuffer(2));

// a context with every kind of option, and the hooks
const attempts: Attempt[] = [];
const ctx = new Context({
  development: true,
  store: rh.sqlite("/tmp/hooks.db"),
  retryScheduleMs: [1000, 5000n],
  timeoutMs: 10_000,
  pollMs: 2,
  idleConnections: null,
  tenantRequired: false,
  maxInFlightPerTenant: 8,
  sealingKey: Buffer.alloc(32),
  httpVersion: rh.constants.RH_HTTP_VERSION_2,
  maxInFlight: 64,
  maxInFlightPerEndpoint: 8,
  maxPending: 1_000_000,
  maxLog: 100_000,
  maxDataBytes: rh.constants.RH_MAX_DATA_BYTES_DEFAULT,
  leaseMs: 70_000,
  retentionMs: 0,
  idempotencyWindowMs: 3_600_000,
  autoDisableMs: 0,
  endpointRefreshMs: 5000,
  retryJitterPct: 10,
  standardHeaders: true,
  caFile: null,
  proxy: "http://127.0.0.1:3128",
  allowCidrs: ["10.1.2.0/24"],
  onFailed: (d: Delivery) => console.error("failed", d.id, d.state, d.attempts),
  onAttempt: (a) => { attempts.push(a); },
  onEndpointState: (ep: EndpointRow, change: EndpointChange) => {
    if (change === "disabled" && ep.mode === "development") console.log(ep.url);
  },
  onEventType: (type, notice) => console.warn(type, notice === "deprecated_emitted"),
  token: (ep) => (ep.tenant ? { token: "t0k3n", expiresMs: Date.now() + 60_000 }
    : ep.name === "static" ? "static-token" : null),
});

// endpoints
const { id: epId, secret: epSecret }: { id: string; secret: string } = ctx.addEndpoint(
  "https://hooks.example.com/in", ["order.*"],
  { tenant: "acct_a", name: "Orders", description: null, labels: { env: "prod" } });
ctx.addEndpoint("https://hooks.example.com/b", ["*"]);
ctx.updateEndpoint(epId, { url: "https://hooks.example.com/new", events: ["user.*"],
  labels: { env: "staging", gone: null }, httpVersion: rh.constants.RH_HTTP_VERSION_1_1 });
const rows: EndpointRow[] = ctx.endpoints({ tenant: "acct_a" });
const firstName: string | null = rows[0]?.name ?? null;
const labels: Record<string, string> | undefined = rows[0]?.labels;
ctx.setEndpointSettings(epId, { timeoutMs: 1500, maxInFlight: 3, rateLimit: 2.5,
  retryScheduleMs: [1000] });
ctx.setEndpointSettings(epId, { retryScheduleMs: "the context's" });
ctx.setHeader(epId, "X-Team", "billing");
ctx.setHeader(epId, "X-Team");
ctx.setClientCert(epId, "-----BEGIN CERTIFICATE-----", "-----BEGIN PRIVATE KEY-----");
ctx.setClientCert(epId, null, null);
const whole = ctx.endpoint(epId);
const schedule: number[] | "the context's" = whole.retryScheduleMs;
const reason: "host" | "gone" | "failing" | null = whole.disabledReason;
const health: number = whole.lastSuccessMs + whole.failingSinceMs + whole.failedInARow;
const cert: boolean = whole.hasClientCert;
const mode: "production" | "development" = whole.mode;
ctx.pauseEndpoint(epId);
ctx.resumeEndpoint(epId);
ctx.disableEndpoint(epId);
ctx.enableEndpoint(epId);
const rotated: string = ctx.rotateSecret(epId, { graceMs: 0 });
const recovered: number = ctx.recoverEndpoint(epId, 0) + ctx.recover({ eventType: "order.*",
  tenant: "acct_a", sinceMs: 0, untilMs: Date.now() });

// emits and the log
const sent: rh.EmitResult = ctx.emit("order.paid", { order: "o_1" },
  { idempotencyKey: "o_1-paid", orderingKey: "o_1", holdOnFailure: true, tenant: "acct_a" });
ctx.emit("order.refunded", '{"order":"o_1"}', { endpoint: epId });
const inBatch: string = ctx.batch(() => { ctx.emit("a.b", [1, 2]); return "done"; });
// many emits at once, committed in groups, from a context of their own
const lentCtx = new Context({ development: true, store: rh.sqlite("/tmp/hooks.db") });
const emitter = new rh.Emitter(lentCtx);
const durable: Promise<rh.EmitResult> = emitter.emit("order.paid", { order: "o_2" },
  { orderingKey: "o_2", tenant: "acct_1" });
const counted: rh.EmitterCounts = emitter.counts();
const groups: number = counted.largestGroup;
void durable.then(() => emitter.close());
const idle: boolean = await ctx.idle({ timeoutMs: 1000 });
await ctx.idle();
const failed: Attempt[] = ctx.attempts({ endpoint: epId, status: 500, outcome: "http_status",
  failedOnly: true, sinceMs: 0, limit: 100 });
const next = ctx.attempts({ after: failed[failed.length - 1]?.seq ?? null, failedOnly: null,
  eventType: "order.*" });
const answer: Buffer | undefined = next[0]?.response;
const pending: Delivery[] = ctx.deliveries({ state: "pending", tenant: "acct_a",
  event: sent.id });
const later = ctx.deliveries({ after: pending[pending.length - 1] ?? { createdMs: 0, id: "" } });
const key: string | null = later[0]?.orderingKey ?? null;
for (const d of ctx.deliveries({ state: "failed", delivery: pending[0]?.id }))
  ctx.resend(d.id, { tenant: d.tenant });
if (pending[0]) ctx.skip(pending[0].id);
const stats: rh.Stats = ctx.stats();
const emitted: number = stats.events_emitted + stats.attempt_ms_sum;
ctx.pause();
ctx.pause(false);
const [queue]: rh.QueueFigures[] = ctx.queueFigures();
const backlogAgeMs: number = queue && queue.oldestDueMs ? Date.now() - queue.oldestDueMs : 0;
for (const row of ctx.queueFigures({ group: "tenant", failedWindowMs: 600000 }))
  console.log(row.key, row.pending, row.due, row.inFlight, row.failedRecent, backlogAgeMs);

// the catalog and a tenant's limits
const defined: "created" | "updated" | "unchanged" = ctx.defineEventType("order.paid",
  { description: "Paid.", group: "billing", example: { order: "o_1" }, schema: '{"type":"object"}' });
ctx.defineEventType("ping");
const info: rh.EventTypeInfo = ctx.eventType("order.paid");
const example: string | null = info.example;
const listed: string[] = ctx.eventTypes({ group: "billing", archived: true }).map((t) => t.name);
ctx.setEventTypeState("ping", "deprecated");
ctx.strict = !ctx.strict;
const changed: number = ctx.importCatalog({ event_types: [] }) + ctx.importCatalog("{}");
const exported: string = ctx.exportCatalog();
const testId: string = ctx.sendExample(epId, "order.paid");
const isTest: boolean = rh.isTestEvent(testId);
ctx.setTenantLimits("acct_a", { maxPending: 1, rate: 5, maxEndpoints: null });
const limits: rh.TenantLimits = ctx.tenantLimits("acct_a");
const pruned: number = ctx.prune(86_400_000, { tenant: "acct_a", max: 500 }) + ctx.prune(0);
const removed: number = ctx.removeTenant("acct_b");

// errors: the subclass to catch, each a ReplicerHooksError
try {
  ctx.removeEndpoint("ep_nope");
} catch (e) {
  if (e instanceof rh.NotFoundError || e instanceof rh.InvalidArgumentError) {
    const err: ReplicerHooksError = e;
    const why: string | null = err.refusal;
    const arg: string | undefined = err.arg;
    console.error(err.code, err.codeName, err.detail, arg, why, err.message);
  } else if (e instanceof rh.FullError || e instanceof rh.StateError
    || e instanceof rh.StorageError) {
    throw e;
  }
}
const made: rh.ReplicerHooksError = new rh.ReplicerHooksError(rh.constants.RH_E_FULL, "full");
const named: rh.ErrorCodeName = made.codeName;
const refused = new rh.ReplicerHooksError(rh.constants.RH_E_INVALID_ARG, "http:// in production",
  "url", "insecure_scheme");

// the portal
const KEY = Buffer.from("0123456789abcdef0123456789abcdef");
const portal = new rh.Portal(ctx, KEY, { base: "/webhooks", insecureCookie: true,
  refreshUrl: "https://app.example.com/portal-link" });
const link: string = rh.mintPortalLink(KEY, "acct_a", { caps: ["view", "manage"], ttlS: 600 });
rh.mintPortalLink(KEY, null, { caps: ["operator"], nowS: null });
const claims: rh.PortalClaims = rh.verifyPortalToken(KEY, link, { nowS: 1614265330n });
const caps: rh.PortalCap[] = claims.caps;
const out: rh.PortalResponse = portal.handle({ method: "GET", path: "/webhooks/login",
  query: `token=${link}`, headers: { Accept: "text/html" }, body: "" });
const cookie: string | undefined = out.headers.find(([k]) => k === "Set-Cookie")?.[1];
const server = http.createServer(rh.portalListener(portal));
server.close();
portal.close();

// stores and closing
const unused: rh.Store = rh.postgresql("dbname=hooks", "replicer");
unused.close();
rh.postgresql("dbname=hooks").close();
ctx.close();

console.log(idSize, version, ok, epSecret, firstName, labels, schedule, reason, health, cert,
  mode, rotated, recovered, inBatch, idle, answer, key, emitted, defined, example, listed,
  changed, exported, isTest, limits, pruned, removed, named, caps, cookie, sameContext,
  refused, groups);
