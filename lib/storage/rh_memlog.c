/* replicer-hooks memory store's log: queries over its attempts and
 * deliveries (parked ones too), and bulk recovery, all or none. */
#include "rh_memqueue.h"

#include <stdlib.h>
#include <string.h>

int rh__mem_query_attempts(memstore *m, const rh_query *q, rh_attempt_cb each,
                           void *each_ud)
{
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

typedef struct query_pass {
    const rh_query *q;
    rh_delivery **all;
    size_t n;
} query_pass;

static void keep_parked(rh_delivery *d, void *ud)
{
    query_pass *qp = ud;
    if (rh__query_matches_delivery(qp->q, d))
        qp->all[qp->n++] = d;
}

int rh__mem_query_deliveries(memstore *m, const rh_query *q,
                             rh_delivery_cb each, void *each_ud)
{
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
    query_pass qp = {q, all, n};
    rh__mem_order_each_parked(m, keep_parked, &qp);
    n = qp.n;
    qsort(all, n, sizeof *all, by_created);
    for (; k < n && k < limit; k++) {
        rc = each(all[k], each_ud);
        if (rc < 0)
            break;
    }
    rh__free(m->alloc, all);
    return rc < 0 ? rc : (int)k;
}

static int by_endpoint_then_created(const void *x, const void *y)
{
    const rh_delivery *a = *(rh_delivery *const *)x,
                      *b = *(rh_delivery *const *)y;
    int c = strcmp(a->endpoint_id, b->endpoint_id);
    return c ? c : by_created(x, y);
}

/* All or none: every endpoint's heap is grown for its share before the
 * first delivery moves. */
int rh__mem_recover(memstore *m, const rh_query *q, int64_t now_ms)
{
    size_t want = 0;
    rh_delivery *d, **all;
    int rc = RH_OK;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && rh__query_matches_delivery(q, d))
            want++;
    if (want == 0)
        return 0;
    if (m->n_pending + want > m->max_pending)
        return RH_E_FULL;
    if (!(all = rh__malloc(m->alloc, want * sizeof *all)))
        return RH_E_NOMEM;
    want = 0;
    for (d = m->done_head; d; d = d->done_next)
        if (d->state == RH_DELIVERY_FAILED && rh__query_matches_delivery(q, d))
            all[want++] = d;
    qsort(all, want, sizeof *all, by_endpoint_then_created);
    for (size_t i = 0, j; i < want && rc == RH_OK; i = j) {
        for (j = i + 1;
             j < want && !strcmp(all[j]->endpoint_id, all[i]->endpoint_id); j++)
            ;
        mem_queue *mq = rh__mem_queue_get(m, all[i]->endpoint_id);
        rc = mq ? rh__mem_queue_reserve(m, mq, j - i) : RH_E_NOMEM;
    }
    for (size_t i = 0; i < want && rc == RH_OK; i++)
        rh__mem_requeue(m, rh__mem_queue_get(m, all[i]->endpoint_id), all[i],
                        now_ms);
    rh__free(m->alloc, all);
    return rc == RH_OK ? (int)want : rc;
}
