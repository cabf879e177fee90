/* replicer-hooks endpoint index: subscriptions by tenant and exact type, by
 * tenant and "prefix.*" or "*", so that emit and claim cost what matches in
 * the emit's tenant, not what is registered (100,000 tenants cost an emit
 * what 10 do). Rebuilt lazily after the endpoint set changes. (Endpoints by
 * id are kept current as they change, in rh_endpoint_cache.c: a lookup
 * after each add or removal rebuilt all of this.) */
#include "rh_base.h"
#include "rh_validate.h"
#include "rh_endpoint_record.h"

#include <string.h>

typedef struct link {
    rh_endpoint *ep;
    size_t next; /* 0: end; else index + 1 */
} link;

typedef struct slot {
    const char *tenant; /* borrowed from the endpoint, as the key: */
    const char *key;    /* rebuilt when it goes; "*" is a key too */
    size_t first;       /* index + 1 into links */
} slot;

struct rh_index {
    slot *pat;
    size_t n_pat;
    link *links;
    size_t n_links;
    rh_endpoint **listed; /* held, capped or limited: the claim lists them */
    size_t n_listed;
};

/* The slot of a tenant ("" for none) and a pattern, or the empty one
 * where it would go. */
static slot *find(slot *slots, size_t n_slots, const char *tenant,
                  const char *key, size_t len)
{
    size_t mask = n_slots - 1;
    size_t i = (rh__hash(key, len) ^
                rh__hash(tenant, strlen(tenant)) * (size_t)0x9e3779b97f4a7c15ull) &
               mask;
    for (;; i = (i + 1) & mask) {
        if (!slots[i].key)
            return &slots[i];
        if (strlen(slots[i].key) == len && !memcmp(slots[i].key, key, len) &&
            !strcmp(slots[i].tenant, tenant))
            return &slots[i];
    }
}

static size_t pow2_over(size_t n)
{
    size_t p = 16;
    while (p < n * 2)
        p *= 2;
    return p;
}

void rh__index_free(rh_ctx *ctx)
{
    rh_index *x = ctx->index;
    if (!x)
        return;
    rh__free(&ctx->alloc, x->pat);
    rh__free(&ctx->alloc, x->links);
    rh__free(&ctx->alloc, x->listed);
    rh__free(&ctx->alloc, x);
    ctx->index = NULL;
}

/* Build the index for the current endpoints; on failure (memory) the
 * callers fall back to scanning, so nothing is lost. */
static rh_index *build(rh_ctx *ctx)
{
    size_t n_patterns = 0;
    for (size_t i = 0; i < ctx->n_eps; i++)
        n_patterns += ctx->eps[i]->n_events;
    rh_index *x = rh__calloc(&ctx->alloc, sizeof *x);
    if (!x)
        return NULL;
    x->n_pat = pow2_over(n_patterns + 1);
    x->pat = rh__calloc(&ctx->alloc, x->n_pat * sizeof *x->pat);
    x->links = rh__calloc(&ctx->alloc, (n_patterns + 1) * sizeof *x->links);
    x->listed = rh__calloc(&ctx->alloc, (ctx->n_eps + 1) * sizeof *x->listed);
    if (!x->pat || !x->links || !x->listed) {
        ctx->index = x;
        rh__index_free(ctx);
        return NULL;
    }
    for (size_t i = 0; i < ctx->n_eps; i++) {
        rh_endpoint *ep = ctx->eps[i];
        if (rh__endpoint_held(ctx, ep) || ep->set.max_in_flight ||
            ep->set.rate_per_s > 0)
            x->listed[x->n_listed++] = ep;
        for (size_t k = 0; k < ep->n_events; k++) {
            const char *p = ep->events[k], *t = rh__endpoint_tenant(ep);
            slot *s = find(x->pat, x->n_pat, t, p, strlen(p));
            s->key = p;
            s->tenant = t;
            x->links[x->n_links].ep = ep;
            x->links[x->n_links].next = s->first;
            s->first = ++x->n_links;
        }
    }
    return x;
}

