/* replicer-hooks dashboard: server-rendered pages over a store's endpoints and
 * delivery log, with the add/pause/rotate/resend forms; loopback by default. */
#include "cmd_dashboard.h"

#include <signal.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FORM_MAX (1024 * 1024)

/* ------------------------------------------------------------- the server */

static cli_mhd_result collect(void *cls, enum MHD_ValueKind kind,
                              const char *key, const char *filename,
                              const char *content_type,
                              const char *transfer_encoding, const char *data,
                              uint64_t off, size_t size)
{
    form *f = cls;
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    f->bytes += size;
    if (f->bytes > FORM_MAX) {
        f->too_large = 1;
        return MHD_NO;
    }
    size_t i = 0;
    while (i < f->n && strcmp(f->names[i], key))
        i++;
    if (i == f->n) {
        if (f->n == 16 || off)
            return MHD_YES; /* more fields than any form has: ignored */
        f->names[i] = strdup(key);
        f->values[i] = calloc(1, 1);
        if (!f->names[i] || !f->values[i]) {
            free(f->names[i]);
            free(f->values[i]);
            return MHD_NO;
        }
        f->n++;
    }
    size_t have = strlen(f->values[i]);
    /* a field given again (the picker's several events) joins with a
     * comma, the list form endpoint add reads */
    size_t sep = off == 0 && have > 0 && size > 0;
    char *v = realloc(f->values[i], have + sep + size + 1);
    if (!v)
        return MHD_NO;
    if (sep)
        v[have++] = ',';
    memcpy(v + have, data, size);
    v[have + size] = '\0';
    f->values[i] = v;
    return MHD_YES;
}

static void request_free(request *r)
{
    if (!r)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    for (size_t i = 0; i < r->f.n; i++) {
        free(r->f.names[i]);
        free(r->f.values[i]);
    }
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)c;
    (void)why;
    request_free(*state);
    *state = NULL;
}

/* Constant time: a token compare that leaks no prefix length. */
static int same_secret(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static const char style_css[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1d2330}"
    "header{background:#1d2330;color:#fff;padding:.6em 1.2em}"
    "header a{color:#fff;font-weight:600;text-decoration:none}"
    "main{padding:1em 1.2em;max-width:80em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}"
    "th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #dde}"
    "th{font-weight:600;background:#f3f4f8}"
    "tr.bad td{background:#fff4f4}"
    ".url{word-break:break-all}"
    ".muted{color:#778}"
    ".error{color:#a01818}"
    "form{margin:.5em 0}form.inline{display:inline;margin-right:.4em}"
    "label{margin-right:.8em}"
    "code{background:#f3f4f8;padding:.1em .3em}"
    "dl{display:grid;grid-template-columns:10em auto}"
    "dt{font-weight:600}dd{margin:0 0 .3em}\n";

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
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth && !strncmp(auth, "Bearer ", 7) &&
        same_secret(auth + 7, db->token))
        return 1;
    const char *cookie =
        MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "rh_dashboard");
    if (cookie && same_secret(cookie, db->token))
        return 1;
    const char *q =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    if (q && same_secret(q, db->token)) {
        *set_cookie = 1;
        return 1;
    }
    return 0;
}

/* A state-changing request must come from our own pages: the form's token
 * (which another site cannot read), and no Origin or Sec-Fetch-Site that
 * says another site sent it. */
