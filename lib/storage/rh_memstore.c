/* replicer-hooks memory storage: the default backend. Deliveries waiting or in
 * flight sit in one min-heap per endpoint by due time, and the endpoints in a
 * heap by their earliest due, so a claim is fair and never walks a backlog it
 * cannot take; finished ones sit in a capped list. All of it is lost when the
 * process exits. */
#include "rh_adapter.h"
#include "rh_memqueue.h"

#include <stdlib.h>
#include <string.h>

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
        qs[i] = rh__mem_queue_get(m, dls[i]->endpoint_id);
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
    return rc == RH_OK ? rh__mem_map_reserve(m, n) : rc;
}

/* With an ordering key, each delivery's group (its endpoint and the key),
 * made if missing, in *gs (the caller's to free, NULL without a key). */
static int enqueue_groups(memstore *m, const rh_event *ev,
                          const rh_delivery *const *dls, size_t n,
                          mem_order ***gs)
{
    if (!ev->ordering_key)
        return RH_OK;
    if (!(*gs = rh__calloc(m->alloc, n * sizeof **gs)))
        return RH_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!((*gs)[i] =
                  rh__mem_order_get(m, dls[i]->endpoint_id, ev->ordering_key)))
            return RH_E_NOMEM;
    return RH_OK;
}

/* The store's copies of the deliveries, in *made (the caller's to free),
 * sharing one copy of the event: all or none. */
static int enqueue_copies(memstore *m, const rh_event *ev,
                          const rh_delivery *const *dls, size_t n,
                          rh_delivery ***made)
{
    rh_event *shared = NULL;
    size_t i = 0;
    int rc = rh__event_make(&shared, m->alloc, ev->id, ev->type,
                            ev->timestamp_ms, ev->data, ev->data_len);
    if (rc == RH_OK)
        rc =
            rh__event_set_ordering(shared, ev->ordering_key, ev->ordering_hold);
    if (rc == RH_OK && !(*made = rh__calloc(m->alloc, n * sizeof **made)))
        rc = RH_E_NOMEM;
    for (; rc == RH_OK && i < n; i++) {
        rc = rh__delivery_make(&(*made)[i], m->alloc);
        if (rc != RH_OK)
            break;
        rh_delivery *d = (*made)[i];
        memcpy(d->id, dls[i]->id, sizeof d->id);
        memcpy(d->event_id, dls[i]->event_id, sizeof d->event_id);
        memcpy(d->endpoint_id, dls[i]->endpoint_id, sizeof d->endpoint_id);
        d->state = RH_DELIVERY_PENDING;
        d->attempts = dls[i]->attempts;
        d->next_attempt_ms = dls[i]->next_attempt_ms;
        d->created_ms = dls[i]->created_ms;
        d->updated_ms = dls[i]->updated_ms;
        d->ev = shared; /* the payload is stored once per event */
        shared->refs++;
    }
    for (size_t j = 0; rc != RH_OK && j < i; j++)
        rh_delivery_free((*made)[j]);
    rh__event_release(shared); /* the deliveries hold it now */
    return rc;
}

/* The copies into the id map and their queues. A duplicate id (stored, or
 * twice in this batch) undoes the inserts so far, which cannot fail, frees
 * the copies and refuses the batch. */
static int enqueue_insert(memstore *m, mem_queue **qs, rh_delivery **made,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rh__mem_map_get(m, made[i]->id)) {
            for (size_t j = 0; j < i; j++) {
                rh__mem_map_del(m, made[j]->id);
                rh__mem_pending_remove(m, qs[j], made[j]);
            }
            for (size_t j = 0; j < n; j++)
                rh_delivery_free(made[j]);
            return RH_E_INVALID_ARG;
        }
        rh__mem_map_put(m, made[i]);
        rh__mem_pending_push(m, qs[i], made[i]);
    }
    return RH_OK;
}

static int s_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                     size_t n, void *ud)
{
    memstore *m = ud;
    rh_delivery **made = NULL;
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
    qs = rh__calloc(m->alloc, n * sizeof *qs);
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
        made[i]->holds_key = made[i]->ev->ordering_hold;
        rh__mem_order_join(m, gs[i], made[i]);
    }
    for (i = 0; rc != RH_OK && gs && i < n; i++)
        if (gs[i])
            rh__mem_order_gc(m, gs[i]);
    rh__free(m->alloc, gs);
    rh__free(m->alloc, made);
    rh__free(m->alloc, qs);
    return rc;
}

/* Version 1: offer due deliveries earliest first. What the caller leaves
 * (its per-endpoint cap) is popped and pushed back after the scan; the
 * scan is bounded so that one crowded endpoint cannot make a tick walk the
 * whole queue (the bound the adapters use: adapter_scan_budget). The
 * fair claim below has no such window. */
