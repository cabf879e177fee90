/* replicer-hooks memory storage: the default backend. Deliveries waiting or in
 * flight sit in one min-heap per endpoint by due time, and the endpoints in a
 * heap by their earliest due, so a claim is fair and never walks a backlog it
 * cannot take; finished ones sit in a capped list. All of it is lost when the
 * process exits. */
#include "rh_memstore.h"
#include "rh_adapter.h"
#include "rh_memqueue.h"

#include <stddef.h>

/* ------------------------------------------------------------- the slots */

static int s_endpoint_save(const char *id, const char *json, size_t len,
                           void *ud)
{
    return rh__mem_endpoint_save(ud, id, json, len);
}

static int s_endpoint_remove(const char *id, void *ud)
{
    return rh__mem_endpoint_remove(ud, id);
}

static int s_endpoint_load(rh_endpoint_record_cb each, void *each_ud, void *ud)
{
    return rh__mem_endpoint_load(ud, each, each_ud);
}

/* The enqueue's steps, each before the first insert but the last. The
 * queue of each delivery's endpoint, made if missing, with room for the
 * batch's deliveries to it, and room in the id map for all of them. */
static int enqueue_reserve(memstore *m, const rh_delivery *const *dls, size_t n,
                           mem_queue **qs)
{
    size_t i;
    int rc = RH_OK;
    for (i = 0; i < n && rc == RH_OK; i++) {
        qs[i] = rh__mem_queue_get(m, rh_delivery_endpoint_id(dls[i]),
                                  rh_delivery_tenant(dls[i]));
        if (!qs[i])
            rc = RH_E_NOMEM;
        else
            qs[i]->want++;
    }
    for (i = 0; i < n; i++) {
        if (qs[i] && qs[i]->want) {
            if (rc == RH_OK)
                rc = rh__mem_queue_reserve(m, qs[i], qs[i]->want);
            qs[i]->want = 0;
        }
    }
    return rc == RH_OK ? rh__mem_map_reserve(&m->dls, m->alloc, n) : rc;
}

/* With an ordering key, each delivery's group (its endpoint and the key),
 * made if missing, in *gs (the caller's to free, NULL without a key). */
static int enqueue_groups(memstore *m, const rh_event *ev,
                          const rh_delivery *const *dls, size_t n,
                          mem_order ***gs)
{
    const char *key = rh_event_ordering_key(ev);
    if (!key)
        return RH_OK;
    if (!(*gs = mem_calloc(m->alloc, n * sizeof **gs)))
        return RH_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!((*gs)[i] =
                  rh__mem_order_get(m, rh_delivery_endpoint_id(dls[i]), key)))
            return RH_E_NOMEM;
    return RH_OK;
}

/* The store's nodes of the deliveries, in *made (the caller's to free),
 * sharing one node of the event: all or none. */
static int enqueue_copies(memstore *m, const rh_event *ev,
                          const rh_delivery *const *dls, size_t n,
                          mem_delivery ***made)
{
    mem_event *shared = NULL;
    size_t i = 0;
    int rc = rh__mem_event_new(m, ev, &shared);
    if (rc == RH_OK && !(*made = mem_calloc(m->alloc, n * sizeof **made)))
        rc = RH_E_NOMEM;
    for (; rc == RH_OK && i < n; i++)
        if (!((*made)[i] = rh__mem_delivery_new(m, shared, dls[i])))
            rc = RH_E_NOMEM;
    for (size_t j = 0; rc != RH_OK && j < i; j++)
        rh__mem_delivery_free(m, (*made)[j]);
    rh__mem_event_release(m, shared); /* the deliveries hold it now */
    return rc;
}

/* The copies into the id map and their queues. A duplicate id (stored, or
 * twice in this batch) undoes the inserts so far, which cannot fail, frees
 * the copies and refuses the batch. */
