/* replicer-hooks store layer: every call the library makes to the storage
 * table goes through here (rh_store.h says why), with one path per
 * operation, the emit batch, the backoff after a failure, and the mapping
 * of a slot's failure to a code and a message. */
#include "rh_store.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ the table */

size_t rh__store_table_size(unsigned int version)
{
    if (version < 2)
        return offsetof(rh_storage, claim_batch);
    return version < 3 ? offsetof(rh_storage, endpoint_state_save)
                       : sizeof(rh_storage);
}

int rh__store_table_check(const rh_storage *t)
{
    if (t->version > RH_STORAGE_VERSION)
        return RH_E_UNSUPPORTED;
    if (t->version < 1 || !t->endpoint_save || !t->endpoint_remove ||
        !t->endpoint_load || !t->enqueue || !t->query_attempts ||
        !t->query_deliveries || !t->resend || !t->next_due)
        return RH_E_INVALID_ARG;
    /* version 3: the batched slots are the required set; an older table
     * has the version-1 ones, which rh_store_compat.c turns into them */
    if (t->version >= 3 &&
        (!t->claim_batch || !t->complete_batch || !t->recover_matching))
        return RH_E_INVALID_ARG;
    if (t->version < 3 && (!t->claim || !t->complete || !t->recover))
        return RH_E_INVALID_ARG;
    if (t->version >= 2 && !t->batch_begin != !t->batch_commit)
        return RH_E_INVALID_ARG; /* a batch needs both, or neither */
    if (t->version >= 3 && !t->endpoint_state_save != !t->endpoint_state_load)
        return RH_E_INVALID_ARG; /* state saved must be loaded, and back */
    if (t->version >= 3 && !t->document_save != !t->document_load)
        return RH_E_INVALID_ARG; /* the same for documents */
    return RH_OK;
}

void rh__store_init(rh_store *st, const rh_storage *table,
                    const rh_allocator *a)
{
    memset(st, 0, sizeof *st);
    st->table = *table;
    st->alloc = a;
}

void rh__store_fini(rh_store *st, int destroy)
{
    rh__free(st->alloc, st->limits);
    rh__free(st->alloc, st->tenant_limits);
    st->tenant_limits = NULL;
    st->tenant_limits_cap = 0;
    rh__free(st->alloc, (void *)st->dls);
    rh__free(st->alloc, (void *)st->ats);
    st->limits = NULL;
    st->dls = NULL;
    st->ats = NULL;
    st->limits_cap = st->batch_cap = 0;
    if (destroy && st->table.destroy)
        st->table.destroy(st->table.userdata);
}

int rh__store_can(const rh_store *st, int what)
{
    const rh_storage *t = &st->table;
    switch (what) {
    case RH__STORE_KEYS:
        return t->enqueue_keyed != NULL;
    case RH__STORE_ORDERING:
        return t->skip != NULL;
    case RH__STORE_PRUNE:
        return t->prune != NULL;
    case RH__STORE_STATE:
        return t->endpoint_state_save != NULL;
    case RH__STORE_BATCH:
        return t->batch_begin != NULL;
    case RH__STORE_TENANTS:
        return t->version >= 3;
    case RH__STORE_DOCUMENTS:
        return t->document_save != NULL;
    case RH__STORE_COUNT_OPEN:
        return t->count_open != NULL;
    case RH__STORE_BATCH_KEYS:
        return t->batch_keys && t->batch_keys(t->userdata) == 1;
    default:
        return 0;
    }
}

