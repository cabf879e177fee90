/* replicer-hooks claim: a tick's fair claim through the store layer (the
 * store commits, then hands back what it took), and the start of it. */
#include "rh_base.h"
#include "rh_event_types.h"
#include "rh_endpoint_record.h"

#include <stdlib.h>
#include <string.h>

typedef struct claim_state {
    rh_ctx *ctx;
    int64_t now;
    int rc;
    size_t room;
    int reloaded; /* the endpoint cache was just read from storage */
    int handed;   /* deliveries handed back by this claim so far */
} claim_state;

/* A job for a claimed delivery, with its body, in ctx->ready: started after
 * the claim. */
static int ready_job(claim_state *cs, const rh_delivery *dl, const rh_event *ev,
                     int orphan)
{
    rh_ctx *ctx = cs->ctx;
    rh_job *job = rh__calloc(&ctx->alloc, sizeof *job);
    int rc = RH_E_NOMEM;
    if (!job || !(job->dl = rh__delivery_copy(&ctx->alloc, dl)))
        goto fail;
    job->orphan = orphan;
    if (!orphan) {
        if (!ev) {
            rc = RH_E_STORAGE;
            goto fail;
        }
        rc = rh__envelope_build(&ctx->alloc, dl->id, rh_event_type(ev),
                                rh_event_timestamp_ms(ev), rh_event_data(ev),
                                rh_event_data_len(ev), &job->body,
                                &job->body_len);
        if (rc == RH_OK)
            rc = rh__job_trace(ctx, job, ev);
        if (rc != RH_OK)
            goto fail;
    }
    rh__job_list_append(&ctx->ready, job);
    ctx->n_ready++;
    return RH_OK;
fail:
    rh__job_free(ctx, job);
    cs->rc = rc;
    return rc;
}

/* Every delivery handed back is ours already (the claim has committed);
 * which endpoint it is for is sorted out when it starts. */
static int claimed_each(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    claim_state *cs = ud;
    if (!cs->handed++) /* the first turn's tenant: the next claim's start */
        memcpy(cs->ctx->claim_after, dl->tenant, sizeof dl->tenant);
    return ready_job(cs, dl, ev, 0);
}

/* The endpoints this context has busy, with the room each has left,
 * sorted by id: the fair claim skips the full ones itself. */
static int by_endpoint_id(const void *a, const void *b)
{
    return strcmp(((const rh_claim_limit *)a)->endpoint_id,
                  ((const rh_claim_limit *)b)->endpoint_id);
}

static void tell_held(rh_ctx *ctx, rh_endpoint *ep)
{
    ep->held_told = 1;
    rh__ctx_error(ctx, RH_OK,
                  "endpoint %s was added in development mode: this "
                  "production context holds its deliveries (pending) for a "
                  "development context to send",
                  ep->id);
    rh__endpoint_tell(ctx, ep, RH_ENDPOINT_HELD);
}

static int build_limits(rh_ctx *ctx, rh_claim_request *req, int64_t now)
{
    size_t n = 0, n_listed;
    uint64_t stamp = ++ctx->claim_stamp;
    rh_endpoint *const *listed;
    n_listed = rh__ctx_listed(ctx, &listed);
    rh_claim_limit *limits =
        rh__store_limits(&ctx->store, ctx->in_flight + n_listed);
    if (!limits)
        return RH_E_NOMEM;
    for (rh_job *j = ctx->running.head; j; j = j->next) {
        rh_endpoint *ep = rh__ctx_find_endpoint(ctx, j->dl->endpoint_id);
        if (!ep || ep->claim_stamp == stamp)
            continue;
        ep->claim_stamp = stamp;
        rh_claim_limit *l = &limits[n++];
        memcpy(l->endpoint_id, ep->id, sizeof l->endpoint_id);
        l->room = rh__endpoint_room(ctx, ep, now);
    }
    /* a held endpoint takes nothing: listed with no room, so that the
     * claim skips it without reading its rows; one with its own cap or a
     * rate limit is listed with its room even when idle. The host hears
     * once of one held for its mode. */
    for (size_t i = 0; i < n_listed; i++) {
        if (!listed[i]->paused && !listed[i]->held_told)
            tell_held(ctx, listed[i]);
        if (listed[i]->claim_stamp == stamp)
            continue;
        listed[i]->claim_stamp = stamp;
        rh_claim_limit *l = &limits[n++];
        memcpy(l->endpoint_id, listed[i]->id, sizeof l->endpoint_id);
        l->room = rh__endpoint_room(ctx, listed[i], now);
    }
    if (n > 1)
        qsort(limits, n, sizeof *limits, by_endpoint_id);
    req->limits = limits;
    req->n_limits = n;
    return RH_OK;
}

static int by_tenant(const void *a, const void *b)
{
    return strcmp(((const rh_tenant_limit *)a)->tenant,
                  ((const rh_tenant_limit *)b)->tenant);
}

