/* replicer-hooks: the umbrella header applications include. It declares the
 * context, its configuration, endpoints, emit, the delivery loop and signing.
 *
 * Threads: an rh_ctx has no internal locks: use each context from one thread
 * at a time (one context per thread, or your own lock around every call on a
 * shared one). Contexts share nothing. We start no threads; callbacks run on
 * the calling thread, during the call. Calls on a context from inside its
 * own callbacks return RH_E_REENTRANT, except getters marked callback-safe.
 */
#ifndef RH_H
#define RH_H

#include "rh_common.h"
#include "rh_loop.h"
#include "rh_storage.h"
#include "rh_version.h"

RH_BEGIN_DECLS

/* rh_ctx, rh_config, rh_endpoint and rh_storage are declared in
 * rh_common.h. */

/** Production: https only, verification on. Development: http and a custom
 *  CA file allowed. @since 0.1.0 */
typedef enum rh_mode { RH_MODE_PRODUCTION = 0, RH_MODE_DEVELOPMENT = 1 } rh_mode;

/** The clock: Unix-epoch milliseconds. */
typedef int64_t (*rh_clock_cb)(void *userdata);
/** The random source: fill buf with len random bytes; return 0, or
 *  non-zero on failure (emit and endpoint_add then fail with RH_E_CRYPTO). */
typedef int (*rh_random_cb)(unsigned char *buf, size_t len, void *userdata);
/** Called after each attempt's outcome is stored. */
typedef void (*rh_attempt_notify_cb)(const rh_attempt *at, void *userdata);
/** Called once when a delivery has failed for good. */
typedef void (*rh_failed_cb)(const rh_delivery *dl, void *userdata);
/** Why an endpoint is disabled (rh_endpoint_disabled_reason). @since 0.2.0 */
typedef enum rh_disabled_reason {
    RH_DISABLED_NOT = 0,     /* it is enabled */
    RH_DISABLED_BY_HOST = 1, /* rh_endpoint_disable() */
    RH_DISABLED_GONE = 2,    /* the receiver answered 410 Gone */
    RH_DISABLED_FAILING = 3 /* every attempt failed for the auto-disable time */
} rh_disabled_reason;

/** What changed about an endpoint, for rh_endpoint_state_cb. @since 0.2.0 */
typedef enum rh_endpoint_change {
    RH_ENDPOINT_DISABLED = 1,  /* by the host or by us: see its reason */
    RH_ENDPOINT_ENABLED = 2,   /* by the host; its failure clock restarts */
    RH_ENDPOINT_RECOVERED = 3, /* its first success after failures */
    RH_ENDPOINT_FAILING = 4,   /* its first failed attempt since a success */
    RH_ENDPOINT_PAUSED = 5,
    RH_ENDPOINT_RESUMED = 6,
    /* added in development mode, and this context is in production mode:
     * its deliveries stay pending. Told once per context and endpoint. */
    RH_ENDPOINT_HELD = 7
} rh_endpoint_change;

/** Called when an endpoint's state changes (rh_endpoint_change); the
 *  endpoint is borrowed for the call. @since 0.2.0 */
typedef void (*rh_endpoint_state_cb)(const rh_endpoint *ep, int change,
                                     void *userdata);
/** The most bytes a token callback may write, its NUL included. */
#define RH_TOKEN_SIZE 4096
/** Called before a request to ep when no cached token is good for 30 s
 *  more: write a bearer token (visible ASCII, at most RH_TOKEN_SIZE - 1
 *  bytes) to token_out and when it expires (Unix ms; 0: do not cache it)
 *  to *expires_ms, and return RH_OK; it goes out as "Authorization: Bearer
 *  <token>", replacing the endpoint's own Authorization header. Return
 *  RH_E_NOT_FOUND when this endpoint needs none; any other negative code
 *  fails the attempt unsent (outcome "other", retried on the schedule).
 *  Called on rh_tick()'s thread, with calls on the context refused: hand
 *  back a token you hold (refresh it, e.g. an OAuth2 client-credentials
 *  grant, on your own thread), never fetch one here. @since 0.2.0 */
typedef int (*rh_token_cb)(const rh_endpoint *ep, char *token_out,
                           size_t token_size, int64_t *expires_ms,
                           void *userdata);
/** Called for each endpoint by rh_endpoint_list(); return RH_OK or negative
 *  to stop (that value is returned). */
typedef int (*rh_endpoint_cb)(const rh_endpoint *ep, void *userdata);

/* ---------------------------------------------------------------- config */

/**
 * A configuration with the defaults: production mode, 10 s timeout, retries
 * after 5 s, 30 s, 2 min, 10 min, 30 min, no jitter, 64 transfers in flight
 * (8 per endpoint), memory storage capped at 1,000,000 pending deliveries
 * and 100,000 log entries, the system clock, a CTR-DRBG random source and
 * the Standard Webhooks headers on. Free with rh_config_free().
 * @return RH_OK, RH_E_INVALID_ARG (out is NULL), RH_E_NOMEM. @since 0.1.0
 */
RH_EXTERN int rh_config_new(rh_config **out);
/** NULL is a no-op. @since 0.1.0 */
RH_EXTERN void rh_config_free(rh_config *cfg);

/* Every setter returns RH_OK or RH_E_INVALID_ARG (NULL cfg, a value out of
 * range; the setting is then unchanged), RH_E_NOMEM where it copies. */
RH_EXTERN int rh_config_set_mode(rh_config *cfg, int mode);
/** Whole-transfer timeout, connect included: 1 ms to 10 minutes. */
RH_EXTERN int rh_config_set_timeout_ms(rh_config *cfg, int64_t ms);
/** Delays before each retry (n from 0 to 32, each 0 to 30 days); copied. */
RH_EXTERN int rh_config_set_retry_schedule(rh_config *cfg,
                                           const int64_t *delays_ms, size_t n);
/** Random spread of each delay, +/- percent (0 to 50); 0, the default, off. */
RH_EXTERN int rh_config_set_retry_jitter_pct(rh_config *cfg, int pct);
/** Transfers in flight at once, in all (1 to 100000). */
RH_EXTERN int rh_config_set_max_in_flight(rh_config *cfg, size_t n);
/** Transfers in flight at once to one endpoint (1 to 100000). */
RH_EXTERN int rh_config_set_max_in_flight_per_endpoint(rh_config *cfg,
                                                       size_t n);
/** Memory storage: pending deliveries held before emit returns RH_E_FULL
 *  (1 or more). Ignored with a host storage. */
