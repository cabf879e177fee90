/* The command-line tool, run as a separate process against the loopback sink:
 * exit codes, what it prints, and that its requests verify. */
#include "backends.h"
#include "rh_test.h"
#include "tls_sink.h"

#include <signal.h>
#include <time.h>

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_cli__send_delivers_and_prints_the_secret(void)
{
    sink *s = rh_test_sink();
    char url[128], out[8192], secret[RH_SECRET_SIZE] = "";
    sink_request r;
    sink_url(s, "/cli", url, sizeof url);
    const char *args[] = {"send", url, "--event", "order.paid", "--data",
                          "{\"o\":1}", "--dev", NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(args, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "attempt 1: status 200, outcome ok") != NULL);
    const char *p = strstr(out, "secret: ");
    RH_CHECK(p != NULL);
    sscanf(p, "secret: %100s", secret);
    RH_CHECK_EQ_INT(1, sink_count(s));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK(strstr(r.body, "\"data\":{\"o\":1}") != NULL);
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_verify_request(&r, secret, -1));
    sink_request_free(&r);
    sink_stop(s);
}

static void test_cli__send_retries_then_exits_1(void)
{
    sink *s = rh_test_sink();
    char url[128], out[8192];
    sink_url(s, "/down", url, sizeof url);
    sink_rule(s, "/down", 500, 0, NULL, NULL, -1);
    const char *args[] = {"send", url, "--event", "a.b", "--data", "{}",
                          "--dev", "--secret",
                          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                          "--schedule", "0.05,0.1", NULL};
    RH_CHECK_EQ_INT(1, rh_test_tool_run(args, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "attempt 1: status 500") != NULL);
    RH_CHECK(strstr(out, "attempt 3: status 500") != NULL);
    RH_CHECK(strstr(out, "attempt 4") == NULL);
    RH_CHECK(strstr(out, "failed for good after 3 attempt") != NULL);
    RH_CHECK(strstr(out, "secret:") == NULL); /* given, so not printed */
    RH_CHECK_EQ_INT(3, sink_count(s));
    sink_stop(s);
}

