/* replicer-hooks emit: an event checked, fanned out to its endpoints (or the
 * one an option names) and stored, once per idempotency key; its options;
 * emit batches (the emit section of rh.h). */
#include "rh_base.h"
#include "rh_endpoint_record.h"
#include "rh_event_types.h"
#include "rh_json.h"
#include "rh_validate.h"

#include <stdio.h>
#include <string.h>

/* The endpoints an emit goes to: the one the options name (if enabled,
 * and of the emit's tenant: another tenant's is unknown to it), or every
 * enabled subscriber of the tenant. */
static int targets(rh_ctx *ctx, const char *type, const rh_emit_options *opts,
                   rh_endpoint ***matched, size_t *n)
{
    const char *tenant = opts ? opts->tenant : "";
    if (!opts || !opts->endpoint[0])
        return rh__ctx_match(ctx, tenant, type, matched, n) == RH_OK
                   ? RH_OK
                   : rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, opts->endpoint);
    if (!ep || strcmp(rh__endpoint_tenant(ep), tenant) != 0)
        return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_UNKNOWN_ID, "no endpoint %s%s%s",
                              opts->endpoint, tenant[0] ? " for tenant " : "",
                              tenant);
    *n = 0;
    if (!ep->enabled)
        return RH_OK;
    if (!(*matched = rh__malloc(&ctx->alloc, sizeof **matched)))
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    (*matched)[(*n)++] = ep;
    return RH_OK;
}

/* The store's enqueue, or its idempotent one: 1 when the key was held (the
 * first event's id is then in event_id), else 0 or a negative code. A
 * tenant's key is its own: the store sees the tenant, 0x1F and the key
 * (a key is printable ASCII, so no tenantless key looks like one). */
static int store_event(rh_ctx *ctx, const rh_event *ev,
                       const rh_delivery *const *ptrs, size_t n,
                       const char *key, char *event_id)
{
    char scoped[RH_TENANT_MAX + 1 + RH_IDEMPOTENCY_KEY_MAX + 1];
    if (key && key[0] && ev->tenant[0]) {
        snprintf(scoped, sizeof scoped, "%s\x1f%s", ev->tenant, key);
        key = scoped;
    }
    int rc = rh__store_enqueue(&ctx->store, ev, ptrs, n, key,
                               rh_event_timestamp_ms(ev) -
                                   ctx->s.idempotency_window_ms,
                               event_id);
    return rh__ctx_store_failed(ctx, rc);
}

int rh_emit(rh_ctx *ctx, const char *type, const char *json, size_t json_len,
            char *id_out, size_t id_size)
{
    return rh_emit_with(ctx, type, json, json_len, NULL, id_out, id_size);
}

int rh_ctx_last_emit_duplicate(const rh_ctx *ctx)
{
    return ctx ? ctx->last_emit_duplicate : 0;
}

/* An emit's arguments, and what it asks of the store, checked before
 * anything is made: RH_OK, or the code it fails with (the error set). */
static int check_emit(rh_ctx *ctx, const char *type, const char *json,
                      size_t json_len, const rh_emit_options *opts,
                      const char *id_out, size_t id_size)
{
    const char *key = opts ? opts->idempotency_key : "";
    char err[200];
    int rc;
    if (!type || !rh__event_type_valid(type))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENT_TYPE,
                              RH_REFUSAL_MALFORMED,
                              "event type must be 1 to %d characters of "
                              "[A-Za-z0-9_.-], dot-separated",
                              RH_TYPE_MAX);
    if ((rc = rh__catalog_check_emit(ctx, type)) != RH_OK)
        return rc;
    if (!json || json_len == 0)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_DATA,
                              RH_REFUSAL_MALFORMED, "data is empty");
    if (ctx->s.tenant_required && (!opts || !opts->tenant[0]))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_TENANT,
                              RH_REFUSAL_TENANT_REQUIRED,
                              "a tenant is required for every emit "
                              "(rh_config_set_tenant_required)");
    if (id_size && (!id_out || id_size < RH_ID_SIZE))
        return rh__ctx_refuse(ctx, RH_E_BUFFER, RH_ARG_OUTPUT,
                              RH_REFUSAL_TOO_LARGE,
                              "id_out needs RH_ID_SIZE bytes");
    if (json_len > ctx->s.max_data_bytes)
        return rh__ctx_refuse(ctx, RH_E_TOO_LARGE, RH_ARG_DATA,
                              RH_REFUSAL_TOO_LARGE,
                              "data is %zu bytes, over the limit of %zu "
                              "(rh_config_set_max_data_bytes)",
                              json_len, ctx->s.max_data_bytes);
    rc = rh__json_check_object(&ctx->alloc, json, json_len, err, sizeof err);
    if (rc == RH_E_NOMEM)
        return rh__ctx_error(ctx, rc, "out of memory");
    if (rc != RH_OK)
        return rh__ctx_refuse(ctx, rc, RH_ARG_DATA, RH_REFUSAL_MALFORMED, "%s",
                              err);
    if (key[0] && ctx->store.batch_open &&
        !rh__store_can(&ctx->store, RH__STORE_BATCH_KEYS))
        return rh__ctx_error(ctx, RH_E_STATE,
                             "an emit with an idempotency key cannot be in a "
                             "batch of this store: the store must answer "
                             "before it returns, and its batch answers only "
                             "at the commit");
    if (opts && opts->ordering_key[0] &&
        !rh__store_can(&ctx->store, RH__STORE_ORDERING))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage keeps no ordering keys (it has no "
                             "skip slot)");
    if (key[0] && !rh__store_can(&ctx->store, RH__STORE_KEYS))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage has no enqueue_keyed slot: it "
                             "cannot keep idempotency keys");
    return RH_OK;
}