RH_EXTERN int rh_config_set_max_pending(rh_config *cfg, size_t n);
/** Memory storage: attempt log entries kept (oldest dropped first). */
RH_EXTERN int rh_config_set_max_log(rh_config *cfg, size_t n);
/** The default of rh_config_set_max_data_bytes(): 1 MiB. */
#define RH_MAX_DATA_BYTES_DEFAULT (1024 * 1024)
/** The largest data rh_emit() takes, in bytes (2 to 1 GiB; default
 *  RH_MAX_DATA_BYTES_DEFAULT). Larger data is refused with RH_E_TOO_LARGE
 *  before it is read: every byte is held in storage and sent to each
 *  subscribed endpoint at every attempt. @since 0.2.0 */
RH_EXTERN int rh_config_set_max_data_bytes(rh_config *cfg, size_t n);
/** Pass NULL to restore the system clock. */
RH_EXTERN int rh_config_set_clock(rh_config *cfg, rh_clock_cb cb,
                                  void *userdata);
/** Pass NULL to restore the built-in CSPRNG (Mbed TLS CTR-DRBG). */
RH_EXTERN int rh_config_set_random(rh_config *cfg, rh_random_cb cb,
                                   void *userdata);
RH_EXTERN int rh_config_set_attempt_cb(rh_config *cfg, rh_attempt_notify_cb cb,
                                       void *userdata);
RH_EXTERN int rh_config_set_failed_cb(rh_config *cfg, rh_failed_cb cb,
                                      void *userdata);
/** The table is copied; NULL restores malloc/realloc/free. */
RH_EXTERN int rh_config_set_allocator(rh_config *cfg,
                                      const rh_allocator *alloc);
/** The table is copied; NULL restores the built-in memory storage. The
 *  context calls storage->destroy (if set) when it is freed, so give one
 *  table to one context. RH_E_UNSUPPORTED for a newer version. */
RH_EXTERN int rh_config_set_storage(rh_config *cfg, const rh_storage *storage);
/** Send the webhook-id/-timestamp/-signature headers too (default 1). */
RH_EXTERN int rh_config_set_standard_headers(rh_config *cfg, int on);
/** Development mode only: a PEM CA bundle to verify receivers with; copied.
 *  It replaces the system store (give a bundle holding both to trust both).
 *  rh_ctx_new() refuses it in production mode. NULL: the system store. */
RH_EXTERN int rh_config_set_ca_file(rh_config *cfg, const char *path);
/** How long a claimed delivery stays ours (default: timeout + 60 s; at least
 *  the timeout + 1 s). */
RH_EXTERN int rh_config_set_lease_ms(rh_config *cfg, int64_t ms);
/**
 * How many connections the context keeps open while idle, to send the
 * next deliveries to their hosts without a new connection (over TLS, the
 * handshake is the dearest part of a delivery). Give at least the number
 * of hosts you deliver to in turn; no fewer than the in-flight cap (up to
 * 512) are kept whatever you give. 0: the default, 256. Each idle
 * connection costs its socket and libcurl's and the TLS library's state,
 * and libcurl walks its idle connections as it looks for one: give what
 * you need, not the most (docs/performance.md).
 * @return RH_OK, or RH_E_INVALID_ARG past 100,000. @since 0.3.0
 */
RH_EXTERN int rh_config_set_idle_connections(rh_config *cfg, size_t n);
/** The HTTP versions a transfer may speak (rh_config_set_http_version,
 *  rh_endpoint_set_http_version). @since 0.3.0 */
typedef enum rh_http_version {
    /* a context: HTTP/1.1; an endpoint: whatever its context says */
    RH_HTTP_VERSION_DEFAULT = 0,
    /* HTTP/1.1 only: ALPN offers no h2 */
    RH_HTTP_VERSION_1_1 = 1,
    /* over TLS, h2 when the receiver offers it (ALPN), HTTP/1.1 else; the
     * transfers to one receiver wait for and share its connection, up to
     * 100 streams each. Plain http stays HTTP/1.1. */
    RH_HTTP_VERSION_2 = 2
} rh_http_version;
/**
 * The HTTP version of every transfer, unless an endpoint sets its own: an
 * rh_http_version. HTTP/1.1 by default, because over h2 the libcurl of
 * Debian 12 (7.88) stalls behind receivers that answer before they have
 * read the body (docs/design.md, "HTTP versions"); a 2xx followed by a
 * stream reset is a success all the same.
 * @return RH_OK, or RH_E_INVALID_ARG for a value not in the enum.
 * @since 0.3.0
 */
RH_EXTERN int rh_config_set_http_version(rh_config *cfg, int version);

/** Production mode: admit a range the address guard refuses (loopback,
 *  private, link-local, ...), e.g. "10.1.2.0/24" or "fd00:1::/64"; up to 64.
 *  Applies to URLs at registration and to every address dialled.
 *  @return RH_OK, RH_E_INVALID_ARG (not a CIDR, list full). @since 0.1.0 */
RH_EXTERN int rh_config_allow_cidr(rh_config *cfg, const char *cidr);
/** An explicit proxy URL for every transfer (copied); NULL: none. Proxies
 *  are never taken from the environment. The guard then judges the proxy's
 *  address, and the proxy reaches the receiver. @since 0.1.0 */
RH_EXTERN int rh_config_set_proxy(rh_config *cfg, const char *url);
/** A 32-byte key (copied, wiped on free) that seals endpoint secrets with
 *  AES-256-GCM before they reach storage, so that a leaked database does not
 *  leak them; NULL removes it. A store with sealed secrets then needs the
 *  same key: rh_ctx_new() fails with RH_E_CRYPTO without it.
 *  @since 0.1.0 */
RH_EXTERN int rh_config_set_sealing_key(rh_config *cfg,
                                        const unsigned char *key, size_t len);

/** The default of rh_config_set_retention_ms(): 30 days. */
#define RH_RETENTION_DEFAULT_MS (30LL * 86400 * 1000)
/** Keep finished (succeeded or failed) deliveries, their attempts and
 *  events this long after they finished, then rh_tick() prunes them in
 *  small batches (at most 500 a tick, at most one batch a second while
 *  catching up, else one a minute). 1 minute to 100 years; 0: keep
 *  everything; default RH_RETENTION_DEFAULT_MS. Needs the store's prune
 *  slot (all three shipped stores have it). @since 0.2.0 */
