/* replicer-hooks dashboard pages: the endpoints (with the add form and
 * its catalog picker), one endpoint with its attempts, one delivery, and
 * the forms' actions (add, pause, rotate, resend ...) with the page that
 * shows a secret once. */
#include "cmd_dashboard.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    dash_put(pg, "<tr><td>");
    if (*rh_endpoint_tenant(ep)) {
        dash_put(pg, "<a href=\"/?tenant=");
        dash_esc(pg,
                 rh_endpoint_tenant(ep)); /* visible ASCII, escaped for HTML */
        dash_put(pg, "\">");
        dash_esc(pg, rh_endpoint_tenant(ep));
        dash_put(pg, "</a>");
    } else {
        dash_put(pg, "<span class=\"muted\">-</span>");
    }
    dash_put(pg, "</td><td><a href=\"/endpoints/");
    dash_esc(pg, rh_endpoint_id(ep));
    dash_put(pg, "\">");
    dash_esc(pg, rh_endpoint_id(ep));
    dash_put(pg, "</a></td><td class=\"url\">");
    dash_esc(pg, rh_endpoint_url(ep));
    dash_put(pg, "</td><td>");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++) {
        if (i)
            dash_put(pg, ", ");
        dash_esc(pg, rh_endpoint_event(ep, i));
    }
    dash_put(pg, "</td><td class=\"state\">");
    dash_esc(pg, cli_endpoint_state(ep, state, sizeof state));
    if (rh_endpoint_mode(ep) == RH_MODE_DEVELOPMENT)
        dash_put(pg, " <span class=\"muted\">(dev)</span>");
    /* inside the list's walk: the health the workers stored */
    cli_endpoint_health(NULL, ep, health, sizeof health);
    dash_put(pg, "</td><td>");
    dash_esc(pg, health);
    dash_put(pg, "</td></tr>\n");
    return RH_OK;
}

/* The page's writers for code outside this file (the event picker). */
static void put_markup(void *pg, const char *s)
{
    dash_put(pg, s);
}

static void put_text(void *pg, const char *s)
{
    dash_esc(pg, s);
}

cli_mhd_result dash_index_page(struct MHD_Connection *c, dashboard *db)
{
    rh_ctx *ctx = NULL;
    char err[200];
    if (dash_open_ctx(db, &ctx, err, sizeof err))
        return dash_error_page(c, 503, "Store unavailable", err);
    page pg = {0};
    /* an operator's view of one tenant (the customers' own scope is not
     * this page's): a tenant id that is no tenant's shows no endpoint */
    const char *tenant =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tenant");
    list_ctx lc = {&pg, db, 0, tenant && *tenant ? tenant : NULL};
    dash_head(&pg, "Endpoints");
    dash_put(&pg, "<h1>Endpoints</h1>\n");
    if (lc.tenant) {
        dash_put(&pg, "<p>Tenant <strong>");
        dash_esc(&pg, lc.tenant);
        dash_put(&pg,
                 "</strong> &middot; <a href=\"/\">every tenant</a></p>\n");
    }
    dash_put(&pg, "<table id=\"endpoints\"><thead><tr><th>tenant</th>"
                  "<th>id</th><th>URL</th><th>events</th><th>state</th>"
                  "<th>health</th></tr></thead><tbody>\n");
    int rc = rh_endpoint_list(ctx, endpoint_row, &lc);
    dash_put(&pg, "</tbody></table>\n");
    if (rc < 0) {
        dash_put(&pg, "<p class=\"error\">");
        dash_esc(&pg, rh_ctx_last_error(ctx));
        dash_put(&pg, "</p>");
    } else if (lc.n == 0) {
        dash_put(&pg, "<p class=\"muted\">No endpoints yet.</p>");
    }
    dash_put(&pg, "<h2>Add an endpoint</h2><form method=\"post\" "
                  "action=\"/endpoints\" id=\"add\">");
    dash_csrf_field(&pg, db);
    dash_put(&pg,
             "<label>URL <input name=\"url\" type=\"text\" size=\"50\" "
             "required placeholder=\"https://example.com/webhooks\"></label>");
    cli_html picker = {put_markup, put_text, &pg};
    cli_event_picker(ctx, &picker); /* the catalog, or free text */
    dash_put(&pg, " <label>Tenant <input name=\"tenant\" type=\"text\" "
                  "size=\"16\" placeholder=\"none\"></label> "
                  "<button>Add</button></form>\n");
    dash_put(&pg,
             "<h2>Send an event</h2><form method=\"post\" action=\"/emit\" "
             "id=\"emit\">");
    dash_csrf_field(&pg, db);
    dash_put(&pg, "<label>Type <input name=\"type\" type=\"text\" required "
                  "placeholder=\"order.paid\"></label><label>Data <input "
                  "name=\"data\" type=\"text\" size=\"50\" value=\"{}\" "
                  "required></label> <button>Send</button></form>\n");
    dash_foot(&pg);
    rh_ctx_free(ctx);
    return dash_send_page(c, 200, &pg, NULL);
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
    dash_put(pg, "<table class=\"attempts\"><thead><tr><th>time</th><th>event "
                 "type</th><th>delivery</th><th>attempt</th><th>status</th>"
                 "<th>success</th><th>outcome</th><th>ms</th>");
    if (with_response)
        dash_put(pg, "<th>response (start)</th>");
    dash_put(pg, "</tr></thead><tbody>\n");
    for (size_t k = 0; k < rg->n; k++) {
        const attempt_row *r =
            &rg->rows[(rg->next + ROWS_SHOWN - 1 - k) % ROWS_SHOWN];
        char t[32];
        cli_format_time(r->started_ms, t);
        dash_putf(pg, "<tr class=\"%s\"><td>%s</td><td>",
                  r->success ? "ok" : "bad", t);
        dash_esc(pg, r->event_type);
        dash_put(pg, "</td><td><a href=\"/deliveries/");
        dash_esc(pg, r->delivery);
        dash_put(pg, "\">");
        dash_esc(pg, r->delivery);
        dash_putf(pg, "</a></td><td>%d</td><td>%d</td><td>%s</td><td>",
                  r->number, r->status, r->success ? "yes" : "no");
        dash_esc(pg, rh_outcome_name(r->outcome));
        if (r->error[0]) {
            dash_put(pg, ": ");
            dash_esc(pg, r->error);
        }
        dash_putf(pg, "</td><td>%" PRId64 "</td>", r->duration_ms);
        if (with_response) {
            dash_put(pg, "<td><code>");
            dash_esc(pg, r->response);
            dash_put(pg, "</code></td>");
        }
        dash_put(pg, "</tr>\n");
    }
    dash_put(pg, "</tbody></table>\n");
    if (!rg->n)
        dash_put(pg, "<p class=\"muted\">No attempts yet.</p>");
}

