/* replicer-hooks accounts: one store serving a SaaS with many customer
 * accounts. A tenant (the host's account id) on endpoints and emits keeps
 * each account's events, log and keys to itself; endpoints carry a name,
 * a description and labels, and can be edited in place. Included by rh.h;
 * docs/design.md says how the tenant goes through the fan-out. */
#ifndef RH_ACCOUNT_H
#define RH_ACCOUNT_H

#include "rh_common.h"

RH_BEGIN_DECLS

/* ---------------------------------------------------------------- tenants */

/**
 * Require a tenant: from then on rh_emit_with without
 * rh_emit_options_set_tenant, and rh_endpoint_add* without
 * rh_endpoint_options_set_tenant, are refused (RH_E_INVALID_ARG,
 * RH_ARG_TENANT, RH_REFUSAL_TENANT_REQUIRED), so that a forgotten argument
 * cannot send one account's events to the endpoints that belong to no
 * account. Off by default. @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0
 */
RH_EXTERN int rh_config_set_tenant_required(rh_config *cfg, int required);

/**
 * At most this many deliveries of one tenant in flight at once in this
 * context (1 to 100000; 0, the default: no cap but the context's), so that
 * a tenant with a deep backlog leaves room for the others however small
 * the claims. The claim skips a tenant at its cap without reading its rows.
 * Deliveries of no tenant count as one more tenant.
 * @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0
 */
RH_EXTERN int rh_config_set_max_in_flight_per_tenant(rh_config *cfg,
                                                     size_t n);

/**
 * Emit for a tenant (1 to RH_TENANT_MAX of visible ASCII; NULL: none): the
 * event goes only to that tenant's subscribed endpoints, its idempotency
 * key is the tenant's own, and a target endpoint
 * (rh_emit_options_set_endpoint) of another tenant is unknown to it. An
 * emit without a tenant goes only to endpoints without one.
 * @return RH_OK, RH_E_INVALID_ARG. @since 0.3.0
 */
RH_EXTERN int rh_emit_options_set_tenant(rh_emit_options *opts,
                                         const char *tenant);

/**
 * Remove every endpoint of a tenant, those other processes sharing the
 * store added included, as rh_endpoint_remove does one (their secrets
 * wiped; their pending deliveries fail for good when due, with no attempt
 * made, and stay in the log until retention prunes them). Idempotent: a
 * tenant with no endpoint left removes nothing. A tenant's log is read
 * and recovered through rh_query_set_tenant (rh_storage.h).
 * @return how many endpoints went, RH_E_INVALID_ARG, RH_E_STORAGE (those
 *         removed before the failure stay removed: call again),
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_tenant_remove(rh_ctx *ctx, const char *tenant);

/**
 * rh_delivery_resend for a tenant's view: RH_E_NOT_FOUND when the delivery
 * is not that tenant's, whatever it is. @return as rh_delivery_resend.
 * @since 0.3.0
 */
RH_EXTERN int rh_tenant_resend(rh_ctx *ctx, const char *tenant,
                               const char *delivery_id);

/* ------------------------------------------------------- endpoint options */

/** The longest name, description, label key and value, in bytes, and the
 *  most labels of an endpoint. @since 0.3.0 */
#define RH_ENDPOINT_NAME_MAX 128
#define RH_ENDPOINT_DESCRIPTION_MAX 1024
#define RH_LABEL_KEY_MAX 64
#define RH_LABEL_VALUE_MAX 256
#define RH_ENDPOINT_LABELS_MAX 16

/**
 * What an endpoint is added with beyond its URL and events, set through
 * typed setters (as rh_emit_options). One handle may serve many adds.
 * Each setter returns RH_OK, RH_E_INVALID_ARG (the value breaks the rule
 * its setter gives) or RH_E_NOMEM. @since 0.3.0
 */
typedef struct rh_endpoint_options rh_endpoint_options;
/** A handle with nothing set. @return RH_OK, RH_E_INVALID_ARG (out is
 *  NULL), RH_E_NOMEM. */