RH_EXTERN int rh_config_set_retention_ms(rh_config *cfg, int64_t ms);
/** The default of rh_config_set_idempotency_window_ms(): 24 hours. */
#define RH_IDEMPOTENCY_WINDOW_DEFAULT_MS (24LL * 3600 * 1000)
/** How long an emit's idempotency key holds: a second emit with the key
 *  within this time queues nothing (rh_emit_with). 1 second to 365 days;
 *  default RH_IDEMPOTENCY_WINDOW_DEFAULT_MS. Every process sharing a store
 *  should use the same window. @since 0.2.0 */
RH_EXTERN int rh_config_set_idempotency_window_ms(rh_config *cfg, int64_t ms);
/** The default of rh_config_set_auto_disable_ms(): 5 days. */
#define RH_AUTO_DISABLE_DEFAULT_MS (5LL * 86400 * 1000)
/** Disable an endpoint whose attempts have all failed for this long (0 to
 *  365 days; 0: never; default RH_AUTO_DISABLE_DEFAULT_MS). A 410 Gone
 *  disables at once whatever this is. @since 0.2.0 */
RH_EXTERN int rh_config_set_auto_disable_ms(rh_config *cfg, int64_t ms);
/** A bearer token for requests (rh_token_cb); NULL: none. @since 0.2.0 */
RH_EXTERN int rh_config_set_token_cb(rh_config *cfg, rh_token_cb cb,
                                     void *userdata);
/** Hear of endpoint state changes (disabled and why, enabled, recovered,
 *  failing, paused, resumed, held); NULL: none. @since 0.2.0 */
RH_EXTERN int rh_config_set_endpoint_state_cb(rh_config *cfg,
                                              rh_endpoint_state_cb cb,
                                              void *userdata);

/** Re-read the endpoints from storage at least this often while delivering
 *  (0, the default: only when a delivery names an endpoint the context does
 *  not know). For several processes sharing one store, so that endpoints
 *  disabled or changed elsewhere are seen within this time. 0 to 1 day.
 *  @since 0.1.0 */
RH_EXTERN int rh_config_set_endpoint_refresh_ms(rh_config *cfg, int64_t ms);

/* --------------------------------------------------------------- context */

/**
 * A delivery engine with a copy of cfg (cfg may be freed afterwards; NULL
 * gives the defaults). Endpoints are loaded from the storage.
 * @return RH_OK, RH_E_INVALID_ARG (inconsistent config), RH_E_NOMEM,
 *         RH_E_STORAGE (loading failed), RH_E_UNSUPPORTED (libcurl older than
 *         7.85 or not thread-safe), RH_E_CRYPTO (the CSPRNG could not seed).
 *         On failure *out is untouched; detail goes to stderr never, so use
 *         the return code. @since 0.1.0
 */
RH_EXTERN int rh_ctx_new(rh_ctx **out, const rh_config *cfg);
/** Aborts transfers in flight (their deliveries come back when the lease
 *  ends) and frees everything. NULL is a no-op. @since 0.1.0 */
RH_EXTERN void rh_ctx_free(rh_ctx *ctx);
/** Detail about the last failure on ctx: owned by ctx, valid until the next
 *  call on it; "" when there is none. Callback-safe. @since 0.1.0 */
RH_EXTERN const char *rh_ctx_last_error(const rh_ctx *ctx);

/** The argument a call refused, so that a program can point at its own
 *  flag or form field without reading rh_ctx_last_error's English. */
typedef enum rh_arg {
    RH_ARG_NONE = 0,        /* the last failure was not about an argument */
    RH_ARG_URL = 1,         /* rh_endpoint_add's url */
    RH_ARG_EVENTS = 2,      /* rh_endpoint_add's event types or patterns */
    RH_ARG_SECRET = 3,      /* a given signing secret */
    RH_ARG_EVENT_TYPE = 4,  /* rh_emit's type */
    RH_ARG_DATA = 5,        /* rh_emit's JSON */
    RH_ARG_ENDPOINT_ID = 6, /* malformed, or no such endpoint */
    RH_ARG_DELIVERY_ID = 7, /* malformed, or no such delivery */
    RH_ARG_HEADER_NAME = 8,
    RH_ARG_HEADER_VALUE = 9,
    RH_ARG_VALUE = 10, /* a setter's value (timeout, schedule, cap...) */
    RH_ARG_CLIENT_CERT = 11,
    RH_ARG_CLIENT_KEY = 12,
    RH_ARG_OUTPUT = 13, /* an output buffer: NULL or too small */
    /* since 0.3.0 (rh_account.h) */
    RH_ARG_TENANT = 14,
    RH_ARG_NAME = 15, /* an endpoint's name */
    RH_ARG_DESCRIPTION = 16,
    RH_ARG_LABEL = 17, /* a label's key or value */
    /* since 0.3.0 (rh_catalog.h): an event type's */
    RH_ARG_GROUP = 18,
    RH_ARG_EXAMPLE = 19,
    RH_ARG_SCHEMA = 20,
    RH_ARG_CATALOG = 21, /* an imported catalog document */
    RH_ARG_COUNT = 22    /* how many there are; not an argument */
} rh_arg;

/** Why it was refused. */
typedef enum rh_refusal {
    RH_REFUSAL_NONE = 0,
    RH_REFUSAL_MALFORMED = 1,       /* not well formed, or out of range */
    RH_REFUSAL_INSECURE_SCHEME = 2, /* http:// in production mode */
    RH_REFUSAL_PRIVATE_ADDRESS = 3, /* a loopback, private or link-local
                                       host in production mode */
    RH_REFUSAL_TOO_LARGE = 4,
    RH_REFUSAL_UNKNOWN_ID = 5, /* well formed, but nothing has it */
    /* no tenant given while one is required (0.3.0) */
    RH_REFUSAL_TENANT_REQUIRED = 6,
    /* strict catalog (0.3.0, rh_catalog.h): an emit of a type the catalog
     * lacks or has archived; a subscription that matches no type in it */
    RH_REFUSAL_UNKNOWN_EVENT_TYPE = 7,
    RH_REFUSAL_NO_MATCHING_EVENT_TYPE = 8,
    RH_REFUSAL_COUNT = 9 /* how many there are */
} rh_refusal;

/** The rh_arg the last failure on ctx was about (RH_ARG_NONE when it was
 *  not about an argument, or nothing failed). Callback-safe. @since 0.2.0 */
RH_EXTERN int rh_ctx_last_error_arg(const rh_ctx *ctx);
/** The rh_refusal of the last failure (RH_REFUSAL_NONE as above).
 *  Callback-safe. @since 0.2.0 */
