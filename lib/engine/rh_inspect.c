/* replicer-hooks inspection: what an attempt sent, rebuilt from the store
 * (rh_attempt_request): the body exactly, as rh__envelope_build made it
 * from the event, and the headers in the order rh__request_headers sends
 * them, with every secret redacted. Nothing of a request is stored beside
 * its attempt; what would differ (the signatures, a bearer token, a
 * traceparent's span id) is what is redacted or not kept anyway. */
#include "rh_base.h"
#include "rh_endpoint_record.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define REDACTED "<redacted>"

typedef struct inspect {
    rh_ctx *ctx;
    int number;
    int64_t started_ms; /* the attempt's, when found */
    int found;
    rh_request_cb cb;
    void *userdata;
    char *text; /* the header lines */
    size_t len, cap;
    int rc;
} inspect;

static int find_attempt(const rh_attempt *at, void *p)
{
    inspect *in = p;
    if (rh_attempt_number(at) == in->number) {
        in->started_ms = rh_attempt_started_ms(at);
        in->found = 1;
    }
    return RH_OK;
}

/* A name that says its value is a secret, whatever its case. */
static int secret_name(const char *name)
{
    static const char *const words[] = {"auth",    "key",      "token",
                                        "secret",  "password", "cookie",
                                        "session", "signature"};
    char low[128];
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (strstr(low, words[w]))
            return 1;
    return 0;
}

/* One "Name: value\r\n" line, the value redacted when the name says so. */
static void line(inspect *in, const char *name, const char *value)
{
    if (in->rc != RH_OK)
        return;
    if (secret_name(name))
        value = REDACTED;
    size_t need = strlen(name) + strlen(value) + 4;
    if (in->len + need + 1 > in->cap) {
        size_t cap = (in->cap + need) * 2;
        char *t = rh__malloc(&in->ctx->alloc, cap);
        if (!t) {
            in->rc = RH_E_NOMEM;
            return;
        }
        memcpy(t, in->text ? in->text : "", in->len);
        rh__free(&in->ctx->alloc, in->text);
        in->text = t;
        in->cap = cap;
    }
    in->len += (size_t)snprintf(in->text + in->len, in->cap - in->len,
                                "%s: %s\r\n", name, value);
}

/* The headers as rh__request_headers sends them, in its order. */
static void headers_of(inspect *in, const rh_delivery *dl, const rh_event *ev)
{
    char ts[24], tp[RH_TRACEPARENT_SIZE + 16];
    const char *trace = rh_event_traceparent(ev);
    snprintf(ts, sizeof ts, "%" PRId64, in->started_ms / 1000);
    line(in, "Content-Type", "application/json");
    line(in, "User-Agent", RH__USER_AGENT);
    line(in, "X-Replicer-Event", rh_event_type(ev));
    line(in, "X-Replicer-Delivery-Id", rh_delivery_id(dl));
    line(in, "X-Replicer-Timestamp", ts);
    line(in, "X-Replicer-Signature", REDACTED);
    if (rh_event_id_is_test(rh_delivery_event_id(dl)))
        line(in, "X-Replicer-Test", "1");
    if (*trace) { /* the attempt's own span id is not kept */
        snprintf(tp, sizeof tp, "00-%.32s-(its own span)-%.2s", trace + 3,
                 trace + 53);
        line(in, "traceparent", tp);
        if (*rh_event_tracestate(ev))
            line(in, "tracestate", rh_event_tracestate(ev));
    }
    if (in->ctx->s.standard_headers) {
        line(in, "webhook-id", rh_delivery_id(dl));
        line(in, "webhook-timestamp", ts);
        line(in, "webhook-signature", REDACTED);
    }
    rh_endpoint *ep =
        rh__ctx_find_endpoint(in->ctx, rh_delivery_endpoint_id(dl));
    for (size_t i = 0; ep && i < ep->n_headers; i++)
        if (!rh__header_overridden(ep->hdr_names[i], 0, *trace != '\0'))
            line(in, ep->hdr_names[i], ep->hdr_values[i]);
}

static int rebuild(const rh_delivery *dl, const rh_event *ev, void *p)
{
    inspect *in = p;
    char *body = NULL;
    size_t body_len = 0;
    headers_of(in, dl, ev);
    if (in->rc == RH_OK)
        in->rc = rh__envelope_build(
            &in->ctx->alloc, rh_delivery_id(dl), rh_event_type(ev),
            rh_event_timestamp_ms(ev), rh_event_data(ev), rh_event_data_len(ev),
            &body, &body_len);
    if (in->rc == RH_OK)
        in->rc = in->cb(in->text ? in->text : "", in->len, body, body_len,
                        in->userdata);
    rh__free(&in->ctx->alloc, body);
    return in->rc;
}

/* The attempt's start: the time its signature used. */
static int attempt_start(rh_ctx *ctx, const char *delivery_id, inspect *in)
{
    rh_query *q = NULL;
    int rc = rh_query_new(&q);
    /* every attempt of it: resends start the numbering again */
    if (rc == RH_OK && (rc = rh_query_set_delivery(q, delivery_id)) == RH_OK &&
        (rc = rh_query_set_limit(q, 1000000)) == RH_OK)
        rc = rh__store_query_attempts(&ctx->store, q, find_attempt, in);
    rh_query_free(q);
    return rc < 0 ? rc : in->found ? RH_OK : RH_E_NOT_FOUND;
}

int rh_attempt_request(rh_ctx *ctx, const char *delivery_id, int attempt,
                       rh_request_cb cb, void *userdata)
{
    inspect in = {ctx, attempt, 0, 0, cb, userdata, NULL, 0, 0, RH_OK};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!cb)
        return rh__ctx_error(ctx, RH_E_INVALID_ARG, "cb is NULL");
    if (!rh__id_valid(delivery_id) || attempt < 1)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG,
                              attempt < 1 ? RH_ARG_NONE : RH_ARG_DELIVERY_ID,
                              RH_REFUSAL_MALFORMED,
                              attempt < 1 ? "attempt is 1 or more"
                                          : "delivery id is not valid");
    ctx->in_callback = 1;
    rc = attempt_start(ctx, delivery_id, &in);
    if (rc == RH_OK)
        rc = rh__store_delivery_event(&ctx->store, delivery_id, rebuild, &in);
    ctx->in_callback = 0;
    rh__free(&ctx->alloc, in.text);
    if (in.rc == RH_E_NOMEM)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    if (in.rc < 0)
        return in.rc; /* the host's callback stopped it: its code */
    if (rc == RH_E_NOT_FOUND)
        return rh__ctx_refuse(
            ctx, rc, RH_ARG_DELIVERY_ID, RH_REFUSAL_UNKNOWN_ID,
            "no attempt %d of delivery %s", attempt, delivery_id);
    return rc < 0 ? rh__ctx_store_failed(ctx, rc) : RH_OK;
}