RH_EXTERN int rh_endpoint_options_new(rh_endpoint_options **out);
/** Free it (its secret wiped); NULL is a no-op. */
RH_EXTERN void rh_endpoint_options_free(rh_endpoint_options *opts);
/** The tenant it belongs to (as rh_emit_options_set_tenant; NULL: none). */
RH_EXTERN int rh_endpoint_options_set_tenant(rh_endpoint_options *opts,
                                             const char *tenant);
/** A name people know it by: UTF-8 without control characters, at most
 *  RH_ENDPOINT_NAME_MAX bytes; NULL or "": none. */
RH_EXTERN int rh_endpoint_options_set_name(rh_endpoint_options *opts,
                                           const char *name);
/** A description: as a name, with newlines and tabs, at most
 *  RH_ENDPOINT_DESCRIPTION_MAX bytes. */
RH_EXTERN int rh_endpoint_options_set_description(rh_endpoint_options *opts,
                                                  const char *text);
/** A label: key 1 to RH_LABEL_KEY_MAX of [A-Za-z0-9_.-], value UTF-8
 *  without control characters, at most RH_LABEL_VALUE_MAX bytes (NULL:
 *  remove the key); at most RH_ENDPOINT_LABELS_MAX. */
RH_EXTERN int rh_endpoint_options_set_label(rh_endpoint_options *opts,
                                            const char *key,
                                            const char *value);
/** A secret of yours (as rh_endpoint_add_with_secret; NULL: one is
 *  generated), copied. */
RH_EXTERN int rh_endpoint_options_set_secret(rh_endpoint_options *opts,
                                             const char *secret);

/**
 * rh_endpoint_add with options (NULL: none). secret_out receives the
 * generated secret (RH_SECRET_SIZE bytes); with a secret in the options it
 * may be NULL with secret_size 0. @return as rh_endpoint_add; also
 * RH_E_INVALID_ARG with RH_ARG_TENANT and RH_REFUSAL_TENANT_REQUIRED (no
 * tenant while one is required). @since 0.3.0
 */
RH_EXTERN int rh_endpoint_add_with(rh_ctx *ctx, const char *url,
                                   const char *const *events, size_t n_events,
                                   const rh_endpoint_options *opts,
                                   char *id_out, size_t id_size,
                                   char *secret_out, size_t secret_size);

/* ---------------------------------------------------------- endpoint edits */
/* An endpoint changed in place: its id, secret, tenant and log stay. The
 * change is stored before the call returns and other processes sharing the
 * store see it within their refresh (rh_config_set_endpoint_refresh_ms).
 * Each returns RH_OK, RH_E_INVALID_ARG (named by rh_ctx_last_error_arg),
 * RH_E_NOT_FOUND, RH_E_STORAGE (nothing changed), RH_E_NOMEM or
 * RH_E_REENTRANT. @since 0.3.0 */

/** A new URL, checked as rh_endpoint_add checks one (https only in
 *  production). The endpoint takes this context's mode. */
RH_EXTERN int rh_endpoint_set_url(rh_ctx *ctx, const char *endpoint_id,
                                  const char *url);
/** New subscriptions (as rh_endpoint_add's), for the next emit on. */
RH_EXTERN int rh_endpoint_set_events(rh_ctx *ctx, const char *endpoint_id,
                                     const char *const *events,
                                     size_t n_events);
/** Its name (NULL or "": none; the options' rule). */
RH_EXTERN int rh_endpoint_set_name(rh_ctx *ctx, const char *endpoint_id,
                                   const char *name);
/** Its description (NULL or "": none). */
RH_EXTERN int rh_endpoint_set_description(rh_ctx *ctx, const char *endpoint_id,
                                          const char *text);
/** Set a label, or remove it with value NULL (RH_E_NOT_FOUND when it has
 *  no such label). */