RH_EXTERN int rh_ctx_last_error_refusal(const rh_ctx *ctx);
/** "url", "events", ..., "output"; NULL for a value that is not an rh_arg.
 *  @since 0.2.0 */
RH_EXTERN const char *rh_arg_name(int arg);
/** "malformed", "insecure_scheme", "private_address", "too_large",
 *  "unknown_id", "tenant_required", "unknown_event_type",
 *  "no_matching_event_type" (the last three 0.3.0); "none" for 0; NULL
 *  past the last. @since 0.2.0 */
RH_EXTERN const char *rh_refusal_name(int refusal);
/** Deliveries claimed and not yet recorded as done: being sent, or sent
 *  with the outcome waiting to be stored. Callback-safe. @since 0.1.0 */
RH_EXTERN size_t rh_ctx_in_flight(const rh_ctx *ctx);

/** Pause (1) or resume (0) claiming: while paused, rh_tick() finishes and
 *  records the transfers in flight but starts nothing new; for a graceful
 *  shutdown, pause and tick until rh_ctx_in_flight() is 0.
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.1.0 */
RH_EXTERN int rh_ctx_pause(rh_ctx *ctx, int paused);

/** The context's counters (since rh_ctx_new, this context only) and gauges,
 *  by index into rh_ctx_stats()'s array. rh_stat_name() names each for a
 *  metrics system and returns NULL past the last, so a binding needs to
 *  copy none of this. @since 0.2.0 */
typedef enum rh_stat {
    RH_STAT_EVENTS_EMITTED = 0,    /* successful rh_emit() calls */
    RH_STAT_DELIVERIES_QUEUED = 1, /* deliveries those emits queued */
    RH_STAT_ATTEMPTS = 2,          /* attempts stored (each sent request) */
    RH_STAT_SUCCEEDED = 3,         /* deliveries that got a 2xx */
    RH_STAT_FAILED = 4,            /* deliveries failed for good */
    RH_STAT_RETRIED = 5,           /* failed attempts with a retry due */
    RH_STAT_IN_FLIGHT = 6,         /* gauge: rh_ctx_in_flight() */
    /* attempts by outcome class: RH_STAT_OUTCOME_OK + an rh_outcome */
    RH_STAT_OUTCOME_OK = 7,
    RH_STAT_OUTCOME_BAD_RESPONSE = 17,
    /* attempt durations, cumulative (Prometheus "le" buckets): attempts
     * that took at most 10 ms, 50 ms, ... 10 s; RH_STAT_ATTEMPTS is the
     * +Inf bucket and RH_STAT_ATTEMPT_MS_SUM the sum */
    RH_STAT_ATTEMPT_MS_LE_10 = 18,
    RH_STAT_ATTEMPT_MS_LE_10000 = 26,
    RH_STAT_ATTEMPT_MS_SUM = 27,
    /* emits of a type the catalog marks deprecated (0.3.0) */
    RH_STAT_DEPRECATED_EMITS = 28,
    RH_STAT_COUNT = 29
} rh_stat;
/** Copy the first n stats (at most RH_STAT_COUNT) into out, in rh_stat
 *  order, at once: cheap (no storage, no lock), fine to call every second.
 *  @return how many were written, or RH_E_INVALID_ARG. @since 0.2.0 */
RH_EXTERN int rh_ctx_stats(const rh_ctx *ctx, uint64_t *out, size_t n);
/** "events_emitted", ..., "outcome_ok", ..., "attempt_ms_le_10", ...; NULL
 *  past the last. @since 0.2.0 */
RH_EXTERN const char *rh_stat_name(int stat);
/** One key's counters: an endpoint's id or a tenant ("": of none),
 *  borrowed for the call, and n stats by rh_stat. Return RH_OK, or a
 *  negative code to stop (that value is returned). @since 0.3.0 */
typedef int (*rh_stats_row_cb)(const char *key, const uint64_t *stats,
                               size_t n, void *userdata);
/** The most keys of each grouping rh_ctx_stats_by keeps. @since 0.3.0 */
#define RH_STATS_KEYS_MAX 65536
/**
 * The context's counters per endpoint (group RH_QUEUE_BY_ENDPOINT) or per
 * tenant (RH_QUEUE_BY_TENANT), since it was made, for the keys it has
 * attempted: attempts by outcome, successes, failures for good, attempt
 * durations (rh_stat; events_emitted and deliveries_queued are 0 here, and
 * in_flight is the endpoint's transfers now, 0 for a tenant). A row per
 * key, in no particular order; a context keeps at most RH_STATS_KEYS_MAX
 * keys of each (the rest count in rh_ctx_stats alone). No storage, no
 * lock: as cheap as a walk of the keys. What a metrics exporter labels,
 * bounding the labels itself (the tool's --metrics-top).
 * @return how many rows, RH_E_INVALID_ARG, RH_E_REENTRANT, or what cb
 * returned to stop. @since 0.3.0
 */
RH_EXTERN int rh_ctx_stats_by(rh_ctx *ctx, int group, rh_stats_row_cb cb,
                              void *userdata);

/**
 * The queue's figures as the store holds them for every process sharing it
 * (rh_queue_figure: pending, due, in flight, failed within the last
 * failed_window_ms, and when the oldest due delivery became due), at the
 * context's clock, grouped by group (rh_queue_group): one row of all, or a
 * row per endpoint or per tenant that has any, by key. What a metrics
 * exporter turns into gauges, and an alert on a growing backlog reads:
 * one storage call, through indexes of the open and the failed deliveries.
 * cb gets each row (calls on the context refused meanwhile).
 * @return how many rows, RH_E_INVALID_ARG, RH_E_UNSUPPORTED (a host's store
 * with no queue_figures slot), RH_E_STORAGE, RH_E_REENTRANT, or what cb
 * returned to stop. @since 0.3.0
 */
RH_EXTERN int rh_queue_figures(rh_ctx *ctx, int group, int64_t failed_window_ms,
                               rh_queue_figures_cb cb, void *userdata);
/** "pending", "due", "in_flight", "failed_recent", "oldest_due_ms"; NULL
 *  past the last. @since 0.3.0 */
RH_EXTERN const char *rh_queue_figure_name(int figure);

/** One attempt's request: its header lines ("Name: value\r\n" each, in
 *  the order sent) and its body, both borrowed for the call. Return RH_OK,
 *  or a negative code to stop (that value is returned). @since 0.3.0 */