static int same_site_post(const dashboard *db, struct MHD_Connection *c,
                          const form *f)
{
    const char *site =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (site && strcmp(site, "same-origin") && strcmp(site, "none"))
        return 0;
    const char *origin =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (origin && strcmp(origin, "null")) {
        const char *o = strstr(origin, "://");
        if (!o || !host || strcmp(o + 3, host))
            return 0;
    } else if (origin) {
        return 0; /* "null": a sandboxed or opaque origin */
    }
    const char *token = dash_form_get(f, "csrf");
    return token && same_secret(token, db->csrf);
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

/* A request's headers are in: who may come in, and the form parser for a
 * POST; its body (if any) follows in the next calls. */
static cli_mhd_result begin_request(dashboard *db, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    void **state)
{
    int set_cookie = 0;
    request *r;
    if (!allowed(db, c, &set_cookie))
        return refuse_client(c, db);
    if (!(r = calloc(1, sizeof *r)))
        return MHD_NO;
    *state = r;
    if (!strcmp(method, "POST")) {
        r->pp = MHD_create_post_processor(c, 16 * 1024, collect, &r->f);
        if (!r->pp)
            return cli_http_reply(c, 415, "text/plain", "expected a form\n",
                                  16);
    }
    return set_cookie ? token_redirect(c, db, url) : MHD_YES;
}

static cli_mhd_result on_request(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **state)
{
    dashboard *db = cls;
    request *r = *state;
    (void)version;
    if (!r)
        return begin_request(db, c, url, method, state);
    if (r->pp && *data_size) {
        /* counted here too: the parser holds back a field it has not seen
         * the end of, so one huge field never reaches collect() */
        r->f.bytes_in += *data_size;
        if (r->f.bytes_in > FORM_MAX)
            r->f.too_large = 1;
        else
            MHD_post_process(r->pp, data, *data_size);
        *data_size = 0;
        return MHD_YES;
    }
    if (*data_size) { /* a body where none belongs: read, dropped, refused */
        r->unexpected_body = 1;
        *data_size = 0;
        return MHD_YES;
    }
    if (r->unexpected_body)
        return cli_http_reply(c, 400, "text/plain",
                              "a GET or HEAD request has no body\n", 34);
    if (!strcmp(method, "POST")) {
        if (r->f.too_large)
            return cli_http_reply(c, 413, "text/plain", "form too large\n", 15);
        if (!same_site_post(db, c, &r->f))
            return dash_error_page(c, 403, "Refused",
                                   "this request did not come from the "
                                   "dashboard's own page (cross-site request "
                                   "refused)");
        return dash_post_action(c, db, url, &r->f);
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return cli_http_reply(c, 405, "text/plain", "GET or POST\n", 12);
    if (!strcmp(url, "/"))
        return dash_index_page(c, db);
    if (!strcmp(url, "/style.css"))
        return cli_http_reply(c, 200, "text/css", style_css,
                              sizeof style_css - 1);
    if (!strncmp(url, "/endpoints/", 11) && url[11])
        return dash_endpoint_page(c, db, url + 11);
    if (!strncmp(url, "/deliveries/", 12) && url[12])
        return dash_delivery_page(c, db, url + 12);
    return dash_error_page(c, 404, "Not found", url);
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char b[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || bytes > sizeof b || read(fd, b, bytes) != (ssize_t)bytes) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    for (size_t i = 0; i < bytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
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
    db.args = a;
    if ((rc = take_token(a, &db)) != 0)
        return rc;
    db.extra_hosts = a->set[O_ALLOW_HOST] ? a->text[O_ALLOW_HOST] : NULL;
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
    if (random_hex(db.csrf, 16) != 0) {
        fprintf(stderr, "%s dashboard: the random source failed\n", cli_prog);
        return EXIT_FAILED;
    }
    /* the store must open now, not at the first page */
    rc = cli_open(a, NULL, &probe);
    if (rc)
        return rc;
    rh_ctx_free(probe);
    /* on_completed frees each request's state, however it ended */
    cli_http_server *d =
        cli_http_start(&addr, on_request, on_completed, &db, err, sizeof err);
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
    "a web page of endpoints and deliveries",
    "Serves a dashboard of the store: endpoints with their state and\n"
    "health; add one (its secret shown once), disable, pause, resume,\n"
    "rotate; each endpoint's delivery history and each delivery's attempts;\n"
    "resend and recover; send an event. A worker delivers what it queues.\n"
    "Loopback only unless a token is given (--token, --token-file or\n"
    "$REPLICER_HOOKS_DASHBOARD_TOKEN). Without one, a request whose Host\n"
    "is not the address listened on or localhost is refused (421), so a\n"
    "web page on a name rebound to 127.0.0.1 cannot reach it.",
    {NULL},
    0,
    0,
    dashboard_opts,
    run_dashboard};