cli_mhd_result dash_endpoint_page(struct MHD_Connection *c, dashboard *db,
                                  const char *id)
{
    rh_ctx *ctx = NULL;
    const rh_endpoint *ep = NULL;
    rh_query *q = NULL;
    char err[200], state[40], health[160];
    if (dash_open_ctx(db, &ctx, err, sizeof err))
        return dash_error_page(c, 503, "Store unavailable", err);
    if (rh_endpoint_get(ctx, id, &ep) != RH_OK) {
        rh_ctx_free(ctx);
        return dash_error_page(c, 404, "No such endpoint", id);
    }
    page pg = {0};
    dash_head(&pg, rh_endpoint_id(ep));
    dash_put(&pg, "<h1>Endpoint <code>");
    dash_esc(&pg, rh_endpoint_id(ep));
    dash_put(&pg, "</code></h1><dl><dt>URL</dt><dd class=\"url\">");
    dash_esc(&pg, rh_endpoint_url(ep));
    dash_put(&pg, "</dd><dt>events</dt><dd>");
    for (size_t i = 0; i < rh_endpoint_event_count(ep); i++) {
        if (i)
            dash_put(&pg, ", ");
        dash_esc(&pg, rh_endpoint_event(ep, i));
    }
    dash_put(&pg, "</dd><dt>state</dt><dd class=\"state\">");
    dash_esc(&pg, cli_endpoint_state(ep, state, sizeof state));
    cli_endpoint_health(ctx, ep, health, sizeof health);
    dash_put(&pg, "</dd><dt>health</dt><dd class=\"health\">");
    dash_esc(&pg, health);
    dash_put(&pg, "</dd></dl><p class=\"actions\">");
    char action[80];
    snprintf(action, sizeof action, "/endpoints/%s", rh_endpoint_id(ep));
    if (rh_endpoint_enabled(ep))
        dash_button(&pg, db, action, "disable", "Disable");
    else
        dash_button(&pg, db, action, "enable", "Enable");
    if (rh_endpoint_paused(ep))
        dash_button(&pg, db, action, "resume", "Resume");
    else
        dash_button(&pg, db, action, "pause", "Pause");
    dash_button(&pg, db, action, "rotate", "Rotate secret");
    dash_put(&pg, "</p><form method=\"post\" class=\"inline\" action=\"");
    dash_esc(&pg, action);
    dash_put(&pg, "/recover\">");
    dash_csrf_field(&pg, db);
    dash_put(&pg, "<label>Resend what failed since <input name=\"since\" "
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
        dash_put(&pg, "<p class=\"error\">");
        dash_esc(&pg, rh_ctx_last_error(ctx));
        dash_put(&pg, "</p>");
    }
    rh_query_free(q);
    free(rg);
    dash_foot(&pg);
    rh_ctx_free(ctx);
    return dash_send_page(c, 200, &pg, NULL);
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

/* An attempt's request, into the page (rh_attempt_request): the header
 * lines (secrets redacted) and the body as sent, escaped. */
static int request_into(const char *headers, size_t hlen, const char *body,
                        size_t blen, void *ud)
{
    page *pg = ud;
    dash_put(pg, "<pre class=\"request\">");
    dash_esc_n(pg, headers, hlen);
    dash_put(pg, "\n");
    dash_esc_n(pg, body, blen);
    dash_put(pg, "</pre>");
    return RH_OK;
}

/* Each attempt's request, in a details element of its own. */
static void requests_of(page *pg, rh_ctx *ctx, const char *id, int attempts)
{
    if (attempts > 0)
        dash_put(pg, "<h2>Requests</h2>\n");
    for (int n = 1; n <= attempts; n++) {
        dash_putf(pg,
                  "<details id=\"request-%d\"><summary>attempt %d</summary>", n,
                  n);
        if (rh_attempt_request(ctx, id, n, request_into, pg) != RH_OK)
            dash_put(pg, "<p class=\"muted\">not available: the log no "
                         "longer holds it</p>");
        dash_put(pg, "</details>\n");
    }
}

cli_mhd_result dash_delivery_page(struct MHD_Connection *c, dashboard *db,
                                  const char *id)
{
    rh_ctx *ctx = NULL;
    rh_query *q = NULL;
    delivery_row d;
    char err[200], t[32];
    memset(&d, 0, sizeof d);
    if (dash_open_ctx(db, &ctx, err, sizeof err))
        return dash_error_page(c, 503, "Store unavailable", err);
    int rc = rh_query_new(&q);
    if (rc == RH_OK && rh_query_set_delivery(q, id) != RH_OK) {
        rh_query_free(q);
        rh_ctx_free(ctx);
        return dash_error_page(c, 404, "No such delivery", id);
    }
    if (rc == RH_OK)
        rc = rh_log_deliveries(ctx, q, keep_delivery, &d);
    if (rc < 0 && rc != RH_E_USER) {
        rh_query_free(q);
        cli_mhd_result r =
            dash_error_page(c, 503, "Store error", rh_ctx_last_error(ctx));
        rh_ctx_free(ctx);
        return r;
    }
    if (!d.found) {
        rh_query_free(q);
        rh_ctx_free(ctx);
        return dash_error_page(c, 404, "No such delivery", id);
    }
    page pg = {0};
    dash_head(&pg, id);
    dash_put(&pg, "<h1>Delivery <code>");
    dash_esc(&pg, id);
    dash_put(&pg, "</code></h1><dl><dt>endpoint</dt><dd><a href=\"/endpoints/");
    dash_esc(&pg, d.endpoint);
    dash_put(&pg, "\">");
    dash_esc(&pg, d.endpoint);
    dash_put(&pg, "</a></dd><dt>event type</dt><dd>");
    dash_esc(&pg, d.event_type);
    dash_put(&pg, "</dd><dt>state</dt><dd class=\"state\">");
    dash_esc(&pg, rh_delivery_state_name(d.state));
    cli_format_time(d.created_ms, t);
    dash_putf(&pg,
              "</dd><dt>attempts</dt><dd>%d</dd><dt>created</dt><dd>%s</dd>",
              d.attempts, t);
    if (d.state == RH_DELIVERY_PENDING && d.next_ms) {
        cli_format_time(d.next_ms, t);
        dash_putf(&pg, "<dt>next attempt</dt><dd>%s</dd>", t);
    }
    dash_put(&pg, "</dl>");
    if (d.state == RH_DELIVERY_FAILED) {
        dash_put(&pg, "<p class=\"actions\">");
        dash_button(&pg, db, "/deliveries", id, "Resend");
        dash_put(&pg, "</p>");
    }
    dash_put(&pg, "<h2>Attempts</h2>\n");
    ring *rg = calloc(1, sizeof *rg);
    rc = rg ? read_attempts(ctx, q, rg) : RH_E_NOMEM;
    if (rc == 0)
        attempts_table(&pg, rg, 1);
    free(rg);
    rh_query_free(q);
    requests_of(&pg, ctx, id, d.attempts);
    dash_foot(&pg);
    rh_ctx_free(ctx);
    return dash_send_page(c, 200, &pg, NULL);
}

/* ---------------------------------------------------------------- forms */

/* A page that shows a secret once (after add and rotate). */
static cli_mhd_result secret_page(struct MHD_Connection *c, const char *id,
                                  const char *secret, const char *what)
{
    page pg = {0};
    dash_head(&pg, what);
    dash_put(&pg, "<h1>");
    dash_esc(&pg, what);
    dash_put(&pg, "</h1><p>Endpoint <a href=\"/endpoints/");
    dash_esc(&pg, id);
    dash_put(&pg, "\">");
    dash_esc(&pg, id);
    dash_put(&pg, "</a>. Its signing secret is shown <strong>only this "
                  "once</strong>; copy it to the receiver now:</p><p><code "
                  "id=\"secret\">");
    dash_esc(&pg, secret);
    dash_put(&pg, "</code></p><p><a href=\"/\">Back to the endpoints</a></p>");
    dash_foot(&pg);
    return dash_send_page(c, 200, &pg, NULL);
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
    return dash_error_page(c, (unsigned)code, title, why);
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
        return dash_error_page(c, 404, "Not found", url);
    }
    memcpy(id, url + 11, len);
    id[len] = '\0';
    const char *verb = slash + 1;
    if (!strcmp(verb, "rotate")) {
        char secret[RH_SECRET_SIZE];
        rc =
            rh_endpoint_rotate_secret(ctx, id, 86400000, secret, sizeof secret);
        if (rc != RH_OK)
            return refused(c, ctx, "Secret not rotated");
        rh_ctx_free(ctx);
        return secret_page(c, id, secret,
                           "New secret (the old one is also signed "
                           "with for 24 h)");
    }
    if (!strcmp(verb, "recover")) {
        int64_t since;
        const char *s = dash_form_get(f, "since");
        if (!s || cli_parse_time_ms(s, &since) != 0) {
            rh_ctx_free(ctx);
            return dash_error_page(c, 400, "Not recovered",
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
            return dash_error_page(c, 404, "Not found", url);
        }
        if (rc != RH_OK)
            return refused(c, ctx, "Not changed");
    }
    rh_ctx_free(ctx);
    snprintf(back, sizeof back, "/endpoints/%s", id);
    return cli_http_redirect(c, back);
}

cli_mhd_result dash_post_action(struct MHD_Connection *c, dashboard *db,
                                const char *url, const form *f)
{
    rh_ctx *ctx = NULL;
    char err[200], back[120];
    int rc;
    if (dash_open_ctx(db, &ctx, err, sizeof err))
        return dash_error_page(c, 503, "Store unavailable", err);
    if (!strcmp(url, "/endpoints")) {
        char id[RH_ID_SIZE], secret[RH_SECRET_SIZE];
        const char *tenant = dash_form_get(f, "tenant");
        rh_endpoint_options *o = NULL;
        if (rh_endpoint_options_new(&o) != RH_OK) {
            rh_ctx_free(ctx);
            return dash_error_page(c, 503, "Out of memory", "try again");
        }
        if (tenant && *tenant &&
            rh_endpoint_options_set_tenant(o, tenant) != RH_OK) {
            rh_endpoint_options_free(o);
            rh_ctx_free(ctx);
            return dash_error_page(c, 400, "Endpoint not added",
                                   "tenant: 1 to 128 visible ASCII characters, "
                                   "no spaces");
        }
        rc = cli_endpoint_add(ctx, dash_form_get(f, "url"),
                              dash_form_get(f, "events"), o, id, secret);
        rh_endpoint_options_free(o);
        if (rc != RH_OK)
            return refused(c, ctx, "Endpoint not added");
        rh_ctx_free(ctx);
        return secret_page(c, id, secret, "Endpoint added");
    }
    if (!strcmp(url, "/emit")) {
        const char *type = dash_form_get(f, "type"),
                   *data = dash_form_get(f, "data");
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
    return dash_error_page(c, 404, "Not found", url);
}
