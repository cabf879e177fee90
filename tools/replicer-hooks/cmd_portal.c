/* replicer-hooks portal: the customer portal served by the tool (each
 * request handed to the library's rh_portal_handle on a context opened for
 * it, so that it answers what the store holds now; cli_portal.h, which the
 * dashboard serves too), and portal link: a signed, expiring link for one
 * tenant. */
#include "cli_portal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PORTAL_BODY_MAX (64 * 1024) /* the library's own limit, plus one */
#define PORTAL_HEADERS_MAX 64

/* ------------------------------------------------------------------ link */

/* --can view,manage,resend as rh_portal_cap bits; 0 when one is unknown. */
static unsigned caps_of(const char *list)
{
    static const char *const names[] = {"view", "manage", "resend"};
    unsigned caps = RH_PORTAL_VIEW;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ","), k = 0;
        while (k < 3 && (strlen(names[k]) != n || strncmp(p, names[k], n)))
            k++;
        if (k == 3)
            return 0;
        caps |= 1u << k;
        p += n + (p[n] == ',');
    }
    return caps;
}

static int run_link(cli_args *a)
{
    unsigned char key[32];
    char token[RH_PORTAL_TOKEN_SIZE];
    unsigned caps = a->set[O_CAN] ? caps_of(a->text[O_CAN]) : RH_PORTAL_VIEW;
    int64_t ttl_s = a->set[O_TTL] ? a->num[O_TTL] / 1000 : 600;
    if (!caps)
        return cli_bad(a, "--can", "a list of view, manage and resend");
    if (a->set[O_OPERATOR])
        caps |= RH_PORTAL_OPERATOR;
    if (!a->set[O_TENANT] && !a->set[O_OPERATOR])
        return cli_bad(a, "--tenant", "missing (or --operator for every "
                                      "tenant)");
    if (a->set[O_TENANT] && a->set[O_OPERATOR])
        return cli_bad(a, "--operator", "an operator's link is for every "
                                        "tenant: give it without --tenant");
    if (ttl_s < 1 || ttl_s > 30 * 86400)
        return cli_bad(a, "--ttl", "1s to 30d");
    int rc = cli_portal_key(a, key);
    if (rc)
        return rc;
    rc = rh_portal_mint(key, sizeof key,
                        a->set[O_TENANT] ? a->text[O_TENANT] : NULL, caps,
                        (int64_t)time(NULL), ttl_s, token, sizeof token);
    memset(key, 0, sizeof key);
    if (rc == RH_E_INVALID_ARG)
        return cli_bad(a, "--tenant",
                       "a tenant is 1 to 128 visible ASCII characters");
    if (rc != RH_OK) {
        fprintf(stderr, "%s portal link: %s\n", cli_prog, rh_strerror(rc));
        return EXIT_FAILED;
    }
    printf("%s/login?token=%s\n", a->set[O_BASE] ? a->text[O_BASE] : "",
           token);
    return 0;
}

/* ---------------------------------------------------------------- server */

typedef cli_http_upload upload;

typedef struct header_list {
    const char *names[PORTAL_HEADERS_MAX], *values[PORTAL_HEADERS_MAX];
    size_t n;
    int hide_authorization;
} header_list;

static cli_mhd_result keep_header(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    header_list *h = cls;
    (void)kind;
    if (h->hide_authorization && key && !strcasecmp(key, "Authorization"))
        return MHD_YES;
    if (h->n < PORTAL_HEADERS_MAX && key && value) {
        h->names[h->n] = key;
        h->values[h->n++] = value;
    }
    return MHD_YES;
}

/* The query as sent, rebuilt from libmicrohttpd's decoded arguments. */
typedef struct query_text {
    char buf[4096];
    size_t len;
} query_text;

static void put_escaped(query_text *q, const char *s)
{
    for (; *s && q->len + 4 < sizeof q->buf; s++) {
        unsigned char c = (unsigned char)*s;
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789-._~",
                   c) &&
            c)
            q->buf[q->len++] = (char)c;
        else
            q->len += (size_t)snprintf(q->buf + q->len, 4, "%%%02X", c);
    }
    q->buf[q->len] = '\0';
}