static int enqueue_insert(memstore *m, mem_queue **qs, mem_delivery **made,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rh__mem_map_get(&m->dls, made[i]->id)) {
            for (size_t j = 0; j < i; j++) {
                rh__mem_map_del(&m->dls, made[j]->id);
                rh__mem_pending_remove(m, qs[j], made[j]);
            }
            for (size_t j = 0; j < n; j++)
                rh__mem_delivery_free(m, made[j]);
            return RH_E_INVALID_ARG;
        }
        rh__mem_map_put(&m->dls, made[i]);
        rh__mem_pending_push(m, qs[i], made[i]);
    }
    return RH_OK;
}

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    memstore *m = ud;
    mem_delivery **made = NULL;
    mem_queue **qs;
    mem_order **gs = NULL; /* with an ordering key: each delivery's group */
    size_t i;
    int rc;
    if (n == 0)
        return RH_OK;
    if (m->n_pending + n > m->max_pending)
        return RH_E_FULL;
    /* Everything that can fail happens before the first insert: all or
     * none. A queue made for a batch that then fails stays, empty. */
    qs = mem_calloc(m->alloc, n * sizeof *qs);
    if (!qs)
        return RH_E_NOMEM;
    rc = enqueue_reserve(m, dls, n, qs);
    if (rc == RH_OK)
        rc = enqueue_groups(m, ev, dls, n, &gs);
    if (rc == RH_OK)
        rc = enqueue_copies(m, ev, dls, n, &made);
    if (rc == RH_OK)
        rc = enqueue_insert(m, qs, made, n);
    /* all in: those whose key is busy step out of the heap */
    for (i = 0; rc == RH_OK && gs && i < n; i++) {
        made[i]->holds_key = made[i]->ev->hold;
        rh__mem_order_join(m, gs[i], made[i]);
    }
    for (i = 0; rc != RH_OK && gs && i < n; i++)
        if (gs[i])
            rh__mem_order_gc(m, gs[i]);
    mem_free(m->alloc, gs);
    mem_free(m->alloc, made);
    mem_free(m->alloc, qs);
    return rc;
}

/* The key is checked, and room made for it, before the enqueue; it is
 * recorded only after the enqueue succeeded: all or none. */
static int s_enqueue_keyed(const rh_event *ev, const rh_delivery *const *dls,
                           size_t n, const char *key, int64_t window_start_ms,
                           char *held_event_id, void *ud)
{
    memstore *m = ud;
    const char *held = rh__mem_key_held(m, key, window_start_ms);
    if (held) {
        mem_copy_id(held_event_id, held);
        return 1;
    }
    struct mem_key *k =
        rh__mem_key_new(m, key, rh_event_id(ev), rh_event_timestamp_ms(ev));
    int rc = k ? rh__mem_keys_reserve(m, window_start_ms) : RH_E_NOMEM;
    if (rc == RH_OK)
        rc = s_enqueue(ev, dls, n, ud);
    if (rc == RH_OK)
        rh__mem_key_put(m, k);
    else
        rh__mem_key_free(m, k);
    return rc;
}

static int s_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    memstore *m = ud;
    mem_delivery *d = rh__mem_map_get(&m->dls, rh_delivery_id(dl));
    mem_attempt *copy = NULL;
    if (!d)
        return RH_E_NOT_FOUND;
    if (at) {
        copy = rh__mem_attempt_new(m, at);
        if (!copy)
            return RH_E_NOMEM;
    }
    rh__mem_apply_complete(m, d, dl);
    if (copy)
        rh__mem_log_append(m, copy);
    return RH_OK;
}

/* All or none: every attempt is copied before anything changes. */
static int s_complete_batch(const rh_delivery *const *dls,
                            const rh_attempt *const *ats, size_t n, void *ud)
{
    memstore *m = ud;
    mem_attempt **copies;
    size_t i;
    if (n == 0)
        return RH_OK;
    copies = mem_calloc(m->alloc, n * sizeof *copies);
    if (!copies)
        return RH_E_NOMEM;
    for (i = 0; i < n; i++) {
        if (ats[i] && !(copies[i] = rh__mem_attempt_new(m, ats[i]))) {
            while (i--)
                mem_free(m->alloc, copies[i]);
            mem_free(m->alloc, copies);
            return RH_E_NOMEM;
        }
    }
    for (i = 0; i < n; i++) {
        mem_delivery *d = rh__mem_map_get(&m->dls, rh_delivery_id(dls[i]));
        if (!d) {
            mem_free(m->alloc, copies[i]); /* unknown: skipped */
            continue;
        }
        rh__mem_apply_complete(m, d, dls[i]);
        if (copies[i])
            rh__mem_log_append(m, copies[i]);
    }
    mem_free(m->alloc, copies);
    return RH_OK;
}

