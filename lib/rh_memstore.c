/* replicer-hooks memory storage: the default backend. Deliveries waiting or in
 * flight sit in one min-heap per endpoint by due time, and the endpoints in a
 * heap by their earliest due, so a claim is fair and never walks a backlog it
 * cannot take; finished ones sit in a capped list. All of it is lost when the
 * process exits. */
#include "rh_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct mem_endpoint {
    char id[RH_ID_SIZE];
    char *json;
    size_t len;
} mem_endpoint;

typedef struct heap_entry heap_entry;
typedef struct mem_queue mem_queue;

typedef struct memstore {
    const rh_allocator *alloc;
    size_t max_pending;
    size_t max_log;
    /* id -> delivery, open addressing with tombstones */
    rh_delivery **slots;
    size_t n_slots, n_used, n_live;
    /* endpoint id -> its queue of pending and in-flight deliveries */
    mem_queue **queues;
    size_t n_queue_slots, n_queues;
    /* the queues that hold anything, keyed by their earliest due */
    mem_queue **qheap;
    size_t qheap_len, qheap_cap;
    size_t n_pending;
    uint64_t next_order;
    uint64_t claim_stamp;
    /* the fair claim's scratch, kept between claims */
    heap_entry *taken;
    mem_queue **taken_q, **picked;
    size_t scratch_cap;
    /* finished deliveries, oldest first, at most max_log */
    rh_delivery *done_head, *done_tail;
    size_t n_done;
    /* attempt log, oldest first, at most max_log */
    rh_attempt *log_head, *log_tail;
    size_t n_log;
    int64_t next_seq;
    mem_endpoint *eps;
    size_t n_eps, cap_eps;
} memstore;

static rh_delivery *const TOMBSTONE = (rh_delivery *)&TOMBSTONE;

/* ------------------------------------------------------------- id -> dl */

static size_t hash_id(const char *s)
{
    size_t h = 1469598103934665603ull & (size_t)-1; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
    return h;
}

static rh_delivery **map_find_slot(memstore *m, const char *id)
{
    if (!m->n_slots)
        return NULL;
    size_t mask = m->n_slots - 1, i = hash_id(id) & mask;
    for (;;) {
        rh_delivery *d = m->slots[i];
        if (!d)
            return NULL;
        if (d != TOMBSTONE && strcmp(d->id, id) == 0)
            return &m->slots[i];
        i = (i + 1) & mask;
    }
}

static rh_delivery *map_get(memstore *m, const char *id)
{
    rh_delivery **s = map_find_slot(m, id);
    return s ? *s : NULL;
}

static void map_put_unchecked(rh_delivery **slots, size_t n, rh_delivery *d)
{
    size_t mask = n - 1, i = hash_id(d->id) & mask;
    while (slots[i] && slots[i] != TOMBSTONE)
        i = (i + 1) & mask;
    slots[i] = d;
}

/* Make room for `extra` more entries, so that inserting cannot fail. */
static int map_reserve(memstore *m, size_t extra)
{
    size_t need = m->n_used + extra;
    if (m->n_slots && need * 4 < m->n_slots * 3)
        return RH_OK;
    size_t n = m->n_slots ? m->n_slots : 64;
    while ((m->n_live + extra) * 2 > n)
        n *= 2;
    rh_delivery **slots = rh__calloc(m->alloc, n * sizeof *slots);
    if (!slots)
        return RH_E_NOMEM;
    for (size_t i = 0; i < m->n_slots; i++)
        if (m->slots[i] && m->slots[i] != TOMBSTONE)
            map_put_unchecked(slots, n, m->slots[i]);
    rh__free(m->alloc, m->slots);
    m->slots = slots;
    m->n_slots = n;
    m->n_used = m->n_live;
    return RH_OK;
}

static void map_put(memstore *m, rh_delivery *d)
{
    map_put_unchecked(m->slots, m->n_slots, d);
    m->n_used++;
    m->n_live++;
}

static void map_del(memstore *m, const char *id)
{
    rh_delivery **s = map_find_slot(m, id);
    if (s) {
        *s = TOMBSTONE;
        m->n_live--;
    }
}

/* ----------------------------------------------------------------- heaps */

