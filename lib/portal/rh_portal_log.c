/* replicer-hooks portal API, the delivery history: a tenant's deliveries a
 * page at a time (a cursor, filters by endpoint, event type and state), a
 * delivery's attempts, and resend, each through a query scoped by the
 * token's tenant in the store, so that no other tenant's row is read. */
#include "rh_portal_http.h"
#include "rh_portal_pages.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"pending", "in_flight", "succeeded",
                                          "failed"};

/* A query for the claims' tenant (every tenant for an operator's). */
static rh_query *scoped_query(const rh_portal_claims *c)
{
    rh_query *q = NULL;
    if (rh_query_new(&q) != RH_OK)
        return NULL;
    if (c->tenant[0] && rh_query_set_tenant(q, c->tenant) != RH_OK) {
        rh_query_free(q);
        return NULL;
    }
    return q;
}

typedef struct rows {
    json_t *list;
    int64_t last_ms;
    char last_id[RH_ID_SIZE];
} rows;

static int delivery_row(const rh_delivery *dl, void *ud)
{
    rows *r = ud;
    int state = rh_delivery_state(dl);
    json_t *v = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:b}", "id",
        rh_delivery_id(dl), "event_id", rh_delivery_event_id(dl), "endpoint_id",
        rh_delivery_endpoint_id(dl), "event_type", rh_delivery_event_type(dl),
        "state", state >= 0 && state < 4 ? state_names[state] : "unknown",
        "attempts", rh_delivery_attempts(dl), "next_attempt_ms",
        (json_int_t)rh_delivery_next_attempt_ms(dl), "created_ms",
        (json_int_t)rh_delivery_created_ms(dl), "test",
        rh_event_id_is_test(rh_delivery_event_id(dl)));
    r->last_ms = rh_delivery_created_ms(dl);
    snprintf(r->last_id, sizeof r->last_id, "%s", rh_delivery_id(dl));
    return json_array_append_new(r->list, v) ? RH_E_NOMEM : RH_OK;
}

/* Bytes a receiver or a host wrote, as text a page can show: printable
 * ASCII, newlines (a CRLF too) and tabs as they are, the rest as \xNN
 * (JSON strings must be UTF-8, and an answer may be anything). At most max
 * bytes read. */
static json_t *shown_bytes(const char *p, size_t n, size_t max)
{
    if (n > max)
        n = max;
    char *out = malloc(4 * n + 1);
    size_t o = 0;
    if (!out)
        return json_string("");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
            continue;
        if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
    }
    out[o] = '\0';
    json_t *s = json_string(out);
    free(out);
    return s;
}

static int json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A line break and the indent of depth (two spaces a level). */
static size_t line_break(char *out, size_t o, int depth)
{
    out[o++] = '\n';
    for (int d = 0; d < depth; d++)
        out[o++] = ' ', out[o++] = ' ';
    return o;
}

/* The body indented, its bytes otherwise as sent: a walk of the JSON
 * text's structure (strings copied whole), never a parse and a print,
 * which would change what was sent (0.1 printed as 0.10000000000000001,
 * big integers, duplicate keys). NULL when out of memory. */
