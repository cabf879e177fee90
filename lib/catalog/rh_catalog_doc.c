/* replicer-hooks event-type catalog: one type as the document the store
 * keeps and back, the options of a definition and their checks, and the
 * getters of rh_catalog.h. The example and the schema are kept as the
 * host's JSON text, in string fields, so that what a customer reads is
 * what the host wrote (a parsed and re-printed 19.99 can come back as
 * 19.989999999999998). */
#include "rh_event_types.h"
#include "rh_json.h"
#include "rh_validate.h"

#include <jansson.h>
#include <string.h>

static const char *const state_names[RH_EVENT_TYPE_STATE_COUNT] = {
    "active", "deprecated", "archived"};

const char *rh_event_type_state_name(int state)
{
    return state >= 0 && state < RH_EVENT_TYPE_STATE_COUNT ? state_names[state]
                                                           : NULL;
}

static int state_from_name(const char *name)
{
    for (int i = 0; i < RH_EVENT_TYPE_STATE_COUNT; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

/* --------------------------------------------------------------- records */

rh_event_type_info *rh__event_type_new(const rh_allocator *a, const char *name)
{
    rh_event_type_info *et = rh__calloc(a, sizeof *et);
    if (!et)
        return NULL;
    et->alloc = a;
    rh__strlcpy(et->name, name, sizeof et->name);
    if (!(et->description = rh__strdup(a, ""))) {
        rh__free(a, et);
        return NULL;
    }
    rh__event_type_default_group(et);
    return et;
}

void rh__event_type_release(rh_event_type_info *et)
{
    if (!et)
        return;
    rh__free(et->alloc, et->description);
    rh__free(et->alloc, et->example);
    rh__free(et->alloc, et->schema);
    rh__free(et->alloc, et);
}

void rh_event_type_free(rh_event_type_info *et)
{
    rh__event_type_release(et);
}

/* The group the getter shows: the one given, else the name up to its
 * first dot ("order" for "order.paid", the whole of "ping"). */
void rh__event_type_default_group(rh_event_type_info *et)
{
    if (et->group[0]) {
        memcpy(et->shown_group, et->group, sizeof et->group);
        return;
    }
    size_t n = strcspn(et->name, ".");
    if (n > RH_EVENT_TYPE_GROUP_MAX)
        n = RH_EVENT_TYPE_GROUP_MAX;
    memcpy(et->shown_group, et->name, n);
    et->shown_group[n] = '\0';
}

static int dup_or_null(const rh_allocator *a, const char *s, char **out)
{
    *out = NULL;
    return !s || (*out = rh__strdup(a, s)) ? RH_OK : RH_E_NOMEM;
}

int rh__event_type_copy(const rh_allocator *a, const rh_event_type_info *from,
                        rh_event_type_info **out)
{
    rh_event_type_info *et = rh__calloc(a, sizeof *et);
    if (!et)
        return RH_E_NOMEM;
    *et = *from;
    et->alloc = a;
    et->description = et->example = et->schema = NULL;
    if (dup_or_null(a, from->description, &et->description) ||
        dup_or_null(a, from->example, &et->example) ||
        dup_or_null(a, from->schema, &et->schema)) {
        rh__event_type_release(et);
        return RH_E_NOMEM;
    }
    *out = et;
    return RH_OK;
}

/* ------------------------------------------------------------- documents */

int rh__event_type_encode(const rh_event_type_info *et, char **json,
                          size_t *len)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", et->name,
                          "description", et->description, "group", et->group,
                          "state", state_names[et->state], "updated_ms",
                          (json_int_t)et->updated_ms);
    int bad = !o ||
              (et->example &&
               json_object_set_new(o, "example", json_string(et->example))) ||
              (et->schema &&
               json_object_set_new(o, "schema", json_string(et->schema)));
    *json = bad ? NULL : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!*json)
        return RH_E_NOMEM;
    *len = strlen(*json);
    return RH_OK;
}

