/* replicer-hooks event-type catalog: import from a JSON document (the
 * project's own form, or the "webhooks" of an OpenAPI 3.1 document) and
 * export to the own form. Every entry of an import is read and checked
 * before any is stored, so that a document with one bad entry changes
 * nothing; a define of what is stored already changes nothing, so an
 * import twice changes nothing. YAML is not read: convert it first (the
 * library links no YAML parser for one file format). */
#include "rh_event_types.h"
#include "rh_validate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry read from the document, as a define will take it. */
typedef struct import_entry {
    char name[RH_TYPE_MAX + 1];
    rh_event_type_options *opts;
    int state; /* -1: keep (OpenAPI says nothing of it) */
} import_entry;

/* v as JSON text: 15 digits for reals when that reads back the same (so
 * 19.99 stays 19.99), else 17, which always does. */
static char *dump_value(json_t *v)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    char *text = json_dumps(v, flags | JSON_REAL_PRECISION(15));
    json_t *back = text ? json_loads(text, 0, NULL) : NULL;
    int same = back && json_equal(back, v);
    json_decref(back);
    if (text && !same) {
        free(text);
        text = json_dumps(v, flags | JSON_REAL_PRECISION(17));
    }
    return text;
}

static int set_json(rh_event_type_options *o, json_t *v, int schema)
{
    if (!v || json_is_null(v))
        return RH_OK;
    char *text = dump_value(v);
    if (!text)
        return RH_E_NOMEM;
    int rc = schema ? rh_event_type_options_set_schema(o, text, strlen(text))
                    : rh_event_type_options_set_example(o, text, strlen(text));
    free(text);
    return rc;
}

static int bad_entry(rh_ctx *ctx, size_t i, const char *what)
{
    return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                          RH_REFUSAL_MALFORMED, "entry %zu: %s", i, what);
}

static int bad_webhook(rh_ctx *ctx, const char *name, const char *what)
{
    return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                          RH_REFUSAL_MALFORMED, "webhook %.140s: %s", name,
                          what);
}

/* A field that is there must be of its type (null: not given). */
static int is_absent(json_t *v)
{
    return !v || json_is_null(v);
}

static int name_fits(const char *name)
{
    return strlen(name) <= RH_TYPE_MAX; /* checked whole, never cut */
}

/* An OpenAPI tag as a group: its characters outside [A-Za-z0-9_.-] as
 * '-', so that "Order Events" groups as "Order-Events". */
static void tag_group(const char *tag, char *out, size_t size)
{
    size_t n = 0;
    for (; tag[n] && n + 1 < size && n < RH_EVENT_TYPE_GROUP_MAX; n++)
        out[n] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789_.-",
                        tag[n])
                     ? tag[n]
                     : '-';
    out[n] = '\0';
}

/* The example of an OpenAPI media object: "example", else the first of
 * "examples"' values; the data of an example envelope when it is one. */
static json_t *openapi_example(json_t *media, const char *name)
{
    json_t *ex = json_object_get(media, "example");
    if (!ex) {
        const char *k;
        json_t *one;
        json_object_foreach(json_object_get(media, "examples"), k, one)
        {
            ex = json_object_get(one, "value");
            break;
        }
    }
    json_t *type = json_object_get(ex, "type"), *data;
    data = json_object_get(ex, "data");
    if (json_is_string(type) && strcmp(json_string_value(type), name) == 0 &&
        json_is_object(data))
        return data;
    return ex;
}

static int read_openapi_entry(rh_ctx *ctx, const char *name,
                              json_t *item, import_entry *e)
{
    json_t *post = json_object_get(item, "post");
    json_t *body = json_object_get(post, "requestBody");
    json_t *media = json_object_get(json_object_get(body, "content"),
                                    "application/json");
    json_t *desc = json_object_get(post, "description");
    json_t *tags = json_object_get(post, "tags");
    json_t *examples = json_object_get(media, "examples");
    char group[RH_EVENT_TYPE_GROUP_MAX + 1] = "";
    if (!name_fits(name))
        return bad_webhook(ctx, name, "a webhook's name is over 128 characters");
    if (!json_is_object(post))
        return bad_webhook(ctx, name, json_object_get(item, "$ref")
                                     ? "a webhook by $ref is not read: "
                                       "write it out"
                                     : "a webhook without a \"post\" "
                                       "operation");
    if ((!is_absent(tags) && !json_is_array(tags)) ||
        (!is_absent(examples) && !json_is_object(examples)) ||
        (!is_absent(desc) && !json_is_string(desc)))
        return bad_webhook(ctx, name, "tags is an array, examples an object and "
                                 "description a string");
    if (!json_is_string(desc))
        desc = json_object_get(post, "summary");
    if (json_is_string(json_array_get(tags, 0)))
        tag_group(json_string_value(json_array_get(tags, 0)), group,
                  sizeof group);
    int rc = rh_event_type_options_set_description(
        e->opts, json_is_string(desc) ? json_string_value(desc) : "");
    if (rc == RH_OK && group[0])
        rc = rh_event_type_options_set_group(e->opts, group);
    if (rc == RH_OK)
        rc = set_json(e->opts, openapi_example(media, name), 0);
    if (rc == RH_OK)
        rc = set_json(e->opts, json_object_get(media, "schema"), 1);
    rh__strlcpy(e->name, name, sizeof e->name);
    e->state = -1;
    return rc;
}

