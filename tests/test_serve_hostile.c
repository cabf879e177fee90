/* The tool's servers and arguments under attack, run as separate processes
 * on loopback: a dashboard reached through a rebound host name, servers
 * flooded with idle connections, a token kept out of the process list, an
 * open redirect, bodies where none belong, terminal escapes through listen,
 * and time arguments that used to overflow. */
#include "backends.h"
#include "rh_test.h"
#include "serve_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "tok-0123456789abcdef"
#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

static pid_t start_dashboard(const char *stem, const char *const *extra,
                             char *store, size_t store_size, char *base,
                             size_t size, int *fd)
{
    char db[128];
    const char *args[16] = {"dashboard", "--listen", "127.0.0.1:0", "--dev",
                            "--store"};
    size_t n = 5;
    rh_test_path(db, sizeof db, stem);
    snprintf(store, store_size, "sqlite:%s", db);
    args[n++] = store;
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return start_server(args, "dashboard on ", base, size, fd);
}

/* Without a token only the exact loopback literal, localhost or a name
 * given with --allow-host, on the bound port, gets a page; every other Host
 * (a rebound name, a look-alike) is refused before any page or form, and
 * a rebound page's POST adds nothing. */
static void test_serve_hostile__dashboard_refuses_rebound_hosts(void)
{
    char store[160], base[128], url[192], host[160], form[256];
    int fd = -1;
    reply r;
    const char *extra[] = {"--allow-host", "hooks.test", NULL};
    pid_t pid = start_dashboard("rebind", extra, store, sizeof store, base,
                                sizeof base, &fd);
    RH_CHECK(pid > 0);
    const char *port = strrchr(base, ':') + 1;
    const char *bad[] = {
        "127.evil.io:%s",     "127.0.0.1.evil.io:%s", "[::1].evil.io:%s",
        "localhost.evil.io:%s", "127.EVIL.IO:%s",     "LOCALHOST:%s",
        "localhost.:%s",      "127.0.0.1.:%s",        "127.0.0.1",
        "localhost",          "127.0.0.1:1%s",        "localhost:9",
        "127.0.0.2:%s",       "[::1]:%s",             "127.1:%s",
        "2130706433:%s",      "127.0.0.1:%s:%s",      "hooks.test.evil.io:%s",
        "evil.io:%s",         "127.0.0.1:+%s"};
    snprintf(url, sizeof url, "%s/", base);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char value[140];
        snprintf(value, sizeof value, bad[i], port, port);
        snprintf(host, sizeof host, "Host: %s", value);
        const char *h[] = {host, NULL};
        long status = http(url, NULL, h, &r);
        if (status != 421 && status != 400)
            fprintf(stderr, "    Host %s answered %ld\n", value, status);
        RH_CHECK(status == 421 || status == 400);
        RH_CHECK(strstr(r.body, "csrf") == NULL);
    }
    /* a rebound page's form post: refused at the door, nothing added */
    snprintf(url, sizeof url, "%s/endpoints/new", base);
    snprintf(form, sizeof form,
             "url=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fa&events_text=*");
    snprintf(host, sizeof host, "Host: 127.evil.io:%s", port);
    char origin[180];
    snprintf(origin, sizeof origin, "Origin: http://127.evil.io:%s", port);
    const char *rebound[] = {host, origin, NULL};
    RH_CHECK_EQ_INT(421, http(url, form, rebound, &r));
    RH_CHECK_EQ_INT(0, count_endpoints(store));
    /* what a browser at the real address sends passes the door: the
     * operator is signed in to the portal's pages */
    snprintf(url, sizeof url, "%s/operator-login", base);
    const char *good[] = {"127.0.0.1:%s", "localhost:%s", "hooks.test:%s"};
    for (size_t i = 0; i < 3; i++) {
        char value[140];
        snprintf(value, sizeof value, good[i], port);
        snprintf(host, sizeof host, "Host: %s", value);
        const char *h[] = {host, NULL};
        RH_CHECK_EQ_INT(303, http(url, NULL, h, &r));
        RH_CHECK(strstr(r.headers, "\nLocation: /login?token=") != NULL);
    }
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
}

