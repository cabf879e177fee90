/* replicer-hooks memory store's claims: the fair claim (the tenants with
 * due work take turns, and within each its endpoints, read off the heaps
 * of tenants and endpoints, never walking a backlog it skips) and version
 * 1's offer. Each delivery is lent to the
 * caller as a public record with its shared event. */
#define RH_ADAPTER_HELPERS_ONLY
#include "rh_adapter.h"
#include "rh_memqueue.h"

#include <stdlib.h>

/* d and its event to the caller's callback (either claim's: they have one
 * signature), as a record built for the call. */
static int hand(const mem_delivery *d, rh_claimed_cb each, void *each_ud)
{
    rh_delivery *lent;
    int rc = rh__mem_delivery_lend(d, &lent);
    if (rc != RH_OK)
        return rc;
    rc = each(lent, d->ev->rec, each_ud);
    rh_delivery_free(lent);
    return rc;
}

/* Version 1: offer due deliveries earliest first. What the caller leaves
 * (its per-endpoint cap) is popped and pushed back after the scan; the
 * scan is bounded so that one crowded endpoint cannot make a tick walk the
 * whole queue (the bound the adapters use: adapter_scan_budget). The
 * fair claim below has no such window. */
int rh__mem_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
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
        mem_delivery *d = q->heap[0].d;
        heap_entry *e = &m->taken[n_seen];
        m->taken_q[n_seen++] = q;
        *e = q->heap[0];
        rh__mem_pending_remove(m, q, d);
        rc = hand(d, each, each_ud);
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

/* The next due queue of a tenant taken out for the claim, out of its heap
 * (the tenants' heap is left alone until the claim puts everything back),
 * or NULL when none of its queues is due. */
static mem_queue *next_due_of(mem_tenant *t, int64_t now_ms)
{
    if (!t->len || t->heap[0]->heap[0].due > now_ms)
        return NULL;
    mem_queue *q = t->heap[0];
    rh__mem_queue_unheap(q);
    return q;
}

/* The rotation's order: tenants past its start first, then from the
 * first round to it (c_at says which part); by name in each part. */
static int by_rotation(const void *a, const void *b)
{
    const mem_tenant *x = *(mem_tenant *const *)a,
                     *y = *(mem_tenant *const *)b;
    if (x->c_at != y->c_at)
        return x->c_at < y->c_at ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Every tenant with due work, off the tenants' heap, in the rotation that
 * starts after the request's tenant: how many, in m->picked_t (each one's
 * heap left as it is). */
static size_t due_tenants(memstore *m, const rh_claim_request *req,
                          int64_t now_ms)
{
    const char *after = rh_claim_request_tenant_after(req);
    size_t n = 0;
    while (m->theap_len && m->theap[0]->heap[0]->heap[0].due <= now_ms) {
        mem_tenant *t = m->theap[0];
        rh__mem_tenant_remove(m, t);
        t->c_n = t->c_turn = 0;
        t->c_at = strcmp(t->name, after) <= 0;
        t->c_room = rh_claim_request_tenant_room_of(req, t->name);
        m->picked_t[n++] = t;
    }
    qsort(m->picked_t, n, sizeof *m->picked_t, by_rotation);
    return n;
}

/* The fair claim's picking. The tenants with due work come off the
 * tenants' heap in the rotation's order (all of them: a small claim must
 * reach the next tenant in turn, however early another's work is due);
 * then, in rounds, each gives its next due endpoint, so that a tenant
 * with many endpoints cannot take every pick. Up to max
 * endpoints with room; one with no room is set aside unread, after them.
 * Returns how many were picked; *n_t the tenants that take turns, of
 * *n_due taken out. */
