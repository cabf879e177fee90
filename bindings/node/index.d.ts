// Type declarations for the replicer-hooks Node binding (index.mjs).
// Options are exact: an unknown key is a type error here, as the binding
// refuses it at run time. Integers are numbers or BigInts (each checked
// against its C type); rows give numbers.
import type { IncomingMessage, ServerResponse } from "node:http";

/** An integer, as a number or a BigInt, within its C type's range. */
export type Integer = number | bigint;
/** Bytes with a length (a NUL included): UTF-8 text, a Buffer or other
 *  typed array, or an ArrayBuffer. */
export type Bytes = string | ArrayBufferView | ArrayBuffer;
/** JSON text as given (a string), or a value JSON.stringify writes. */
export type Json = string | number | boolean | null | object;

/** A delivery's state (filters take the same names). */
export type DeliveryState = "pending" | "in_flight" | "succeeded" | "failed";
/** How an attempt ended (rh_outcome_name). */
export type Outcome =
  | "ok" | "http_status" | "timeout" | "connect" | "dns" | "tls" | "blocked"
  | "too_large" | "reset" | "other" | "bad_response";
/** Why a refused argument was refused (rh_refusal_name). */
export type Refusal =
  | "malformed" | "insecure_scheme" | "private_address" | "too_large" | "unknown_id"
  | "tenant_required" | "unknown_event_type" | "no_matching_event_type";
/** What changed about an endpoint (onEndpointState). */
export type EndpointChange =
  | "disabled" | "enabled" | "recovered" | "failing" | "paused" | "resumed" | "held";
/** Why an endpoint is disabled: by you, a 410 Gone, or failing too long. */
export type DisabledReason = "host" | "gone" | "failing";
/** An event type's state in the catalog. */
export type EventTypeState = "active" | "deprecated" | "archived";
/** What defineEventType did. */
export type DefineResult = "created" | "updated" | "unchanged";
/** What a portal link allows. */
export type PortalCap = "view" | "manage" | "resend" | "operator";
/** retryScheduleMs's value for "follow the context's schedule". */
export type ContextsSchedule = "the context's";
/** An RH_E_* name ("RH_E_USER" for a code the library does not name). */
export type ErrorCodeName =
  | "RH_E_INVALID_ARG" | "RH_E_NOMEM" | "RH_E_NOT_FOUND" | "RH_E_STORAGE"
  | "RH_E_REENTRANT" | "RH_E_UNSUPPORTED" | "RH_E_FULL" | "RH_E_SIGNATURE"
  | "RH_E_TIMESTAMP" | "RH_E_STATE" | "RH_E_CRYPTO" | "RH_E_TOO_LARGE" | "RH_E_BUFFER"
  | "RH_E_USER";