typedef int (*rh_request_cb)(const char *headers, size_t headers_len,
                             const char *body, size_t body_len,
                             void *userdata);
/**
 * What attempt number `attempt` (1 is the first) of a delivery sent,
 * rebuilt from the store for a support page or `log --show`: the body byte
 * for byte (the envelope around the event's data), and the header lines in
 * the order sent, with the time its signature used (the attempt's start),
 * the endpoint's own headers as they are now, and every secret shown as
 * "<redacted>": the signatures, and any header whose name says it carries
 * one (Authorization, and names holding auth, key, token, secret,
 * password, cookie or session). A traceparent shows the event's trace id;
 * the attempt's own span id is not kept; nor is a token callback's
 * bearer token, which is not shown. After a resend the numbering
 * starts again: a number names the latest attempt that has it. cb gets it
 * (calls on the context refused meanwhile).
 * @return RH_OK or what cb returned to stop; RH_E_INVALID_ARG,
 * RH_E_NOT_FOUND (no such delivery, or no such attempt of it; or pruned),
 * RH_E_UNSUPPORTED (a host's store with no delivery_event slot),
 * RH_E_STORAGE, RH_E_NOMEM, RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_attempt_request(rh_ctx *ctx, const char *delivery_id,
                                 int attempt, rh_request_cb cb,
                                 void *userdata);

/* ------------------------------------------------------------- endpoints */

/**
 * Register an endpoint: a URL and the event types it subscribes to (exact
 * "call.ended", prefix "call.*" or everything "*"). A secret is generated
 * and written once to secret_out; the id to id_out (RH_ID_SIZE bytes
 * suffice, RH_SECRET_SIZE for the secret). Outputs are untouched on failure.
 * @return RH_OK, RH_E_INVALID_ARG (bad URL, http:// in production, bad
 *         pattern), RH_E_BUFFER (an output buffer is NULL or too small;
 *         RH_E_INVALID_ARG before 0.2.0), RH_E_NOMEM, RH_E_STORAGE,
 * RH_E_CRYPTO, RH_E_REENTRANT. @since 0.1.0
 */
RH_EXTERN int rh_endpoint_add(rh_ctx *ctx, const char *url,
                              const char *const *events, size_t n_events,
                              char *id_out, size_t id_size, char *secret_out,
                              size_t secret_size);
/** The same with a secret of yours ("whsec_" + base64 of 24 to 64 bytes),
 *  copied. @since 0.1.0 */
RH_EXTERN int rh_endpoint_add_with_secret(rh_ctx *ctx, const char *url,
                                          const char *const *events,
                                          size_t n_events, const char *secret,
                                          char *id_out, size_t id_size);
/** Remove an endpoint; its secrets are wiped. Its pending deliveries fail
 *  when due. @return RH_OK, RH_E_NOT_FOUND, RH_E_STORAGE, RH_E_INVALID_ARG,
 *  RH_E_REENTRANT. @since 0.1.0 */
RH_EXTERN int rh_endpoint_remove(rh_ctx *ctx, const char *endpoint_id);
/** A disabled endpoint gets no new deliveries, and its pending ones fail
 *  when due (recover them after enabling it). Same codes as remove.
 *  @since 0.1.0 */
RH_EXTERN int rh_endpoint_disable(rh_ctx *ctx, const char *endpoint_id);
RH_EXTERN int rh_endpoint_enable(rh_ctx *ctx, const char *endpoint_id);
/** A paused endpoint keeps getting its deliveries queued, but nothing is
 *  sent to it until it is resumed (a receiver's maintenance window: nothing
 *  is lost, unlike disable). Transfers already started finish. Other
 *  processes sharing the store see it when they next read the endpoints
 *  (rh_config_set_endpoint_refresh_ms). Same codes as remove.
 *  @since 0.2.0 */
RH_EXTERN int rh_endpoint_pause(rh_ctx *ctx, const char *endpoint_id);
/** Send to it again: its due deliveries go at the next tick. @since 0.2.0 */
RH_EXTERN int rh_endpoint_resume(rh_ctx *ctx, const char *endpoint_id);
/**
 * A new secret, written to secret_out. For grace_ms after now, requests
 * carry signatures by both the new and the previous secret; 0 drops the old
 * one at once. @return as rh_endpoint_add, plus RH_E_NOT_FOUND. @since 0.1.0
 */
RH_EXTERN int rh_endpoint_rotate_secret(rh_ctx *ctx, const char *endpoint_id,
                                        int64_t grace_ms, char *secret_out,
                                        size_t secret_size);
/**
 * Set (or with value NULL remove) a custom request header of an endpoint,
 * e.g. an API key the receiver wants. The name is an RFC 9110 token and not
 * one we set (Host, Content-Length, Content-Type, Transfer-Encoding,
 * Connection, User-Agent, Expect, X-Replicer-*, webhook-*); the value has no
 * CR, LF, NUL or other control character, at most 1024 bytes; at most 32
 * headers. Copied; stored with the endpoint.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOT_FOUND (endpoint, or the header
 *         to remove), RH_E_STORAGE, RH_E_NOMEM, RH_E_REENTRANT.
 * @since 0.1.0
 */
RH_EXTERN int rh_endpoint_set_header(rh_ctx *ctx, const char *endpoint_id,
                                     const char *name, const char *value);
/* Per-endpoint settings, stored with the endpoint, each overriding the
 * context's while set. Every setter returns RH_OK, RH_E_INVALID_ARG (a value
 * out of range, named in rh_ctx_last_error), RH_E_NOT_FOUND, RH_E_STORAGE
 * or RH_E_REENTRANT. @since 0.2.0 */
/** Whole-transfer timeout, 1 ms to 10 minutes; 0: the context's. */
RH_EXTERN int rh_endpoint_set_timeout_ms(rh_ctx *ctx, const char *endpoint_id,
                                         int64_t ms);
/** Delays before each retry (n from 0 to 32, each 0 to 30 days; copied);
 *  delays_ms NULL: the context's schedule again. */
RH_EXTERN int rh_endpoint_set_retry_schedule(rh_ctx *ctx,
                                             const char *endpoint_id,
                                             const int64_t *delays_ms,
                                             size_t n);
/** Transfers in flight at once to it, 1 to 100000; 0: the context's. */
RH_EXTERN int rh_endpoint_set_max_in_flight(rh_ctx *ctx,
                                            const char *endpoint_id, size_t n);