static int s_query_attempts(const rh_query *q, rh_attempt_cb each,
                            void *each_ud, void *ud)
{
    return rh__mem_query_attempts(ud, q, each, each_ud);
}

static int s_query_deliveries(const rh_query *q, rh_delivery_cb each,
                              void *each_ud, void *ud)
{
    return rh__mem_query_deliveries(ud, q, each, each_ud);
}

static int s_skip(const char *id, int64_t now_ms, void *ud)
{
    memstore *m = ud;
    mem_delivery *d = rh__mem_map_get(&m->dls, id);
    if (!d)
        return RH_E_NOT_FOUND;
    int rc = rh__mem_order_skip(m, d);
    if (rc == RH_OK)
        d->updated_ms = now_ms;
    return rc;
}

static int s_resend(const char *id, int64_t now_ms, void *ud)
{
    memstore *m = ud;
    mem_delivery *d = rh__mem_map_get(&m->dls, id);
    mem_queue *q;
    if (!d)
        return RH_E_NOT_FOUND;
    if (d->state != RH_DELIVERY_FAILED)
        return RH_E_STATE;
    if (m->n_pending + 1 > m->max_pending)
        return RH_E_FULL;
    q = rh__mem_queue_get(m, d->endpoint_id, rh_event_tenant(d->ev->rec));
    if (!q || rh__mem_queue_reserve(m, q, 1) != RH_OK)
        return RH_E_NOMEM;
    rh__mem_requeue(m, q, d, now_ms);
    return RH_OK;
}

static int s_recover_matching(const rh_query *q, int64_t now_ms, void *ud)
{
    mem_filter f;
    rh__mem_filter_of(&f, q);
    return rh__mem_recover(ud, &f, now_ms);
}

/* Version 1's recover: one endpoint's, from a creation time on. */
static int s_recover(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                     void *ud)
{
    char ep[RH_ID_SIZE];
    mem_filter f;
    rh__mem_filter_of(&f, NULL); /* every filter "any" */
    mem_copy_id(ep, endpoint_id);
    f.endpoint = ep[0] ? ep : NULL;
    f.since_ms = since_ms;
    return rh__mem_recover(ud, &f, now_ms);
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    memstore *m = ud;
    (void)now_ms;
    *due_out = m->theap_len ? m->theap[0]->heap[0]->heap[0].due : -1;
    return RH_OK;
}

static void s_destroy(void *ud)
{
    memstore *m = ud;
    for (size_t s = 0; s < m->n_queue_slots; s++) {
        mem_queue *q = m->queues[s];
        if (!q)
            continue;
        for (size_t i = 0; i < q->len; i++)
            rh__mem_delivery_free(m, q->heap[i].d);
        mem_free(m->alloc, q->heap);
        mem_free(m->alloc, q);
    }
    for (mem_delivery *d = m->done_head, *n; d; d = n) {
        n = d->done_next;
        rh__mem_delivery_free(m, d);
    }
    for (mem_attempt *a = m->log_head, *n; a; a = n) {
        n = a->next;
        mem_free(m->alloc, a);
    }
    rh__mem_endpoints_free(m);
    rh__mem_documents_free(m);
    mem_free(m->alloc, m->queues);
    rh__mem_keys_free(m);
    rh__mem_orders_free(m);
    rh__mem_tenants_free(m);
    mem_free(m->alloc, m->taken);
    mem_free(m->alloc, m->taken_q);
    mem_free(m->alloc, m->picked);
    mem_free(m->alloc, m->grouped);
    mem_free(m->alloc, m->picked_t);
    rh__mem_map_free(&m->dls, m->alloc);
    mem_free(m->alloc, m);
}

/* Finished deliveries are listed in the order they finished, so the oldest
 * are at the head; attempts are logged oldest first, so those of pruned
 * deliveries are near the head too. Events go with their last delivery. */
/* The deliveries finished before before_ms (of tenant when it is not
 * NULL), oldest first, at most max, with the attempts no delivery kept
 * needs. */