static int read_own_entry(rh_ctx *ctx, size_t i, json_t *item,
                          import_entry *e)
{
    const char *name = json_string_value(json_object_get(item, "name"));
    json_t *desc = json_object_get(item, "description");
    json_t *group = json_object_get(item, "group");
    json_t *state = json_object_get(item, "state");
    int rc = RH_OK;
    if (!json_is_object(item) || !name)
        return bad_entry(ctx, i, "each event type is an object with a name");
    if (!name_fits(name))
        return bad_entry(ctx, i, "the name is over 128 characters");
    if ((!is_absent(desc) && !json_is_string(desc)) ||
        (!is_absent(group) && !json_is_string(group)) ||
        (!is_absent(state) && !json_is_string(state)))
        return bad_entry(ctx, i, "description, group and state are strings");
    rh__strlcpy(e->name, name, sizeof e->name);
    e->state = -1;
    if (json_is_string(state)) {
        for (int s = 0; s < RH_EVENT_TYPE_STATE_COUNT; s++)
            if (strcmp(json_string_value(state), rh_event_type_state_name(s)) ==
                0)
                e->state = s;
        if (e->state < 0)
            return bad_entry(ctx, i, "state is active, deprecated or archived");
    }
    if (json_is_string(desc))
        rc = rh_event_type_options_set_description(e->opts,
                                                   json_string_value(desc));
    if (rc == RH_OK && json_is_string(group))
        rc = rh_event_type_options_set_group(e->opts, json_string_value(group));
    if (rc == RH_OK)
        rc = set_json(e->opts, json_object_get(item, "example"), 0);
    if (rc == RH_OK)
        rc = set_json(e->opts, json_object_get(item, "schema"), 1);
    return rc;
}

/* Each entry read and checked; *n how many. The error set on failure. */
static int read_entries(rh_ctx *ctx, json_t *doc, import_entry *es, size_t *n)
{
    json_t *webhooks = json_object_get(doc, "webhooks");
    json_t *types = json_object_get(doc, "event_types"), *item;
    const char *key;
    int rc = RH_OK;
    *n = 0;
    if (json_is_object(webhooks)) {
        json_object_foreach(webhooks, key, item)
        {
            if ((rc = rh_event_type_options_new(&es[*n].opts)) != RH_OK)
                break;
            rc = read_openapi_entry(ctx, key, item, &es[*n]);
            (*n)++;
            if (rc != RH_OK)
                break;
        }
    } else {
        size_t i;
        json_array_foreach(types, i, item)
        {
            if ((rc = rh_event_type_options_new(&es[*n].opts)) != RH_OK)
                break;
            rc = read_own_entry(ctx, i, item, &es[*n]);
            (*n)++;
            if (rc != RH_OK)
                break;
        }
    }
    for (size_t i = 0; rc == RH_OK && i < *n; i++) {
        for (size_t k = 0; rc == RH_OK && k < i; k++)
            if (!strcmp(es[k].name, es[i].name))
                rc = bad_entry(ctx, i, "a name given twice");
        if (rc != RH_OK)
            break;
        if (!rh__event_type_valid(es[i].name))
            rc = rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                                RH_REFUSAL_MALFORMED,
                                "entry %zu (%s): the name is not an event "
                                "type: 1 to 128 of [A-Za-z0-9_.-], "
                                "dot-separated",
                                i, es[i].name);
        else if ((rc = rh__catalog_check_options(ctx, es[i].opts)) != RH_OK) {
            char why[sizeof ctx->err];
            rh__strlcpy(why, ctx->err, sizeof why); /* said again, named */
            rh__ctx_refuse(ctx, rc, ctx->err_arg, ctx->err_refusal,
                           "event type %s: %s", es[i].name, why);
        }
    }
    if (rc == RH_E_NOMEM)
        rh__ctx_error(ctx, rc, "out of memory");
    return rc;
}

/* The document's entries, defined one by one; how many changed. */
static int define_all(rh_ctx *ctx, import_entry *es, size_t n)
{
    int changed = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = rh__catalog_define(ctx, es[i].name, es[i].opts);
        if (rc < 0)
            return rc;
        int this_changed = rc != RH_DEFINE_UNCHANGED;
        rh_event_type_info *et = rh__catalog_find(ctx, es[i].name);
        if (es[i].state >= 0 && et->state != es[i].state) {
            rh_event_type_info *copy;
            if (rh__event_type_copy(&ctx->alloc, et, &copy) != RH_OK)
                return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
            copy->state = es[i].state;
            copy->updated_ms = rh__ctx_now(ctx);
            if ((rc = rh__catalog_store_type(ctx, copy)) != RH_OK ||
                (rc = rh__catalog_put(ctx, copy)) != RH_OK) {
                rh__event_type_release(copy);
                return rc;
            }
            this_changed = 1;
        }
        changed += this_changed;
    }
    return changed;
}

