/* The tool for a SaaS host with many accounts: endpoints added and edited
 * with --tenant, --name and --label; emit, log, resend and recover scoped
 * by --tenant; tenant list, show and remove; bad values refused by flag. */
#include "backends.h"
#include "rh_test.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* The id printed first by endpoint add ("<id> <secret>"). */
static void add(const char *store, sink *s, const char *path,
                const char *tenant, char id[64])
{
    char url[256], out[4096], sec[128];
    sink_url(s, path, url, sizeof url);
    const char *args[] = {"endpoint", "add",     url,   "--events",
                          "order.*",  "--dev",   "--store", store,
                          tenant ? "--tenant" : NULL,   tenant, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(args, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", id, sec));
}

/* Lines of out holding needle. */
static int lines_with(const char *out, const char *needle)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_cli_tenant__accounts_end_to_end(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], out[16384], a[64], b[64], none[64], url[256];
    rh_test_path(path, sizeof path, "cli-tenant");
    snprintf(store, sizeof store, "sqlite:%s", path);
    add(store, s, "/a", "acct_1", a);
    add(store, s, "/b", "acct_2", b);
    add(store, s, "/none", NULL, none);
    /* the same URL and events for another tenant is no twin: its events
     * are its own */
    sink_url(s, "/a", url, sizeof url);
    const char *same[] = {"endpoint", "add",     url,      "--events",
                          "order.*",  "--dev",   "--tenant", "acct_3",
                          "--store",  store,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(same, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "already sends") == NULL);
    /* one emit per account, and one for no account */
    const char *emit1[] = {"emit",     "order.paid", "{\"n\":1}", "--tenant",
                           "acct_1",   "--store",    store,       NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "queued for 1 endpoint") != NULL);
    const char *emit0[] = {"emit", "order.paid", "{\"n\":0}", "--store", store,
                           NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit0, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "queued for 1 endpoint") != NULL);
    /* a target of another account is unknown to the emit */
    const char *cross[] = {"emit",   "order.paid", "{}",    "--tenant",
                           "acct_1", "--endpoint", b,       "--store",
                           store,    NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(cross, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--endpoint") != NULL);
    const char *work[] = {"worker", "--until-idle", "--dev", "--store", store,
                          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, (int)sink_count(s));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK(!strcmp(r.path, "/a") || !strcmp(r.path, "/none"));
    sink_request_free(&r);
    /* each account's log is its own */
    const char *log1[] = {"log", "--tenant", "acct_1", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log1, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(1, lines_with(out, a));
    RH_CHECK_EQ_INT(0, lines_with(out, none));
    const char *log2[] = {"log", "--tenant", "acct_2", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log2, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, lines_with(out, a));
    /* edited in place: a new URL, name and labels; the next goes there */
    sink_url(s, "/a2", url, sizeof url);
    const char *set[] = {"endpoint", "set",       a,         "--url",
                         url,        "--name",    "Orders",  "--label",
                         "env=prod", "--dev",     "--store", store,
                         NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(set, NULL, out, sizeof out));
    const char *show[] = {"endpoint", "show", a, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "tenant:          acct_1") != NULL);
    RH_CHECK(strstr(out, "name:            Orders") != NULL);
    RH_CHECK(strstr(out, "label:           env=prod") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit1, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
    RH_CHECK_EQ_INT(0, sink_get(s, 2, &r));
    RH_CHECK_EQ_STR("/a2", r.path);
    sink_request_free(&r);
    /* endpoint list --tenant, as a table and as JSON */
    const char *list[] = {"endpoint", "list",  "--tenant", "acct_2",
                          "--json",   "--store", store,    NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    json_error_t jerr;
    json_t *o = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
    RH_CHECK(o != NULL);
    RH_CHECK_EQ_STR(b, json_string_value(json_object_get(o, "id")));
    RH_CHECK_EQ_STR("acct_2", json_string_value(json_object_get(o, "tenant")));
    json_decref(o);
    RH_CHECK_EQ_INT(1, lines_with(out, "\"id\""));
    /* tenant list, show, remove (twice: nothing the second time) */
    const char *tl[] = {"tenant", "list", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(tl, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "acct_1") && strstr(out, "acct_2"));
    const char *ts[] = {"tenant", "show", "acct_1", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(ts, NULL, out, sizeof out));
    RH_CHECK(strstr(out, a) != NULL && strstr(out, b) == NULL);
    RH_CHECK(strstr(out, "pending:         0") != NULL);
    const char *tr[] = {"tenant", "remove", "acct_1", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(tr, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "removed 1 endpoint of tenant acct_1") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(tr, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "removed 0 endpoints") != NULL);
    RH_CHECK_EQ_INT(2, rh_test_tool_run(show, NULL, out, sizeof out));
    sink_stop(s);
}

/* Bad values are refused by the flag that carried them, nothing done. */
static void test_cli_tenant__bad_values_name_their_flag(void)
{
    char path[128], store[160], out[8192];
    rh_test_path(path, sizeof path, "cli-tenant-bad");
    snprintf(store, sizeof store, "sqlite:%s", path);
    const char *bad_tenant[] = {"endpoint", "add",      "https://a.example/",
                                "--events", "*",        "--tenant",
                                "two words", "--store", store,
                                NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_tenant, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--tenant") != NULL);
    const char *bad_label[] = {"endpoint", "add",     "https://a.example/",
                               "--events", "*",       "--label",
                               "no equals", "--store", store,
                               NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_label, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--label") != NULL);
    const char *twice[] = {"emit",     "a.b",    "{}",      "--tenant", "a",
                           "--tenant", "b",      "--store", store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(twice, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--tenant: given twice") != NULL);
    const char *bad_log[] = {"log",   "--tenant", "two words",
                             "--store", store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_log, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--tenant") != NULL);
    const char *list[] = {"endpoint", "list", "--json", "--store", store,
                          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "\"id\"") == NULL); /* nothing was added */
    const char *set_bad[] = {"endpoint", "set",    "ep_nobody", "--name",
                             "x",        "--store", store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(set_bad, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "ep_nobody") != NULL);
}

const rh_test_case rh_tests_cli_tenant[] = {
    {"cli_tenant__accounts_end_to_end", test_cli_tenant__accounts_end_to_end},
    {"cli_tenant__bad_values_name_their_flag",
     test_cli_tenant__bad_values_name_their_flag},
    {NULL, NULL}};
