/* The tool's servers, run as separate processes on loopback: listen (a local
 * receiver), worker --metrics (Prometheus text) and the dashboard's rules
 * (loopback and token, cross-site POSTs refused, markup escaped). */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/* listen prints each delivery with its headers, its JSON indented and the
 * signature's verdict, answers with --status, and exits after --count. */
static void test_serve__listen_prints_verifies_and_answers(void)
{
    char base[128], url[160], out[16384], more[8192];
    int fd = -1;
    reply r;
    const char *args[] = {"listen",   "--port", "0",       "--secret", SECRET,
                          "--status", "503",    "--count", "3",        NULL};
    pid_t pid = start_server(args, "listening on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/hooks/in", base);
    /* the real sender: two attempts, both answered 503 */
    const char *send[] = {
        "send",       url,        "--event",
        "order.paid", "--data",   "{\"amount\":12,\"items\":[1,2]}",
        "--dev",      "--secret", SECRET,
        "--schedule", "0.05",     NULL};
    RH_CHECK_EQ_INT(1, rh_test_tool_run(send, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "attempt 2: status 503") != NULL);
    /* a forger, signing with nothing, and a body that is not JSON */
    const char *forged[] = {"webhook-id: msg_1", "webhook-timestamp: 1",
                            "webhook-signature: v1,AAAA",
                            "Content-Type: application/json", NULL};
    RH_CHECK_EQ_INT(503, http(url, "not json {", forged, &r));
    RH_CHECK_EQ_INT(0, wait_exit(pid, 10000)); /* --count 3 */
    /* everything it printed after its first line, to the end */
    (void)rh_test_read_until(fd, "\x01", more, sizeof more, 2000);
    close(fd);
    /* both real attempts verified, with the envelope indented */
    const char *first = strstr(more, "POST /hooks/in");
    RH_CHECK(first != NULL);
    RH_CHECK(strstr(more, "  signature: valid\n{\n  \"id\": \"") != NULL);
    RH_CHECK(strstr(more, "\"data\": {\n    \"amount\": 12,") != NULL);
    RH_CHECK(strstr(strstr(more, "signature: valid") + 1, "signature: valid") !=
             NULL);
    RH_CHECK(strstr(more, "webhook-id: msg_1") != NULL);
    RH_CHECK(strstr(more, "signature: invalid") != NULL);
    RH_CHECK(strstr(more, "(not JSON") != NULL);
    RH_CHECK(strstr(more, "-> 503") != NULL);

    /* bad flags are refused by name */
    const char *bad_status[] = {"listen", "--status", "99", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_status, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--status") != NULL);
    const char *bad_secret[] = {"listen", "--secret", "nope", NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_secret, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--secret") != NULL);
}

static int has_line(const char *text, const char *line)
{
    char want[256];
    snprintf(want, sizeof want, "\n%s\n", line);
    return strstr(text, want) != NULL;
}

/* worker --metrics: the counters as Prometheus text while it delivers, one
 * success and one failure for good, and the histogram's count. */
static void test_serve__worker_metrics(void)
{
    sink *s = rh_test_sink();
    char db[128], store[160], ok[128], bad[128], base[128], url[160], out[4096];
    int fd = -1;
    reply r;
    rh_test_path(db, sizeof db, "metrics");
    snprintf(store, sizeof store, "sqlite:%s", db);
    sink_url(s, "/ok", ok, sizeof ok);
    sink_url(s, "/bad", bad, sizeof bad);
    sink_rule(s, "/bad", 500, 0, NULL, NULL, -1);
    const char *add_ok[] = {"endpoint", "add",     ok,    "--events", "a.ok",
                            "--dev",    "--store", store, NULL};
    const char *add_bad[] = {"endpoint", "add",   bad,          "--events",
                             "a.bad",    "--dev", "--schedule", "",
                             "--store",  store,   NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_ok, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(add_bad, NULL, out, sizeof out));
    const char *worker[] = {"worker",      "--dev",   "--quiet", "--metrics",
                            "127.0.0.1:0", "--store", store,     NULL};
    pid_t pid = start_server(worker, "metrics on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    const char *emit_ok[] = {"emit", "a.ok", "{}", "--store", store, NULL};
    const char *emit_bad[] = {"emit", "a.bad", "{}", "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_ok, NULL, out, sizeof out));
    RH_CHECK_EQ_INT(0, rh_test_tool_run(emit_bad, NULL, out, sizeof out));
    snprintf(url, sizeof url, "%s/metrics", base);
    int64_t end = rh_test_mono_ms() + 15000;
    long status;
    do {
        status = http(url, NULL, NULL, &r);
        if (has_line(r.body, "replicer_hooks_failed_total 1"))
            break;
        usleep(100000);
    } while (rh_test_mono_ms() < end);
    RH_CHECK_EQ_INT(200, status);
    RH_CHECK(strstr(r.headers, "text/plain; version=0.0.4") != NULL);
    RH_CHECK(has_line(r.body, "replicer_hooks_succeeded_total 1"));
    RH_CHECK(has_line(r.body, "replicer_hooks_failed_total 1"));
    RH_CHECK(has_line(r.body, "replicer_hooks_attempts_total 2"));
    RH_CHECK(has_line(r.body, "# TYPE replicer_hooks_in_flight gauge"));
    RH_CHECK(has_line(
        r.body, "replicer_hooks_attempts_by_outcome_total{outcome=\"ok\"} 1"));
    RH_CHECK(has_line(
        r.body,
        "replicer_hooks_attempts_by_outcome_total{outcome=\"http_status\"} 1"));
    RH_CHECK(has_line(
        r.body, "# TYPE replicer_hooks_attempt_duration_seconds histogram"));
    RH_CHECK(has_line(
        r.body,
        "replicer_hooks_attempt_duration_seconds_bucket{le=\"+Inf\"} 2"));
    RH_CHECK(
        has_line(r.body, "replicer_hooks_attempt_duration_seconds_count 2"));
    /* the queue from the store: both done; no labels without --metrics-top */
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_pending 0"));
    RH_CHECK(has_line(r.body, "replicer_hooks_queue_failed_last_hour 1"));
    RH_CHECK(strstr(r.body, "endpoint_queue") == NULL);
    snprintf(url, sizeof url, "%s/other", base);
    RH_CHECK_EQ_INT(404, http(url, NULL, NULL, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
    const char *bad_addr[] = {"worker",  "--metrics", "somewhere",
                              "--store", store,       NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(bad_addr, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--metrics") != NULL);
    sink_stop(s);
}

/* The dashboard's rules: loopback Host only without a token; POSTs only
 * with the page's form token and from its own origin; markup escaped; a
 * non-loopback address needs a token, and a token is asked for. */
static void test_serve__dashboard_security(void)
{
    char db[128], store[160], base[128], url[192], csrf[40], form[512],
        out[4096];
    int fd = -1;
    reply r;
    rh_test_path(db, sizeof db, "dashboard-rules");
    snprintf(store, sizeof store, "sqlite:%s", db);
    const char *args[] = {"dashboard", "--listen", "127.0.0.1:0", "--dev",
                          "--store",   store,      NULL};
    pid_t pid = start_server(args, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.body, "<h1>Endpoints</h1>") != NULL);
    RH_CHECK(strstr(r.headers, "Content-Security-Policy: default-src 'none'") !=
             NULL);
    csrf_of(r.body, csrf, sizeof csrf);
    RH_CHECK_EQ_INT(32, (int)strlen(csrf));
    /* another name for 127.0.0.1 (DNS rebinding) */
    const char *rebound[] = {"Host: attacker.example", NULL};
    RH_CHECK_EQ_INT(421, http(url, NULL, rebound, &r));

    snprintf(url, sizeof url, "%s/endpoints", base);
    /* no form token: refused, nothing added */
    RH_CHECK_EQ_INT(
        403,
        http(url, "url=http%3A%2F%2F127.0.0.1%3A9%2Fa&events=a", NULL, &r));
    RH_CHECK(strstr(r.body, "cross-site request refused") != NULL);
    /* the right token, sent by another site */
    snprintf(form, sizeof form,
             "csrf=%s&url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fa&events=a", csrf);
    const char *evil_origin[] = {"Origin: http://attacker.example", NULL};
    RH_CHECK_EQ_INT(403, http(url, form, evil_origin, &r));
    const char *cross[] = {"Sec-Fetch-Site: cross-site", NULL};
    RH_CHECK_EQ_INT(403, http(url, form, cross, &r));
    RH_CHECK_EQ_INT(0, count_endpoints(store));
    /* a GET does not change anything */
    snprintf(url, sizeof url, "%s/endpoints/ep_x/disable", base);
    RH_CHECK_EQ_INT(404, http(url, NULL, NULL, &r));

    /* from its own page: added, the secret shown; markup in the URL is
     * escaped wherever it is shown */
    snprintf(url, sizeof url, "%s/endpoints", base);
    snprintf(
        form, sizeof form,
        "csrf=%s&url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2F%%22%%3E%%3Cscript%%"
        "3Ealert(1)%%3C%%2Fscript%%3E&events=a.b",
        csrf);
    char origin[200];
    snprintf(origin, sizeof origin, "Origin: %s", base);
    const char *own[] = {origin, NULL};
    RH_CHECK_EQ_INT(200, http(url, form, own, &r));
    RH_CHECK(strstr(r.body, "<code id=\"secret\">whsec_") != NULL);
    RH_CHECK_EQ_INT(1, count_endpoints(store));
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.body,
                    "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    RH_CHECK(strstr(r.body, "<script>") == NULL);
    /* bad input on a form: a page that names the field, nothing added */
    snprintf(url, sizeof url, "%s/endpoints", base);
    snprintf(form, sizeof form, "csrf=%s&url=ftp%%3A%%2F%%2Fx&events=a", csrf);
    RH_CHECK_EQ_INT(400, http(url, form, NULL, &r));
    RH_CHECK(strstr(r.body, "url: ") != NULL);
    RH_CHECK_EQ_INT(1, count_endpoints(store));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));

    /* beyond loopback only with a token */
    const char *open_[] = {"dashboard", "--listen", "0.0.0.0:0",
                           "--store",   store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(open_, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--token") != NULL);
    const char *short_token[] = {"dashboard", "--token", "abc",
                                 "--store",   store,     NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(short_token, NULL, out, sizeof out));
    const char *tok[] = {"dashboard",
                         "--listen",
                         "127.0.0.1:0",
                         "--token",
                         "tok-0123456789abcdef",
                         "--store",
                         store,
                         NULL};
    pid = start_server(tok, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(403, http(url, NULL, NULL, &r));
    const char *wrong[] = {"Authorization: Bearer tok-0123456789abcdeX", NULL};
    RH_CHECK_EQ_INT(403, http(url, NULL, wrong, &r));
    const char *right[] = {"Authorization: Bearer tok-0123456789abcdef", NULL};
    RH_CHECK_EQ_INT(200, http(url, NULL, right, &r));
    snprintf(url, sizeof url, "%s/?token=tok-0123456789abcdef", base);
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.headers,
                    "Set-Cookie: rh_dashboard=tok-0123456789abcdef; HttpOnly; "
                    "SameSite=Strict") != NULL);
    const char *cookie[] = {"Cookie: rh_dashboard=tok-0123456789abcdef", NULL};
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, cookie, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
}

/* The seed's dashboard flow in a real browser (Debian's Chromium, driven by
 * playwright-core from tests/browser/dashboard.mjs): endpoints added with
 * their secret shown once, an event sent from the page, its deliveries and
 * attempts seen, a failed one resent. What the receiver got is checked
 * here: signed with the secret the page showed. */
static void test_serve__dashboard_in_a_browser(void)
{
    const char *dir = getenv("RH_BROWSER_DIR");
    const char *chromium = getenv("RH_CHROMIUM");
    char script[256], modules[256], db[128], store[160], base[128], ok[128],
        bad[128], out[16384], tool[512];
    snprintf(script, sizeof script, "%s/dashboard.mjs",
             dir && *dir ? dir : "build/browser");
    snprintf(modules, sizeof modules, "%s/node_modules/playwright-core",
             dir && *dir ? dir : "build/browser");
    if (access(chromium && *chromium ? chromium : "/usr/bin/chromium", X_OK))
        RH_SKIP("no Chromium (apt-get install chromium)");
    if (access(script, R_OK) || access(modules, R_OK))
        RH_SKIP("playwright-core is not installed (make browser-deps)");
    if (!realpath(rh_test_tool(), tool))
        RH_SKIP("the tool is not built");
    sink *s = rh_test_sink();
    int fd = -1;
    rh_test_path(db, sizeof db, "dashboard-browser");
    snprintf(store, sizeof store, "sqlite:%s", db);
    sink_url(s, "/ok", ok, sizeof ok);
    sink_url(s, "/fail", bad, sizeof bad);
    sink_rule(s, "/fail", 500, 0, NULL, "{\"error\":\"down for maintenance\"}",
              -1);
    const char *args[] = {"dashboard", "--listen", "127.0.0.1:0", "--dev",
                          "--store",   store,      NULL};
    pid_t pid = start_server(args, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "node '%s' '%s' '%s' '%s' '%s' '%s' 2>&1", script,
             base, ok, bad, tool, store);
    RH_CHECK_EQ_INT(0, run_browser_script(cmd, out, sizeof out, pid, fd));
    RH_CHECK(strstr(out, "browser: ok") != NULL);
    /* the receiver got the event, signed with the secret the page showed;
     * the failing one got the first attempt and the resend's */
    browser_tally t;
    RH_CHECK_EQ_INT(0, tally_browser_run(s, out, "\"data\":{\"order\":42}", &t));
    RH_CHECK_EQ_INT(t.ok, t.holding);
    RH_CHECK_EQ_INT(1, t.verified);
    RH_CHECK_EQ_INT(2, t.failed);
    sink_stop(s);
}

const rh_test_case rh_tests_serve[] = {
    {"serve__dashboard_in_a_browser", test_serve__dashboard_in_a_browser},
    {"serve__listen_prints_verifies_and_answers",
     test_serve__listen_prints_verifies_and_answers},
    {"serve__worker_metrics", test_serve__worker_metrics},
    {"serve__dashboard_security", test_serve__dashboard_security},
    {NULL, NULL}};