/* Open n connections that send half a request and stop; -1 on failure. */
static int open_idle(const char *base, int *fds, int n)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(strrchr(base, ':') + 1));
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fds[i] < 0 ||
            connect(fds[i], (struct sockaddr *)&sa, sizeof sa) != 0) {
            fprintf(stderr, "    idle connection %d failed\n", i);
            return -1;
        }
        (void)!write(fds[i], "GET / HTTP/1.1\r\nHost: x", 23);
    }
    return 0;
}

/* 500 idle connections against one server, then a real request: answered
 * with want within 1 s. */
static int idle_flood_then_request(const char *base, const char *path,
                                   const char *const *headers, long want)
{
    static int fds[500];
    char url[256];
    reply r;
    int rc = open_idle(base, fds, 500);
    snprintf(url, sizeof url, "%s%s", base, path);
    int64_t t0 = rh_test_mono_ms();
    long status = rc == 0 ? http(url, NULL, headers, &r) : -1;
    int64_t took = rh_test_mono_ms() - t0;
    for (int i = 0; i < 500; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    fprintf(stderr, "    %s: 500 idle, then %s answered %ld in %lld ms\n",
            base, path, status, (long long)took);
    int limit = getenv("RH_TEST_VALGRIND") ? 5000 : 1000;
    return status == want && took <= limit ? 0 : -1;
}

static void test_serve_hostile__servers_survive_idle_connections(void)
{
    char base[128], store[160], bearer[80];
    int fd = -1;
    const char *listen[] = {"listen", NULL};
    pid_t pid = start_server(listen, "listening on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    RH_CHECK_EQ_INT(0, idle_flood_then_request(base, "/in", NULL, 200));
    stop_server(pid, fd);

    const char *worker[] = {"worker", "--metrics", "127.0.0.1:0", "--store",
                            store, NULL};
    char db[128];
    rh_test_path(db, sizeof db, "idle-worker");
    snprintf(store, sizeof store, "sqlite:%s", db);
    pid = start_server(worker, "metrics on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    RH_CHECK_EQ_INT(0, idle_flood_then_request(base, "/metrics", NULL, 200));
    stop_server(pid, fd);

    pid = start_dashboard("idle-dash", NULL, store, sizeof store, base,
                          sizeof base, &fd);
    RH_CHECK(pid > 0);
    /* past the door: the portal's redirect to the operator's sign-in */
    RH_CHECK_EQ_INT(0, idle_flood_then_request(base, "/", NULL, 303));
    stop_server(pid, fd);

    /* with a token, where the flood needs no token at all */
    const char *tok[] = {"--token", TOKEN, NULL};
    pid = start_dashboard("idle-dash-token", tok, store, sizeof store, base,
                          sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", TOKEN);
    const char *auth[] = {bearer, NULL};
    RH_CHECK_EQ_INT(0, idle_flood_then_request(base, "/", auth, 303));
    stop_server(pid, fd);
}

/* Headers sent a byte a second hold a place no longer than the deadline:
 * the server closes the connection (read returns 0) within about 10 s. */
static void test_serve_hostile__slow_headers_meet_a_deadline(void)
{
    char base[128];
    int fd = -1, sock;
    const char *listen[] = {"listen", NULL};
    pid_t pid = start_server(listen, "listening on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    RH_CHECK_EQ_INT(0, open_idle(base, &sock, 1));
    fcntl(sock, F_SETFL, O_NONBLOCK);
    int64_t t0 = rh_test_mono_ms(), closed_at = -1;
    while (rh_test_mono_ms() - t0 < 20000 && closed_at < 0) {
        char ch;
        (void)!write(sock, "x", 1); /* one more byte of a header name */
        for (int i = 0; i < 10 && closed_at < 0; i++) {
            ssize_t got = read(sock, &ch, 1);
            if (got == 0 || (got < 0 && errno != EAGAIN))
                closed_at = rh_test_mono_ms() - t0;
            usleep(100000);
        }
    }
    close(sock);
    fprintf(stderr, "    slow headers: closed after %lld ms\n",
            (long long)closed_at);
    RH_CHECK(closed_at >= 9000 && closed_at <= 13000);
    stop_server(pid, fd);
}

/* A token from a file or the environment never shows in the process list;
 * ?token= redirects to our own path only; text replies carry the security
 * headers; a GET with a body is answered, not dropped. */
static void test_serve_hostile__dashboard_token_redirect_and_replies(void)
{
    char store[160], base[128], url[256], file[160], cmdline[4096];
    int fd = -1;
    reply r;
    rh_test_path(file, sizeof file, "dash-token");
    int tf = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    RH_CHECK(tf >= 0);
    RH_CHECK_EQ_INT(21, (int)write(tf, TOKEN "\n", 21));
    close(tf);
    const char *extra[] = {"--token-file", file, NULL};
    pid_t pid = start_dashboard("dash-tokfile", extra, store, sizeof store,
                                base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "/proc/%d/cmdline", (int)pid);
    int cf = open(url, O_RDONLY);
    ssize_t n = cf >= 0 ? read(cf, cmdline, sizeof cmdline - 1) : -1;
    if (cf >= 0)
        close(cf);
    RH_CHECK(n > 0);
    for (ssize_t i = 0; i < n; i++)
        cmdline[i] = cmdline[i] ? cmdline[i] : ' '; /* NUL between args */
    cmdline[n] = '\0';
    RH_CHECK(strstr(cmdline, "--token-file") != NULL);
    RH_CHECK(strstr(cmdline, TOKEN) == NULL);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(403, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.headers, "X-Frame-Options: DENY") != NULL);
    RH_CHECK(strstr(r.headers, "Content-Security-Policy:") != NULL);
    /* ?token= sets the cookie and sends us to our own path, never away */
    snprintf(url, sizeof url, "%s//evil.example/?token=%s", base, TOKEN);
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.headers, "Location: /\r\n") != NULL);
    RH_CHECK(strstr(r.headers, "evil.example") == NULL);
    snprintf(url, sizeof url, "%s/endpoints/x?token=%s", base, TOKEN);
    RH_CHECK_EQ_INT(303, http(url, NULL, NULL, &r));
    RH_CHECK(strstr(r.headers, "Location: /endpoints/x\r\n") != NULL);
    /* beside a good cookie too: the token never stays in the address */
    char door[120];
    snprintf(door, sizeof door, "Cookie: rh_dashboard=%s", TOKEN);
    const char *with_cookie[] = {door, NULL};
    RH_CHECK_EQ_INT(303, http(url, NULL, with_cookie, &r));
    RH_CHECK(strstr(r.headers, "Location: /endpoints/x\r\n") != NULL);
    char bearer[80];
    snprintf(bearer, sizeof bearer, "Authorization: Bearer %s", TOKEN);
    const char *auth[] = {bearer, NULL};
    snprintf(url, sizeof url, "%s/assets/portal.css", base);
    RH_CHECK_EQ_INT(200, http(url, NULL, auth, &r));
    RH_CHECK(strstr(r.headers, "X-Content-Type-Options: nosniff") != NULL);
    RH_CHECK(strstr(r.headers, "frame-ancestors 'none'") != NULL);
    /* a form too large: 413, with the headers too */
    static char big[1100 * 1024]; /* over the portal's limit of 64 KiB */
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "url=", 4);
    snprintf(url, sizeof url, "%s/endpoints/new", base);
    RH_CHECK_EQ_INT(413, http(url, big, auth, &r));
    RH_CHECK(strstr(r.headers, "Content-Security-Policy:") != NULL);
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));

    /* the environment, and a GET with a 100 KB body */
    setenv("REPLICER_HOOKS_DASHBOARD_TOKEN", TOKEN, 1);
    pid = start_dashboard("dash-tokenv", NULL, store, sizeof store, base,
                          sizeof base, &fd);
    unsetenv("REPLICER_HOOKS_DASHBOARD_TOKEN");
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/", base);
    RH_CHECK_EQ_INT(403, http(url, NULL, NULL, &r));
    RH_CHECK_EQ_INT(303, http(url, NULL, auth, &r)); /* to the sign-in */
    RH_CHECK_EQ_INT(400, http_get_with_body(url, big, 100 * 1024, auth, &r));
    RH_CHECK(strstr(r.body, "no body") != NULL);
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
}