/** At most this many requests a second (0.001 to 100000; 0: no limit), a
 *  token bucket holding a second's worth, enforced by the claim. Each
 *  context (each worker process) keeps its own bucket: N workers on one
 *  store send up to N times the rate (docs/design.md). */
RH_EXTERN int rh_endpoint_set_rate_limit(rh_ctx *ctx, const char *endpoint_id,
                                         double per_second);
/** The HTTP version to this receiver, an rh_http_version; DEFAULT: the
 *  context's. RH_HTTP_VERSION_1_1 keeps one receiver on HTTP/1.1 when the
 *  context offers h2. @since 0.3.0 */
RH_EXTERN int rh_endpoint_set_http_version(rh_ctx *ctx,
                                           const char *endpoint_id,
                                           int version);
/** A client certificate (PEM, with its chain if any) and its unencrypted
 *  private key (PEM) presented to this endpoint's receiver in the TLS
 *  handshake; both copied, or both NULL to remove them. Stored with the
 *  endpoint; the key is sealed like the secrets when a sealing key is set.
 *  Given to libcurl as in-memory blobs, never written to a file.
 *  @since 0.2.0 */
RH_EXTERN int rh_endpoint_set_client_cert(rh_ctx *ctx, const char *endpoint_id,
                                          const char *cert_pem,
                                          const char *key_pem);
/** 1 when it has a client certificate. @since 0.2.0 */
RH_EXTERN int rh_endpoint_has_client_cert(const rh_endpoint *ep);
/** The endpoint's own timeout; 0: it follows the context's. */
RH_EXTERN int64_t rh_endpoint_timeout_ms(const rh_endpoint *ep);
/** Its own in-flight cap; 0: it follows the context's. */
RH_EXTERN size_t rh_endpoint_max_in_flight(const rh_endpoint *ep);
/** Its rate limit in requests a second; 0: none. */
RH_EXTERN double rh_endpoint_rate_limit(const rh_endpoint *ep);
/** Its own HTTP version (rh_http_version); DEFAULT: the context's.
 *  @since 0.3.0 */
RH_EXTERN int rh_endpoint_http_version(const rh_endpoint *ep);
/** Copy up to cap of its own retry delays into out. @return how many it
 *  has (may exceed cap), RH_E_NOT_FOUND when it follows the context's
 *  schedule, RH_E_INVALID_ARG. */
RH_EXTERN int rh_endpoint_retry_schedule(const rh_endpoint *ep, int64_t *out,
                                         size_t cap);
/** Borrow an endpoint: valid until the next call on ctx. @return RH_OK,
 *  RH_E_NOT_FOUND, RH_E_INVALID_ARG. @since 0.1.0 */
RH_EXTERN int rh_endpoint_get(rh_ctx *ctx, const char *endpoint_id,
                              const rh_endpoint **ep_out);
/** Call cb for each endpoint, oldest first. @return the number visited or
 *  cb's negative value, RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.1.0 */
