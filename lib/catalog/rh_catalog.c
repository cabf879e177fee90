/* replicer-hooks event-type catalog: the context's copy of what the store
 * holds (read with the endpoints, so another process's change arrives
 * within the endpoint refresh), the calls that define, change and read it,
 * and strict mode's checks on emits and subscriptions. Reads for a host
 * (get, list, export) and every change read the store first, so that they
 * never act on a stale copy; emits use the copy and never wait on storage
 * for it. */
#include "rh_event_types.h"
#include "rh_validate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp((*(rh_event_type_info *const *)a)->name,
                  (*(rh_event_type_info *const *)b)->name);
}

/* The types and the tenants' limits of c. */
static void free_types(rh_ctx *ctx, rh_catalog *c)
{
    for (size_t i = 0; i < c->n; i++)
        rh__event_type_release(c->types[i]);
    rh__free(&ctx->alloc, c->types);
    rh__free(&ctx->alloc, c->caps);
    c->types = NULL;
    c->caps = NULL;
    c->n = c->cap = c->n_caps = 0;
}

void rh__catalog_free(rh_ctx *ctx)
{
    if (!ctx->catalog)
        return;
    free_types(ctx, ctx->catalog);
    rh__free(&ctx->alloc, ctx->catalog);
    ctx->catalog = NULL;
}

static int add_type(rh_ctx *ctx, rh_catalog *c, rh_event_type_info *et)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        rh_event_type_info **t =
            rh__realloc(&ctx->alloc, c->types, cap * sizeof *t);
        if (!t)
            return RH_E_NOMEM;
        c->types = t;
        c->cap = cap;
    }
    c->types[c->n++] = et;
    return RH_OK;
}

typedef struct load_pass {
    rh_ctx *ctx;
    rh_catalog *into;
} load_pass;

static int load_type(const char *key, const char *json, size_t len, void *ud)
{
    load_pass *p = ud;
    rh_event_type_info *et;
    int rc = rh__event_type_decode(&p->ctx->alloc, key, json, len, &et);
    if (rc == RH_E_INVALID_ARG)
        return RH_OK; /* not one this library reads (a later one's state):
                       * left out, never a reason to refuse the store */
    if (rc == RH_OK && (rc = add_type(p->ctx, p->into, et)) != RH_OK)
        rh__event_type_release(et);
    return rc;
}

static int load_settings(const char *key, const char *json, size_t len,
                         void *ud)
{
    load_pass *p = ud;
    if (strcmp(key, RH__DOC_SETTINGS) != 0)
        return RH_OK; /* a later library's: not ours to read */
    json_t *o = json_loadb(json, len, 0, NULL);
    p->into->strict = json_is_true(json_object_get(o, "strict"));
    json_decref(o); /* unreadable: not strict, as with no catalog */
    return RH_OK;
}

int rh__catalog_load(rh_ctx *ctx)
{
    rh_catalog fresh = {NULL, 0, 0, 0, NULL, 0}, *old = ctx->catalog;
    load_pass p = {ctx, &fresh};
    int rc;
    if (!old && !(old = ctx->catalog = rh__calloc(&ctx->alloc, sizeof *old)))
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    if (!rh__store_can(&ctx->store, RH__STORE_DOCUMENTS))
        return RH_OK; /* nothing stored: the catalog stays empty */
    rc =
        rh__store_document_load(&ctx->store, RH__DOC_EVENT_TYPE, load_type, &p);
    if (rc >= 0)
        rc = rh__store_document_load(&ctx->store, RH__DOC_CATALOG,
                                     load_settings, &p);
    if (rc >= 0)
        rc = rh__tenant_caps_load(ctx, &fresh, old);
    if (rc < 0) {
        free_types(ctx, &fresh);
        return rc == RH_E_NOMEM ? rh__ctx_error(ctx, rc, "out of memory")
                                : rh__ctx_store_failed(ctx, rc);
    }
    if (fresh.n)
        qsort(fresh.types, fresh.n, sizeof *fresh.types, by_name);
    for (size_t i = 0; i < fresh.n; i++) { /* told once stays told */
        rh_event_type_info *was = rh__catalog_find(ctx, fresh.types[i]->name);
        fresh.types[i]->told = was && was->told;
    }
    free_types(ctx, old);
    *old = fresh;
    return RH_OK;
}

rh_event_type_info *rh__catalog_find(const rh_ctx *ctx, const char *name)
{
    const rh_catalog *c = ctx->catalog;
    size_t lo = 0, hi = c ? c->n : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->types[mid]->name, name);
        if (cmp == 0)
            return c->types[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------ strict mode */

int rh__catalog_check_emit(rh_ctx *ctx, const char *type)
{
    if (!ctx->catalog || !ctx->catalog->strict)
        return RH_OK;
    const rh_event_type_info *et = rh__catalog_find(ctx, type);
    if (et && et->state != RH_EVENT_TYPE_ARCHIVED)
        return RH_OK;
    return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENT_TYPE,
                          RH_REFUSAL_UNKNOWN_EVENT_TYPE,
                          "event type %s is %s, and the catalog is strict "
                          "(rh_catalog_set_strict)",
                          type, et ? "archived" : "not in the catalog");
}