/* The key lives in the entry, so that sifting reads one array and never
 * the deliveries themselves (100,000 pending: a cache miss per look).
 * Equal due times keep the order the deliveries were queued in. */
struct heap_entry {
    int64_t due;
    uint64_t order;
    rh_delivery *d;
};

#define NOT_QUEUED ((size_t)-1)

/* One endpoint's unfinished deliveries, earliest due first. */
struct mem_queue {
    char endpoint_id[RH_ID_SIZE];
    heap_entry *heap;
    size_t len, cap;
    size_t want;        /* enqueue's count of deliveries to come */
    size_t qheap_index; /* NOT_QUEUED when empty */
    size_t room;        /* claim scratch */
};

static int64_t due_of(const rh_delivery *d)
{
    return d->state == RH_DELIVERY_IN_FLIGHT ? d->lease_until_ms
                                             : d->next_attempt_ms;
}

static int entry_less(const heap_entry *a, const heap_entry *b)
{
    return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void entry_set(mem_queue *q, size_t i, heap_entry e)
{
    q->heap[i] = e;
    e.d->heap_index = i;
}

static void entry_up(mem_queue *q, size_t i)
{
    heap_entry e = q->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!entry_less(&e, &q->heap[p]))
            break;
        entry_set(q, i, q->heap[p]);
        i = p;
    }
    entry_set(q, i, e);
}

static void entry_down(mem_queue *q, size_t i)
{
    heap_entry e = q->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, c = l;
        if (l >= q->len)
            break;
        if (r < q->len && entry_less(&q->heap[r], &q->heap[l]))
            c = r;
        if (!entry_less(&q->heap[c], &e))
            break;
        entry_set(q, i, q->heap[c]);
        i = c;
    }
    entry_set(q, i, e);
}

/* Queues ordered by their first entry. */
static int queue_less(const mem_queue *a, const mem_queue *b)
{
    return entry_less(&a->heap[0], &b->heap[0]);
}

static void qheap_set(memstore *m, size_t i, mem_queue *q)
{
    m->qheap[i] = q;
    q->qheap_index = i;
}

static void qheap_up(memstore *m, size_t i)
{
    mem_queue *q = m->qheap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!queue_less(q, m->qheap[p]))
            break;
        qheap_set(m, i, m->qheap[p]);
        i = p;
    }
    qheap_set(m, i, q);
}

static void qheap_down(memstore *m, size_t i)
{
    mem_queue *q = m->qheap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, c = l;
        if (l >= m->qheap_len)
            break;
        if (r < m->qheap_len && queue_less(m->qheap[r], m->qheap[l]))
            c = r;
        if (!queue_less(m->qheap[c], q))
            break;
        qheap_set(m, i, m->qheap[c]);
        i = c;
    }
    qheap_set(m, i, q);
}

/* Take q out of the queue heap (it is in it). */
static void qheap_remove(memstore *m, mem_queue *q)
{
    size_t i = q->qheap_index;
    mem_queue *last = m->qheap[--m->qheap_len];
    q->qheap_index = NOT_QUEUED;
    if (i == m->qheap_len)
        return;
    qheap_set(m, i, last);
    qheap_down(m, i);
    qheap_up(m, last->qheap_index);
}

/* q's first entry changed, it became empty, or it became non-empty. */
static void qheap_update(memstore *m, mem_queue *q)
{
    if (q->len == 0) {
        if (q->qheap_index != NOT_QUEUED)
            qheap_remove(m, q);
        return;
    }
    if (q->qheap_index == NOT_QUEUED) {
        /* room was reserved when the queue was made */
        qheap_set(m, m->qheap_len++, q);
        qheap_up(m, q->qheap_index);
        return;
    }
    qheap_down(m, q->qheap_index);
    qheap_up(m, q->qheap_index);
}

static int queue_reserve(memstore *m, mem_queue *q, size_t extra)
{
    if (q->len + extra <= q->cap)
        return RH_OK;
    size_t cap = q->cap ? q->cap : 4;
    while (cap < q->len + extra)
        cap *= 2;
    heap_entry *h = rh__realloc(m->alloc, q->heap, cap * sizeof *h);
    if (!h)
        return RH_E_NOMEM;
    q->heap = h;
    q->cap = cap;
    return RH_OK;
}