int rh_catalog_import(rh_ctx *ctx, const char *json, size_t len)
{
    json_error_t jerr;
    import_entry *es = NULL;
    size_t n = 0;
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!rh__store_can(&ctx->store, RH__STORE_DOCUMENTS))
        return rh__ctx_error(ctx, RH_E_UNSUPPORTED,
                             "this storage keeps no documents: it cannot "
                             "hold the event-type catalog");
    if ((rc = rh__catalog_load(ctx)) != RH_OK)
        return rc;
    if (!json)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                              RH_REFUSAL_MALFORMED, "json is NULL");
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *webhooks = json_object_get(doc, "webhooks");
    json_t *types = json_object_get(doc, "event_types");
    json_t *strict = json_object_get(doc, "strict");
    if ((webhooks && types) ||
        (!is_absent(strict) && !json_is_boolean(strict))) {
        rc = rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                            RH_REFUSAL_MALFORMED,
                            "not a catalog: give \"webhooks\" or "
                            "\"event_types\", not both; strict is true or "
                            "false");
        goto done;
    }
    if (!json_is_object(webhooks) && !json_is_array(types)) {
        rc = rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_CATALOG,
                            RH_REFUSAL_MALFORMED, "not a catalog: %s",
                            !doc ? jerr.text
                                 : "neither an OpenAPI document with "
                                   "\"webhooks\" nor {\"event_types\": [...]}");
        goto done;
    }
    size_t max = json_is_object(webhooks) ? json_object_size(webhooks)
                                          : json_array_size(types);
    if (max && !(es = rh__calloc(&ctx->alloc, max * sizeof *es))) {
        rc = rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = read_entries(ctx, doc, es, &n)) == RH_OK)
        rc = define_all(ctx, es, n);
    if (rc >= 0 && json_is_boolean(strict) &&
        json_is_true(strict) != ctx->catalog->strict) {
        int set = rh_catalog_set_strict(ctx, json_is_true(strict));
        rc = set < 0 ? set : rc;
    }
done:
    for (size_t i = 0; i < n; i++)
        rh_event_type_options_free(es[i].opts);
    rh__free(&ctx->alloc, es);
    json_decref(doc);
    return rc;
}

/* ---------------------------------------------------------------- export */

/* A JSON string, escaped by jansson. */
static void put_string(rh_text *b, const char *s)
{
    json_t *v = json_string(s);
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    if (!text)
        b->failed = 1;
    else
        rh__text_puts(b, text);
    free(text);
    json_decref(v);
}

/* One type: the example and the schema as the host wrote them. */
static void put_type(rh_text *b, const rh_event_type_info *et)
{
    rh__text_puts(b, "\n    {\"name\": ");
    put_string(b, et->name);
    rh__text_puts(b, ", \"description\": ");
    put_string(b, et->description);
    if (et->group[0]) {
        rh__text_puts(b, ", \"group\": ");
        put_string(b, et->group);
    }
    rh__text_puts(b, ", \"state\": ");
    put_string(b, rh_event_type_state_name(et->state));
    if (et->example) {
        rh__text_puts(b, ",\n     \"example\": ");
        rh__text_puts(b, et->example);
    }
    if (et->schema) {
        rh__text_puts(b, ",\n     \"schema\": ");
        rh__text_puts(b, et->schema);
    }
    rh__text_puts(b, "}");
}

int rh_catalog_export(rh_ctx *ctx, rh_text_cb each, void *userdata)
{
    rh_text b = {NULL, NULL, 0, 0, 0};
    int rc = rh__ctx_enter(ctx);
    if (rc != RH_OK)
        return rc;
    if (!each)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_OUTPUT,
                              RH_REFUSAL_MALFORMED, "each is NULL");
    if ((rc = rh__catalog_load(ctx)) != RH_OK)
        return rc;
    b.a = &ctx->alloc;
    const rh_catalog *c = ctx->catalog;
    rh__text_puts(&b, c->strict ? "{\"strict\": true,\n \"event_types\": ["
                        : "{\"strict\": false,\n \"event_types\": [");
    for (size_t i = 0; i < c->n; i++) {
        put_type(&b, c->types[i]);
        if (i + 1 < c->n)
            rh__text_puts(&b, ",");
    }
    rh__text_puts(&b, c->n ? "\n ]}\n" : "]}\n");
    if (b.failed) {
        rh__free(b.a, b.p);
        return rh__ctx_error(ctx, RH_E_NOMEM, "out of memory");
    }
    ctx->in_callback = 1;
    rc = each(b.p, b.len, userdata);
    ctx->in_callback = 0;
    rh__free(b.a, b.p);
    return rc < 0 ? rc : RH_OK;
}
