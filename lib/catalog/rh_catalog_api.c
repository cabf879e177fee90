/* replicer-hooks event-type catalog: the calls of rh_catalog.h that define,
 * change and read types and set strict mode. Each reads the store first
 * (rh__catalog_load), so that a change is laid over what every process
 * stored, and a page shows what is stored now. */
#include "rh_event_types.h"

#include <stdio.h>
#include <string.h>

/* Enter ctx, and refuse a store that keeps no documents: a catalog held
 * only in this process would not be the one other processes check. */
static int enter_catalog(rh_ctx *ctx, int need_store)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (need_store && !rh__store_can(&ctx->store, RH__STORE_DOCUMENTS))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage keeps no documents (no "
                             "document_save slot): it cannot hold the "
                             "event-type catalog");
    return rh__catalog_load(ctx);
}

int rh_event_type_define(rh_ctx *ctx, const char *name,
                         const rh_event_type_options *opts)
{
    int rc = enter_catalog(ctx, 1);
    return rc != RH_OK ? rc : rh__catalog_define(ctx, name, opts);
}

static rh_event_type_info *find_named(rh_ctx *ctx, const char *name)
{
    rh_event_type_info *et = name ? rh__catalog_find(ctx, name) : NULL;
    if (!et)
        rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_EVENT_TYPE,
                       RH_REFUSAL_UNKNOWN_ID, "no event type %s in the catalog",
                       name ? name : "(null)");
    return et;
}

int rh_event_type_set_state(rh_ctx *ctx, const char *name, int state)
{
    rh_event_type_info *et, *changed;
    int rc = enter_catalog(ctx, 1);
    if (rc != RH_OK)
        return rc;
    if (state < 0 || state >= RH_EVENT_TYPE_STATE_COUNT)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "state must be an rh_catalog_state");
    if (!(et = find_named(ctx, name)))
        return RH_E_NOT_FOUND;
    if (et->state == state)
        return RH_OK;
    if (rh__event_type_copy(&ctx->alloc, et, &changed) != RH_OK)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    changed->state = state;
    changed->updated_ms = rh__ctx_now(ctx);
    if ((rc = rh__catalog_store_type(ctx, changed)) != RH_OK ||
        (rc = rh__catalog_put(ctx, changed)) != RH_OK) {
        rh__event_type_release(changed);
        return rc == RH_E_NOMEM ? rh__ctx_error(ctx, rc, "out of memory") : rc;
    }
    return RH_OK;
}

int rh_event_type_get(rh_ctx *ctx, const char *name, rh_event_type_info **out)
{
    rh_event_type_info *et;
    int rc = enter_catalog(ctx, 0);
    if (rc != RH_OK)
        return rc;
    if (!out)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_OUTPUT,
                              RH_REFUSAL_MALFORMED, "out is NULL");
    *out = NULL;
    if (!(et = find_named(ctx, name)))
        return RH_E_NOT_FOUND;
    /* the host's copy outlives the context: the default allocator's */
    if (rh__event_type_copy(&rh__default_allocator, et, out) != RH_OK)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    return RH_OK;
}

/* The first type whose name sorts after `after`. */
static size_t first_after(const rh_catalog *c, const char *after)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->types[mid]->name, after) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int rh_event_type_list(rh_ctx *ctx, const char *group, const char *after,
                       size_t limit, int with_archived, rh_event_type_cb each,
                       void *userdata)
{
    int rc = enter_catalog(ctx, 0), n = 0;
    if (rc != RH_OK)
        return rc;
    if (!each || limit < 1 || limit > 1000)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "list needs a callback and a limit of 1 to "
                              "1000");
    const rh_catalog *c = ctx->catalog;
    ctx->in_callback = 1; /* the cache is read while the host is called */
    for (size_t i = first_after(c, after ? after : "");
         i < c->n && (size_t)n < limit; i++) {
        const rh_event_type_info *et = c->types[i];
        if ((group && strcmp(et->shown_group, group) != 0) ||
            (!with_archived && et->state == RH_EVENT_TYPE_ARCHIVED))
            continue;
        if ((rc = each(et, userdata)) < 0)
            break;
        n++;
    }
    ctx->in_callback = 0;
    return rc < 0 ? rc : n;
}

int rh_catalog_set_strict(rh_ctx *ctx, int strict)
{
    char json[32];
    int rc = enter_catalog(ctx, 1);
    if (rc != RH_OK)
        return rc;
    if (strict != 0 && strict != 1)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED, "strict is 0 or 1");
    int len = snprintf(json, sizeof json, "{\"strict\":%s}",
                       strict ? "true" : "false");
    rc = rh__store_document_save(&ctx->store, RH__DOC_CATALOG, RH__DOC_SETTINGS,
                                 json, (size_t)len);
    if ((rc = rh__ctx_store_failed(ctx, rc)) != RH_OK)
        return rc;
    ctx->catalog->strict = strict;
    return RH_OK;
}

int rh_catalog_strict(const rh_ctx *ctx)
{
    if (!ctx)
        return RH_E_INVALID_ARG;
    return ctx->catalog ? ctx->catalog->strict : 0;
}

int rh_event_id_is_test(const char *event_id)
{
    return event_id && strncmp(event_id, "tst_", 4) == 0;
}
