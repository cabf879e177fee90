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

/* The dashboard is the portal's pages for the operator, behind its own
 * door: loopback Host only without a token; a session only through the
 * door; POSTs only from its own origin; markup escaped; an operator adds
 * an endpoint for an account; a non-loopback address needs a token. */
static void test_serve__dashboard_security(void)
{
    char db[128], store[160], base[128], url[2048], form[512], out[4096],
        cookie[1200], session[1300], origin[200], location[256], flash[600],
        both[2000];
    int fd = -1;
    reply r;
    rh_test_path(db, sizeof db, "dashboard-rules");
    snprintf(store, sizeof store, "sqlite:%s", db);
    const char *args[] = {"dashboard", "--listen", "127.0.0.1:0", "--dev",
                          "--store",   store,      NULL};
    pid_t pid = start_server(args, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/", base);
    /* no session yet: to the door's sign-in, never a page */
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    reply_header(&r, "Location", location, sizeof location, 0);
    RH_CHECK_EQ_STR("/operator-login", location);
    /* another name for 127.0.0.1 (DNS rebinding), on every path */
    const char *rebound[] = {"Host: attacker.example", NULL};
    RH_CHECK_EQ_INT(421, http(url, NULL, rebound, &r));
    snprintf(url, sizeof url, "%s/operator-login", base);
    RH_CHECK_EQ_INT(421, http(url, NULL, rebound, &r));
    RH_CHECK_EQ_INT(0, dashboard_session(base, NULL, cookie, sizeof cookie));
    snprintf(session, sizeof session, "Cookie: %s", cookie);
    const char *mine[] = {session, NULL};
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, mine, &r));
    RH_CHECK(strstr(r.body, "operator: every account") != NULL);
    RH_CHECK(strstr(r.headers, "Content-Security-Policy: default-src 'none'") !=
             NULL);

    /* an add from another site, or with no session: refused, none added */
    snprintf(url, sizeof url, "%s/endpoints/new", base);
    snprintf(form, sizeof form,
             "url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fa&"
             "events_text=a&account=acct_9");
    const char *evil[] = {session, "Origin: http://attacker.example", NULL};
    RH_CHECK_EQ_INT(403, http(url, form, evil, &r));
    RH_CHECK(strstr(r.body, "cross-site request refused") != NULL);
    const char *cross[] = {session, "Sec-Fetch-Site: cross-site", NULL};
    RH_CHECK_EQ_INT(403, http(url, form, cross, &r));
    RH_CHECK_EQ_INT(403, http(url, form, mine, &r)); /* no Origin at all */
    snprintf(origin, sizeof origin, "Origin: %s", base);
    const char *no_session[] = {origin, NULL};
    RH_CHECK(http(url, form, no_session, &r) != 200 &&
             strstr(r.body, "whsec_") == NULL);
    RH_CHECK_EQ_INT(0, count_endpoints(store));

    /* from its own page: added for the account named, the secret shown
     * once; markup in the URL is escaped wherever it is shown */
    const char *own[] = {session, origin, NULL};
    snprintf(form, sizeof form,
             "url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2F%%22%%3E%%3Cscript%%"
             "3Ealert(1)%%3C%%2Fscript%%3E&events_text=a.b&account=acct_9");
    RH_CHECK_EQ_INT(303, http(url, form, own, &r));
    reply_header(&r, "Location", location, sizeof location, 0);
    reply_header(&r, "Set-Cookie", flash, sizeof flash, 1);
    snprintf(both, sizeof both, "Cookie: %s; %s", cookie, flash);
    const char *with_flash[] = {both, NULL};
    snprintf(url, sizeof url, "%s%s", base, location);
    RH_CHECK_EQ_INT(200, http(url, NULL, with_flash, &r));
    RH_CHECK(strstr(r.body, "whsec_") != NULL);
    RH_CHECK_EQ_INT(200, http(url, NULL, mine, &r)); /* a reload: gone */
    RH_CHECK(strstr(r.body, "whsec_") == NULL);
    RH_CHECK_EQ_INT(1, count_endpoints(store));
    const char *list[] = {"endpoint", "list", "--tenant", "acct_9",
                          "--store",  store,  NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(list, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "acct_9") != NULL);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, mine, &r));
    RH_CHECK(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    RH_CHECK(strstr(r.body, "<script>alert") == NULL);
    /* bad input on the form: the page says why, nothing added */
    snprintf(url, sizeof url, "%s/endpoints/new", base);
    RH_CHECK_EQ_INT(400, http(url, "url=ftp%3A%2F%2Fx&events_text=a", own, &r));
    RH_CHECK(strstr(r.body, "id=\"error\"") != NULL);
    RH_CHECK_EQ_INT(1, count_endpoints(store));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));

    /* a session of an earlier run opens nothing: each run has its key */
    pid = start_server(args, "dashboard on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(303, http(url, NULL, mine, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));

    /* beyond loopback only with a token */
    const char *open_[] = {"dashboard", "--listen", "0.0.0.0:0",
                           "--store",   store,      NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(open_, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--token") != NULL);
    const char *short_token[] = {"dashboard", "--token", "abc",
                                 "--store",   store,     NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(short_token, NULL, out, sizeof out));
    /* an empty name would let a request with an empty Host in */
    const char *empty_name[] = {"dashboard", "--allow-host", "hooks.test,",
                                "--store",   store,          NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(empty_name, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "--allow-host") != NULL);
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
    snprintf(url, sizeof url, "%s/operator-login", base);
    RH_CHECK_EQ_INT(403, http(url, NULL, NULL, &r)); /* no way in around it */
    const char *wrong[] = {"Authorization: Bearer tok-0123456789abcdeX", NULL};
    RH_CHECK_EQ_INT(403, http(url, NULL, wrong, &r));
    const char *right[] = {"Authorization: Bearer tok-0123456789abcdef", NULL};
    RH_CHECK_EQ_INT(0, dashboard_session(base, right, cookie, sizeof cookie));
    /* the door's bearer token is the door's: the portal behind it never
     * takes it for a token of its own, so the session's pages and API
     * answer beside it */
    snprintf(session, sizeof session, "Cookie: %s", cookie);
    const char *bearer_and_session[] = {right[0], session, NULL};
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, bearer_and_session, &r));
    snprintf(url, sizeof url, "%s/api/v1/endpoints", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, bearer_and_session, &r));
    snprintf(url, sizeof url, "%s/?token=tok-0123456789abcdef", base);
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.headers,
                    "Set-Cookie: rh_dashboard=tok-0123456789abcdef; HttpOnly; "
                    "SameSite=Strict") != NULL);
    const char *door[] = {"Cookie: rh_dashboard=tok-0123456789abcdef", NULL};
    RH_CHECK_EQ_INT(0, dashboard_session(base, door, cookie, sizeof cookie));
    /* the portal's session alone does not pass the door */
    snprintf(session, sizeof session, "Cookie: %s", cookie);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(403, http(url, NULL, mine, &r));
    snprintf(both, sizeof both, "Cookie: rh_dashboard=tok-0123456789abcdef; %s",
             cookie);
    const char *inside[] = {both, NULL};
    RH_CHECK_EQ_INT(200, http(url, NULL, inside, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
}

/* The operator's dashboard in a real browser (Debian's Chromium, driven by
 * playwright-core from tests/browser/dashboard.mjs): signed in through the
 * door, endpoints added for two accounts with their secrets shown once,
 * the host's events seen delivered with their attempts, a failed one
 * resent. What the receiver got is checked here: signed with the secret
 * the page showed. */
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
