/* replicer-hooks records: events, deliveries, attempts and queries as the
 * storage table and the delivery log see them, with their getters. */
#include "rh_records.h"
#include "rh_validate.h"

#include <stddef.h>
#include <string.h>

static const char *const outcome_names[] = {
    "ok",      "http_status", "timeout", "connect", "dns",         "tls",
    "blocked", "too_large",   "reset",   "other",   "bad_response"};

const char *rh_outcome_name(int outcome)
{
    if (outcome < 0 || outcome > RH_OUTCOME_BAD_RESPONSE)
        return "other";
    return outcome_names[outcome];
}

const char *rh_delivery_state_name(int state)
{
    switch (state) {
    case RH_DELIVERY_PENDING:
        return "pending";
    case RH_DELIVERY_IN_FLIGHT:
        return "in_flight";
    case RH_DELIVERY_SUCCEEDED:
        return "succeeded";
    case RH_DELIVERY_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

static int id_ok(const char *s) { return rh__id_valid(s); }

/* ------------------------------------------------------------------ event */

int rh__event_make(rh_event **out, const rh_allocator *a, const char *id,
                   const char *type, int64_t ts_ms, const char *data,
                   size_t len)
{
    rh_event *ev;
    if (!id_ok(id) || !type || !rh__event_type_valid(type) ||
        (!data && len))
        return RH_E_INVALID_ARG;
    ev = rh__calloc(a, sizeof *ev);
    if (!ev)
        return RH_E_NOMEM;
    ev->data = rh__memdup(a, data ? data : "", len);
    if (!ev->data) {
        rh__free(a, ev);
        return RH_E_NOMEM;
    }
    ev->alloc = a;
    ev->refs = 1;
    rh__strlcpy(ev->id, id, sizeof ev->id);
    rh__strlcpy(ev->type, type, sizeof ev->type);
    ev->timestamp_ms = ts_ms;
    ev->data_len = len;
    *out = ev;
    return RH_OK;
}

int rh__event_set_ordering(rh_event *ev, const char *key, int hold)
{
    char *k = key ? rh__strdup(ev->alloc, key) : NULL;
    if (key && !k)
        return RH_E_NOMEM;
    rh__free(ev->alloc, ev->ordering_key);
    ev->ordering_key = k;
    ev->ordering_hold = key && hold;
    return RH_OK;
}

void rh__event_release(rh_event *ev)
{
    if (!ev || --ev->refs > 0)
        return;
    rh__free(ev->alloc, ev->ordering_key);
    rh__free(ev->alloc, ev->data);
    rh__free(ev->alloc, ev);
}

int rh_event_new(rh_event **out, const char *id, const char *type,
                 int64_t timestamp_ms, const char *data, size_t data_len)
{
    if (!out)
        return RH_E_INVALID_ARG;
    return rh__event_make(out, &rh__default_allocator, id, type, timestamp_ms,
                          data, data_len);
}

void rh_event_free(rh_event *ev) { rh__event_release(ev); }

const char *rh_event_id(const rh_event *ev) { return ev ? ev->id : ""; }
const char *rh_event_type(const rh_event *ev) { return ev ? ev->type : ""; }
int64_t rh_event_timestamp_ms(const rh_event *ev)
{
    return ev ? ev->timestamp_ms : 0;
}
const char *rh_event_data(const rh_event *ev) { return ev ? ev->data : ""; }
size_t rh_event_data_len(const rh_event *ev) { return ev ? ev->data_len : 0; }
const char *rh_event_ordering_key(const rh_event *ev)
{
    return ev ? ev->ordering_key : NULL;
}
int rh_event_ordering_holds(const rh_event *ev)
{
    return ev ? ev->ordering_hold : 0;
}

/* A delivery or attempt from a's heap, zeroed or a copy of src, owning its
 * allocator (the first member of both): the one place records are made. */
static void *record_alloc(const rh_allocator *a, size_t size, const void *src)
{
    const rh_allocator **p = src ? rh__malloc(a, size) : rh__calloc(a, size);
    if (p && src)
        memcpy(p, src, size);
    if (p)
        *p = a;
    return p;
}

/* --------------------------------------------------------------- delivery */

int rh__delivery_make(rh_delivery **out, const rh_allocator *a)
{
    return (*out = record_alloc(a, sizeof **out, NULL)) ? RH_OK : RH_E_NOMEM;
}

rh_delivery *rh__delivery_copy(const rh_allocator *a, const rh_delivery *src)
{
    rh_delivery *dl = record_alloc(a, sizeof *dl, src);
    if (!dl)
        return NULL;
    dl->ev = NULL;
    dl->done_next = dl->done_prev = NULL;
    dl->heap_index = 0;
    dl->order_group = NULL;
    dl->event_type = rh__strdup(a, rh_delivery_event_type(src));
    const char *key = rh_delivery_ordering_key(src);
    dl->ordering_key = key ? rh__strdup(a, key) : NULL;
    if (!dl->event_type || (key && !dl->ordering_key)) {
        rh__free(a, dl->event_type);
        rh__free(a, dl);
        return NULL;
    }
    return dl;
}

int rh_delivery_new(rh_delivery **out, const char *id, const char *event_id,
                    const char *endpoint_id, const char *event_type, int state,
                    int attempts, int64_t next_attempt_ms, int64_t created_ms,
                    int64_t updated_ms)
{
    rh_delivery *dl;
    int rc;
    if (!out || !id_ok(id) || !id_ok(event_id) || !id_ok(endpoint_id) ||
        !event_type || !rh__event_type_valid(event_type) ||
        state < RH_DELIVERY_PENDING || state > RH_DELIVERY_FAILED ||
        attempts < 0)
        return RH_E_INVALID_ARG;
    rc = rh__delivery_make(&dl, &rh__default_allocator);
    if (rc != RH_OK)
        return rc;
    dl->event_type = rh__strdup(dl->alloc, event_type);
    if (!dl->event_type) {
        rh__free(dl->alloc, dl);
        return RH_E_NOMEM;
    }
    rh__strlcpy(dl->id, id, sizeof dl->id);
    rh__strlcpy(dl->event_id, event_id, sizeof dl->event_id);
    rh__strlcpy(dl->endpoint_id, endpoint_id, sizeof dl->endpoint_id);
    dl->state = state;
    dl->attempts = attempts;
    dl->next_attempt_ms = next_attempt_ms;
    dl->created_ms = created_ms;
    dl->updated_ms = updated_ms;
    *out = dl;
    return RH_OK;
}

void rh_delivery_free(rh_delivery *dl)
{
    if (!dl)
        return;
    rh__event_release(dl->ev);
    rh__free(dl->alloc, dl->event_type);
    rh__free(dl->alloc, dl->ordering_key);
    rh__free(dl->alloc, dl);
}

const char *rh_delivery_id(const rh_delivery *dl) { return dl ? dl->id : ""; }
const char *rh_delivery_event_id(const rh_delivery *dl)
{
    return dl ? dl->event_id : "";
}
const char *rh_delivery_endpoint_id(const rh_delivery *dl)
{
    return dl ? dl->endpoint_id : "";
}
const char *rh_delivery_event_type(const rh_delivery *dl)
{
    if (!dl)
        return "";
    if (dl->ev)
        return dl->ev->type;
    return dl->event_type ? dl->event_type : "";
}
int rh_delivery_state(const rh_delivery *dl) { return dl ? dl->state : -1; }
const char *rh_delivery_ordering_key(const rh_delivery *dl)
{
    if (!dl)
        return NULL;
    return dl->ev ? dl->ev->ordering_key : dl->ordering_key;
}
int rh_delivery_set_ordering_key(rh_delivery *dl, const char *key)
{
    if (!dl || dl->ev)
        return RH_E_INVALID_ARG;
    char *k = key ? rh__strdup(dl->alloc, key) : NULL;
    if (key && !k)
        return RH_E_NOMEM;
    rh__free(dl->alloc, dl->ordering_key);
    dl->ordering_key = k;
    return RH_OK;
}
int rh_delivery_attempts(const rh_delivery *dl)
{
    return dl ? dl->attempts : 0;
}
int64_t rh_delivery_next_attempt_ms(const rh_delivery *dl)
{
    return dl ? dl->next_attempt_ms : 0;
}
int64_t rh_delivery_created_ms(const rh_delivery *dl)
{
    return dl ? dl->created_ms : 0;
}
int64_t rh_delivery_updated_ms(const rh_delivery *dl)
{
    return dl ? dl->updated_ms : 0;
}

/* ---------------------------------------------------------------- attempt */

int rh__attempt_make(rh_attempt **out, const rh_allocator *a)
{
    return (*out = record_alloc(a, sizeof **out, NULL)) ? RH_OK : RH_E_NOMEM;
}

rh_attempt *rh__attempt_copy(const rh_allocator *a, const rh_attempt *src)
{
    rh_attempt *at = record_alloc(a, sizeof *at, src);
    if (!at)
        return NULL;
    at->next = NULL;
    at->response = rh__memdup(a, src->response ? src->response : "",
                              src->response_len);
    at->error = rh__strdup(a, src->error ? src->error : "");
    if (!at->response || !at->error) {
        rh__free(a, at->response);
        rh__free(a, at->error);
        rh__free(a, at);
        return NULL;
    }
    return at;
}

int rh_attempt_new(rh_attempt **out, int64_t seq, const char *delivery_id,
                   const char *endpoint_id, const char *event_id,
                   const char *event_type, int number, int64_t started_ms,
                   int64_t duration_ms, int status, int success, int outcome,
                   const char *response, size_t response_len,
                   const char *error)
{
    rh_attempt tmp, *at;
    if (!out || !id_ok(delivery_id) || !id_ok(endpoint_id) ||
        !id_ok(event_id) || !event_type || !rh__event_type_valid(event_type) ||
        number < 1 || outcome < 0 || outcome > RH_OUTCOME_BAD_RESPONSE ||
        (!response && response_len))
        return RH_E_INVALID_ARG;
    memset(&tmp, 0, sizeof tmp);
    tmp.seq = seq;
    rh__strlcpy(tmp.delivery_id, delivery_id, sizeof tmp.delivery_id);
    rh__strlcpy(tmp.endpoint_id, endpoint_id, sizeof tmp.endpoint_id);
    rh__strlcpy(tmp.event_id, event_id, sizeof tmp.event_id);
    rh__strlcpy(tmp.event_type, event_type, sizeof tmp.event_type);
    tmp.number = number;
    tmp.started_ms = started_ms;
    tmp.duration_ms = duration_ms;
    tmp.status = status;
    tmp.success = success != 0;
    tmp.outcome = outcome;
    tmp.response = (char *)(uintptr_t)response;
    tmp.response_len = response_len;
    tmp.error = (char *)(uintptr_t)error;
    at = rh__attempt_copy(&rh__default_allocator, &tmp);
    if (!at)
        return RH_E_NOMEM;
    *out = at;
    return RH_OK;
}

void rh_attempt_free(rh_attempt *at)
{
    if (!at)
        return;
    rh__free(at->alloc, at->response);
    rh__free(at->alloc, at->error);
    rh__free(at->alloc, at);
}

int64_t rh_attempt_seq(const rh_attempt *at) { return at ? at->seq : 0; }
const char *rh_attempt_delivery_id(const rh_attempt *at)
{
    return at ? at->delivery_id : "";
}
const char *rh_attempt_endpoint_id(const rh_attempt *at)
{
    return at ? at->endpoint_id : "";
}
const char *rh_attempt_event_id(const rh_attempt *at)
{
    return at ? at->event_id : "";
}
const char *rh_attempt_event_type(const rh_attempt *at)
{
    return at ? at->event_type : "";
}
int rh_attempt_number(const rh_attempt *at) { return at ? at->number : 0; }
int64_t rh_attempt_started_ms(const rh_attempt *at)
{
    return at ? at->started_ms : 0;
}
int64_t rh_attempt_duration_ms(const rh_attempt *at)
{
    return at ? at->duration_ms : 0;
}
int rh_attempt_status(const rh_attempt *at) { return at ? at->status : 0; }
int rh_attempt_success(const rh_attempt *at) { return at ? at->success : 0; }
int rh_attempt_outcome(const rh_attempt *at)
{
    return at ? at->outcome : RH_OUTCOME_OTHER;
}
const char *rh_attempt_response(const rh_attempt *at)
{
    return at && at->response ? at->response : "";
}
size_t rh_attempt_response_len(const rh_attempt *at)
{
    return at ? at->response_len : 0;
}
const char *rh_attempt_error(const rh_attempt *at)
{
    return at && at->error ? at->error : "";
}

/* ------------------------------------------------------------------ query */

int rh_query_new(rh_query **out)
{
    rh_query *q;
    if (!out)
        return RH_E_INVALID_ARG;
    q = rh__malloc(&rh__default_allocator, sizeof *q);
    if (!q)
        return RH_E_NOMEM;
    rh__query_init(q);
    *out = q;
    return RH_OK;
}

void rh__query_init(rh_query *q)
{
    memset(q, 0, sizeof *q);
    q->state = -1;
    q->status = -1;
    q->outcome = -1;
}

void rh_query_free(rh_query *q) { rh__free(&rh__default_allocator, q); }

static int set_id(char *dst, const char *id)
{
    if (id == NULL) {
        dst[0] = '\0';
        return RH_OK;
    }
    if (!rh__id_valid(id))
        return RH_E_INVALID_ARG;
    rh__strlcpy(dst, id, RH_ID_SIZE);
    return RH_OK;
}

int rh_query_set_endpoint(rh_query *q, const char *id)
{
    return q ? set_id(q->endpoint, id) : RH_E_INVALID_ARG;
}
int rh_query_set_delivery(rh_query *q, const char *id)
{
    return q ? set_id(q->delivery, id) : RH_E_INVALID_ARG;
}
int rh_query_set_event(rh_query *q, const char *id)
{
    return q ? set_id(q->event, id) : RH_E_INVALID_ARG;
}
int rh_query_set_failed_only(rh_query *q, int failed_only)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->failed_only = failed_only != 0;
    return RH_OK;
}
int rh_query_set_state(rh_query *q, int state)
{
    if (!q || state < -1 || state > RH_DELIVERY_FAILED)
        return RH_E_INVALID_ARG;
    q->state = state;
    return RH_OK;
}
int rh_query_set_time_range(rh_query *q, int64_t since_ms, int64_t until_ms)
{
    if (!q || (until_ms != 0 && until_ms < since_ms))
        return RH_E_INVALID_ARG;
    q->since_ms = since_ms;
    q->until_ms = until_ms;
    return RH_OK;
}
int rh_query_set_event_type(rh_query *q, const char *pattern)
{
    if (!q || (pattern && !rh__pattern_valid(pattern)))
        return RH_E_INVALID_ARG;
    if (!pattern || !strcmp(pattern, "*"))
        q->type[0] = '\0';
    else
        rh__strlcpy(q->type, pattern, sizeof q->type);
    return RH_OK;
}
int rh_query_set_status(rh_query *q, int status)
{
    if (!q || status < -1 || (status > 0 && (status < 100 || status > 599)))
        return RH_E_INVALID_ARG;
    q->status = status;
    return RH_OK;
}
int rh_query_set_outcome(rh_query *q, int outcome)
{
    if (!q || outcome < -1 || outcome > RH_OUTCOME_BAD_RESPONSE)
        return RH_E_INVALID_ARG;
    q->outcome = outcome;
    return RH_OK;
}
int rh_query_set_delivery_cursor(rh_query *q, int64_t created_ms,
                                 const char *delivery_id)
{
    if (!q || (delivery_id && !rh__id_valid(delivery_id)))
        return RH_E_INVALID_ARG;
    q->after_created_ms = delivery_id ? created_ms : 0;
    return set_id(q->after_id, delivery_id);
}
int rh_query_set_limit(rh_query *q, size_t limit)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->limit = limit;
    return RH_OK;
}
int rh_query_set_cursor(rh_query *q, int64_t after)
{
    if (!q)
        return RH_E_INVALID_ARG;
    q->cursor = after;
    return RH_OK;
}