static void test_cli__send_bad_input_exits_2_naming_it(void)
{
    char out[4096];
    const char *http_prod[] = {"send", "http://127.0.0.1:9/", "--event", "a",
                               "--data", "{}", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(http_prod, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "URL") && strstr(out, "production"));
    const char *bad_data[] = {"send", "http://127.0.0.1:9/", "--dev",
                              "--event", "a", "--data", "[1]", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_data, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--data") && strstr(out, "object"));
    const char *bad_event[] = {"send", "http://127.0.0.1:9/", "--dev",
                               "--event", "a b", "--data", "{}", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_event, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--event") != NULL);
    const char *no_event[] = {"send", "http://127.0.0.1:9/", "--data", "{}",
                              NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(no_event, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--event: missing") != NULL);
    const char *bad_timeout[] = {"send", "http://127.0.0.1:9/", "--event",
                                 "a", "--data", "{}", "--timeout-ms", "x",
                                 NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_timeout, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--timeout-ms") != NULL);
    const char *bad_secret[] = {"send", "http://127.0.0.1:9/", "--dev",
                                "--event", "a", "--data", "{}", "--secret",
                                "nope", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_secret, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--secret") != NULL);
    const char *nl_secret[] = {"send",
                               "http://127.0.0.1:9/",
                               "--dev",
                               "--event",
                               "a",
                               "--data",
                               "{}",
                               "--secret",
                               "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
                               NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(nl_secret, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--secret: secret contains whitespace") != NULL);
    const char *unknown[] = {"send", "--frobnicate", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(unknown, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--frobnicate: unknown option") != NULL);
    const char *nocmd[] = {"launch", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(nocmd, NULL, out, sizeof out));
}

/* Data from a file goes out byte for byte; data over the limit (the
 * library's default, or --max-data-bytes) is refused by name, exit 2. */
static void test_cli__data_from_a_file_and_its_limit(void)
{
    sink *s = rh_test_sink();
    char url[128], out[8192], path[128], arg[140];
    const char data[] = "{\"amount\": 1E2, \"rate\":0.1}\n";
    sink_request r;
    sink_url(s, "/file", url, sizeof url);
    rh_test_path(path, sizeof path, "cli-data.json");
    FILE *f = fopen(path, "wb");
    RH_CHECK(f != NULL);
    fputs(data, f);
    fclose(f);
    snprintf(arg, sizeof arg, "@%s", path);
    const char *send_file[] = {"send",   url, "--event", "a",
                               "--data", arg, "--dev",   NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(send_file, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, sink_get(s, 0, &r));
    RH_CHECK(strstr(r.body, "\"data\":{\"amount\": 1E2, \"rate\":0.1}\n}") !=
             NULL);
    sink_request_free(&r);
    const char *small[] = {"send", url,     "--event",          "a", "--data",
                           arg,    "--dev", "--max-data-bytes", "8", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(small, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--data: data is over the limit of 8 bytes") != NULL);
    const char *bad_limit[] = {"send",   url,  "--event", "a",
                               "--data", "{}", "--dev",   "--max-data-bytes",
                               "1",      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_limit, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--max-data-bytes") != NULL);
    const char *missing[] = {"send",  url,      "--event",
                             "a",     "--data", "@/nonexistent/data.json",
                             "--dev", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(missing, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "cannot read /nonexistent/data.json") != NULL);
    /* 2 MiB of valid JSON: over the default 1 MiB */
    f = fopen(path, "wb");
    RH_CHECK(f != NULL);
    fputc('{', f);
    for (int i = 0; i < 2 * 1024 * 1024; i++)
        fputc(' ', f);
    fputc('}', f);
    fclose(f);
    char db[128], store[160];
    rh_test_path(db, sizeof db, "cli-data");
    snprintf(store, sizeof store, "sqlite:%s", db);
    const char *emit_big[] = {"emit", "a", arg, "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(emit_big, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "JSON: data is over the limit of 1048576 bytes") !=
             NULL);
    const char *emit_raised[] = {"emit",    "a",   arg,
                                 "--store", store, "--max-data-bytes",
                                 "4194304", NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_raised, NULL, out, sizeof out));
    RH_CHECK(strncmp(out, "evt_", 4) == 0);
    RH_CHECK_EQ_INT(1, sink_count(s));
    sink_stop(s);
}

static void test_cli__verify(void)
{
    char out[4096];
    const char *ok[] = {"verify", "--secret",
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id",
                        "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp",
                        "1614265330", "--signature",
                        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                        "--now", "1614265330", NULL};
    RH_CHECK_EQ_INT(
        0, rh_test_tool_run(ok, "{\"test\": 2432232314}", out, sizeof out));
    RH_CHECK_EQ_STR("valid\n", out);
    RH_CHECK_EQ_INT(
        1, rh_test_tool_run(ok, "{\"test\": 2432232315}", out, sizeof out));
    RH_CHECK(strstr(out, "no signature matches") != NULL);
    /* the real clock is years past 2021: the timestamp is too old */
    const char *stale[] = {"verify", "--secret",
                           "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--id",
                           "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp",
                           "1614265330", "--signature",
                           "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                           NULL};
    RH_CHECK_EQ_INT(
        1, rh_test_tool_run(stale, "{\"test\": 2432232314}", out, sizeof out));
    RH_CHECK(strstr(out, "timestamp") != NULL);
    const char *missing[] = {"verify", "--secret", "whsec_x", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(missing, "", out, sizeof out));
    RH_CHECK(strstr(out, "--id: missing") != NULL);
}

static void test_cli__help_for_every_command(void)
{
    char out[4096];
    const char *h0[] = {"--help", NULL};
    const char *h1[] = {"send", "--help", NULL};
    const char *h2[] = {"verify", "--help", NULL};
    const char *v[] = {"--version", NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(h0, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "  send ") != NULL);
    RH_CHECK(strstr(out, "--dev") != NULL); /* the top help explains it */
    RH_CHECK_EQ_INT(0, rh_test_tool_run(h1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--schedule") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(h2, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--body-file") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(v, NULL, out, sizeof out));
    RH_CHECK_EQ_STR("replicer-hooks " RH_VERSION_STRING "\n", out);
}

/* First line of the output, for ids the tool prints. */
static void first_word(const char *out, char *word, size_t size)
{
    size_t n = strcspn(out, " \n");
    if (n >= size)
        n = size - 1;
    memcpy(word, out, n);
    word[n] = '\0';
}

static void test_cli__store_commands_end_to_end(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[16384], ep[64], secret[128],
        evt[64], fresh[128];
    rh_test_path(path, sizeof path, "cli");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/hooks", url, sizeof url);
    sink_rule(s, "/hooks", 500, 0, NULL, NULL, 2); /* two failures first */

    const char *add[] = {"endpoint", "add", url, "--events", "order.*,user.x",
                         "--dev", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, secret));
    RH_CHECK(strncmp(ep, "ep_", 3) == 0 && strncmp(secret, "whsec_", 6) == 0);

    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, ep) && strstr(out, "enabled") &&
             strstr(out, "order.*,user.x"));

    const char *emit[] = {"emit", "order.paid", "{\"o\":7}", "--store", store,
                          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    first_word(out, evt, sizeof evt);
    RH_CHECK(strncmp(evt, "evt_", 4) == 0);

    /* a worker with no retries: two failures leave it failed */
    const char *work1[] = {"worker", "--until-idle", "--dev", "--schedule",
                           "", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "#1 -> 500 http_status") != NULL);

    const char *log_failed[] = {"log", "--failed", "--json", "--store", store,
                                NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log_failed, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "\"status\":500") && strstr(out, "\"success\":false"));
    RH_CHECK(strstr(out, "\"event_type\":\"order.paid\"") != NULL);
    char dlv[64] = "";
    const char *d = strstr(out, "\"delivery\":\"");
    RH_CHECK(d != NULL);
    sscanf(d + 12, "%63[^\"]", dlv);

    /* resend: fails again (the sink's second scripted 500) */
    const char *resend[] = {"resend", dlv, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(resend, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work1, NULL, out, sizeof out));
    /* recover it: the sink answers 200 now */
    const char *recover[] = {"recover", ep, "--since", "1h", "--store", store,
                             NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(recover, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "1 delivery queued again") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "-> 200 ok") != NULL);
    RH_CHECK_EQ_INT(3, sink_count(s));
    /* a delivered one cannot be resent */
    RH_CHECK_EQ_INT(1, rh_test_tool_run(resend, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "has not failed") != NULL);

    const char *log_all[] = {"log", "--delivery", dlv, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log_all, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "yes") && strstr(out, "no"));

    /* the request verifies with the secret printed at add */
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 2, &r));
    RH_CHECK_EQ_INT(RH_OK,
                    rh_test_verify_request(&r, secret, -1));
    sink_request_free(&r);

    const char *rotate[] = {"endpoint", "rotate", ep, "--grace", "1h",
                            "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(rotate, NULL, out, sizeof out));
    first_word(out, fresh, sizeof fresh);
    RH_CHECK(strncmp(fresh, "whsec_", 6) == 0 && strcmp(fresh, secret) != 0);

    /* a custom header reaches the receiver; an injection is refused */
    const char *hdr[] = {"endpoint", "header", ep, "X-Api-Key", "k-123",
                         "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(hdr, NULL, out, sizeof out));
    const char *evil[] = {"endpoint", "header", ep, "X-Api-Key", "a\r\nX: y",
                          "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(evil, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "endpoint header: VALUE: ") && strstr(out, "control"));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work1, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, sink_get(s, 3, &r));
    RH_CHECK_EQ_STR("k-123", sink_header(&r, "X-Api-Key"));
    sink_request_free(&r);

    const char *disable[] = {"endpoint", "disable", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(disable, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "disabled") != NULL);
    const char *enable[] = {"endpoint", "enable", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(enable, NULL, out, sizeof out));

    /* paused: the emit is queued, a worker sends nothing and still ends
     * (only the resume would send it); resumed: it goes */
    size_t before = sink_count(s);
    const char *pause[] = {"endpoint", "pause", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(pause, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "paused") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    /* it ends, and says (exit 3) that one waits for the resume */
    RH_CHECK_EQ_INT(3, rh_test_tool_run(work1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "1 for their endpoint's resume") != NULL);
    RH_CHECK_EQ_INT(before, sink_count(s));
    const char *resume[] = {"endpoint", "resume", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(resume, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "paused") == NULL && strstr(out, "enabled") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work1, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(before + 1, sink_count(s));
    const char *remove_[] = {"endpoint", "remove", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(remove_, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(
        2, rh_test_tool_run(remove_, NULL, out, sizeof out)); /* gone: bad id */
    RH_CHECK(strstr(out, "ID: no endpoint") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, ep) == NULL);
    sink_stop(s);
}

static void test_cli__store_errors_name_the_argument(void)
{
    char out[4096], path[128], store[160];
    rh_test_path(path, sizeof path, "cli-errors");
    snprintf(store, sizeof store, "sqlite:%s", path);
    const char *no_store[] = {"endpoint", "list", NULL};
    unsetenv("REPLICER_HOOKS_STORE");
    RH_CHECK_EQ_INT(2, rh_test_tool_run(no_store, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--store: missing") != NULL);
    const char *bad_store[] = {"emit", "a", "{}", "--store", "redis:x", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_store, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--store") != NULL);
    const char *unopenable[] = {"emit", "a", "{}", "--store",
                                "sqlite:/nonexistent/dir/x.db", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(unopenable, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "/nonexistent/dir/x.db") != NULL);
    const char *bad_json[] = {"emit", "a", "[1]", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_json, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "JSON") != NULL);
    const char *bad_type[] = {"emit", "a b", "{}", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_type, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "TYPE") != NULL);
    const char *no_events[] = {"endpoint", "add", "https://example.com/",
                               "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(no_events, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--events: missing") != NULL);
    const char *http_prod[] = {"endpoint", "add", "http://example.com/",
                               "--events", "a", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(http_prod, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "URL") && strstr(out, "production"));
    const char *port0[] = {"endpoint", "add",      "http://127.0.0.1:0/",
                           "--dev",    "--events", "a",
                           "--store",  store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(port0, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "URL: url port must be 1 to 65535") != NULL);
    const char *no_host[] = {"endpoint", "add",      "http:///in",
                             "--dev",    "--events", "a",
                             "--store",  store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(no_host, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "URL: url has an empty host") != NULL);
    const char *dotted[] = {"endpoint", "add", "https://localhost./",
                            "--events", "a",   "--store",
                            store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(dotted, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "loopback") && strstr(out, "production"));
    const char *bad_grace[] = {"endpoint", "rotate", "ep_x", "--grace",
                               "soon", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_grace, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--grace") != NULL);
    const char *bad_since[] = {"recover", "ep_x", "--since", "yesterday",
                               "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_since, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--since") != NULL);
    const char *unknown_dlv[] = {"resend", "dlv_nope", "--store", store, NULL};
    /* an unknown id is bad input, named by the argument */
    RH_CHECK_EQ_INT(2, rh_test_tool_run(unknown_dlv, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "resend: DELIVERY_ID: ") != NULL);
    RH_CHECK(strstr(out, "delivery id is not valid") != NULL ||
             strstr(out, "no delivery") != NULL);
    const char *unknown_ep[] = {"endpoint", "pause", "ep_nobody",
                                "--store",  store,   NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(unknown_ep, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "endpoint pause: ID: no endpoint ep_nobody") != NULL);
    const char *helps[][3] = {{"endpoint", "--help", NULL},
                              {"emit", "--help", NULL},
                              {"worker", "--help", NULL},
                              {"log", "--help", NULL},
                              {"resend", "--help", NULL},
                              {"recover", "--help", NULL}};
    for (size_t i = 0; i < sizeof helps / sizeof *helps; i++) {
        RH_CHECK_EQ_INT(0, rh_test_tool_run(helps[i], NULL, out, sizeof out));
        RH_CHECK(strstr(out, "usage:") != NULL);
    }
}

static void test_cli__worker_stops_gracefully_on_sigterm(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[4096];
    rh_test_path(path, sizeof path, "graceful");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/slow", url, sizeof url);
    sink_rule(s, "/slow", 200, 600, NULL, NULL, -1);
    const char *add[] = {"endpoint", "add", url, "--events", "*", "--dev",
                         "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    const char *emit[] = {"emit", "t", "{}", "--store", store, NULL};
    for (int i = 0; i < 3; i++)
        RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    const char *worker[] = {"worker",  "--dev", "--quiet",
                            "--store", store,   NULL};
    pid_t pid = rh_test_tool_spawn(worker, NULL, NULL);
    RH_CHECK_EQ_INT(0, sink_wait_count(s, 3, 5000)); /* all in flight */
    kill(pid, SIGTERM);
    int status = -1;
    waitpid(pid, &status, 0);
    RH_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* the transfers in flight were finished and recorded, not dropped */
    const char *log[] = {"log", "--json", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(log, NULL, out, sizeof out));
    int ok = 0;
    for (const char *p = out; (p = strstr(p, "\"success\":true")); p++)
        ok++;
    RH_CHECK_EQ_INT(3, ok);
    sink_stop(s);
}

/* Modes stick and health shows: an endpoint added with --dev is held (not
 * failed) by a plain worker, which says how to deliver it; a --dev worker
 * does. A 410 disables its endpoint, the worker says so, list and show
 * print why and the health. */
static void test_cli__dev_endpoints_and_health(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], gone_url[128], out[16384], ep[64],
        gone[64], secret[128];
    rh_test_path(path, sizeof path, "cli-modes");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/dev", url, sizeof url);
    sink_url(s, "/gone", gone_url, sizeof gone_url);
    sink_rule(s, "/gone", 410, 0, NULL, NULL, -1);
    const char *add[] = {"endpoint", "add",     url,   "--events", "a",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, secret));
    const char *emit[] = {"emit", "a", "{}", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    const char *plain[] = {"worker", "--until-idle", "--store", store, NULL};
    RH_CHECK_EQ_INT(3, rh_test_tool_run(plain, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "1 wait for a worker started with --dev") != NULL);
    RH_CHECK(strstr(out, "1 endpoint was registered with --dev; start the "
                         "worker with --dev to deliver to them") != NULL);
    RH_CHECK(strstr(out, "held") != NULL);
    RH_CHECK_EQ_INT(0, sink_count(s));
    const char *show[] = {"endpoint", "show", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "development (--dev)") &&
             strstr(out, "last success:    none"));
    const char *dev[] = {"worker",  "--until-idle", "--dev",
                         "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(dev, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "-> 200 ok") != NULL);
    RH_CHECK(strstr(out, "registered with --dev") == NULL);
    RH_CHECK_EQ_INT(1, sink_count(s));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "state:           enabled") &&
             strstr(out, "last success:    20") &&
             strstr(out, "failed in a row: 0"));
    /* a 410: disabled at once, told, shown with its reason */
    const char *add_gone[] = {"endpoint", "add",     gone_url, "--events", "b",
                              "--dev",    "--store", store,    NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_gone, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", gone, secret));
    const char *emit_b[] = {"emit", "b", "{}", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_b, NULL, out, sizeof out));
    const char *quiet[] = {"worker",  "--until-idle", "--dev", "--quiet",
                           "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(quiet, NULL, out, sizeof out));
    char said[128];
    snprintf(said, sizeof said, "endpoint %s: disabled (gone)", gone);
    RH_CHECK(strstr(out, said) != NULL);
    const char *list[] = {"endpoint", "list", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "disabled (gone)") && strstr(out, "failing since"));
    /* the endpoint's own settings, at add and changed later */
    const char *set[] = {
        "endpoint", "set",        ep, "--rate",  "2",   "--max-in-flight",
        "3",        "--schedule", "", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(set, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "rate limit:      2 a second") &&
             strstr(out, "max in flight:   3") &&
             strstr(out, "schedule:        no retries") &&
             strstr(out, "timeout:         the worker's"));
    const char *unset[] = {
        "endpoint",     "set",  ep,        "--schedule", "default",
        "--timeout-ms", "1500", "--store", store,        NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(unset, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "schedule:        the worker's") &&
             strstr(out, "timeout:         1500 ms"));
    /* kept on HTTP/1.1 when a worker offers h2; a version past 2 refused */
    const char *h11[] = {"endpoint", "set",     ep,    "--http-version",
                         "1",        "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(h11, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "http version:    HTTP/1.1 only") != NULL);
    const char *h3[] = {"endpoint", "set",     ep,    "--http-version",
                        "3",        "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(h3, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--http-version: expected 0 to 2") != NULL);
    /* a client certificate from files, shown, removed */
    char pki[64], cert_path[128], key_path[128];
    snprintf(pki, sizeof pki, "/tmp/rh-cli-pki-XXXXXX");
    RH_CHECK(mkdtemp(pki) != NULL);
    RH_CHECK_EQ_INT(0, tls_make_pki(pki));
    snprintf(cert_path, sizeof cert_path, "%s/client.pem", pki);
    snprintf(key_path, sizeof key_path, "%s/client.key", pki);
    const char *with_cert[] = {
        "endpoint",     "set",    ep,        "--client-cert", cert_path,
        "--client-key", key_path, "--store", store,           NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(with_cert, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "client cert:     yes") != NULL);
    const char *half[] = {"endpoint", "set",     ep,    "--client-cert",
                          cert_path,  "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(half, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--client-key: missing") != NULL);
    const char *swapped[] = {
        "endpoint",     "set",     ep,        "--client-cert", key_path,
        "--client-key", cert_path, "--store", store,           NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(swapped, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "not a PEM certificate") != NULL);
    const char *no_cert[] = {"endpoint", "set", ep,  "--no-client-cert",
                             "--store",  store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(no_cert, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(show, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "client cert:     none") != NULL);
    char rm[160];
    snprintf(rm, sizeof rm, "rm -rf '%s'", pki);
    RH_CHECK_EQ_INT(0, system(rm));
    const char *bad_rate[] = {"endpoint", "set",     ep,    "--rate",
                              "fast",     "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_rate, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--rate") != NULL);
    /* prune keeps what is pending (a paused endpoint's) and its event */
    const char *pause[] = {"endpoint", "pause", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(pause, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    size_t sent = sink_count(s);
    const char *prune[] = {"prune",   "--older-than", "0s",
                           "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(prune, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "pruned 2 finished deliveries") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(prune, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "pruned 0 finished deliveries") != NULL);
    const char *resume[] = {"endpoint", "resume", ep, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(resume, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(dev, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(sent + 1, sink_count(s));
    const char *bad_auto[] = {"worker", "--until-idle", "--auto-disable",
                              "400d",   "--store",      store,
                              NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_auto, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--auto-disable") != NULL);
    sink_stop(s);
}

/* Count the lines of out that hold `what`. */
static int lines_with(const char *out, const char *what)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* log's filters and paging, and recovery across endpoints by type. */
static void test_cli__log_filters_and_bulk_recover(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url_a[128], url_b[128], out[16384], ep[64],
        secret[128];
    rh_test_path(path, sizeof path, "cli-log");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/a", url_a, sizeof url_a);
    sink_url(s, "/b", url_b, sizeof url_b);
    sink_rule(s, "/a", 500, 0, NULL, NULL, 1);
    sink_rule(s, "/b", 503, 0, NULL, NULL, 2);
    const char *add_a[] = {"endpoint", "add",     url_a, "--events", "order.*",
                           "--dev",    "--store", store, NULL};
    const char *add_b[] = {"endpoint", "add",     url_b, "--events", "*",
                           "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_a, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_b, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep, secret));
    const char *emit_o[] = {"emit", "order.paid", "{}", "--store", store, NULL};
    const char *emit_i[] = {"emit",    "invoice.paid", "{}",
                            "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_o, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_i, NULL, out, sizeof out));
    const char *work[] = {"worker",  "--until-idle", "--dev", "--schedule", "",
                          "--quiet", "--store",      store,   NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(3, lines_with(out, "failed for good"));

    /* attempts by status, type pattern, outcome */
    const char *by_500[] = {"log",     "--status", "500", "--json",
                            "--store", store,      NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(by_500, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(1, lines_with(out, "\"status\":500"));
    RH_CHECK_EQ_INT(0, lines_with(out, "\"status\":503"));
    const char *by_type[] = {"log",     "--event-type", "order.*", "--json",
                             "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(by_type, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, lines_with(out, "\"event_type\":\"order.paid\""));
    RH_CHECK_EQ_INT(0, lines_with(out, "invoice.paid"));
    const char *by_outcome[] = {"log",     "--outcome", "http_status",
                                "--json",  "--limit",   "2",
                                "--store", store,       NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(by_outcome, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, lines_with(out, "\"outcome\":\"http_status\""));
    const char *more = strstr(out, "more: --after ");
    RH_CHECK(more != NULL);
    char cursor[64] = "";
    if (more)
        sscanf(more + 14, "%63s", cursor);
    const char *page2[] = {"log",     "--outcome", "http_status", "--json",
                           "--limit", "2",         "--after",     cursor,
                           "--store", store,       NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(page2, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(1, lines_with(out, "\"outcome\":\"http_status\""));
    RH_CHECK(strstr(out, "more:") == NULL);

    /* deliveries and their state */
    const char *dl_failed[] = {"log",     "--deliveries", "--state",
                               "failed",  "--event-type", "invoice.paid",
                               "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(dl_failed, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(1, lines_with(out, "invoice.paid"));
    RH_CHECK(strstr(out, "failed") && strstr(out, ep));

    /* filters that do not fit are refused by name */
    const char *bad1[] = {"log",     "--deliveries", "--status", "500",
                          "--store", store,          NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad1, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--status: filters attempts") != NULL);
    const char *bad2[] = {"log", "--state", "failed", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad2, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--state: needs --deliveries") != NULL);
    const char *bad3[] = {"log", "--event-type", "a b", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad3, NULL, out, sizeof out));
    const char *bad4[] = {"recover", "--since", "1h",  "--until",
                          "2h",      "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad4, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--until: is before --since") != NULL);

    /* recover order.* on every endpoint: two deliveries, one on each */
    const char *rec_orders[] = {"recover", "--since", "1h",  "--event-type",
                                "order.*", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(rec_orders, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "2 deliveries queued again") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(5, (int)sink_count(s));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(dl_failed, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(1, lines_with(out, "invoice.paid"));
    /* then the rest, on the one endpoint */
    const char *rec_rest[] = {"recover", ep,    "--since", "1h",
                              "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(rec_rest, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "1 delivery queued again") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(6, (int)sink_count(s));
    const char *still[] = {"log",    "--deliveries", "--state", "failed",
                           "--json", "--store",      store,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(still, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, lines_with(out, "\"delivery\""));
    sink_stop(s);
}

/* emit --idempotency-key prints the same id twice and queues once; emit
 * --endpoint sends to that endpoint alone. */
static void test_cli__emit_once_and_to_one_endpoint(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url_a[128], url_b[128], out[16384], ep_a[64],
        ep_b[64], secret[128], first[64], again[64];
    rh_test_path(path, sizeof path, "cli-emit");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/a", url_a, sizeof url_a);
    sink_url(s, "/b", url_b, sizeof url_b);
    const char *add_a[] = {"endpoint", "add",     url_a, "--events", "order.*",
                           "--dev",    "--store", store, NULL};
    const char *add_b[] = {"endpoint", "add",     url_b, "--events", "order.*",
                           "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_a, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep_a, secret));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_b, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", ep_b, secret));
    const char *emit[] = {
        "emit",         "order.paid", "{\"o\":1}", "--idempotency-key",
        "order-1-paid", "--store",    store,       NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    first_word(out, first, sizeof first);
    RH_CHECK(strstr(out, "queued for 2 endpoints") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit, NULL, out, sizeof out));
    first_word(out, again, sizeof again);
    RH_CHECK_EQ_STR(first, again);
    RH_CHECK(strstr(out, "already emitted with this idempotency key") != NULL);
    const char *to_b[] = {"emit", "user.made", "{}",  "--endpoint",
                          ep_b,   "--store",   store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(to_b, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "queued for 1 endpoint") != NULL);
    const char *work[] = {"worker",  "--until-idle", "--dev", "--quiet",
                          "--store", store,          NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(3, (int)sink_count(s));
    int user_to_b = 0;
    for (size_t i = 0; i < 3; i++) {
        sink_request r;
        RH_CHECK_EQ_INT(0, sink_get(s, i, &r));
        user_to_b += !strcmp(r.path, "/b") &&
                     strstr(r.body, "\"event\":\"user.made\"") != NULL;
        sink_request_free(&r);
    }
    RH_CHECK_EQ_INT(1, user_to_b);
    const char *bad_key[] = {"emit", "t",       "{}",  "--idempotency-key",
                             "",     "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_key, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--idempotency-key: must be") != NULL);
    const char *bad_ep[] = {"emit",      "t",       "{}",  "--endpoint",
                            "ep_nobody", "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_ep, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--endpoint: no endpoint ep_nobody") != NULL);
    sink_stop(s);
}

/* emit --ordering-key --hold-on-failure: a failure holds the key, the
 * worker still ends --until-idle, skip lets the next go. */
static void test_cli__ordering_keys_hold_and_skip(void)
{
    sink *s = rh_test_sink();
    char path[128], store[160], url[128], out[16384], dlv[64] = "";
    rh_test_path(path, sizeof path, "cli-order");
    snprintf(store, sizeof store, "sqlite:%s", path);
    sink_url(s, "/o", url, sizeof url);
    sink_rule(s, "/o", 500, 0, NULL, NULL, 1);
    const char *add[] = {"endpoint", "add",     url,   "--events", "*",
                         "--dev",    "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add, NULL, out, sizeof out));
    const char *e1[] = {"emit",           "job.step", "{\"n\":1}",
                        "--ordering-key", "job-9",    "--hold-on-failure",
                        "--store",        store,      NULL};
    const char *e2[] = {"emit",           "job.step", "{\"n\":2}",
                        "--ordering-key", "job-9",    "--hold-on-failure",
                        "--store",        store,      NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(e1, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(e2, NULL, out, sizeof out));
    const char *work[] = {"worker",  "--until-idle", "--dev", "--schedule", "",
                          "--quiet", "--store",      store,   NULL};
    RH_CHECK_EQ_INT(3, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "failed for good") != NULL);
    RH_CHECK(strstr(out, "1 behind a failed delivery that holds their "
                         "ordering key") != NULL);
    RH_CHECK_EQ_INT(1, (int)sink_count(s)); /* n:2 waits on the key */
    const char *failed[] = {"log",    "--deliveries", "--state", "failed",
                            "--json", "--store",      store,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(failed, NULL, out, sizeof out));
    const char *d = strstr(out, "\"delivery\":\"");
    RH_CHECK(d != NULL);
    if (d)
        snprintf(dlv, sizeof dlv, "%.*s", (int)strcspn(d + 12, "\""), d + 12);
    const char *skip[] = {"skip", dlv, "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(skip, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "lets go of its ordering key") != NULL);
    RH_CHECK_EQ_INT(1, rh_test_tool_run(skip, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "holds no ordering key") != NULL);
    RH_CHECK_EQ_INT(0, rh_test_tool_run(work, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(2, (int)sink_count(s));
    sink_request r;
    RH_CHECK_EQ_INT(0, sink_get(s, 1, &r));
    RH_CHECK(strstr(r.body, "\"n\":2") != NULL);
    sink_request_free(&r);
    const char *bad[] = {"emit",    "t",   "{}", "--hold-on-failure",
                         "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--hold-on-failure: needs --ordering-key") != NULL);
    sink_stop(s);
}

const rh_test_case rh_tests_cli[] = {
    {"cli__ordering_keys_hold_and_skip", test_cli__ordering_keys_hold_and_skip},
    {"cli__emit_once_and_to_one_endpoint",
     test_cli__emit_once_and_to_one_endpoint},
    {"cli__log_filters_and_bulk_recover",
     test_cli__log_filters_and_bulk_recover},
    {"cli__dev_endpoints_and_health", test_cli__dev_endpoints_and_health},
    {"cli__store_commands_end_to_end", test_cli__store_commands_end_to_end},
    {"cli__store_errors_name_the_argument",
     test_cli__store_errors_name_the_argument},
    {"cli__worker_stops_gracefully_on_sigterm",
     test_cli__worker_stops_gracefully_on_sigterm},
    {"cli__send_delivers_and_prints_the_secret",
     test_cli__send_delivers_and_prints_the_secret},
    {"cli__send_retries_then_exits_1", test_cli__send_retries_then_exits_1},
    {"cli__send_bad_input_exits_2_naming_it",
     test_cli__send_bad_input_exits_2_naming_it},
    {"cli__data_from_a_file_and_its_limit",
     test_cli__data_from_a_file_and_its_limit},
    {"cli__verify", test_cli__verify},
    {"cli__help_for_every_command", test_cli__help_for_every_command},
    {NULL, NULL}};