static int text_field(const rh_allocator *a, json_t *o, const char *k,
                      char **out)
{
    json_t *v = json_object_get(o, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return RH_OK;
    if (!json_is_string(v))
        return RH_E_INVALID_ARG;
    return (*out = rh__strdup(a, json_string_value(v))) ? RH_OK : RH_E_NOMEM;
}

/* A stored document back as a type: RH_E_INVALID_ARG when it is not one
 * of ours (the caller says the store's row is bad). */
int rh__event_type_decode(const rh_allocator *a, const char *key,
                          const char *json, size_t len,
                          rh_event_type_info **out)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *group = json_string_value(json_object_get(o, "group"));
    const char *desc = json_string_value(json_object_get(o, "description"));
    json_t *updated = json_object_get(o, "updated_ms");
    rh_event_type_info *et = NULL;
    int rc = RH_E_INVALID_ARG;
    if (!o || !rh__event_type_valid(key) || !state || !group || !desc ||
        state_from_name(state) < 0 || !json_is_integer(updated) ||
        (group[0] && !rh__group_valid(group)))
        goto done;
    rc = RH_E_NOMEM;
    if (!(et = rh__event_type_new(a, key)))
        goto done;
    rh__free(a, et->description);
    et->description = NULL;
    if (!(et->description = rh__strdup(a, desc)))
        goto done;
    rh__strlcpy(et->group, group, sizeof et->group);
    rh__event_type_default_group(et);
    et->state = state_from_name(state);
    et->updated_ms = (int64_t)json_integer_value(updated);
    if ((rc = text_field(a, o, "example", &et->example)) == RH_OK)
        rc = text_field(a, o, "schema", &et->schema);
done:
    json_decref(o);
    if (rc != RH_OK)
        rh__event_type_release(et);
    else
        *out = et;
    return rc;
}

int rh__json_same(const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    if (strcmp(a, b) == 0)
        return 1;
    json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
    int same = x && y && json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

/* --------------------------------------------------------------- options */

int rh_event_type_options_new(rh_event_type_options **out)
{
    if (!out)
        return RH_E_INVALID_ARG;
    *out = rh__calloc(&rh__default_allocator, sizeof **out);
    return *out ? RH_OK : RH_E_NOMEM;
}

void rh_event_type_options_free(rh_event_type_options *o)
{
    if (!o)
        return;
    rh__free(&rh__default_allocator, o->description);
    rh__free(&rh__default_allocator, o->group);
    rh__free(&rh__default_allocator, o->example);
    rh__free(&rh__default_allocator, o->schema);
    rh__free(&rh__default_allocator, o);
}

/* A copy of n bytes (NUL added); NULL or empty gives NULL: none. */
static int set_field(char **field, size_t *len_out, int *given, const char *s,
                     size_t n)
{
    char *copy = NULL;
    if (s && n) {
        if (memchr(s, '\0', n))
            return RH_E_INVALID_ARG; /* the text ends before its length */
        if (!(copy = rh__memdup(&rh__default_allocator, s, n)))
            return RH_E_NOMEM;
    }
    rh__free(&rh__default_allocator, *field);
    *field = copy;
    if (len_out)
        *len_out = copy ? n : 0;
    *given = 1;
    return RH_OK;
}

int rh_event_type_options_set_description(rh_event_type_options *o,
                                          const char *text)
{
    return o ? set_field(&o->description, NULL, &o->has_description, text,
                         text ? strlen(text) : 0)
             : RH_E_INVALID_ARG;
}

int rh_event_type_options_set_group(rh_event_type_options *o, const char *group)
{
    return o ? set_field(&o->group, NULL, &o->has_group, group,
                         group ? strlen(group) : 0)
             : RH_E_INVALID_ARG;
}

int rh_event_type_options_set_example(rh_event_type_options *o,
                                      const char *json, size_t len)
{
    /* NULL is none; "" is no JSON */
    return o && (json ? len > 0 : !len)
               ? set_field(&o->example, &o->example_len, &o->has_example, json,
                           len)
               : RH_E_INVALID_ARG;
}

int rh_event_type_options_set_schema(rh_event_type_options *o, const char *json,
                                     size_t len)
{
    return o && (json ? len > 0 : !len)
               ? set_field(&o->schema, &o->schema_len, &o->has_schema, json,
                           len)
               : RH_E_INVALID_ARG;
}

int rh__group_valid(const char *g)
{
    size_t n = strlen(g);
    return n >= 1 && n <= RH_EVENT_TYPE_GROUP_MAX &&
           strspn(g, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_.-") == n;
}

static int check_schema(rh_ctx *ctx, const rh_event_type_options *o)
{
    json_error_t jerr;
    if (o->schema_len > RH_EVENT_TYPE_SCHEMA_MAX)
        return rh__ctx_refuse(ctx, RH_E_TOO_LARGE, RH_ARG_SCHEMA,
                              RH_REFUSAL_TOO_LARGE,
                              "schema is %zu bytes, over the limit of %d "
                              "(RH_EVENT_TYPE_SCHEMA_MAX)",
                              o->schema_len, RH_EVENT_TYPE_SCHEMA_MAX);
    json_t *v =
        json_loadb(o->schema, o->schema_len, JSON_REJECT_DUPLICATES, &jerr);
    int object = json_is_object(v);
    json_decref(v);
    if (!object)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_SCHEMA,
                              RH_REFUSAL_MALFORMED,
                              "schema must be one JSON object (a JSON Schema "
                              "document)%s%s",
                              v ? "" : ": ", v ? "" : jerr.text);
    return RH_OK;
}

static int check_example(rh_ctx *ctx, const rh_event_type_options *o)
{
    char err[200];
    if (o->example_len > ctx->s.max_data_bytes)
        return rh__ctx_refuse(ctx, RH_E_TOO_LARGE, RH_ARG_EXAMPLE,
                              RH_REFUSAL_TOO_LARGE,
                              "example is %zu bytes, over the data limit of "
                              "%zu (rh_config_set_max_data_bytes)",
                              o->example_len, ctx->s.max_data_bytes);
    int rc = rh__json_check_object(&ctx->alloc, o->example, o->example_len, err,
                                   sizeof err);
    if (rc == RH_E_NOMEM)
        return rh__ctx_error(ctx, rc, "out of memory");
    if (rc != RH_OK)
        return rh__ctx_refuse(ctx, rc, RH_ARG_EXAMPLE, RH_REFUSAL_MALFORMED,
                              "example must be what an emit's data is: %s",
                              err);
    /* what an export writes must import again: no integer beyond 64 bits */
    json_t *v = json_loadb(o->example, o->example_len, 0, NULL);
    json_decref(v);
    if (!v)
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_EXAMPLE,
                              RH_REFUSAL_MALFORMED,
                              "example: an integer beyond 64 bits cannot be "
                              "kept in the catalog (write it as a string)");
    return RH_OK;
}

