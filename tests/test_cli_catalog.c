/* The catalog at the shell: event-type add, list, show, deprecate,
 * archive, restore, import (an OpenAPI document, twice), export and
 * strict; endpoint test sending an example a worker delivers as a test
 * the log marks; bad input refused by flag with exit code 2. */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

#define RUN(code, ...)                                                         \
    do {                                                                       \
        const char *args_[] = {__VA_ARGS__, "--store", store, NULL};           \
        RH_CHECK_EQ_INT(code, rh_test_tool_run(args_, NULL, out, sizeof out)); \
    } while (0)

static void test_cli_catalog__catalog_end_to_end(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], out[16384], url[256], id[64], sec[128];
    char schema[160], ev[64];
    rh_test_path(path, sizeof path, "cli-catalog");
    snprintf(store, sizeof store, "sqlite:%s", path);
    rh_test_path(schema, sizeof schema, "schema.json");
    FILE *f = fopen(schema, "w");
    RH_CHECK(f != NULL);
    fputs("{\"type\":\"object\",\"required\":[\"order\"]}", f);
    fclose(f);
    RUN(0, "event-type", "add", "order.paid", "--description",
        "An order was paid.", "--example", "{\"order\":\"o_1\"}",
        "--json-schema", schema);
    RH_CHECK(strstr(out, "defined order.paid") != NULL);
    RUN(0, "event-type", "add", "order.paid", "--description",
        "An order was paid.");
    RH_CHECK(strstr(out, "nothing changed") != NULL);
    RUN(0, "event-type", "show", "order.paid");
    RH_CHECK(strstr(out, "group:       order") != NULL);
    RH_CHECK(strstr(out, "\"required\":[\"order\"]") != NULL);
    /* the OpenAPI document: three types, then none the second time */
    RUN(0, "event-type", "import", "tests/catalog/openapi.json");
    RH_CHECK(strstr(out, ": 3 event types created or changed") != NULL);
    RUN(0, "event-type", "import", "tests/catalog/openapi.json");
    RH_CHECK(strstr(out, ": 0 event types created or changed") != NULL);
    RUN(0, "event-type", "deprecate", "account.closed");
    RUN(0, "event-type", "archive", "invoice.paid");
    RUN(0, "event-type", "list");
    RH_CHECK(strstr(out, "NAME") != NULL);
    RH_CHECK(strstr(out, "deprecated") != NULL);
    RH_CHECK(strstr(out, "invoice.paid") == NULL); /* archived: hidden */
    RUN(0, "event-type", "list", "--archived", "--json");
    json_t *arr = json_loads(out, 0, NULL);
    RH_CHECK(json_is_array(arr));
    RH_CHECK_EQ_INT(4, (int)json_array_size(arr));
    json_decref(arr);
    RUN(0, "event-type", "list", "--group", "calls");
    RH_CHECK(strstr(out, "call.ended") != NULL && !strstr(out, "order.paid"));
    RUN(0, "event-type", "restore", "invoice.paid");
    RUN(0, "event-type", "export");
    RH_CHECK(strstr(out, "\"event_types\"") != NULL);
    /* strict: a typo refused at emit and at subscribe */
    RUN(0, "event-type", "strict", "on");
    RUN(2, "emit", "ordr.paid", "{}");
    RH_CHECK(strstr(out, "not in the catalog") != NULL);
    sink_url(s, "/hook", url, sizeof url);
    RUN(2, "endpoint", "add", url, "--events", "refund.*", "--dev");
    RH_CHECK(strstr(out, "--events") != NULL);
    RUN(0, "endpoint", "add", url, "--events", "order.*", "--dev");
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", id, sec));
    /* the example, delivered as a test, marked in the log */
    RUN(0, "endpoint", "test", id, "--event-type", "order.paid");
    RH_CHECK_EQ_INT(1, sscanf(out, "test event %63s", ev));
    RH_CHECK(strncmp(ev, "tst_", 4) == 0);
    RUN(0, "worker", "--until-idle", "--dev");
    RH_CHECK_EQ_INT(1, (int)sink_count(s));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK_EQ_STR("1", sink_header(&r, "X-Replicer-Test"));
    RH_CHECK(strstr(r.body, "\"order\":\"o_1\"") != NULL);
    RH_CHECK_EQ_INT(RH_OK, rh_test_verify_request(&r, sec, -1));
    sink_request_free(&r);
    RUN(0, "log");
    RH_CHECK(strstr(out, "order.paid (test)") != NULL);
    RUN(0, "log", "--json");
    RH_CHECK(strstr(out, "\"test\":true") != NULL);
    sink_stop(s);
}

