/* replicer-hooks delivery engine: rh_tick's claim -> sign -> send -> record
 * cycle, the retry schedule, Retry-After, 410 and the host's wait. */
#include "rh_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define USER_AGENT "replicer-hooks/" RH_VERSION_STRING

void rh__job_free(rh_ctx *ctx, rh_job *job)
{
    if (!job)
        return;
    if (job->dl)
        rh_delivery_free(job->dl);
    rh_attempt_free(job->attempt);
    rh__free(&ctx->alloc, job->url);
    rh__free(&ctx->alloc, job->body);
    rh__free(&ctx->alloc, job->headers); /* one block: pointers and text */
    rh__free(&ctx->alloc, job->response);
    rh__free(&ctx->alloc, job);
}

static void list_remove(rh_job_list *list, rh_job *job)
{
    if (job->prev)
        job->prev->next = job->next;
    else
        list->head = job->next;
    if (job->next)
        job->next->prev = job->prev;
    else
        list->tail = job->prev;
    job->next = job->prev = NULL;
}

static void list_append(rh_job_list *list, rh_job *job)
{
    job->next = NULL;
    job->prev = list->tail;
    if (list->tail)
        list->tail->next = job;
    else
        list->head = job;
    list->tail = job;
}

/* Both signatures during a rotation's grace period, the new one first.
 * Each secret's HMAC is keyed once and kept with the endpoint. */
static int sign_header(rh_ctx *ctx, rh_endpoint *ep, const char *id,
                       const char *ts, const char *body, size_t len, char *out,
                       size_t outsz)
{
    size_t used;
    int rc = RH_OK;
    if (!ep->mac)
        rc = rh__mac_new(&ep->mac, &ctx->alloc, ep->secret);
    if (rc == RH_OK)
        rc = rh__mac_sign(ep->mac, id, ts, body, len, out, outsz);
    if (rc != RH_OK || !ep->old_secret ||
        rh__ctx_now(ctx) >= ep->old_secret_until_ms)
        return rc;
    used = strlen(out);
    if (used + 2 >= outsz)
        return RH_E_INVALID_ARG;
    out[used] = ' ';
    if (!ep->old_mac)
        rc = rh__mac_new(&ep->old_mac, &ctx->alloc, ep->old_secret);
    if (rc == RH_OK)
        rc = rh__mac_sign(ep->old_mac, id, ts, body, len, out + used + 1,
                          outsz - used - 1);
    return rc;
}

/* The request's header lines in one allocation: the pointers, then the
 * "Name: value" texts they point to. */
static int build_headers(rh_ctx *ctx, rh_job *job, rh_endpoint *ep,
                         const char *type, int64_t ts_s)
{
    char sig[RH_SIGNATURE_SIZE], ts[24];
    const char *names[RH_REQUEST_HEADERS_MAX], *values[RH_REQUEST_HEADERS_MAX];
    size_t n = 0, total = 0;
    int rc;
    /* the timestamp's text is both signed and sent */
    snprintf(ts, sizeof ts, "%" PRId64, ts_s);
    rc = sign_header(ctx, ep, job->dl->id, ts, job->body, job->body_len, sig,
                     sizeof sig);
    if (rc != RH_OK)
        return rc;
    names[n] = "Content-Type", values[n++] = "application/json";
    names[n] = "User-Agent", values[n++] = USER_AGENT;
    names[n] = "X-Replicer-Event", values[n++] = type;
    names[n] = "X-Replicer-Delivery-Id", values[n++] = job->dl->id;
    names[n] = "X-Replicer-Timestamp", values[n++] = ts;
    names[n] = "X-Replicer-Signature", values[n++] = sig;
    if (ctx->s.standard_headers) {
        names[n] = "webhook-id", values[n++] = job->dl->id;
        names[n] = "webhook-timestamp", values[n++] = ts;
        names[n] = "webhook-signature", values[n++] = sig;
    }
    /* the endpoint's own headers, validated when they were set or loaded */
    for (size_t i = 0; i < ep->n_headers && n < RH_REQUEST_HEADERS_MAX; i++)
        names[n] = ep->hdr_names[i], values[n++] = ep->hdr_values[i];
    size_t name_len[RH_REQUEST_HEADERS_MAX], value_len[RH_REQUEST_HEADERS_MAX];
    for (size_t i = 0; i < n; i++) {
        name_len[i] = strlen(names[i]);
        value_len[i] = strlen(values[i]);
        total += name_len[i] + 2 + value_len[i] + 1;
    }
    char *block = rh__malloc(&ctx->alloc, n * sizeof(char *) + total);
    if (!block)
        return RH_E_NOMEM;
    char **lines = (char **)(void *)block, *text = block + n * sizeof(char *);
    for (size_t i = 0; i < n; i++) {
        lines[i] = text;
        memcpy(text, names[i], name_len[i]);
        text += name_len[i];
        *text++ = ':';
        *text++ = ' ';
        memcpy(text, values[i], value_len[i]);
        text += value_len[i];
        *text++ = '\0';
    }
    job->headers = lines;
    job->n_headers = n;
    return RH_OK;
}

