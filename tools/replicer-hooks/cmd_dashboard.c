/* replicer-hooks dashboard: server-rendered pages over a store's endpoints and
 * delivery log, with the add/pause/rotate/resend forms; loopback by default. */
#include "cli.h"
#include "cli_http.h"

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
#define ROWS_SHOWN 100
#define TYPE_SIZE 129 /* an event type is 1 to 128 bytes (rh_emit) */

/* ---------------------------------------------------------------- pages */

typedef struct page {
    char *p;
    size_t len, cap;
    int failed;
} page;

static void put_n(page *pg, const char *s, size_t n)
{
    if (pg->failed)
        return;
    if (pg->len + n + 1 > pg->cap) {
        size_t cap = pg->cap ? pg->cap : 8192;
        while (cap < pg->len + n + 1)
            cap *= 2;
        char *p = realloc(pg->p, cap);
        if (!p) {
            pg->failed = 1;
            return;
        }
        pg->p = p;
        pg->cap = cap;
    }
    memcpy(pg->p + pg->len, s, n);
    pg->len += n;
    pg->p[pg->len] = '\0';
}

static void put(page *pg, const char *s)
{
    put_n(pg, s, strlen(s));
}

/* Markup only: every value that came from a store or a request goes
 * through esc() or esc_n() instead. */
static void putf(page *pg, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(page *pg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(pg, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* HTML-escaped text; control bytes shown as U+FFFD so that a response
 * prefix cannot break the page. */
static void esc_n(page *pg, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '<':
            put(pg, "&lt;");
            break;
        case '>':
            put(pg, "&gt;");
            break;
        case '&':
            put(pg, "&amp;");
            break;
        case '"':
            put(pg, "&quot;");
            break;
        case '\'':
            put(pg, "&#39;");
            break;
        default:
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                put(pg, "\xef\xbf\xbd");
            else
                put_n(pg, (const char *)&c, 1);
        }
    }
}

static void esc(page *pg, const char *s)
{
    esc_n(pg, s ? s : "", s ? strlen(s) : 0);
}

/* ------------------------------------------------------------- the server */

typedef struct dashboard {
    const cli_args *args;
    const char *token; /* NULL: loopback, no token */
    char token_buf[256]; /* the token read from a file or the environment */
    char csrf[33];       /* this process's form token */
    char bound_host[48]; /* "127.0.0.1", "[::1]": the address listened on */
    unsigned port;
    const char *extra_hosts; /* --allow-host: "name,name" */
} dashboard;

typedef struct form {
    char *names[16];
    char *values[16];
    size_t n;
    size_t bytes;    /* of values, as parsed */
    size_t bytes_in; /* of the body, as received */
    int too_large;
} form;

typedef struct request {
    struct MHD_PostProcessor *pp;
    form f;
    int unexpected_body;
} request;

static const char *form_get(const form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name))
            return f->values[i];
    return NULL;
}

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