static void test_cli_catalog__bad_input_is_refused(void)
{
    char path[128], store[160], out[4096], doc[160];
    rh_test_path(path, sizeof path, "cli-catalog-bad");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RUN(2, "event-type", "add", "order paid");
    RH_CHECK(strstr(out, "NAME") != NULL);
    RUN(2, "event-type", "add", "a.b", "--example", "[1]");
    RH_CHECK(strstr(out, "--example") != NULL);
    RUN(2, "event-type", "add", "a.b", "--group", "two words");
    RH_CHECK(strstr(out, "--group") != NULL);
    RUN(2, "event-type", "add", "a.b", "--json-schema", "/nonexistent/x");
    RH_CHECK(strstr(out, "--json-schema") != NULL);
    RUN(2, "event-type", "show", "nope");
    RUN(2, "event-type", "archive", "nope");
    RUN(2, "event-type", "strict", "maybe");
    RUN(2, "event-type", "import", "/nonexistent/catalog.json");
    rh_test_path(doc, sizeof doc, "not-a-catalog.json");
    FILE *f = fopen(doc, "w");
    RH_CHECK(f != NULL);
    fputs("{\"event_types\":[{\"name\":\"ok.one\"},{\"name\":\"bad one\"}]}",
          f);
    fclose(f);
    RUN(2, "event-type", "import", doc);
    RH_CHECK(strstr(out, "entry 1") != NULL);
    RUN(0, "event-type", "list");
    RH_CHECK(strstr(out, "ok.one") == NULL); /* none of it was stored */
    RUN(2, "endpoint", "test", "ep_nope");
    RH_CHECK(strstr(out, "--event-type") != NULL);
}

/* The dashboard's add-endpoint form (the portal's, for the operator)
 * picks from the catalog: grouped, deprecated marked, archived hidden;
 * the picked types arrive as one subscription list. With no catalog the
 * free-text field stays. */