const char *rh_query_endpoint(const rh_query *q)
{
    return q && q->endpoint[0] ? q->endpoint : NULL;
}
const char *rh_query_delivery(const rh_query *q)
{
    return q && q->delivery[0] ? q->delivery : NULL;
}
const char *rh_query_event(const rh_query *q)
{
    return q && q->event[0] ? q->event : NULL;
}
int rh_query_failed_only(const rh_query *q) { return q ? q->failed_only : 0; }
int rh_query_state(const rh_query *q) { return q ? q->state : -1; }
int64_t rh_query_since_ms(const rh_query *q) { return q ? q->since_ms : 0; }
int64_t rh_query_until_ms(const rh_query *q) { return q ? q->until_ms : 0; }
size_t rh_query_limit(const rh_query *q) { return rh__query_effective_limit(q); }
int64_t rh_query_cursor(const rh_query *q) { return q ? q->cursor : 0; }
const char *rh_query_event_type(const rh_query *q)
{
    return q && q->type[0] ? q->type : NULL;
}
int rh_query_status(const rh_query *q)
{
    return q ? q->status : -1;
}
int rh_query_outcome(const rh_query *q)
{
    return q ? q->outcome : -1;
}
int64_t rh_query_delivery_cursor_ms(const rh_query *q)
{
    return q && q->after_id[0] ? q->after_created_ms : 0;
}
const char *rh_query_delivery_cursor_id(const rh_query *q)
{
    return q && q->after_id[0] ? q->after_id : NULL;
}