RH_EXTERN int rh_endpoint_list(rh_ctx *ctx, rh_endpoint_cb cb, void *userdata);
/* Endpoint getters (callback-safe; the endpoint is borrowed). */
RH_EXTERN const char *rh_endpoint_id(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_url(const rh_endpoint *ep);
RH_EXTERN size_t rh_endpoint_event_count(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_event(const rh_endpoint *ep, size_t i);
RH_EXTERN int rh_endpoint_enabled(const rh_endpoint *ep);
/** 1 while paused (rh_endpoint_pause). @since 0.2.0 */
RH_EXTERN int rh_endpoint_paused(const rh_endpoint *ep);
RH_EXTERN int64_t rh_endpoint_created_ms(const rh_endpoint *ep);
/** RH_DISABLED_NOT while enabled, else why it was disabled. @since 0.2.0 */
RH_EXTERN int rh_endpoint_disabled_reason(const rh_endpoint *ep);
/** The mode of the context that added it (rh_mode): a production context
 *  holds a development endpoint's deliveries. @since 0.2.0 */
RH_EXTERN int rh_endpoint_mode(const rh_endpoint *ep);
/* Health, kept by the contexts that deliver to it and stored at most once
 * a minute per endpoint (a reader in another process may be that late). */
/** When its last successful attempt ended; 0: none yet. @since 0.2.0 */
RH_EXTERN int64_t rh_endpoint_last_success_ms(const rh_endpoint *ep);
/** When its first failed attempt since the last success started; 0: not
 *  failing. @since 0.2.0 */
RH_EXTERN int64_t rh_endpoint_failing_since_ms(const rh_endpoint *ep);
/** Deliveries failed for good since the last success. @since 0.2.0 */
RH_EXTERN int64_t rh_endpoint_failed_in_a_row(const rh_endpoint *ep);
/** "disabled", "enabled", "recovered", "failing", "paused", "resumed",
 *  "held"; "unknown" for any other value. @since 0.2.0 */
RH_EXTERN const char *rh_endpoint_change_name(int change);
/**
 * An endpoint's health as the store's log says it now, whichever process
 * delivered: when its last successful attempt ended (0: none), when its
 * attempts began failing after that (0: they are not), and how many of its
 * deliveries failed for good since that success. Where the getters above
 * give what the delivering contexts stored (at most once a minute), this
 * reads the log (an index seek for a healthy endpoint); on a store without
 * the endpoint_health slot, or when retention pruned the log past what a
 * context stored, it gives the stored health. Any out pointer may be NULL.
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_NOT_FOUND, RH_E_STORAGE,
 * RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_endpoint_health(rh_ctx *ctx, const char *endpoint_id,
                                 int64_t *last_success_ms,
                                 int64_t *failing_since_ms,
                                 int64_t *failed_in_a_row);
/** "", "host", "gone", "failing"; "unknown" for any other value.
 *  @since 0.2.0 */
RH_EXTERN const char *rh_disabled_reason_name(int reason);
RH_EXTERN size_t rh_endpoint_header_count(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_header_name(const rh_endpoint *ep,
                                              size_t i);
RH_EXTERN const char *rh_endpoint_header_value(const rh_endpoint *ep,
                                               size_t i);

/* ------------------------------------------------------------------ emit */

/**
 * Emit an event: type is 1 to 128 of [A-Za-z0-9_.-]; json is one JSON
 * object (json_len bytes of UTF-8, no duplicate keys), validated and sent
 * as given: the envelope's "data" carries these bytes unchanged (numbers,
 * escapes, key order and whitespace as the host wrote them). One delivery is
 * queued, atomically, for each enabled endpoint subscribed to the type; they
 * are in storage when this returns. The event id goes to id_out (may be
 * NULL when id_size is 0).
 * @return the number of deliveries queued (0 when nobody subscribes),
 *         RH_E_INVALID_ARG, RH_E_BUFFER (id_size is not 0 and id_out is
 *         NULL or smaller than RH_ID_SIZE), RH_E_TOO_LARGE (over
 *         rh_config_set_max_data_bytes()), RH_E_FULL (pending cap: nothing
 *         was queued), RH_E_NOMEM, RH_E_STORAGE, RH_E_CRYPTO,
 *         RH_E_REENTRANT.
 * @since 0.1.0
 */
RH_EXTERN int rh_emit(rh_ctx *ctx, const char *type, const char *json,
                      size_t json_len, char *id_out, size_t id_size);

/** The longest idempotency key, in bytes. @since 0.2.0 */
#define RH_IDEMPOTENCY_KEY_MAX 255
/** The longest ordering key, in bytes. @since 0.2.0 */
#define RH_ORDERING_KEY_MAX 255
/** What a delivery of an ordering key that fails for good does to the key
 *  (rh_emit_options_set_ordering_key). @since 0.2.0 */
typedef enum rh_ordering_policy {
    RH_ORDERING_CONTINUE = 0, /* the next delivery of the key goes */
    RH_ORDERING_HOLD = 1      /* the key waits for rh_delivery_resend or
                                 rh_delivery_skip of the failed one */
} rh_ordering_policy;

/**
 * Options for one emit (rh_emit_with), set through typed setters so that
 * later options need no new emit function. One handle may serve many
 * emits; it is not used after rh_emit_with returns. @since 0.2.0
 */
typedef struct rh_emit_options rh_emit_options;
/** @return RH_OK, RH_E_INVALID_ARG (out is NULL), RH_E_NOMEM. */
RH_EXTERN int rh_emit_options_new(rh_emit_options **out);
RH_EXTERN void rh_emit_options_free(rh_emit_options *opts);
/** The emit's idempotency key: 1 to RH_IDEMPOTENCY_KEY_MAX bytes of
 *  printable ASCII (space to tilde); NULL: none. A second emit with the
 *  same key within the idempotency window queues nothing, returns 0 and
 *  hands back the first event's id; the store decides it, so it holds
 *  across restarts and across processes sharing a SQLite file or a
 *  PostgreSQL database. @return RH_OK, RH_E_INVALID_ARG. @since 0.2.0 */
RH_EXTERN int rh_emit_options_set_idempotency_key(rh_emit_options *opts,
                                                  const char *key);
/** Send to this endpoint only, whatever it subscribes to (NULL: to every
 *  subscriber). A disabled endpoint gets nothing, as an unsubscribed type
 *  does. @return RH_OK, RH_E_INVALID_ARG (not an id). @since 0.2.0 */
RH_EXTERN int rh_emit_options_set_endpoint(rh_emit_options *opts,
                                           const char *endpoint_id);

/** The most bytes of a traceparent, its NUL included. @since 0.3.0 */
#define RH_TRACEPARENT_SIZE 56
/** The most characters of a tracestate. @since 0.3.0 */
#define RH_TRACESTATE_MAX 512
/** W3C Trace Context for the event, stored with it: a traceparent
 *  ("00-", 32 lower-case hex digits of trace id, "-", 16 of parent id,
 *  "-", 2 of flags; neither id all zeros) and a tracestate (NULL, or 1 to
 *  RH_TRACESTATE_MAX printable ASCII characters, passed on as given).
 *  Every attempt of each of its deliveries sends "traceparent:
 *  00-<trace id>-<a span id of the attempt's own>-<flags>" and the
 *  tracestate; rh_attempt_traceparent() tells the attempt callback which.
 *  traceparent NULL: none. @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0 */
RH_EXTERN int rh_emit_options_set_trace_context(rh_emit_options *opts,
                                                const char *traceparent,
                                                const char *tracestate);

/** Deliveries of one ordering key to one endpoint go one at a time, in
 *  emit order: the next starts only when the one before succeeded or
 *  failed for good (then as the policy says). A key that is retrying holds
 *  back that key of that endpoint only. 1 to RH_ORDERING_KEY_MAX bytes of
 *  printable ASCII; NULL: none. @return RH_OK, RH_E_INVALID_ARG.
 *  @since 0.2.0 */
RH_EXTERN int rh_emit_options_set_ordering_key(rh_emit_options *opts,
                                               const char *key, int policy);

/**
 * rh_emit with options (NULL: none, the same as rh_emit).
 * @return as rh_emit; also RH_E_NOT_FOUND (the options' endpoint is
 *         unknown), RH_E_STATE (an idempotency key inside an emit batch
 *         of a store whose batch answers only at the commit: PostgreSQL
 *         on its own connection, or a host table without batch_keys),
 *         RH_E_UNSUPPORTED (a host store without the enqueue_keyed slot,
 *         given a key). A repeated idempotency key returns 0 with the first
 *         event's id in id_out, and rh_ctx_last_emit_duplicate() says so.
 * @since 0.2.0
 */
RH_EXTERN int rh_emit_with(rh_ctx *ctx, const char *type, const char *json,
                           size_t json_len, const rh_emit_options *opts,
                           char *id_out, size_t id_size);
/** 1 when the last rh_emit_with on ctx queued nothing because its
 *  idempotency key was used within the window; else 0. @since 0.2.0 */
RH_EXTERN int rh_ctx_last_emit_duplicate(const rh_ctx *ctx);

/**
 * Group emits into one commit: the events emitted until
 * rh_emit_batch_commit() are made durable together by the storage (one
 * transaction, one fsync on SQLite) instead of one commit each. Each emit is
 * still all or none by itself. While a batch is open rh_tick() drives the
 * transfers in flight but claims nothing and stores no outcome (they wait
 * in memory). A store without batches (the memory store) makes this a no-op.
 * @return RH_OK, RH_E_STATE (a batch is open already), RH_E_STORAGE,
 *         RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.2.0
 */
RH_EXTERN int rh_emit_batch_begin(rh_ctx *ctx);
/**
 * Commit the open batch. Only when this returns RH_OK are its events
 * durable; on RH_E_STORAGE none of them is (the store rolled them back) and
 * the batch is closed: emit them again. An emit that fails inside a batch
 * fails the whole batch on SQLite and PostgreSQL (its commit then rolls
 * back and returns RH_E_STORAGE); PostgreSQL on its own connection sends a
 * batch's emits in one pipeline and may learn of the failure only here,
 * after every emit returned its count.
 * @return RH_OK, RH_E_STATE (no batch is open), RH_E_STORAGE,
 *         RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.2.0
 */
RH_EXTERN int rh_emit_batch_commit(rh_ctx *ctx);

/* ---------------------------------------------------------- the delivery */

/**
 * Do what is due, without blocking: advance libcurl (every timeout is
 * enforced first, whatever storage does), store finished outcomes in one
 * batch, claim due deliveries up to the caps and start their transfers.
 * Storage that fails or is busy never stops the transfers: outcomes wait in
 * memory (bounded by the in-flight cap) and are stored, in order, with their
 * real status and duration, on a later tick; no new claim is made until
 * they are, and storage is tried again after a short backoff (see
 * rh_next_timeout_ms()).
 * @return the number of attempts finished in this call, RH_E_STORAGE (the
 *         store failed or was busy in this call; the transfers went on and
 *         nothing is lost: keep ticking), RH_E_NOMEM, RH_E_REENTRANT,
 *         RH_E_INVALID_ARG. @since 0.1.0
 */
RH_EXTERN int rh_tick(rh_ctx *ctx);
/** Milliseconds until rh_tick() has work (0: now), or -1 when nothing is
 *  pending or in flight. @since 0.1.0 */
RH_EXTERN int64_t rh_next_timeout_ms(const rh_ctx *ctx);
/**
 * For hosts without an event loop: sleep until a transfer has news, or
 * until rh_next_timeout_ms(), at most max_wait_ms (-1: no bound but that).
 * Returns at once when the clock is not the system clock (tests).
 * @return RH_OK, RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.1.0
 */
RH_EXTERN int rh_wait(rh_ctx *ctx, int64_t max_wait_ms);

/* ------------------------------------------------------------------- log */

/** Attempts matching q (NULL: the first 100), oldest first, to cb.
 *  @return how many, or RH_E_STORAGE, RH_E_INVALID_ARG, RH_E_REENTRANT, or
 *  cb's negative value. @since 0.1.0 */
RH_EXTERN int rh_log_attempts(rh_ctx *ctx, const rh_query *q, rh_attempt_cb cb,
                              void *userdata);
/** Deliveries matching q (endpoint, event, state, time of creation). */
RH_EXTERN int rh_log_deliveries(rh_ctx *ctx, const rh_query *q,
                                rh_delivery_cb cb, void *userdata);
/** Prune now: remove at most max (1 to 100000) finished deliveries last
 *  updated more than older_than_ms ago (0 or more, on the context's clock),
 *  with their attempts and the events no other delivery needs, in one
 *  short transaction. Pending and in-flight deliveries are never pruned.
 *  Call again while it returns max. @return how many were removed,
 *  RH_E_UNSUPPORTED (the store has no prune slot), RH_E_INVALID_ARG,
 *  RH_E_STORAGE, RH_E_REENTRANT. @since 0.2.0 */
RH_EXTERN int rh_prune(rh_ctx *ctx, int64_t older_than_ms, size_t max);
/** Let a failed delivery go of the ordering key it holds (it was emitted
 *  with RH_ORDERING_HOLD), so that the key's next delivery goes; it stays
 *  failed. @return RH_OK, RH_E_NOT_FOUND, RH_E_STATE (not failed, or it
 *  holds nothing), RH_E_UNSUPPORTED (a store without the skip slot),
 *  RH_E_STORAGE, RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.2.0 */
RH_EXTERN int rh_delivery_skip(rh_ctx *ctx, const char *delivery_id);
/** Send a failed delivery again, now, with a fresh schedule.
 *  @return RH_OK, RH_E_NOT_FOUND, RH_E_STATE (not failed), RH_E_STORAGE,
 *  RH_E_INVALID_ARG, RH_E_REENTRANT. @since 0.1.0 */
RH_EXTERN int rh_delivery_resend(rh_ctx *ctx, const char *delivery_id);
/** Resend every failed delivery of an endpoint created at or after since_ms.
 *  @return how many, RH_E_NOT_FOUND (unknown endpoint), RH_E_STORAGE, ...
 *  @since 0.1.0 */
RH_EXTERN int rh_endpoint_recover(rh_ctx *ctx, const char *endpoint_id,
                                  int64_t since_ms);
/**
 * Bulk recovery, after an outage: resend every failed delivery that q's
 * endpoint, event, event type (or pattern) and creation time range select,
 * each unset meaning any (an empty query recovers every failed delivery),
 * in one transaction.
 * @return how many, RH_E_INVALID_ARG (q is NULL, or sets a status, an
 *         outcome, a delivery or a state, which recovery cannot honour),
 *         RH_E_UNSUPPORTED (a host's store without recover_matching, asked
 *         for more than an endpoint and a start), RH_E_FULL, RH_E_STORAGE,
 *         RH_E_REENTRANT. @since 0.2.0
 */
RH_EXTERN int rh_recover(rh_ctx *ctx, const rh_query *q);

/* --------------------------------------------------------------- signing */

/**
 * Sign as a sender: writes "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"
 * to sig_out, where key is the base64 part of secret after "whsec_".
 * @return RH_OK, RH_E_INVALID_ARG (bad secret, id with a '.'), RH_E_BUFFER
 *         (sig_out NULL or too small; RH_E_INVALID_ARG before 0.2.0).
 * @since 0.1.0
 */
RH_EXTERN int rh_sign(const char *secret, const char *msg_id,
                      int64_t timestamp_s, const char *body, size_t body_len,
                      char *sig_out, size_t sig_size);
/**
 * Verify as a receiver: the header is a space-separated list of "v1,<sig>"
 * (other versions are skipped); MACs are compared in constant time; the
 * timestamp (decimal Unix seconds) must be within tolerance_s of now_s
 * (RH_VERIFY_TOLERANCE_S is the usual value).
 * @return RH_OK, RH_E_SIGNATURE (no signature matches), RH_E_TIMESTAMP,
 *         RH_E_INVALID_ARG (bad secret, timestamp not a number, empty or
 *         malformed header). @since 0.1.0
 */
RH_EXTERN int rh_verify(const char *secret, const char *msg_id,
                        const char *timestamp, const char *signature_header,
                        const char *body, size_t body_len, int64_t now_s,
                        int64_t tolerance_s);

RH_END_DECLS

#include "rh_account.h"
#include "rh_catalog.h"
#include "rh_emitter.h"
#include "rh_portal.h"

#endif /* RH_H */