/* -------------------------------------------------------------- backoff */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A store that failed or was busy is tried again after a backoff, in real
 * time (it is about the store's recovery, not the delivery clock), so that
 * an outage costs the host little and a tick never waits on it. */
#define STORE_BACKOFF_MIN_MS 25
#define STORE_BACKOFF_MAX_MS 1000

int rh__store_ready(const rh_store *st)
{
    return !st->batch_open && (!st->retry_at_ms || mono_ms() >= st->retry_at_ms);
}

int rh__store_outcome(rh_store *st, int rc)
{
    if (rc == RH_E_NOMEM || rc == RH_E_REENTRANT)
        return rc; /* ours, not the store's */
    if (rc >= 0) {
        st->backoff_ms = 0;
        st->retry_at_ms = 0;
        return rc;
    }
    st->backoff_ms = st->backoff_ms ? st->backoff_ms * 2 : STORE_BACKOFF_MIN_MS;
    if (st->backoff_ms > STORE_BACKOFF_MAX_MS)
        st->backoff_ms = STORE_BACKOFF_MAX_MS;
    st->retry_at_ms = mono_ms() + st->backoff_ms;
    return rc;
}

int64_t rh__store_backoff_left_ms(const rh_store *st)
{
    if (!st->retry_at_ms)
        return 0;
    int64_t left = st->retry_at_ms - mono_ms();
    return left > 0 ? left : 0;
}

/* ------------------------------------------------------------- failures */

/* rc of slot, mapped, with st->err saying what went wrong. */
static int slot_result(rh_store *st, int rc, const char *slot)
{
    if (rc >= 0)
        return rc;
    switch (rc) {
    case RH_E_NOT_FOUND:
    case RH_E_STATE:
        snprintf(st->err, sizeof st->err, "storage %s: %s", slot,
                 rh_strerror(rc));
        return rc;
    case RH_E_FULL:
        snprintf(st->err, sizeof st->err,
                 "queue full: the storage holds as many pending deliveries "
                 "as it may");
        return rc;
    case RH_E_NOMEM:
        snprintf(st->err, sizeof st->err, "storage %s: out of memory", slot);
        return rc;
    default: {
        const char *why = st->table.last_error
                              ? st->table.last_error(st->table.userdata)
                              : NULL;
        snprintf(st->err, sizeof st->err, "storage %s failed (%d: %s)", slot,
                 rc, why && *why ? why : rh_strerror(rc));
        return RH_E_STORAGE;
    }
    }
}

/* A call the table cannot take: RH_E_UNSUPPORTED with why. */
static int unsupported(rh_store *st, const char *why)
{
    snprintf(st->err, sizeof st->err, "%s", why);
    return RH_E_UNSUPPORTED;
}

/* A slot of the table, given the table's userdata last. */
#define CALL(slot, ...) st->table.slot(__VA_ARGS__, st->table.userdata)

/* ------------------------------------------------------------ endpoints */

int rh__store_endpoint_save(rh_store *st, const char *id, const char *json,
                            size_t len)
{
    return slot_result(st, CALL(endpoint_save, id, json, len), "endpoint_save");
}

int rh__store_endpoint_remove(rh_store *st, const char *id)
{
    return slot_result(st, CALL(endpoint_remove, id), "endpoint_remove");
}

/* The codes of the records' own failures (each callback's: a record that
 * is not valid, a secret that will not open) are the caller's to explain. */
static int own_failure(int rc)
{
    return rc == RH_E_INVALID_ARG || rc == RH_E_CRYPTO;
}

int rh__store_endpoint_load(rh_store *st, rh_endpoint_record_cb each,
                            void *ud)
{
    int rc = CALL(endpoint_load, each, ud);
    return own_failure(rc) ? rc : slot_result(st, rc, "endpoint_load");
}

int rh__store_state_save(rh_store *st, const char *id, const char *part,
                         const char *json, size_t len)
{
    if (!st->table.endpoint_state_save)
        return unsupported(st, "this storage keeps no endpoint state parts");
    return slot_result(st, CALL(endpoint_state_save, id, part, json, len),
                  "endpoint_state_save");
}

int rh__store_state_load(rh_store *st, rh_endpoint_part_cb each, void *ud)
{
    if (!st->table.endpoint_state_load)
        return RH_OK; /* nothing stored apart from the records */
    int rc = CALL(endpoint_state_load, each, ud);
    return own_failure(rc) ? rc : slot_result(st, rc, "endpoint_state_load");
}

int rh__store_document_save(rh_store *st, const char *kind, const char *key,
                            const char *json, size_t len)
{
    if (!st->table.document_save)
        return unsupported(st, "this storage keeps no documents (it has no "
                               "document_save slot)");
    return slot_result(st, CALL(document_save, kind, key, json, len),
                       "document_save");
}

int rh__store_document_load(rh_store *st, const char *kind, rh_document_cb each,
                            void *ud)
{
    if (!st->table.document_load)
        return RH_OK; /* nothing stored */
    int rc = CALL(document_load, kind, each, ud);
    return own_failure(rc) ? rc : slot_result(st, rc, "document_load");
}

int rh__store_count_open(rh_store *st, const char *tenant, size_t cap)
{
    if (!st->table.count_open)
        return unsupported(st, "this storage cannot count a tenant's open "
                               "deliveries (it has no count_open slot)");
    return slot_result(st, CALL(count_open, tenant, cap), "count_open");
}

int rh__store_endpoint_health(rh_store *st, const char *endpoint_id,
                              int64_t out[3])
{
    if (!st->table.endpoint_health)
        return RH_E_UNSUPPORTED;
    return slot_result(st, CALL(endpoint_health, endpoint_id, out),
                       "endpoint_health");
}

int rh__store_delivery_event(rh_store *st, const char *delivery_id,
                             rh_claimed_cb each, void *each_userdata)
{
    if (!st->table.delivery_event)
        return unsupported(st, "this storage cannot read a delivery's event "
                               "(it has no delivery_event slot)");
    return slot_result(st, CALL(delivery_event, delivery_id, each,
                                each_userdata),
                       "delivery_event");
}

int rh__store_queue_figures(rh_store *st, int64_t now_ms,
                            int64_t failed_since_ms, int group,
                            rh_queue_figures_cb each, void *each_userdata)
{
    if (!st->table.queue_figures)
        return unsupported(st, "this storage cannot give the queue's figures "
                               "(it has no queue_figures slot)");
    return slot_result(st,
                       CALL(queue_figures, now_ms, failed_since_ms, group,
                            each, each_userdata),
                       "queue_figures");
}

/* --------------------------------------------------------------- queue */

int rh__store_enqueue(rh_store *st, const rh_event *ev,
                      const rh_delivery *const *dls, size_t n, const char *key,
                      int64_t window_start_ms, char *held_event_id)
{
    int rc;
    if (key && *key) {
        if (!st->table.enqueue_keyed)
            return unsupported(st, "this storage has no enqueue_keyed slot: "
                                   "it cannot keep idempotency keys");
        rc = CALL(enqueue_keyed, ev, dls, n, key, window_start_ms,
                  held_event_id);
        return slot_result(st, rc, "enqueue_keyed");
    }
    /* a host's enqueue may answer with a count: any success is 0 here,
     * never the "key was held" of enqueue_keyed */
    rc = n ? CALL(enqueue, ev, dls, n) : 0;
    rc = slot_result(st, rc, "enqueue");
    return rc < 0 ? rc : 0;
}

/* buf grown to hold n elements of size elem (at least 16), kept between
 * claims; NULL when it cannot grow (buf is then still the caller's). */
static void *grown(rh_store *st, void *buf, size_t *cap, size_t n,
                   size_t elem)
{
    if (buf && *cap >= n)
        return buf;
    size_t want = n < 16 ? 16 : n;
    void *p = rh__realloc(st->alloc, buf, want * elem);
    if (p)
        *cap = want;
    return p;
}

rh_tenant_limit *rh__store_tenant_limits(rh_store *st, size_t n)
{
    rh_tenant_limit *l = grown(st, st->tenant_limits, &st->tenant_limits_cap,
                               n, sizeof *l);
    if (l)
        st->tenant_limits = l;
    return l;
}

rh_claim_limit *rh__store_limits(rh_store *st, size_t n)
{
    rh_claim_limit *l = grown(st, st->limits, &st->limits_cap, n, sizeof *l);
    if (l)
        st->limits = l;
    return l;
}

int rh__store_claim(rh_store *st, const rh_claim_request *req,
                    rh_claimed_cb each, void *ud)
{
    int rc = st->table.claim_batch
                 ? CALL(claim_batch, req, each, ud)
                 : rh__store_compat_claim(st, req, each, ud);
    return slot_result(st, rc, "claim");
}

int rh__store_reserve_outcomes(rh_store *st, size_t n)
{
    if (n <= st->batch_cap)
        return RH_OK;
    size_t cap = n < 64 ? 64 : n;
    const rh_delivery **d =
        rh__realloc(st->alloc, (void *)st->dls, cap * sizeof *d);
    if (!d)
        return RH_E_NOMEM;
    st->dls = d;
    const rh_attempt **a =
        rh__realloc(st->alloc, (void *)st->ats, cap * sizeof *a);
    if (!a)
        return RH_E_NOMEM;
    st->ats = a;
    st->batch_cap = cap;
    return RH_OK;
}

int rh__store_complete(rh_store *st, size_t n, size_t *stored)
{
    int rc;
    *stored = 0;
    if (!st->table.complete_batch)
        return slot_result(st, rh__store_compat_complete(st, n, stored),
                      "complete");
    rc = CALL(complete_batch, st->dls, st->ats, n);
    /* all or none: a delivery the store does not know was skipped */
    if (rc >= 0 || rc == RH_E_NOT_FOUND)
        *stored = n;
    return slot_result(st, rc, "complete_batch");
}

/* Asked for timing only: a failure means "look again soon", no error. */
int rh__store_next_due(const rh_store *st, int64_t now_ms, int64_t *due_ms)
{
    return CALL(next_due, now_ms, due_ms);
}

int rh__store_batch_begin(rh_store *st)
{
    int rc = st->table.batch_begin
                 ? st->table.batch_begin(st->table.userdata)
                 : RH_OK;
    rc = slot_result(st, rc, "batch_begin");
    if (rc >= 0)
        st->batch_open = 1;
    return rc;
}

int rh__store_batch_commit(rh_store *st)
{
    st->batch_open = 0;
    int rc = st->table.batch_commit
                 ? st->table.batch_commit(st->table.userdata)
                 : RH_OK;
    return slot_result(st, rc, "batch_commit");
}

/* ------------------------------------------------------------------ log */

int rh__store_query_attempts(rh_store *st, const rh_query *q,
                             rh_attempt_cb each, void *ud)
{
    return slot_result(st, CALL(query_attempts, q, each, ud), "query_attempts");
}

int rh__store_query_deliveries(rh_store *st, const rh_query *q,
                               rh_delivery_cb each, void *ud)
{
    return slot_result(st, CALL(query_deliveries, q, each, ud),
                  "query_deliveries");
}

int rh__store_resend(rh_store *st, const char *delivery_id, int64_t now_ms)
{
    return slot_result(st, CALL(resend, delivery_id, now_ms), "resend");
}

int rh__store_skip(rh_store *st, const char *delivery_id, int64_t now_ms)
{
    if (!st->table.skip)
        return unsupported(st, "this storage has no skip slot: it keeps no "
                               "ordering keys");
    return slot_result(st, CALL(skip, delivery_id, now_ms), "skip");
}

int rh__store_recover(rh_store *st, const rh_query *q, int64_t now_ms)
{
    if (!st->table.recover_matching) {
        int rc = rh__store_compat_recover(st, q, now_ms);
        return rc == RH_E_UNSUPPORTED
                   ? unsupported(st, "this storage recovers one endpoint "
                                     "since a time only (it has no "
                                     "recover_matching slot)")
                   : slot_result(st, rc, "recover");
    }
    return slot_result(st, CALL(recover_matching, q, now_ms), "recover");
}

int rh__store_prune(rh_store *st, int64_t before_ms, size_t max)
{
    if (!st->table.prune)
        return unsupported(st, "this store has no prune slot");
    return slot_result(st, CALL(prune, before_ms, max), "prune");
}

int rh__store_prune_tenant(rh_store *st, const char *tenant, int64_t before_ms,
                           size_t max)
{
    if (!st->table.prune_tenant)
        return unsupported(st, "this store cannot prune one tenant's "
                               "deliveries (it has no prune_tenant slot)");
    return slot_result(st, CALL(prune_tenant, tenant, before_ms, max),
                       "prune_tenant");
}