static void test_cli_catalog__dashboard_picks_from_the_catalog(void)
{
    char path[128], store[160], out[4096], base[128], url[192], form[512],
        origin[200], cookie[1200], session[1300];
    int fd = -1;
    reply r;
    rh_test_path(path, sizeof path, "cli-catalog-dashboard");
    snprintf(store, sizeof store, "sqlite:%s", path);
    const char *args[] = {"dashboard", "--listen", "127.0.0.1:0", "--dev",
                          "--store",   store,      NULL};
    pid_t pid = start_server(args, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    RH_CHECK_EQ_INT(0, dashboard_session(base, NULL, cookie, sizeof cookie));
    snprintf(session, sizeof session, "Cookie: %s", cookie);
    snprintf(origin, sizeof origin, "Origin: %s", base);
    const char *mine[] = {session, NULL}, *own[] = {session, origin, NULL};
    snprintf(url, sizeof url, "%s/endpoints/new", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, mine, &r));
    RH_CHECK(strstr(r.body, "name=\"events_text\"") != NULL);
    RUN(0, "event-type", "add", "order.paid", "--description",
        "Paid <in> full");
    RUN(0, "event-type", "add", "order.refunded");
    RUN(0, "event-type", "add", "call.ended", "--group", "calls");
    RUN(0, "event-type", "add", "call.legacy", "--group", "calls");
    RUN(0, "event-type", "deprecate", "call.legacy");
    RUN(0, "event-type", "add", "call.gone");
    RUN(0, "event-type", "archive", "call.gone");
    RH_CHECK_EQ_INT(200, http(url, NULL, mine, &r));
    RH_CHECK(strstr(r.body, "name=\"events_text\"") == NULL);
    const char *calls = strstr(r.body, "<h3>calls</h3>");
    const char *order = strstr(r.body, "<h3>order</h3>");
    RH_CHECK(calls && order && calls < order);
    const char *legacy = strstr(r.body, "<code>call.legacy</code>");
    RH_CHECK(legacy && !strncmp(legacy + 24,
                                " <span class=\"badge paused\">"
                                "deprecated</span>",
                                45));
    RH_CHECK(strstr(r.body, "call.gone") == NULL);
    RH_CHECK(strstr(r.body, "Paid &lt;in&gt; full") != NULL);
    snprintf(form, sizeof form,
             "url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fa&events=order.paid"
             "&events=call.ended");
    RH_CHECK_EQ_INT(303, http(url, form, own, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
    RUN(0, "endpoint", "list");
    RH_CHECK(strstr(out, "order.paid,call.ended") != NULL ||
             strstr(out, "order.paid, call.ended") != NULL);
}

/* tenant set stores a tenant's limits; show prints them; an emit past the
 * pending limit and an add past the endpoint limit exit 1 naming
 * --tenant; bad values exit 2; an endpoint command with --tenant acts on
 * that tenant's endpoint only; prune --tenant. */
static void test_cli_catalog__tenant_limits(void)
{
    char path[128], store[160], out[4096], id[64], sec[128];
    rh_test_path(path, sizeof path, "cli-tenant-limits");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RUN(0, "endpoint", "add", "http://127.0.0.1:9/a", "--events", "*",
        "--tenant", "acct", "--dev");
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", id, sec));
    /* one endpoint's commands, scoped: another tenant's is unknown */
    RUN(0, "endpoint", "show", id, "--tenant", "acct");
    RUN(2, "endpoint", "show", id, "--tenant", "other");
    RH_CHECK(strstr(out, "no endpoint") && strstr(out, "for tenant other"));
    RUN(2, "endpoint", "set", id, "--name", "x", "--tenant", "other");
    RUN(2, "endpoint", "disable", id, "--tenant", "other");
    RUN(0, "endpoint", "show", id);
    RH_CHECK(strstr(out, "enabled") != NULL && strstr(out, "name:") == NULL);
    RUN(0, "tenant", "set", "acct", "--max-pending", "1", "--rate", "5",
        "--max-endpoints", "1");
    RH_CHECK(strstr(out, "max pending:     1") != NULL);
    RH_CHECK(strstr(out, "rate:            5 a second") != NULL);
    RUN(0, "emit", "x.y", "{}", "--tenant", "acct");
    RUN(1, "emit", "x.y", "{}", "--tenant", "acct");
    RH_CHECK(strstr(out, "--tenant") && strstr(out, "limit of 1"));
    RUN(1, "endpoint", "add", "http://127.0.0.1:9/b", "--events", "*",
        "--tenant", "acct", "--dev");
    RH_CHECK(strstr(out, "limit of endpoints (1") != NULL);
    RUN(0, "tenant", "show", "acct");
    RH_CHECK(strstr(out, "max in flight:   none") != NULL);
    RUN(0, "tenant", "set", "acct", "--max-pending", "0");
    RUN(0, "emit", "x.y", "{}", "--tenant", "acct");
    RUN(2, "tenant", "set", "acct");
    RUN(2, "tenant", "set", "acct", "--rate", "-1");
    RUN(2, "tenant", "set", "a b", "--rate", "1");
    RUN(0, "prune", "--older-than", "0s", "--tenant", "acct");
    RH_CHECK(strstr(out, "of tenant acct") != NULL);
}

const rh_test_case rh_tests_cli_catalog[] = {
    {"cli_catalog__catalog_end_to_end", test_cli_catalog__catalog_end_to_end},
    {"cli_catalog__bad_input_is_refused",
     test_cli_catalog__bad_input_is_refused},
    {"cli_catalog__tenant_limits", test_cli_catalog__tenant_limits},
    {"cli_catalog__dashboard_picks_from_the_catalog",
     test_cli_catalog__dashboard_picks_from_the_catalog},
    {NULL, NULL}};
