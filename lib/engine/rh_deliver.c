/* replicer-hooks delivery engine: rh_tick's cycle (libcurl first, then the
 * finished outcomes stored in one batch, then a fair claim that commits
 * before its transfers start), storage backoff, the retry schedule,
 * Retry-After, 410, the host's wait and timer, and pausing one endpoint
 * (the delivery section of rh.h). */
#include "rh_base.h"
#include "rh_endpoint_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t retry_delay(rh_ctx *ctx, const int64_t *schedule,
                           int attempts_done, const rh_job *job, int64_t now)
{
    int64_t delay = schedule[attempts_done - 1];
    if (ctx->s.jitter_pct > 0 && delay > 0) {
        unsigned char r[4];
        if (rh__ctx_random(ctx, r, sizeof r) == RH_OK) {
            uint32_t v = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
                         (uint32_t)r[2] << 8 | r[3];
            int64_t span = delay * ctx->s.jitter_pct / 100;
            delay += (int64_t)(v % (uint64_t)(2 * span + 1)) - span;
        }
    }
    /* Retry-After moves the next attempt later, never earlier, and never
     * past twice the scheduled delay. */
    if (job->status == 429 || job->status == 503) {
        int64_t ra = rh__http_parse_retry_after(job->retry_after, now / 1000);
        if (ra >= 0) {
            int64_t want = ra * 1000;
            int64_t cap = 2 * schedule[attempts_done - 1];
            if (want > delay)
                delay = want < cap ? want : cap;
        }
    }
    return delay;
}

/* Decide the delivery's next state and build the attempt record, as of
 * `now`, when the transfer ended; done once, so that a store retried later
 * writes the same thing with the real times. */
static int finalize(rh_ctx *ctx, rh_job *job, int64_t now)
{
    rh_delivery *dl = job->dl;
    rh_attempt *at;
    size_t schedule_len;
    const int64_t *schedule = rh__endpoint_schedule(
        ctx, rh__ctx_find_endpoint(ctx, dl->endpoint_id), &schedule_len);
    int rc = rh__attempt_make(&at, &ctx->alloc);
    if (rc != RH_OK)
        return rc;
    at->error = rh__strdup(&ctx->alloc, job->error);
    if (!at->error) {
        rh_attempt_free(at);
        return RH_E_NOMEM;
    }
    at->response = job->response; /* moved: nothing below can fail */
    at->response_len = job->response_len;
    job->response = NULL;
    dl->attempts++;
    memcpy(at->delivery_id, dl->id, sizeof at->delivery_id);
    memcpy(at->endpoint_id, dl->endpoint_id, sizeof at->endpoint_id);
    memcpy(at->event_id, dl->event_id, sizeof at->event_id);
    rh__strlcpy(at->event_type, rh_delivery_event_type(dl),
                sizeof at->event_type);
    memcpy(at->tenant, dl->tenant, sizeof at->tenant);
    memcpy(at->traceparent, job->traceparent, sizeof at->traceparent);
    at->number = dl->attempts;
    at->started_ms = job->started_ms;
    at->duration_ms = job->duration_ms;
    at->status = job->status;
    at->outcome = job->outcome;
    at->success = job->outcome == RH_OUTCOME_OK;
    dl->updated_ms = now;
    if (at->success) {
        dl->state = RH_DELIVERY_SUCCEEDED;
    } else if (job->status == 410 || job->outcome == RH_OUTCOME_BLOCKED ||
               (size_t)dl->attempts > schedule_len) {
        dl->state = RH_DELIVERY_FAILED;
    } else {
        dl->state = RH_DELIVERY_PENDING;
        dl->next_attempt_ms =
            now + retry_delay(ctx, schedule, dl->attempts, job, now);
    }
    job->attempt = at;
    return RH_OK;
}

/* An outcome is in storage: tell the host and let the job go. */
static void outcome_stored(rh_ctx *ctx, rh_job *job)
{
    rh__job_list_remove(&ctx->unsaved, job);
    ctx->n_unsaved--;
    rh__health_note(ctx, job->dl, job->attempt);
    rh__stats_outcome(ctx, job->dl, job->attempt);
    ctx->in_callback = 1;
    if (job->attempt && ctx->s.attempt_cb)
        ctx->s.attempt_cb(job->attempt, ctx->s.attempt_ud);
    if (job->dl->state == RH_DELIVERY_FAILED && ctx->s.failed_cb)
        ctx->s.failed_cb(job->dl, ctx->s.failed_ud);
    ctx->in_callback = 0;
    rh__job_free(ctx, job);
}

