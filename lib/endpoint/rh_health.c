/* replicer-hooks endpoint health: what each stored outcome says of its
 * endpoint (last success, failing since, deliveries failed in a row), the
 * automatic disable it leads to (410 Gone, or failing for too long),
 * health stored at most once a minute (rh_endpoint_state.c: a part of
 * its own, never the endpoint's record, on a store with the state slots),
 * and health read from the log now (rh_endpoint_health). */
#include "rh_base.h"
#include "rh_endpoint_record.h"

/* Health is exact in the context that delivers and stored now and then: a
 * write per outcome would double the durable stores' work. */
#define HEALTH_SAVE_MS 60000
/* On a store without the endpoint state slots, health goes into the whole
 * record: read the endpoints again first if the cache is older than this,
 * so that a pause or disable made meanwhile by another process is not
 * written back over (narrowed, not closed: the state slots close it). */
#define HEALTH_FRESH_MS 1000

/* Store what changed of ep's state: the disable not stored yet, then its
 * health. RH_E_NOT_FOUND: removed by another process, nothing to keep. */
static int save_health(rh_ctx *ctx, rh_endpoint *ep, int64_t now)
{
    int rc = RH_OK;
    /* in parts, the disable is a part of its own; else the one record
     * written for the health carries it too */
    if (ep->disable_unsaved_ms && rh__store_can(&ctx->store, RH__STORE_STATE))
        rc = rh__ctx_save_endpoint_state(ctx, ep, RH__PART_ENABLED);
    if (rc == RH_OK)
        rc = rh__ctx_save_endpoint_state(ctx, ep, RH__PART_HEALTH);
    if (rc != RH_OK && rc != RH_E_NOT_FOUND)
        return rc;
    ep->disable_unsaved_ms = 0;
    ep->health_dirty = 0;
    ep->health_saved_ms = now;
    return RH_OK;
}

/* Disabled by us, for a reason; stored at once. If the write fails the
 * endpoint is still disabled here, and the next health save stores it. */
static void auto_disable(rh_ctx *ctx, rh_endpoint *ep, int reason)
{
    if (!ep->enabled)
        return;
    ep->enabled = 0;
    ep->disabled_reason = reason;
    ep->health_dirty = 1;
    ep->disable_unsaved_ms = rh__ctx_now(ctx);
    save_health(ctx, ep, rh__ctx_now(ctx));
    rh__endpoint_tell(ctx, ep, RH_ENDPOINT_DISABLED);
}

void rh__health_note(rh_ctx *ctx, const rh_delivery *dl, const rh_attempt *at)
{
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, dl->endpoint_id);
    rh_health *h;
    if (!ep || !at)
        return; /* no attempt: failed unsent (gone or disabled) */
    h = &ep->health;
    ep->health_dirty = 1;
    if (at->success) {
        int recovered = h->failing_since_ms != 0;
        h->last_success_ms = dl->updated_ms; /* when it ended */
        h->failing_since_ms = 0;
        h->failed_in_a_row = 0;
        if (recovered)
            rh__endpoint_tell(ctx, ep, RH_ENDPOINT_RECOVERED);
        return;
    }
    if (!h->failing_since_ms) {
        h->failing_since_ms = at->started_ms;
        rh__endpoint_tell(ctx, ep, RH_ENDPOINT_FAILING);
    }
    if (dl->state == RH_DELIVERY_FAILED)
        h->failed_in_a_row++;
    if (at->status == 410)
        auto_disable(ctx, ep, RH_DISABLED_GONE);
    else if (ctx->s.auto_disable_ms > 0 &&
             rh__ctx_now(ctx) - h->failing_since_ms >= ctx->s.auto_disable_ms)
        auto_disable(ctx, ep, RH_DISABLED_FAILING);
}

static int save_due(const rh_endpoint *ep, int64_t now, int all)
{
    return ep->health_dirty &&
           (all || now - ep->health_saved_ms >= HEALTH_SAVE_MS);
}

/* Store the health that changed and was last stored a minute ago or more
 * (all: whatever changed, for rh_ctx_free). A failing store is left alone:
 * the next tick's outcomes try again. */
void rh__health_save_due(rh_ctx *ctx, int all)
{
    int64_t now = rh__ctx_now(ctx);
    size_t i;
    for (i = 0; i < ctx->n_eps && !save_due(ctx->eps[i], now, all); i++)
        ;
    if (i == ctx->n_eps)
        return;
    if (!rh__store_can(&ctx->store, RH__STORE_STATE) &&
        now - ctx->endpoints_loaded_ms >= HEALTH_FRESH_MS &&
        rh__ctx_load_endpoints(ctx) != RH_OK)
        return;
    for (i = 0; i < ctx->n_eps; i++) {
        rh_endpoint *ep = ctx->eps[i];
        if (!save_due(ep, now, all))
            continue;
        if (save_health(ctx, ep, now) != RH_OK)
            return;
    }
}

int64_t rh_endpoint_last_success_ms(const rh_endpoint *ep)
{
    return ep ? ep->health.last_success_ms : 0;
}
int64_t rh_endpoint_failing_since_ms(const rh_endpoint *ep)
{
    return ep ? ep->health.failing_since_ms : 0;
}
int64_t rh_endpoint_failed_in_a_row(const rh_endpoint *ep)
{
    return ep ? ep->health.failed_in_a_row : 0;
}
int rh_endpoint_disabled_reason(const rh_endpoint *ep)
{
    return ep && !ep->enabled ? ep->disabled_reason : RH_DISABLED_NOT;
}

const char *rh_endpoint_change_name(int change)
{
    static const char *const names[] = {"unknown",   "disabled", "enabled",
                                        "recovered", "failing",  "paused",
                                        "resumed",   "held"};
    return change > 0 && change < (int)(sizeof names / sizeof *names)
               ? names[change]
               : "unknown";
}

const char *rh_disabled_reason_name(int reason)
{
    static const char *const names[] = {"", "host", "gone", "failing"};
    return reason >= 0 && reason < (int)(sizeof names / sizeof *names)
               ? names[reason]
               : "unknown";
}

int rh_endpoint_health(rh_ctx *ctx, const char *endpoint_id,
                       int64_t *last_success_ms, int64_t *failing_since_ms,
                       int64_t *failed_in_a_row)
{
    int64_t h[3] = {0, 0, 0};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!endpoint_id || !*endpoint_id)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_MALFORMED, "endpoint_id is empty");
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, endpoint_id);
    if (!ep && rh__ctx_load_endpoints(ctx) == RH_OK)
        ep = rh__ctx_find_endpoint(ctx, endpoint_id);
    if (!ep)
        return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_UNKNOWN_ID, "no endpoint %s",
                              endpoint_id ? endpoint_id : "(null)");
    rc = rh__store_endpoint_health(&ctx->store, endpoint_id, h);
    if (rc < 0 && rc != RH_E_UNSUPPORTED)
        return rh__ctx_store_failed(ctx, rc);
    /* the log is the truth; the stored health only when the log holds
     * nothing of the endpoint (retention pruned it, or no such slot) */
    if (rc == RH_E_UNSUPPORTED || (!h[0] && !h[1] && !h[2])) {
        h[0] = ep->health.last_success_ms;
        h[1] = ep->health.failing_since_ms;
        h[2] = ep->health.failed_in_a_row;
    }
    if (last_success_ms)
        *last_success_ms = h[0];
    if (failing_since_ms)
        *failing_since_ms = h[1];
    if (failed_in_a_row)
        *failed_in_a_row = h[2];
    return RH_OK;
}
