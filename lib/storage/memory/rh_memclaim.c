/* replicer-hooks memory store's claims: the fair claim (the endpoints with
 * due work take turns, read off the heap of endpoints, never walking a
 * backlog it skips) and version 1's offer. Each delivery is lent to the
 * caller as a public record with its shared event. */
#define RH_ADAPTER_HELPERS_ONLY
#include "rh_adapter.h"
#include "rh_memqueue.h"

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

/* The fair claim's picking: the endpoints with due work come off the queue
 * heap earliest first, up to max with room; one with no room is set aside
 * unread, after them. Returns how many were picked. */
static size_t pick(memstore *m, const rh_claim_request *req, size_t max,
                   int64_t now_ms, size_t *n_aside)
{
    size_t n_picked = 0;
    mem_queue *q;
    *n_aside = 0;
    while (n_picked < max && (q = rh__mem_first_due(m, now_ms))) {
        size_t room = rh_claim_request_room_of(req, q->endpoint_id);
        /* out of the queue heap while we work on it */
        rh__mem_qheap_remove(m, q);
        q->room = room < max ? room : max;
        if (q->room == 0)
            m->picked[max + (*n_aside)++] = q; /* at its cap: not read */
        else
            m->picked[n_picked++] = q;
    }
    return n_picked;
}

/* Version 2, the fair claim. The picked endpoints take turns, one delivery
 * each per round, until the claim is full or nothing more is due. Its cost
 * is the endpoints it looks at plus what it takes, never the backlog of an
 * endpoint it skips. */
int rh__mem_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
                        void *each_ud, void *ud)
{
    memstore *m = ud;
    int64_t now_ms = rh_claim_request_now_ms(req);
    int64_t lease = rh_claim_request_lease_until_ms(req);
    size_t max = rh_claim_request_max(req);
    size_t n_picked, n_aside, taken = 0, i;
    mem_queue *q;
    int rc = RH_OK, progress;
    if (max == 0 || !rh__mem_first_due(m, now_ms))
        return 0;
    /* picked: up to max with room; set aside: at most the listed ones */
    if (rh__mem_scratch_reserve(m, max + rh_claim_request_limit_count(req)) !=
        RH_OK)
        return RH_E_NOMEM;
    n_picked = pick(m, req, max, now_ms, &n_aside);
    do {
        progress = 0;
        for (i = 0; i < n_picked && taken < max; i++) {
            q = m->picked[i];
            if (!q->room || !q->len || q->heap[0].due > now_ms)
                continue;
            mem_delivery *d = q->heap[0].d;
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
    for (i = 0; i < taken && rc >= 0; i++)
        rc = hand(m->taken[i].d, each, each_ud);
    return rc < 0 ? rc : (int)taken;
}