/* listen prints what a sender controls (path, headers, a non-JSON body)
 * with control bytes escaped, so nothing reaches the terminal as an escape
 * sequence; --save keeps each request's exact bytes, which verify accepts. */
static void test_serve_hostile__listen_escapes_and_saves_exact_bytes(void)
{
    char dir[128], base[128], url[256], out[16384], sig[RH_SIGNATURE_SIZE],
        ts[24], h_id[64], h_ts[64], h_sig[160], body_path[192];
    static const char body[] =
        "\x1b[2Jcleared\x1b]0;title\x07 \\ \xc2\x9b"
        "2J end"; /* C0 and C1 (U+009B, CSI) controls */
    int fd = -1;
    reply r;
    char victim[160], planted[200];
    rh_test_path(dir, sizeof dir, "listen-save");
    RH_CHECK(mkdir(dir, 0700) == 0);
    /* a file of the first name is there already, a link to another file:
     * neither followed nor overwritten, the numbering goes on after it */
    rh_test_path(victim, sizeof victim, "listen-victim");
    FILE *v = fopen(victim, "w");
    RH_CHECK(v != NULL);
    fputs("keep me", v);
    fclose(v);
    snprintf(planted, sizeof planted, "%s/request-1.body", dir);
    RH_CHECK_EQ_INT(0, symlink(victim, planted));
    const char *args[] = {"listen", "--save", dir, "--secret", SECRET, NULL};
    pid_t pid = start_server(args, "listening on ", base, sizeof base, &fd);
    RH_CHECK(pid > 0);
    snprintf(url, sizeof url, "%s/x%%1b]0;pwned%%07", base);
    const char *evil[] = {"webhook-id: msg_\x1b[2J", NULL};
    RH_CHECK_EQ_INT(200, http(url, body, evil, &r));
    /* a signed delivery whose body is not JSON */
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    RH_CHECK_EQ_INT(RH_OK, rh_sign(SECRET, "msg_raw", atoll(ts), body,
                                   strlen(body), sig, sizeof sig));
    snprintf(h_id, sizeof h_id, "webhook-id: msg_raw");
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
    const char *signed_h[] = {h_id, h_ts, h_sig, NULL};
    snprintf(url, sizeof url, "%s/in", base);
    RH_CHECK_EQ_INT(200, http(url, body, signed_h, &r));
    RH_CHECK_EQ_INT(0, rh_test_read_until(fd, "request-3.body", out,
                                          sizeof out, 10000));
    RH_CHECK(strchr(out, 0x1b) == NULL && strchr(out, 0x07) == NULL);
    RH_CHECK(strstr(out, "\xc2\x9b") == NULL); /* never raw */
    RH_CHECK(strstr(out, "\\xc2\\x9b" "2J") != NULL);
    RH_CHECK(strstr(out, "/x\\x1b]0;pwned\\x07") != NULL);
    RH_CHECK(strstr(out, "webhook-id: msg_\\x1b[2J") != NULL);
    RH_CHECK(strstr(out, "\\x1b[2Jcleared") != NULL);
    RH_CHECK(strstr(out, "signature: valid") != NULL);
    RH_CHECK_EQ_INT(0, stop_server(pid, fd));
    /* the saved body is the sent bytes, and verifies as sent */
    FILE *kept = fopen(victim, "r");
    RH_CHECK(kept != NULL);
    RH_CHECK(fgets(out, sizeof out, kept) != NULL);
    fclose(kept);
    RH_CHECK_EQ_STR("keep me", out);
    snprintf(body_path, sizeof body_path, "%s/request-3.body", dir);
    FILE *f = fopen(body_path, "rb");
    RH_CHECK(f != NULL);
    size_t got = fread(out, 1, sizeof out, f);
    fclose(f);
    RH_CHECK_EQ_INT((long long)strlen(body), (long long)got);
    RH_CHECK(memcmp(out, body, got) == 0);
    const char *verify[] = {"verify",      "--secret",  SECRET,
                            "--id",        "msg_raw",   "--timestamp",
                            ts,            "--signature", sig,
                            "--body-file", body_path, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(verify, NULL, out, sizeof out));
    RH_CHECK_EQ_STR("valid\n", out);
}