static int prune_matching(memstore *m, const char *tenant, int64_t before_ms,
                          size_t max)
{
    size_t n = 0;
    mem_delivery *d = m->done_head;
    while (n < max && d && d->updated_ms < before_ms) {
        mem_delivery *old = d;
        d = d->done_next;
        if (tenant && strcmp(rh_event_tenant(old->ev->rec), tenant) != 0)
            continue; /* another tenant's: kept */
        rh__mem_done_unlink(m, old);
        rh__mem_map_del(&m->dls, old->id);
        rh__mem_order_forget(m, old); /* a key it held goes on */
        rh__mem_delivery_free(m, old);
        n++;
    }
    /* the attempts of deliveries no longer kept, up to the cut-off */
    mem_attempt **link = &m->log_head, *prev = NULL;
    while (*link && (*link)->started_ms < before_ms) {
        mem_attempt *a = *link;
        if (rh__mem_map_get(&m->dls, a->delivery_id)) {
            prev = a;
            link = &a->next;
            continue;
        }
        *link = a->next;
        if (m->log_tail == a)
            m->log_tail = prev;
        mem_free(m->alloc, a);
        m->n_log--;
    }
    return (int)n;
}

/* Finished deliveries are listed in the order they finished, so the oldest
 * are at the head; attempts are logged oldest first, so those of pruned
 * deliveries are near the head too. Events go with their last delivery. */
static int s_prune(int64_t before_ms, size_t max, void *ud)
{
    return prune_matching(ud, NULL, before_ms, max);
}

/* One tenant's: a walk past the others' finished deliveries (the memory
 * store serves one process and keeps at most max_log of them). */
static int s_prune_tenant(const char *tenant, int64_t before_ms, size_t max,
                          void *ud)
{
    return prune_matching(ud, tenant, before_ms, max);
}

/* Nothing to frame: every enqueue is visible at once and none is durable. */
static int s_batch_begin(void *ud)
{
    (void)ud;
    return RH_OK;
}

static int s_batch_commit(void *ud)
{
    (void)ud;
    return RH_OK;
}

static int s_document_save(const char *kind, const char *key, const char *json,
                           size_t len, void *ud)
{
    return rh__mem_document_save(ud, kind, key, json, len);
}

static int s_document_load(const char *kind, rh_document_cb each, void *each_ud,
                           void *ud)
{
    return rh__mem_document_load(ud, kind, each, each_ud);
}

static int s_count_open(const char *tenant, size_t cap, void *ud)
{
    return rh__mem_count_open(ud, tenant, cap);
}

static int s_queue_figures(int64_t now_ms, int64_t failed_since_ms, int group,
                           rh_queue_figures_cb each, void *each_ud, void *ud)
{
    return rh__mem_queue_figures(ud, now_ms, failed_since_ms, group, each,
                                 each_ud);
}

static int s_delivery_event(const char *delivery_id, rh_claimed_cb each,
                            void *each_ud, void *ud)
{
    return rh__mem_delivery_event(ud, delivery_id, each, each_ud);
}

static int s_endpoint_health(const char *endpoint_id, int64_t *out, void *ud)
{
    return rh__mem_endpoint_health(ud, endpoint_id, out);
}

/* Every enqueue answers at once: a batch here is nothing to wait on. */
static int s_batch_keys(void *ud)
{
    (void)ud;
    return 1;
}

static const char *s_last_error(void *ud)
{
    (void)ud;
    return NULL; /* its only failures are RH_E_NOMEM and RH_E_FULL */
}

int rh__memstore_new(rh_storage *out, const rh_allocator *a, size_t max_pending,
                     size_t max_log)
{
    memstore *m = mem_calloc(a, sizeof *m);
    if (!m)
        return RH_E_NOMEM;
    m->alloc = a;
    m->max_pending = max_pending;
    m->max_log = max_log;
    m->dls.key_at = offsetof(mem_delivery, id);
    m->eps.key_at = 0; /* an endpoint record begins with its id */
    rh__mem_orders_init(m);
    adapter_fill(out, m);
    out->claim = rh__mem_claim;
    out->claim_batch = rh__mem_claim_batch;
    out->enqueue_keyed = s_enqueue_keyed;
    out->document_save = s_document_save;
    out->document_load = s_document_load;
    out->count_open = s_count_open;
    out->prune_tenant = s_prune_tenant;
    out->queue_figures = s_queue_figures;
    out->delivery_event = s_delivery_event;
    out->endpoint_health = s_endpoint_health;
    out->batch_keys = s_batch_keys;
    return RH_OK;
}
