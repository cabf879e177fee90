/* replicer-hooks request: one delivery's job, what it sends (the envelope
 * spliced around the host's data, header lines signed), the lists it is on. */
#include "rh_base.h"
#include "rh_sign.h"
#include "rh_endpoint_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>


int rh__envelope_build(const rh_allocator *a, const char *delivery_id,
                       const char *type, int64_t ts_ms, const char *data,
                       size_t data_len, char **out, size_t *out_len)
{
    /* The id and type are validated to need no escaping, so the envelope
     * is spliced around the data bytes serialised once at emit. */
    char ts[32];
    size_t idl = strlen(delivery_id), tl = strlen(type), tsl, n;
    rh__format_rfc3339(ts_ms, ts);
    tsl = strlen(ts);
    n = 7 + idl + 11 + tl + 15 + tsl + 10 + data_len + 1;
    char *b = rh__malloc(a, n + 1);
    if (!b)
        return RH_E_NOMEM;
    char *p = b;
#define PUT(s, l) (memcpy(p, (s), (l)), p += (l))
    PUT("{\"id\":\"", 7);
    PUT(delivery_id, idl);
    PUT("\",\"event\":\"", 11);
    PUT(type, tl);
    PUT("\",\"timestamp\":\"", 15);
    PUT(ts, tsl);
    PUT("\",\"data\":", 9);
    PUT(data, data_len);
    PUT("}", 1);
#undef PUT
    *p = '\0';
    *out_len = (size_t)(p - b);
    *out = b;
    return RH_OK;
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

/* A cached token is used until this long before its expiry. */
#define TOKEN_MARGIN_MS 30000

static int token_char_ok(unsigned char c)
{
    return c > 0x20 && c < 0x7f; /* visible ASCII: nothing to split on */
}

/* ep->token for this request from the host's token callback, or the one
 * cached. RH_E_STATE (job->error says why) when the callback failed or
 * gave a token no header may carry; ep->token NULL when it has none. */
static int endpoint_token(rh_ctx *ctx, rh_endpoint *ep, rh_job *job)
{
    char tok[RH_TOKEN_SIZE];
    int64_t now = rh__ctx_now(ctx), expires = 0;
    int rc, was = ctx->in_callback;
    if (ep->token && ep->token_expires_ms > now + TOKEN_MARGIN_MS)
        return RH_OK;
    rh__free_secret(&ctx->alloc, ep->token);
    ep->token = NULL;
    tok[0] = '\0';
    ctx->in_callback = 1;
    rc = ctx->s.token_cb(ep, tok, sizeof tok, &expires, ctx->s.token_ud);
    ctx->in_callback = was;
    tok[sizeof tok - 1] = '\0';
    if (rc == RH_E_NOT_FOUND) {
        rh__wipe(tok, sizeof tok);
        return RH_OK; /* no token for this endpoint */
    }
    size_t n = strlen(tok), bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !token_char_ok((unsigned char)tok[i]);
    if (rc != RH_OK)
        snprintf(job->error, sizeof job->error,
                 "token callback failed (%d: %s)", rc, rh_strerror(rc));
    else if (n == 0 || bad)
        snprintf(job->error, sizeof job->error, "token callback gave %s",
                 n == 0 ? "an empty token"
                        : "a token with spaces or control characters");
    if (rc != RH_OK || n == 0 || bad) {
        rh__wipe(tok, sizeof tok);
        return RH_E_STATE;
    }
    ep->token = rh__strdup(&ctx->alloc, tok);
    ep->token_expires_ms = expires;
    rh__wipe(tok, sizeof tok);
    return ep->token ? RH_OK : RH_E_NOMEM;
}

int rh__header_overridden(const char *name, int token, int trace)
{
    return (token && !strcasecmp(name, "Authorization")) ||
           (trace && (!strcasecmp(name, "traceparent") ||
                      !strcasecmp(name, "tracestate")));
}

int rh__job_trace(rh_ctx *ctx, rh_job *job, const rh_event *ev)
{
    const char *tp = rh_event_traceparent(ev), *ts = rh_event_tracestate(ev);
    size_t a = strlen(tp), b = strlen(ts);
    if (!*tp)
        return RH_OK;
    if (!(job->trace = rh__malloc(&ctx->alloc, a + b + 2)))
        return RH_E_NOMEM;
    memcpy(job->trace, tp, a + 1);
    memcpy(job->trace + a + 1, ts, b + 1);
    return RH_OK;
}

/* W3C Trace Context: the attempt is a span of its own, a child of the
 * emitter's: the event's trace id and flags, 8 random bytes of span id
 * (never all zeros, which the spec makes invalid), and its tracestate. */
static int trace_headers(rh_ctx *ctx, rh_job *job, const char **names,
                         const char **values, size_t *n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char span[8];
    char span_hex[17];
    int rc = rh__ctx_random(ctx, span, sizeof span), zero = 1;
    if (rc != RH_OK)
        return rc;
    for (size_t i = 0; i < sizeof span; i++) {
        zero &= span[i] == 0;
        span_hex[2 * i] = hex[span[i] >> 4];
        span_hex[2 * i + 1] = hex[span[i] & 15];
    }
    if (zero)
        span_hex[15] = '1';
    span_hex[16] = '\0';
    /* the traceparent's fields: "00-" trace id (32) "-" parent (16) "-"
     * flags (2), as rh_event_set_trace_context checked them */
    snprintf(job->traceparent, sizeof job->traceparent, "00-%.32s-%s-%.2s",
             job->trace + 3, span_hex, job->trace + 53);
    names[*n] = "traceparent", values[(*n)++] = job->traceparent;
    const char *state = job->trace + strlen(job->trace) + 1;
    if (*state)
        names[*n] = "tracestate", values[(*n)++] = state;
    return RH_OK;
}

/* The request's header lines in one allocation: the pointers, then the
 * "Name: value" texts they point to. */
int rh__request_headers(rh_ctx *ctx, rh_job *job, rh_endpoint *ep,
                        const char *type, int64_t ts_s)
{
    char sig[RH_SIGNATURE_SIZE], ts[24], bearer[RH_TOKEN_SIZE + 8];
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
    names[n] = "User-Agent", values[n++] = RH__USER_AGENT;
    names[n] = "X-Replicer-Event", values[n++] = type;
    names[n] = "X-Replicer-Delivery-Id", values[n++] = job->dl->id;
    names[n] = "X-Replicer-Timestamp", values[n++] = ts;
    names[n] = "X-Replicer-Signature", values[n++] = sig;
    if (rh_event_id_is_test(job->dl->event_id)) /* a catalog example */
        names[n] = "X-Replicer-Test", values[n++] = "1";
    if (job->trace && (rc = trace_headers(ctx, job, names, values, &n)))
        return rc;
    if (ctx->s.standard_headers) {
        names[n] = "webhook-id", values[n++] = job->dl->id;
        names[n] = "webhook-timestamp", values[n++] = ts;
        names[n] = "webhook-signature", values[n++] = sig;
    }
    int has_token = 0;
    if (ctx->s.token_cb) {
        rc = endpoint_token(ctx, ep, job);
        if (rc != RH_OK)
            return rc;
        if (ep->token) {
            snprintf(bearer, sizeof bearer, "Bearer %s", ep->token);
            names[n] = "Authorization", values[n++] = bearer;
            has_token = 1;
        }
    }
    /* the endpoint's own headers, validated when they were set or loaded;
     * a token replaces its own Authorization, and an event's trace context
     * its own traceparent and tracestate */
    for (size_t i = 0; i < ep->n_headers && n < RH_REQUEST_HEADERS_MAX; i++)
        if (!rh__header_overridden(ep->hdr_names[i], has_token,
                                   job->trace != NULL))
            names[n] = ep->hdr_names[i], values[n++] = ep->hdr_values[i];
    size_t name_len[RH_REQUEST_HEADERS_MAX], value_len[RH_REQUEST_HEADERS_MAX];
    for (size_t i = 0; i < n; i++) {
        name_len[i] = strlen(names[i]);
        value_len[i] = strlen(values[i]);
        total += name_len[i] + 2 + value_len[i] + 1;
    }
    char *block = rh__malloc(&ctx->alloc, n * sizeof(char *) + total);
    if (!block) {
        rh__wipe(bearer, sizeof bearer);
        return RH_E_NOMEM;
    }
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
    if (has_token)
        rh__wipe(bearer, sizeof bearer);
    return RH_OK;
}

void rh__job_free(rh_ctx *ctx, rh_job *job)
{
    if (!job)
        return;
    if (job->dl)
        rh_delivery_free(job->dl);
    rh_attempt_free(job->attempt);
    rh__free(&ctx->alloc, job->url);
    rh__free(&ctx->alloc, job->body);
    rh__free(&ctx->alloc, job->trace);
    rh__free(&ctx->alloc, job->headers); /* one block: pointers and text */
    rh__free(&ctx->alloc, job->response);
    rh__free(&ctx->alloc, job);
}

void rh__job_list_remove(rh_job_list *list, rh_job *job)
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

void rh__job_list_append(rh_job_list *list, rh_job *job)
{
    job->next = NULL;
    job->prev = list->tail;
    if (list->tail)
        list->tail->next = job;
    else
        list->head = job;
    list->tail = job;
}