size_t rh__query_effective_limit(const rh_query *q)
{
    return q && q->limit ? q->limit : 100;
}

int rh__query_matches_attempt(const rh_query *q, const rh_attempt *at)
{
    if (!q)
        return 1;
    if (q->endpoint[0] && strcmp(q->endpoint, at->endpoint_id) != 0)
        return 0;
    if (q->delivery[0] && strcmp(q->delivery, at->delivery_id) != 0)
        return 0;
    if (q->event[0] && strcmp(q->event, at->event_id) != 0)
        return 0;
    if (q->failed_only && at->success)
        return 0;
    if (at->started_ms < q->since_ms)
        return 0;
    if (q->until_ms && at->started_ms >= q->until_ms)
        return 0;
    if (q->type[0] && !rh__pattern_matches(q->type, rh_attempt_event_type(at)))
        return 0;
    if (q->status >= 0 && at->status != q->status)
        return 0;
    if (q->outcome >= 0 && at->outcome != q->outcome)
        return 0;
    return at->seq > q->cursor;
}

int rh__query_matches_delivery(const rh_query *q, const rh_delivery *dl)
{
    if (!q)
        return 1;
    if (q->endpoint[0] && strcmp(q->endpoint, dl->endpoint_id) != 0)
        return 0;
    if (q->delivery[0] && strcmp(q->delivery, dl->id) != 0)
        return 0;
    if (q->event[0] && strcmp(q->event, dl->event_id) != 0)
        return 0;
    if (q->failed_only && dl->state != RH_DELIVERY_FAILED)
        return 0;
    if (q->state >= 0 && dl->state != q->state)
        return 0;
    if (dl->created_ms < q->since_ms)
        return 0;
    if (q->until_ms && dl->created_ms >= q->until_ms)
        return 0;
    if (q->type[0] && !rh__pattern_matches(q->type, rh_delivery_event_type(dl)))
        return 0;
    if (q->after_id[0] && (dl->created_ms < q->after_created_ms ||
                           (dl->created_ms == q->after_created_ms &&
                            strcmp(dl->id, q->after_id) <= 0)))
        return 0;
    return 1;
}

