/* replicer-hooks memory store's records: its nodes for events, deliveries
 * and attempts, made from the library's records through their getters and
 * lent back as public records built with their constructors; and a query's
 * filters, read once and matched against the nodes. */
#define RH_ADAPTER_HELPERS_ONLY
#include "rh_adapter.h"
#include "rh_memqueue.h"

/* ------------------------------------------------------------------ event */

int rh__mem_event_new(memstore *m, const rh_event *ev, mem_event **out)
{
    const char *key = rh_event_ordering_key(ev);
    size_t len = key ? strlen(key) : 0;
    mem_event *e = mem_malloc(m->alloc, sizeof *e + len + 1);
    int rc = e ? rh_event_new(&e->rec, rh_event_id(ev), rh_event_type(ev),
                              rh_event_timestamp_ms(ev), rh_event_data(ev),
                              rh_event_data_len(ev))
               : RH_E_NOMEM;
    if (rc == RH_OK &&
        ((rc = rh_event_set_tenant(e->rec, rh_event_tenant(ev))) ||
         (rc = rh_event_set_trace_context(e->rec, rh_event_traceparent(ev),
                                          rh_event_tracestate(ev)))))
        rh_event_free(e->rec);
    if (rc != RH_OK) {
        mem_free(m->alloc, e);
        return rc;
    }
    e->refs = 1;
    e->has_key = key != NULL;
    e->hold = key && rh_event_ordering_holds(ev);
    memcpy(e->key, key ? key : "", len + 1);
    *out = e;
    return RH_OK;
}

void rh__mem_event_release(memstore *m, mem_event *e)
{
    if (!e || --e->refs > 0)
        return;
    rh_event_free(e->rec);
    mem_free(m->alloc, e);
}

/* --------------------------------------------------------------- delivery */

mem_delivery *rh__mem_delivery_new(memstore *m, mem_event *e,
                                   const rh_delivery *dl)
{
    mem_delivery *d = mem_calloc(m->alloc, sizeof *d);
    if (!d)
        return NULL;
    mem_copy_id(d->id, rh_delivery_id(dl));
    mem_copy_id(d->event_id, rh_delivery_event_id(dl));
    mem_copy_id(d->endpoint_id, rh_delivery_endpoint_id(dl));
    d->state = RH_DELIVERY_PENDING;
    d->attempts = rh_delivery_attempts(dl);
    d->next_attempt_ms = rh_delivery_next_attempt_ms(dl);
    d->created_ms = rh_delivery_created_ms(dl);
    d->updated_ms = rh_delivery_updated_ms(dl);
    d->ev = e; /* the payload is stored once per event */
    e->refs++;
    return d;
}

void rh__mem_delivery_free(memstore *m, mem_delivery *d)
{
    if (!d)
        return;
    rh__mem_event_release(m, d->ev);
    mem_free(m->alloc, d);
}