static cli_mhd_result keep_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
    query_text *q = cls;
    (void)kind;
    if (q->len && q->len + 1 < sizeof q->buf)
        q->buf[q->len++] = '&';
    put_escaped(q, key);
    if (value && q->len + 1 < sizeof q->buf) {
        q->buf[q->len++] = '=';
        put_escaped(q, value);
    }
    return MHD_YES;
}

cli_mhd_result cli_portal_answer(const cli_portal_site *ps,
                                 struct MHD_Connection *c, const char *url,
                                 const char *method, upload *up)
{
    rh_ctx *ctx = NULL;
    rh_portal *p = NULL;
    rh_portal_response *r = NULL;
    header_list h = {{0}, {0}, 0, ps->hide_authorization};
    query_text q = {"", 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, keep_header, &h);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, keep_arg, &q);
    if (cli_open(ps->args, NULL, &ctx) != 0)
        return cli_http_reply(c, 503, "text/plain", "store unavailable\n", 18);
    int rc = rh_portal_new(&p, ctx, ps->key, sizeof ps->key);
    if (rc == RH_OK)
        rc = rh_portal_set_base(p, ps->base);
    if (rc == RH_OK && ps->refresh_url)
        rc = rh_portal_set_refresh_url(p, ps->refresh_url);
    if (rc == RH_OK)
        rc = rh_portal_set_insecure_cookie(p, ps->insecure_cookie);
    if (rc == RH_OK)
        rc = rh_portal_handle(p, method, url, q.buf, h.names, h.values, h.n,
                              up->p, up->too_large ? PORTAL_BODY_MAX + 1 : up->len,
                              &r);
    cli_mhd_result res = MHD_NO;
    if (rc == RH_OK) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            rh_portal_response_body_len(r),
            (void *)rh_portal_response_body(r), MHD_RESPMEM_MUST_COPY);
        for (size_t i = 0; resp && i < rh_portal_response_header_count(r); i++)
            MHD_add_response_header(resp, rh_portal_response_header_name(r, i),
                                    rh_portal_response_header_value(r, i));
        if (resp) {
            res = MHD_queue_response(
                c, (unsigned)rh_portal_response_status(r), resp);
            MHD_destroy_response(resp);
        }
    } else {
        res = cli_http_reply(c, 500, "text/plain", "portal failure\n", 15);
    }
    rh_portal_response_free(r);
    rh_portal_free(p);
    rh_ctx_free(ctx);
    return res;
}

int cli_portal_body(void **state, const char *data, size_t *data_size,
                    upload **up)
{
    int step =
        cli_http_upload_step(state, data, data_size, PORTAL_BODY_MAX, up);
    if (step <= 0)
        return step;
    if ((*up)->too_large) { /* the library answers 413 for any length over */
        free((*up)->p);
        (*up)->p = calloc(1, PORTAL_BODY_MAX + 2);
        if (!(*up)->p)
            return -1;
    }
    return 1;
}

static cli_mhd_result on_request(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *data_size, void **state)
{
    upload *up = NULL;
    (void)version;
    int step = cli_portal_body(state, data, data_size, &up);
    if (step <= 0)
        return step < 0 ? MHD_NO : MHD_YES;
    return cli_portal_answer(cls, c, url, method, up);
}


