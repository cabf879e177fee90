/* replicer-hooks storage backends: what the memory store and the SQLite and
 * PostgreSQL adapters share. Compiled into each (all static), so that no
 * adapter library exports more than its own open and attach. */
#ifndef RH_ADAPTER_H
#define RH_ADAPTER_H

#include <replicer-hooks/rh.h>
#include <replicer-hooks/sys/storage.h>

#include <stdio.h>
#include <string.h>

/* The SQL adapters' statements, one numbering for both: each adapter's text
 * table leaves NULL those it does not use. */
enum {
    S_EP_SAVE,
    S_EP_REMOVE,
    S_EP_LOAD,
    S_EV_INSERT, /* SQLite: the event row; PostgreSQL inserts it in S_DL_INSERT
                  */
    S_DL_INSERT,
    S_CLAIM_SCAN,
    S_CLAIM_TAKE,
    S_AT_INSERT,
    S_DL_UPDATE,
    S_QUERY_ATTEMPTS,
    S_QUERY_DELIVERIES,
    S_RESEND,
    S_STATE_OF,
    S_RECOVER,
    S_NEXT_DUE,
    S_DUE_ENDPOINTS,    /* SQLite's fair claim: endpoints, then ... */
    S_ENDPOINT_DUE,     /* ... each one's due rows */
    S_CLAIM_FAIR,       /* PostgreSQL's fair claim, one statement */
    S_PRUNE_ATTEMPTS,   /* SQLite's prune: the attempts, ... */
    S_PRUNE_DELIVERIES, /* ... the deliveries (PostgreSQL: all, one
                         * statement), ... */
    S_PRUNE_EVENT,      /* ... and each event nothing needs any more */
    S_KEY_TAKE,   /* an idempotency key taken (PostgreSQL: and the enqueue) */
    S_KEY_HELD,   /* the event holding a key */
    S_KEY_EXPIRE, /* SQLite: a few expired keys dropped */
    S_SKIP,       /* a failed delivery lets go of its ordering key */
    S_STATE_SAVE,   /* one part of an endpoint's state, if it is stored */
    S_STATE_LOAD,   /* every stored part */
    S_STATE_REMOVE, /* SQLite: an endpoint's parts, as it is removed */
    /* SQLite: the log queries of one tenant, through its own index (an
     * "?N IS NULL OR tenant = ?N" filter would read every tenant's rows) */
    S_QUERY_ATTEMPTS_TENANT,
    S_QUERY_DELIVERIES_TENANT,
    S_DOC_SAVE, /* a document (the catalog), inserted or replaced */
    S_DOC_LOAD, /* every document of a kind, by key */
    S_COUNT_OPEN, /* a tenant's pending and in-flight deliveries, capped */
    /* one tenant's prune (SQLite: its attempts, then its deliveries;
     * PostgreSQL: all, one statement), through its own index */
    S_PRUNE_ATTEMPTS_TENANT,
    S_PRUNE_DELIVERIES_TENANT,
    /* PostgreSQL: the queue's figures in all, by endpoint, by tenant
     * (SQLite builds its one statement per call) */
    S_FIGURES_TOTAL,
    S_FIGURES_ENDPOINT,
    S_FIGURES_TENANT,
    S_DELIVERY_EVENT, /* one delivery and its event, as a claim row */
    S_ENDPOINT_HEALTH, /* an endpoint's health from its log */
    /* the log queries of one endpoint, through its own index (the tenant,
     * when asked, a filter beside it): "?N IS NULL OR endpoint_id = ?N"
     * would read the whole log in seq order */
    S_QUERY_ATTEMPTS_ENDPOINT,
    S_QUERY_DELIVERIES_ENDPOINT,
    S_COUNT
};

/* An event's trace context in one text column: the traceparent (55
 * characters: it holds no space), then a space and the tracestate when it
 * has one; NULL when it has none. buf: RH_TRACEPARENT_SIZE +
 * RH_TRACESTATE_MAX + 1 bytes. */
#define ADAPTER_TRACE_SIZE (RH_TRACEPARENT_SIZE + RH_TRACESTATE_MAX + 1)
static inline const char *adapter_trace_text(const rh_event *ev, char *buf)
{
    const char *tp = rh_event_traceparent(ev), *ts = rh_event_tracestate(ev);
    if (!*tp)
        return NULL;
    snprintf(buf, ADAPTER_TRACE_SIZE, "%s%s%s", tp, *ts ? " " : "", ts);
    return buf;
}

/* That column's text back on a built event (NULL or "": none). */
static inline int adapter_trace_set(rh_event *ev, const char *text)
{
    char tp[RH_TRACEPARENT_SIZE];
    if (!text || !*text)
        return RH_OK;
    if (strlen(text) < RH_TRACEPARENT_SIZE - 1)
        return RH_E_INVALID_ARG;
    memcpy(tp, text, RH_TRACEPARENT_SIZE - 1);
    tp[RH_TRACEPARENT_SIZE - 1] = '\0';
    return rh_event_set_trace_context(ev, tp,
                                      text[RH_TRACEPARENT_SIZE - 1] == ' '
                                          ? text + RH_TRACEPARENT_SIZE
                                          : NULL);
}