/* The tenants whose room is limited, each with the room it has left,
 * sorted: with a cap per tenant those this context has in flight, and
 * every tenant with limits of its own (its ids lent by the running jobs
 * and the catalog for the claim's length). Tenants not listed have the
 * cap's room, or the whole claim's. */
static int build_tenant_limits(rh_ctx *ctx, rh_claim_request *req,
                               int64_t now)
{
    size_t cap = ctx->s.max_in_flight_per_tenant, n = 0, out = 0;
    const rh_catalog *c = ctx->catalog;
    size_t n_caps = c ? c->n_caps : 0;
    req->max_per_tenant = cap;
    if (!n_caps && (!cap || !ctx->in_flight))
        return RH_OK;
    rh_tenant_limit *tl =
        rh__store_tenant_limits(&ctx->store, ctx->in_flight + n_caps);
    if (!tl)
        return RH_E_NOMEM;
    for (rh_job *j = ctx->running.head; j && n < ctx->in_flight; j = j->next)
        tl[n++].tenant = j->dl->tenant;
    for (size_t i = 0; i < n_caps; i++) /* listed even with none running, */
        if (c->caps[i].limit[RH_TENANT_MAX_IN_FLIGHT] || /* when it can */
            c->caps[i].limit[RH_TENANT_RATE])            /* hold a claim */
            tl[n++].tenant = c->caps[i].tenant;
    qsort(tl, n, sizeof *tl, by_tenant);
    for (size_t i = 0, k; i < n; i = k) { /* runs of one tenant: counted */
        rh_tenant_caps *own = rh__tenant_caps_find(ctx, tl[i].tenant);
        if (own && !own->limit[RH_TENANT_MAX_IN_FLIGHT] &&
            !own->limit[RH_TENANT_RATE])
            own = NULL; /* its limits are counts: not the claim's */
        for (k = i + 1; k < n && !strcmp(tl[k].tenant, tl[i].tenant); k++)
            ;
        size_t running = (k - i) - (own != NULL); /* its own entry */
        if (!cap && !own)
            continue; /* in flight, limited by nothing */
        tl[out].tenant = tl[i].tenant;
        tl[out++].room = rh__tenant_room(ctx, own, running, now);
    }
    req->tenant_limits = tl;
    req->n_tenant_limits = out;
    return RH_OK;
}

static int claim_pass(rh_ctx *ctx, claim_state *cs)
{
    int64_t lease =
        ctx->s.lease_ms ? ctx->s.lease_ms : ctx->s.timeout_ms + 60000;
    rh_claim_request req;
    memset(&req, 0, sizeof req);
    req.now_ms = cs->now;
    req.lease_until_ms = cs->now + lease;
    req.max = cs->room;
    req.max_per_endpoint = ctx->s.max_in_flight_per_endpoint;
    char after[RH_TENANT_MAX + 1];
    memcpy(after, ctx->claim_after, sizeof after); /* changed as it goes */
    req.tenant_after = after;
    cs->handed = 0;
    int rc = build_limits(ctx, &req, cs->now);
    if (rc == RH_OK)
        rc = build_tenant_limits(ctx, &req, cs->now);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "out of memory");
    rc = rh__store_claim(&ctx->store, &req, claimed_each, cs);
    if (rc >= 0)
        /* Room left over: whatever was due and not given is held by the
         * caps. Look again when a transfer ends, not at once. */
        ctx->claim_blocked = (size_t)rc < cs->room;
    ctx->claim_blocked_at = cs->now;
    if (rc < 0)
        return cs->rc ? rh__ctx_error(ctx, cs->rc,
                                      "cannot take a claimed delivery")
                      : rh__ctx_store_failed(ctx, rc);
    return RH_OK;
}

/* What became of a job taken from ctx->ready. */
typedef enum start_outcome {
    START_RUNNING,  /* its transfer started: in ctx->running */
    START_HELD,     /* its endpoint is held: back to pending, unsent */
    START_ORPHAN,   /* its endpoint is gone or disabled: failed, unsent */
    START_NO_TOKEN, /* the host's token callback gave none: a failed attempt */
    START_NO_MEMORY /* nothing changed: it waits for the next tick */
} start_outcome;

/* A ready job's endpoint, read again from storage (once a tick) when the
 * cache has none: another process sharing the store may have added it. */
static rh_endpoint *ready_endpoint(rh_ctx *ctx, claim_state *cs,
                                   const rh_job *job)
{
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, job->dl->endpoint_id);
    if (!ep && !cs->reloaded && rh__ctx_load_endpoints(ctx) == RH_OK) {
        cs->reloaded = 1; /* added by another process sharing the store */
        ep = rh__ctx_find_endpoint(ctx, job->dl->endpoint_id);
    }
    return ep;
}

/* A job whose endpoint can take it: its request completed from the
 * endpoint and handed to libcurl. */
