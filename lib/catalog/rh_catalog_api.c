/* replicer-hooks catalog floor: the calls of rh_catalog.h that define,
 * change and read types and set strict mode, and rh_account.h's tenant
 * limits. Each reads the store first (rh__catalog_load), so that a change
 * is laid over what every process stored, and a page shows what is stored
 * now. */
#include "rh_event_types.h"
#include "rh_validate.h"

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

/* The cached type of that name into *out: RH_OK, or the code (the error
 * set): RH_E_INVALID_ARG for no name, RH_E_NOT_FOUND for an unknown one. */
static int find_named(rh_ctx *ctx, const char *name, rh_event_type_info **out)
{
    if (!name || !name[0])
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENT_TYPE,
                              RH_REFUSAL_MALFORMED, "the event type's name "
                                                    "is empty");
    if ((*out = rh__catalog_find(ctx, name)) != NULL)
        return RH_OK;
    return rh__ctx_refuse(ctx, RH_E_NOT_FOUND, RH_ARG_EVENT_TYPE,
                          RH_REFUSAL_UNKNOWN_ID,
                          "no event type %.140s in the catalog", name);
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
    if ((rc = find_named(ctx, name, &et)) != RH_OK)
        return rc;
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
    if ((rc = find_named(ctx, name, &et)) != RH_OK)
        return rc;
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
    if (group && !rh__group_valid(group))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_GROUP,
                              RH_REFUSAL_MALFORMED,
                              "group must be 1 to %d characters of "
                              "[A-Za-z0-9_.-]",
                              RH_EVENT_TYPE_GROUP_MAX);
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

/* Its own export: rh_example.c finds a type the same way. */
int rh__catalog_find_named(rh_ctx *ctx, const char *name,
                           rh_event_type_info **out)
{
    return find_named(ctx, name, out);
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

/* ---------------------------------------------------------- tenant limits */

static int check_args(rh_ctx *ctx, const char *tenant, int kind)
{
    if (!tenant || !rh__tenant_valid(tenant))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_TENANT,
                              RH_REFUSAL_MALFORMED,
                              "a tenant is 1 to %d visible ASCII characters",
                              RH_TENANT_MAX);
    if (kind < 0 || kind >= RH_TENANT_LIMIT_COUNT)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "kind must be an rh_tenant_limit_kind");
    return RH_OK;
}

int rh_tenant_set_limit(rh_ctx *ctx, const char *tenant, int kind,
                        int64_t value)
{
    rh_tenant_caps t;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK || (rc = check_args(ctx, tenant, kind)) != RH_OK)
        return rc;
    if (value < 0 || value > RH_TENANT_LIMIT_MAX)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_VALUE,
                              RH_REFUSAL_MALFORMED,
                              "a limit is 0 (none) to %d",
                              RH_TENANT_LIMIT_MAX);
    if (!rh__store_can(&ctx->store, RH__STORE_DOCUMENTS))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage keeps no documents (no "
                             "document_save slot): it cannot hold a tenant's "
                             "limits");
    if (kind == RH_TENANT_MAX_PENDING && value &&
        !rh__store_can(&ctx->store, RH__STORE_COUNT_OPEN))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage cannot count a tenant's pending "
                             "deliveries (no count_open slot)");
    if ((rc = rh__catalog_load(ctx)) != RH_OK) /* the others' limits too */
        return rc;
    const rh_tenant_caps *was = rh__tenant_caps_find(ctx, tenant);
    memset(&t, 0, sizeof t);
    memcpy(t.tenant, tenant, strlen(tenant) + 1);
    if (was)
        memcpy(t.limit, was->limit, sizeof t.limit);
    t.limit[kind] = value;
    return rh__tenant_caps_put(ctx, &t);
}

int rh_tenant_get_limit(rh_ctx *ctx, const char *tenant, int kind,
                        int64_t *value_out)
{
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK || (rc = check_args(ctx, tenant, kind)) != RH_OK)
        return rc;
    if (!value_out)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_OUTPUT,
                              RH_REFUSAL_MALFORMED, "value_out is NULL");
    if ((rc = rh__catalog_load(ctx)) != RH_OK)
        return rc;
    const rh_tenant_caps *t = rh__tenant_caps_find(ctx, tenant);
    *value_out = t ? t->limit[kind] : 0;
    return RH_OK;
}