/* Within q's heap only; the caller updates the queue heap. */
static void entry_push(mem_queue *q, heap_entry e)
{
    size_t i = q->len++;
    entry_set(q, i, e);
    entry_up(q, i);
}

static heap_entry entry_remove(mem_queue *q, rh_delivery *d)
{
    size_t i = d->heap_index;
    heap_entry gone = q->heap[i], last = q->heap[--q->len];
    if (i == q->len)
        return gone;
    entry_set(q, i, last);
    entry_down(q, i);
    entry_up(q, last.d->heap_index);
    return gone;
}

/* ------------------------------------------------------ endpoint queues */

static mem_queue **queue_slot(memstore *m, const char *endpoint_id)
{
    size_t mask = m->n_queue_slots - 1, i = hash_id(endpoint_id) & mask;
    while (m->queues[i] && strcmp(m->queues[i]->endpoint_id, endpoint_id))
        i = (i + 1) & mask;
    return &m->queues[i];
}

static mem_queue *queue_find(memstore *m, const char *endpoint_id)
{
    return m->n_queue_slots ? *queue_slot(m, endpoint_id) : NULL;
}

/* The endpoint's queue, made (with room for it in the queue heap) when it
 * is new. Queues live as long as the store. */
static mem_queue *queue_get(memstore *m, const char *endpoint_id)
{
    mem_queue *q = queue_find(m, endpoint_id);
    if (q)
        return q;
    if ((m->n_queues + 1) * 2 > m->n_queue_slots) {
        size_t n = m->n_queue_slots ? m->n_queue_slots * 2 : 64;
        mem_queue **slots = rh__calloc(m->alloc, n * sizeof *slots);
        if (!slots)
            return NULL;
        mem_queue **old = m->queues;
        size_t n_old = m->n_queue_slots;
        m->queues = slots;
        m->n_queue_slots = n;
        for (size_t i = 0; i < n_old; i++)
            if (old[i])
                *queue_slot(m, old[i]->endpoint_id) = old[i];
        rh__free(m->alloc, old);
    }
    if (m->qheap_cap < m->n_queues + 1) {
        size_t cap = m->qheap_cap ? m->qheap_cap * 2 : 64;
        mem_queue **h = rh__realloc(m->alloc, m->qheap, cap * sizeof *h);
        if (!h)
            return NULL;
        m->qheap = h;
        m->qheap_cap = cap;
    }
    q = rh__calloc(m->alloc, sizeof *q);
    if (!q)
        return NULL;
    rh__strlcpy(q->endpoint_id, endpoint_id, sizeof q->endpoint_id);
    q->qheap_index = NOT_QUEUED;
    *queue_slot(m, endpoint_id) = q;
    m->n_queues++;
    return q;
}

/* A delivery new to its queue (room reserved): it goes behind the others
 * due at the same time. */
static void pending_push(memstore *m, mem_queue *q, rh_delivery *d)
{
    heap_entry e = {due_of(d), ++m->next_order, d};
    entry_push(q, e);
    qheap_update(m, q);
    m->n_pending++;
}

static void pending_remove(memstore *m, mem_queue *q, rh_delivery *d)
{
    entry_remove(q, d);
    qheap_update(m, q);
    m->n_pending--;
}

/* Re-place d after its due time changed, keeping its place among equals. */
static void pending_fix(memstore *m, mem_queue *q, rh_delivery *d)
{
    q->heap[d->heap_index].due = due_of(d);
    entry_down(q, d->heap_index);
    entry_up(q, d->heap_index);
    qheap_update(m, q);
}

/* The queue of an unfinished delivery (it exists: d was queued in it). */
static mem_queue *queue_of(memstore *m, const rh_delivery *d)
{
    return queue_find(m, d->endpoint_id);
}

/* ------------------------------------------------------ finished list */

static void done_unlink(memstore *m, rh_delivery *d)
{
    if (d->done_prev)
        d->done_prev->done_next = d->done_next;
    else
        m->done_head = d->done_next;
    if (d->done_next)
        d->done_next->done_prev = d->done_prev;
    else
        m->done_tail = d->done_prev;
    d->done_next = d->done_prev = NULL;
    m->n_done--;
}

