/* replicer-hooks dashboard: the operator's view of the store, which is the
 * customer portal's pages (the library's rh_portal_handle, cli_portal.h)
 * with the operator capability: every tenant's endpoints, deliveries and
 * attempts, resend and recover, edits. The tool keeps its own door in front
 * of them: loopback Host names only without a token, and the token (a
 * bearer header, or ?token= once, kept in a cookie) with one. Behind the
 * door the operator is signed in to the portal by a link this process
 * mints with a key of its own, made at start and never stored. */
#include "cli_portal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* where the portal sends a browser without a session, for a new one */
#define OPERATOR_LOGIN "/operator-login"

typedef struct dashboard {
    const char *token;   /* NULL: loopback, no token */
    char token_buf[256]; /* the token read from a file or the environment */
    char bound_host[48]; /* "127.0.0.1", "[::1]": the address listened on */
    unsigned port;
    const char *extra_hosts; /* --allow-host: "name,name" */
    cli_portal_site site;    /* the pages, with this process's key */
} dashboard;

/* Constant time: a token compare that leaks no prefix length. */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* Is name one of the comma-separated names in list? Exact, byte for byte:
 * browsers send the Host in lower case, and a near miss is a different
 * name that DNS may answer for. */
static int in_name_list(const char *list, const char *name, size_t len)
{
    while (list && *list) {
        size_t n = strcspn(list, ",");
        if (n == len && !memcmp(list, name, len))
            return 1;
        list += n + (list[n] == ',');
    }
    return 0;
}

/* The Host header of a request to a loopback dashboard without a token:
 * exactly the address it listens on, "localhost", or a name given with
 * --allow-host, and exactly its port (absent only on port 80). Anything
 * else is refused before any page or form: a page on a name rebound to
 * 127.0.0.1 ("127.evil.io", "localhost.evil.io") must not reach it. */
static int host_allowed(const dashboard *db, const char *host)
{
    if (!host)
        return 0;
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    if (n > strlen(host))
        return 0; /* "[::1" */
    const char *port = host + n;
    char want[16];
    snprintf(want, sizeof want, ":%u", db->port);
    if (strcmp(port, want) && !(!*port && db->port == 80))
        return 0;
    return (n == strlen(db->bound_host) && !memcmp(host, db->bound_host, n)) ||
           (n == 9 && !memcmp(host, "localhost", 9)) ||
           in_name_list(db->extra_hosts, host, n);
}

/* Who may talk to it. No token (loopback only): the Host must name the
 * loopback address exactly (host_allowed). A token: a bearer header, the
 * cookie, or ?token= once (which sets the cookie). */
static int allowed(const dashboard *db, struct MHD_Connection *c,
                   int *set_cookie)
{
    *set_cookie = 0;
    if (!db->token)
        return host_allowed(
            db, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"));
    /* ?token= first: even beside a good cookie it is redirected away, so
     * that it never stays in the address bar or reaches the pages */
    const char *q =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (q && same_secret(q, db->token)) {
        *set_cookie = 1;
        return 1;
    }
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncmp(auth, "Bearer ", 7) &&
        same_secret(auth + 7, db->token))
        return 1;
    const char *cookie =
        MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "rh_dashboard");
    return cookie && same_secret(cookie, db->token);
}

/* A request that may not come in: 421 for a Host that is not ours (the
 * address bar named something else), 403 for a missing token. */
static cli_mhd_result refuse_client(struct MHD_Connection *c,
                                    const dashboard *db)
{
    char msg[300];
    if (db->token)
        return cli_http_reply(c, 403, "text/plain",
                              "forbidden: give the dashboard's token\n", 38);
    int n = snprintf(msg, sizeof msg,
                     "misdirected: this dashboard answers only to "
                     "http://%s:%u/ and http://localhost:%u/ (--allow-host "
                     "adds a name)\n",
                     db->bound_host, db->port, db->port);
    return cli_http_reply(c, 421, "text/plain", msg, (size_t)n);
}

/* url if it is a path of this server ("/x"), else "/". */
static const char *local_path(const char *url)
{
    if (url[0] != '/' || url[1] == '/' || url[1] == '\\')
        return "/";
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "/";
    return url;
}

/* ?token= once: the cookie set, and the token dropped from the address
 * bar and history by a redirect to the same path of ours. */