static cli_mhd_result send_page(struct MHD_Connection *c, unsigned status,
                                page *pg, const char *set_cookie)
{
    if (pg->failed) {
        free(pg->p);
        return cli_http_reply(c, 500, "text/plain", "out of memory\n", 14);
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        pg->len, pg->p ? pg->p : (char *)"", MHD_RESPMEM_MUST_COPY);
    free(pg->p);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    cli_http_secure_headers(r);
    if (set_cookie)
        MHD_add_response_header(r, "Set-Cookie", set_cookie);
    cli_mhd_result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static void head(page *pg, const char *title)
{
    put(pg, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">"
            "<link rel=\"stylesheet\" href=\"/style.css\"><title>");
    esc(pg, title);
    put(pg, " - replicer-hooks</title></head><body><header><a href=\"/\">"
            "replicer-hooks</a> <span class=\"muted\">dashboard</span>"
            "</header><main>\n");
}

static void foot(page *pg)
{
    put(pg, "</main></body></html>\n");
}

static void csrf_field(page *pg, const dashboard *db)
{
    putf(pg, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", db->csrf);
}

/* A form whose one button POSTs to action. */
static void button(page *pg, const dashboard *db, const char *action,
                   const char *id, const char *label)
{
    put(pg, "<form method=\"post\" class=\"inline\" action=\"");
    esc(pg, action);
    if (id) {
        put(pg, "/");
        esc(pg, id);
    }
    put(pg, "\">");
    csrf_field(pg, db);
    put(pg, "<button>");
    esc(pg, label);
    put(pg, "</button></form>");
}

static cli_mhd_result error_page(struct MHD_Connection *c, unsigned status,
                                 const char *title, const char *text)
{
    page pg = {0};
    head(&pg, title);
    put(&pg, "<h1>");
    esc(&pg, title);
    put(&pg, "</h1><p class=\"error\">");
    esc(&pg, text);
    put(&pg, "</p><p><a href=\"/\">Back to the endpoints</a></p>");
    foot(&pg);
    return send_page(c, status, &pg, NULL);
}

static int open_ctx(const dashboard *db, rh_ctx **ctx, char *err, size_t n)
{
    /* A context per request: it loads the endpoints fresh, so what a
     * worker or the CLI changed shows at once; the store is opened and
     * closed again, which on a dashboard's traffic costs nothing. Errors go
     * to the page, not to stderr. */
    rh_config *cfg = NULL;
    const cli_args *a = db->args;
    int rc = cli_config(a, &cfg);
    if (rc) {
        snprintf(err, n, "the store's configuration was refused");
        return -1;
    }
    rc = cli_open(a, cfg, ctx);
    if (rc) {
        snprintf(err, n,
                 "the store cannot be opened (see the dashboard's "
                 "standard error)");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- index page */

typedef struct list_ctx {
    page *pg;
    const dashboard *db;
    int n;
    const char *tenant; /* ?tenant=: that tenant's endpoints only */
} list_ctx;

static int endpoint_row(const rh_endpoint *ep, void *ud)
{
    list_ctx *lc = ud;
    page *pg = lc->pg;
    char state[40], health[160];
    if (lc->tenant && strcmp(lc->tenant, rh_endpoint_tenant(ep)) != 0)
        return RH_OK;
    lc->n++;
    put(pg, "<tr><td>");
    if (*rh_endpoint_tenant(ep)) {
        put(pg, "<a href=\"/?tenant=");
        esc(pg, rh_endpoint_tenant(ep)); /* visible ASCII, escaped for HTML */
        put(pg, "\">");
        esc(pg, rh_endpoint_tenant(ep));
        put(pg, "</a>");
    } else {
        put(pg, "<span class=\"muted\">-</span>");
    }
    put(pg, "</td><td><a href=\"/endpoints/");
    esc(pg, rh_endpoint_id(ep));
    put(pg, "\">");
    esc(pg, rh_endpoint_id(ep));
    put(pg, "</a></td><td class=\"url\">");
    esc(pg, rh_endpoint_url(ep));
    put(pg, "</td><td>");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++) {
        if (i)
            put(pg, ", ");
        esc(pg, rh_endpoint_event(ep, i));
    }
    put(pg, "</td><td class=\"state\">");
    esc(pg, cli_endpoint_state(ep, state, sizeof state));
    if (rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT)
        put(pg, " <span class=\"muted\">(dev)</span>");
    cli_endpoint_health(ep, health, sizeof health);
    put(pg, "</td><td>");
    esc(pg, health);
    put(pg, "</td></tr>\n");
    return RH_OK;
}

/* The page's writers for code outside this file (the event picker). */
static void put_markup(void *pg, const char *s)
{
    put(pg, s);
}

static void put_text(void *pg, const char *s)
{
    esc(pg, s);
}

static cli_mhd_result index_page(struct MHD_Connection *c, dashboard *db)
{
    rh_ctx *ctx = NULL;
    char err[200];
    if (open_ctx(db, &ctx, err, sizeof err))
        return error_page(c, 503, "Store unavailable", err);
    page pg = {0};
    /* an operator's view of one tenant (the customers' own scope is not
     * this page's): a tenant id that is no tenant's shows no endpoint */
    const char *tenant =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tenant");
    list_ctx lc = {&pg, db, 0, tenant && *tenant ? tenant : NULL};
    head(&pg, "Endpoints");
    put(&pg, "<h1>Endpoints</h1>\n");
    if (lc.tenant) {
        put(&pg, "<p>Tenant <strong>");
        esc(&pg, lc.tenant);
        put(&pg, "</strong> &middot; <a href=\"/\">every tenant</a></p>\n");
    }
    put(&pg, "<table id=\"endpoints\"><thead><tr><th>tenant</th>"
             "<th>id</th><th>URL</th><th>events</th><th>state</th>"
             "<th>health</th></tr></thead><tbody>\n");
    int rc = rh_endpoint_list(ctx, endpoint_row, &lc);
    put(&pg, "</tbody></table>\n");
    if (rc < 0) {
        put(&pg, "<p class=\"error\">");
        esc(&pg, rh_ctx_last_error(ctx));
        put(&pg, "</p>");
    } else if (lc.n == 0) {
        put(&pg, "<p class=\"muted\">No endpoints yet.</p>");
    }
    put(&pg, "<h2>Add an endpoint</h2><form method=\"post\" "
             "action=\"/endpoints\" id=\"add\">");
    csrf_field(&pg, db);
    put(&pg, "<label>URL <input name=\"url\" type=\"text\" size=\"50\" "
             "required placeholder=\"https://example.com/webhooks\"></label>");
    cli_html picker = {put_markup, put_text, &pg};
    cli_event_picker(ctx, &picker); /* the catalog, or free text */
    put(&pg, " <label>Tenant <input name=\"tenant\" type=\"text\" "
             "size=\"16\" placeholder=\"none\"></label> "
             "<button>Add</button></form>\n");
    put(&pg, "<h2>Send an event</h2><form method=\"post\" action=\"/emit\" "
             "id=\"emit\">");
    csrf_field(&pg, db);
    put(&pg, "<label>Type <input name=\"type\" type=\"text\" required "
             "placeholder=\"order.paid\"></label><label>Data <input "
             "name=\"data\" type=\"text\" size=\"50\" value=\"{}\" "
             "required></label> <button>Send</button></form>\n");
    foot(&pg);
    rh_ctx_free(ctx);
    return send_page(c, 200, &pg, NULL);
}

/* ------------------------------------------------ endpoint and delivery */

/* The last ROWS_SHOWN attempts of a query, newest first: the log is read
 * oldest first, in pages, into a ring. */
typedef struct attempt_row {
    char delivery[RH_ID_SIZE];
    char event_type[TYPE_SIZE];
    int number, status, success, outcome;
    int64_t started_ms, duration_ms;
    char response[241];
    char error[160];
} attempt_row;

typedef struct ring {
    attempt_row rows[ROWS_SHOWN];
    size_t n, next;
    int64_t last_seq;
    int page_rows;
} ring;

static int keep_attempt(const rh_attempt *at, void *ud)
{
    ring *rg = ud;
    attempt_row *r = &rg->rows[rg->next];
    rg->next = (rg->next + 1) % ROWS_SHOWN;
    if (rg->n < ROWS_SHOWN)
        rg->n++;
    rg->page_rows++;
    rg->last_seq = rh_attempt_seq(at);
    snprintf(r->delivery, sizeof r->delivery, "%s", rh_attempt_delivery_id(at));
    snprintf(r->event_type, sizeof r->event_type, "%s",
             rh_attempt_event_type(at));
    r->number = rh_attempt_number(at);
    r->status = rh_attempt_status(at);
    r->success = rh_attempt_success(at);
    r->outcome = rh_attempt_outcome(at);
    r->started_ms = rh_attempt_started_ms(at);
    r->duration_ms = rh_attempt_duration_ms(at);
    size_t len = rh_attempt_response_len(at);
    if (len > sizeof r->response - 1)
        len = sizeof r->response - 1;
    memcpy(r->response, rh_attempt_response(at), len);
    r->response[len] = '\0';
    snprintf(r->error, sizeof r->error, "%s", rh_attempt_error(at));
    return RH_OK;
}

static int read_attempts(rh_ctx *ctx, rh_query *q, ring *rg)
{
    enum { PAGE = 1000, PAGES_MAX = 200 };
    int rc;
    rh_query_set_limit(q, PAGE);
    for (int pages = 0; pages < PAGES_MAX; pages++) {
        rg->page_rows = 0;
        rc = rh_log_attempts(ctx, q, keep_attempt, rg);
        if (rc < 0)
            return rc;
        if (rg->page_rows < PAGE)
            break;
        rh_query_set_cursor(q, rg->last_seq);
    }
    return 0;
}

static void attempts_table(page *pg, const ring *rg, int with_response)
{
    put(pg, "<table class=\"attempts\"><thead><tr><th>time</th><th>event "
            "type</th><th>delivery</th><th>attempt</th><th>status</th>"
            "<th>success</th><th>outcome</th><th>ms</th>");
    if (with_response)
        put(pg, "<th>response (start)</th>");
    put(pg, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < rg->n; k++) {
        const attempt_row *r =
            &rg->rows[(rg->next + ROWS_SHOWN - 1 - k) % ROWS_SHOWN];
        char t[32];
        cli_format_time(r->started_ms, t);
        putf(pg, "<tr class=\"%s\"><td>%s</td><td>", r->success ? "ok" : "bad",
             t);
        esc(pg, r->event_type);
        put(pg, "</td><td><a href=\"/deliveries/");
        esc(pg, r->delivery);
        put(pg, "\">");
        esc(pg, r->delivery);
        putf(pg, "</a></td><td>%d</td><td>%d</td><td>%s</td><td>", r->number,
             r->status, r->success ? "yes" : "no");
        esc(pg, rh_outcome_name(r->outcome));
        if (r->error[0]) {
            put(pg, ": ");
            esc(pg, r->error);
        }
        putf(pg, "</td><td>%" PRId64 "</td>", r->duration_ms);
        if (with_response) {
            put(pg, "<td><code>");
            esc(pg, r->response);
            put(pg, "</code></td>");
        }
        put(pg, "</tr>\n");
    }
    put(pg, "</tbody></table>\n");
    if (!rg->n)
        put(pg, "<p class=\"muted\">No attempts yet.</p>");
}

static cli_mhd_result endpoint_page(struct MHD_Connection *c, dashboard *db,
                                    const char *id)
{
    rh_ctx *ctx = NULL;
    const rh_endpoint *ep = NULL;
    rh_query *q = NULL;
    char err[200], state[40], health[160];
    if (open_ctx(db, &ctx, err, sizeof err))
        return error_page(c, 503, "Store unavailable", err);
    if (rh_endpoint_get(ctx, id, &ep) != RH_OK) {
        rh_ctx_free(ctx);
        return error_page(c, 404, "No such endpoint", id);
    }
    page pg = {0};
    head(&pg, rh_endpoint_id(ep));
    put(&pg, "<h1>Endpoint <code>");
    esc(&pg, rh_endpoint_id(ep));
    put(&pg, "</code></h1><dl><dt>URL</dt><dd class=\"url\">");
    esc(&pg, rh_endpoint_url(ep));
    put(&pg, "</dd><dt>events</dt><dd>");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++) {
        if (i)
            put(&pg, ", ");
        esc(&pg, rh_endpoint_event(ep, i));
    }
    put(&pg, "</dd><dt>state</dt><dd class=\"state\">");
    esc(&pg, cli_endpoint_state(ep, state, sizeof state));
    cli_endpoint_health(ep, health, sizeof health);
    put(&pg, "</dd><dt>health</dt><dd class=\"health\">");
    esc(&pg, health);
    put(&pg, "</dd></dl><p class=\"actions\">");
    char action[80];
    snprintf(action, sizeof action, "/endpoints/%s", rh_endpoint_id(ep));
    if (rh_endpoint_enabled(ep))
        button(&pg, db, action, "disable", "Disable");
    else
        button(&pg, db, action, "enable", "Enable");
    if (rh_endpoint_paused(ep))
        button(&pg, db, action, "resume", "Resume");
    else
        button(&pg, db, action, "pause", "Pause");
    button(&pg, db, action, "rotate", "Rotate secret");
    put(&pg, "</p><form method=\"post\" class=\"inline\" action=\"");
    esc(&pg, action);
    put(&pg, "/recover\">");
    csrf_field(&pg, db);
    put(&pg, "<label>Resend what failed since <input name=\"since\" "
             "value=\"24h\" size=\"8\"></label> <button>Recover</button>"
             "</form>\n<h2>Delivery history</h2>\n");
    ring *rg = calloc(1, sizeof *rg);
    int rc = rg && rh_query_new(&q) == RH_OK ? RH_OK : RH_E_NOMEM;
    if (rc == RH_OK)
        rc = rh_query_set_endpoint(q, rh_endpoint_id(ep));
    if (rc == RH_OK)
        rc = read_attempts(ctx, q, rg);
    if (rc == RH_OK) {
        attempts_table(&pg, rg, 0);
    } else {
        put(&pg, "<p class=\"error\">");
        esc(&pg, rh_ctx_last_error(ctx));
        put(&pg, "</p>");
    }
    rh_query_free(q);
    free(rg);
    foot(&pg);
    rh_ctx_free(ctx);
    return send_page(c, 200, &pg, NULL);
}

typedef struct delivery_row {
    int found;
    char endpoint[RH_ID_SIZE];
    char event_type[TYPE_SIZE];
    int state, attempts;
    int64_t next_ms, created_ms;
} delivery_row;

static int keep_delivery(const rh_delivery *dl, void *ud)
{
    delivery_row *d = ud;
    d->found = 1;
    snprintf(d->endpoint, sizeof d->endpoint, "%s",
             rh_delivery_endpoint_id(dl));
    snprintf(d->event_type, sizeof d->event_type, "%s",
             rh_delivery_event_type(dl));
    d->state = rh_delivery_state(dl);
    d->attempts = rh_delivery_attempts(dl);
    d->next_ms = rh_delivery_next_attempt_ms(dl);
    d->created_ms = rh_delivery_created_ms(dl);
    return RH_E_USER; /* one is all */
}

static cli_mhd_result delivery_page(struct MHD_Connection *c, dashboard *db,
                                    const char *id)
{
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    delivery_row d;
    char err[200], t[32];
    memset(&d, 0, sizeof d);
    if (open_ctx(db, &ctx, err, sizeof err))
        return error_page(c, 503, "Store unavailable", err);
    int rc = rh_query_new(&q);
    if (rc == RH_OK && rh_query_set_delivery(q, id) != RH_OK) {
        rh_query_free(q);
        rh_ctx_free(ctx);
        return error_page(c, 404, "No such delivery", id);
    }
    if (rc == RH_OK)
        rc = rh_log_deliveries(ctx, q, keep_delivery, &d);
    if (rc < 0 && rc != RH_E_USER) {
        rh_query_free(q);
        cli_mhd_result r =
            error_page(c, 503, "Store error", rh_ctx_last_error(ctx));
        rh_ctx_free(ctx);
        return r;
    }
    if (!d.found) {
        rh_query_free(q);
        rh_ctx_free(ctx);
        return error_page(c, 404, "No such delivery", id);
    }
    page pg = {0};
    head(&pg, id);
    put(&pg, "<h1>Delivery <code>");
    esc(&pg, id);
    put(&pg, "</code></h1><dl><dt>endpoint</dt><dd><a href=\"/endpoints/");
    esc(&pg, d.endpoint);
    put(&pg, "\">");
    esc(&pg, d.endpoint);
    put(&pg, "</a></dd><dt>event type</dt><dd>");
    esc(&pg, d.event_type);
    put(&pg, "</dd><dt>state</dt><dd class=\"state\">");
    esc(&pg, rh_delivery_state_name(d.state));
    cli_format_time(d.created_ms, t);
    putf(&pg, "</dd><dt>attempts</dt><dd>%d</dd><dt>created</dt><dd>%s</dd>",
         d.attempts, t);
    if (d.state == RH_DELIVERY_PENDING && d.next_ms) {
        cli_format_time(d.next_ms, t);
        putf(&pg, "<dt>next attempt</dt><dd>%s</dd>", t);
    }
    put(&pg, "</dl>");
    if (d.state == RH_DELIVERY_FAILED) {
        put(&pg, "<p class=\"actions\">");
        button(&pg, db, "/deliveries", id, "Resend");
        put(&pg, "</p>");
    }
    put(&pg, "<h2>Attempts</h2>\n");
    ring *rg = calloc(1, sizeof *rg);
    rc = rg ? read_attempts(ctx, q, rg) : RH_E_NOMEM;
    if (rc == 0)
        attempts_table(&pg, rg, 1);
    free(rg);
    rh_query_free(q);
    foot(&pg);
    rh_ctx_free(ctx);
    return send_page(c, 200, &pg, NULL);
}

/* ---------------------------------------------------------------- forms */

/* A page that shows a secret once (after add and rotate). */
static cli_mhd_result secret_page(struct MHD_Connection *c, const char *id,
                                  const char *secret, const char *what)
{
    page pg = {0};
    head(&pg, what);
    put(&pg, "<h1>");
    esc(&pg, what);
    put(&pg, "</h1><p>Endpoint <a href=\"/endpoints/");
    esc(&pg, id);
    put(&pg, "\">");
    esc(&pg, id);
    put(&pg, "</a>. Its signing secret is shown <strong>only this "
             "once</strong>; copy it to the receiver now:</p><p><code "
             "id=\"secret\">");
    esc(&pg, secret);
    put(&pg, "</code></p><p><a href=\"/\">Back to the endpoints</a></p>");
    foot(&pg);
    return send_page(c, 200, &pg, NULL);
}

static cli_mhd_result refused(struct MHD_Connection *c, rh_ctx *ctx,
                              const char *title)
{
    char why[600];
    const char *hint =
        rh_ctx_last_error_refusal(ctx) == RH_REFUSAL_INSECURE_SCHEME
            ? " (use https; a dashboard started with --dev admits http)"
        : rh_ctx_last_error_refusal(ctx) == RH_REFUSAL_PRIVATE_ADDRESS
            ? " (a dashboard started with --allow CIDR or --dev admits it)"
            : "";
    const char *arg = rh_arg_name(rh_ctx_last_error_arg(ctx));
    snprintf(why, sizeof why, "%s%s%s%s", rh_ctx_last_error_arg(ctx) ? arg : "",
             rh_ctx_last_error_arg(ctx) ? ": " : "", rh_ctx_last_error(ctx),
             hint);
    int code =
        rh_ctx_last_error_refusal(ctx) == RH_REFUSAL_UNKNOWN_ID ? 404 : 400;
    rh_ctx_free(ctx);
    return error_page(c, (unsigned)code, title, why);
}

/* POST /endpoints/ID/VERB: rotate, recover, disable, enable, pause,
 * resume; frees ctx. */
static cli_mhd_result endpoint_action(struct MHD_Connection *c, rh_ctx *ctx,
                                      const char *url, const form *f)
{
    char back[120];
    int rc;
    char id[RH_ID_SIZE];
    const char *slash = strchr(url + 11, '/');
    size_t len = slash ? (size_t)(slash - url - 11) : 0;
    if (!slash || len >= sizeof id) {
        rh_ctx_free(ctx);
        return error_page(c, 404, "Not found", url);
    }
    memcpy(id, url + 11, len);
    id[len] = '\0';
    const char *verb = slash + 1;
    if (!strcmp(verb, "rotate")) {
        char secret[RH_SECRET_SIZE];
        rc = rh_endpoint_rotate_secret(ctx, id, 86400000, secret,
                                       sizeof secret);
        if (rc != RH_OK)
            return refused(c, ctx, "Secret not rotated");
        rh_ctx_free(ctx);
        return secret_page(c, id, secret,
                           "New secret (the old one is also signed "
                           "with for 24 h)");
    }
    if (!strcmp(verb, "recover")) {
        int64_t since;
        const char *s = form_get(f, "since");
        if (!s || cli_parse_time_ms(s, &since) != 0) {
            rh_ctx_free(ctx);
            return error_page(c, 400, "Not recovered",
                              "since: expected a duration ago (24h), "
                              "Unix seconds or 2026-11-27T05:00:00Z");
        }
        rc = rh_endpoint_recover(ctx, id, since);
        if (rc < 0)
            return refused(c, ctx, "Not recovered");
    } else {
        rc = !strcmp(verb, "disable")  ? rh_endpoint_disable(ctx, id)
             : !strcmp(verb, "enable") ? rh_endpoint_enable(ctx, id)
             : !strcmp(verb, "pause")  ? rh_endpoint_pause(ctx, id)
             : !strcmp(verb, "resume") ? rh_endpoint_resume(ctx, id)
                                       : 1;
        if (rc == 1) {
            rh_ctx_free(ctx);
            return error_page(c, 404, "Not found", url);
        }
        if (rc != RH_OK)
            return refused(c, ctx, "Not changed");
    }
    rh_ctx_free(ctx);
    snprintf(back, sizeof back, "/endpoints/%s", id);
    return cli_http_redirect(c, back);
}

static cli_mhd_result post_action(struct MHD_Connection *c, dashboard *db,
                                  const char *url, const form *f)
{
    rh_ctx *ctx = NULL;
    char err[200], back[120];
    int rc;
    if (open_ctx(db, &ctx, err, sizeof err))
        return error_page(c, 503, "Store unavailable", err);
    if (!strcmp(url, "/endpoints")) {
        char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        const char *tenant = form_get(f, "tenant");
        rh_endpoint_options *o = NULL;
        if (rh_endpoint_options_new(&o) != RH_OK) {
            rh_ctx_free(ctx);
            return error_page(c, 503, "Out of memory", "try again");
        }
        if (tenant && *tenant &&
            rh_endpoint_options_set_tenant(o, tenant) != RH_OK) {
            rh_endpoint_options_free(o);
            rh_ctx_free(ctx);
            return error_page(c, 400, "Endpoint not added",
                              "tenant: 1 to 128 visible ASCII characters, "
                              "no spaces");
        }
        rc = cli_endpoint_add(ctx, form_get(f, "url"), form_get(f, "events"),
                              o, id, secret);
        rh_endpoint_options_free(o);
        if (rc != RH_OK)
            return refused(c, ctx, "Endpoint not added");
        rh_ctx_free(ctx);
        return secret_page(c, id, secret, "Endpoint added");
    }
    if (!strcmp(url, "/emit")) {
        const char *type = form_get(f, "type"), *data = form_get(f, "data");
        char evt[RH_ID_SIZE];
        rc = rh_emit(ctx, type ? type : "", data ? data : "",
                     data ? strlen(data) : 0, evt, sizeof evt);
        if (rc < 0)
            return refused(c, ctx, "Event not sent");
        rh_ctx_free(ctx);
        return cli_http_redirect(c, "/");
    }
    if (!strncmp(url, "/deliveries/", 12)) {
        const char *id = url + 12;
        rc = rh_delivery_resend(ctx, id);
        if (rc != RH_OK)
            return refused(c, ctx, "Not resent");
        rh_ctx_free(ctx);
        snprintf(back, sizeof back, "/deliveries/%.40s", id);
        return cli_http_redirect(c, back);
    }
    if (!strncmp(url, "/endpoints/", 11))
        return endpoint_action(c, ctx, url, f);
    rh_ctx_free(ctx);
    return error_page(c, 404, "Not found", url);
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
    const char *token = form_get(f, "csrf");
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
            return error_page(c, 403, "Refused",
                              "this request did not come from the "
                              "dashboard's own page (cross-site request "
                              "refused)");
        return post_action(c, db, url, &r->f);
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return cli_http_reply(c, 405, "text/plain", "GET or POST\n", 12);
    if (!strcmp(url, "/"))
        return index_page(c, db);
    if (!strcmp(url, "/style.css"))
        return cli_http_reply(c, 200, "text/css", style_css,
                              sizeof style_css - 1);
    if (!strncmp(url, "/endpoints/", 11) && url[11])
        return endpoint_page(c, db, url + 11);
    if (!strncmp(url, "/deliveries/", 12) && url[12])
        return delivery_page(c, db, url + 12);
    return error_page(c, 404, "Not found", url);
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
    if (db->token &&
        (strlen(db->token) < 16 || strlen(db->token) > 200 ||
         strspn(db->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
                           "mnopqrstuvwxyz0123456789-_.~") != strlen(db->token)))
        return cli_bad(a,
                       a->set[O_TOKEN]        ? "--token"
                       : a->set[O_TOKEN_FILE] ? "--token-file"
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