RH_EXTERN int rh_endpoint_set_label(rh_ctx *ctx, const char *endpoint_id,
                                    const char *key, const char *value);

/* Getters (callback-safe; the endpoint is borrowed). "" when unset.
 * @since 0.3.0 */
RH_EXTERN const char *rh_endpoint_tenant(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_name(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_description(const rh_endpoint *ep);
/** Its labels, sorted by key: how many, and the i-th key and value ("" out
 *  of range). */
RH_EXTERN size_t rh_endpoint_label_count(const rh_endpoint *ep);
RH_EXTERN const char *rh_endpoint_label_key(const rh_endpoint *ep, size_t i);
RH_EXTERN const char *rh_endpoint_label_value(const rh_endpoint *ep,
                                              size_t i);

/**
 * rh_prune for one tenant: its deliveries that finished (succeeded or
 * failed) more than older_than_ms ago, at most max (1 to 100000), with
 * their attempts, and their events when no other delivery needs them; no
 * other tenant's row is read or removed. Call again while it returns max.
 * @return how many deliveries went, or RH_E_INVALID_ARG (RH_ARG_TENANT),
 *         RH_E_UNSUPPORTED (a store without prune_tenant), RH_E_STORAGE,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_tenant_prune(rh_ctx *ctx, const char *tenant,
                              int64_t older_than_ms, size_t max);

/* ----------------------------------------------------------- tenant limits */

/** A limit a host sets on one tenant (rh_tenant_set_limit). @since 0.3.0 */
typedef enum rh_tenant_limit_kind {
    /* endpoints it may have: an add past it is refused (RH_E_FULL) */
    RH_TENANT_MAX_ENDPOINTS = 0,
    /* its deliveries pending or in flight, in the whole store: an emit
     * that would pass it is refused (RH_E_FULL) and queues nothing */
    RH_TENANT_MAX_PENDING = 1,
    /* its deliveries in flight at once, in each context */
    RH_TENANT_MAX_IN_FLIGHT = 2,
    /* its deliveries started per second, in each context (a burst of one
     * second's worth) */
    RH_TENANT_RATE = 3,
    RH_TENANT_LIMIT_COUNT = 4 /* how many there are */
} rh_tenant_limit_kind;

/** The most any limit may be. @since 0.3.0 */
#define RH_TENANT_LIMIT_MAX 1000000000

/** "max_endpoints", "max_pending", "max_in_flight", "rate"; NULL past the
 *  last. @since 0.3.0 */
RH_EXTERN const char *rh_tenant_limit_name(int kind);

/**
 * Set one limit of a tenant (value 1 to RH_TENANT_LIMIT_MAX; 0 removes
 * it), stored with the catalog for every process sharing the store; other
 * processes follow within their endpoint refresh. A tenant's limits are
 * its own: no other tenant's emits, adds or claims are slowed by them.
 * The pending count is the store's (count_open), read at most once a
 * second per tenant while the tenant is far from its limit and at every
 * emit near it; the endpoint count is this context's copy of the
 * endpoints.
 * @return RH_OK, RH_E_INVALID_ARG (RH_ARG_TENANT, RH_ARG_VALUE),
 *         RH_E_UNSUPPORTED (a store without the document slots, or without
 *         count_open for RH_TENANT_MAX_PENDING), RH_E_STORAGE,
 *         RH_E_REENTRANT. @since 0.3.0
 */
RH_EXTERN int rh_tenant_set_limit(rh_ctx *ctx, const char *tenant, int kind,
                                  int64_t value);

/** A tenant's limit as the store holds it now, into *value_out (0: none).
 *  @return RH_OK, RH_E_INVALID_ARG, RH_E_STORAGE, RH_E_REENTRANT.
 *  @since 0.3.0 */
RH_EXTERN int rh_tenant_get_limit(rh_ctx *ctx, const char *tenant, int kind,
                                  int64_t *value_out);

RH_END_DECLS

#endif /* RH_ACCOUNT_H */
