// What index.d.ts must refuse, as the binding does at run time: each line
// after a `// @ts-expect-error` is an error, or tsc reports the unused
// directive (TS2578) and the check fails. A misspelled option, a wrong
// type, a misspelled method, a value outside a closed set.
import * as rh from "replicer-hooks";
import everything from "replicer-hooks";

const ctx = new rh.Context({ development: true });
const KEY = Buffer.alloc(32);

// misspelled options (the run time: "unknown option ...")
// @ts-expect-error developmnt
new rh.Context({ developmnt: true });
// @ts-expect-error maxInflight: the setting is maxInFlight
new rh.Context({ maxInflight: 3 });
// @ts-expect-error idempotency_key: the option is idempotencyKey
ctx.emit("a.b", {}, { idempotency_key: "k" });
// @ts-expect-error tenat
ctx.addEndpoint("https://x.example/in", ["*"], { tenat: "t" });
// @ts-expect-error urll
ctx.updateEndpoint("ep_1", { urll: "https://x.example/in" });
// @ts-expect-error timeout: the setting is timeoutMs
ctx.setEndpointSettings("ep_1", { timeout: 1 });
// @ts-expect-error timeoutMS
void ctx.idle({ timeoutMS: 1 });
// @ts-expect-error eventtype
ctx.attempts({ eventtype: "a.b" });
// @ts-expect-error failed: the filter is failedOnly
ctx.attempts({ failed: true });
// @ts-expect-error since: the filter is sinceMs
ctx.recover({ since: 0 });
// @ts-expect-error descripton
ctx.defineEventType("a.b", { descripton: "typo" });
// @ts-expect-error ratee
ctx.setTenantLimits("acct", { ratee: 1 });
// @ts-expect-error tenat
ctx.prune(0, { tenat: "acct" });
// @ts-expect-error capz
rh.mintPortalLink(KEY, "acct", { capz: ["view"] });
// @ts-expect-error insecure: the option is insecureCookie
new rh.Portal(ctx, KEY, { insecure: true });
// @ts-expect-error onfailed
new rh.Context({ onfailed: () => {} });

// wrong types (the run time: TypeError or RangeError)
// @ts-expect-error development is a boolean
new rh.Context({ development: "false" });
// @ts-expect-error retryScheduleMs is an array
new rh.Context({ retryScheduleMs: 1000 });
// @ts-expect-error allowCidrs is an array
new rh.Context({ allowCidrs: "10.0.0.0/8" });
// @ts-expect-error standardHeaders is a boolean
new rh.Context({ standardHeaders: 1 });
// @ts-expect-error store is made by sqlite() or postgresql()
new rh.Context({ store: "hooks.db" });
// @ts-expect-error store: a look-alike object is not a store
new rh.Context({ store: { close() {} } });
// @ts-expect-error events is an array
ctx.addEndpoint("https://x.example/in", "order.*");
// @ts-expect-error a label's value is a string (null only removes, in updateEndpoint)
ctx.addEndpoint("https://x.example/in", ["*"], { labels: { env: null } });
// @ts-expect-error idempotencyKey is a string
ctx.emit("a.b", {}, { idempotencyKey: 5 });
// @ts-expect-error data is required
ctx.emit("a.b");
// @ts-expect-error data: undefined cannot be written as JSON
ctx.emit("a.b", undefined);
// @ts-expect-error deliveryId is a string
ctx.resend(123);
// @ts-expect-error state is one of pending, in_flight, succeeded, failed
ctx.deliveries({ state: "lost" });
// @ts-expect-error outcome is an outcome's name
ctx.attempts({ outcome: "boom" });
// @ts-expect-error status is an integer
ctx.attempts({ status: "500" });
// @ts-expect-error untilMs: null is refused (the default is 0)
ctx.recover({ untilMs: null });
// @ts-expect-error a delivery cursor is { createdMs, id }
ctx.deliveries({ after: 5 });
// @ts-expect-error rateLimit is a number
ctx.setEndpointSettings("ep_1", { rateLimit: "fast" });
// @ts-expect-error retryScheduleMs: "the context's" exactly
ctx.setEndpointSettings("ep_1", { retryScheduleMs: "default" });
// @ts-expect-error state is active, deprecated or archived
ctx.setEventTypeState("a.b", "gone");
// @ts-expect-error strict is a boolean
ctx.strict = 1;
// @ts-expect-error caps are view, manage, resend, operator
rh.mintPortalLink(KEY, "acct", { caps: ["admin"] });
// @ts-expect-error a body is bytes
rh.sign("whsec_x", "msg_1", 1, 5);
// @ts-expect-error timestamp is an integer
rh.sign("whsec_x", "msg_1", "1", "{}");
// @ts-expect-error a client certificate takes both PEMs (or both null)
ctx.setClientCert("ep_1", "-----BEGIN CERTIFICATE-----");
// @ts-expect-error onEndpointState's change is one of the names
new rh.Context({ onEndpointState: (_ep, change: "gone") => void change });
// @ts-expect-error token gives a string, { token, expiresMs } or null
new rh.Context({ token: () => 42 });
// @ts-expect-error a row's state is one of the names
const d: rh.Delivery = { ...ctx.deliveries()[0]!, state: "lost" };
void d;

// misspelled methods and exports
// @ts-expect-error addEndPoint
ctx.addEndPoint("https://x.example/in", ["*"]);
// @ts-expect-error deliverys
ctx.deliverys();
// @ts-expect-error setClientCertificate
ctx.setClientCertificate("ep_1", null, null);
// @ts-expect-error Store is a type, not an export
new rh.Store();
// @ts-expect-error RH_ID_SIZ
void rh.constants.RH_ID_SIZ;
// @ts-expect-error constants are read-only
rh.constants.RH_ID_SIZE = 64;
// @ts-expect-error a stat's name
void ctx.stats().events;
// @ts-expect-error: no such group
ctx.queueFigures({ group: "endpoints" });
// @ts-expect-error: no such figure
void ctx.queueFigures()[0]?.in_flight;
// @ts-expect-error an error's refusal is a name or null
const refusal: number = new rh.ReplicerHooksError(-1).refusal;
void refusal;
// @ts-expect-error storeBrand is not exported
void rh.storeBrand;
// @ts-expect-error the default export has what the module exports, no more
void everything.Store;
// @ts-expect-error a refusal is one of the library's names
new rh.ReplicerHooksError(-1, "bad", "url", "insecure");

// @ts-expect-error an Emitter takes a Context, not a store
new rh.Emitter(rh.sqlite("hooks.db"));
// @ts-expect-error an Emitter's emit resolves later: it is not an EmitResult
const notYet: rh.EmitResult = new rh.Emitter(ctx).emit("a.b", {});

ctx.close();
