/* replicer-hooks memory store's ordering keys: per endpoint and key, the one
 * delivery in its heap (or failed and holding the key) and the rest parked;
 * and the moves a key has a say in: finishing, queueing again, eviction. */
#include "rh_memqueue.h"

#include <string.h>

/* The deliveries of one endpoint and one ordering key. Only `active` is in
 * the endpoint's heap (pending or in flight), or it failed and holds the
 * key; the others wait in `parked`, oldest id first, out of every heap, so
 * that a claim never looks at them. refs counts the live deliveries that
 * point here; the group goes with the last. */
struct mem_order {
    char *name; /* endpoint id, a newline, the key */
    rh_delivery *active;
    rh_delivery **parked;
    size_t n_parked, cap_parked;
    size_t refs;
};

static size_t home(const memstore *m, const char *name)
{
    return rh__hash(name, strlen(name)) & (m->n_order_slots - 1);
}

static size_t probe(const memstore *m, const char *name)
{
    size_t i = home(m, name);
    while (m->orders[i] && strcmp(m->orders[i]->name, name) != 0)
        i = (i + 1) & (m->n_order_slots - 1);
    return i;
}

static int grow(memstore *m)
{
    size_t n = m->n_order_slots ? m->n_order_slots * 2 : 64;
    mem_order **slots = rh__calloc(m->alloc, n * sizeof *slots), **old;
    size_t n_old = m->n_order_slots;
    if (!slots)
        return RH_E_NOMEM;
    old = m->orders;
    m->orders = slots;
    m->n_order_slots = n;
    for (size_t i = 0; i < n_old; i++)
        if (old[i])
            m->orders[probe(m, old[i]->name)] = old[i];
    rh__free(m->alloc, old);
    return RH_OK;
}

/* Linear probing's deletion: later entries of the run move back. */
static void unlink_group(memstore *m, mem_order *g)
{
    size_t mask = m->n_order_slots - 1, i = probe(m, g->name), j = i;
    m->orders[i] = NULL;
    m->n_orders--;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->orders[j])
            break;
        if (rh__probe_moves_back(i, j, home(m, m->orders[j]->name))) {
            m->orders[i] = m->orders[j];
            m->orders[j] = NULL;
            i = j;
        }
    }
}

static void group_free(memstore *m, mem_order *g)
{
    rh__free(m->alloc, g->parked);
    rh__free(m->alloc, g->name);
    rh__free(m->alloc, g);
}

static void gc(memstore *m, mem_order *g)
{
    if (g->refs == 0 && !g->active && g->n_parked == 0) {
        unlink_group(m, g);
        group_free(m, g);
    }
}

static int reserve_parked(memstore *m, mem_order *g)
{
    if (g->n_parked < g->cap_parked)
        return RH_OK;
    size_t cap = g->cap_parked ? g->cap_parked * 2 : 4;
    rh_delivery **p = rh__realloc(m->alloc, g->parked, cap * sizeof *p);
    if (!p)
        return RH_E_NOMEM;
    g->parked = p;
    g->cap_parked = cap;
    return RH_OK;
}

mem_order *rh__mem_order_get(memstore *m, const char *endpoint_id,
                             const char *key)
{
    size_t le = strlen(endpoint_id), lk = strlen(key);
    char *name = rh__malloc(m->alloc, le + lk + 2);
    mem_order *g;
    if (!name)
        return NULL;
    memcpy(name, endpoint_id, le);
    name[le] = '\n';
    memcpy(name + le + 1, key, lk + 1);
    if (m->n_order_slots && (g = m->orders[probe(m, name)]) != NULL) {
        rh__free(m->alloc, name);
        return reserve_parked(m, g) == RH_OK ? g : NULL;
    }
    if (((m->n_orders + 1) * 2 > m->n_order_slots && grow(m) != RH_OK) ||
        !(g = rh__calloc(m->alloc, sizeof *g))) {
        rh__free(m->alloc, name);
        return NULL;
    }
    g->name = name;
    if (reserve_parked(m, g) != RH_OK) {
        group_free(m, g);
        return NULL;
    }
    m->orders[probe(m, name)] = g;
    m->n_orders++;
    return g;
}

void rh__mem_order_gc(memstore *m, mem_order *g)
{
    gc(m, g);
}

/* Park d in id order (room was made). */
static void park(mem_order *g, rh_delivery *d)
{
    size_t i = g->n_parked;
    while (i > 0 && strcmp(g->parked[i - 1]->id, d->id) > 0) {
        g->parked[i] = g->parked[i - 1];
        i--;
    }
    g->parked[i] = d;
    g->n_parked++;
}

/* The next parked delivery into its heap, while the key is free. Out of
 * memory for the heap, it stays parked until the key's next event. */
