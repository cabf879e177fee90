/* replicer-hooks portal handler: one request in, one response out, for a
 * host to mount under any prefix of its own web server. It reads the
 * request's credentials (a session cookie, or a link token as a bearer),
 * trades a link for a session cookie so that the token leaves the address
 * bar, refuses cross-site writes, and hands the request to the API
 * (rh_portal_api.c) with the tenant the token names: every call below is
 * scoped by it, never by what the page asks. */
#include "rh_portal_priv.h"
#include "rh_portal_http.h"
#include "rh_portal_pages.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SESSION_S (8 * 3600) /* a session lasts its link, 8 h at most */
#define COOKIE "rh_portal"

int rh_portal_new(rh_portal **out, rh_ctx *ctx, const unsigned char *key,
                  size_t key_len)
{
    if (!out || !ctx || !key || key_len < RH_PORTAL_KEY_MIN ||
        key_len > sizeof((rh_portal *)0)->key)
        return RH_E_INVALID_ARG;
    rh_portal *p = rh__calloc(&rh__default_allocator, sizeof *p);
    if (!p)
        return RH_E_NOMEM;
    p->ctx = ctx;
    memcpy(p->key, key, key_len);
    p->key_len = key_len;
    *out = p;
    return RH_OK;
}

void rh_portal_free(rh_portal *p)
{
    if (!p)
        return;
    rh__wipe(p->key, sizeof p->key);
    rh__free(&rh__default_allocator, p);
}

int rh_portal_set_base(rh_portal *p, const char *base)
{
    size_t n = base ? strlen(base) : 0;
    /* a path of ours: no "//" (another site's, as a redirect target) and
     * no "." or ".." segment */
    if (!p || !base || n >= sizeof p->base || (n && base[0] != '/') ||
        (n && base[n - 1] == '/') || strspn(base, RH__URL_PATH_CHARS) != n ||
        strstr(base, "//") || strstr(base, "/./") || strstr(base, "/../") ||
        (n >= 2 && !strcmp(base + n - 2, "/.")) ||
        (n >= 3 && !strcmp(base + n - 3, "/..")))
        return RH_E_INVALID_ARG;
    memcpy(p->base, base, n + 1);
    return RH_OK;
}

int rh_portal_set_refresh_url(rh_portal *p, const char *url)
{
    size_t n = url ? strlen(url) : 0;
    if (!p || n >= sizeof p->refresh_url ||
        (url && strspn(url, RH__URL_PATH_CHARS ":?&=#%") != n) ||
        (url && strncmp(url, "https://", 8) && strncmp(url, "http://", 7) &&
         (url[0] != '/' || url[1] == '/')))
        return RH_E_INVALID_ARG; /* a web page: no javascript: or data: */
    memcpy(p->refresh_url, url ? url : "", n + 1);
    return RH_OK;
}

int rh_portal_set_insecure_cookie(rh_portal *p, int insecure)
{
    if (!p || (insecure != 0 && insecure != 1))
        return RH_E_INVALID_ARG;
    p->insecure_cookie = insecure;
    return RH_OK;
}

/* ----------------------------------------------------------- credentials */

/* Who asks: a bearer link token (an API client) or the session cookie (a
 * browser); by_cookie says which. RH_OK, or the code of the refusal. */
static int who(rh_portal *p, const rh_portal_request *rq, int64_t now_s,
               rh_portal_claims *c, int *by_cookie)
{
    char buf[RH_PORTAL_TOKEN_SIZE];
    const char *auth = rh__portal_header(rq, "Authorization");
    *by_cookie = 0;
    if (auth && !strncasecmp(auth, "Bearer ", 7))
        return rh__portal_token_check(p->key, p->key_len, RH__PORTAL_LINK,
                                      auth + 7, now_s, c);
    const char *s = rh__portal_cookie(rq, COOKIE, buf, sizeof buf);
    if (!s)
        return RH_E_SIGNATURE;
    *by_cookie = 1;
    return rh__portal_token_check(p->key, p->key_len, RH__PORTAL_SESSION, s,
                                  now_s, c);
}

/* A write a browser makes with the cookie must come from the portal's own
 * pages: its Origin names the Host it was sent to, or the browser says
 * same-origin. A request that says neither is refused. */
static int same_origin(const rh_portal *p, const rh_portal_request *rq)
{
    const char *site = rh__portal_header(rq, "Sec-Fetch-Site");
    const char *origin = rh__portal_header(rq, "Origin");
    const char *host = rh__portal_header(rq, "Host");
    if (site)
        return !strcmp(site, "same-origin");
    if (!origin || !host)
        return 0;
    /* https, unless the portal is tried over plain http */
    const char *rest = !strncmp(origin, "https://", 8) ? origin + 8
                       : p->insecure_cookie && !strncmp(origin, "http://", 7)
                           ? origin + 7
                           : NULL;
    return rest && !strcmp(rest, host);
}

/* ------------------------------------------------------------- the login */

