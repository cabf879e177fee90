/* replicer-hooks counters per endpoint and per tenant: what rh_ctx_stats
 * counts for the whole context, kept again for each key an outcome names,
 * in an id map per grouping (at most RH_STATS_KEYS_MAX keys each, so that
 * a host with a million endpoints is not made to hold a million arrays by
 * its metrics), read back by rh_ctx_stats_by. */
#include "rh_base.h"
#include "rh_endpoint_record.h"

#include <string.h>

typedef struct rh_key_stats {
    char key[RH_TENANT_MAX + 1]; /* first: the id map's key */
    uint64_t v[RH_STAT_COUNT];
} rh_key_stats;

/* The counters of key in map g, made on first use; NULL when the map is
 * full or out of memory (the outcome then counts in the totals alone). */
static rh_key_stats *key_stats(rh_ctx *ctx, int g, const char *key)
{
    rh_idmap *m = &ctx->stats_by[g];
    rh_key_stats *k = rh__idmap_get(m, key);
    if (k || m->n >= RH_STATS_KEYS_MAX)
        return k;
    if (rh__idmap_reserve(m, &ctx->alloc, 1) != RH_OK ||
        !(k = rh__calloc(&ctx->alloc, sizeof *k)))
        return NULL;
    rh__strlcpy(k->key, key, sizeof k->key);
    rh__idmap_put(m, k);
    return k;
}

/* An outcome is in storage: count it in the context's counters and in its
 * endpoint's and tenant's. */
void rh__stats_outcome(rh_ctx *ctx, const rh_delivery *dl, const rh_attempt *at)
{
    const char *keys[2] = {dl->endpoint_id, dl->tenant};
    rh__stats_count(ctx->stats, dl, at);
    for (int g = 0; g < 2; g++) {
        rh_key_stats *k = key_stats(ctx, g, keys[g]);
        if (k) /* the same arithmetic as the context's own counters */
            rh__stats_count(k->v, dl, at);
    }
}

void rh__stats_by_free(rh_ctx *ctx)
{
    for (int g = 0; g < 2; g++) {
        rh_idmap *m = &ctx->stats_by[g];
        for (size_t i = 0; i < m->n_slots; i++)
            if (m->slots[i])
                rh__free(&ctx->alloc, m->slots[i]);
        rh__idmap_free(m, &ctx->alloc);
    }
}

int rh_ctx_stats_by(rh_ctx *ctx, int group, rh_stats_row_cb cb, void *userdata)
{
    int rc = rh__ctx_enter(ctx), rows = 0;
    if (rc != RH_OK)
        return rc;
    if (!cb || (group != RH_QUEUE_BY_ENDPOINT && group != RH_QUEUE_BY_TENANT))
        return rh__ctx_error(ctx, RH_E_INVALID_ARG,
                             "group is RH_QUEUE_BY_ENDPOINT or "
                             "RH_QUEUE_BY_TENANT, and cb is not NULL");
    rh_idmap *m = &ctx->stats_by[group == RH_QUEUE_BY_TENANT];
    ctx->in_callback = 1;
    for (size_t i = 0; rc == RH_OK && i < m->n_slots; i++) {
        rh_key_stats *k = m->slots[i];
        if (!k)
            continue;
        uint64_t v[RH_STAT_COUNT];
        memcpy(v, k->v, sizeof v);
        rh_endpoint *ep = group == RH_QUEUE_BY_ENDPOINT
                              ? rh__ctx_find_endpoint(ctx, k->key)
                              : NULL;
        v[RH_STAT_IN_FLIGHT] = ep ? ep->in_flight : 0;
        rc = cb(k->key, v, RH_STAT_COUNT, userdata);
        rows++;
    }
    ctx->in_callback = 0;
    return rc < 0 ? rc : rows;
}