/* Store every finished outcome, oldest first, through the store layer: one
 * call and one transaction where the table can; what it could not store
 * is tried again on a later tick. */
static int flush_unsaved(rh_ctx *ctx)
{
    rh_job *job;
    size_t n = 0, stored = 0;
    int rc;
    if (!ctx->unsaved.head)
        return RH_OK;
    for (job = ctx->unsaved.head; job; job = job->next)
        if (!job->attempt && !job->orphan &&
            finalize(ctx, job, rh__ctx_now(ctx)) != RH_OK)
            return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    if (rh__store_reserve_outcomes(&ctx->store, ctx->n_unsaved) != RH_OK)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    for (job = ctx->unsaved.head; job; job = job->next, n++) {
        ctx->store.dls[n] = job->dl;
        ctx->store.ats[n] = job->attempt;
    }
    rc = rh__store_complete(&ctx->store, n, &stored);
    while (stored-- > 0 && (job = ctx->unsaved.head) != NULL)
        outcome_stored(ctx, job);
    rh__health_save_due(ctx, 0);
    return rc < 0 && rc != RH_E_NOT_FOUND ? rh__ctx_store_failed(ctx, rc)
                                          : RH_OK;
}

/* A transfer ended: its outcome is decided now, with the time it ended, and
 * waits in `unsaved` until storage has it. */
static void on_transfer_done(rh_job *job, void *ud)
{
    rh_ctx *ctx = ud;
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, job->dl->endpoint_id);
    rh__job_list_remove(&ctx->running, job);
    ctx->in_flight--;
    if (ep && ep->in_flight)
        ep->in_flight--;
    /* an answer leaves its connection open for the next transfer */
    if (ep && ep->idle_hint < ctx->s.max_in_flight_per_endpoint &&
        (job->outcome == RH_OUTCOME_OK ||
         job->outcome == RH_OUTCOME_HTTP_STATUS))
        ep->idle_hint++;
    ctx->claim_blocked = 0;
    /* out of memory here: finalized again when it is stored */
    (void)finalize(ctx, job, rh__ctx_now(ctx));
    rh__job_list_append(&ctx->unsaved, job);
    ctx->n_unsaved++;
}

/* The storage half of a tick: outcomes first, then (only if they are all
 * stored) a claim, then the claim's orphans. */
static int tick_storage(rh_ctx *ctx)
{
    int rc = flush_unsaved(ctx);
    if (rc == RH_OK)
        rc = rh__claim_due(ctx);
    if (rc == RH_OK)
        rc = flush_unsaved(ctx); /* orphans found by the claim */
    if (rc == RH_OK && !ctx->paused)
        rh__retention_tick(ctx);
    return rc;
}

/* One libcurl pass per tick (every idle connection's read is a syscall),
 * and it comes first: timeouts are enforced and answers taken whatever
 * storage does next. Transfers the claim starts connect on the next pass,
 * which libcurl's timer asks for at once. */
static int tick(rh_ctx *ctx)
{
    int finished = rh__http_perform(ctx->http, on_transfer_done, ctx), rc;
    if (finished < 0)
        return rh__ctx_error(ctx, finished, "libcurl failed");
    if (!rh__store_ready(&ctx->store))
        return finished; /* a batch is open (storage is the host's), or
                          * backing off (the failing tick said why) */
    rc = rh__store_outcome(&ctx->store, tick_storage(ctx));
    return rc < 0 ? rc : finished;
}

int rh_tick(rh_ctx *ctx)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    rc = tick(ctx);
    rh__ctx_update_timer(ctx);
    return rc;
}