/* GET <base>/login?token=LINK: the link traded for a session cookie and a
 * redirect to the portal's first page, so that the token is gone from the
 * address bar, the history and any Referer. */
static int login(rh_portal *p, const rh_portal_request *rq, int64_t now_s,
                 rh_portal_response *r)
{
    char token[RH_PORTAL_TOKEN_SIZE], session[RH_PORTAL_TOKEN_SIZE],
        cookie[RH_PORTAL_TOKEN_SIZE + 400], home[300];
    rh_portal_claims c;
    int got = rh__portal_query(rq, "token", token, sizeof token);
    if (got <= 0)
        return rh__portal_error(r, got ? 401 : 400,
                                got ? "the link is not valid"
                                    : "the link has no token");
    int rc = rh__portal_token_check(p->key, p->key_len, RH__PORTAL_LINK, token,
                                    now_s, &c);
    if (rc == RH_E_TIMESTAMP && p->refresh_url[0])
        return rh__portal_redirect(r, p->refresh_url, NULL);
    if (rc != RH_OK)
        return rh__portal_error(r, 401, rc == RH_E_TIMESTAMP
                                            ? "the link has expired"
                                            : "the link is not valid");
    int64_t until = c.expires_s < now_s + SESSION_S ? c.expires_s
                                                    : now_s + SESSION_S;
    rc = rh__portal_token_make(p->key, p->key_len, RH__PORTAL_SESSION,
                               c.tenant, c.caps, now_s, until, session,
                               sizeof session);
    if (rc != RH_OK)
        return rc;
    snprintf(cookie, sizeof cookie,
             COOKIE "=%s; Path=%s; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             session, p->base[0] ? p->base : "/", (long long)(until - now_s),
             p->insecure_cookie ? "" : "; Secure");
    snprintf(home, sizeof home, "%s/", p->base);
    return rh__portal_redirect(r, home, cookie);
}

/* ---------------------------------------------------------------- handle */

static int route(rh_portal *p, const rh_portal_request *rq,
                 rh_portal_response *r)
{
    rh_portal_claims c;
    int by_cookie;
    int64_t now_s = rh__ctx_now(p->ctx) / 1000;
    if (!strcmp(rq->sub, "/login") && !strcmp(rq->method, "GET"))
        return login(p, rq, now_s, r);
    if (!strncmp(rq->sub, "/assets/", 8) && !strcmp(rq->method, "GET")) {
        /* the look and the script, public: nothing of any tenant's */
        const rh_portal_asset *a = rh__portal_asset(rq->sub + 8);
        if (!a || strstr(a->name, ".html"))
            return rh__portal_error(r, 404, "not found");
        return rh__portal_body(r, 200, a->type, a->data, a->len);
    }
    int rc = who(p, rq, now_s, &c, &by_cookie);
    if (rc != RH_OK) {
        int page = strncmp(rq->sub, "/api/", 5) != 0;
        if (page && p->refresh_url[0])
            return rh__portal_redirect(r, p->refresh_url, NULL);
        return rh__portal_error(r, 401, rc == RH_E_TIMESTAMP
                                            ? "the session has expired"
                                            : "sign in through a link");
    }
    if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") && by_cookie &&
        !same_origin(p, rq))
        return rh__portal_error(r, 403, "cross-site request refused");
    if (!c.caps) /* every capability sees what it acts on */
        return rh__portal_error(r, 403, "this link cannot view the portal");
    if (strncmp(rq->sub, "/api/", 5) != 0)
        return rh__portal_page(p, rq, &c, r);
    return rh__portal_api(p, rq, &c, r);
}

int rh_portal_handle(rh_portal *p, const char *method, const char *path,
                     const char *query, const char *const *names,
                     const char *const *values, size_t n_headers,
                     const char *body, size_t body_len,
                     rh_portal_response **out)
{
    rh_portal_request rq;
    if (!p || !method || !path || !out || (n_headers && (!names || !values)) ||
        (body_len && !body))
        return RH_E_INVALID_ARG;
    rh_portal_response *r = rh__portal_response_new();
    if (!r)
        return RH_E_NOMEM;
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.query = query ? query : "";
    rq.names = names;
    rq.values = values;
    rq.n_headers = n_headers;
    rq.body = body;
    rq.body_len = body_len;
    size_t b = strlen(p->base);
    int rc;
    if (strncmp(path, p->base, b) != 0 || (path[b] != '/' && path[b] != '\0'))
        rc = rh__portal_error(r, 404, "not found");
    else if (body_len > RH__PORTAL_BODY_MAX)
        rc = rh__portal_error(r, 413, "the body is too large");
    else {
        rq.sub = path[b] ? path + b : "/";
        rc = route(p, &rq, r);
    }
    if (rc == RH_OK)
        rc = rh__portal_secure_headers(r);
    if (rc != RH_OK) {
        rh_portal_response_free(r);
        return rc;
    }
    *out = r;
    return RH_OK;
}