/* The event, holding a copy of the host's bytes exactly as given, and the
 * options' ordering key. */
static int make_event(rh_ctx *ctx, rh_event **ev, const char *event_id,
                      const char *type, int64_t now, const char *json,
                      size_t json_len, const rh_emit_options *opts)
{
    int rc =
        rh__event_make(ev, &ctx->alloc, event_id, type, now, json, json_len);
    if (rc == RH_OK && opts && opts->ordering_key[0])
        rc = rh__event_set_ordering(*ev, opts->ordering_key,
                                    opts->ordering_hold);
    if (rc == RH_OK && opts)
        memcpy((*ev)->tenant, opts->tenant, sizeof opts->tenant);
    if (rc == RH_OK && opts && opts->traceparent[0])
        rc = rh_event_set_trace_context(*ev, opts->traceparent,
                                        opts->tracestate);
    return rc == RH_OK ? RH_OK
                       : rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
}

/* A pending delivery of ev for each of the n (at least one) endpoints, in
 * *dls, and the list of them the store takes, in *ptrs: both the caller's
 * to free, whatever this returns. They borrow ev's type and ordering key
 * (ev outlives them), so that an emit to many endpoints copies neither. */
static int make_deliveries(rh_ctx *ctx, rh_event *ev, int64_t now,
                           rh_endpoint **matched, size_t n, rh_delivery **dls,
                           const rh_delivery ***ptrs)
{
    *dls = rh__calloc(&ctx->alloc, n * sizeof **dls);
    *ptrs = rh__calloc(&ctx->alloc, n * sizeof **ptrs);
    if (!*dls || !*ptrs)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rh_delivery *d = &(*dls)[i];
        int rc = rh__ctx_new_id(ctx, "dlv_", d->id);
        if (rc != RH_OK)
            return rh__ctx_error(ctx, rc, "the random source failed");
        d->alloc = &ctx->alloc;
        memcpy(d->event_id, ev->id, sizeof d->event_id);
        memcpy(d->endpoint_id, matched[i]->id, sizeof matched[i]->id);
        d->event_type = ev->type;
        d->ordering_key = ev->ordering_key;
        memcpy(d->tenant, ev->tenant, sizeof d->tenant);
        d->state = RH_DELIVERY_PENDING;
        d->next_attempt_ms = now;
        d->created_ms = now;
        d->updated_ms = now;
        (*ptrs)[i] = d;
    }
    return RH_OK;
}

/* An event stored with n deliveries: counted, and the claim and the host's
 * timer told of the new work. Returns n. */
static int queued(rh_ctx *ctx, size_t n)
{
    if (n)
        ctx->claim_blocked = 0;
    ctx->stats[RH_STAT_EVENTS_EMITTED]++;
    ctx->stats[RH_STAT_DELIVERIES_QUEUED] += n;
    if (n)
        rh__ctx_update_timer(ctx);
    return (int)n;
}

int rh_emit_with(rh_ctx *ctx, const char *type, const char *json,
                 size_t json_len, const rh_emit_options *opts, char *id_out,
                 size_t id_size)
{
    const char *key = opts ? opts->idempotency_key : "";
    char event_id[RH_ID_SIZE];
    size_t n = 0;
    rh_event *ev = NULL;
    rh_delivery *dls = NULL;
    const rh_delivery **ptrs = NULL;
    rh_endpoint **matched = NULL;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    ctx->last_emit_duplicate = 0;
    rc = check_emit(ctx, type, json, json_len, opts, id_out, id_size);
    if (rc != RH_OK)
        return rc;
    rc = rh__ctx_new_id(ctx, opts && opts->test ? "tst_" : "evt_", event_id);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "the random source failed");
    int64_t now = rh__ctx_now(ctx);
    if ((rc = targets(ctx, type, opts, &matched, &n)) != RH_OK ||
        (rc = rh__tenant_check_emit(ctx, opts ? opts->tenant : "", n)) !=
            RH_OK)
        goto done;
    rc = make_event(ctx, &ev, event_id, type, now, json, json_len, opts);
    if (rc != RH_OK)
        goto done;
    if (n && (rc = make_deliveries(ctx, ev, now, matched, n, &dls, &ptrs)))
        goto done;
    if ((rc = store_event(ctx, ev, ptrs, n, key, event_id)) < 0)
        goto done;
    if (id_size)
        memcpy(id_out, event_id, sizeof event_id);
    if (rc == 1) { /* the key was used within the window: nothing queued */
        ctx->last_emit_duplicate = 1;
        rc = 0;
    } else {
        rc = queued(ctx, n);
        if (!opts || !opts->test) /* a test is not the host's emit */
            rh__catalog_emitted(ctx, type);
        rh__tenant_emitted(ctx, ev->tenant, n);
    }