/* The caller's callback for one kind of row. */
typedef struct each_pass {
    rh_endpoint_record_cb on_endpoint;
    rh_attempt_cb on_attempt;
    rh_delivery_cb on_delivery;
    void *each_ud;
} each_pass;

/* rc of building a record (of `what`) from a stored row: a row that makes
 * no valid record is the store's fault, RH_E_STORAGE, and err says so. */
static inline int adapter_row_rc(int rc, const char *what, char *err,
                                 size_t err_size)
{
    if (rc != RH_E_INVALID_ARG)
        return rc;
    snprintf(err, err_size, "a stored %s row is not valid", what);
    return RH_E_STORAGE;
}

/* Hand an attempt built from a row (rc from rh_attempt_new) to the pass's
 * callback, and free it. */
static inline int adapter_give_attempt(const each_pass *p, int rc,
                                       rh_attempt *at, char *err,
                                       size_t err_size)
{
    rc = adapter_row_rc(rc, "attempt", err, err_size);
    if (rc != RH_OK)
        return rc;
    rc = p->on_attempt(at, p->each_ud);
    rh_attempt_free(at);
    return rc;
}

/* Hand a delivery built from a row to the pass's callback, and free it. */
static inline int adapter_give_delivery(const each_pass *p, rh_delivery *dl)
{
    int rc = p->on_delivery(dl, p->each_ud);
    rh_delivery_free(dl);
    return rc;
}

/* How many due rows one claim of `max` may look at: rows the caller leaves
 * (its per-endpoint cap) count against it, so that one crowded endpoint
 * cannot make a claim read the whole queue. The memory store uses the
 * same bound. */
static inline size_t adapter_scan_budget(size_t max)
{
    return max * 4 + 256;
}

/* A query's event type filter as SQL binds it: an exact type, or the
 * prefix of "prefix.*" with its dot (a prefix matches longer types only:
 * "order.*" is not "order"); the other NULL, both NULL for any type. */
typedef struct adapter_type_filter {
    const char *exact;
    const char *prefix;
    char buf[160];
} adapter_type_filter;

static inline void adapter_type_filter_of(const rh_query *q,
                                          adapter_type_filter *f)
{
    const char *t = rh_query_event_type(q);
    size_t n = t ? strlen(t) : 0;
    f->exact = f->prefix = NULL;
    if (!t || n >= sizeof f->buf)
        return;
    memcpy(f->buf, t, n + 1);
    if (n >= 2 && t[n - 1] == '*') {
        f->buf[n - 1] = '\0';
        f->prefix = f->buf;
    } else {
        f->exact = f->buf;
    }
}

/* A store whose schema is newer than this library: RH_E_STORAGE. */
static inline int adapter_schema_newer(int version, int supported, char *err,
                                       size_t err_size)
{
    snprintf(err, err_size,
             "schema version %d is newer than this library's (%d)", version,
             supported);
    return RH_E_STORAGE;
}

#endif

/* The slots and the table over them: only in the one file of an adapter
 * that fills its table (its other files define RH_ADAPTER_HELPERS_ONLY). */
#if !defined(RH_ADAPTER_HELPERS_ONLY) && !defined(RH_ADAPTER_SLOTS)
#define RH_ADAPTER_SLOTS
/* The slots each adapter defines, on its own `store` passed as userdata. */
static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud);
static int s_endpoint_remove(const char *id, void *ud);
static int s_endpoint_load(rh_endpoint_record_cb each, void *each_ud, void *ud);
static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud);
static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud);
static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud);
static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud);
static int s_resend(const char *id, int64_t now_ms, void *ud);
static int s_recover(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                     void *ud);
static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud);
static const char *s_last_error(void *ud);
static void s_destroy(void *ud);
static int s_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud);
static int s_batch_begin(void *ud);
static int s_batch_commit(void *ud);
static int s_prune(int64_t before_ms, size_t max, void *ud);
static int s_recover_matching(const rh_query *q, int64_t now_ms, void *ud);
static int s_enqueue_keyed(const rh_event *ev, const rh_delivery *const *dls,
                           size_t n, const char *key, int64_t window_start_ms,
                           char *held_event_id, void *ud);
static int s_skip(const char *delivery_id, int64_t now_ms, void *ud);

/* The method table over those slots; the two claim slots are set by each
 * backend (its claims live in a file of their own). */
static inline void adapter_fill(rh_storage *out, void *userdata)
{
    memset(out, 0, sizeof *out);
    out->version = RH_STORAGE_VERSION;
    out->userdata = userdata;
    out->endpoint_save = s_endpoint_save;
    out->endpoint_remove = s_endpoint_remove;
    out->endpoint_load = s_endpoint_load;
    out->enqueue = s_enqueue;
    out->complete = s_complete;
    out->query_attempts = s_query_attempts;
    out->query_deliveries = s_query_deliveries;
    out->resend = s_resend;
    out->recover = s_recover;
    out->next_due = s_next_due;
    out->destroy = s_destroy;
    out->last_error = s_last_error;
    out->complete_batch = s_complete_batch;
    out->batch_begin = s_batch_begin;
    out->batch_commit = s_batch_commit;
    out->prune = s_prune;
    out->recover_matching = s_recover_matching;
    out->enqueue_keyed = s_enqueue_keyed;
    out->skip = s_skip;
}
#endif /* RH_ADAPTER_HELPERS_ONLY */