/* --since and --until: huge numbers and durations are refused (exit 2),
 * not wrapped into "everything"; impossible dates are refused, not
 * normalised; RFC 3339 offsets and fractions mean what they say. */
static void test_serve_hostile__time_arguments_are_strict(void)
{
    char db[128], store[160], out[4096];
    rh_test_path(db, sizeof db, "strict-time");
    snprintf(store, sizeof store, "sqlite:%s", db);
    const char *bad[] = {"9223372036854775807", "253402300800",
                         "99999999d",           "1e3",
                         "-5",                  "2026-13-45T99:99:99Z",
                         "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                         "2026-11-27T24:00:00Z", "2026-11-27T05:00:00",
                         "2026-11-27T05:00:00+24:00", "2026-11-27T05:00:00.Z",
                         "2026-11-27 05:00:00Z", " 24h",
                         "24 h",                "0x10",
                         "inf",                 ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *log[] = {"log", "--since", bad[i], "--store", store, NULL};
        int rc = rh_test_tool_run(log, NULL, out, sizeof out);
        if (rc != 2)
            fprintf(stderr, "    --since \"%s\": exit %d\n", bad[i], rc);
        RH_CHECK_EQ_INT(2, rc);
        RH_CHECK(strstr(out, "--since") != NULL);
    }
    const char *huge_recover[] = {"recover", "--since", "9223372036854775807",
                                  "--store", store, NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(huge_recover, NULL, out, sizeof out));
    /* 07:00+02:00 is 05:00Z: an --until a second before it is before
     * --since 05:00Z, and one a second after is not */
    const char *before[] = {"log",     "--since", "2026-11-27T05:00:00Z",
                            "--until", "2026-11-27T06:59:59+02:00",
                            "--store", store,     NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(before, NULL, out, sizeof out));
    RH_CHECK(strstr(out, "is before --since") != NULL);
    const char *after[] = {"log",     "--since", "2026-11-27T05:00:00Z",
                           "--until", "2026-11-27T07:00:01+02:00",
                           "--store", store,     NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(after, NULL, out, sizeof out));
    /* a fraction counts: 05:00:00.5 is after 05:00:00 */
    const char *frac[] = {"log",     "--since", "2026-11-27T05:00:00.5Z",
                          "--until", "2026-11-27T05:00:00Z",
                          "--store", store,     NULL};
    RH_CHECK_EQ_INT(2, rh_test_tool_run(frac, NULL, out, sizeof out));
    const char *leap[] = {"log", "--since", "2028-02-29T23:59:59.999-00:30",
                          "--store", store, NULL};
    RH_CHECK_EQ_INT(0, rh_test_tool_run(leap, NULL, out, sizeof out));
}

const rh_test_case rh_tests_serve_hostile[] = {
    {"serve_hostile__dashboard_refuses_rebound_hosts",
     test_serve_hostile__dashboard_refuses_rebound_hosts},
    {"serve_hostile__servers_survive_idle_connections",
     test_serve_hostile__servers_survive_idle_connections},
    {"serve_hostile__slow_headers_meet_a_deadline",
     test_serve_hostile__slow_headers_meet_a_deadline},
    {"serve_hostile__dashboard_token_redirect_and_replies",
     test_serve_hostile__dashboard_token_redirect_and_replies},
    {"serve_hostile__listen_escapes_and_saves_exact_bytes",
     test_serve_hostile__listen_escapes_and_saves_exact_bytes},
    {"serve_hostile__time_arguments_are_strict",
     test_serve_hostile__time_arguments_are_strict},
    {NULL, NULL}};
