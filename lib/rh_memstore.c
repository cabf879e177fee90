/* replicer-hooks memory storage: the default backend. Deliveries waiting or in
 * flight sit in a min-heap by due time, finished ones in a capped list; all of
 * it is lost when the process exits. */
#include "rh_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct mem_endpoint {
    char id[RH_ID_SIZE];
    char *json;
    size_t len;
} mem_endpoint;

typedef struct memstore {
    const rh_allocator *alloc;
    size_t max_pending;
    size_t max_log;
    /* id -> delivery, open addressing with tombstones */
    rh_delivery **slots;
    size_t n_slots, n_used, n_live;
    /* deliveries pending or in flight, keyed by due time */
    struct heap_entry *heap;
    size_t heap_len, heap_cap;
    uint64_t next_order;
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

/* ------------------------------------------------------------------ heap */

/* The key lives in the entry, so that sifting reads one array and never
 * the deliveries themselves (100,000 pending: a cache miss per look).
 * Equal due times keep the order the deliveries were queued in. */
typedef struct heap_entry {
    int64_t due;
    uint64_t order;
    rh_delivery *d;
} heap_entry;

static int64_t due_of(const rh_delivery *d)
{
    return d->state == RH_DELIVERY_IN_FLIGHT ? d->lease_until_ms
                                             : d->next_attempt_ms;
}

static int heap_less(const heap_entry *a, const heap_entry *b)
{
    return a->due != b->due ? a->due < b->due : a->order < b->order;
}

static void heap_set(memstore *m, size_t i, heap_entry e)
{
    m->heap[i] = e;
    e.d->heap_index = i;
}

static void heap_up(memstore *m, size_t i)
{
    heap_entry e = m->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(&e, &m->heap[p]))
            break;
        heap_set(m, i, m->heap[p]);
        i = p;
    }
    heap_set(m, i, e);
}

static void heap_down(memstore *m, size_t i)
{
    heap_entry e = m->heap[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, c = l;
        if (l >= m->heap_len)
            break;
        if (r < m->heap_len && heap_less(&m->heap[r], &m->heap[l]))
            c = r;
        if (!heap_less(&m->heap[c], &e))
            break;
        heap_set(m, i, m->heap[c]);
        i = c;
    }
    heap_set(m, i, e);
}

static int heap_reserve(memstore *m, size_t extra)
{
    if (m->heap_len + extra <= m->heap_cap)
        return RH_OK;
    size_t cap = m->heap_cap ? m->heap_cap : 64;
    while (cap < m->heap_len + extra)
        cap *= 2;
    heap_entry *h = rh__realloc(m->alloc, m->heap, cap * sizeof *h);
    if (!h)
        return RH_E_NOMEM;
    m->heap = h;
    m->heap_cap = cap;
    return RH_OK;
}

static void heap_push_entry(memstore *m, heap_entry e)
{
    size_t i = m->heap_len++;
    heap_set(m, i, e);
    heap_up(m, i);
}

/* A delivery new to the queue: it goes behind the others due at once. */
static void heap_push(memstore *m, rh_delivery *d)
{
    heap_entry e = {due_of(d), ++m->next_order, d};
    heap_push_entry(m, e);
}

static heap_entry heap_remove(memstore *m, rh_delivery *d)
{
    size_t i = d->heap_index;
    heap_entry gone = m->heap[i], last = m->heap[--m->heap_len];
    if (i == m->heap_len)
        return gone;
    heap_set(m, i, last);
    heap_down(m, i);
    heap_up(m, last.d->heap_index);
    return gone;
}

/* Re-place d after its due time changed, keeping its place among equals. */
static void heap_fix(memstore *m, rh_delivery *d)
{
    m->heap[d->heap_index].due = due_of(d);
    heap_down(m, d->heap_index);
    heap_up(m, d->heap_index);
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
    size_t i;
    int rc;
    if (n == 0)
        return RH_OK;
    if (m->heap_len + n > m->max_pending)
        return RH_E_FULL;
    /* Everything that can fail happens before the first insert: all or none. */
    rc = map_reserve(m, n);
    if (rc == RH_OK)
        rc = heap_reserve(m, n);
    if (rc != RH_OK)
        return rc;
    rc = rh__event_make(&shared, m->alloc, ev->id, ev->type, ev->timestamp_ms,
                        ev->data, ev->data_len);
    if (rc != RH_OK)
        return rc;
    made = rh__calloc(m->alloc, n * sizeof *made);
    if (!made) {
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
        rh__free(m->alloc, made);
        rh__event_release(shared);
        return rc;
    }
    for (i = 0; i < n; i++) {
        if (map_get(m, made[i]->id)) {
            /* A duplicate id (stored, or twice in this batch): undo the
             * inserts so far, which cannot fail, and refuse the batch. */
            for (size_t j = 0; j < i; j++) {
                map_del(m, made[j]->id);
                heap_remove(m, made[j]);
            }
            for (size_t j = 0; j < n; j++)
                rh_delivery_free(made[j]);
            rh__free(m->alloc, made);
            rh__event_release(shared);
            return RH_E_INVALID_ARG;
        }
        map_put(m, made[i]);
        heap_push(m, made[i]);
    }
    rh__free(m->alloc, made);
    rh__event_release(shared); /* the deliveries hold it now */
    return RH_OK;
}