typedef struct claim_state {
    rh_ctx *ctx;
    int64_t now;
    int rc;
    rh_job_list orphans; /* claimed for an endpoint gone or disabled */
    size_t left_for_caps;
    int reloaded;      /* the endpoint cache was just read from storage */
    int unknown_seen;  /* a delivery named an endpoint not in the cache */
} claim_state;

static int start_job(rh_ctx *ctx, rh_endpoint *ep, const rh_delivery *dl,
                     const rh_event *ev, int64_t now)
{
    rh_job *job = rh__calloc(&ctx->alloc, sizeof *job);
    int rc = RH_E_NOMEM;
    if (!job)
        return RH_E_NOMEM;
    job->dl = rh__delivery_copy(&ctx->alloc, dl);
    job->url = rh__strdup(&ctx->alloc, ep->url);
    if (!job->dl || !job->url)
        goto fail;
    rc = rh__envelope_build(&ctx->alloc, dl->id, rh_event_type(ev),
                            rh_event_timestamp_ms(ev), rh_event_data(ev),
                            rh_event_data_len(ev), &job->body, &job->body_len);
    if (rc != RH_OK)
        goto fail;
    rc = build_headers(ctx, job, ep, rh_event_type(ev), now / 1000);
    if (rc != RH_OK)
        goto fail;
    job->started_ms = now;
    rc = rh__http_start(ctx->http, job);
    if (rc != RH_OK)
        goto fail;
    list_append(&ctx->running, job);
    ctx->in_flight++;
    ep->in_flight++;
    return RH_OK;
fail:
    rh__job_free(ctx, job);
    return rc;
}

static int claim_each(const rh_delivery *dl, const rh_event *ev, void *ud)
{
    claim_state *cs = ud;
    rh_ctx *ctx = cs->ctx;
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, dl->endpoint_id);
    int rc;
    if (!ep && !cs->reloaded) {
        /* Another process sharing the store may have added it: read the
         * endpoints again before deciding it is gone. */
        cs->unknown_seen = 1;
        return 0;
    }
    if (!ep || !ep->enabled) {
        /* Claimed so that it can be marked failed after the claim: nobody
         * will send it until the endpoint is enabled and recovered. */
        rh_job *job = rh__calloc(&ctx->alloc, sizeof *job);
        if (!job || !(job->dl = rh__delivery_copy(&ctx->alloc, dl))) {
            rh__free(&ctx->alloc, job);
            cs->rc = RH_E_NOMEM;
            return RH_E_NOMEM;
        }
        list_append(&cs->orphans, job);
        return 1;
    }
    if (ep->in_flight >= ctx->s.max_in_flight_per_endpoint) {
        cs->left_for_caps++;
        return 0;
    }
    if (!ev) {
        cs->rc = RH_E_STORAGE;
        return RH_E_STORAGE;
    }
    rc = start_job(ctx, ep, dl, ev, cs->now);
    if (rc != RH_OK) {
        cs->rc = rc;
        return rc;
    }
    return 1;
}

static int64_t retry_delay(rh_ctx *ctx, int attempts_done, const rh_job *job,
                           int64_t now)
{
    int64_t delay = ctx->s.schedule_ms[attempts_done - 1];
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
            int64_t cap = 2 * ctx->s.schedule_ms[attempts_done - 1];
            if (want > delay)
                delay = want < cap ? want : cap;
        }
    }
    return delay;
}

/* Decide the delivery's next state and build the attempt record; done once
 * per finished transfer, so that a retried store writes the same thing. */
static int finalize(rh_ctx *ctx, rh_job *job)
{
    rh_delivery *dl = job->dl;
    rh_attempt *at;
    int64_t now = rh__ctx_now(ctx);
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
               (size_t)dl->attempts > ctx->s.schedule_len) {
        dl->state = RH_DELIVERY_FAILED;
    } else {
        dl->state = RH_DELIVERY_PENDING;
        dl->next_attempt_ms = now + retry_delay(ctx, dl->attempts, job, now);
    }
    job->attempt = at;
    return RH_OK;
}

static void disable_gone_endpoint(rh_ctx *ctx, const char *endpoint_id)
{
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, endpoint_id);
    if (!ep || !ep->enabled)
        return;
    ep->enabled = 0;
    /* If this write fails the endpoint is still disabled here; the next
     * 410 or an explicit call writes it again. */
    if (rh__ctx_save_endpoint(ctx, ep) != RH_OK)
        ep->enabled = 0;
}

/* Store every finished outcome, oldest first; stop at the first failure so
 * that nothing new starts before every outcome is in storage. */
