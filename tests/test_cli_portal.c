/* The tool's portal: portal link prints a link that portal serves; the
 * link opens a session (a cookie, then a redirect) that shows one tenant's
 * endpoints; another tenant's id answers 404; a forged link is refused;
 * bad options exit 2. */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    const char *set = strstr(r.headers, "Set-Cookie: ");
    RH_CHECK(set != NULL);
    RH_CHECK(strstr(set, "HttpOnly; SameSite=Strict") != NULL);
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(set + 12, ";"),
             set + 12);
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

const rh_test_case rh_tests_cli_portal[] = {
    {"cli_portal__link_opens_one_tenants_portal",
     test_cli_portal__link_opens_one_tenants_portal},
    {NULL, NULL}};