static void done_append(memstore *m, rh_delivery *d)
{
    d->done_prev = m->done_tail;
    d->done_next = NULL;
    if (m->done_tail)
        m->done_tail->done_next = d;
    else
        m->done_head = d;
    m->done_tail = d;
    m->n_done++;
    while (m->n_done > m->max_log) {
        rh_delivery *old = m->done_head;
        done_unlink(m, old);
        map_del(m, old->id);
        rh_delivery_free(old);
    }
}

/* ------------------------------------------------------------- the slots */

static int mem_endpoint_save(const char *id, const char *json, size_t len,
                             void *ud)
{
    memstore *m = ud;
    char *copy = rh__memdup(m->alloc, json, len);
    if (!copy)
        return RH_E_NOMEM;
    for (size_t i = 0; i < m->n_eps; i++) {
        if (strcmp(m->eps[i].id, id) == 0) {
            rh__wipe(m->eps[i].json, m->eps[i].len);
            rh__free(m->alloc, m->eps[i].json);
            m->eps[i].json = copy;
            m->eps[i].len = len;
            return RH_OK;
        }
    }
    if (m->n_eps == m->cap_eps) {
        size_t cap = m->cap_eps ? m->cap_eps * 2 : 8;
        mem_endpoint *e = rh__realloc(m->alloc, m->eps, cap * sizeof *e);
        if (!e) {
            rh__free(m->alloc, copy);
            return RH_E_NOMEM;
        }
        m->eps = e;
        m->cap_eps = cap;
    }
    rh__strlcpy(m->eps[m->n_eps].id, id, RH_ID_SIZE);
    m->eps[m->n_eps].json = copy;
    m->eps[m->n_eps].len = len;
    m->n_eps++;
    return RH_OK;
}

static int mem_endpoint_remove(const char *id, void *ud)
{
    memstore *m = ud;
    for (size_t i = 0; i < m->n_eps; i++) {
        if (strcmp(m->eps[i].id, id) == 0) {
            rh__wipe(m->eps[i].json, m->eps[i].len);
            rh__free(m->alloc, m->eps[i].json);
            memmove(&m->eps[i], &m->eps[i + 1],
                    (m->n_eps - i - 1) * sizeof *m->eps);
            m->n_eps--;
            return RH_OK;
        }
    }
    return RH_E_NOT_FOUND;
}

static int mem_endpoint_load(rh_endpoint_record_cb each, void *each_ud,
                             void *ud)
{
    memstore *m = ud;
    for (size_t i = 0; i < m->n_eps; i++) {
        int rc = each(m->eps[i].json, m->eps[i].len, each_ud);
        if (rc < 0)
            return rc;
    }
    return RH_OK;
}

