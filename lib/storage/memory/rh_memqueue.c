/* replicer-hooks memory store's structures: one min-heap per endpoint by
 * due time, per tenant the heap of its endpoints by earliest due, the heap
 * of tenants by earliest due (so that a claim can take turns between
 * tenants without walking one's endpoints), the capped list of finished
 * deliveries and the capped attempt log. */
#include <stddef.h>
#include "rh_memqueue.h"

/* ----------------------------------------------------------------- heaps */

static int64_t due_of(const mem_delivery *d)
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

static void qheap_set(mem_tenant *t, size_t i, mem_queue *q)
{
    t->heap[i] = q;
    q->qheap_index = i;
}

static void qheap_up(mem_tenant *t, size_t i)
{
    mem_queue *q = t->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!queue_less(q, t->heap[p]))
            break;
        qheap_set(t, i, t->heap[p]);
        i = p;
    }
    qheap_set(t, i, q);
}

static void qheap_down(mem_tenant *t, size_t i)
{
    mem_queue *q = t->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, c = l;
        if (l >= t->len)
            break;
        if (r < t->len && queue_less(t->heap[r], t->heap[l]))
            c = r;
        if (!queue_less(t->heap[c], q))
            break;
        qheap_set(t, i, t->heap[c]);
        i = c;
    }
    qheap_set(t, i, q);
}

/* Tenants ordered by their first queue's first entry. */
static int tenant_less(const mem_tenant *a, const mem_tenant *b)
{
    return queue_less(a->heap[0], b->heap[0]);
}

static void theap_set(memstore *m, size_t i, mem_tenant *t)
{
    m->theap[i] = t;
    t->theap_index = i;
}

static void theap_up(memstore *m, size_t i)
{
    mem_tenant *t = m->theap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!tenant_less(t, m->theap[p]))
            break;
        theap_set(m, i, m->theap[p]);
        i = p;
    }
    theap_set(m, i, t);
}

static void theap_down(memstore *m, size_t i)
{
    mem_tenant *t = m->theap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, c = l;
        if (l >= m->theap_len)
            break;
        if (r < m->theap_len && tenant_less(m->theap[r], m->theap[l]))
            c = r;
        if (!tenant_less(m->theap[c], t))
            break;
        theap_set(m, i, m->theap[c]);
        i = c;
    }
    theap_set(m, i, t);
}

void rh__mem_tenant_remove(memstore *m, mem_tenant *t)
{
    size_t i = t->theap_index;
    mem_tenant *last = m->theap[--m->theap_len];
    t->theap_index = NOT_QUEUED;
    if (i == m->theap_len)
        return;
    theap_set(m, i, last);
    theap_down(m, i);
    theap_up(m, last->theap_index);
}

void rh__mem_tenant_update(memstore *m, mem_tenant *t)
{
    if (t->len == 0) {
        if (t->theap_index != NOT_QUEUED)
            rh__mem_tenant_remove(m, t);
        return;
    }
    if (t->theap_index == NOT_QUEUED) {
        /* room was reserved when the tenant was made */
        theap_set(m, m->theap_len++, t);
        theap_up(m, t->theap_index);
        return;
    }
    theap_down(m, t->theap_index);
    theap_up(m, t->theap_index);
}

void rh__mem_queue_unheap(mem_queue *q)
{
    mem_tenant *t = q->tenant;
    size_t i = q->qheap_index;
    mem_queue *last = t->heap[--t->len];
    q->qheap_index = NOT_QUEUED;
    if (i == t->len)
        return;
    qheap_set(t, i, last);
    qheap_down(t, i);
    qheap_up(t, last->qheap_index);
}

/* Take q out of its tenant's heap (it is in it). */
void rh__mem_qheap_remove(memstore *m, mem_queue *q)
{
    rh__mem_queue_unheap(q);
    rh__mem_tenant_update(m, q->tenant);
}

/* q's first entry changed, it became empty, or it became non-empty. */
void rh__mem_qheap_update(memstore *m, mem_queue *q)
{
    mem_tenant *t = q->tenant;
    if (q->len == 0) {
        if (q->qheap_index != NOT_QUEUED)
            rh__mem_qheap_remove(m, q);
        return;
    }
    if (q->qheap_index == NOT_QUEUED) {
        /* room was reserved when the queue was made */
        qheap_set(t, t->len++, q);
        qheap_up(t, q->qheap_index);
    } else {
        qheap_down(t, q->qheap_index);
        qheap_up(t, q->qheap_index);
    }
    rh__mem_tenant_update(m, t);
}