/** Every define and enum member of constants.json, by its C name. */
export interface Constants {
  // defines
  readonly RH_AUTO_DISABLE_DEFAULT_MS: number;
  readonly RH_EMITTER_GROUP_MAX: number;
  readonly RH_ENDPOINT_DESCRIPTION_MAX: number;
  readonly RH_ENDPOINT_LABELS_MAX: number;
  readonly RH_ENDPOINT_NAME_MAX: number;
  readonly RH_EVENT_TYPE_DESCRIPTION_MAX: number;
  readonly RH_EVENT_TYPE_GROUP_MAX: number;
  readonly RH_EVENT_TYPE_SCHEMA_MAX: number;
  readonly RH_IDEMPOTENCY_KEY_MAX: number;
  readonly RH_IDEMPOTENCY_WINDOW_DEFAULT_MS: number;
  readonly RH_ID_SIZE: number;
  readonly RH_LABEL_KEY_MAX: number;
  readonly RH_LABEL_VALUE_MAX: number;
  readonly RH_MAX_DATA_BYTES_DEFAULT: number;
  readonly RH_ORDERING_KEY_MAX: number;
  readonly RH_PORTAL_KEY_MIN: number;
  readonly RH_PORTAL_TOKEN_SIZE: number;
  readonly RH_RETENTION_DEFAULT_MS: number;
  readonly RH_SECRET_SIZE: number;
  readonly RH_SIGNATURE_SIZE: number;
  readonly RH_SQLITE_SYNC_NORMAL: number;
  readonly RH_STATS_KEYS_MAX: number;
  readonly RH_STORAGE_VERSION: number;
  readonly RH_TENANT_LIMIT_MAX: number;
  readonly RH_TENANT_MAX: number;
  readonly RH_TOKEN_SIZE: number;
  readonly RH_TRACEPARENT_SIZE: number;
  readonly RH_TRACESTATE_MAX: number;
  readonly RH_VERIFY_TOLERANCE_S: number;
  readonly RH_VERSION_MAJOR: number;
  readonly RH_VERSION_MINOR: number;
  readonly RH_VERSION_NUM: number;
  readonly RH_VERSION_PATCH: number;
  // rh_arg
  readonly RH_ARG_CATALOG: number;
  readonly RH_ARG_CLIENT_CERT: number;
  readonly RH_ARG_CLIENT_KEY: number;
  readonly RH_ARG_COUNT: number;
  readonly RH_ARG_DATA: number;
  readonly RH_ARG_DELIVERY_ID: number;
  readonly RH_ARG_DESCRIPTION: number;
  readonly RH_ARG_ENDPOINT_ID: number;
  readonly RH_ARG_EVENTS: number;
  readonly RH_ARG_EVENT_TYPE: number;
  readonly RH_ARG_EXAMPLE: number;
  readonly RH_ARG_GROUP: number;
  readonly RH_ARG_HEADER_NAME: number;
  readonly RH_ARG_HEADER_VALUE: number;
  readonly RH_ARG_LABEL: number;
  readonly RH_ARG_NAME: number;
  readonly RH_ARG_NONE: number;
  readonly RH_ARG_OUTPUT: number;
  readonly RH_ARG_SCHEMA: number;
  readonly RH_ARG_SECRET: number;
  readonly RH_ARG_TENANT: number;
  readonly RH_ARG_URL: number;
  readonly RH_ARG_VALUE: number;
  // rh_catalog_state
  readonly RH_EVENT_TYPE_ACTIVE: number;
  readonly RH_EVENT_TYPE_ARCHIVED: number;
  readonly RH_EVENT_TYPE_DEPRECATED: number;
  readonly RH_EVENT_TYPE_STATE_COUNT: number;
  // rh_define_result
  readonly RH_DEFINE_CREATED: number;
  readonly RH_DEFINE_UNCHANGED: number;
  readonly RH_DEFINE_UPDATED: number;
  // rh_disabled_reason
  readonly RH_DISABLED_BY_HOST: number;
  readonly RH_DISABLED_FAILING: number;
  readonly RH_DISABLED_GONE: number;
  readonly RH_DISABLED_NOT: number;
  // rh_endpoint_change
  readonly RH_ENDPOINT_DISABLED: number;
  readonly RH_ENDPOINT_ENABLED: number;
  readonly RH_ENDPOINT_FAILING: number;
  readonly RH_ENDPOINT_HELD: number;
  readonly RH_ENDPOINT_PAUSED: number;
  readonly RH_ENDPOINT_RECOVERED: number;
  readonly RH_ENDPOINT_RESUMED: number;
  // rh_err
  readonly RH_E_BUFFER: number;
  readonly RH_E_CRYPTO: number;
  readonly RH_E_FULL: number;
  readonly RH_E_INVALID_ARG: number;
  readonly RH_E_NOMEM: number;
  readonly RH_E_NOT_FOUND: number;
  readonly RH_E_REENTRANT: number;
  readonly RH_E_SIGNATURE: number;
  readonly RH_E_STATE: number;
  readonly RH_E_STORAGE: number;
  readonly RH_E_TIMESTAMP: number;
  readonly RH_E_TOO_LARGE: number;
  readonly RH_E_UNSUPPORTED: number;
  readonly RH_E_USER: number;
  readonly RH_OK: number;
  // rh_event_type_notice
  readonly RH_EVENT_TYPE_DEPRECATED_EMITTED: number;
  // rh_http_version
  readonly RH_HTTP_VERSION_1_1: number;
  readonly RH_HTTP_VERSION_2: number;
  readonly RH_HTTP_VERSION_DEFAULT: number;
  // rh_loop
  readonly RH_POLL_IN: number;
  readonly RH_POLL_OUT: number;
  readonly RH_POLL_REMOVE: number;
  // rh_mode
  readonly RH_MODE_DEVELOPMENT: number;
  readonly RH_MODE_PRODUCTION: number;
  // rh_ordering_policy
  readonly RH_ORDERING_CONTINUE: number;
  readonly RH_ORDERING_HOLD: number;
  // rh_outcome
  readonly RH_OUTCOME_BAD_RESPONSE: number;
  readonly RH_OUTCOME_BLOCKED: number;
  readonly RH_OUTCOME_CONNECT: number;
  readonly RH_OUTCOME_DNS: number;
  readonly RH_OUTCOME_HTTP_STATUS: number;
  readonly RH_OUTCOME_OK: number;
  readonly RH_OUTCOME_OTHER: number;
  readonly RH_OUTCOME_RESET: number;
  readonly RH_OUTCOME_TIMEOUT: number;
  readonly RH_OUTCOME_TLS: number;
  readonly RH_OUTCOME_TOO_LARGE: number;
  // rh_portal_cap
  readonly RH_PORTAL_MANAGE: number;
  readonly RH_PORTAL_OPERATOR: number;
  readonly RH_PORTAL_RESEND: number;
  readonly RH_PORTAL_VIEW: number;
  // rh_queue_figure
  readonly RH_QUEUE_DUE: number;
  readonly RH_QUEUE_FAILED_RECENT: number;
  readonly RH_QUEUE_FIGURE_COUNT: number;
  readonly RH_QUEUE_IN_FLIGHT: number;
  readonly RH_QUEUE_OLDEST_DUE_MS: number;
  readonly RH_QUEUE_PENDING: number;
  // rh_queue_group
  readonly RH_QUEUE_BY_ENDPOINT: number;
  readonly RH_QUEUE_BY_TENANT: number;
  readonly RH_QUEUE_TOTAL: number;
  // rh_refusal
  readonly RH_REFUSAL_COUNT: number;
  readonly RH_REFUSAL_INSECURE_SCHEME: number;
  readonly RH_REFUSAL_MALFORMED: number;
  readonly RH_REFUSAL_NONE: number;
  readonly RH_REFUSAL_NO_MATCHING_EVENT_TYPE: number;
  readonly RH_REFUSAL_PRIVATE_ADDRESS: number;
  readonly RH_REFUSAL_TENANT_REQUIRED: number;
  readonly RH_REFUSAL_TOO_LARGE: number;
  readonly RH_REFUSAL_UNKNOWN_EVENT_TYPE: number;
  readonly RH_REFUSAL_UNKNOWN_ID: number;
  // rh_stat
  readonly RH_STAT_ATTEMPTS: number;
  readonly RH_STAT_ATTEMPT_MS_LE_10: number;
  readonly RH_STAT_ATTEMPT_MS_LE_10000: number;
  readonly RH_STAT_ATTEMPT_MS_SUM: number;
  readonly RH_STAT_COUNT: number;
  readonly RH_STAT_DELIVERIES_QUEUED: number;
  readonly RH_STAT_DEPRECATED_EMITS: number;
  readonly RH_STAT_EVENTS_EMITTED: number;
  readonly RH_STAT_FAILED: number;
  readonly RH_STAT_IN_FLIGHT: number;
  readonly RH_STAT_OUTCOME_BAD_RESPONSE: number;
  readonly RH_STAT_OUTCOME_OK: number;
  readonly RH_STAT_RETRIED: number;
  readonly RH_STAT_SUCCEEDED: number;
  // rh_state
  readonly RH_DELIVERY_FAILED: number;
  readonly RH_DELIVERY_IN_FLIGHT: number;
  readonly RH_DELIVERY_PENDING: number;
  readonly RH_DELIVERY_SUCCEEDED: number;
  // rh_tenant_limit_kind
  readonly RH_TENANT_LIMIT_COUNT: number;
  readonly RH_TENANT_MAX_ENDPOINTS: number;
  readonly RH_TENANT_MAX_IN_FLIGHT: number;
  readonly RH_TENANT_MAX_PENDING: number;
  readonly RH_TENANT_RATE: number;
}