int rh_process_fd(rh_ctx *ctx, int fd, unsigned int events)
{
    int rc = rh__ctx_enter(ctx), finished;
    if (rc != RH_OK)
        return rc;
    if (!ctx->s.socket_cb)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             "no socket callback is configured: use rh_tick");
    finished = rh__http_socket_action(ctx->http, fd, events, on_transfer_done,
                                      ctx);
    if (finished < 0)
        rc = rh__ctx_error(ctx, finished, "libcurl failed");
    else if (rh__store_ready(&ctx->store))
        rc = rh__store_outcome(&ctx->store, flush_unsaved(ctx));
    rh__ctx_update_timer(ctx);
    return rc < 0 ? rc : finished;
}

/* How long until the host should tick: libcurl's timer, the store's next
 * due work when there is room, and storage's backoff when it failed. */
int64_t rh_next_timeout_ms(const rh_ctx *ctx)
{
    int64_t best = -1, due = -1, now;
    int64_t backoff_left = -1;
    if (!ctx)
        return -1;
    if (ctx->store.retry_at_ms)
        backoff_left = rh__store_backoff_left_ms(&ctx->store);
    if ((ctx->unsaved.head || ctx->ready.head) && !ctx->store.batch_open)
        best = backoff_left > 0 ? backoff_left : 0;
    if (ctx->in_flight) {
        int64_t t = rh__http_timeout_ms(ctx->http);
        if (t >= 0 && (best < 0 || t < best))
            best = t;
    }
    if (rh_ctx_in_flight(ctx) < ctx->s.max_in_flight &&
        !ctx->paused && !ctx->store.batch_open && !ctx->unsaved.head) {
        now = rh__ctx_now(ctx);
        if (backoff_left > 0)
            due = now + backoff_left; /* do not ask a store that failed */
        else if (rh__store_next_due(&ctx->store, now, &due) !=
                 RH_OK)
            due = now + 1000; /* the store cannot tell: look again soon */
        if (due >= 0 && ctx->claim_blocked && due <= ctx->claim_blocked_at)
            /* due at the last claim and not taken: held by the per-endpoint
             * caps. A transfer that ends clears this; until then look
             * again now and then. Work due since then wakes us on time. */
            due = now + 250;
        if (due >= 0) {
            int64_t wait = due > now ? due - now : 0;
            if (best < 0 || wait < best)
                best = wait;
        }
    }
    if (best < 0 && ctx->in_flight)
        best = 1000; /* libcurl has no timer: look again soon */
    return best;
}

/* The host's timer callback hears of every change of the next timeout. */
void rh__ctx_update_timer(rh_ctx *ctx)
{
    int64_t t;
    if (!ctx->s.timer_cb || ctx->lent_to_emitter)
        return; /* an emitter's threads must not run the host's timer */
    t = rh_next_timeout_ms(ctx);
    if (t == ctx->timer_told && t != 0)
        return;
    ctx->timer_told = t;
    int was = ctx->in_callback;
    ctx->in_callback = 1;
    ctx->s.timer_cb(t, ctx->s.timer_ud);
    ctx->in_callback = was;
}

/* Pausing one endpoint is the claim's business (it lists the endpoint with
 * no room), so it lives with the engine beside rh_ctx_pause. */
int rh_endpoint_pause(rh_ctx *ctx, const char *id)
{
    return rh__endpoint_set_flag(ctx, id, RH__FLAG_PAUSED, 1);
}

int rh_endpoint_resume(rh_ctx *ctx, const char *id)
{
    int rc = rh__endpoint_set_flag(ctx, id, RH__FLAG_PAUSED, 0);
    if (rc == RH_OK) {
        ctx->claim_blocked = 0; /* its due work may go at the next tick */
        rh__ctx_update_timer(ctx);
    }
    return rc;
}

int rh_wait(rh_ctx *ctx, int64_t max_wait_ms)
{
    int rc = rh__ctx_enter(ctx);
    int64_t t;
    if (rc != RH_OK)
        return rc;
    if (max_wait_ms < -1)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "max_wait_ms < -1");
    if (ctx->s.clock)
        return RH_OK; /* an injected clock does not move while we sleep */
    t = rh_next_timeout_ms(ctx);
    if (t < 0)
        t = max_wait_ms;
    else if (max_wait_ms >= 0 && max_wait_ms < t)
        t = max_wait_ms;
    if (t <= 0)
        return RH_OK;
    rh__http_wait(ctx->http, t);
    return RH_OK;
}
