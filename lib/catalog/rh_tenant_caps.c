/* replicer-hooks tenants' limits (rh_account.h): a host's limits on one
 * tenant (endpoints, pending deliveries, in flight, a rate), stored as a
 * document per tenant for every process sharing the store and read with
 * the catalog; the checks an add and an emit make against them, and the
 * room the claim gives a limited tenant. A limit is the tenant's own: no
 * other tenant waits on it. */
#include "rh_endpoint_record.h"
#include "rh_event_types.h"
#include "rh_validate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const limit_names[RH_TENANT_LIMIT_COUNT] = {
    "max_endpoints", "max_pending", "max_in_flight", "rate"};

const char *rh_tenant_limit_name(int kind)
{
    return kind >= 0 && kind < RH_TENANT_LIMIT_COUNT ? limit_names[kind]
                                                     : NULL;
}

static int by_tenant(const void *a, const void *b)
{
    return strcmp(((const rh_tenant_caps *)a)->tenant,
                  ((const rh_tenant_caps *)b)->tenant);
}

static rh_tenant_caps *find_in(const rh_catalog *c, const char *tenant)
{
    rh_tenant_caps key;
    if (!c || !c->n_caps || strlen(tenant) > RH_TENANT_MAX)
        return NULL;
    memcpy(key.tenant, tenant, strlen(tenant) + 1);
    return bsearch(&key, c->caps, c->n_caps, sizeof *c->caps, by_tenant);
}

rh_tenant_caps *rh__tenant_caps_find(const rh_ctx *ctx, const char *tenant)
{
    return tenant && tenant[0] ? find_in(ctx->catalog, tenant) : NULL;
}

/* ------------------------------------------------------------- documents */

/* {"max_endpoints":N,...}: each limit an integer 0..RH_TENANT_LIMIT_MAX. */
static int decode_caps(const char *json, size_t len, rh_tenant_caps *t)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    int rc = json_is_object(o) ? RH_OK : RH_E_INVALID_ARG;
    for (int k = 0; rc == RH_OK && k < RH_TENANT_LIMIT_COUNT; k++) {
        json_t *v = json_object_get(o, limit_names[k]);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > RH_TENANT_LIMIT_MAX)
            rc = RH_E_INVALID_ARG;
        else
            t->limit[k] = (int64_t)json_integer_value(v);
    }
    json_decref(o);
    return rc;
}

typedef struct caps_pass {
    rh_ctx *ctx;
    rh_catalog *into;
    size_t cap;
} caps_pass;

static int load_caps(const char *key, const char *json, size_t len, void *ud)
{
    caps_pass *p = ud;
    rh_catalog *c = p->into;
    if (!rh__tenant_valid(key))
        return RH_OK; /* not a tenant of ours: left out */
    if (c->n_caps == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        rh_tenant_caps *g =
            rh__realloc(&p->ctx->alloc, c->caps, cap * sizeof *g);
        if (!g)
            return RH_E_NOMEM;
        c->caps = g;
        p->cap = cap;
    }
    rh_tenant_caps *t = &c->caps[c->n_caps];
    memset(t, 0, sizeof *t);
    memcpy(t->tenant, key, strlen(key) + 1);
    if (decode_caps(json, len, t) == RH_OK)
        c->n_caps++; /* else not one this library reads: left out */
    return RH_OK;
}

int rh__tenant_caps_load(rh_ctx *ctx, rh_catalog *c, const rh_catalog *old)
{
    caps_pass p = {ctx, c, 0};
    int rc = rh__store_document_load(&ctx->store, RH__DOC_TENANT, load_caps,
                                     &p);
    if (rc < 0)
        return rc;
    if (c->n_caps > 1)
        qsort(c->caps, c->n_caps, sizeof *c->caps, by_tenant);
    for (size_t i = 0; i < c->n_caps; i++) { /* this context's counters */
        const rh_tenant_caps *was = find_in(old, c->caps[i].tenant);
        if (!was)
            continue;
        c->caps[i].tokens = was->tokens;
        c->caps[i].tokens_at_ms = was->tokens_at_ms;
        c->caps[i].open = was->open;
        c->caps[i].counted_ms = was->counted_ms;
        c->caps[i].full = was->full;
    }
    return RH_OK;
}

/* ---------------------------------------------------------------- checks */

int rh__tenant_check_add(rh_ctx *ctx, const char *tenant)
{
    const rh_tenant_caps *t = rh__tenant_caps_find(ctx, tenant);
    int64_t max = t ? t->limit[RH_TENANT_MAX_ENDPOINTS] : 0, n = 0;
    if (!max)
        return RH_OK;
    /* a scan, made only for a tenant with this limit */
    for (size_t i = 0; i < ctx->n_eps && n < max; i++)
        n += strcmp(rh__endpoint_tenant(ctx->eps[i]), tenant) == 0;
    if (n < max)
        return RH_OK;
    return rh__ctx_refuse(ctx, RH_E_FULL, RH_ARG_TENANT, RH_REFUSAL_NONE,
                          "tenant %s has reached its limit of endpoints "
                          "(%lld, rh_tenant_set_limit)",
                          tenant, (long long)max);
}