/** The constants, by C name (RH_ID_SIZE, RH_E_NOT_FOUND, ...). */
export declare const constants: Constants;
/** The C library's version string. */
export declare const version: string;

/** True for the id of a test event (an example sent by sendExample). */
export declare function isTestEvent(eventId: string): boolean;

/** A Standard Webhooks signature ("v1,..."). timestamp: Unix seconds. */
export declare function sign(secret: string, msgId: string, timestamp: Integer,
  body: Bytes): string;
/** True when signature is the body's; false on a bad signature or a
 *  timestamp outside tolerance (seconds, default RH_VERIFY_TOLERANCE_S)
 *  of now (Unix seconds). timestamp: the header's text, or seconds. */
export declare function verify(secret: string, msgId: string, timestamp: Integer | string,
  signature: string, body: Bytes, now?: Integer, tolerance?: Integer): boolean;

declare const storeBrand: unique symbol;
/** An open store (made by sqlite() or postgresql()) for one Context,
 *  which takes and closes it. */
export interface Store {
  readonly [storeBrand]: true;
  /** Close a store no context took (a no-op once one did). */
  close(): void;
}
/** A SQLite file: durable, shared by the processes that open it. */
export declare function sqlite(path: string): Store;
/** A PostgreSQL database (its tables in schema, when given). */
export declare function postgresql(conninfo: string, schema?: string | null): Store;