static int mem_claim(int64_t now_ms, int64_t lease_until_ms, size_t max,
                     rh_claim_cb each, void *each_ud, void *ud)
{
    memstore *m = ud;
    heap_entry *seen;
    size_t n_seen = 0, taken = 0;
    /* Deliveries the caller leaves (its per-endpoint cap) are popped and
     * pushed back after the scan; the scan is bounded so that one crowded
     * endpoint cannot make a tick walk the whole queue (the adapters use
     * the same bound: adapter_scan_budget). */
    size_t budget = max * 4 + 256;
    int rc = RH_OK;
    if (max == 0 || m->heap_len == 0)
        return 0;
    seen = rh__malloc(m->alloc, budget * sizeof *seen);
    if (!seen)
        return RH_E_NOMEM;
    while (taken < max && n_seen < budget && m->heap_len &&
           m->heap[0].due <= now_ms) {
        rh_delivery *d = m->heap[0].d;
        heap_entry *e = &seen[n_seen++];
        *e = heap_remove(m, d);
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
    /* room is there: they were just popped; each keeps its order */
    for (size_t i = 0; i < n_seen; i++)
        heap_push_entry(m, seen[i]);
    rh__free(m->alloc, seen);
    return rc < 0 ? rc : (int)taken;
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
        copy->seq = ++m->next_seq;
    }
    d->attempts = dl->attempts;
    d->next_attempt_ms = dl->next_attempt_ms;
    d->updated_ms = dl->updated_ms;
    if (dl->state == RH_DELIVERY_SUCCEEDED || dl->state == RH_DELIVERY_FAILED) {
        if (d->state == RH_DELIVERY_PENDING ||
            d->state == RH_DELIVERY_IN_FLIGHT) {
            d->state = dl->state;
            heap_remove(m, d);
            done_append(m, d); /* may free the oldest, never d itself */
        } else {
            d->state = dl->state;
        }
    } else {
        d->state = dl->state;
        heap_fix(m, d);
    }
    if (copy) {
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
    all = rh__malloc(m->alloc, (m->heap_len + m->n_done) * sizeof *all);
    if (!all)
        return RH_E_NOMEM;
    for (size_t i = 0; i < m->heap_len; i++)
        if (rh__query_matches_delivery(q, m->heap[i].d))
            all[n++] = m->heap[i].d;
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

static void requeue(memstore *m, rh_delivery *d, int64_t now_ms)
{
    done_unlink(m, d);
    d->state = RH_DELIVERY_PENDING;
    d->attempts = 0;
    d->next_attempt_ms = now_ms;
    d->updated_ms = now_ms;
    heap_push(m, d);
}

static int mem_resend(const char *id, int64_t now_ms, void *ud)
{
    memstore *m = ud;
    rh_delivery *d = map_get(m, id);
    if (!d)
        return RH_E_NOT_FOUND;
    if (d->state != RH_DELIVERY_FAILED)
        return RH_E_STATE;
    if (m->heap_len + 1 > m->max_pending)
        return RH_E_FULL;
    if (heap_reserve(m, 1) != RH_OK)
        return RH_E_NOMEM;
    requeue(m, d, now_ms);
    return RH_OK;
}

static int mem_recover(const char *endpoint_id, int64_t since_ms,
                       int64_t now_ms, void *ud)
{
    memstore *m = ud;
    size_t n = 0, want = 0;
    rh_delivery *d, *next;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && d->created_ms >= since_ms &&
            strcmp(d->endpoint_id, endpoint_id) == 0)
            want++;
    if (m->heap_len + want > m->max_pending)
        return RH_E_FULL;
    if (heap_reserve(m, want) != RH_OK)
        return RH_E_NOMEM;
    for (d = m->done_head; d; d = next) {
        next = d->done_next;
        if (d->state == RH_DELIVERY_FAILED && d->created_ms >= since_ms &&
            strcmp(d->endpoint_id, endpoint_id) == 0) {
            requeue(m, d, now_ms);
            n++;
        }
    }
    return (int)n;
}

static int mem_next_due(int64_t now_ms, int64_t *due_out, void *ud)
{
    memstore *m = ud;
    (void)now_ms;
    *due_out = m->heap_len ? m->heap[0].due : -1;
    return RH_OK;
}

static void mem_destroy(void *ud)
{
    memstore *m = ud;
    for (size_t i = 0; i < m->heap_len; i++)
        rh_delivery_free(m->heap[i].d);
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
    rh__free(m->alloc, m->heap);
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
    return RH_OK;
}