int rh__mem_queue_reserve(memstore *m, mem_queue *q, size_t extra)
{
    if (q->len + extra <= q->cap)
        return RH_OK;
    size_t cap = q->cap ? q->cap : 4;
    while (cap < q->len + extra)
        cap *= 2;
    heap_entry *h = mem_realloc(m->alloc, q->heap, cap * sizeof *h);
    if (!h)
        return RH_E_NOMEM;
    q->heap = h;
    q->cap = cap;
    return RH_OK;
}

/* Within q's heap only; the caller updates the queue heap. */
void rh__mem_entry_push(mem_queue *q, heap_entry e)
{
    size_t i = q->len++;
    entry_set(q, i, e);
    entry_up(q, i);
}

heap_entry rh__mem_entry_remove(mem_queue *q, mem_delivery *d)
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
    size_t mask = m->n_queue_slots - 1, i = mem_hash(endpoint_id) & mask;
    while (m->queues[i] && strcmp(m->queues[i]->endpoint_id, endpoint_id))
        i = (i + 1) & mask;
    return &m->queues[i];
}

static mem_queue *queue_find(memstore *m, const char *endpoint_id)
{
    return m->n_queue_slots ? *queue_slot(m, endpoint_id) : NULL;
}

/* The tenants by name, open addressing as the queues are (the store's
 * mem_map is not used here: this file is beneath it). */
static mem_tenant **tenant_slot(memstore *m, const char *name)
{
    size_t mask = m->n_tenant_slots - 1, i = mem_hash(name) & mask;
    while (m->tenants[i] && strcmp(m->tenants[i]->name, name))
        i = (i + 1) & mask;
    return &m->tenants[i];
}

/* Room for one more tenant in the table and in the tenants' heap. */
static int tenants_reserve(memstore *m)
{
    if ((m->n_tenants + 1) * 2 > m->n_tenant_slots) {
        size_t n = m->n_tenant_slots ? m->n_tenant_slots * 2 : 16;
        mem_tenant **slots = mem_calloc(m->alloc, n * sizeof *slots);
        if (!slots)
            return RH_E_NOMEM;
        mem_tenant **old = m->tenants;
        size_t n_old = m->n_tenant_slots;
        m->tenants = slots;
        m->n_tenant_slots = n;
        for (size_t i = 0; i < n_old; i++)
            if (old[i])
                *tenant_slot(m, old[i]->name) = old[i];
        mem_free(m->alloc, old);
    }
    if (m->theap_cap < m->n_tenants + 1) {
        size_t cap = m->theap_cap ? m->theap_cap * 2 : 16;
        mem_tenant **h = mem_realloc(m->alloc, m->theap, cap * sizeof *h);
        if (!h)
            return RH_E_NOMEM;
        m->theap = h;
        m->theap_cap = cap;
    }
    return RH_OK;
}

/* The tenant's node, made when it is new, with room in its heap for one
 * more queue. Tenants live as long as the store, as queues do. */
static mem_tenant *tenant_get(memstore *m, const char *name)
{
    mem_tenant *t = m->n_tenant_slots ? *tenant_slot(m, name) : NULL;
    if (!t) {
        if (tenants_reserve(m) != RH_OK ||
            !(t = mem_calloc(m->alloc, sizeof *t)))
            return NULL;
        size_t n = strlen(name);
        memcpy(t->name, name, n < RH_TENANT_MAX ? n : RH_TENANT_MAX);
        t->theap_index = NOT_QUEUED;
        *tenant_slot(m, t->name) = t;
        m->n_tenants++;
    }
    if (t->cap < t->n_queues + 1) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        mem_queue **h = mem_realloc(m->alloc, t->heap, cap * sizeof *h);
        if (!h)
            return NULL;
        t->heap = h;
        t->cap = cap;
    }
    return t;
}

void rh__mem_tenants_free(memstore *m)
{
    for (size_t i = 0; i < m->n_tenant_slots; i++)
        if (m->tenants[i]) {
            mem_free(m->alloc, m->tenants[i]->heap);
            mem_free(m->alloc, m->tenants[i]);
        }
    mem_free(m->alloc, m->tenants);
    mem_free(m->alloc, m->theap);
}

/* The endpoint's queue, made (with room for it in its tenant's heap) when
 * it is new. Queues live as long as the store. */
