/* replicer-hooks log: reading the delivery log (attempts and deliveries, a
 * page at a time, filtered), and acting on it: resend, skip, and recovery
 * of one endpoint's or many endpoints' failed deliveries. Each goes
 * to the store layer (the log section of rh.h). */
#include "rh_base.h"
#include "rh_endpoint_record.h"

#include <stdio.h>
#include <string.h>

typedef struct log_pass {
    const rh_query *q;
    rh_attempt_cb on_attempt;
    rh_delivery_cb on_delivery;
    void *userdata;
    int cb_rc;
    int passed;
} log_pass;

/* A host's own store may predate a filter (the event type, status or
 * outcome came in 0.2.0): what it should have left out is left out here,
 * so the host never sees a row its query excludes. */
static int pass_attempt(const rh_attempt *at, void *p)
{
    log_pass *lp = p;
    if (!rh__query_matches_attempt(lp->q, at))
        return RH_OK;
    int rc = lp->on_attempt(at, lp->userdata);
    if (rc < 0)
        lp->cb_rc = rc;
    lp->passed++;
    return rc;
}

static int pass_delivery(const rh_delivery *dl, void *p)
{
    log_pass *lp = p;
    if (!rh__query_matches_delivery(lp->q, dl))
        return RH_OK;
    int rc = lp->on_delivery(dl, lp->userdata);
    if (rc < 0)
        lp->cb_rc = rc;
    lp->passed++;
    return rc;
}

/* One of on_attempt / on_delivery is set: it says which log to read. */
static int log_query(rh_ctx *ctx, const rh_query *q, rh_attempt_cb on_attempt,
                     rh_delivery_cb on_delivery, void *userdata)
{
    log_pass lp = {q, on_attempt, on_delivery, userdata, 0, 0};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!on_attempt && !on_delivery)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "cb is NULL");
    ctx->in_callback = 1;
    if (on_attempt)
        rc = rh__store_query_attempts(&ctx->store, q, pass_attempt, &lp);
    else
        rc = rh__store_query_deliveries(&ctx->store, q, pass_delivery, &lp);
    ctx->in_callback = 0;
    if (lp.cb_rc < 0)
        return lp.cb_rc;
    rc = rh__ctx_store_failed(ctx, rc);
    return rc < 0 ? rc : lp.passed;
}

int rh_log_attempts(rh_ctx *ctx, const rh_query *q, rh_attempt_cb cb,
                    void *userdata)
{
    return log_query(ctx, q, cb, NULL, userdata);
}

int rh_log_deliveries(rh_ctx *ctx, const rh_query *q, rh_delivery_cb cb,
                      void *userdata)
{
    return log_query(ctx, q, NULL, cb, userdata);
}

/* resend and skip: one failed delivery, by id, through a storage slot. */
static int on_failed(rh_ctx *ctx, const char *delivery_id, int skip)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!rh__id_valid(delivery_id))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_DELIVERY_ID,
                              RH_REFUSAL_MALFORMED, "delivery id is not valid");
    rc = skip ? rh__store_skip(&ctx->store, delivery_id, rh__ctx_now(ctx))
              : rh__store_resend(&ctx->store, delivery_id, rh__ctx_now(ctx));
    if (rc == RH_E_UNSUPPORTED)
        return rh__ctx_store_failed(ctx, rc);
    if (rc == RH_E_NOT_FOUND)
        return rh__ctx_refuse(ctx, rc, RH_ARG_DELIVERY_ID,
                              RH_REFUSAL_UNKNOWN_ID, "no delivery %s",
                              delivery_id);
    if (rc == RH_E_STATE)
        return rh__ctx_refuse(ctx, rc, RH_ARG_DELIVERY_ID, RH_REFUSAL_NONE,
                              skip ? "delivery %s holds no ordering key (it "
                                     "has not failed, or its key goes on)"
                                   : "delivery %s has not failed",
                              delivery_id);
    ctx->claim_blocked = 0;
    rc = rh__ctx_store_failed(ctx, rc);
    rh__ctx_update_timer(ctx);
    return rc;
}

int rh_delivery_resend(rh_ctx *ctx, const char *delivery_id)
{
    return on_failed(ctx, delivery_id, 0);
}

int rh_delivery_skip(rh_ctx *ctx, const char *delivery_id)
{
    return on_failed(ctx, delivery_id, 1);
}

/* Recovery's two entries share these: the endpoint named must exist, and
 * what the store queued again may be claimed at once. */
static int known_endpoint(rh_ctx *ctx, const char *endpoint_id,
                          const char *tenant)
{
    const rh_endpoint *ep = rh__ctx_find_endpoint(ctx, endpoint_id);
    /* another tenant's is unknown to a tenant's recovery, as to an emit */
    if (ep && tenant && strcmp(rh__endpoint_tenant(ep), tenant) != 0)
        ep = NULL;
    return ep ? RH_OK
              : rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_ENDPOINT_ID,
                               RH_REFUSAL_UNKNOWN_ID, "no endpoint %s",
                               endpoint_id);
}

static int recovered(rh_ctx *ctx, int rc)
{
    ctx->claim_blocked = 0;
    rc = rh__ctx_store_failed(ctx, rc);
    rh__ctx_update_timer(ctx);
    return rc;
}

int rh_endpoint_recover(rh_ctx *ctx, const char *endpoint_id, int64_t since_ms)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!rh__id_valid(endpoint_id))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_ENDPOINT_ID,
                              RH_REFUSAL_MALFORMED, "endpoint id is not valid");
    if ((rc = known_endpoint(ctx, endpoint_id, NULL)) != RH_OK)
        return rc;
    rh_query q;
    rh__query_init(&q);
    memcpy(q.endpoint, endpoint_id, strlen(endpoint_id) + 1);
    q.since_ms = since_ms;
    return recovered(ctx, rh__store_recover(&ctx->store, &q, rh__ctx_now(ctx)));
}

int rh_recover(rh_ctx *ctx, const rh_query *q)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!q)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "query is NULL");
    if (rh_query_status(q) >= 0 || rh_query_outcome(q) >= 0 ||
        rh_query_delivery(q) || rh_query_state(q) >= 0)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "recover selects by endpoint, event, event type "
                              "and time only: its query sets a status, an "
                              "outcome, a delivery or a state");
    if (rh_query_endpoint(q) &&
        (rc = known_endpoint(ctx, rh_query_endpoint(q),
                             rh_query_tenant(q))) != RH_OK)
        return rc;
    /* a recovery cannot be filtered after the store made it */
    if (rh_query_tenant(q) && !rh__store_can(&ctx->store, RH__STORE_TENANTS))
        return rh__ctx_refuse(ctx, RH_E_UNSUPPORTED, RH_ARG_TENANT,
                              RH_REFUSAL_NONE,
                              "this storage keeps no tenants (a table older "
                              "than version 3): it cannot recover by tenant");
    rc = rh__store_recover(&ctx->store, q, rh__ctx_now(ctx));
    return rc == RH_E_UNSUPPORTED ? rh__ctx_store_failed(ctx, rc)
                                  : recovered(ctx, rc);
}
