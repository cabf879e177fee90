/* replicer-hooks memory store's ordering keys: per endpoint and key, the one
 * delivery in its heap (or failed and holding the key) and the rest parked;
 * and the moves a key has a say in: finishing, queueing again, eviction. */
#include "rh_memqueue.h"

#include <stddef.h>
#include <string.h>

/* The deliveries of one endpoint and one ordering key. Only `active` is in
 * the endpoint's heap (pending or in flight), or it failed and holds the
 * key; the others wait in `parked`, oldest id first, out of every heap, so
 * that a claim never looks at them. refs counts the live deliveries that
 * point here; the group goes with the last. */
struct mem_order {
    mem_delivery *active;
    mem_delivery **parked;
    size_t n_parked, cap_parked;
    size_t refs;
    char name[]; /* endpoint id, a newline, the key: the map's key */
};

void rh__mem_orders_init(memstore *m)
{
    m->orders.key_at = offsetof(mem_order, name);
}

static void group_free(memstore *m, mem_order *g)
{
    mem_free(m->alloc, g->parked);
    mem_free(m->alloc, g);
}

static void gc(memstore *m, mem_order *g)
{
    if (g->refs == 0 && !g->active && g->n_parked == 0) {
        rh__mem_map_del(&m->orders, g->name);
        group_free(m, g);
    }
}

static int reserve_parked(memstore *m, mem_order *g)
{
    if (g->n_parked < g->cap_parked)
        return RH_OK;
    size_t cap = g->cap_parked ? g->cap_parked * 2 : 4;
    mem_delivery **p = mem_realloc(m->alloc, g->parked, cap * sizeof *p);
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
    mem_order *g = mem_malloc(m->alloc, sizeof *g + le + lk + 2);
    mem_order *had;
    if (!g)
        return NULL;
    memcpy(g->name, endpoint_id, le);
    g->name[le] = '\n';
    memcpy(g->name + le + 1, key, lk + 1);
    if ((had = rh__mem_map_get(&m->orders, g->name)) != NULL) {
        mem_free(m->alloc, g);
        return reserve_parked(m, had) == RH_OK ? had : NULL;
    }
    g->active = NULL;
    g->parked = NULL;
    g->n_parked = g->cap_parked = g->refs = 0;
    if (rh__mem_map_reserve(&m->orders, m->alloc, 1) != RH_OK ||
        reserve_parked(m, g) != RH_OK) {
        group_free(m, g);
        return NULL;
    }
    rh__mem_map_put(&m->orders, g);
    return g;
}

void rh__mem_order_gc(memstore *m, mem_order *g)
{
    gc(m, g);
}

/* Park d in id order (room was made). */
static void park(mem_order *g, mem_delivery *d)
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
        mem_delivery *d = g->parked[0];
        mem_queue *q =
            rh__mem_queue_get(m, d->endpoint_id, rh_event_tenant(d->ev->rec));
        if (!q || rh__mem_queue_reserve(m, q, 1) != RH_OK)
            return;
        memmove(g->parked, g->parked + 1, --g->n_parked * sizeof *g->parked);
        rh__mem_heap_push(m, q, d);
        g->active = d;
    }
}

void rh__mem_order_join(memstore *m, mem_order *g, mem_delivery *d)
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

void rh__mem_order_finished(memstore *m, mem_delivery *d)
{
    mem_order *g = d->order_group;
    if (!g || g->active != d ||
        (d->state == RH_DELIVERY_FAILED && d->holds_key))
        return;
    g->active = NULL;
    promote(m, g);
}

int rh__mem_order_requeue(memstore *m, mem_delivery *d)
{
    mem_order *g = d->order_group;
    if (!g || !g->active || g->active == d) {
        if (g)
            g->active = d;
        return 0;
    }
    mem_delivery *a = g->active;
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

int rh__mem_order_skip(memstore *m, mem_delivery *d)
{
    mem_order *g = d->order_group;
    if (d->state != RH_DELIVERY_FAILED || !d->holds_key || !g || g->active != d)
        return RH_E_STATE;
    d->holds_key = 0;
    g->active = NULL;
    promote(m, g);
    return RH_OK;
}

void rh__mem_order_forget(memstore *m, mem_delivery *d)
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

void rh__mem_order_each_parked(memstore *m, void (*fn)(mem_delivery *, void *),
                               void *ud)
{
    for (size_t i = 0; i < m->orders.n_slots; i++) {
        mem_order *g = rh__mem_map_slot(&m->orders, i);
        for (size_t k = 0; g && k < g->n_parked; k++)
            fn(g->parked[k], ud);
    }
}

void rh__mem_orders_free(memstore *m)
{
    for (size_t i = 0; i < m->orders.n_slots; i++) {
        mem_order *g = rh__mem_map_slot(&m->orders, i);
        if (!g)
            continue;
        for (size_t k = 0; k < g->n_parked; k++)
            rh__mem_delivery_free(m, g->parked[k]);
        group_free(m, g);
    }
    rh__mem_map_free(&m->orders, m->alloc);
}

/* ------------------------------------- the moves a key has a say in */

/* Onto the finished list; past max_log the oldest is freed, and a key it
 * held goes on. */
void rh__mem_done_append(memstore *m, mem_delivery *d)
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
        mem_delivery *old = m->done_head;
        rh__mem_done_unlink(m, old);
        rh__mem_map_del(&m->dls, old->id);
        rh__mem_order_forget(m, old);
        rh__mem_delivery_free(m, old);
    }
}

/* Set d's new state; the caller has checked it exists. Cannot fail. */
void rh__mem_apply_complete(memstore *m, mem_delivery *d, const rh_delivery *dl)
{
    int was_unfinished =
        d->state == RH_DELIVERY_PENDING || d->state == RH_DELIVERY_IN_FLIGHT;
    d->attempts = rh_delivery_attempts(dl);
    d->next_attempt_ms = rh_delivery_next_attempt_ms(dl);
    d->updated_ms = rh_delivery_updated_ms(dl);
    d->state = rh_delivery_state(dl);
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
void rh__mem_requeue(memstore *m, mem_queue *q, mem_delivery *d, int64_t now_ms)
{
    rh__mem_done_unlink(m, d);
    d->state = RH_DELIVERY_PENDING;
    d->attempts = 0;
    d->next_attempt_ms = now_ms;
    d->updated_ms = now_ms;
    d->holds_key = d->ev->hold;
    if (!rh__mem_order_requeue(m, d))
        rh__mem_pending_push(m, q, d);
}