static int run_portal(cli_args *a)
{
    cli_portal_site ps;
    cli_http_addr addr;
    char err[200], base_url[120];
    memset(&ps, 0, sizeof ps);
    ps.args = a;
    ps.base = a->set[O_BASE] ? a->text[O_BASE] : "";
    ps.refresh_url = a->set[O_REFRESH_URL] ? a->text[O_REFRESH_URL] : NULL;
    ps.insecure_cookie = a->set[O_DEV];
    if (cli_http_parse_addr(a->set[O_LISTEN] ? a->text[O_LISTEN]
                                             : "127.0.0.1:8090",
                            &addr) != 0)
        return cli_bad(a, "--listen", "expected ADDR:PORT");
    int rc = cli_portal_key(a, ps.key);
    if (rc)
        return rc;
    rh_ctx *probe = NULL; /* the store and the options, checked once */
    if ((rc = cli_open(a, NULL, &probe)) != 0)
        return rc;
    rh_portal *check = NULL;
    rc = rh_portal_new(&check, probe, ps.key, sizeof ps.key);
    int bad_base = rc == RH_OK && rh_portal_set_base(check, ps.base) != RH_OK;
    int bad_refresh = rc == RH_OK && ps.refresh_url &&
                      rh_portal_set_refresh_url(check, ps.refresh_url) != RH_OK;
    rh_portal_free(check);
    rh_ctx_free(probe);
    if (bad_base)
        return cli_bad(a, "--base", "a path: \"/webhooks\", no trailing slash");
    if (bad_refresh)
        return cli_bad(a, "--refresh-url", "not a URL the portal can send to");
    cli_http_server *srv =
        cli_http_start(&addr, on_request, cli_http_upload_done, &ps, err,
                       sizeof err);
    if (!srv)
        return cli_bad(a, "--listen", err);
    cli_catch_stop();
    cli_http_base_url(&addr, srv, base_url, sizeof base_url);
    printf("portal on %s%s/ (a link: '%s portal link --tenant ID "
           "--portal-key-file F --base %s%s')\n",
           base_url, ps.base, cli_prog, base_url, ps.base);
    fflush(stdout);
    while (!cli_stop) {
        struct timespec tick = {0, 50 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    cli_http_stop(srv);
    memset(ps.key, 0, sizeof ps.key);
    return 0;
}

static const cli_opt link_opts[] = {
    CLI_OPT_TENANT("the tenant (account) whose portal it opens"),
    {O_PORTAL_KEY_FILE, "--portal-key-file", K_TEXT, 0, 0, "F",
     "the key that signs links (64 hex digits; made, 0600, when absent)"},
    {O_BASE, "--base", K_TEXT, 0, 0, "URL",
     "where the portal is served, e.g. https://app.example/webhooks"},
    {O_TTL, "--ttl", K_DURATION, 0, 0, "DURATION",
     "how long the link opens the portal (default 10m, at most 30d)"},
    {O_CAN, "--can", K_TEXT, 0, 0, "LIST",
     "view (always), manage, resend: comma-separated"},
    {O_OPERATOR, "--operator", K_FLAG, 0, 0, NULL,
     "every tenant (without --tenant): the operator's link"},
    CLI_OPT_END};
static const cli_opt portal_opts[] = {
    {O_LISTEN, "--listen", K_TEXT, 0, 0, "ADDR",
     "where to answer (default 127.0.0.1:8090)"},
    {O_PORTAL_KEY_FILE, "--portal-key-file", K_TEXT, 0, 0, "F",
     "the key links are signed with (as portal link's)"},
    {O_BASE, "--base", K_TEXT, 0, 0, "PATH",
     "the path it answers under (default: the root)"},
    {O_REFRESH_URL, "--refresh-url", K_TEXT, 0, 0, "URL",
     "where an expired session goes for a new link"},
    CLI_OPT_DEV,
    CLI_OPT_STORE,
    CLI_OPT_END};

const cli_command cli_cmd_portal_link = {
    "portal link",
    "--tenant ID --portal-key-file F",
    "print a signed, expiring link to a tenant's portal",
    "Prints <base>/login?token=<JWT>: a standard HS256 JWT for the tenant,\n"
    "with the capabilities given, that any JWT library could make with the\n"
    "same key (docs/portal.md).",
    {NULL},
    0,
    0,
    link_opts,
    run_link};
const cli_command cli_cmd_portal = {
    "portal",
    "--portal-key-file F [--listen ADDR]",
    "serve the customer portal: each tenant its own webhooks",
    "Serves the portal (rh_portal_handle) for links made by portal link: a\n"
    "tenant's endpoints and the catalog, as pages and a JSON API. Put it\n"
    "behind the host's TLS; --dev drops the cookie's Secure for plain http.",
    {NULL},
    0,
    0,
    portal_opts,
    run_portal};
