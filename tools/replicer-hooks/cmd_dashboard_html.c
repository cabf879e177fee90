/* replicer-hooks dashboard: the HTML writer its pages share (markup and
 * escaped values into a growing page, the head and foot, the form token,
 * one-button forms), the error page, sending a page, and the context each
 * request opens. */
#include "cmd_dashboard.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- pages */

void dash_put_n(page *pg, const char *s, size_t n)
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

void dash_put(page *pg, const char *s)
{
    dash_put_n(pg, s, strlen(s));
}

/* Markup only: every value that came from a store or a request goes
 * through dash_esc() or dash_esc_n() instead. */
void dash_putf(page *pg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        dash_put_n(pg, buf,
                   (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* HTML-escaped text; control bytes shown as U+FFFD so that a response
 * prefix cannot break the page. */
void dash_esc_n(page *pg, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '<':
            dash_put(pg, "&lt;");
            break;
        case '>':
            dash_put(pg, "&gt;");
            break;
        case '&':
            dash_put(pg, "&amp;");
            break;
        case '"':
            dash_put(pg, "&quot;");
            break;
        case '\'':
            dash_put(pg, "&#39;");
            break;
        default:
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                dash_put(pg, "\xef\xbf\xbd");
            else
                dash_put_n(pg, (const char *)&c, 1);
        }
    }
}

void dash_esc(page *pg, const char *s)
{
    dash_esc_n(pg, s ? s : "", s ? strlen(s) : 0);
}

const char *dash_form_get(const form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->names[i], name))
            return f->values[i];
    return NULL;
}

cli_mhd_result dash_send_page(struct MHD_Connection *c, unsigned status,
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

void dash_head(page *pg, const char *title)
{
    dash_put(pg,
             "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width\">"
             "<link rel=\"stylesheet\" href=\"/style.css\"><title>");
    dash_esc(pg, title);
    dash_put(pg, " - replicer-hooks</title></head><body><header><a href=\"/\">"
                 "replicer-hooks</a> <span class=\"muted\">dashboard</span>"
                 "</header><main>\n");
}

void dash_foot(page *pg)
{
    dash_put(pg, "</main></body></html>\n");
}

void dash_csrf_field(page *pg, const dashboard *db)
{
    dash_putf(pg, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
              db->csrf);
}

/* A form whose one button POSTs to action. */
void dash_button(page *pg, const dashboard *db, const char *action,
                 const char *id, const char *label)
{
    dash_put(pg, "<form method=\"post\" class=\"inline\" action=\"");
    dash_esc(pg, action);
    if (id) {
        dash_put(pg, "/");
        dash_esc(pg, id);
    }
    dash_put(pg, "\">");
    dash_csrf_field(pg, db);
    dash_put(pg, "<button>");
    dash_esc(pg, label);
    dash_put(pg, "</button></form>");
}

cli_mhd_result dash_error_page(struct MHD_Connection *c, unsigned status,
                               const char *title, const char *text)
{
    page pg = {0};
    dash_head(&pg, title);
    dash_put(&pg, "<h1>");
    dash_esc(&pg, title);
    dash_put(&pg, "</h1><p class=\"error\">");
    dash_esc(&pg, text);
    dash_put(&pg, "</p><p><a href=\"/\">Back to the endpoints</a></p>");
    dash_foot(&pg);
    return dash_send_page(c, status, &pg, NULL);
}

int dash_open_ctx(const dashboard *db, rh_ctx **ctx, char *err, size_t n)
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