static int s_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                   rh_claim_cb each, void *each_ud, void *ud)
{
    memstore *m = ud;
    size_t n_seen = 0, taken = 0, budget = adapter_scan_budget(max);
    mem_queue *q;
    int rc = RH_OK;
    if (max == 0 || !rh__mem_first_due(m, now_ms))
        return 0;
    if (rh__mem_scratch_reserve(m, budget) != RH_OK)
        return RH_E_NOMEM;
    while (taken < max && n_seen < budget &&
           (q = rh__mem_first_due(m, now_ms))) {
        rh_delivery *d = q->heap[0].d;
        heap_entry *e = &m->taken[n_seen];
        m->taken_q[n_seen++] = q;
        *e = q->heap[0];
        rh__mem_pending_remove(m, q, d);
        rc = each(d, d->ev, each_ud);
        if (rc < 0)
            break;
        if (rc > 0) {
            d->state = RH_DELIVERY_IN_FLIGHT;
            d->lease_until_ms = lease_until_ms;
            e->due = lease_until_ms;
            taken++;
        }
        rc = RH_OK;
    }
    /* room is there: they were just taken out; each keeps its order */
    for (size_t i = 0; i < n_seen; i++) {
        rh__mem_entry_push(m->taken_q[i], m->taken[i]);
        rh__mem_qheap_update(m, m->taken_q[i]);
        m->n_pending++;
    }
    return rc < 0 ? rc : (int)taken;
}

/* Version 2, the fair claim. The endpoints with due work come off the
 * queue heap earliest first; one with no room is set aside unread; the
 * others take turns, one delivery each per round, until the claim is full
 * or nothing more is due. Its cost is the endpoints it looks at plus what
 * it takes, never the backlog of an endpoint it skips. */
static int s_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                         void *each_ud, void *ud)
{
    memstore *m = ud;
    int64_t now_ms = rh_claim_request_now_ms(req);
    int64_t lease = rh_claim_request_lease_until_ms(req);
    size_t max = rh_claim_request_max(req);
    size_t n_picked = 0, n_aside, taken = 0, i;
    size_t busy = rh_claim_request_limit_count(req);
    mem_queue *q;
    int rc = RH_OK, progress;
    if (max == 0 || !rh__mem_first_due(m, now_ms))
        return 0;
    /* picked: up to max with room; set aside: at most the listed ones */
    if (rh__mem_scratch_reserve(m, max + busy) != RH_OK)
        return RH_E_NOMEM;
    n_aside = 0;
    while (n_picked < max && (q = rh__mem_first_due(m, now_ms))) {
        size_t room = rh_claim_request_room_of(req, q->endpoint_id);
        rh__mem_qheap_remove(m,
                             q); /* out of the queue heap while we work on it */
        q->room = room < max ? room : max;
        if (q->room == 0)
            m->picked[max + n_aside++] = q; /* at its cap: not read */
        else
            m->picked[n_picked++] = q;
    }
    do {
        progress = 0;
        for (i = 0; i < n_picked && taken < max; i++) {
            q = m->picked[i];
            if (!q->room || !q->len || q->heap[0].due > now_ms)
                continue;
            rh_delivery *d = q->heap[0].d;
            m->taken[taken] = q->heap[0];
            m->taken_q[taken] = q;
            rh__mem_entry_remove(q, d);
            d->state = RH_DELIVERY_IN_FLIGHT;
            d->lease_until_ms = lease;
            m->taken[taken].due = lease;
            q->room--;
            taken++;
            progress = 1;
        }
    } while (progress && taken < max);
    /* everything back in place before anyone is told */
    for (i = 0; i < taken; i++)
        rh__mem_entry_push(m->taken_q[i], m->taken[i]);
    for (i = 0; i < n_picked; i++)
        rh__mem_qheap_update(m, m->picked[i]);
    for (i = 0; i < n_aside; i++)
        rh__mem_qheap_update(m, m->picked[max + i]);
    for (i = 0; i < taken && rc >= 0; i++) {
        rh_delivery *d = m->taken[i].d;
        rc = each(d, d->ev, each_ud);
    }
    return rc < 0 ? rc : (int)taken;
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
        rh__strlcpy(held_event_id, held, RH_ID_SIZE);
        return 1;
    }
    struct mem_key *k = rh__mem_key_new(m, key, ev->id, ev->timestamp_ms);
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
    rh_delivery *d = rh__mem_map_get(m, dl->id);
    rh_attempt *copy = NULL;
    if (!d)
        return RH_E_NOT_FOUND;
    if (at) {
        copy = rh__attempt_copy(m->alloc, at);
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
    rh_attempt **copies;
    size_t i;
    if (n == 0)
        return RH_OK;
    copies = rh__calloc(m->alloc, n * sizeof *copies);
    if (!copies)
        return RH_E_NOMEM;
    for (i = 0; i < n; i++) {
        if (ats[i] && !(copies[i] = rh__attempt_copy(m->alloc, ats[i]))) {
            while (i--)
                rh_attempt_free(copies[i]);
            rh__free(m->alloc, copies);
            return RH_E_NOMEM;
        }
    }
    for (i = 0; i < n; i++) {
        rh_delivery *d = rh__mem_map_get(m, dls[i]->id);
        if (!d) {
            rh_attempt_free(copies[i]); /* unknown: skipped */
            continue;
        }
        rh__mem_apply_complete(m, d, dls[i]);
        if (copies[i])
            rh__mem_log_append(m, copies[i]);
    }
    rh__free(m->alloc, copies);
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
    rh_delivery *d = rh__mem_map_get(m, id);
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
    rh_delivery *d = rh__mem_map_get(m, id);
    mem_queue *q;
    if (!d)
        return RH_E_NOT_FOUND;
    if (d->state != RH_DELIVERY_FAILED)
        return RH_E_STATE;
    if (m->n_pending + 1 > m->max_pending)
        return RH_E_FULL;
    q = rh__mem_queue_get(m, d->endpoint_id);
    if (!q || rh__mem_queue_reserve(m, q, 1) != RH_OK)
        return RH_E_NOMEM;
    rh__mem_requeue(m, q, d, now_ms);
    return RH_OK;
}