static int mem_enqueue(const rh_event *ev, const rh_delivery *const *dls,
                       size_t n, void *ud)
{
    memstore *m = ud;
    rh_event *shared;
    rh_delivery **made;
    mem_queue **qs;
    size_t i;
    int rc = RH_OK;
    if (n == 0)
        return RH_OK;
    if (m->n_pending + n > m->max_pending)
        return RH_E_FULL;
    /* Everything that can fail happens before the first insert: all or
     * none. A queue made for a batch that then fails stays, empty. */
    qs = rh__calloc(m->alloc, n * sizeof *qs);
    if (!qs)
        return RH_E_NOMEM;
    for (i = 0; i < n && rc == RH_OK; i++) {
        qs[i] = queue_get(m, dls[i]->endpoint_id);
        if (!qs[i])
            rc = RH_E_NOMEM;
        else
            qs[i]->want++;
    }
    for (i = 0; i < n; i++) {
        if (qs[i] && qs[i]->want) {
            if (rc == RH_OK)
                rc = queue_reserve(m, qs[i], qs[i]->want);
            qs[i]->want = 0;
        }
    }
    if (rc == RH_OK)
        rc = map_reserve(m, n);
    if (rc != RH_OK) {
        rh__free(m->alloc, qs);
        return rc;
    }
    rc = rh__event_make(&shared, m->alloc, ev->id, ev->type, ev->timestamp_ms,
                        ev->data, ev->data_len);
    if (rc != RH_OK) {
        rh__free(m->alloc, qs);
        return rc;
    }
    made = rh__calloc(m->alloc, n * sizeof *made);
    if (!made) {
        rh__free(m->alloc, qs);
        rh__event_release(shared);
        return RH_E_NOMEM;
    }
    for (i = 0; i < n; i++) {
        rc = rh__delivery_make(&made[i], m->alloc);
        if (rc != RH_OK)
            break;
        rh_delivery *d = made[i];
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
    if (rc != RH_OK) {
        for (size_t j = 0; j < i; j++)
            rh_delivery_free(made[j]);
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (map_get(m, made[i]->id)) {
            /* A duplicate id (stored, or twice in this batch): undo the
             * inserts so far, which cannot fail, and refuse the batch. */
            for (size_t j = 0; j < i; j++) {
                map_del(m, made[j]->id);
                pending_remove(m, qs[j], made[j]);
            }
            for (size_t j = 0; j < n; j++)
                rh_delivery_free(made[j]);
            rc = RH_E_INVALID_ARG;
            goto out;
        }
        map_put(m, made[i]);
        pending_push(m, qs[i], made[i]);
    }
out:
    rh__free(m->alloc, made);
    rh__free(m->alloc, qs);
    rh__event_release(shared); /* the deliveries hold it now */
    return rc;
}

/* The first entry of the queue first due, or NULL when nothing is due. */
static mem_queue *first_due(memstore *m, int64_t now_ms)
{
    if (!m->qheap_len || m->qheap[0]->heap[0].due > now_ms)
        return NULL;
    return m->qheap[0];
}

static int scratch_reserve(memstore *m, size_t n)
{
    if (n <= m->scratch_cap)
        return RH_OK;
    heap_entry *t = rh__realloc(m->alloc, m->taken, n * sizeof *t);
    if (t)
        m->taken = t;
    mem_queue **tq = rh__realloc(m->alloc, m->taken_q, n * sizeof *tq);
    if (tq)
        m->taken_q = tq;
    mem_queue **p = rh__realloc(m->alloc, m->picked, n * sizeof *p);
    if (p)
        m->picked = p;
    if (!t || !tq || !p)
        return RH_E_NOMEM;
    m->scratch_cap = n;
    return RH_OK;
}

/* Version 1: offer due deliveries earliest first. What the caller leaves
 * (its per-endpoint cap) is popped and pushed back after the scan; the
 * scan is bounded so that one crowded endpoint cannot make a tick walk the
 * whole queue (the adapters use the same bound: adapter_scan_budget). The
 * fair claim below has no such window. */
static int mem_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                     rh_claim_cb each, void *each_ud, void *ud)
{
    memstore *m = ud;
    size_t n_seen = 0, taken = 0, budget = max * 4 + 256;
    mem_queue *q;
    int rc = RH_OK;
    if (max == 0 || !first_due(m, now_ms))
        return 0;
    if (scratch_reserve(m, budget) != RH_OK)
        return RH_E_NOMEM;
    while (taken < max && n_seen < budget && (q = first_due(m, now_ms))) {
        rh_delivery *d = q->heap[0].d;
        heap_entry *e = &m->taken[n_seen];
        m->taken_q[n_seen++] = q;
        *e = q->heap[0];
        pending_remove(m, q, d);
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
        entry_push(m->taken_q[i], m->taken[i]);
        qheap_update(m, m->taken_q[i]);
        m->n_pending++;
    }
    return rc < 0 ? rc : (int)taken;
}

/* Version 2, the fair claim. The endpoints with due work come off the
 * queue heap earliest first; one with no room is set aside unread; the
 * others take turns, one delivery each per round, until the claim is full
 * or nothing more is due. Its cost is the endpoints it looks at plus what
 * it takes, never the backlog of an endpoint it skips. */