mem_queue *rh__mem_queue_get(memstore *m, const char *endpoint_id,
                             const char *tenant)
{
    mem_queue *q = queue_find(m, endpoint_id);
    if (q)
        return q;
    if ((m->n_queues + 1) * 2 > m->n_queue_slots) {
        size_t n = m->n_queue_slots ? m->n_queue_slots * 2 : 64;
        mem_queue **slots = mem_calloc(m->alloc, n * sizeof *slots);
        if (!slots)
            return NULL;
        mem_queue **old = m->queues;
        size_t n_old = m->n_queue_slots;
        m->queues = slots;
        m->n_queue_slots = n;
        for (size_t i = 0; i < n_old; i++)
            if (old[i])
                *queue_slot(m, old[i]->endpoint_id) = old[i];
        mem_free(m->alloc, old);
    }
    mem_tenant *t = tenant_get(m, tenant ? tenant : "");
    if (!t || !(q = mem_calloc(m->alloc, sizeof *q)))
        return NULL;
    mem_copy_id(q->endpoint_id, endpoint_id);
    q->qheap_index = NOT_QUEUED;
    q->tenant = t;
    t->n_queues++;
    *queue_slot(m, endpoint_id) = q;
    m->n_queues++;
    return q;
}

/* A delivery new to its queue (room reserved): it goes behind the others
 * due at the same time. */
void rh__mem_heap_push(memstore *m, mem_queue *q, mem_delivery *d)
{
    heap_entry e = {due_of(d), ++m->next_order, d};
    rh__mem_entry_push(q, e);
    rh__mem_qheap_update(m, q);
}

void rh__mem_heap_remove(memstore *m, mem_queue *q, mem_delivery *d)
{
    rh__mem_entry_remove(q, d);
    rh__mem_qheap_update(m, q);
}

void rh__mem_pending_push(memstore *m, mem_queue *q, mem_delivery *d)
{
    rh__mem_heap_push(m, q, d);
    m->n_pending++;
}

void rh__mem_pending_remove(memstore *m, mem_queue *q, mem_delivery *d)
{
    rh__mem_heap_remove(m, q, d);
    m->n_pending--;
}

/* Re-place d after its due time changed, keeping its place among equals. */
void rh__mem_pending_fix(memstore *m, mem_queue *q, mem_delivery *d)
{
    q->heap[d->heap_index].due = due_of(d);
    entry_down(q, d->heap_index);
    entry_up(q, d->heap_index);
    rh__mem_qheap_update(m, q);
}

/* The queue of an unfinished delivery (it exists: d was queued in it). */
mem_queue *rh__mem_queue_of(memstore *m, const mem_delivery *d)
{
    return queue_find(m, d->endpoint_id);
}

/* ------------------------------------------------------ finished list */

void rh__mem_done_unlink(memstore *m, mem_delivery *d)
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

/* ---------------------------------------------- used by several slots */

/* The first entry of the queue first due, or NULL when nothing is due. */
mem_queue *rh__mem_first_due(memstore *m, int64_t now_ms)
{
    if (!m->theap_len || m->theap[0]->heap[0]->heap[0].due > now_ms)
        return NULL;
    return m->theap[0]->heap[0];
}

/* Room to take every tenant out at once (a claim's rotation). */
int rh__mem_tenant_scratch_reserve(memstore *m)
{
    if (m->n_tenants <= m->tenant_scratch_cap)
        return RH_OK;
    mem_tenant **pt =
        mem_realloc(m->alloc, m->picked_t, m->n_tenants * sizeof *pt);
    if (!pt)
        return RH_E_NOMEM;
    m->picked_t = pt;
    m->tenant_scratch_cap = m->n_tenants;
    return RH_OK;
}

int rh__mem_scratch_reserve(memstore *m, size_t n)
{
    if (n <= m->scratch_cap)
        return RH_OK;
    heap_entry *t = mem_realloc(m->alloc, m->taken, n * sizeof *t);
    if (t)
        m->taken = t;
    mem_queue **tq = mem_realloc(m->alloc, m->taken_q, n * sizeof *tq);
    if (tq)
        m->taken_q = tq;
    mem_queue **p = mem_realloc(m->alloc, m->picked, n * sizeof *p);
    if (p)
        m->picked = p;
    mem_queue **g = mem_realloc(m->alloc, m->grouped, n * sizeof *g);
    if (g)
        m->grouped = g;
    if (!t || !tq || !p || !g)
        return RH_E_NOMEM;
    m->scratch_cap = n;
    return RH_OK;
}

void rh__mem_log_append(memstore *m, mem_attempt *copy)
{
    copy->seq = ++m->next_seq;
    if (m->log_tail)
        m->log_tail->next = copy;
    else
        m->log_head = copy;
    m->log_tail = copy;
    m->n_log++;
    while (m->n_log > m->max_log) {
        mem_attempt *old = m->log_head;
        m->log_head = old->next;
        if (!m->log_head)
            m->log_tail = NULL;
        mem_free(m->alloc, old);
        m->n_log--;
    }
}
