/* The event-type catalog: definitions round-trip through the store, a page
 * at a time and by group; strict mode refuses an unknown emit and a
 * subscription that matches nothing; a deprecated type is still sent and
 * told once; an example goes out as a signed test delivery the log can
 * tell; an OpenAPI document imports once however often it is imported;
 * another process sees the catalog; bad input is refused clearly. On the
 * memory store, SQLite and PostgreSQL. */
#include "backends.h"
#include "rh_test.h"

#include <replicer-hooks/rh_pg.h>
#include <replicer-hooks/rh_sqlite.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rh_event_type_options *options(const char *desc, const char *group,
                                      const char *example, const char *schema)
{
    rh_event_type_options *o = NULL;
    if (rh_event_type_options_new(&o) != RH_OK ||
        (desc && rh_event_type_options_set_description(o, desc)) ||
        (group && rh_event_type_options_set_group(o, group)) ||
        (example &&
         rh_event_type_options_set_example(o, example, strlen(example))) ||
        (schema && rh_event_type_options_set_schema(o, schema, strlen(schema))))
        abort();
    return o;
}

static int define(rh_ctx *ctx, const char *name, const char *desc,
                  const char *group, const char *example, const char *schema)
{
    rh_event_type_options *o = options(desc, group, example, schema);
    int rc = rh_event_type_define(ctx, name, o);
    rh_event_type_options_free(o);
    return rc;
}

/* The names a list hands over, comma-separated. */
static int collect(const rh_event_type_info *et, void *ud)
{
    char *names = ud;
    if (names[0])
        strcat(names, ",");
    strcat(names, rh_event_type_name(et));
    return RH_OK;
}

static int list(rh_ctx *ctx, const char *group, const char *after, size_t limit,
                int archived, char *names)
{
    names[0] = '\0';
    return rh_event_type_list(ctx, group, after, limit, archived, collect,
                              names);
}

static void definitions(void)
{
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    rh_event_type_info *et = NULL;
    char names[512];
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "order.paid", "An order was paid.", NULL,
                           "{\"order\":\"o_1\",\"total\":19.99}",
                           "{\"type\":\"object\"}"));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(ctx, "order.paid", &et));
    RH_CHECK_EQ_STR("An order was paid.", rh_event_type_description(et));
    RH_CHECK_EQ_STR("order", rh_event_type_group(et)); /* the default */
    RH_CHECK_EQ_STR("{\"order\":\"o_1\",\"total\":19.99}",
                    rh_event_type_example(et));
    RH_CHECK_EQ_STR("{\"type\":\"object\"}", rh_event_type_schema(et));
    RH_CHECK_EQ_INT(RH_EVENT_TYPE_ACTIVE, rh_event_type_state(et));
    rh_event_type_free(et);
    /* the same again changes nothing; a new description keeps the rest */
    RH_CHECK_EQ_INT(RH_DEFINE_UNCHANGED,
                    define(ctx, "order.paid", "An order was paid.", NULL,
                           "{ \"order\": \"o_1\", \"total\": 19.99 }", NULL));
    RH_CHECK_EQ_INT(
        RH_DEFINE_UPDATED,
        define(ctx, "order.paid", "Paid in full.", "billing", NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(ctx, "order.paid", &et));
    RH_CHECK_EQ_STR("Paid in full.", rh_event_type_description(et));
    RH_CHECK_EQ_STR("billing", rh_event_type_group(et));
    RH_CHECK(rh_event_type_example(et) != NULL);
    rh_event_type_free(et);
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "order.refunded", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "call.ended", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "ping", NULL, NULL, NULL, NULL));
    /* pages by name, and a group */
    RH_CHECK_EQ_INT(2, list(ctx, NULL, NULL, 2, 0, names));
    RH_CHECK_EQ_STR("call.ended,order.paid", names);
    RH_CHECK_EQ_INT(2, list(ctx, NULL, "order.paid", 2, 0, names));
    RH_CHECK_EQ_STR("order.refunded,ping", names);
    RH_CHECK_EQ_INT(0, list(ctx, NULL, "ping", 2, 0, names));
    RH_CHECK_EQ_INT(1, list(ctx, "order", NULL, 10, 0, names));
    RH_CHECK_EQ_STR("order.refunded", names);
    RH_CHECK_EQ_INT(1, list(ctx, "ping", NULL, 10, 0, names));
    /* archived: hidden from the picker unless asked, and back again */
    RH_CHECK_EQ_INT(
        RH_OK, rh_event_type_set_state(ctx, "ping", RH_EVENT_TYPE_ARCHIVED));
    RH_CHECK_EQ_INT(3, list(ctx, NULL, NULL, 10, 0, names));
    RH_CHECK_EQ_INT(4, list(ctx, NULL, NULL, 10, 1, names));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_event_type_set_state(ctx, "ping", RH_EVENT_TYPE_ACTIVE));
    RH_CHECK_EQ_INT(4, list(ctx, NULL, NULL, 10, 0, names));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_event_type_set_state(ctx, "nope", RH_EVENT_TYPE_ACTIVE));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_event_type_get(ctx, "nope", &et));
    RH_CHECK(et == NULL);
    rh_ctx_free(ctx);
}
RH_BACKEND_WRAPPERS(definitions, definitions)