/** A failed call. new ReplicerHooksError(code, ...) makes the subclass for
 *  that code (InvalidArgumentError, ...), each a ReplicerHooksError. */
export declare class ReplicerHooksError extends Error {
  constructor(code: number, message?: string, arg?: string, refusal?: Refusal | null);
  /** An RH_E_* value (negative). */
  code: number;
  codeName: ErrorCodeName;
  /** The library's message. */
  detail: string;
  /** The refused argument ("url", "tenant", an option's name), if any. */
  arg: string | undefined;
  /** Why the argument was refused, if the library said. */
  refusal: Refusal | null;
}
/** RH_E_INVALID_ARG: bad input, named by arg when the library says. */
export declare class InvalidArgumentError extends ReplicerHooksError {}
/** RH_E_NOT_FOUND: no such endpoint, delivery or event type. */
export declare class NotFoundError extends ReplicerHooksError {}
/** RH_E_STORAGE: the store failed. */
export declare class StorageError extends ReplicerHooksError {}
/** RH_E_FULL: a cap is reached; back off and try again. */
export declare class FullError extends ReplicerHooksError {}
/** RH_E_STATE: not in a state that allows it. */
export declare class StateError extends ReplicerHooksError {}

/** An endpoint as endpoints() lists it. */
export interface EndpointRow {
  id: string;
  url: string;
  /** Event types and patterns it subscribes to. */
  events: string[];
  enabled: boolean;
  paused: boolean;
  tenant: string | null;
  name: string | null;
  description: string | null;
  labels: Record<string, string>;
  /** An RH_HTTP_VERSION_* constant; DEFAULT: the context's. */
  httpVersion: number;
  /** The mode of the context that added it: a production context holds a
   *  development endpoint's deliveries. */
  mode: "production" | "development";
}

/** One endpoint whole (endpoint(id)): its row, settings, headers, health. */
export interface EndpointDetails extends EndpointRow {
  /** Its own timeout; 0: the context's. */
  timeoutMs: number;
  /** Its own in-flight cap; 0: the context's. */
  maxInFlight: number;
  /** Requests a second; 0: none. */
  rateLimit: number;
  retryScheduleMs: number[] | ContextsSchedule;
  headers: Record<string, string>;
  createdMs: number;
  disabledReason: DisabledReason | null;
  /** 0: none yet. */
  lastSuccessMs: number;
  /** 0: not failing. */
  failingSinceMs: number;
  failedInARow: number;
  hasClientCert: boolean;
}

/** One attempt to deliver (attempts(), onAttempt). */
export interface Attempt {
  /** Its place in the log: attempts({ after: seq }) reads on from it. */
  seq: number;
  deliveryId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  /** 1 for the first. */
  number: number;
  startedMs: number;
  durationMs: number;
  /** The HTTP status; 0: no answer. */
  status: number;
  success: boolean;
  outcome: Outcome;
  /** What went wrong; "" when nothing did. */
  error: string;
  /** The start of the receiver's answer. */
  response: Buffer;
  tenant: string | null;
  /** The W3C traceparent it sent (onAttempt); "" in the log, or none. */
  traceparent: string;
}

/** One event's delivery to one endpoint (deliveries(), onFailed). */
export interface Delivery {
  id: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  state: DeliveryState;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptMs: number;
  createdMs: number;
  updatedMs: number;
  orderingKey: string | null;
  tenant: string | null;
}

/** An event type in the catalog. */
export interface EventTypeInfo {
  name: string;
  /** "" when none. */
  description: string;
  group: string;
  /** JSON text; null: none. */
  example: string | null;
  /** JSON text (a JSON Schema); null: none. */
  schema: string | null;
  state: EventTypeState;
  updatedMs: number;
}

/** A bearer token for an endpoint's requests, and when it expires (Unix
 *  ms; 0 or none: not cached). */
export interface BearerToken {
  token: string;
  expiresMs?: number;
}

/** new Context(options). Each key is optional; the defaults are the C
 *  library's. */