static cli_mhd_result token_redirect(struct MHD_Connection *c,
                                     const dashboard *db, const char *url)
{
    char cookie[300];
    snprintf(cookie, sizeof cookie,
             "rh_dashboard=%s; HttpOnly; SameSite=Strict; Path=/", db->token);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Set-Cookie", cookie);
    /* our own path only: "//evil.example/" would be another site */
    MHD_add_response_header(resp, "Location", local_path(url));
    cli_http_secure_headers(resp);
    cli_mhd_result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* The operator's way in: a link for every tenant, signed with this
 * process's key and good for a minute, traded at once by the portal's
 * /login for its session cookie. The portal sends a browser here whenever
 * it has no session (its refresh URL). */
static cli_mhd_result operator_login(struct MHD_Connection *c,
                                     const dashboard *db)
{
    char token[RH_PORTAL_TOKEN_SIZE], location[RH_PORTAL_TOKEN_SIZE + 16];
    int rc = rh_portal_mint(db->site.key, sizeof db->site.key, NULL,
                            RH_PORTAL_VIEW | RH_PORTAL_MANAGE |
                                RH_PORTAL_RESEND | RH_PORTAL_OPERATOR,
                            (int64_t)time(NULL), 60, token, sizeof token);
    if (rc != RH_OK)
        return cli_http_reply(c, 500, "text/plain", "cannot sign in\n", 15);
    snprintf(location, sizeof location, "/login?token=%s", token);
    return cli_http_redirect(c, location);
}

static cli_mhd_result on_request(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **state)
{
    dashboard *db = cls;
    cli_http_upload *up = NULL;
    (void)version;
    if (!*state) { /* the headers are in: who may come in */
        int set_cookie = 0;
        if (!allowed(db, c, &set_cookie))
            return refuse_client(c, db);
        if (set_cookie)
            return token_redirect(c, db, url);
    }
    int step = cli_portal_body(state, data, data_size, &up);
    if (step <= 0)
        return step < 0 ? MHD_NO : MHD_YES;
    if ((up->len || up->too_large) &&
        (!strcmp(method, "GET") || !strcmp(method, "HEAD")))
        return cli_http_reply(c, 400, "text/plain",
                              "a GET or HEAD request has no body\n", 34);
    if (!strcmp(url, OPERATOR_LOGIN) && !strcmp(method, "GET"))
        return operator_login(c, db);
    return cli_portal_answer(&db->site, c, url, method, up);
}


/* The token: --token, else the first line of --token-file, else
 * $REPLICER_HOOKS_DASHBOARD_TOKEN (a file or the environment keep it out of
 * /proc/PID/cmdline, which every local user can read). */
static int take_token(cli_args *a, dashboard *db)
{
    const char *env = getenv("REPLICER_HOOKS_DASHBOARD_TOKEN");
    if (a->set[O_TOKEN]) {
        db->token = a->text[O_TOKEN];
    } else if (a->set[O_TOKEN_FILE]) {
        FILE *f = fopen(a->text[O_TOKEN_FILE], "r");
        char why[300];
        if (!f || !fgets(db->token_buf, sizeof db->token_buf, f)) {
            snprintf(why, sizeof why, "cannot read a token from %s: %s",
                     a->text[O_TOKEN_FILE], f ? "empty" : strerror(errno));
            if (f)
                fclose(f);
            return cli_bad(a, "--token-file", why);
        }
        fclose(f);
        db->token_buf[strcspn(db->token_buf, "\r\n")] = '\0';
        db->token = db->token_buf;
    } else if (env && *env) {
        snprintf(db->token_buf, sizeof db->token_buf, "%s", env);
        db->token = db->token_buf;
    }
    if (db->token && (strlen(db->token) < 16 || strlen(db->token) > 200 ||
                      strspn(db->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
                                        "mnopqrstuvwxyz0123456789-_.~") !=
                          strlen(db->token)))
        return cli_bad(a,
                       a->set[O_TOKEN] ? "--token"
                       : a->set[O_TOKEN_FILE]
                           ? "--token-file"
                           : "REPLICER_HOOKS_DASHBOARD_TOKEN",
                       "expected 16 to 200 letters, digits or -_.~");
    return 0;
}

static int run_dashboard(cli_args *a)
{
    dashboard db;
    cli_http_addr addr;
    char err[200];
    rh_ctx *probe = NULL;
    int rc;
    memset(&db, 0, sizeof db);
    db.site.args = a;
    db.site.base = "";
    db.site.refresh_url = OPERATOR_LOGIN;
    db.site.insecure_cookie = 1; /* it serves plain http */
    db.site.hide_authorization = 1;
    if ((rc = take_token(a, &db)) != 0)
        return rc;
    db.extra_hosts = a->set[O_ALLOW_HOST] ? a->text[O_ALLOW_HOST] : NULL;
    if (db.extra_hosts && (!*db.extra_hosts || strstr(db.extra_hosts, ",,") ||
                           db.extra_hosts[0] == ',' ||
                           db.extra_hosts[strlen(db.extra_hosts) - 1] == ','))
        return cli_bad(a, "--allow-host",
                       "host names, comma-separated, "
                       "none empty");
    const char *listen =
        a->set[O_LISTEN] ? a->text[O_LISTEN] : "127.0.0.1:8080";
    if (cli_http_parse_addr(listen, &addr) != 0)
        return cli_bad(a, "--listen",
                       "expected an address and port: 127.0.0.1:8080, "
                       "[::1]:8080, 0.0.0.0:8080");
    if (!addr.loopback && !db.token)
        return cli_bad(a, "--listen",
                       "not a loopback address: give --token T as well, so "
                       "that only those who know it get in");
    /* this process's portal key: random, in memory only, so that a
     * session of an earlier run (or another dashboard) opens nothing */
    if (cli_random_bytes(db.site.key, sizeof db.site.key) != 0) {
        fprintf(stderr, "%s dashboard: the random source failed\n", cli_prog);
        return EXIT_FAILED;
    }
    /* the store must open now, not at the first page */
    rc = cli_open(a, NULL, &probe);
    if (rc)
        return rc;
    rh_ctx_free(probe);
    /* cli_http_upload_done frees each request's body, however it ended */
    cli_http_server *d = cli_http_start(&addr, on_request, cli_http_upload_done,
                                        &db, err, sizeof err);
    if (!d)
        return cli_bad(a, "--listen", err);
    cli_catch_stop();
    char base[120];
    cli_http_base_url(&addr, d, base, sizeof base);
    db.port = cli_http_port(d);
    /* "http://127.0.0.1:8080" -> "127.0.0.1", what a browser puts in Host */
    snprintf(db.bound_host, sizeof db.bound_host, "%.*s",
             (int)(strrchr(base, ':') - (base + 7)), base + 7);
    printf("dashboard on %s/%s\n", base, db.token ? "?token=<your token>" : "");
    fflush(stdout);
    while (!cli_stop) {
        struct timespec tick = {0, 100 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    cli_http_stop(d);
    memset(db.site.key, 0, sizeof db.site.key);
    return 0;
}

static const cli_opt dashboard_opts[] = {
    {O_LISTEN, "--listen", K_TEXT, 0, 0, "ADDR",
     "where to listen (default 127.0.0.1:8080; port 0 picks one)"},
    {O_TOKEN, "--token", K_TEXT, 0, 0, "T",
     "required on a non-loopback address: ?token=T once, or a bearer header; "
     "every local user can read a command line, so prefer --token-file or "
     "$REPLICER_HOOKS_DASHBOARD_TOKEN"},
    {O_TOKEN_FILE, "--token-file", K_TEXT, 0, 0, "PATH",
     "the token, the first line of a file (kept out of the process list)"},
    {O_ALLOW_HOST, "--allow-host", K_TEXT, 0, 0, "NAMES",
     "without a token: also answer to these host names (comma-separated); "
     "otherwise only the address listened on and localhost"},
    CLI_OPT_DEV,
    CLI_OPT_ALLOW,
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_dashboard = {
    "dashboard",
    "[--listen 127.0.0.1:8080]",
    "the portal's pages for the operator: every tenant",
    "Serves the customer portal's pages (as `portal` does) signed in as the\n"
    "operator: every tenant's endpoints with their state and health; add\n"
    "one for a tenant (its secret shown once), edit, disable, pause,\n"
    "rotate, delete; each endpoint's deliveries, filtered and paged; each\n"
    "delivery's attempts, request and response; resend, recover and test\n"
    "events.\n"
    "Loopback only unless a token is given (--token, --token-file or\n"
    "$REPLICER_HOOKS_DASHBOARD_TOKEN). Without one, a request whose Host\n"
    "is not the address listened on or localhost is refused (421), so a\n"
    "web page on a name rebound to 127.0.0.1 cannot reach it.",
    {NULL},
    0,
    0,
    dashboard_opts,
    run_dashboard};