static int emit(rh_ctx *ctx, const char *type)
{
    return rh_emit(ctx, type, "{\"n\":1}", 7, NULL, 0);
}

/* Strict mode: unknown and archived types refused with their own
 * refusal, patterns that match nothing refused, order.* accepted. */
static void strict(void)
{
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    sink *s = rh_test_sink();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(0, rh_catalog_strict(ctx));
    RH_CHECK_EQ_INT(0, emit(ctx, "anything.goes")); /* off: as before */
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "order.paid", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "order.old", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_set_state(ctx, "order.old",
                                                   RH_EVENT_TYPE_ARCHIVED));
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(ctx, 1));
    RH_CHECK_EQ_INT(1, rh_catalog_strict(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, emit(ctx, "ordr.paid"));
    RH_CHECK_EQ_INT(RH_ARG_EVENT_TYPE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_UNKNOWN_EVENT_TYPE,
                    rh_ctx_last_error_refusal(ctx));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "ordr.paid") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, emit(ctx, "order.old"));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "archived") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_test_endpoint(ctx, s, "/x", "invoice.*", id, secret));
    RH_CHECK_EQ_INT(RH_ARG_EVENTS, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_NO_MATCHING_EVENT_TYPE,
                    rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_STR("no_matching_event_type",
                    rh_refusal_name(RH_REFUSAL_NO_MATCHING_EVENT_TYPE));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_test_endpoint(ctx, s, "/x", "order.old", id, secret));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/x", "order.*", id, secret));
    const char *typo[] = {"order.payd"};
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_endpoint_set_events(ctx, id, typo, 1));
    RH_CHECK_EQ_INT(1, emit(ctx, "order.paid"));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(1, (int)sink_count(s));
    /* off again: free text as before */
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(ctx, 0));
    RH_CHECK_EQ_INT(0, emit(ctx, "ordr.paid"));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_catalog_set_strict(ctx, 2));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(strict, strict)

static int told, told_notice;
static char told_type[64];
static void on_type(const char *type, int notice, void *ud)
{
    (void)ud;
    told++;
    told_notice = notice;
    snprintf(told_type, sizeof told_type, "%s", type);
}

/* A deprecated type is still delivered; each emit is counted and the host
 * is told once. */