static rh_index *current(rh_ctx *ctx)
{
    if (ctx->index_dirty) {
        rh__index_free(ctx);
        ctx->index = build(ctx);
        ctx->index_dirty = 0;
    }
    return ctx->index;
}

/* A production context never sends to an endpoint added in development
 * mode (plain http, private addresses): its deliveries wait, and are not
 * failed, until a development context delivers them. */
int rh__endpoint_held(const rh_ctx *ctx, const rh_endpoint *ep)
{
    return ep->paused || (ep->mode == RH_MODE_DEVELOPMENT &&
                          ctx->s.mode != RH_MODE_DEVELOPMENT);
}

size_t rh__ctx_listed(rh_ctx *ctx, rh_endpoint *const **out)
{
    rh_index *x = current(ctx);
    if (x) {
        *out = x->listed;
        return x->n_listed;
    }
    /* No index (out of memory): none is listed, so a claim may take a held
     * endpoint's deliveries, which start_ready puts back, until memory
     * allows the index again. */
    *out = NULL;
    return 0;
}

/* Add ep to the matches once: an endpoint may match by several patterns. */
static int add_match(rh_ctx *ctx, rh_endpoint *ep, rh_endpoint ***out,
                     size_t *n, size_t *cap)
{
    if (!ep->enabled || ep->match_stamp == ctx->match_stamp)
        return RH_OK;
    ep->match_stamp = ctx->match_stamp;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        rh_endpoint **m = rh__realloc(&ctx->alloc, *out, c * sizeof *m);
        if (!m)
            return RH_E_NOMEM;
        *out = m;
        *cap = c;
    }
    (*out)[(*n)++] = ep;
    return RH_OK;
}

/* The endpoints of one tenant subscribed by one key ("*", a type or a
 * "prefix.*"), into the matches. */
static int add_slot(rh_ctx *ctx, rh_index *x, const char *tenant,
                    const char *key, size_t len, rh_endpoint ***out, size_t *n,
                    size_t *cap)
{
    int rc = RH_OK;
    for (size_t l = find(x->pat, x->n_pat, tenant, key, len)->first;
         rc == RH_OK && l; l = x->links[l - 1].next)
        rc = add_match(ctx, x->links[l - 1].ep, out, n, cap);
    return rc;
}

int rh__ctx_match(rh_ctx *ctx, const char *tenant, const char *type,
                  rh_endpoint ***out, size_t *n_out)
{
    rh_index *x = current(ctx);
    rh_endpoint **m = NULL;
    size_t n = 0, cap = 0, tl = strlen(type);
    int rc = RH_OK;
    ctx->match_stamp++;
    if (!x) { /* no index (out of memory building it): scan */
        for (size_t i = 0; rc == RH_OK && i < ctx->n_eps; i++) {
            if (strcmp(rh__endpoint_tenant(ctx->eps[i]), tenant) != 0)
                continue;
            for (size_t k = 0; k < ctx->eps[i]->n_events; k++)
                if (rh__pattern_matches(ctx->eps[i]->events[k], type)) {
                    rc = add_match(ctx, ctx->eps[i], &m, &n, &cap);
                    break;
                }
        }
    } else {
        char key[RH_TYPE_MAX + 2];
        rc = add_slot(ctx, x, tenant, "*", 1, &m, &n, &cap);
        if (rc == RH_OK)
            rc = add_slot(ctx, x, tenant, type, tl, &m, &n, &cap);
        /* "a.*" and "a.b.*" for "a.b.c" */
        for (size_t d = 0; rc == RH_OK && d < tl; d++) {
            if (type[d] != '.')
                continue;
            memcpy(key, type, d + 1);
            key[d + 1] = '*';
            rc = add_slot(ctx, x, tenant, key, d + 2, &m, &n, &cap);
        }
    }
    if (rc != RH_OK) {
        rh__free(&ctx->alloc, m);
        return rc;
    }
    *out = m;
    *n_out = n;
    return RH_OK;
}
