/* The tool's portal: portal link prints a link that portal serves; the
 * link opens a session (a cookie, then a redirect) that shows one tenant's
 * endpoints; another tenant's id answers 404; a forged link is refused;
 * bad options exit 2. And the seed's flow in headless Chromium. */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN(code, ...)                                                         \
    do {                                                                       \
        const char *args_[] = {__VA_ARGS__, NULL};                             \
        RH_CHECK_EQ_INT(code, rh_test_tool_run(args_, NULL, out, sizeof out)); \
    } while (0)

static void test_cli_portal__link_opens_one_tenants_portal(void)
{
    char path[128], store[160], keyf[160], out[8192], base[128], url[2600],
        link[2200], a[64], b[64], sec[128], cookie[1300], hdr[1400];
    int fd = -1;
    reply r;
    rh_test_path(path, sizeof path, "cli-portal");
    rh_test_path(keyf, sizeof keyf, "portal.key");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RUN(0, "endpoint", "add", "http://127.0.0.1:9/a", "--events", "*",
        "--tenant", "acct_a", "--dev", "--store", store);
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", a, sec));
    RUN(0, "endpoint", "add", "http://127.0.0.1:9/b", "--events", "*",
        "--tenant", "acct_b", "--dev", "--store", store);
    RH_CHECK_EQ_INT(2, sscanf(out, "%63s %127s", b, sec));
    const char *args[] = {"portal", "--listen", "127.0.0.1:0",
                          "--portal-key-file", keyf, "--base", "/webhooks",
                          "--dev", "--store", store, NULL};
    pid_t pid = start_server(args, "portal on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    char *slash = strstr(base + 7, "/"); /* "http://host:port/webhooks/" */
    if (slash)
        *slash = '\0';
    RUN(0, "portal", "link", "--tenant", "acct_a", "--portal-key-file", keyf,
        "--base", "/webhooks");
    RH_CHECK_EQ_INT(1, sscanf(strstr(out, "/webhooks/login"), "%2199s", link));
    RH_CHECK(strncmp(link, "/webhooks/login?token=ey", 24) == 0);
    snprintf(url, sizeof url, "%s%s", base, link);
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    reply_header(&r, "Set-Cookie", hdr, sizeof hdr, 0);
    RH_CHECK(strstr(hdr, "HttpOnly; SameSite=Strict") != NULL);
    reply_header(&r, "Set-Cookie", cookie, sizeof cookie, 1);
    RH_CHECK(cookie[0] != '\0');
    snprintf(hdr, sizeof hdr, "Cookie: %s", cookie);
    const char *h[] = {hdr, NULL};
    snprintf(url, sizeof url, "%s/webhooks/api/v1/endpoints", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, h, &r));
    RH_CHECK(strstr(r.body, a) != NULL && strstr(r.body, b) == NULL);
    snprintf(url, sizeof url, "%s/webhooks/api/v1/endpoints/%s", base, b);
    RH_CHECK_EQ_INT(404, http(url, NULL, h, &r));
    /* a link signed with another key: refused */
    char other[160];
    rh_test_path(other, sizeof other, "other.key");
    RUN(0, "portal", "link", "--tenant", "acct_a", "--portal-key-file", other);
    RH_CHECK(strstr(out, "made a portal key") != NULL); /* on first use */
    RH_CHECK(strstr(out, "/login?token=") != NULL);
    RH_CHECK_EQ_INT(1, sscanf(strstr(out, "/login?token="), "/login?token=%2000s",
                              link));
    snprintf(url, sizeof url, "%s/webhooks/login?token=%s", base, link);
    RH_CHECK_EQ_INT(401, http(url, NULL, NULL, &r));
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
    /* bad options */
    RUN(2, "portal", "link", "--portal-key-file", keyf);
    RH_CHECK(strstr(out, "--tenant") != NULL);
    RUN(2, "portal", "link", "--tenant", "acct_a", "--portal-key-file", keyf,
        "--can", "admin");
    RUN(2, "portal", "link", "--tenant", "two words", "--portal-key-file",
        keyf);
    RUN(2, "portal", "--base", "nope/", "--portal-key-file", keyf, "--store",
        store);
}