static void deprecated(void)
{
    rh_config *cfg = rh_test_config();
    rh_config_set_event_type_cb(cfg, on_type, NULL);
    rh_ctx *ctx = rh_test_backend_ctx(cfg);
    sink *s = rh_test_sink();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
    uint64_t stats[RH_STAT_COUNT];
    told = 0;
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "call.legacy", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_set_state(ctx, "call.legacy",
                                                   RH_EVENT_TYPE_DEPRECATED));
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(ctx, 1));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/d", "call.*", id, secret));
    RH_CHECK_EQ_INT(1, emit(ctx, "call.legacy"));
    RH_CHECK_EQ_INT(1, emit(ctx, "call.legacy"));
    RH_CHECK_EQ_INT(2, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(2, (int)sink_count(s));
    RH_CHECK_EQ_INT(1, told);
    RH_CHECK_EQ_INT(RH_EVENT_TYPE_DEPRECATED_EMITTED, told_notice);
    RH_CHECK_EQ_STR("call.legacy", told_type);
    RH_CHECK_EQ_INT(RH_STAT_COUNT, rh_ctx_stats(ctx, stats, RH_STAT_COUNT));
    RH_CHECK_EQ_INT(2, (int)stats[RH_STAT_DEPRECATED_EMITS]);
    RH_CHECK_EQ_STR("deprecated_emits", rh_stat_name(RH_STAT_DEPRECATED_EMITS));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(deprecated, deprecated)

static int attempt_is_test(const rh_attempt *at, void *ud)
{
    *(int *)ud += rh_event_id_is_test(rh_attempt_event_id(at));
    return RH_OK;
}

/* The example goes to one endpoint (not subscribed to it) as a signed
 * delivery marked as a test, and the log can tell. */
static void example(void)
{
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    sink *s = rh_test_sink();
    char id[RH_ID_SIZE], secret[RH_SECRET_SIZE], ev[RH_ID_SIZE];
    sink_request r;
    int tests = 0;
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_endpoint(ctx, s, "/t", "other.*", id, secret));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "call.ended", NULL, NULL,
                           "{\"call_id\":\"c_81\",\"seconds\":61}", NULL));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(ctx, "call.started", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(
        1, rh_event_type_send_example(ctx, id, "call.ended", ev, sizeof ev));
    RH_CHECK(rh_event_id_is_test(ev));
    RH_CHECK(!rh_event_id_is_test("evt_x"));
    RH_CHECK_EQ_INT(1, rh_test_drive(ctx, 5000));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_STR("1", sink_header(&r, "X-Replicer-Test"));
    RH_CHECK(strstr(r.body, "\"call_id\":\"c_81\"") != NULL);
    RH_CHECK(strstr(r.body, "\"event\":\"call.ended\"") != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, secret, -1));
    sink_request_free(&r);
    RH_CHECK_EQ_INT(1, rh_log_attempts(ctx, NULL, attempt_is_test, &tests));
    RH_CHECK_EQ_INT(1, tests);
    /* no example, unknown type or endpoint, a disabled endpoint */
    RH_CHECK_EQ_INT(RH_E_STATE, rh_event_type_send_example(
                                    ctx, id, "call.started", NULL, 0));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "has no example") != NULL);
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND,
                    rh_event_type_send_example(ctx, id, "nope", NULL, 0));
    RH_CHECK_EQ_INT(RH_E_NOT_FOUND, rh_event_type_send_example(
                                        ctx, "ep_nope", "call.ended", NULL, 0));
    RH_CHECK_EQ_INT(RH_OK, rh_endpoint_disable(ctx, id));
    RH_CHECK_EQ_INT(RH_E_STATE,
                    rh_event_type_send_example(ctx, id, "call.ended", NULL, 0));
    rh_ctx_free(ctx);
    sink_stop(s);
}
RH_BACKEND_WRAPPERS(example, example)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = malloc(1 << 16);
    if (!f || !buf)
        abort();
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static int keep_text(const char *text, size_t len, void *ud)
{
    char **out = ud;
    *out = malloc(len + 1);
    memcpy(*out, text, len + 1);
    return RH_OK;
}

/* An OpenAPI document with three webhooks imports three types, and
 * changes nothing the second time; the export imports as a no-op too. */