static int s_recover_matching(const rh_query *q, int64_t now_ms, void *ud)
{
    return rh__mem_recover(ud, q, now_ms);
}

static int s_recover(const char *endpoint_id, int64_t since_ms, int64_t now_ms,
                     void *ud)
{
    rh_query q;
    rh__query_init(&q);
    rh__strlcpy(q.endpoint, endpoint_id, sizeof q.endpoint);
    q.since_ms = since_ms;
    return s_recover_matching(&q, now_ms, ud);
}

static int s_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    memstore *m = ud;
    (void)now_ms;
    *due_out = m->qheap_len ? m->qheap[0]->heap[0].due : -1;
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
            rh_delivery_free(q->heap[i].d);
        rh__free(m->alloc, q->heap);
        rh__free(m->alloc, q);
    }
    for (rh_delivery *d = m->done_head, *n; d; d = n) {
        n = d->done_next;
        rh_delivery_free(d);
    }
    for (rh_attempt *a = m->log_head, *n; a; a = n) {
        n = a->next;
        rh_attempt_free(a);
    }
    rh__mem_endpoints_free(m);
    rh__free(m->alloc, m->queues);
    rh__mem_keys_free(m);
    rh__mem_orders_free(m);
    rh__free(m->alloc, m->qheap);
    rh__free(m->alloc, m->taken);
    rh__free(m->alloc, m->taken_q);
    rh__free(m->alloc, m->picked);
    rh__free(m->alloc, m->slots);
    rh__free(m->alloc, m);
}

/* Finished deliveries are listed in the order they finished, so the oldest
 * are at the head; attempts are logged oldest first, so those of pruned
 * deliveries are near the head too. Events go with their last delivery. */
static int s_prune(int64_t before_ms, size_t max, void *ud)
{
    memstore *m = ud;
    size_t n = 0;
    while (n < max && m->done_head && m->done_head->updated_ms < before_ms) {
        rh_delivery *old = m->done_head;
        rh__mem_done_unlink(m, old);
        rh__mem_map_del(m, old->id);
        rh__mem_order_forget(m, old); /* a key it held goes on */
        rh_delivery_free(old);
        n++;
    }
    /* the attempts of deliveries no longer kept, up to the cut-off */
    rh_attempt **link = &m->log_head, *prev = NULL;
    while (*link && (*link)->started_ms < before_ms) {
        rh_attempt *a = *link;
        if (rh__mem_map_get(m, a->delivery_id)) {
            prev = a;
            link = &a->next;
            continue;
        }
        *link = a->next;
        if (m->log_tail == a)
            m->log_tail = prev;
        rh_attempt_free(a);
        m->n_log--;
    }
    return (int)n;
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

static const char *s_last_error(void *ud)
{
    (void)ud;
    return NULL; /* its only failures are RH_E_NOMEM and RH_E_FULL */
}

int rh__memstore_new(rh_storage *out, const rh_allocator *a, size_t max_pending,
                     size_t max_log)
{
    memstore *m = rh__calloc(a, sizeof *m);
    if (!m)
        return RH_E_NOMEM;
    m->alloc = a;
    m->max_pending = max_pending;
    m->max_log = max_log;
    adapter_fill(out, m);
    out->claim = s_claim;
    out->claim_batch = s_claim_batch;
    out->enqueue_keyed = s_enqueue_keyed;
    return RH_OK;
}