/* The seed's whole flow in a real browser (Debian's Chromium, driven by
 * playwright-core from tests/browser/portal.mjs) for two tenants with
 * their own links, against the tool's portal and worker on one store; the
 * receiver's requests are checked here: signed with the secret the page
 * showed once. Screenshots of each page go to build/portal-shots. */
static void test_cli_portal__seed_flow_in_a_browser(void)
{
    const char *dir = getenv("RH_BROWSER_DIR"), *chromium = getenv("RH_CHROMIUM");
    char script[256], modules[256], path[128], store[160], keyf[160],
        out[8192], base[128], tool[512], ok[128], bad[128], shots[300];
    char link_a[2300], link_b[2300], expired[2300], cmd[12000];
    const char *refresh = "https://app.example/settings/webhooks";
    snprintf(script, sizeof script, "%s/portal.mjs",
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
    sink_url(s, "/ok", ok, sizeof ok);
    sink_url(s, "/fail", bad, sizeof bad);
    sink_rule(s, "/fail", 500, 0, NULL, "{\"error\":\"down\"}", -1);
    rh_test_path(path, sizeof path, "portal-browser");
    rh_test_path(keyf, sizeof keyf, "portal-browser.key");
    snprintf(store, sizeof store, "sqlite:%s", path);
    RUN(0, "event-type", "add", "order.paid", "--group", "Orders",
        "--description", "An order was paid", "--example",
        "{\"order\":\"o_example\"}", "--store", store);
    const char *args[] = {"portal", "--listen", "127.0.0.1:0",
                          "--portal-key-file", keyf, "--base", "/webhooks",
                          "--refresh-url", refresh, "--dev", "--store", store,
                          NULL};
    int fd = -1;
    pid_t pid = start_server(args, "portal on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    char *slash = strchr(base + 7, '/'); /* "http://127.0.0.1:P[/...]" */
    if (slash)
        *slash = '\0';
    strncat(base, "/webhooks", sizeof base - strlen(base) - 1);
    RUN(0, "portal", "link", "--tenant", "acct_a", "--portal-key-file", keyf,
        "--base", base, "--can", "manage,resend");
    RH_CHECK_EQ_INT(1, sscanf(out, "%2299s", link_a));
    RUN(0, "portal", "link", "--tenant", "acct_b", "--portal-key-file", keyf,
        "--base", base, "--can", "manage");
    RH_CHECK_EQ_INT(1, sscanf(out, "%2299s", link_b));
    RUN(0, "portal", "link", "--tenant", "acct_a", "--portal-key-file", keyf,
        "--base", base, "--ttl", "1s");
    RH_CHECK_EQ_INT(1, sscanf(out, "%2299s", expired));
    snprintf(shots, sizeof shots, "mkdir -p build/portal-shots");
    RH_CHECK_EQ_INT(0, system(shots));
    RH_CHECK(realpath("build/portal-shots", shots) != NULL);
    usleep(1100 * 1000); /* the 1 s link expires */
    snprintf(cmd, sizeof cmd,
             "node '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' '%s' "
             "2>&1",
             script, base, link_a, link_b, expired, refresh, ok, bad, tool,
             store, shots);
    RH_CHECK_EQ_INT(0, run_browser_script(cmd, out, sizeof out, pid, fd));
    RH_CHECK(strstr(out, "browser: ok") != NULL);
    /* the event and the test event reached the receiver, signed with the
     * secret the page showed; the failing one got the first attempt, the
     * resend's and the recovery's */
    browser_tally t;
    RH_CHECK_EQ_INT(0, tally_browser_run(s, out, NULL, &t));
    RH_CHECK_EQ_INT(2, t.verified);
    RH_CHECK_EQ_INT(3, t.failed);
    sink_stop(s);
}

const rh_test_case rh_tests_cli_portal[] = {
    {"cli_portal__link_opens_one_tenants_portal",
     test_cli_portal__link_opens_one_tenants_portal},
    {"cli_portal__seed_flow_in_a_browser",
     test_cli_portal__seed_flow_in_a_browser},
    {NULL, NULL}};