int rh__mem_delivery_lend(const mem_delivery *d, rh_delivery **out)
{
    const mem_event *e = d->ev;
    int rc = rh_delivery_new(out, d->id, d->event_id, d->endpoint_id,
                             rh_event_type(e->rec), d->state, d->attempts,
                             d->next_attempt_ms, d->created_ms, d->updated_ms);
    if (rc == RH_OK && e->has_key)
        rc = rh_delivery_set_ordering_key(*out, e->key);
    if (rc == RH_OK)
        rc = rh_delivery_set_tenant(*out, rh_event_tenant(e->rec));
    if (rc != RH_OK && *out) {
        rh_delivery_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- attempt */

mem_attempt *rh__mem_attempt_new(memstore *m, const rh_attempt *at)
{
    size_t rlen = rh_attempt_response_len(at);
    const char *err = rh_attempt_error(at), *type = rh_attempt_event_type(at),
               *tenant = rh_attempt_tenant(at);
    size_t elen = strlen(err), tlen = strlen(type), nlen = strlen(tenant);
    mem_attempt *a =
        mem_malloc(m->alloc, sizeof *a + rlen + elen + tlen + nlen + 4);
    if (!a)
        return NULL;
    memset(a, 0, sizeof *a);
    mem_copy_id(a->delivery_id, rh_attempt_delivery_id(at));
    mem_copy_id(a->endpoint_id, rh_attempt_endpoint_id(at));
    mem_copy_id(a->event_id, rh_attempt_event_id(at));
    a->number = rh_attempt_number(at);
    a->status = rh_attempt_status(at);
    a->success = rh_attempt_success(at);
    a->outcome = rh_attempt_outcome(at);
    a->started_ms = rh_attempt_started_ms(at);
    a->duration_ms = rh_attempt_duration_ms(at);
    a->response_len = rlen;
    memcpy(a->bytes, rh_attempt_response(at), rlen);
    a->bytes[rlen] = '\0';
    a->error = memcpy(a->bytes + rlen + 1, err, elen + 1);
    a->event_type = memcpy(a->bytes + rlen + elen + 2, type, tlen + 1);
    a->tenant = memcpy(a->bytes + rlen + elen + tlen + 3, tenant, nlen + 1);
    return a;
}

int rh__mem_attempt_lend(const mem_attempt *a, rh_attempt **out)
{
    int rc = rh_attempt_new(out, a->seq, a->delivery_id, a->endpoint_id,
                            a->event_id, a->event_type, a->number,
                            a->started_ms, a->duration_ms, a->status,
                            a->success, a->outcome, a->bytes, a->response_len,
                            a->error);
    if (rc == RH_OK && (rc = rh_attempt_set_tenant(*out, a->tenant))) {
        rh_attempt_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- filters */

void rh__mem_filter_of(mem_filter *f, const rh_query *q)
{
    adapter_type_filter t;
    adapter_type_filter_of(q, &t);
    if (t.exact || t.prefix)
        memcpy(f->type_buf, t.buf, sizeof f->type_buf);
    f->type_exact = t.exact ? f->type_buf : NULL;
    f->type_prefix = t.prefix ? f->type_buf : NULL;
    f->endpoint = rh_query_endpoint(q);
    f->delivery = rh_query_delivery(q);
    f->event = rh_query_event(q);
    f->failed_only = rh_query_failed_only(q);
    f->state = rh_query_state(q);
    f->status = rh_query_status(q);
    f->outcome = rh_query_outcome(q);
    f->since_ms = rh_query_since_ms(q);
    f->until_ms = rh_query_until_ms(q);
    f->cursor = rh_query_cursor(q);
    f->after_ms = rh_query_delivery_cursor_ms(q);
    f->after_id = rh_query_delivery_cursor_id(q);
    f->tenant = rh_query_tenant(q);
}

static int differs(const char *want, const char *have)
{
    return want && strcmp(want, have) != 0;
}

/* A prefix keeps its dot, and matches longer types only: "order.*" is not
 * "order" (adapter_type_filter_of). */
static int type_matches(const mem_filter *f, const char *type)
{
    if (f->type_exact)
        return strcmp(f->type_exact, type) == 0;
    if (f->type_prefix) {
        size_t n = strlen(f->type_prefix);
        return strncmp(f->type_prefix, type, n) == 0 && type[n] != '\0';
    }
    return 1;
}

static int in_time(const mem_filter *f, int64_t ms)
{
    return ms >= f->since_ms && (!f->until_ms || ms < f->until_ms);
}

int rh__mem_filter_delivery(const mem_filter *f, const mem_delivery *d)
{
    if (differs(f->endpoint, d->endpoint_id) || differs(f->delivery, d->id) ||
        differs(f->event, d->event_id))
        return 0;
    if ((f->failed_only && d->state != RH_DELIVERY_FAILED) ||
        (f->state >= 0 && d->state != f->state) || !in_time(f, d->created_ms))
        return 0;
    if (!type_matches(f, rh_event_type(d->ev->rec)) ||
        differs(f->tenant, rh_event_tenant(d->ev->rec)))
        return 0;
    return !f->after_id || d->created_ms > f->after_ms ||
           (d->created_ms == f->after_ms && strcmp(d->id, f->after_id) > 0);
}

int rh__mem_filter_attempt(const mem_filter *f, const mem_attempt *a)
{
    if (differs(f->endpoint, a->endpoint_id) ||
        differs(f->delivery, a->delivery_id) || differs(f->event, a->event_id))
        return 0;
    if ((f->failed_only && a->success) || !in_time(f, a->started_ms) ||
        !type_matches(f, a->event_type))
        return 0;
    if ((f->status >= 0 && a->status != f->status) ||
        (f->outcome >= 0 && a->outcome != f->outcome) ||
        differs(f->tenant, a->tenant))
        return 0;
    return a->seq > f->cursor;
}