/* ---------------------------------------------------------- claim request */

int64_t rh_claim_request_now_ms(const rh_claim_request *r)
{
    return r ? r->now_ms : 0;
}
int64_t rh_claim_request_lease_until_ms(const rh_claim_request *r)
{
    return r ? r->lease_until_ms : 0;
}
size_t rh_claim_request_max(const rh_claim_request *r)
{
    return r ? r->max : 0;
}
size_t rh_claim_request_max_per_endpoint(const rh_claim_request *r)
{
    return r ? r->max_per_endpoint : 0;
}
size_t rh_claim_request_limit_count(const rh_claim_request *r)
{
    return r ? r->n_limits : 0;
}
const char *rh_claim_request_limit_endpoint(const rh_claim_request *r, size_t i)
{
    return r && i < r->n_limits ? r->limits[i].endpoint_id : "";
}
size_t rh_claim_request_limit_room(const rh_claim_request *r, size_t i)
{
    return r && i < r->n_limits ? r->limits[i].room : 0;
}

size_t rh_claim_request_room_of(const rh_claim_request *r,
                                const char *endpoint_id)
{
    size_t lo = 0, hi;
    if (!r || !endpoint_id)
        return 0;
    hi = r->n_limits;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(endpoint_id, r->limits[mid].endpoint_id);
        if (c == 0)
            return r->limits[mid].room;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return r->max_per_endpoint;
}