static void promote(memstore *m, mem_order *g)
{
    while (!g->active && g->n_parked) {
        rh_delivery *d = g->parked[0];
        mem_queue *q = rh__mem_queue_get(m, d->endpoint_id);
        if (!q || rh__mem_queue_reserve(m, q, 1) != RH_OK)
            return;
        memmove(g->parked, g->parked + 1, --g->n_parked * sizeof *g->parked);
        rh__mem_heap_push(m, q, d);
        g->active = d;
    }
}

void rh__mem_order_join(memstore *m, mem_order *g, rh_delivery *d)
{
    d->order_group = g;
    g->refs++;
    promote(m, g);
    if (!g->active) {
        g->active = d;
        return;
    }
    if (g->n_parked == g->cap_parked)
        return; /* no room was made (one event, one endpoint twice) */
    /* the key is busy: out of the heap, still counted as pending */
    rh__mem_heap_remove(m, rh__mem_queue_of(m, d), d);
    park(g, d);
}

void rh__mem_order_finished(memstore *m, rh_delivery *d)
{
    mem_order *g = d->order_group;
    if (!g || g->active != d ||
        (d->state == RH_DELIVERY_FAILED && d->holds_key))
        return;
    g->active = NULL;
    promote(m, g);
}

int rh__mem_order_requeue(memstore *m, rh_delivery *d)
{
    mem_order *g = d->order_group;
    if (!g || !g->active || g->active == d) {
        if (g)
            g->active = d;
        return 0;
    }
    rh_delivery *a = g->active;
    if (reserve_parked(m, g) != RH_OK)
        return 0; /* out of memory: sent beside it rather than lost */
    if (a->state == RH_DELIVERY_PENDING && strcmp(d->id, a->id) < 0) {
        /* older than the key's waiting one: it goes first */
        rh__mem_heap_remove(m, rh__mem_queue_of(m, a), a);
        park(g, a);
        g->active = d;
        return 0;
    }
    park(g, d);
    m->n_pending++;
    return 1;
}

int rh__mem_order_skip(memstore *m, rh_delivery *d)
{
    mem_order *g = d->order_group;
    if (d->state != RH_DELIVERY_FAILED || !d->holds_key || !g || g->active != d)
        return RH_E_STATE;
    d->holds_key = 0;
    g->active = NULL;
    promote(m, g);
    return RH_OK;
}

void rh__mem_order_forget(memstore *m, rh_delivery *d)
{
    mem_order *g = d->order_group;
    if (!g)
        return;
    d->order_group = NULL;
    g->refs--;
    if (g->active == d) {
        g->active = NULL;
        promote(m, g);
    }
    gc(m, g);
}

void rh__mem_order_each_parked(memstore *m, void (*fn)(rh_delivery *, void *),
                               void *ud)
{
    for (size_t i = 0; i < m->n_order_slots; i++)
        for (size_t k = 0; m->orders[i] && k < m->orders[i]->n_parked; k++)
            fn(m->orders[i]->parked[k], ud);
}

void rh__mem_orders_free(memstore *m)
{
    for (size_t i = 0; i < m->n_order_slots; i++) {
        mem_order *g = m->orders[i];
        if (!g)
            continue;
        for (size_t k = 0; k < g->n_parked; k++)
            rh_delivery_free(g->parked[k]);
        group_free(m, g);
    }
    rh__free(m->alloc, m->orders);
    m->orders = NULL;
    m->n_order_slots = m->n_orders = 0;
}

/* ------------------------------------- the moves a key has a say in */

/* Onto the finished list; past max_log the oldest is freed, and a key it
 * held goes on. */
void rh__mem_done_append(memstore *m, rh_delivery *d)
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
        rh__mem_done_unlink(m, old);
        rh__mem_map_del(m, old->id);
        rh__mem_order_forget(m, old);
        rh_delivery_free(old);
    }
}

/* Set d's new state; the caller has checked it exists. Cannot fail. */
void rh__mem_apply_complete(memstore *m, rh_delivery *d, const rh_delivery *dl)
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
        rh__mem_pending_remove(m, rh__mem_queue_of(m, d), d);
        rh__mem_done_append(m, d); /* may free the oldest, never d itself */
        rh__mem_order_finished(m, d);
    } else {
        rh__mem_pending_fix(m, rh__mem_queue_of(m, d),
                            d); /* its due time follows state */
    }
}

/* A failed delivery pending again (room is reserved in q), behind its
 * key's current one when the key is busy. */
void rh__mem_requeue(memstore *m, mem_queue *q, rh_delivery *d, int64_t now_ms)
{
    rh__mem_done_unlink(m, d);
    d->state = RH_DELIVERY_PENDING;
    d->attempts = 0;
    d->next_attempt_ms = now_ms;
    d->updated_ms = now_ms;
    d->holds_key = d->ev && d->ev->ordering_hold;
    if (!rh__mem_order_requeue(m, d))
        rh__mem_pending_push(m, q, d);
}