int rh__catalog_check_options(rh_ctx *ctx, const rh_event_type_options *o)
{
    if (!o)
        return RH_OK;
    if (o->description &&
        !rh__utf8_text_valid(o->description, RH_EVENT_TYPE_DESCRIPTION_MAX, 1))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_DESCRIPTION,
                              RH_REFUSAL_MALFORMED,
                              "description must be UTF-8 text of at most %d "
                              "bytes, without control characters but for "
                              "newlines and tabs",
                              RH_EVENT_TYPE_DESCRIPTION_MAX);
    if (o->group && !rh__group_valid(o->group))
        return rh__ctx_refuse(ctx, RH_E_INVALID_ARG, RH_ARG_GROUP,
                              RH_REFUSAL_MALFORMED,
                              "group must be 1 to %d characters of "
                              "[A-Za-z0-9_.-]",
                              RH_EVENT_TYPE_GROUP_MAX);
    if (o->example) {
        int rc = check_example(ctx, o);
        if (rc != RH_OK)
            return rc;
    }
    return o->schema ? check_schema(ctx, o) : RH_OK;
}

/* --------------------------------------------------------------- getters */

const char *rh_event_type_name(const rh_event_type_info *et)
{
    return et ? et->name : "";
}

const char *rh_event_type_description(const rh_event_type_info *et)
{
    return et ? et->description : "";
}

const char *rh_event_type_group(const rh_event_type_info *et)
{
    return et ? et->shown_group : "";
}

const char *rh_event_type_example(const rh_event_type_info *et)
{
    return et ? et->example : NULL;
}

const char *rh_event_type_schema(const rh_event_type_info *et)
{
    return et ? et->schema : NULL;
}

int rh_event_type_state(const rh_event_type_info *et)
{
    return et ? et->state : RH_E_INVALID_ARG;
}

int64_t rh_event_type_updated_ms(const rh_event_type_info *et)
{
    return et ? et->updated_ms : 0;
}
