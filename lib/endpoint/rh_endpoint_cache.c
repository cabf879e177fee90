/* replicer-hooks endpoint cache: the context's copy of the stored endpoint
 * records, oldest first, saved with their secrets sealed and read back
 * (again when another process may have changed them); and the same by id in
 * a map kept current as endpoints come and go, so that finding one never
 * waits for rh_index.c to rebuild what an add or a removal made stale. */
#include "rh_base.h"
#include "rh_endpoint_record.h"
#include "rh_event_types.h"
#include "rh_sign.h"
#include "rh_validate.h"

#include <stdio.h>
#include <string.h>

/* With a sealing key, the record storage sees carries the secrets sealed
 * (AES-256-GCM, bound to the endpoint id), never in the clear. */
int rh__ctx_save_endpoint(rh_ctx *ctx, const rh_endpoint *ep)
{
    char sealed[RH_SEALED_SIZE], sealed_old[RH_SEALED_SIZE];
    rh_endpoint view = *ep;
    unsigned char nonce[12];
    char *json, *sealed_key = NULL, aad[RH_ID_SIZE + 16];
    size_t len;
    int rc;
    if (ctx->s.has_sealing_key && ep->client_key) {
        /* bound to its purpose too: a sealed secret cannot pass for it */
        snprintf(aad, sizeof aad, "%s:client_key", ep->id);
        rc = rh__ctx_random(ctx, nonce, sizeof nonce);
        if (rc == RH_OK)
            rc = rh__seal_text(&ctx->alloc, ctx->s.sealing_key, nonce, aad,
                               ep->client_key, &sealed_key);
        if (rc != RH_OK)
            return rh__ctx_error(ctx, rc, "cannot seal the client key");
        view.client_key = sealed_key;
    }
    if (ctx->s.has_sealing_key) {
        rc = rh__ctx_random(ctx, nonce, sizeof nonce);
        if (rc == RH_OK)
            rc = rh__seal(ctx->s.sealing_key, nonce, ep->id, ep->secret,
                          sealed, sizeof sealed);
        view.secret = sealed;
        if (rc == RH_OK && ep->old_secret) {
            rc = rh__ctx_random(ctx, nonce, sizeof nonce);
            if (rc == RH_OK)
                rc = rh__seal(ctx->s.sealing_key, nonce, ep->id,
                              ep->old_secret, sealed_old, sizeof sealed_old);
            view.old_secret = sealed_old;
        }
        if (rc != RH_OK) {
            rh__free(&ctx->alloc, sealed_key);
            return rh__ctx_error(ctx, RH_E_CRYPTO, "cannot seal the secret");
        }
    }
    rc = rh__endpoint_encode(&ctx->alloc, &view, &json, &len);
    rh__free(&ctx->alloc, sealed_key);
    if (rc != RH_OK)
        return rh__ctx_error(ctx, rc, "cannot encode the endpoint record");
    rc = rh__store_endpoint_save(&ctx->store, ep->id, json, len);
    rh__wipe(json, len);
    rh__free(&ctx->alloc, json);
    return rh__ctx_store_failed(ctx, rc);
}

/* One part of ep's state by itself where the store keeps parts, else the
 * whole record (a table without the state slots). */
int rh__ctx_save_endpoint_state(rh_ctx *ctx, const rh_endpoint *ep,
                                const char *part)
{
    return rh__store_can(&ctx->store, RH__STORE_STATE)
               ? rh__endpoint_state_store(ctx, ep, part)
               : rh__ctx_save_endpoint(ctx, ep);
}

/* Secrets read from storage in place: sealed ones are opened. */
static int unseal_in_place(rh_ctx *ctx, rh_endpoint *ep, char **secret)
{
    char plain[RH_SECRET_SIZE + 1];
    if (!*secret || !rh__is_sealed(*secret))
        return RH_OK;
    if (!ctx->s.has_sealing_key ||
        rh__unseal(ctx->s.sealing_key, ep->id, *secret, plain,
                   sizeof plain) != RH_OK)
        return RH_E_CRYPTO;
    char *copy = rh__strdup(&ctx->alloc, plain);
    rh__wipe(plain, sizeof plain);
    if (!copy)
        return RH_E_NOMEM;
    rh__free(&ctx->alloc, *secret);
    *secret = copy;
    return RH_OK;
}

static int load_one(const char *json, size_t len, void *ud)
{
    rh_ctx *ctx = ud;
    rh_endpoint *ep;
    int rc = rh__ctx_endpoints_reserve(ctx);
    if (rc != RH_OK)
        return rc;
    rc = rh__endpoint_decode(&ctx->alloc, json, len, &ep);
    if (rc != RH_OK)
        return rc;
    rc = unseal_in_place(ctx, ep, &ep->secret);
    if (rc == RH_OK)
        rc = unseal_in_place(ctx, ep, &ep->old_secret);
    if (rc == RH_OK && ep->client_key && rh__is_sealed(ep->client_key)) {
        char aad[RH_ID_SIZE + 16], *plain = NULL;
        snprintf(aad, sizeof aad, "%s:client_key", ep->id);
        rc = ctx->s.has_sealing_key
                 ? rh__unseal_text(&ctx->alloc, ctx->s.sealing_key, aad,
                                   ep->client_key, &plain)
                 : RH_E_CRYPTO;
        if (rc == RH_OK) {
            rh__free(&ctx->alloc, ep->client_key);
            ep->client_key = plain;
        }
    }
    if (rc != RH_OK) {
        rh__endpoint_free(&ctx->alloc, ep);
        return rc;
    }
    ctx->eps[ctx->n_eps++] = ep;
    return RH_OK;
}