static void import(void)
{
    rh_ctx *ctx = rh_test_backend_ctx(rh_test_config());
    rh_event_type_info *et;
    size_t len;
    char *doc = read_file("tests/catalog/openapi.json", &len), *out = NULL;
    char names[256];
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(3, rh_catalog_import(ctx, doc, len));
    RH_CHECK_EQ_INT(0, rh_catalog_import(ctx, doc, len));
    RH_CHECK_EQ_INT(3, list(ctx, NULL, NULL, 10, 0, names));
    RH_CHECK_EQ_STR("account.closed,call.ended,invoice.paid", names);
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(ctx, "call.ended", &et));
    RH_CHECK_EQ_STR("Sent when both parties have hung up.",
                    rh_event_type_description(et));
    RH_CHECK_EQ_STR("calls", rh_event_type_group(et)); /* its tag */
    /* the envelope's data, the number as written */
    RH_CHECK_EQ_STR("{\"call_id\":\"c_81\",\"seconds\":19.99}",
                    rh_event_type_example(et));
    RH_CHECK(strstr(rh_event_type_schema(et), "\"required\"") != NULL);
    rh_event_type_free(et);
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(ctx, "invoice.paid", &et));
    RH_CHECK_EQ_STR("An invoice was paid", rh_event_type_description(et));
    RH_CHECK_EQ_STR(
        "{\"invoice\":\"in_7\",\"amount\":4200,\"currency\":\"EUR\"}",
        rh_event_type_example(et));
    rh_event_type_free(et);
    /* export, archive one, import the export: it comes back active */
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_export(ctx, keep_text, &out));
    RH_CHECK(out && strstr(out, "\"event_types\"") != NULL);
    RH_CHECK_EQ_INT(0, rh_catalog_import(ctx, out, strlen(out)));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_set_state(ctx, "account.closed",
                                                   RH_EVENT_TYPE_ARCHIVED));
    RH_CHECK_EQ_INT(1, rh_catalog_import(ctx, out, strlen(out)));
    RH_CHECK_EQ_INT(3, list(ctx, NULL, NULL, 10, 0, names));
    free(out);
    free(doc);
    rh_ctx_free(ctx);
}
RH_BACKEND_WRAPPERS(import, import)

/* Bad input: refused, each with its argument named, and nothing stored. */
static void test_catalog__bad_input_is_refused(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    rh_event_type_options *o = NULL;
    char names[64];
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "order paid", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_ARG_EVENT_TYPE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "a.b", NULL, NULL, "[1]", NULL));
    RH_CHECK_EQ_INT(RH_ARG_EXAMPLE, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "a.b", NULL, NULL, "{\"a\":1,\"a\":2}", NULL));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "a.b", NULL, NULL, NULL, "3"));
    RH_CHECK_EQ_INT(RH_ARG_SCHEMA, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "a.b", NULL, "has space", NULL, NULL));
    RH_CHECK_EQ_INT(RH_ARG_GROUP, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    define(ctx, "a.b", "bell\a", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_ARG_DESCRIPTION, rh_ctx_last_error_arg(ctx));
    /* a 2 MB schema */
    size_t big = 2 * 1024 * 1024;
    char *schema = malloc(big + 1);
    memset(schema, ' ', big);
    memcpy(schema, "{\"a\":1}", 7);
    schema[big] = '\0';
    RH_CHECK_EQ_INT(RH_E_TOO_LARGE,
                    define(ctx, "a.b", NULL, NULL, NULL, schema));
    free(schema);
    RH_CHECK_EQ_INT(RH_ARG_SCHEMA, rh_ctx_last_error_arg(ctx));
    RH_CHECK_EQ_INT(RH_REFUSAL_TOO_LARGE, rh_ctx_last_error_refusal(ctx));
    RH_CHECK_EQ_INT(0, list(ctx, NULL, NULL, 10, 1, names)); /* none stored */
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, list(ctx, NULL, NULL, 0, 1, names));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_event_type_set_state(ctx, "a.b", 7));
    /* an import with one bad entry defines none of them */
    const char *half = "{\"event_types\":[{\"name\":\"ok.one\"},"
                       "{\"name\":\"bad one\"}]}";
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_catalog_import(ctx, half, strlen(half)));
    RH_CHECK_EQ_INT(RH_ARG_CATALOG, rh_ctx_last_error_arg(ctx));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "entry 1") != NULL);
    RH_CHECK_EQ_INT(0, list(ctx, NULL, NULL, 10, 1, names));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_catalog_import(ctx, "{", 1));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_catalog_import(ctx, "{}", 2));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_event_type_options_new(NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_options_new(&o));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_event_type_options_set_example(o, "{\"a\":\0}", 8));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_event_type_options_set_example(o, "", 0));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_event_type_options_set_schema(o, "", 0));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_options_set_example(o, NULL, 0));
    rh_event_type_options_free(o);
    rh_ctx_free(ctx);
}