export interface ContextOptions {
  /** Allow http:// and private addresses (default false: production). */
  development?: boolean;
  /** A store from sqlite() or postgresql(); none: memory. */
  store?: Store | null;
  /** Delays before each retry (at most 32); [] for none. */
  retryScheduleMs?: readonly Integer[] | null;
  /** Whole-transfer timeout, connect included. */
  timeoutMs?: Integer | null;
  /** Called when a delivery fails for good. */
  onFailed?: ((delivery: Delivery) => void) | null;
  /** Called after each attempt is stored. */
  onAttempt?: ((attempt: Attempt) => void) | null;
  /** Called when an endpoint's state changes. */
  onEndpointState?: ((endpoint: EndpointRow, change: EndpointChange) => void) | null;
  /** Called when a deprecated event type is emitted (once per type). */
  onEventType?: ((eventType: string, notice: "deprecated_emitted") => void) | null;
  /** A bearer token for an endpoint's requests; null: it needs none. */
  token?: ((endpoint: EndpointRow) => string | BearerToken | null) | null;
  /** How often sockets are looked at while a transfer is in flight (2). */
  pollMs?: Integer;
  /** Connections kept open while idle. */
  idleConnections?: Integer | null;
  /** Refuse an endpoint or emit without a tenant. */
  tenantRequired?: boolean;
  maxInFlightPerTenant?: Integer | null;
  /** 32 bytes the store's secrets are sealed with. */
  sealingKey?: Bytes | null;
  /** An RH_HTTP_VERSION_* constant. */
  httpVersion?: Integer | null;
  // the rest of rh_config_set_*, by C name in camelCase (config.mjs)
  maxInFlight?: Integer | null;
  maxInFlightPerEndpoint?: Integer | null;
  /** Memory store: pending deliveries held before emit throws FullError. */
  maxPending?: Integer | null;
  /** Memory store: attempt log entries kept. */
  maxLog?: Integer | null;
  /** The largest data emit takes, in bytes. */
  maxDataBytes?: Integer | null;
  /** How long a claimed delivery stays this context's. */
  leaseMs?: Integer | null;
  /** Keep finished deliveries this long; 0: for ever. */
  retentionMs?: Integer | null;
  idempotencyWindowMs?: Integer | null;
  /** Disable an endpoint failing this long; 0: never. */
  autoDisableMs?: Integer | null;
  /** Re-read the endpoints from the store at least this often. */
  endpointRefreshMs?: Integer | null;
  /** Random spread of each retry delay, +/- percent (0 to 50). */
  retryJitterPct?: Integer | null;
  /** Send the webhook-id/-timestamp/-signature headers (default true). */
  standardHeaders?: boolean | null;
  /** Development mode only: a PEM CA bundle to verify receivers with. */
  caFile?: string | null;
  /** A proxy URL for every request. */
  proxy?: string | null;
  /** Production mode: ranges the address guard would refuse, admitted
   *  ("10.1.2.0/24"). */
  allowCidrs?: readonly string[] | null;
}

/** addEndpoint's options. */
export interface EndpointOptions {
  /** Your account id for the endpoint's owner. */
  tenant?: string | null;
  name?: string | null;
  description?: string | null;
  labels?: Readonly<Record<string, string>> | null;
  /** Yours ("whsec_..."); none: one is made. */
  secret?: string | null;
}

/** updateEndpoint's changes: only the given ones are made. */
export interface EndpointChanges {
  url?: string | null;
  events?: readonly string[] | null;
  name?: string | null;
  description?: string | null;
  /** A value of null removes that label. */
  labels?: Readonly<Record<string, string | null>> | null;
  /** An RH_HTTP_VERSION_* constant; DEFAULT: the context's. */
  httpVersion?: Integer | null;
}

/** setEndpointSettings' settings (0: the context's, or none). */
export interface EndpointSettings {
  timeoutMs?: Integer | null;
  maxInFlight?: Integer | null;
  /** Requests a second. */
  rateLimit?: number | null;
  /** Its own delays ([]: no retries), or "the context's". */
  retryScheduleMs?: readonly Integer[] | ContextsSchedule | null;
}

