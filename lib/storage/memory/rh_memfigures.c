/* replicer-hooks memory store: the queue's figures (the queue_figures
 * slot), by a walk over every delivery it holds, grouped by sorting the
 * open and lately failed ones by key: the memory store serves one process
 * and holds what fits in it; a metrics scrape asks once in a while. And a
 * delivery with its event, by id (delivery_event), for an inspection, and
 * an endpoint's health from its log (endpoint_health). */
#include "rh_memqueue.h"

#include <stdlib.h>
#include <string.h>

typedef struct fig_entry {
    const char *key;
    const mem_delivery *d;
} fig_entry;

static int by_key(const void *a, const void *b)
{
    return strcmp(((const fig_entry *)a)->key, ((const fig_entry *)b)->key);
}

/* One delivery into its row's figures; 0 when it counts in none. */
static int count(int64_t *f, const mem_delivery *d, int64_t now_ms,
                 int64_t failed_since_ms)
{
    int64_t due;
    if (d->state == RH_DELIVERY_PENDING) {
        f[RH_QUEUE_PENDING]++;
        due = d->next_attempt_ms;
    } else if (d->state == RH_DELIVERY_IN_FLIGHT) {
        due = d->lease_until_ms;
        if (due > now_ms)
            f[RH_QUEUE_IN_FLIGHT]++;
    } else {
        int failed =
            d->state == RH_DELIVERY_FAILED && d->updated_ms >= failed_since_ms;
        f[RH_QUEUE_FAILED_RECENT] += failed;
        return failed;
    }
    if (due <= now_ms &&
        (f[RH_QUEUE_DUE]++ == 0 || due < f[RH_QUEUE_OLDEST_DUE_MS]))
        f[RH_QUEUE_OLDEST_DUE_MS] = due;
    return 1;
}

static const char *key_of(const mem_delivery *d, int group)
{
    return group == RH_QUEUE_BY_ENDPOINT ? d->endpoint_id
                                         : rh_event_tenant(d->ev->rec);
}

int rh__mem_queue_figures(memstore *m, int64_t now_ms, int64_t failed_since_ms,
                          int group, rh_queue_figures_cb each, void *each_ud)
{
    int64_t f[RH_QUEUE_FIGURE_COUNT] = {0};
    if (group == RH_QUEUE_TOTAL) {
        for (size_t i = 0; i < m->dls.n_slots; i++) {
            const mem_delivery *d = rh__mem_map_slot(&m->dls, i);
            if (d)
                count(f, d, now_ms, failed_since_ms);
        }
        return each("", f, RH_QUEUE_FIGURE_COUNT, each_ud);
    }
    fig_entry *all = mem_calloc(m->alloc, (m->dls.n_live + 1) * sizeof *all);
    size_t n = 0;
    if (!all)
        return RH_E_NOMEM;
    for (size_t i = 0; i < m->dls.n_slots; i++) {
        const mem_delivery *d = rh__mem_map_slot(&m->dls, i);
        if (d && (d->state <= RH_DELIVERY_IN_FLIGHT ||
                  (d->state == RH_DELIVERY_FAILED &&
                   d->updated_ms >= failed_since_ms)))
            all[n++] = (fig_entry){key_of(d, group), d};
    }
    qsort(all, n, sizeof *all, by_key);
    int rc = RH_OK;
    for (size_t i = 0, nonzero = 0; i < n && rc == RH_OK; i++) {
        nonzero += (size_t)count(f, all[i].d, now_ms, failed_since_ms);
        if (i + 1 < n && strcmp(all[i].key, all[i + 1].key) == 0)
            continue;
        if (nonzero)
            rc = each(all[i].key, f, RH_QUEUE_FIGURE_COUNT, each_ud);
        memset(f, 0, sizeof f);
        nonzero = 0;
    }
    mem_free(m->alloc, all);
    return rc;
}

int rh__mem_delivery_event(memstore *m, const char *delivery_id,
                           rh_claimed_cb each, void *each_ud)
{
    const mem_delivery *d = rh__mem_map_get(&m->dls, delivery_id);
    rh_delivery *dl = NULL;
    if (!d)
        return RH_E_NOT_FOUND;
    int rc = rh__mem_delivery_lend(d, &dl);
    if (rc == RH_OK)
        rc = each(dl, d->ev->rec, each_ud);
    rh_delivery_free(dl);
    return rc;
}

/* A walk of the log (oldest first, at most max_log) and of the deliveries:
 * the memory store serves one process, which reads health for a page. */
int rh__mem_endpoint_health(memstore *m, const char *endpoint_id,
                            int64_t *out)
{
    int64_t ok = 0, ok_seq = 0, failing = 0;
    for (const mem_attempt *a = m->log_head; a; a = a->next) {
        if (strcmp(a->endpoint_id, endpoint_id) != 0)
            continue;
        if (a->success) {
            ok = a->started_ms + a->duration_ms;
            ok_seq = a->seq;
            failing = 0;
        } else if (!failing && a->seq > ok_seq) {
            failing = a->started_ms;
        }
    }
    int64_t failed = 0;
    for (size_t i = 0; i < m->dls.n_slots; i++) {
        const mem_delivery *d = rh__mem_map_slot(&m->dls, i);
        failed += d && d->state == RH_DELIVERY_FAILED &&
                  d->updated_ms > ok &&
                  strcmp(d->endpoint_id, endpoint_id) == 0;
    }
    out[0] = ok, out[1] = failing, out[2] = failed;
    return RH_OK;
}
