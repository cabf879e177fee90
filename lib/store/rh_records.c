/* replicer-hooks records: events, deliveries and attempts as the storage
 * table and the delivery log see them, made, copied, freed and read through
 * their getters. The queries and claim requests put to a store are in
 * rh_query.c. */
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

rh_event *rh__event_copy(const rh_allocator *a, const rh_event *src)
{
    rh_event *ev = NULL;
    if (rh__event_make(&ev, a, src->id, src->type, src->timestamp_ms,
                       src->data, src->data_len) != RH_OK)
        return NULL;
    if (rh__event_set_ordering(ev, src->ordering_key, src->ordering_hold) !=
        RH_OK) {
        rh_event_free(ev);
        return NULL;
    }
    memcpy(ev->tenant, src->tenant, sizeof ev->tenant);
    if (src->trace && rh_event_set_trace_context(ev, rh_event_traceparent(src),
                                                 rh_event_tracestate(src))) {
        rh_event_free(ev);
        return NULL;
    }
    return ev;
}

int rh_event_new(rh_event **out, const char *id, const char *type,
                 int64_t timestamp_ms, const char *data, size_t data_len)
{
    if (!out)
        return RH_E_INVALID_ARG;
    return rh__event_make(out, &rh__default_allocator, id, type, timestamp_ms,
                          data, data_len);
}

/* The data and the ordering key are the event's own: they go with it. */
void rh_event_free(rh_event *ev)
{
    const rh_allocator *a = ev ? ev->alloc : NULL;
    if (a) {
        rh__free(a, ev->ordering_key);
        rh__free(a, ev->trace);
        rh__free(a, ev->data);
        rh__free(a, ev);
    }
}

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

/* A record's tenant: copied in whole, "" for none. */
static int set_tenant(char *dst, const char *tenant)
{
    if (tenant && *tenant && !rh__tenant_valid(tenant))
        return RH_E_INVALID_ARG;
    rh__strlcpy(dst, tenant ? tenant : "", RH_TENANT_MAX + 1);
    return RH_OK;
}

const char *rh_event_tenant(const rh_event *ev) { return ev ? ev->tenant : ""; }
const char *rh_event_traceparent(const rh_event *ev)
{
    return ev && ev->trace ? ev->trace : "";
}
const char *rh_event_tracestate(const rh_event *ev)
{
    return ev && ev->trace ? ev->trace + strlen(ev->trace) + 1 : "";
}
int rh_event_set_trace_context(rh_event *ev, const char *traceparent,
                               const char *tracestate)
{
    const char *tp = traceparent && *traceparent ? traceparent : NULL;
    const char *ts = tp && tracestate && *tracestate ? tracestate : NULL;
    if (!ev || (tp && !rh__traceparent_valid(tp)) ||
        (ts && !rh__tracestate_valid(ts)))
        return RH_E_INVALID_ARG;
    char *t = NULL;
    if (tp) {
        size_t a = strlen(tp), b = ts ? strlen(ts) : 0;
        if (!(t = rh__malloc(ev->alloc, a + b + 2)))
            return RH_E_NOMEM;
        memcpy(t, tp, a + 1);
        memcpy(t + a + 1, ts ? ts : "", b + 1);
    }
    rh__free(ev->alloc, ev->trace);
    ev->trace = t;
    return RH_OK;
}
int rh_event_set_tenant(rh_event *ev, const char *tenant)
{
    return ev ? set_tenant(ev->tenant, tenant) : RH_E_INVALID_ARG;
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

static int delivery_make(rh_delivery **out, const rh_allocator *a)
{
    return (*out = record_alloc(a, sizeof **out, NULL)) ? RH_OK : RH_E_NOMEM;
}

rh_delivery *rh__delivery_copy(const rh_allocator *a, const rh_delivery *src)
{
    rh_delivery *dl = record_alloc(a, sizeof *dl, src);
    if (!dl)
        return NULL;
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
    rc = delivery_make(&dl, &rh__default_allocator);
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
    return dl && dl->event_type ? dl->event_type : "";
}
int rh_delivery_state(const rh_delivery *dl) { return dl ? dl->state : -1; }
const char *rh_delivery_ordering_key(const rh_delivery *dl)
{
    return dl ? dl->ordering_key : NULL;
}
int rh_delivery_set_ordering_key(rh_delivery *dl, const char *key)
{
    if (!dl)
        return RH_E_INVALID_ARG;
    char *k = key ? rh__strdup(dl->alloc, key) : NULL;
    if (key && !k)
        return RH_E_NOMEM;
    rh__free(dl->alloc, dl->ordering_key);
    dl->ordering_key = k;
    return RH_OK;
}
const char *rh_delivery_tenant(const rh_delivery *dl)
{
    return dl ? dl->tenant : "";
}
int rh_delivery_set_tenant(rh_delivery *dl, const char *tenant)
{
    return dl ? set_tenant(dl->tenant, tenant) : RH_E_INVALID_ARG;
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
const char *rh_attempt_tenant(const rh_attempt *at)
{
    return at ? at->tenant : "";
}
const char *rh_attempt_traceparent(const rh_attempt *at)
{
    return at ? at->traceparent : "";
}
int rh_attempt_set_tenant(rh_attempt *at, const char *tenant)
{
    return at ? set_tenant(at->tenant, tenant) : RH_E_INVALID_ARG;
}
