/* emit --stdin: many events from standard input, a JSON line each, with
 * their own options; each id printed once stored, in line order; the data
 * sent byte for byte as the line has it; bad lines named and skipped, the
 * exit code saying so; a batch's emits share their commits. */
#include "backends.h"
#include "rh_test.h"

#include <stdlib.h>

static int count_lines_starting(const char *out, const char *prefix)
{
    int n = 0;
    for (const char *p = out; p && *p;
         p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        n += !strncmp(p, prefix, strlen(prefix));
    return n;
}

static void test_cli_emit_lines__many_events_from_stdin(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[65536];
    static char in[200000];
    rh_test_path(path, sizeof path, "emit-lines");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/e", url, sizeof url);
    const char *add[] = {"endpoint", "add",     url,   "--events", "*",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    /* 500 events, then lines with options, a duplicate, and bad ones */
    size_t o = 0;
    for (int i = 0; i < 500; i++)
        o += (size_t)snprintf(in + o, sizeof in - o,
                              "{\"type\":\"bulk.x\",\"data\":{\"n\":%d}}\n", i);
    o += (size_t)snprintf(
        in + o, sizeof in - o,
        "{\"data\": {\"rate\":0.1, \"s\":\"}{\\\"\"}, \"type\": \"odd.x\"}\n"
        "{\"type\":\"key.x\",\"data\":{},\"idempotency_key\":\"k-1\"}\n"
        "{\"type\":\"key.x\",\"data\":{},\"idempotency_key\":\"k-1\"}\n"
        "not json\n"
        "{\"type\":\"a.x\",\"data\":[1]}\n"
        "{\"type\":\"a.x\",\"data\":{},\"colour\":\"red\"}\n"
        "\n"
        "{\"type\":\"last.x\",\"data\":{\"end\":true}}\n");
    const char *emit[] = {"emit",    "--stdin", "--batch", "100",
                          "--store", store,     NULL};
    RH_CHECK_EQ_INT(1, rh_test_tool_run(emit, in, out, sizeof out));
    RH_CHECK_EQ_INT(504, count_lines_starting(out, "evt_"));
    RH_CHECK(strstr(out, "line 504: not a JSON object") != NULL);
    RH_CHECK(strstr(out, "line 505: no \"data\" object") != NULL);
    RH_CHECK(strstr(out, "line 506: an unknown key") != NULL);
    /* the duplicate prints the first one's id, right after it */
    const char *k1 = strstr(out, "evt_");
    for (int i = 0; k1 && i < 501; i++)
        k1 = strstr(k1 + 1, "evt_");
    RH_CHECK(k1 != NULL);
    size_t idl = k1 ? strcspn(k1, "\n") : 0;
    RH_CHECK(k1 && idl > 4 && !strncmp(k1, k1 + idl + 1, idl));
    const char *work[] = {"worker",  "--until-idle", "--dev", "--quiet",
                          "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(503, (int)sink_count(s)); /* 504 ids, one a duplicate */
    int odd = 0;
    for (size_t i = 0; i < sink_count(s); i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        /* the data as the line wrote it, byte for byte */
        odd += strstr(r.body, "\"data\":{\"rate\":0.1, \"s\":\"}{\\\"\"}}") !=
               NULL;
        sink_request_free(&r);
    }
    RH_CHECK_EQ_INT(1, odd);
    const char *bad[] = {"emit",    "a.x", "{}", "--stdin",
                         "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad, "", out, sizeof out));
    RH_CHECK(strstr(out, "--stdin: takes no TYPE or JSON") != NULL);
    sink_stop(s);
}

const rh_test_case rh_tests_cli_emit_lines[] = {
    {"cli_emit_lines__many_events_from_stdin",
     test_cli_emit_lines__many_events_from_stdin},
    {NULL, NULL}};