void rh__ctx_free_endpoints(rh_ctx *ctx)
{
    ctx->index_dirty = 1;
    for (size_t i = 0; i < ctx->n_eps; i++)
        rh__endpoint_free(&ctx->alloc, ctx->eps[i]);
    rh__free(&ctx->alloc, ctx->eps);
    ctx->eps = NULL;
    ctx->n_eps = ctx->cap_eps = 0;
    rh__idmap_free(&ctx->ep_ids, &ctx->alloc);
}

/* Replace the cache with what storage holds now, the event-type catalog
 * too: another process sharing the store may have added, changed or
 * removed endpoints. Each endpoint
 * keeps what this context knows of it (its transfers in flight, its
 * health), its old self found by id: a scan of the old list for each made
 * a reload of 100,000 take 41 s. On failure the old cache stays. */
int rh__ctx_load_endpoints(rh_ctx *ctx)
{
    rh_endpoint **old = ctx->eps;
    size_t n_old = ctx->n_eps, cap_old = ctx->cap_eps;
    rh_idmap old_ids = ctx->ep_ids;
    int rc;
    ctx->eps = NULL;
    ctx->n_eps = ctx->cap_eps = 0;
    memset(&ctx->ep_ids, 0, sizeof ctx->ep_ids);
    rc = rh__store_endpoint_load(&ctx->store, load_one, ctx);
    if (rc >= 0)
        rc = rh__idmap_reserve(&ctx->ep_ids, &ctx->alloc, ctx->n_eps);
    if (rc >= 0) {
        for (size_t i = 0; i < ctx->n_eps; i++)
            rh__idmap_put(&ctx->ep_ids, ctx->eps[i]);
        rc = rh__ctx_load_endpoint_state(ctx); /* found through the map */
    }
    if (rc < 0) {
        rh__ctx_free_endpoints(ctx); /* what was read, and its map */
        ctx->eps = old;
        ctx->n_eps = n_old;
        ctx->cap_eps = cap_old;
        ctx->ep_ids = old_ids;
        if (rc == RH_E_NOMEM) /* ours or the store's: one text for both */
            return rh__ctx_error(ctx, rc, "storage endpoint_load: out of "
                                          "memory");
        if (rc == RH_E_INVALID_ARG)
            return rh__ctx_error(ctx, RH_E_STORAGE,
                                 "storage endpoint_load: a stored endpoint "
                                 "record or state part is not valid");
        if (rc == RH_E_CRYPTO)
            return rh__ctx_error(ctx, RH_E_CRYPTO,
                                 "a stored secret is sealed and the sealing "
                                 "key is missing or wrong");
        return rh__ctx_store_failed(ctx, rc);
    }
    for (size_t i = 0; i < ctx->n_eps; i++) {
        rh_endpoint *was = rh__idmap_get(&old_ids, ctx->eps[i]->id);
        if (was)
            rh__endpoint_carry(ctx->eps[i], was);
    }
    for (size_t k = 0; k < n_old; k++)
        rh__endpoint_free(&ctx->alloc, old[k]);
    rh__free(&ctx->alloc, old);
    rh__idmap_free(&old_ids, &ctx->alloc);
    ctx->index_dirty = 1;
    ctx->endpoints_loaded_ms = rh__ctx_now(ctx);
    /* the catalog comes with them (strict mode checks subscriptions); at
     * a refresh a failure keeps the copy there is, the next one tries
     * again, and the endpoints read are kept */
    int first = ctx->catalog == NULL;
    rc = rh__catalog_load(ctx);
    return first ? rc : RH_OK;
}

int rh__ctx_endpoints_stale(const rh_ctx *ctx, int64_t now)
{
    return ctx->s.endpoint_refresh_ms > 0 &&
           now - ctx->endpoints_loaded_ms >= ctx->s.endpoint_refresh_ms;
}

/* Room for one more endpoint in the context's cache. */
int rh__ctx_endpoints_reserve(rh_ctx *ctx)
{
    if (ctx->n_eps < ctx->cap_eps)
        return RH_OK;
    size_t cap = ctx->cap_eps ? ctx->cap_eps * 2 : 8;
    rh_endpoint **e = rh__realloc(&ctx->alloc, ctx->eps, cap * sizeof *e);
    if (!e)
        return RH_E_NOMEM;
    ctx->eps = e;
    ctx->cap_eps = cap;
    return RH_OK;
}

rh_endpoint *rh__ctx_find_endpoint(rh_ctx *ctx, const char *id)
{
    return rh__idmap_get(&ctx->ep_ids, id);
}