static char *indented(const char *p, size_t n)
{
    size_t cap = 2 * n + 64, o = 0;
    int depth = 0, in_str = 0, esc = 0;
    char *out = malloc(cap);
    for (size_t i = 0; out && i < n; i++) {
        char c = p[i];
        if (o + 2 * (size_t)depth + 8 > cap) {
            char *t = realloc(out, cap = 2 * cap + 2 * (size_t)depth + 8);
            if (!t)
                free(out);
            if (!(out = t))
                return NULL;
        }
        if (in_str) {
            out[o++] = c;
            if (esc)
                esc = 0; /* the escaped character, a quote too */
            else if (c == '\\')
                esc = 1;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        size_t j = i + 1;
        while (j < n && json_space(p[j]))
            j++;
        if (json_space(c))
            continue;
        if ((c == '{' || c == '[') && j < n && (p[j] == '}' || p[j] == ']')) {
            out[o++] = c, out[o++] = p[j], i = j; /* {} and [] stay whole */
        } else if (c == '{' || c == '[') {
            out[o++] = c;
            o = line_break(out, o, ++depth);
        } else if (c == '}' || c == ']') {
            o = line_break(out, o, depth > 0 ? --depth : 0);
            out[o++] = c;
        } else if (c == ',') {
            out[o++] = c;
            o = line_break(out, o, depth);
        } else {
            out[o++] = c;
            if (c == ':')
                out[o++] = ' ';
            in_str = c == '"';
        }
    }
    if (out)
        out[o] = '\0';
    return out;
}

static int attempt_row(const rh_attempt *at, void *ud)
{
    rows *r = ud;
    json_t *v = json_pack(
        "{s:I, s:s, s:i, s:I, s:I, s:i, s:b, s:s, s:s, s:o}", "seq",
        (json_int_t)rh_attempt_seq(at), "delivery_id",
        rh_attempt_delivery_id(at), "number", rh_attempt_number(at),
        "started_ms", (json_int_t)rh_attempt_started_ms(at), "duration_ms",
        (json_int_t)rh_attempt_duration_ms(at), "status", rh_attempt_status(at),
        "success", rh_attempt_success(at), "outcome",
        rh_outcome_name(rh_attempt_outcome(at)), "error", rh_attempt_error(at),
        "response",
        shown_bytes(rh_attempt_response(at), rh_attempt_response_len(at),
                    4096));
    return json_array_append_new(r->list, v) ? RH_E_NOMEM : RH_OK;
}

static int request_of(const char *headers, size_t hlen, const char *body,
                      size_t blen, void *ud)
{
    json_t *a = ud, *text = NULL;
    char *pretty = indented(body, blen);
    /* the host's data is UTF-8 (emit checks it): shown as it is */
    if (pretty)
        text = json_string(pretty);
    json_object_set_new(a, "request_headers", shown_bytes(headers, hlen, hlen));
    json_object_set_new(a, "payload",
                        text ? text : shown_bytes(body, blen, blen));
    free(pretty);
    return RH_OK;
}

void rh__portal_attempt_request(rh_portal *p, const char *delivery_id,
                                json_t *attempt)
{
    int number = (int)json_integer_value(json_object_get(attempt, "number"));
    if (rh_attempt_request(p->ctx, delivery_id, number, request_of, attempt) !=
        RH_OK)
        json_object_set_new(attempt, "request_headers",
                            json_string("(not available: the delivery's "
                                        "event is no longer stored)"));
}

/* A query value that asks for a filter: a bad one (got < 0) does, so that
 * it is refused; an empty one does not. */
static int given(int got, const char *v)
{
    return got < 0 || (got > 0 && v[0]);
}

/* The filters a page takes from its query: endpoint, event_type (a type
 * or "prefix.*"), state, limit (1 to 200) and after (the last page's
 * "next"). 0, or an answer (400) was made. */
/* "since": 1h, 24h, 7d (a number and h or d, up to 400 days): how far
 * back from now_ms, or -1. */
static int64_t since_of(const char *v, int64_t now_ms)
{
    long n = 0;
    int used = 0;
    char unit = 0;
    if (sscanf(v, "%ld%c%n", &n, &unit, &used) != 2 || v[used] != '\0' ||
        n < 1 || (unit != 'h' && unit != 'd') ||
        n > (unit == 'h' ? 400L * 24 : 400L))
        return -1;
    return now_ms - n * (unit == 'h' ? 3600000LL : 86400000LL);
}

static int page_filters(const rh_portal_request *rq, rh_query *q,
                        int64_t now_ms, rh_portal_response *r, int *answered)
{
    char v[160];
    size_t limit = 50;
    int bad = 0, got;
    *answered = 0;
    /* an empty value is no filter: what a page's form sends for "any" */
    if (given(got = rh__portal_query(rq, "endpoint", v, sizeof v), v))
        bad |= got < 0 || rh_query_set_endpoint(q, v) != RH_OK;
    if (given(got = rh__portal_query(rq, "event_type", v, sizeof v), v))
        bad |= got < 0 || rh_query_set_event_type(q, v) != RH_OK;
    if (given(got = rh__portal_query(rq, "state", v, sizeof v), v)) {
        int s = 0;
        while (got > 0 && s < 4 && strcmp(v, state_names[s]))
            s++;
        bad |= got < 0 || s == 4 || rh_query_set_state(q, s) != RH_OK;
    }
    if (given(got = rh__portal_query(rq, "since", v, sizeof v), v)) {
        int64_t since = got > 0 ? since_of(v, now_ms) : -1;
        bad |= since < 0 || rh_query_set_time_range(q, since, 0) != RH_OK;
    }
    if ((got = rh__portal_query(rq, "limit", v, sizeof v)) != 0) {
        int used = 0;
        bad |= got < 0 || sscanf(v, "%zu%n", &limit, &used) != 1 ||
               v[used] != '\0' || limit < 1 || limit > 200;
    }
    if ((got = rh__portal_query(rq, "after", v, sizeof v)) != 0) {
        long long ms;
        int used = 0;
        char id[RH_ID_SIZE + 1];
        bad |= got < 0 || sscanf(v, "%lld:%32s%n", &ms, id, &used) != 2 ||
               v[used] != '\0' || strlen(id) >= RH_ID_SIZE ||
               rh_query_set_delivery_cursor(q, ms, id) != RH_OK;
    }
    bad |= rh_query_set_limit(q, limit) != RH_OK;
    if (!bad)
        return 0;
    *answered = 1;
    return rh__portal_error(r, 400,
                            "filters: endpoint, event_type, state "
                            "(pending, in_flight, succeeded, failed), "
                            "since (1h, 24h, 7d: a number and h or "
                            "d), limit (1 to 200), after (a page's "
                            "next)");
}

int rh__portal_delivery_page(rh_portal *p, const rh_portal_request *rq,
                             const rh_portal_claims *c, rh_portal_response *r,
                             json_t **model)
{
    rows rs = {json_array(), 0, ""};
    rh_query *q = scoped_query(c);
    int answered, rc = RH_E_NOMEM;
    *model = NULL;
    if (!q || !rs.list)
        goto done;
    rc = page_filters(rq, q, rh__ctx_now(p->ctx), r, &answered);
    if (answered)
        goto done;
    rc = rh_log_deliveries(p->ctx, q, delivery_row, &rs);
    if (rc < 0) {
        rc = rc == RH_E_NOMEM ? rc : rh__portal_refused(p, r, rc);
        goto done;
    }
    char next[64];
    snprintf(next, sizeof next, "%lld:%s", (long long)rs.last_ms, rs.last_id);
    *model = json_pack("{s:O, s:s?}", "deliveries", rs.list, "next",
                       (size_t)rc == rh_query_limit(q) ? next : NULL);
    rc = *model ? RH_OK : RH_E_NOMEM;
done:
    json_decref(rs.list);
    rh_query_free(q);
    return rc;
}

int rh__portal_deliveries(rh_portal *p, const rh_portal_request *rq,
                          const rh_portal_claims *c, rh_portal_response *r)
{
    json_t *model = NULL;
    int rc = rh__portal_delivery_page(p, rq, c, r, &model);
    return model ? rh__portal_send_json(r, 200, model) : rc;
}

json_t *rh__portal_delivery_get(rh_portal *p, const rh_portal_claims *c,
                                const char *id)
{
    rows rs = {json_array(), 0, ""};
    rh_query *q = scoped_query(c);
    json_t *found = NULL;
    if (q && rs.list && rh_query_set_delivery(q, id) == RH_OK &&
        rh_query_set_limit(q, 1) == RH_OK &&
        rh_log_deliveries(p->ctx, q, delivery_row, &rs) >= 0 &&
        json_array_size(rs.list) == 1)
        found = json_incref(json_array_get(rs.list, 0));
    json_decref(rs.list);
    rh_query_free(q);
    return found;
}

/* The delivery of the path's id in scope: 1 when it is, 0 when an answer
 * (404) was made. */
static int delivery_in_scope(rh_portal *p, const rh_portal_claims *c,
                             const char *id, rh_portal_response *r, int *rc)
{
    json_t *dl = rh__portal_delivery_get(p, c, id);
    *rc = dl ? RH_OK : rh__portal_error(r, 404, "no such delivery");
    json_decref(dl);
    return dl != NULL;
}

int rh__portal_attempts_of(rh_portal *p, const rh_portal_claims *c,
                           const char *id, json_t **out)
{
    rows rs = {json_array(), 0, ""};
    rh_query *q = scoped_query(c);
    int rc = RH_E_NOMEM;
    if (q && rs.list && rh_query_set_delivery(q, id) == RH_OK &&
        rh_query_set_limit(q, 100) == RH_OK)
        rc = rh_log_attempts(p->ctx, q, attempt_row, &rs);
    rh_query_free(q);
    if (rc < 0) {
        json_decref(rs.list);
        return rc;
    }
    *out = rs.list;
    return RH_OK;
}

/* /deliveries/{id}/attempts and /deliveries/{id}/resend */
int rh__portal_delivery(rh_portal *p, const rh_portal_request *rq,
                        const rh_portal_claims *c, const char *rest,
                        rh_portal_response *r)
{
    char id[RH_ID_SIZE];
    size_t n = strcspn(rest, "/");
    int rc;
    if (n == 0 || n >= sizeof id)
        return rh__portal_error(r, 404, "no such delivery");
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!delivery_in_scope(p, c, id, r, &rc))
        return rc;
    if (!strcmp(rest + n, "/attempts") && !strcmp(rq->method, "GET")) {
        json_t *list = NULL;
        rc = rh__portal_attempts_of(p, c, id, &list);
        if (rc < 0)
            return rc == RH_E_NOMEM ? rc : rh__portal_refused(p, r, rc);
        return rh__portal_send_json(r, 200,
                                    json_pack("{s:o}", "attempts", list));
    }
    if (!strcmp(rest + n, "/resend") && !strcmp(rq->method, "POST")) {
        if (!(c->caps & RH_PORTAL_RESEND))
            return rh__portal_error(r, 403, "this link cannot resend");
        rc = rh_delivery_resend(p->ctx, id); /* in scope: checked above */
        return rc == RH_OK
                   ? rh__portal_body(r, 202, "application/json", "{}", 2)
                   : rh__portal_refused(p, r, rc);
    }
    return rh__portal_error(r, 404, "not found");
}