/* Another process sees a definition at once when it reads the catalog,
 * and strict mode within its endpoint refresh. */
static void test_catalog__another_process_sees_the_catalog(void)
{
    char path[128];
    rh_event_type_info *et;
    rh_test_path(path, sizeof path, "catalog-shared");
    rh_config *cfg = rh_test_config();
    rh_config_set_endpoint_refresh_ms(cfg, 1000);
    rh_ctx *worker = rh_test_sqlite_ctx(path, cfg);
    rh_ctx *admin = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(admin, "call.ended", "Hung up.", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(admin, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(worker, "call.ended", &et));
    RH_CHECK_EQ_STR("Hung up.", rh_event_type_description(et));
    rh_event_type_free(et);
    RH_CHECK_EQ_INT(1, rh_catalog_strict(worker)); /* the get read it */
    rh_ctx *late = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, emit(late, "call.dropped"));
    RH_CHECK_EQ_INT(0, emit(late, "call.ended"));
    rh_ctx_free(late);
    /* the worker follows a change within its refresh, by its tick alone */
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(admin, 0));
    rh_test_now_ms += 1000;
    rh_tick(worker);
    RH_CHECK_EQ_INT(0, rh_catalog_strict(worker));
    RH_CHECK_EQ_INT(0, emit(worker, "call.dropped"));
    rh_ctx_free(worker);
    rh_ctx_free(admin);
}

static int import_text(rh_ctx *ctx, const char *doc)
{
    return rh_catalog_import(ctx, doc, strlen(doc));
}

/* Documents a hostile or careless file holds: each refused by its entry,
 * nothing stored, never "out of memory" for what is only bad input. */
static void test_catalog__bad_documents_are_refused_whole(void)
{
    rh_ctx *ctx = rh_test_ctx_new();
    char names[128], long_name[160];
    const char *bad[] = {
        "{\"event_types\":[{\"name\":\"a.d\",\"example\":\"hello\"}]}",
        "{\"event_types\":[{\"name\":\"a.d\",\"schema\":12}]}",
        "{\"event_types\":[{\"name\":\"a.c\",\"state\":1}]}",
        "{\"event_types\":[{\"name\":\"a.c\",\"description\":42}]}",
        "{\"event_types\":[{\"name\":\"a.c\",\"group\":[\"x\"]}]}",
        "{\"event_types\":[{\"name\":\"a.c\"}],\"strict\":\"yes\"}",
        "{\"event_types\":[{\"name\":\"d.x\",\"description\":\"one\"},"
        "{\"name\":\"d.x\",\"description\":\"two\"}]}",
        "{\"event_types\":[{\"name\":\"a.c\",\"example\":{\"n\":"
        "12345678901234567890}}]}",
        "{\"event_types\":[],\"webhooks\":{}}",
        "{\"webhooks\":{\"a.b\":{\"$ref\":\"#/x\"}}}",
        "{\"webhooks\":{\"a.b\":{\"post\":{\"tags\":\"x\"}}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = import_text(ctx, bad[i]);
        if (rc != RH_E_INVALID_ARG)
            fprintf(stderr, "    document %zu: %d %s\n", i, rc,
                    rh_ctx_last_error(ctx));
        RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rc);
        RH_CHECK_EQ_INT(RH_ARG_CATALOG == rh_ctx_last_error_arg(ctx) ||
                            RH_ARG_EXAMPLE == rh_ctx_last_error_arg(ctx) ||
                            RH_ARG_SCHEMA == rh_ctx_last_error_arg(ctx),
                        1);
    }
    /* a name over 128 characters is refused, never cut to fit */
    memset(long_name, 'x', 140);
    long_name[60] = '.';
    long_name[140] = '\0';
    char doc[300];
    snprintf(doc, sizeof doc, "{\"event_types\":[{\"name\":\"%s\"}]}",
             long_name);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, import_text(ctx, doc));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "over 128") != NULL);
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_catalog_import(ctx, NULL, 4));
    RH_CHECK_EQ_STR("json is NULL", rh_ctx_last_error(ctx));
    RH_CHECK_EQ_INT(0, list(ctx, NULL, NULL, 10, 1, names));
    /* an OpenAPI tag a group cannot hold becomes one it can */
    RH_CHECK_EQ_INT(1, import_text(ctx, "{\"webhooks\":{\"o.p\":{\"post\":{"
                                        "\"tags\":[\"Order Events\"]}}}}"));
    RH_CHECK_EQ_INT(1, list(ctx, "Order-Events", NULL, 10, 0, names));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, list(ctx, "", NULL, 10, 0, names));
    /* NULL and empty names are bad input, not unknown ones */
    rh_event_type_info *et = NULL;
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, rh_event_type_get(ctx, NULL, &et));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG,
                    rh_event_type_set_state(ctx, "", RH_EVENT_TYPE_ACTIVE));
    rh_ctx_free(ctx);
}