/** emit's options. */
export interface EmitOptions {
  /** The same key within the window: the first event's id, not queued. */
  idempotencyKey?: string | null;
  /** Deliveries with one key go in order, one at a time per endpoint. */
  orderingKey?: string | null;
  /** With orderingKey: one that fails for good holds the key until it is
   *  resent or skipped. */
  holdOnFailure?: boolean;
  /** To this endpoint only. */
  endpoint?: string | null;
  /** To this tenant's endpoints only, with its own idempotency keys. */
  tenant?: string | null;
  /** W3C trace context: every attempt sends it, a span of its own. */
  traceparent?: string | null;
  /** With traceparent: sent beside it as given. */
  tracestate?: string | null;
}

/** What emit did. */
export interface EmitResult {
  id: string;
  /** Deliveries queued (0 for a duplicate). */
  queued: number;
  duplicate: boolean;
}

/** The filters of attempts() and deliveries(). */
export interface LogFilters {
  endpoint?: string | null;
  delivery?: string | null;
  event?: string | null;
  /** A type or pattern ("order.*"). */
  eventType?: string | null;
  state?: DeliveryState | null;
  status?: Integer | null;
  outcome?: Outcome | null;
  failedOnly?: boolean | null;
  sinceMs?: Integer;
  untilMs?: Integer;
  tenant?: string | null;
  /** The most rows: 1 or more (default 1000). */
  limit?: Integer;
}
/** attempts' filters; after: the last seq seen, to read on from it. */
export interface AttemptFilters extends LogFilters {
  after?: Integer | null;
}
/** deliveries' filters; after: the last delivery seen (or its createdMs
 *  and id), to read on from it. */
export interface DeliveryFilters extends LogFilters {
  after?: { createdMs: Integer; id: string } | null;
}

/** recover's filters: the failed deliveries to send again. */
export interface RecoverFilters {
  endpoint?: string | null;
  eventType?: string | null;
  tenant?: string | null;
  sinceMs?: Integer;
  untilMs?: Integer;
}

/** defineEventType's fields: only the given ones are set. */
export interface EventTypeDefinition {
  description?: string | null;
  group?: string | null;
  /** An example's data: an object or JSON text. */
  example?: Json | null;
  /** A JSON Schema: an object or JSON text. */
  schema?: Json | null;
}

/** A tenant's limits (0: none). */
export interface TenantLimits {
  maxEndpoints: number;
  maxPending: number;
  maxInFlight: number;
  /** Deliveries started a second, in each context. */
  rate: number;
}
/** setTenantLimits' limits: only the given ones are stored; 0 removes one. */
export interface TenantLimitsInput {
  maxEndpoints?: Integer | null;
  maxPending?: Integer | null;
  maxInFlight?: Integer | null;
  rate?: Integer | null;
}

/** What an attempt sent (attemptRequest()). */
export interface AttemptRequest {
  headers: Array<[string, string]>;
  body: Buffer;
}

/** A row of the queue's figures (queueFigures()). */
export interface QueueFigures {
  /** "" for the total; else the endpoint's id or the tenant ("": none). */
  key: string;
  /** Waiting for an attempt, due or not. */
  pending: number;
  /** May be claimed now: pending and due, or in flight past its lease. */
  due: number;
  /** Claimed by a worker whose lease has not ended. */
  inFlight: number;
  /** Failed for good within the window asked for. */
  failedRecent: number;
  /** When the oldest due delivery became due (Unix ms); 0: none. */
  oldestDueMs: number;
}

/** What queueFigures() groups by, and the failed deliveries' window. */
export interface QueueFiguresOptions {
  group?: "total" | "endpoint" | "tenant";
  /** Default 3,600,000 (an hour). */
  failedWindowMs?: number | bigint;
}

/** The context's counters since it was made (stats()). */
export interface Stats {
  events_emitted: number;
  deliveries_queued: number;
  attempts: number;
  succeeded: number;
  failed: number;
  retried: number;
  in_flight: number;
  outcome_ok: number;
  outcome_http_status: number;
  outcome_timeout: number;
  outcome_connect: number;
  outcome_dns: number;
  outcome_tls: number;
  outcome_blocked: number;
  outcome_too_large: number;
  outcome_reset: number;
  outcome_other: number;
  outcome_bad_response: number;
  attempt_ms_le_10: number;
  attempt_ms_le_50: number;
  attempt_ms_le_100: number;
  attempt_ms_le_250: number;
  attempt_ms_le_500: number;
  attempt_ms_le_1000: number;
  attempt_ms_le_2500: number;
  attempt_ms_le_5000: number;
  attempt_ms_le_10000: number;
  attempt_ms_sum: number;
  deprecated_emits: number;
}

/** A sender on Node's event loop. Call close() to let the process exit. */
export declare class Context {
  constructor(options?: ContextOptions | null);

