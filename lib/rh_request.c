/* replicer-hooks request: one delivery's job, what it sends (the envelope
 * spliced around the host's data, header lines signed), the lists it is on. */
#include "rh_base.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define USER_AGENT "replicer-hooks/" RH_VERSION_STRING

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

/* The request's header lines in one allocation: the pointers, then the
 * "Name: value" texts they point to. */
int rh__request_headers(rh_ctx *ctx, rh_job *job, rh_endpoint *ep,
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