static size_t pick(memstore *m, const rh_claim_request *req, size_t max,
                   int64_t now_ms, size_t *n_aside, size_t *n_t,
                   size_t *n_due)
{
    size_t n_picked = 0;
    *n_aside = 0;
    *n_due = due_tenants(m, req, now_ms);
    /* every due tenant may give a pick: one whose due endpoints are all
     * without room (paused, held, at their cap) must not stand in for the
     * next in the rotation */
    for (int progress = 1; progress && n_picked < max;) {
        progress = 0;
        for (size_t i = 0; i < *n_due && n_picked < max; i++) {
            mem_tenant *t = m->picked_t[i];
            /* at its cap (none of its rows read), or with endpoints enough
             * for the room it has */
            if (t->c_n >= t->c_room)
                continue;
            mem_queue *q = next_due_of(t, now_ms);
            if (!q)
                continue;
            size_t room = rh_claim_request_room_of(req, q->endpoint_id);
            q->room = room < max ? room : max;
            if (q->room == 0) {
                m->picked[max + (*n_aside)++] = q; /* at its cap: not read */
            } else {
                m->picked[n_picked++] = q;
                t->c_n++;
            }
            progress = 1;
        }
    }
    /* those that gave a pick to the front, in the rotation's order: they
     * take the turns; the rest are only put back */
    *n_t = 0;
    for (size_t i = 0; i < *n_due; i++)
        if (m->picked_t[i]->c_n) { /* swapped forward: actives keep order */
            mem_tenant *t = m->picked_t[i];
            m->picked_t[i] = m->picked_t[*n_t];
            m->picked_t[(*n_t)++] = t;
        }
    return n_picked;
}

/* The picked queues by tenant, each tenant's in pick order, in grouped:
 * tenant i's are grouped[t->c_first .. + t->c_n). */
static void group_picks(memstore *m, size_t n_picked, size_t n_t)
{
    size_t at = 0;
    for (size_t i = 0; i < n_t; i++) {
        m->picked_t[i]->c_first = m->picked_t[i]->c_at = at;
        at += m->picked_t[i]->c_n;
    }
    for (size_t i = 0; i < n_picked; i++)
        m->grouped[m->picked[i]->tenant->c_at++] = m->picked[i];
}

/* A tenant's next delivery: its endpoints take turns, skipping those out
 * of room or of due work. NULL when it has none. */
static mem_queue *turn_of(memstore *m, mem_tenant *t, int64_t now_ms)
{
    for (size_t tries = 0; t->c_room && tries < t->c_n; tries++) {
        mem_queue *q = m->grouped[t->c_first + t->c_turn];
        t->c_turn = (t->c_turn + 1) % t->c_n;
        if (q->room && q->len && q->heap[0].due <= now_ms)
            return q;
    }
    return NULL;
}

/* Version 2, the fair claim. The picked tenants take turns in the
 * rotation, one delivery each per round, and within a tenant its
 * endpoints, until the claim is full or nothing more is due; they are
 * handed back in the order taken. Its cost is the endpoints it looks at plus
 * what it takes, never the backlog of an endpoint it skips. */
int rh__mem_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                        void *each_ud, void *ud)
{
    memstore *m = ud;
    int64_t now_ms = rh_claim_request_now_ms(req);
    int64_t lease = rh_claim_request_lease_until_ms(req);
    size_t max = rh_claim_request_max(req);
    size_t n_picked, n_aside, n_t, n_due, taken = 0, i;
    int rc = RH_OK, progress;
    if (max == 0 || !rh__mem_first_due(m, now_ms))
        return 0;
    /* picked: up to max with room; set aside: at most the listed ones */
    if (rh__mem_scratch_reserve(m, max + rh_claim_request_limit_count(req)) !=
            RH_OK ||
        rh__mem_tenant_scratch_reserve(m) != RH_OK)
        return RH_E_NOMEM;
    n_picked = pick(m, req, max, now_ms, &n_aside, &n_t, &n_due);
    group_picks(m, n_picked, n_t);
    do {
        progress = 0;
        for (i = 0; i < n_t && taken < max; i++) {
            mem_queue *q = turn_of(m, m->picked_t[i], now_ms);
            if (!q)
                continue;
            mem_delivery *d = q->heap[0].d;
            m->taken[taken] = q->heap[0];
            m->taken_q[taken] = q;
            rh__mem_entry_remove(q, d);
            d->state = RH_DELIVERY_IN_FLIGHT;
            d->lease_until_ms = lease;
            m->taken[taken].due = lease;
            q->room--;
            q->tenant->c_room--;
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
    for (i = 0; i < n_due; i++)
        rh__mem_tenant_update(m, m->picked_t[i]);
    for (i = 0; i < taken && rc >= 0; i++)
        rc = hand(m->taken[i].d, each, each_ud);
    return rc < 0 ? rc : (int)taken;
}