  /** Register url for event types or patterns. */
  addEndpoint(url: string, events: readonly string[],
    options?: EndpointOptions | null): { id: string; secret: string };
  /** Change an endpoint in place (its id, secret and log stay). */
  updateEndpoint(endpointId: string, changes: EndpointChanges): void;
  /** The endpoints (of one tenant when given). */
  endpoints(filters?: { tenant?: string | null } | null): EndpointRow[];
  /** Remove every endpoint of a tenant; how many went. */
  removeTenant(tenant: string): number;
  /** Queue an event. data: an object (or any JSON value) or JSON text. */
  emit(type: string, data: Json, options?: EmitOptions | null): EmitResult;
  /** Resolves true once nothing is pending or in flight; false when
   *  timeoutMs runs out first. Rejects with what a hook threw. */
  idle(options?: { timeoutMs?: Integer | null } | null): Promise<boolean>;
  /** The attempts, oldest first. */
  attempts(filters?: AttemptFilters | null): Attempt[];
  /** The deliveries and their state, oldest first. */
  deliveries(filters?: DeliveryFilters | null): Delivery[];
  /** What attempt number `attempt` (1: the first) of a delivery sent,
   *  rebuilt from the store: headers in order (secrets "<redacted>") and
   *  the body byte for byte. */
  attemptRequest(deliveryId: string, attempt?: number): AttemptRequest;
  /** Send a failed delivery again (only if it is tenant's, when given). */
  resend(deliveryId: string, options?: { tenant?: string | null } | null): void;
  /** Let a failed delivery (emitted with holdOnFailure) release the
   *  ordering key it holds; it stays failed. */
  skip(deliveryId: string): void;
  /** Resend the failed deliveries these select; how many. */
  recover(filters?: RecoverFilters | null): number;

  /** Run fn with its emits in one batch (one transaction); its value. */
  batch<T>(fn: () => T): T;
  stats(): Stats;
  /** The queue as the store holds it for every process sharing it. */
  queueFigures(opts?: QueueFiguresOptions): QueueFigures[];
  /** This context's counters per endpoint or per tenant it attempted. */
  statsBy(opts?: { group?: "endpoint" | "tenant" }): Record<string, Stats>;
  /** Claim nothing new (true, the default) or go on (false). */
  pause(paused?: boolean): void;

  /** Stop sending to it (its deliveries wait) until enableEndpoint. */
  disableEndpoint(endpointId: string): void;
  enableEndpoint(endpointId: string): void;
  /** Forget it; its log stays until pruned. */
  removeEndpoint(endpointId: string): void;
  /** Hold its deliveries until resumeEndpoint. */
  pauseEndpoint(endpointId: string): void;
  resumeEndpoint(endpointId: string): void;
  /** A new secret, returned this once; the old one signs too for graceMs
   *  (default 24 h). */
  rotateSecret(endpointId: string, options?: { graceMs?: Integer } | null): string;
  /** Send again its deliveries that failed since sinceMs; how many. */
  /** Its health as the store's log says it now (0: none). */
  endpointHealth(endpointId: string): { lastSuccessMs: number; failingSinceMs: number; failedInARow: number };
  recoverEndpoint(endpointId: string, sinceMs: Integer): number;
  /** A header sent on every request to it; null or none removes it. */
  setHeader(endpointId: string, name: string, value?: string | null): void;
  setEndpointSettings(endpointId: string, settings: EndpointSettings): void;
  /** A client certificate and its key (PEM) for its TLS handshake; both
   *  null removes them. */
  setClientCert(endpointId: string, certPem: string | null, keyPem: string | null): void;
  /** One endpoint whole: its row, with settings, headers and health. */
  endpoint(endpointId: string): EndpointDetails;

  /** Define a type, or change the given fields. */
  defineEventType(name: string, definition?: EventTypeDefinition | null): DefineResult;
  eventType(name: string): EventTypeInfo;
  /** The catalog by name (archived types too when archived is true). */
  eventTypes(filters?: { group?: string | null; archived?: boolean } | null): EventTypeInfo[];
  setEventTypeState(name: string, state: EventTypeState): void;
  /** Strict: an emit or subscription outside the catalog is refused. */
  get strict(): boolean;
  set strict(on: boolean);
  /** An OpenAPI 3.1 document's webhooks, or an export; how many changed. */
  importCatalog(doc: Json): number;
  /** The catalog as JSON text. */
  exportCatalog(): string;
  setTenantLimits(tenant: string, limits: TenantLimitsInput): void;
  tenantLimits(tenant: string): TenantLimits;
  /** Remove deliveries finished more than olderThanMs ago (at most max,
   *  default 1000; tenant's only when given); how many went. */
  prune(olderThanMs: Integer, options?: { tenant?: string | null; max?: Integer } | null): number;
  /** Queue a type's example for one endpoint as a test event; its id. */
  sendExample(endpointId: string, type: string): string;

