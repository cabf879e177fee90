/* replicer-hooks memory store's log: queries over its attempts and
 * deliveries (parked ones too), each lent to the caller as a public record,
 * and bulk recovery, all or none. */
#include "rh_memqueue.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int rh__mem_query_attempts(memstore *m, const rh_query *q, rh_attempt_cb each,
                           void *each_ud)
{
    size_t limit = rh_query_limit(q), n = 0;
    mem_filter f;
    rh__mem_filter_of(&f, q);
    for (mem_attempt *a = m->log_head; a && n < limit; a = a->next) {
        rh_attempt *lent;
        if (!rh__mem_filter_attempt(&f, a))
            continue;
        int rc = rh__mem_attempt_lend(a, &lent);
        if (rc == RH_OK) {
            rc = each(lent, each_ud);
            rh_attempt_free(lent);
        }
        if (rc < 0)
            return rc;
        n++;
    }
    return (int)n;
}

static int by_created(const void *x, const void *y)
{
    const mem_delivery *a = *(mem_delivery *const *)x,
                       *b = *(mem_delivery *const *)y;
    if (a->created_ms != b->created_ms)
        return a->created_ms < b->created_ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

typedef struct query_pass {
    const mem_filter *f;
    mem_delivery **all;
    size_t n;
} query_pass;

static void keep_parked(mem_delivery *d, void *ud)
{
    query_pass *qp = ud;
    if (rh__mem_filter_delivery(qp->f, d))
        qp->all[qp->n++] = d;
}

/* Those of `all` up to the limit, each lent as a public record. */
static int hand_deliveries(mem_delivery **all, size_t n, size_t limit,
                           rh_delivery_cb each, void *each_ud)
{
    size_t k = 0;
    int rc = RH_OK;
    for (; k < n && k < limit; k++) {
        rh_delivery *lent;
        rc = rh__mem_delivery_lend(all[k], &lent);
        if (rc == RH_OK) {
            rc = each(lent, each_ud);
            rh_delivery_free(lent);
        }
        if (rc < 0)
            break;
    }
    return rc < 0 ? rc : (int)k;
}

int rh__mem_query_deliveries(memstore *m, const rh_query *q,
                             rh_delivery_cb each, void *each_ud)
{
    size_t n = 0;
    mem_delivery **all;
    mem_filter f;
    int rc;
    rh__mem_filter_of(&f, q);
    all = mem_malloc(m->alloc, (m->n_pending + m->n_done + 1) * sizeof *all);
    if (!all)
        return RH_E_NOMEM;
    for (size_t s = 0; s < m->n_queue_slots; s++) {
        mem_queue *mq = m->queues[s];
        for (size_t i = 0; mq && i < mq->len; i++)
            if (rh__mem_filter_delivery(&f, mq->heap[i].d))
                all[n++] = mq->heap[i].d;
    }
    for (mem_delivery *d = m->done_head; d; d = d->done_next)
        if (rh__mem_filter_delivery(&f, d))
            all[n++] = d;
    query_pass qp = {&f, all, n};
    rh__mem_order_each_parked(m, keep_parked, &qp);
    n = qp.n;
    qsort(all, n, sizeof *all, by_created);
    rc = hand_deliveries(all, n, rh_query_limit(q), each, each_ud);
    mem_free(m->alloc, all);
    return rc;
}

static int by_endpoint_then_created(const void *x, const void *y)
{
    const mem_delivery *a = *(mem_delivery *const *)x,
                       *b = *(mem_delivery *const *)y;
    int c = strcmp(a->endpoint_id, b->endpoint_id);
    return c ? c : by_created(x, y);
}

/* All or none: every endpoint's heap is grown for its share before the
 * first delivery moves. */
int rh__mem_recover(memstore *m, const mem_filter *f, int64_t now_ms)
{
    size_t want = 0;
    mem_delivery *d, **all;
    int rc = RH_OK;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && rh__mem_filter_delivery(f, d))
            want++;
    if (want == 0)
        return 0;
    if (m->n_pending + want > m->max_pending)
        return RH_E_FULL;
    if (!(all = mem_malloc(m->alloc, want * sizeof *all)))
        return RH_E_NOMEM;
    want = 0;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && rh__mem_filter_delivery(f, d))
            all[want++] = d;
    qsort(all, want, sizeof *all, by_endpoint_then_created);
    for (size_t i = 0, j; i < want && rc == RH_OK; i = j) {
        for (j = i + 1;
             j < want && !strcmp(all[j]->endpoint_id, all[i]->endpoint_id); j++)
            ;
        mem_queue *mq = rh__mem_queue_get(m, all[i]->endpoint_id,
                                          rh_event_tenant(all[i]->ev->rec));
        rc = mq ? rh__mem_queue_reserve(m, mq, j - i) : RH_E_NOMEM;
    }
    for (size_t i = 0; i < want && rc == RH_OK; i++)
        rh__mem_requeue(m,
                        rh__mem_queue_get(m, all[i]->endpoint_id,
                                          rh_event_tenant(all[i]->ev->rec)),
                        all[i], now_ms);
    mem_free(m->alloc, all);
    return rc == RH_OK ? (int)want : rc;
}

/* A walk over every delivery the store holds: the memory store serves one
 * process, and the library asks at most once a second per limited tenant
 * unless the tenant is near its limit. */
int rh__mem_count_open(memstore *m, const char *tenant, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < m->dls.n_slots && n < cap; i++) {
        const mem_delivery *d = rh__mem_map_slot(&m->dls, i);
        n += d && d->state <= RH_DELIVERY_IN_FLIGHT &&
             strcmp(rh_event_tenant(d->ev->rec), tenant) == 0;
    }
    return n > (size_t)INT_MAX ? INT_MAX : (int)n;
}