static int flush_unsaved(rh_ctx *ctx)
{
    while (ctx->unsaved.head) {
        rh_job *job = ctx->unsaved.head;
        int rc;
        if (!job->attempt && !job->orphan) {
            rc = finalize(ctx, job);
            if (rc != RH_OK)
                return rh__ctx_error(ctx, rc, "out of memory");
        }
        rc = ctx->storage.complete(job->dl, job->attempt,
                                   ctx->storage.userdata);
        if (rc < 0 && rc != RH_E_NOT_FOUND)
            return rh__storage_code(ctx, rc, "complete");
        list_remove(&ctx->unsaved, job);
        if (job->attempt && job->attempt->status == 410)
            disable_gone_endpoint(ctx, job->dl->endpoint_id);
        ctx->in_callback = 1;
        if (job->attempt && ctx->s.attempt_cb)
            ctx->s.attempt_cb(job->attempt, ctx->s.attempt_ud);
        if (job->dl->state == RH_DELIVERY_FAILED && ctx->s.failed_cb)
            ctx->s.failed_cb(job->dl, ctx->s.failed_ud);
        ctx->in_callback = 0;
        rh__job_free(ctx, job);
    }
    return RH_OK;
}

static void on_transfer_done(rh_job *job, void *ud)
{
    rh_ctx *ctx = ud;
    rh_endpoint *ep = rh__ctx_find_endpoint(ctx, job->dl->endpoint_id);
    list_remove(&ctx->running, job);
    ctx->in_flight--;
    if (ep && ep->in_flight)
        ep->in_flight--;
    ctx->claim_blocked = 0;
    list_append(&ctx->unsaved, job);
}

static int claim_pass(rh_ctx *ctx, claim_state *cs)
{
    int64_t lease = ctx->s.lease_ms ? ctx->s.lease_ms
                                    : ctx->s.timeout_ms + 60000;
    size_t room = ctx->s.max_in_flight - ctx->in_flight;
    int rc = ctx->storage.claim(cs->now, cs->now + lease, room, claim_each, cs,
                                ctx->storage.userdata);
    /* Orphans were claimed: mark them failed, with no attempt logged. */
    while (cs->orphans.head) {
        rh_job *job = cs->orphans.head;
        list_remove(&cs->orphans, job);
        job->dl->state = RH_DELIVERY_FAILED;
        job->dl->updated_ms = cs->now;
        job->done = 1;
        job->orphan = 1;
        list_append(&ctx->unsaved, job);
    }
    if (rc < 0)
        return cs->rc ? rh__ctx_error(ctx, cs->rc, "cannot start a transfer")
                      : rh__storage_code(ctx, rc, "claim");
    /* Due work left behind by the per-endpoint cap waits for a transfer to
     * finish instead of making rh_next_timeout_ms() answer 0 forever. */
    ctx->claim_blocked = cs->left_for_caps > 0 && (size_t)rc < room;
    return RH_OK;
}

static int claim_due(rh_ctx *ctx)
{
    claim_state cs;
    int rc;
    if (ctx->paused || ctx->in_flight >= ctx->s.max_in_flight)
        return RH_OK;
    memset(&cs, 0, sizeof cs);
    cs.ctx = ctx;
    cs.now = rh__ctx_now(ctx);
    if (ctx->s.endpoint_refresh_ms > 0 &&
        cs.now - ctx->endpoints_loaded_ms >= ctx->s.endpoint_refresh_ms) {
        rc = rh__ctx_load_endpoints(ctx);
        if (rc != RH_OK)
            return rc;
        cs.reloaded = 1;
    }
    rc = claim_pass(ctx, &cs);
    if (rc != RH_OK || !cs.unknown_seen || cs.reloaded ||
        ctx->in_flight >= ctx->s.max_in_flight)
        return rc;
    rc = rh__ctx_load_endpoints(ctx);
    if (rc != RH_OK)
        return rc;
    cs.reloaded = 1;
    cs.unknown_seen = 0;
    cs.left_for_caps = 0;
    return claim_pass(ctx, &cs);
}

/* One libcurl pass per tick: every idle connection's read is a syscall,
 * so the pass comes after the claim, when the new transfers can start too. */
static int tick(rh_ctx *ctx)
{
    int rc = flush_unsaved(ctx);
    if (rc != RH_OK)
        return rc;
    rc = claim_due(ctx);
    if (rc == RH_OK)
        rc = flush_unsaved(ctx); /* orphans found by the claim */
    if (rc != RH_OK)
        return rc;
    int finished = rh__http_perform(ctx->http, on_transfer_done, ctx);
    if (finished < 0)
        return rh__ctx_error(ctx, finished, "libcurl failed");
    rc = flush_unsaved(ctx);
    return rc != RH_OK ? rc : finished;
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
    else
        rc = flush_unsaved(ctx);
    rh__ctx_update_timer(ctx);
    return rc < 0 ? rc : finished;
}

int64_t rh_next_timeout_ms(const rh_ctx *ctx)
{
    int64_t best = -1, due = -1, now;
    if (!ctx)
        return -1;
    if (ctx->unsaved.head)
        return 0;
    if (ctx->in_flight)
        best = rh__http_timeout_ms(ctx->http);
    if (ctx->in_flight < ctx->s.max_in_flight && !ctx->claim_blocked &&
        !ctx->paused) {
        now = rh__ctx_now(ctx);
        if (ctx->storage.next_due(now, &due, ctx->storage.userdata) != RH_OK)
            due = now + 1000; /* the store cannot tell: look again soon */
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

int rh_ctx_pause(rh_ctx *ctx, int paused)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    ctx->paused = paused != 0;
    return RH_OK;
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