int rh__catalog_check_patterns(rh_ctx *ctx, const char *const *events, size_t n)
{
    const rh_catalog *c = ctx->catalog;
    if (!c || !c->strict)
        return RH_OK;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < c->n && (c->types[k]->state == RH_EVENT_TYPE_ARCHIVED ||
                            !rh__pattern_matches(events[i], c->types[k]->name)))
            k++;
        if (k == c->n)
            return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENTS,
                                  RH_REFUSAL_NO_MATCHING_EVENT_TYPE,
                                  "events[%zu] (%s) matches no event type "
                                  "in the catalog, and the catalog is strict",
                                  i, events[i]);
    }
    return RH_OK;
}

/* An emit of a deprecated type is counted, and told once per context. */
void rh__catalog_emitted(rh_ctx *ctx, const char *type)
{
    rh_event_type_info *et = rh__catalog_find(ctx, type);
    if (!et || et->state != RH_EVENT_TYPE_DEPRECATED)
        return;
    ctx->stats[RH_STAT_DEPRECATED_EMITS]++;
    if (et->told || !ctx->s.event_type_cb)
        return;
    et->told = 1;
    int was = ctx->in_callback;
    ctx->in_callback = 1;
    ctx->s.event_type_cb(type, RH_EVENT_TYPE_DEPRECATED_EMITTED,
                         ctx->s.event_type_ud);
    ctx->in_callback = was;
}

/* ---------------------------------------------------------------- changes */

int rh__catalog_store_type(rh_ctx *ctx, const rh_event_type_info *et)
{
    char *json;
    size_t len;
    if (rh__event_type_encode(et, &json, &len) != RH_OK)
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    int rc = rh__store_document_save(&ctx->store, RH__DOC_EVENT_TYPE, et->name,
                                     json, len);
    free(json); /* jansson's */
    return rh__ctx_store_failed(ctx, rc);
}

/* Put an option's text in a field: RH_OK, or RH_E_NOMEM. */
static int take_text(rh_event_type_info *et, char **field, const char *text,
                     int keep_empty)
{
    char *copy = NULL;
    if ((text || keep_empty) &&
        !(copy = rh__strdup(et->alloc, text ? text : "")))
        return RH_E_NOMEM;
    rh__free(et->alloc, *field);
    *field = copy;
    return RH_OK;
}

/* et with the options' given fields laid over it; *changed when any of
 * them differs from what it held. */
static int apply_options(rh_event_type_info *et, const rh_event_type_options *o,
                         int *changed)
{
    const char *group = o->group ? o->group : "";
    int rc = RH_OK;
    if (o->has_description &&
        strcmp(et->description, o->description ? o->description : "")) {
        *changed = 1;
        rc = take_text(et, &et->description, o->description, 1);
    }
    if (rc == RH_OK && o->has_group && strcmp(et->group, group)) {
        *changed = 1;
        rh__strlcpy(et->group, group, sizeof et->group);
        rh__event_type_default_group(et);
    }
    if (rc == RH_OK && o->has_example &&
        !rh__json_same(et->example, o->example)) {
        *changed = 1;
        rc = take_text(et, &et->example, o->example, 0);
    }
    if (rc == RH_OK && o->has_schema && !rh__json_same(et->schema, o->schema)) {
        *changed = 1;
        rc = take_text(et, &et->schema, o->schema, 0);
    }
    return rc;
}

/* Replace (or add) a type in the cache, keeping the order by name. */
int rh__catalog_put(rh_ctx *ctx, rh_event_type_info *et)
{
    rh_catalog *c = ctx->catalog;
    rh_event_type_info *was = rh__catalog_find(ctx, et->name);
    if (was) {
        et->told = was->told;
        for (size_t i = 0; i < c->n; i++)
            if (c->types[i] == was)
                c->types[i] = et;
        rh__event_type_release(was);
        return RH_OK;
    }
    if (add_type(ctx, c, et) != RH_OK)
        return RH_E_NOMEM;
    qsort(c->types, c->n, sizeof *c->types, by_name);
    return RH_OK;
}

int rh__catalog_define(rh_ctx *ctx, const char *name,
                       const rh_event_type_options *opts)
{
    static const rh_event_type_options none;
    rh_event_type_info *et = NULL;
    int changed = 0, rc;
    if (!name || !rh__event_type_valid(name))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EVENT_TYPE,
                              RH_REFUSAL_MALFORMED,
                              "event type name must be 1 to %d characters of "
                              "[A-Za-z0-9_.-], dot-separated",
                              RH_TYPE_MAX);
    if ((rc = rh__catalog_check_options(ctx, opts)) != RH_OK)
        return rc;
    const rh_event_type_info *was = rh__catalog_find(ctx, name);
    if (was)
        rc = rh__event_type_copy(&ctx->alloc, was, &et);
    else
        rc = (et = rh__event_type_new(&ctx->alloc, name)) ? RH_OK : RH_E_NOMEM;
    if (rc == RH_OK)
        rc = apply_options(et, opts ? opts : &none, &changed);
    if (rc != RH_OK) {
        rh__event_type_release(et);
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    }
    if (was && !changed) {
        rh__event_type_release(et);
        return RH_DEFINE_UNCHANGED;
    }
    et->updated_ms = rh__ctx_now(ctx);
    if ((rc = rh__catalog_store_type(ctx, et)) != RH_OK ||
        (rc = rh__catalog_put(ctx, et)) != RH_OK) {
        rh__event_type_release(et);
        return rc == RH_E_NOMEM ? rh__ctx_error(ctx, rc, "out of memory") : rc;
    }
    return was ? RH_DEFINE_UPDATED : RH_DEFINE_CREATED;
}
