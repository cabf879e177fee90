/* replicer-hooks dashboard, private: what its three files share. The
 * server (cmd_dashboard.c: requests, forms, the Host, token and cross-site
 * rules, the command) answers with the pages (cmd_dashboard_pages.c),
 * built with the HTML writer (cmd_dashboard_html.c). */
#ifndef RH_CMD_DASHBOARD_H
#define RH_CMD_DASHBOARD_H

#include "cli.h"
#include "cli_http.h"

#define ROWS_SHOWN 100
#define TYPE_SIZE 129 /* an event type is 1 to 128 bytes (rh_emit) */

/* A page being written: on out of memory it stops growing and says so. */
typedef struct page {
    char *p;
    size_t len, cap;
    int failed;
} page;

typedef struct dashboard {
    const cli_args *args;
    const char *token;   /* NULL: loopback, no token */
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

/* cmd_dashboard_html.c: the page writer; every value that came from a
 * store or a request goes through dash_esc or dash_esc_n, markup through
 * dash_put and dash_putf. */
void dash_put_n(page *pg, const char *s, size_t n);
void dash_put(page *pg, const char *s);
void dash_putf(page *pg, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void dash_esc_n(page *pg, const char *s, size_t n);
void dash_esc(page *pg, const char *s);
void dash_head(page *pg, const char *title);
void dash_foot(page *pg);
void dash_csrf_field(page *pg, const dashboard *db);
/* A form whose one button POSTs to action (/id when id is set). */
void dash_button(page *pg, const dashboard *db, const char *action,
                 const char *id, const char *label);
cli_mhd_result dash_send_page(struct MHD_Connection *c, unsigned status,
                              page *pg, const char *set_cookie);
cli_mhd_result dash_error_page(struct MHD_Connection *c, unsigned status,
                               const char *title, const char *text);
/* A context per request (0), or -1 with err saying why. */
int dash_open_ctx(const dashboard *db, rh_ctx **ctx, char *err, size_t n);
const char *dash_form_get(const form *f, const char *name);

/* cmd_dashboard_pages.c: the pages and the forms' actions. */
cli_mhd_result dash_index_page(struct MHD_Connection *c, dashboard *db);
cli_mhd_result dash_endpoint_page(struct MHD_Connection *c, dashboard *db,
                                  const char *id);
cli_mhd_result dash_delivery_page(struct MHD_Connection *c, dashboard *db,
                                  const char *id);
cli_mhd_result dash_post_action(struct MHD_Connection *c, dashboard *db,
                                const char *url, const form *f);

#endif