  /** Free the context (and its store); a second call is a no-op. */
  close(): void;
}

/** What an Emitter's emit resolves to. */
export interface EmitterResult extends EmitResult {
  /** how many emits shared the commit that made this one durable */
  groupSize: number;
}

export interface EmitterCounts {
  emits: number;
  commits: number;
  largestGroup: number;
}

/** Emits on koffi's worker threads into a Context's store (SQLite or
 *  PostgreSQL), the emits in flight at once committed in groups; the
 *  context is lent to it (its timer stops, its close() throws) until
 *  close(). A key's emits (orderingKey) are stored in call order. */
export declare class Emitter {
  constructor(context: Context);
  /** Resolves once the event is durable; rejects with its own error. */
  emit(type: string, data: Json, options?: EmitOptions | null): Promise<EmitterResult>;
  counts(): EmitterCounts;
  /** Throws StateError while emits are in flight. */
  close(): void;
}

/** A request to the portal. */
export interface PortalRequest {
  method: string;
  path: string;
  /** The query string, without "?". */
  query?: string;
  headers?: Readonly<Record<string, string>>;
  body?: Bytes;
}
/** The portal's answer. */
export interface PortalResponse {
  status: number;
  /** [name, value] pairs, in order (a name may repeat). */
  headers: [string, string][];
  body: Buffer;
}
/** new Portal's options. */
export interface PortalOptions {
  /** The path it is mounted at ("/webhooks"); default "". */
  base?: string;
  /** Where a browser goes when its session is over (you mint a new link
   *  there); none: the portal answers 401. */
  refreshUrl?: string | null;
  /** The session cookie without Secure, for plain http on loopback. */
  insecureCookie?: boolean;
}
/** The customer portal over a Context (which must outlive it). */
export declare class Portal {
  /** key: at least RH_PORTAL_KEY_MIN bytes, the links' key. */
  constructor(context: Context, key: Bytes, options?: PortalOptions | null);
  handle(request: PortalRequest): PortalResponse;
  close(): void;
}

/** mintPortalLink's options. */
export interface PortalLinkOptions {
  /** Default ["view"]. */
  caps?: readonly PortalCap[];
  /** Its life in seconds (default 600). */
  ttlS?: Integer;
  /** Now, in Unix seconds (default: the clock). */
  nowS?: Integer | null;
}
/** A link token's claims. */
export interface PortalClaims {
  /** null: every tenant (an operator's link). */
  tenant: string | null;
  caps: PortalCap[];
  expiresS: number;
}
/** A link token for one tenant's portal (null with "operator": every
 *  tenant). */
export declare function mintPortalLink(key: Bytes, tenant: string | null,
  options?: PortalLinkOptions | null): string;
/** The claims of a link token as the portal checks them; throws when it
 *  is not valid. */
export declare function verifyPortalToken(key: Bytes, token: string,
  options?: { nowS?: Integer | null } | null): PortalClaims;
/** A request listener for node:http or Express, answering with portal. */
export declare function portalListener(portal: Portal):
  (req: IncomingMessage, res: ServerResponse) => void;

/** Every export as one object (import rh from "replicer-hooks"; in
 *  CommonJS, require's value). */
declare const replicerHooks: {
  constants: typeof constants;
  version: typeof version;
  isTestEvent: typeof isTestEvent;
  ReplicerHooksError: typeof ReplicerHooksError;
  InvalidArgumentError: typeof InvalidArgumentError;
  NotFoundError: typeof NotFoundError;
  StorageError: typeof StorageError;
  FullError: typeof FullError;
  StateError: typeof StateError;
  mintPortalLink: typeof mintPortalLink;
  verifyPortalToken: typeof verifyPortalToken;
  Portal: typeof Portal;
  portalListener: typeof portalListener;
  sign: typeof sign;
  verify: typeof verify;
  sqlite: typeof sqlite;
  postgresql: typeof postgresql;
  Context: typeof Context;
  Emitter: typeof Emitter;
};
export default replicerHooks;

// only what is exported above is the module's
export {};