static start_outcome start_transfer(rh_ctx *ctx, int64_t now, rh_job *job,
                                    rh_endpoint *ep)
{
    int rc = RH_OK;
    job->started_ms = now;
    job->timeout_ms = ep->set.timeout_ms;
    job->client_cert = ep->client_cert;
    job->client_key = ep->client_key;
    job->http_version =
        ep->set.http_version ? ep->set.http_version : ctx->s.http_version;
    /* Every connection the endpoint has is busy: libcurl 7.88 would
     * walk them all to find none idle, for each new transfer (with
     * 10,000 slow receivers, a fifth of the sender's CPU). Over h2 a busy
     * connection takes more streams: there the search is the point. */
    job->fresh_connect =
        ep->idle_hint == 0 && job->http_version != RH_HTTP_VERSION_2;
    if (!job->url && !(job->url = rh__strdup(&ctx->alloc, ep->url)))
        rc = RH_E_NOMEM;
    else if (!job->headers)
        rc = rh__request_headers(ctx, job, ep, rh_delivery_event_type(job->dl),
                                 now / 1000);
    if (rc == RH_E_STATE) {
        /* the host's token callback gave none: an attempt that failed
         * before a byte was sent, retried on the schedule */
        job->done = 1;
        job->status = 0;
        job->outcome = RH_OUTCOME_OTHER;
        job->duration_ms = 0;
        return START_NO_TOKEN;
    }
    if (rc != RH_OK || rh__http_start(ctx->http, job) != RH_OK)
        return START_NO_MEMORY;
    job->client_cert = job->client_key = NULL; /* libcurl has copies */
    return START_RUNNING;
}

/* A ready job started, or settled without a request when its endpoint
 * cannot take it. */
static start_outcome start_job(rh_ctx *ctx, int64_t now, rh_job *job,
                               rh_endpoint *ep)
{
    if (ep && ep->enabled && !job->orphan && rh__endpoint_held(ctx, ep)) {
        /* held since it was claimed (or the claim could not be told,
         * out of memory): back to pending, unsent, a second later */
        job->orphan = 1;
        job->done = 1;
        job->dl->state = RH_DELIVERY_PENDING;
        job->dl->next_attempt_ms = now + 1000;
        job->dl->updated_ms = now;
        return START_HELD;
    }
    if (job->orphan || !ep || !ep->enabled) {
        /* Gone or disabled: marked failed, no request, no attempt;
         * nobody sends it until the endpoint is enabled and
         * recovered. */
        job->orphan = 1;
        job->done = 1;
        job->dl->state = RH_DELIVERY_FAILED;
        job->dl->updated_ms = now;
        return START_ORPHAN;
    }
    return start_transfer(ctx, now, job, ep);
}

/* Start what a claim took: every one is in storage as in flight already.
 * One that cannot start (out of memory) waits in ctx->ready and is started
 * on a later tick, before anything new is claimed. */
static int start_ready(rh_ctx *ctx, claim_state *cs)
{
    while (ctx->ready.head) {
        rh_job *job = ctx->ready.head;
        rh__job_list_remove(&ctx->ready, job);
        ctx->n_ready--;
        rh_endpoint *ep = ready_endpoint(ctx, cs, job);
        switch (start_job(ctx, cs->now, job, ep)) {
        case START_HELD: /* settled unsent: stored with the outcomes */
        case START_ORPHAN:
        case START_NO_TOKEN:
            rh__job_list_append(&ctx->unsaved, job);
            ctx->n_unsaved++;
            break;
        case START_NO_MEMORY:
            /* keep it, and everything after it, for the next tick */
            rh__job_list_append(&ctx->ready, job);
            ctx->n_ready++;
            return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
        case START_RUNNING:
            rh__job_list_append(&ctx->running, job);
            ctx->in_flight++;
            ep->in_flight++;
            rh__endpoint_take_token(ep);
            rh__tenant_take_token(ctx, job->dl->tenant);
            if (ep->idle_hint)
                ep->idle_hint--; /* the transfer takes the idle one, if any */
            break;
        }
    }
    return RH_OK;
}

int rh__claim_due(rh_ctx *ctx)
{
    claim_state cs;
    int rc;
    size_t busy;
    memset(&cs, 0, sizeof cs);
    cs.ctx = ctx;
    cs.now = rh__ctx_now(ctx);
    /* claimed on an earlier tick and not started yet: those first */
    if (ctx->ready.head && (rc = start_ready(ctx, &cs)) != RH_OK)
        return rc;
    busy = rh_ctx_in_flight(ctx);
    if (ctx->paused || busy >= ctx->s.max_in_flight)
        return RH_OK;
    cs.room = ctx->s.max_in_flight - busy;
    if (rh__ctx_endpoints_stale(ctx, cs.now)) {
        rc = rh__ctx_load_endpoints(ctx);
        if (rc != RH_OK)
            return rc;
        cs.reloaded = 1;
    }
    rc = claim_pass(ctx, &cs);
    /* what was claimed is started even when the claim then failed: the
     * store recorded it in flight */
    int started = start_ready(ctx, &cs);
    return rc != RH_OK ? rc : started;
}