/* A stored document this library cannot read (a later version's state, a
 * hand edit) is left out: every context still opens and works. */
static void test_catalog__unreadable_document_is_left_out(void)
{
    char path[128], err[256], names[128];
    rh_test_path(path, sizeof path, "catalog-unreadable");
    rh_ctx *ctx = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED, define(ctx, "a.one", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED, define(ctx, "a.two", NULL, NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_set_limit(ctx, "acct", RH_TENANT_RATE, 5));
    rh_ctx_free(ctx);
    sqlite3 *db;
    RH_CHECK_EQ_INT(SQLITE_OK, sqlite3_open(path, &db));
    RH_CHECK_EQ_INT(SQLITE_OK,
                    sqlite3_exec(db, "UPDATE rh_documents SET value = "
                                     "replace(value, '\"active\"', "
                                     "'\"hidden\"') WHERE key = 'a.two';"
                                     "UPDATE rh_documents SET value = '{' "
                                     "WHERE kind = 'tenant'",
                                 NULL, NULL, NULL));
    sqlite3_close(db);
    ctx = rh_test_sqlite_ctx(path, rh_test_config());
    RH_CHECK(ctx != NULL);
    RH_CHECK_EQ_INT(1, list(ctx, NULL, NULL, 10, 1, names));
    RH_CHECK_EQ_STR("a.one", names);
    int64_t v = -1;
    RH_CHECK_EQ_INT(RH_OK, rh_tenant_get_limit(ctx, "acct", RH_TENANT_RATE, &v));
    RH_CHECK_EQ_INT(0, v);
    RH_CHECK_EQ_INT(0, rh_emit(ctx, "a.one", "{}", 2, NULL, 0));
    (void)err;
    rh_ctx_free(ctx);
}

static rh_ctx *pg_ctx(const char *schema)
{
    rh_storage st;
    char err[512];
    if (rh_pg_open(&st, rh_test_pg(), schema, err, sizeof err) != RH_OK) {
        fprintf(stderr, "    rh_pg_open: %s\n", err);
        return NULL;
    }
    rh_config *cfg = rh_test_config();
    rh_config_set_storage(cfg, &st);
    return rh_test_ctx_from(cfg);
}

/* Two workers on one PostgreSQL schema (two machines, one queue) hold one
 * catalog: a definition and strict mode made by one are the other's. */
static void test_catalog__pg_workers_share_the_catalog(void)
{
    char schema[64];
    rh_event_type_info *et;
    if (!rh_test_pg())
        RH_SKIP("no PostgreSQL test cluster (RH_TEST_PG)");
    snprintf(schema, sizeof schema, "catalog_%u", (unsigned)getpid());
    rh_ctx *a = pg_ctx(schema), *b = pg_ctx(schema);
    RH_CHECK(a && b);
    RH_CHECK_EQ_INT(RH_DEFINE_CREATED,
                    define(a, "call.ended", "Hung up.", NULL, "{\"s\":1}",
                           NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_catalog_set_strict(a, 1));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(b, "call.ended", &et));
    RH_CHECK_EQ_STR("{\"s\":1}", rh_event_type_example(et));
    rh_event_type_free(et);
    RH_CHECK_EQ_INT(1, rh_catalog_strict(b));
    RH_CHECK_EQ_INT(RH_E_INVALID_ARG, emit(b, "call.dropped"));
    /* b's change is a's too: the last writer of a type wins */
    RH_CHECK_EQ_INT(RH_DEFINE_UPDATED,
                    define(b, "call.ended", "Both hung up.", NULL, NULL, NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_event_type_get(a, "call.ended", &et));
    RH_CHECK_EQ_STR("Both hung up.", rh_event_type_description(et));
    RH_CHECK_EQ_STR("{\"s\":1}", rh_event_type_example(et));
    rh_event_type_free(et);
    rh_ctx_free(a);
    rh_ctx_free(b);
}

static int fail_save(const char *kind, const char *key, const char *json,
                     size_t len, void *ud)
{
    (void)kind, (void)key, (void)json, (void)len, (void)ud;
    return RH_E_STORAGE;
}

/* A store without the document slots says so; a failing save changes
 * nothing in the catalog. */
static void test_catalog__store_without_documents_or_failing(void)
{
    char path[128], err[256], names[64];
    rh_storage st;
    rh_test_path(path, sizeof path, "catalog-slots");
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    st.document_save = NULL;
    st.document_load = NULL;
    rh_config *cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    rh_ctx *ctx = rh_test_ctx_from(cfg);
    RH_CHECK(ctx);
    RH_CHECK_EQ_INT(RH_E_UNSUPPORTED,
                    define(ctx, "a.b", NULL, NULL, NULL, NULL));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "document") != NULL);
    RH_CHECK_EQ_INT(0, list(ctx, NULL, NULL, 10, 1, names));
    RH_CHECK_EQ_INT(1, emit(ctx, "a.b") >= 0);
    rh_ctx_free(ctx);
    RH_CHECK_EQ_INT(RH_OK, rh_sqlite_open(&st, path, 0, err, sizeof err));
    st.document_save = fail_save;
    cfg = rh_test_config();
    RH_CHECK_EQ_INT(RH_OK, rh_config_set_storage(cfg, &st));
    ctx = rh_test_ctx_from(cfg);
    RH_CHECK_EQ_INT(RH_E_STORAGE, define(ctx, "a.b", NULL, NULL, NULL, NULL));
    RH_CHECK(strstr(rh_ctx_last_error(ctx), "document_save") != NULL);
    RH_CHECK_EQ_INT(0, list(ctx, NULL, NULL, 10, 1, names));
    RH_CHECK_EQ_INT(RH_E_STORAGE, rh_catalog_set_strict(ctx, 1));
    RH_CHECK_EQ_INT(0, rh_catalog_strict(ctx));
    rh_ctx_free(ctx);
}

/* clang-format off: one row per line */
const rh_test_case rh_tests_catalog[] = {
    RH_BACKEND_ROWS("catalog", definitions)
    RH_BACKEND_ROWS("catalog", strict)
    RH_BACKEND_ROWS("catalog", deprecated)
    RH_BACKEND_ROWS("catalog", example)
    RH_BACKEND_ROWS("catalog", import)
    {"catalog__bad_input_is_refused", test_catalog__bad_input_is_refused},
    {"catalog__bad_documents_are_refused_whole",
     test_catalog__bad_documents_are_refused_whole},
    {"catalog__unreadable_document_is_left_out",
     test_catalog__unreadable_document_is_left_out},
    {"catalog__another_process_sees_the_catalog",
     test_catalog__another_process_sees_the_catalog},
    {"catalog__pg_workers_share_the_catalog",
     test_catalog__pg_workers_share_the_catalog},
    {"catalog__store_without_documents_or_failing",
     test_catalog__store_without_documents_or_failing},
    {NULL, NULL}};
/* clang-format on */