static int mem_claim_batch(const rh_claim_request *req, rh_claimed_cb each,
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
    if (max == 0 || !first_due(m, now_ms))
        return 0;
    /* picked: up to max with room; set aside: at most the listed ones */
    if (scratch_reserve(m, max + busy) != RH_OK)
        return RH_E_NOMEM;
    n_aside = 0;
    while (n_picked < max && (q = first_due(m, now_ms))) {
        size_t room = rh_claim_request_room_of(req, q->endpoint_id);
        qheap_remove(m, q); /* out of the queue heap while we work on it */
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
            entry_remove(q, d);
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
        entry_push(m->taken_q[i], m->taken[i]);
    for (i = 0; i < n_picked; i++)
        qheap_update(m, m->picked[i]);
    for (i = 0; i < n_aside; i++)
        qheap_update(m, m->picked[max + i]);
    for (i = 0; i < taken && rc >= 0; i++) {
        rh_delivery *d = m->taken[i].d;
        rc = each(d, d->ev, each_ud);
    }
    return rc < 0 ? rc : (int)taken;
}

/* Set d's new state; the caller has checked it exists. Cannot fail. */
static void apply_complete(memstore *m, rh_delivery *d, const rh_delivery *dl)
{
    int was_unfinished =
        d->state == RH_DELIVERY_PENDING || d->state == RH_DELIVERY_IN_FLIGHT;
    d->attempts = dl->attempts;
    d->next_attempt_ms = dl->next_attempt_ms;
    d->updated_ms = dl->updated_ms;
    d->state = dl->state;
    if (!was_unfinished)
        return; /* finished already: it stays in the log */
    if (d->state == RH_DELIVERY_SUCCEEDED || d->state == RH_DELIVERY_FAILED) {
        pending_remove(m, queue_of(m, d), d);
        done_append(m, d); /* may free the oldest, never d itself */
    } else {
        pending_fix(m, queue_of(m, d), d); /* its due time follows state */
    }
}

static void log_append(memstore *m, rh_attempt *copy)
{
    copy->seq = ++m->next_seq;
    if (m->log_tail)
        m->log_tail->next = copy;
    else
        m->log_head = copy;
    m->log_tail = copy;
    m->n_log++;
    while (m->n_log > m->max_log) {
        rh_attempt *old = m->log_head;
        m->log_head = old->next;
        if (!m->log_head)
            m->log_tail = NULL;
        rh_attempt_free(old);
        m->n_log--;
    }
}

static int mem_complete(const rh_delivery *dl, const rh_attempt *at, void *ud)
{
    memstore *m = ud;
    rh_delivery *d = map_get(m, dl->id);
    rh_attempt *copy = NULL;
    if (!d)
        return RH_E_NOT_FOUND;
    if (at) {
        copy = rh__attempt_copy(m->alloc, at);
        if (!copy)
            return RH_E_NOMEM;
    }
    apply_complete(m, d, dl);
    if (copy)
        log_append(m, copy);
    return RH_OK;
}

/* All or none: every attempt is copied before anything changes. */
static int mem_complete_batch(const rh_delivery *const *dls,
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
        rh_delivery *d = map_get(m, dls[i]->id);
        if (!d) {
            rh_attempt_free(copies[i]); /* unknown: skipped */
            continue;
        }
        apply_complete(m, d, dls[i]);
        if (copies[i])
            log_append(m, copies[i]);
    }
    rh__free(m->alloc, copies);
    return RH_OK;
}

static int mem_query_attempts(const rh_query *q, rh_attempt_cb each,
                              void *each_ud, void *ud)
{
    memstore *m = ud;
    size_t limit = rh__query_effective_limit(q), n = 0;
    for (rh_attempt *a = m->log_head; a && n < limit; a = a->next) {
        if (!rh__query_matches_attempt(q, a))
            continue;
        int rc = each(a, each_ud);
        if (rc < 0)
            return rc;
        n++;
    }
    return (int)n;
}