done:
    rh__free(&ctx->alloc, ptrs);
    rh__free(&ctx->alloc, dls);
    rh__free(&ctx->alloc, matched);
    rh_event_free(ev);
    return rc;
}

/* ----------------------------------------------------------- emit options */

int rh_emit_options_new(rh_emit_options **out)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = rh__calloc(&rh__default_allocator, sizeof **out);
    return *out ? RH_OK : RH_E_NOMEM;
}

void rh_emit_options_free(rh_emit_options *opts)
{
    rh__free(&rh__default_allocator, opts);
}

/* A key is 1 to max bytes of printable ASCII, so that it prints, compares
 * the same in every store and needs no escaping anywhere. */
static int key_ok(const char *key, size_t max)
{
    size_t n = strlen(key);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (key[i] < 0x20 || key[i] > 0x7e)
            return 0;
    return 1;
}

int rh_emit_options_set_idempotency_key(rh_emit_options *opts, const char *key)
{
    if (!opts || (key && !key_ok(key, RH_IDEMPOTENCY_KEY_MAX)))
        return RH_E_INVALID_ARG;
    rh__strlcpy(opts->idempotency_key, key ? key : "",
                sizeof opts->idempotency_key);
    return RH_OK;
}

int rh_emit_options_set_ordering_key(rh_emit_options *opts, const char *key,
                                     int policy)
{
    if (!opts || (key && !key_ok(key, RH_ORDERING_KEY_MAX)) ||
        (policy != RH_ORDERING_CONTINUE && policy != RH_ORDERING_HOLD))
        return RH_E_INVALID_ARG;
    rh__strlcpy(opts->ordering_key, key ? key : "", sizeof opts->ordering_key);
    opts->ordering_hold = key && policy == RH_ORDERING_HOLD;
    return RH_OK;
}

int rh_emit_options_set_tenant(rh_emit_options *opts, const char *tenant)
{
    if (!opts || (tenant && !rh__tenant_valid(tenant)))
        return RH_E_INVALID_ARG;
    rh__strlcpy(opts->tenant, tenant ? tenant : "", sizeof opts->tenant);
    return RH_OK;
}

int rh_emit_options_set_trace_context(rh_emit_options *opts,
                                      const char *traceparent,
                                      const char *tracestate)
{
    if (!opts || (traceparent && !rh__traceparent_valid(traceparent)) ||
        (tracestate && (!traceparent || !rh__tracestate_valid(tracestate))))
        return RH_E_INVALID_ARG;
    rh__strlcpy(opts->traceparent, traceparent ? traceparent : "",
                sizeof opts->traceparent);
    rh__strlcpy(opts->tracestate, tracestate ? tracestate : "",
                sizeof opts->tracestate);
    return RH_OK;
}

int rh_emit_options_set_endpoint(rh_emit_options *opts, const char *endpoint_id)
{
    if (!opts || (endpoint_id && !rh__id_valid(endpoint_id)))
        return RH_E_INVALID_ARG;
    rh__strlcpy(opts->endpoint, endpoint_id ? endpoint_id : "",
                sizeof opts->endpoint);
    return RH_OK;
}

/* -------------------------------------------------------- emit batches */
/* Emits between begin and commit share one storage transaction (one sync
 * for many); the tick claims nothing while a batch is open. */

int rh_emit_batch_begin(rh_ctx *ctx)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (ctx->store.batch_open)
        return rh__ctx_error(ctx, RH_E_STATE, "a batch is open already");
    rc = rh__store_batch_begin(&ctx->store);
    return rc < 0 ? rh__ctx_store_failed(ctx, rc) : RH_OK;
}

int rh_emit_batch_commit(rh_ctx *ctx)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!ctx->store.batch_open)
        return rh__ctx_error(ctx, RH_E_STATE, "no batch is open");
    rc = rh__ctx_store_failed(ctx, rh__store_batch_commit(&ctx->store));
    ctx->claim_blocked = 0;
    rh__ctx_update_timer(ctx);
    return rc;
}