int rh__tenant_check_emit(rh_ctx *ctx, const char *tenant, size_t n)
{
    rh_tenant_caps *t = rh__tenant_caps_find(ctx, tenant);
    int64_t max = t ? t->limit[RH_TENANT_MAX_PENDING] : 0,
            now = rh__ctx_now(ctx);
    if (!max || !n)
        return RH_OK;
    /* the store's count, again when it is a second old, or when the emit
     * would pass the limit by this context's reckoning and the count is
     * not a refusal's of this second (a tenant at its limit costs one
     * count a second, not one an emit) */
    int stale = !t->counted_ms || now - t->counted_ms >= 1000 ||
                now < t->counted_ms;
    if (stale || (t->open + (int64_t)n > max && !t->full)) {
        int rc = rh__store_count_open(&ctx->store, tenant, (size_t)max + 1);
        if (rc < 0)
            return rh__ctx_store_failed(ctx, rc);
        t->open = rc;
        t->counted_ms = now;
    }
    t->full = t->open + (int64_t)n > max;
    if (!t->full)
        return RH_OK;
    return rh__ctx_refuse(ctx, RH_E_FULL, RH_ARG_TENANT, RH_REFUSAL_NONE,
                          "tenant %s has %lld pending, and %zu more would "
                          "pass its limit of %lld pending deliveries "
                          "(rh_tenant_set_limit): nothing was queued",
                          tenant, (long long)t->open, n, (long long)max);
}

void rh__tenant_emitted(rh_ctx *ctx, const char *tenant, size_t n)
{
    rh_tenant_caps *t = rh__tenant_caps_find(ctx, tenant);
    if (t)
        t->open += (int64_t)n;
}

/* ----------------------------------------------------------------- claim */

static double tokens_now(rh_tenant_caps *t, int64_t now)
{
    double rate = (double)t->limit[RH_TENANT_RATE];
    if (!t->tokens_at_ms || now < t->tokens_at_ms) {
        t->tokens = rate; /* a second's worth: its burst */
    } else {
        t->tokens += rate * (double)(now - t->tokens_at_ms) / 1000.0;
        if (t->tokens > rate)
            t->tokens = rate;
    }
    t->tokens_at_ms = now;
    return t->tokens;
}

size_t rh__tenant_room(rh_ctx *ctx, rh_tenant_caps *t, size_t running,
                       int64_t now)
{
    size_t room = ctx->s.max_in_flight, cap = ctx->s.max_in_flight_per_tenant;
    if (cap)
        room = running >= cap ? 0 : cap - running;
    if (!t)
        return room;
    int64_t own = t->limit[RH_TENANT_MAX_IN_FLIGHT];
    if (own)
        room = (int64_t)running >= own ? 0
               : (size_t)(own - (int64_t)running) < room
                   ? (size_t)(own - (int64_t)running)
                   : room;
    if (t->limit[RH_TENANT_RATE]) {
        double tokens = tokens_now(t, now);
        if (tokens < (double)room) /* tokens >= 0: truncation is floor */
            room = tokens > 0 ? (size_t)tokens : 0;
    }
    return room;
}

void rh__tenant_take_token(rh_ctx *ctx, const char *tenant)
{
    rh_tenant_caps *t = rh__tenant_caps_find(ctx, tenant);
    if (t && t->limit[RH_TENANT_RATE] && t->tokens >= 1)
        t->tokens -= 1;
}

/* ------------------------------------------------------------ a change */

static int store_caps(rh_ctx *ctx, const rh_tenant_caps *t)
{
    char json[200];
    int len = snprintf(json, sizeof json,
                       "{\"max_endpoints\":%lld,\"max_pending\":%lld,"
                       "\"max_in_flight\":%lld,\"rate\":%lld}",
                       (long long)t->limit[0], (long long)t->limit[1],
                       (long long)t->limit[2], (long long)t->limit[3]);
    return rh__ctx_store_failed(
        ctx, rh__store_document_save(&ctx->store, RH__DOC_TENANT, t->tenant,
                                     json, (size_t)len));
}

/* t in the cache, in its place by tenant (a new one's counters zero). */
static int cache_caps(rh_ctx *ctx, const rh_tenant_caps *t)
{
    rh_catalog *c = ctx->catalog;
    rh_tenant_caps *have = find_in(c, t->tenant);
    if (have) {
        memcpy(have->limit, t->limit, sizeof have->limit);
        return RH_OK;
    }
    rh_tenant_caps *g =
        rh__realloc(&ctx->alloc, c->caps, (c->n_caps + 1) * sizeof *g);
    if (!g)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    c->caps = g;
    c->caps[c->n_caps++] = *t;
    qsort(c->caps, c->n_caps, sizeof *c->caps, by_tenant);
    return RH_OK;
}

int rh__tenant_caps_put(rh_ctx *ctx, const rh_tenant_caps *t)
{
    int rc = store_caps(ctx, t);
    return rc != RH_OK ? rc : cache_caps(ctx, t);
}