static int by_created(const void *x, const void *y)
{
    const rh_delivery *a = *(rh_delivery *const *)x,
                      *b = *(rh_delivery *const *)y;
    if (a->created_ms != b->created_ms)
        return a->created_ms < b->created_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int mem_query_deliveries(const rh_query *q, rh_delivery_cb each,
                                void *each_ud, void *ud)
{
    memstore *m = ud;
    size_t limit = rh__query_effective_limit(q), n = 0, k = 0;
    rh_delivery **all;
    int rc = RH_OK;
    all = rh__malloc(m->alloc, (m->n_pending + m->n_done + 1) * sizeof *all);
    if (!all)
        return RH_E_NOMEM;
    for (size_t s = 0; s < m->n_queue_slots; s++) {
        mem_queue *mq = m->queues[s];
        for (size_t i = 0; mq && i < mq->len; i++)
            if (rh__query_matches_delivery(q, mq->heap[i].d))
                all[n++] = mq->heap[i].d;
    }
    for (rh_delivery *d = m->done_head; d; d = d->done_next)
        if (rh__query_matches_delivery(q, d))
            all[n++] = d;
    qsort(all, n, sizeof *all, by_created);
    for (; k < n && k < limit; k++) {
        rc = each(all[k], each_ud);
        if (rc < 0)
            break;
    }
    rh__free(m->alloc, all);
    return rc < 0 ? rc : (int)k;
}

/* Room is reserved in q. */
static void requeue(memstore *m, mem_queue *q, rh_delivery *d, int64_t now_ms)
{
    done_unlink(m, d);
    d->state = RH_DELIVERY_PENDING;
    d->attempts = 0;
    d->next_attempt_ms = now_ms;
    d->updated_ms = now_ms;
    pending_push(m, q, d);
}

static int mem_resend(const char *id, int64_t now_ms, void *ud)
{
    memstore *m = ud;
    rh_delivery *d = map_get(m, id);
    mem_queue *q;
    if (!d)
        return RH_E_NOT_FOUND;
    if (d->state != RH_DELIVERY_FAILED)
        return RH_E_STATE;
    if (m->n_pending + 1 > m->max_pending)
        return RH_E_FULL;
    q = queue_get(m, d->endpoint_id);
    if (!q || queue_reserve(m, q, 1) != RH_OK)
        return RH_E_NOMEM;
    requeue(m, q, d, now_ms);
    return RH_OK;
}

static int mem_recover(const char *endpoint_id, int64_t since_ms,
                       int64_t now_ms, void *ud)
{
    memstore *m = ud;
    size_t n = 0, want = 0;
    rh_delivery *d, *next;
    mem_queue *q;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && d->created_ms >= since_ms &&
            strcmp(d->endpoint_id, endpoint_id) == 0)
            want++;
    if (want == 0)
        return 0;
    if (m->n_pending + want > m->max_pending)
        return RH_E_FULL;
    q = queue_get(m, endpoint_id);
    if (!q || queue_reserve(m, q, want) != RH_OK)
        return RH_E_NOMEM;
    for (d = m->done_head; d; d = next) {
        next = d->done_next;
        if (d->state == RH_DELIVERY_FAILED && d->created_ms >= since_ms &&
            strcmp(d->endpoint_id, endpoint_id) == 0) {
            requeue(m, q, d, now_ms);
            n++;
        }
    }
    return (int)n;
}

static int mem_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    memstore *m = ud;
    (void)now_ms;
    *due_out = m->qheap_len ? m->qheap[0]->heap[0].due : -1;
    return RH_OK;
}

static void mem_destroy(void *ud)
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
    for (size_t i = 0; i < m->n_eps; i++) {
        rh__wipe(m->eps[i].json, m->eps[i].len);
        rh__free(m->alloc, m->eps[i].json);
    }
    rh__free(m->alloc, m->eps);
    rh__free(m->alloc, m->queues);
    rh__free(m->alloc, m->qheap);
    rh__free(m->alloc, m->taken);
    rh__free(m->alloc, m->taken_q);
    rh__free(m->alloc, m->picked);
    rh__free(m->alloc, m->slots);
    rh__free(m->alloc, m);
}

int rh__memstore_new(rh_storage *out, const rh_allocator *a,
                     size_t max_pending, size_t max_log)
{
    memstore *m = rh__calloc(a, sizeof *m);
    if (!m)
        return RH_E_NOMEM;
    m->alloc = a;
    m->max_pending = max_pending;
    m->max_log = max_log;
    memset(out, 0, sizeof *out);
    out->version = RH_STORAGE_VERSION;
    out->userdata = m;
    out->endpoint_save = mem_endpoint_save;
    out->endpoint_remove = mem_endpoint_remove;
    out->endpoint_load = mem_endpoint_load;
    out->enqueue = mem_enqueue;
    out->claim = mem_claim;
    out->complete = mem_complete;
    out->query_attempts = mem_query_attempts;
    out->query_deliveries = mem_query_deliveries;
    out->resend = mem_resend;
    out->recover = mem_recover;
    out->next_due = mem_next_due;
    out->destroy = mem_destroy;
    out->claim_batch = mem_claim_batch;
    out->complete_batch = mem_complete_batch;
    return RH_OK;
}
