/* replicer-hooks memory store's structures: one min-heap per endpoint by
 * due time, the heap of endpoints by earliest due, the capped list of
 * finished deliveries and the capped attempt log. */
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
void rh__mem_qheap_remove(memstore *m, mem_queue *q)
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
void rh__mem_qheap_update(memstore *m, mem_queue *q)
{
    if (q->len == 0) {
        if (q->qheap_index != NOT_QUEUED)
            rh__mem_qheap_remove(m, q);
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

/* The endpoint's queue, made (with room for it in the queue heap) when it
 * is new. Queues live as long as the store. */
mem_queue *rh__mem_queue_get(memstore *m, const char *endpoint_id)
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
    if (m->qheap_cap < m->n_queues + 1) {
        size_t cap = m->qheap_cap ? m->qheap_cap * 2 : 64;
        mem_queue **h = mem_realloc(m->alloc, m->qheap, cap * sizeof *h);
        if (!h)
            return NULL;
        m->qheap = h;
        m->qheap_cap = cap;
    }
    q = mem_calloc(m->alloc, sizeof *q);
    if (!q)
        return NULL;
    mem_copy_id(q->endpoint_id, endpoint_id);
    q->qheap_index = NOT_QUEUED;
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
    if (!m->qheap_len || m->qheap[0]->heap[0].due > now_ms)
        return NULL;
    return m->qheap[0];
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
    if (!t || !tq || !p)
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
